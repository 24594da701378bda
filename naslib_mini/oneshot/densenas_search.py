"""The DenseNAS search as a one-shot method (Fang et al. 2020, arXiv 1906.09607; official
run_apis/optimizer.py and run_apis/search.py).

Its architecture parameters (method.OneShotMethod, initialised as in the official code,
1e-3 * N(0, 1)) follow the supernet's protocol (densenas.DenseSuperNet):

    alphas["head"]  (head layers, |HEAD|)   ops of every head layer, block after block
    alphas["stack"] (stacked layers, |STACK|) ops of every stacked layer
    betas["paths"]  (lattice edges,)        the paths leaving each block (softmax per block)

and it replaces each batch of `fit` through `train_step`, first-order and alternating:

1. after `warmup_epochs` (official: 50 of 150), on every `arch_every`-th batch, an
   architecture step on the next validation batch (the official code makes one pass over the
   validation split per epoch: arch_every = len(train) / len(val) does the same):
   `arch_sample` ops drawn per layer from softmax(alpha) (official: 2), the loss
   CE + lambda * log_tau(E[latency]) (densenas_latency.latency_loss, E[latency] from the
   supernet's densenas_latency.LatencyModel under the same weights), Adam (betas 0.5, 0.999;
   weight decay 1e-3);
   then the drawn alphas are shifted so that the ops not drawn keep their probabilities
   (ProxylessNAS's rescaling, which the official code uses);
2. a weight step on the training batch: `warmup_sample` ops per layer drawn uniformly during
   the warm-up, `weight_sample` drawn from softmax(alpha) after it (official: 1 and 1; None
   mixes every op, which trains the shared weights in far fewer steps, at about 5x the cost
   of a step); the loop's SGD step follows.

Each epoch the method logs what its architecture steps saw on the validation batches
(arch_val_loss, arch_val_acc), the expected latency and the table's latency of the derived
architecture, and keeps a snapshot (method.py). The warm-up and the search are one `fit`
(search.search(space="densenas", method="densenas", supernet=...)); a warm-up alone is a
config with warmup_epochs = num_epochs, and a search can start from its supernet.
"""
from __future__ import annotations

import torch

from .config import DenseNASConfig
from .densenas import ArchWeights, sample_ops
from .densenas_latency import latency_loss
from .method import OneShotMethod, accuracy, register
from .supernet import Mixing, flat


@register("densenas")
class DenseNAS(OneShotMethod):
    """DenseNAS on a densenas.DenseSuperNet whose `latency` is the space's LatencyModel
    (needed when config.lam > 0). After the search: derive() gives the DenseArch,
    path_probs() the p_ij per block, expected_latency() the supernet's expected latency (ms)."""

    Config = DenseNASConfig
    spaces = ("densenas",)

    def __init__(self, supernet, val, config, *, seed: int = 0, device="auto"):
        if "paths" not in supernet.edge_groups():  # the protocol: path betas (DenseSuperNet)
            raise TypeError(f"supernet must be a densenas.DenseSuperNet, got {type(supernet).__name__}")
        if supernet.latency is None and config.lam > 0:
            raise ValueError("DenseNAS with lam > 0 needs the supernet's latency model: "
                             "DenseSuperNet(space, ..., latency=LatencyModel(space, table, ...))")
        super().__init__(supernet, val, config, seed=seed, device=device)
        self.gen = torch.Generator().manual_seed(seed + 2)  # the ops drawn per layer

    def uses_betas(self) -> bool:
        return True

    # -- the architecture ---------------------------------------------------------------------
    def path_probs(self) -> list[torch.Tensor]:
        """p_i = softmax(beta_i) for every block i, detached: (len(outgoing(i)),) each."""
        s = self.supernet.space
        return list(self.edge_weights(True)["paths"].split([len(s.outgoing(i)) for i in range(s.n_blocks)]))

    def mixing(self, detach: bool = True, training: bool = True, k: int | None = None,
               policy: str = "prob") -> dict[str, Mixing]:
        """Softmax weights (k=None) or k ops drawn per layer, and the path probabilities."""
        mix = {}
        for name, a in self.alphas.items():
            w, active = sample_ops(a.detach() if detach else a, k, self.gen, policy)
            mix[name] = Mixing(w, active)
        return {**mix, "paths": Mixing(edge_weights=self.edge_weights(detach)["paths"])}

    def expected_latency(self) -> float:
        """E[latency] (ms) of the supernet under the full softmax weights ([chain] of
        densenas_latency.py)."""
        with torch.no_grad():
            return float(self.supernet.latency.expected(
                ArchWeights.from_mixing(self.supernet.space, self.mixing())))

    # -- fit hooks ----------------------------------------------------------------------------
    def on_fit_start(self, t):
        if self.supernet.latency is not None:
            self.supernet.latency.to(t.device)

    def arch_step(self, t, loss_fn):
        """One architecture step on a validation batch (step 1 of the module docstring)."""
        X, y = self.next_val_batch(t.device)
        c = self.config
        mix = self.mixing(detach=False, k=c.arch_sample)
        with t.autocast():
            logits = self.supernet(X, mix)                        # (B, num_classes)
        loss = loss_fn(logits.float(), y)
        if c.lam:
            lat = self.supernet.latency.expected(ArchWeights.from_mixing(self.supernet.space, mix))
            loss = latency_loss(loss, lat, c.lam, c.tau)          # (), CE + lam log_tau(ms)
        self.record(loss.detach(), accuracy(logits.detach(), y))
        params = self.arch_parameters()
        grads = torch.autograd.grad(loss, params, allow_unused=True)  # no weight gradients
        old = [a.detach().clone() for a in flat(self.alphas)]
        self.apply(grads)
        for a, a_old, name in zip(flat(self.alphas), old, self.alphas):
            _rescale(a, a_old, mix[name].index)

    def train_step(self, t, X, y, loss_fn):
        c = self.config
        searching = t.epoch >= c.warmup_epochs
        if searching and t.step % c.arch_every == 0:
            self.arch_step(t, loss_fn)
        k = c.weight_sample if searching else c.warmup_sample
        with t.autocast():
            logits = self.supernet(X, self.mixing(k=k, policy="prob" if searching else "uniform"))
            loss = loss_fn(logits.float(), y)                     # logits (B, num_classes)
        loss.backward()
        return loss, logits

    def on_epoch_end(self, t, logs):
        super().on_epoch_end(t, logs)
        if self.supernet.latency is not None:
            logs["latency_expected_ms"] = self.expected_latency()
            logs["latency_derived_ms"] = self.supernet.latency.of_arch(self.snapshots[-1]["arch"])

    def extra_state(self) -> dict:
        return {"gen": self.gen.get_state()}

    def load_extra_state(self, state: dict) -> None:
        self.gen.set_state(state["gen"])


@torch.no_grad()
def _rescale(alpha, alpha_old, active):
    """Shift the drawn alphas of each layer so that their total softmax mass is what it was
    before the step: the ops that were not drawn keep their probabilities (ProxylessNAS)."""
    if active is None:  # every op ran: nothing to keep
        return
    for l, act in enumerate(active):
        idx = torch.tensor(act, device=alpha.device)
        shift = alpha_old[l, idx].logsumexp(0) - alpha[l, idx].logsumexp(0)
        alpha[l, idx] += shift
