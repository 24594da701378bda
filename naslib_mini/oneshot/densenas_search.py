"""The DenseNAS search as a `train.fit` callback (Fang et al. 2020, arXiv 1906.09607; official
run_apis/optimizer.py and run_apis/search.py).

It owns the architecture parameters, initialised as in the official code (1e-3 * N(0, 1)):

    alpha_head[j]  (len(incoming(j)), |HEAD|)   ops of block j's head layers
    alpha_stack[j] (layers[j], |STACK|)         ops of block j's stacked layers
    beta[i]        (len(outgoing(i)),)          the paths leaving block i

and replaces each batch of `fit` through `train_step`, first-order and alternating:

1. after `warmup_epochs` (official: 50 of 150), on every `arch_every`-th batch, an
   architecture step on the next validation batch (the official code makes one pass over the
   validation split per epoch: arch_every = len(train) / len(val) does the same):
   `arch_sample` ops drawn per layer from softmax(alpha) (official: 2), the loss
   CE + lambda * log_tau(E[latency]) (latency.latency_loss, E[latency] from
   latency.LatencyModel under the same weights), Adam (betas 0.5, 0.999; weight decay 1e-3);
   then the drawn alphas are shifted so that the ops not drawn keep their probabilities
   (ProxylessNAS's rescaling, which the official code uses);
2. a weight step on the training batch: `warmup_sample` ops per layer drawn uniformly during
   the warm-up, `weight_sample` drawn from softmax(alpha) after it (official: 1 and 1; None
   mixes every op, which trains the shared weights in far fewer steps, at about 5x the cost
   of a step); the loop's SGD step follows.

fit is called with no validation split (the supernet needs mixing weights); each epoch the
callback logs what its architecture steps saw on the validation batches (arch_loss,
arch_acc), the expected latency, the table's latency of the derived architecture, and keeps a
snapshot of the path probabilities and the derived architecture. Its state_dict holds alpha, beta, their optimizer, its
generator and the validation cursor, so `fit(..., checkpoint=...)` resumes exactly.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import checks
from ..latency import LatencyModel, latency_loss
from ..train import Callback
from .densenas import ArchWeights, DenseSuperNet, derive, sample_ops


class DenseNASSearch(Callback):
    """The search: pass it to `fit(supernet, (train, None), callbacks=[search])`.

    val: the validation split (an object with .X and .y, or an (X, y) pair) for the
    architecture steps. latency: a latency.LatencyModel of the supernet's space.
    lam, tau: the loss [loss] of latency.py (paper: 0.1, 15). alpha_lr, beta_lr, arch_weight_decay: the architecture
    optimizer, Adam with betas (0.5, 0.999) (official: 3e-4, 3e-4, 1e-3). *_sample: ops drawn
    per layer (None: every op, softmax-mixed); see the module docstring for the rest.
    After the fit: derive() gives the DenseArch, path_probs() the p_ij, snapshots the history.
    """

    def __init__(self, supernet: DenseSuperNet, val, latency: LatencyModel, *, lam: float = 0.1,
                 tau: float = 15.0, alpha_lr: float = 3e-4, beta_lr: float = 3e-4,
                 arch_weight_decay: float = 1e-3, warmup_epochs: int = 0,
                 warmup_sample: int | None = 1, weight_sample: int | None = 1,
                 arch_sample: int | None = 2, arch_every: int = 1, val_batch_size: int = 64,
                 seed: int = 0):
        if not isinstance(supernet, DenseSuperNet):
            raise TypeError(f"supernet must be a densenas.DenseSuperNet, got {type(supernet).__name__}")
        checks.split("val", val, classify=False)
        for name, v in (("lam", lam), ("alpha_lr", alpha_lr), ("beta_lr", beta_lr),
                        ("arch_weight_decay", arch_weight_decay)):
            checks.number(name, v, min=0)
        checks.number("tau", tau, min=0, min_open=True)
        checks.integer("warmup_epochs", warmup_epochs, min=0)
        for name, v in (("warmup_sample", warmup_sample), ("weight_sample", weight_sample),
                        ("arch_sample", arch_sample)):
            if v is not None:
                checks.integer(name, v, min=1)
        checks.integer("arch_every", arch_every, min=1)
        checks.integer("val_batch_size", val_batch_size, min=1)
        checks.integer("seed", seed, min=0)
        s = supernet.space
        self.supernet, self.space, self.latency = supernet, s, latency
        self.val = (val.X, val.y) if hasattr(val, "X") else tuple(val)
        self.lam, self.tau, self.warmup_epochs = lam, tau, warmup_epochs
        self.warmup_sample, self.weight_sample = warmup_sample, weight_sample
        self.arch_sample, self.arch_every, self.val_batch_size = arch_sample, arch_every, val_batch_size
        self.gen = torch.Generator().manual_seed(seed)
        r = lambda *shape: nn.Parameter(1e-3 * torch.randn(*shape, generator=self.gen))  # noqa: E731
        nh, ns = len(supernet.head_ops), len(supernet.stack_ops)
        self.alpha_head = nn.ParameterList(r(len(s.incoming(j)) if j else 0, nh)
                                           for j in range(s.n_blocks))
        self.alpha_stack = nn.ParameterList(r(s.layers[j], ns) for j in range(s.n_blocks))
        self.beta = nn.ParameterList(r(len(s.outgoing(i))) for i in range(s.n_blocks))
        self.arch_optimizer = torch.optim.Adam(
            [{"params": list(self.alpha_head) + list(self.alpha_stack), "lr": alpha_lr},
             {"params": list(self.beta), "lr": beta_lr}],
            betas=(0.5, 0.999), weight_decay=arch_weight_decay)
        self.cursor, self.perm = 0, None
        self._seen = [0.0, 0, 0]  # architecture steps this epoch: loss sum, correct, examples
        self.snapshots = []  # per epoch: {"epoch", "paths": [[p_ij]], "arch": str}

    # -- the architecture -------------------------------------------------------------------
    def arch_parameters(self) -> list[nn.Parameter]:
        return list(self.alpha_head) + list(self.alpha_stack) + list(self.beta)

    def path_probs(self) -> list[torch.Tensor]:
        """p_i = softmax(beta_i) for every block i, detached: (len(outgoing(i)),) each."""
        return [F.softmax(b.detach(), -1) for b in self.beta]

    def weights(self, head_k=None, stack_k=None, policy="prob", detach=True) -> ArchWeights:
        """ArchWeights from alpha and beta: full softmax (k=None) or k ops drawn per layer."""
        g = (lambda p: p.detach()) if detach else (lambda p: p)
        head = [sample_ops(g(a), head_k, self.gen, policy) for a in self.alpha_head]
        stack = [sample_ops(g(a), stack_k, self.gen, policy) for a in self.alpha_stack]
        return ArchWeights(
            head=[w for w, _ in head], stack=[w for w, _ in stack],
            paths=[F.softmax(g(b), -1) for b in self.beta],
            head_active=None if head_k is None else [act for _, act in head],
            stack_active=None if stack_k is None else [act for _, act in stack])

    def derive(self):
        """The derived DenseArch now: Viterbi path over softmax(beta), argmax alpha."""
        return derive(self.space, self.alpha_head, self.alpha_stack, self.beta,
                      self.supernet.head_ops, self.supernet.stack_ops)

    def expected_latency(self) -> float:
        """E[latency] (ms) of the supernet under the full softmax weights, [chain] of latency.py."""
        with torch.no_grad():
            return float(self.latency.expected(self.weights()))

    # -- fit hooks ----------------------------------------------------------------------------
    def on_fit_start(self, t):
        for p in self.arch_parameters():
            p.data = p.data.to(t.device)
        for state in self.arch_optimizer.state.values():
            for k, v in state.items():
                if torch.is_tensor(v) and v.dim():
                    state[k] = v.to(t.device)
        X, y = (v.to(t.device) for v in self.val)
        conv = next(m for m in self.supernet.modules() if isinstance(m, nn.Conv2d))
        if conv.weight.is_contiguous(memory_format=torch.channels_last) and conv.weight.shape[-1] > 1:
            X = X.contiguous(memory_format=torch.channels_last)  # as fit(channels_last=True) does
        self.val = (X, y)
        self.latency.to(t.device)

    def _next_val_batch(self):
        n = len(self.val[1])
        if self.perm is None or self.cursor >= n:
            self.perm, self.cursor = torch.randperm(n, generator=self.gen), 0
        idx = self.perm[self.cursor:self.cursor + self.val_batch_size].to(self.val[1].device)
        self.cursor += self.val_batch_size
        return self.val[0][idx], self.val[1][idx]

    def arch_step(self, t, loss_fn):
        """One architecture step on a validation batch (step 1 of the module docstring)."""
        X, y = self._next_val_batch()
        w = self.weights(self.arch_sample, self.arch_sample, "prob", detach=False)
        with t.autocast():
            logits = self.supernet(X, w)
        lat = self.latency.expected(w)                          # (), ms
        loss = latency_loss(loss_fn(logits.float(), y), lat, self.lam, self.tau)
        self._seen[0] += float(loss.detach()) * len(y)
        self._seen[1] += int((logits.detach().argmax(1) == y).sum())
        self._seen[2] += len(y)
        params = self.arch_parameters()
        grads = torch.autograd.grad(loss, params, allow_unused=True)  # no weight gradients
        old = [a.detach().clone() for a in list(self.alpha_head) + list(self.alpha_stack)]
        self.arch_optimizer.zero_grad(set_to_none=True)
        for p, g in zip(params, grads):
            p.grad = torch.zeros_like(p) if g is None else g
        self.arch_optimizer.step()
        if w.head_active is not None:
            acts = w.head_active + w.stack_active
            for a, a_old, act in zip(list(self.alpha_head) + list(self.alpha_stack), old, acts):
                _rescale(a, a_old, act)
        return float(loss.detach()), float(lat.detach())

    def train_step(self, t, X, y, loss_fn):
        searching = t.epoch >= self.warmup_epochs
        if searching and t.step % self.arch_every == 0:
            self.arch_step(t, loss_fn)
        k = self.weight_sample if searching else self.warmup_sample
        w = self.weights(k, k, "prob" if searching else "uniform")
        with t.autocast():
            logits = self.supernet(X, w)                          # (B, num_classes)
            loss = loss_fn(logits.float(), y)
        loss.backward()
        return loss, logits

    def on_epoch_start(self, t):
        self._seen = [0.0, 0, 0]

    def on_epoch_end(self, t, logs):
        loss_sum, correct, n = self._seen
        if n:
            logs["arch_loss"], logs["arch_acc"] = loss_sum / n, correct / n
        arch = self.derive()
        logs["latency_expected_ms"] = self.expected_latency()
        logs["latency_derived_ms"] = self.latency.of_arch(arch)
        self.snapshots.append({"epoch": t.epoch, "arch": arch.to_string(),
                               "paths": [p.tolist() for p in self.path_probs()]})

    def state_dict(self):
        return {"arch": [p.detach().cpu() for p in self.arch_parameters()],
                "arch_optimizer": self.arch_optimizer.state_dict(), "gen": self.gen.get_state(),
                "cursor": self.cursor, "perm": self.perm, "snapshots": list(self.snapshots)}

    def load_state_dict(self, state):
        for p, v in zip(self.arch_parameters(), state["arch"]):
            p.data = v.clone().to(p.device)
        self.arch_optimizer.load_state_dict(state["arch_optimizer"])
        self.gen.set_state(state["gen"])
        self.cursor, self.perm = state["cursor"], state["perm"]
        self.snapshots = list(state["snapshots"])


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
