"""GDAS: Gradient-based search using Differentiable Architecture Sampler (Dong & Yang, CVPR
2019, arXiv 1910.04465, section 3; official code D-X-Y/AutoDL-Projects, GDAS.py and the
search models' `get_gumbel_prob`).

Instead of mixing every op on an edge (DARTS), GDAS samples one op per edge from
softmax(alpha) with the Gumbel-max trick and runs only that op:

    g_o = -log(-log u_o),  u_o ~ U(0, 1)                 (Gumbel noise; -log E, E ~ Exp(1))
    h   = one_hot(argmax_o (log softmax(alpha)_o + g_o))  a sample of softmax(alpha)
    p   = softmax((log softmax(alpha) + g) / tau)         its Gumbel-softmax relaxation
    w   = h - stopgrad(p) + p                            straight-through: h forward, grad of p backward

Only the sampled op runs (MixedOp with weights and index), so a step costs about one op per
edge instead of all of them. tau falls linearly from 10 to 0.1 over the search (official
code: tau = tau_max - (tau_max - tau_min) * epoch / (epochs - 1)). Each batch the weights
take their step first, then alpha one step on a validation batch (first order), both on a
fresh sample; every cell of a type shares one sample per forward. Settings: GDASConfig.
"""
from __future__ import annotations

import torch

from .config import GDASConfig
from .darts import DARTS
from .method import OneShotMethod, register
from .supernet import Mixing

_REDRAWS = 100  # Gumbel redraws before giving up (one is needed with probability ~1 - 1e-7)


def gumbel_softmax_sample(alpha: torch.Tensor, tau: float, generator: torch.Generator | None = None):
    """One GDAS sample per row of alpha (E, n).

    Returns (hard, index, probs): hard (E, n) one-hot in value with the gradient of probs
    (straight-through), index (E,) the sampled ops, probs (E, n) the Gumbel-softmax at tau.
    Noise comes from `generator` (a CPU generator; None = torch's global one).
    """
    if tau <= 0:
        raise ValueError(f"tau must be > 0, got {tau}")
    if not torch.isfinite(alpha).all():
        raise FloatingPointError(
            f"GDAS: alpha holds {int((~torch.isfinite(alpha)).sum())} non-finite value(s), so no "
            "op can be sampled; the search diverged (lower arch_lr, or check the data for NaN)")
    for _ in range(_REDRAWS):  # as the official code: redraw on the (rare) infinite noise
        exp = torch.empty(alpha.shape, dtype=alpha.dtype).exponential_(generator=generator)
        gumbels = -exp.log().to(alpha.device)                     # (E, n)
        probs = ((alpha.log_softmax(-1) + gumbels) / tau).softmax(-1)
        if torch.isfinite(gumbels).all() and torch.isfinite(probs).all():
            break
    else:  # finite alpha and tau > 0 give infinite noise with probability ~0: say so, never hang
        raise FloatingPointError(f"GDAS: {_REDRAWS} Gumbel draws in a row were not finite "
                                 f"(tau = {tau}, alpha range {alpha.min():.3g}..{alpha.max():.3g})")
    index = probs.argmax(-1)                                       # (E,)
    one_hot = torch.zeros_like(probs).scatter_(-1, index[:, None], 1.0)
    return one_hot - probs.detach() + probs, index, probs


def tau_schedule(epoch: int, num_epochs: int, tau_max: float = 10.0, tau_min: float = 0.1) -> float:
    """Linear from tau_max at epoch 0 to tau_min at the last epoch (num_epochs - 1)."""
    if num_epochs <= 1:
        return tau_max
    return tau_max - (tau_max - tau_min) * epoch / (num_epochs - 1)


@register("gdas")
class GDAS(DARTS):
    """GDAS as a one-shot method, on any supernet (DARTS space or NAS-Bench-201). Same alphas
    and Adam as DARTS (official settings), first order only.

    The config's num_epochs sets the tau schedule (tau_max to tau_min). In evaluation (fit's
    validation pass) the supernet runs each edge's argmax op. The derived architecture uses
    the space's rule on softmax(alpha), as DARTS.
    """

    Config = GDASConfig

    def __init__(self, supernet, val, config, *, seed: int = 0, device="auto"):
        super().__init__(supernet, val, config, seed=seed, device=device)
        if any(isinstance(a, list) for a in self.alphas.values()):
            raise ValueError("GDAS needs the same number of ops on every edge of a cell type")
        self.tau = config.tau_max
        self._gumbel_gen = torch.Generator().manual_seed(seed + 2)
        self._loss_fn = None

    def mixing(self, detach: bool = True, training: bool = True) -> dict[str, Mixing]:
        mix = {}
        for k, a in self.alphas.items():
            if not training:  # the current discrete path: argmax, one-hot
                index = a.argmax(-1)
                weights = torch.zeros_like(a).scatter_(-1, index[:, None], 1.0)
            else:
                weights, index, _ = gumbel_softmax_sample(a.detach() if detach else a,
                                                          self.tau, self._gumbel_gen)
            mix[k] = Mixing(weights, index.tolist())
        return mix

    # ------------------------------------------------------------------ the search step
    def on_epoch_start(self, t):
        super().on_epoch_start(t)
        c = self.config
        self.tau = tau_schedule(t.epoch, c.num_epochs, c.tau_max, c.tau_min)

    def train_step(self, t, X, y, loss_fn):
        """The weights' forward/backward on a fresh sample (fit then takes the SGD step)."""
        self._loss_fn = loss_fn
        return OneShotMethod.train_step(self, t, X, y, loss_fn)

    def on_batch_end(self, t, loss):
        """After the weight step: alpha's step on a validation batch and a fresh sample."""
        if t.epoch >= self.config.warmup_epochs:
            Xv, yv = self.next_val_batch(t.device)
            self.arch_step(None, None, Xv, yv, self._loss_fn, t.optimizer, t.autocast)

    def on_epoch_end(self, t, logs):
        super().on_epoch_end(t, logs)
        logs["tau"] = self.tau

    def extra_state(self) -> dict:
        return {"tau": self.tau, "gumbel_gen": self._gumbel_gen.get_state()}

    def load_extra_state(self, state: dict) -> None:
        self.tau = state["tau"]
        self._gumbel_gen.set_state(state["gumbel_gen"])
