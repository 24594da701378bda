"""DARTS' finite-difference hypergradient against the exact one, on a real supernet.

`bilevel.fd_hypergradient_error` compares eq. 8's central difference with the exact
Hessian-vector product (double backward). `fd_error(method, ...)` runs it on a method's
supernet and alphas (a oneshot.darts.DARTS method, or any subclass) for one training and one validation
batch, in the supernet's training mode (BatchNorm on batch statistics, as in the search),
leaving the supernet exactly as it was (weights and BatchNorm's running statistics).

    err = fd_error(arch, X, y, Xv, yv, lr=0.025)   # [{"r", "eps", "hvp_error", ...}, ...]
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from .. import checks
from .bilevel import fd_hypergradient_error

OFFICIAL_R = 1e-2  # eps = 0.01 / ||v|| in the official code (cnn/architect.py)


def fd_error(method, X, y, Xv, yv, *, lr: float = 0.025, rs=(1e-1, 1e-2, 1e-3, 1e-4),
             loss_fn=F.cross_entropy, dtype: torch.dtype | None = None) -> list[dict]:
    """Relative error of the finite-difference hypergradient of `method` (a DARTS method) on
    the training batch (X, y) and validation batch (Xv, yv), for each r in `rs`.

    lr: xi, the weights' learning rate of the unrolled step (DARTS: 0.025; no momentum or
    weight decay here). dtype: run a copy of the supernet and alphas in this precision
    (torch.float64 separates the kinks from float32 rounding); None keeps the method's own.
    """
    checks.number("lr", lr, min=0, min_open=True)
    if dtype is not None:
        method = copy.deepcopy(method)
        method.supernet.to(dtype)
        with torch.no_grad():
            for a in method.arch_parameters():
                a.data = a.data.to(dtype)
        X, Xv = X.to(dtype), Xv.to(dtype)
    net = method.supernet
    saved = copy.deepcopy(net.state_dict())
    was_training = net.training
    net.train()
    try:
        weights = [p for p in net.parameters() if p.requires_grad]
        return fd_hypergradient_error(
            lambda: loss_fn(method.logits(X, detach=False), y),
            lambda: loss_fn(method.logits(Xv, detach=False), yv),
            weights, method.arch_parameters(), lr, rs)
    finally:
        net.load_state_dict(saved)
        net.train(was_training)
