"""Measures of networks and of searches: parameters, multiply-accumulates, latency, rank
correlation and regret."""
from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from .utils import count_params

__all__ = ["count_params", "count_macs", "measure_latency", "kendall_tau", "spearman", "regret"]


def count_macs(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass of a single input of shape (C, H, W), counted
    over Conv2d and Linear layers (the convention of papers' "FLOPs" / "multiply-adds")."""
    total = 0

    def conv_hook(m, inp, out):
        nonlocal total
        kh, kw = m.kernel_size
        total += out.numel() * (m.in_channels // m.groups) * kh * kw

    def linear_hook(m, inp, out):
        nonlocal total
        total += out.numel() * m.in_features

    hooks = [m.register_forward_hook(conv_hook if isinstance(m, nn.Conv2d) else linear_hook)
             for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            device = next(net.parameters()).device if any(True for _ in net.parameters()) else "cpu"
            net(torch.zeros(1, *input_shape, device=device))
    finally:
        for h in hooks:
            h.remove()
        net.train(was_training)
    return int(total)


@torch.no_grad()
def measure_latency(net: nn.Module, input_shape: tuple[int, ...], batch_size: int = 1,
                    reps: int = 20, warmup: int = 3) -> float:
    """Median wall time (seconds) of one forward pass in eval mode on the net's device."""
    device = next(net.parameters()).device
    x = torch.randn(batch_size, *input_shape, device=device)
    was_training = net.training
    net.eval()
    times = []
    for i in range(warmup + reps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        net(x)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    net.train(was_training)
    return float(np.median(times))


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions), 0-based."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    ranks[order] = np.arange(len(x))
    _, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    return (sums / counts)[inv]


def spearman(a, b) -> float:
    """Spearman's rank correlation: Pearson correlation of the average ranks (NaN when either
    side is constant, as in scipy: no ranking to compare)."""
    ra, rb = _ranks(np.asarray(a, float)), _ranks(np.asarray(b, float))
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def kendall_tau(a, b) -> float:
    """Kendall's tau-b (ties handled as in scipy.stats.kendalltau), O(n^2) memory-light loop
    over chunks; fine for the few thousand points of a tabular benchmark."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = len(a)
    concordant_minus_discordant, ties_a, ties_b = 0.0, 0.0, 0.0
    for i in range(n - 1):
        da, db = np.sign(a[i + 1:] - a[i]), np.sign(b[i + 1:] - b[i])
        concordant_minus_discordant += float((da * db).sum())
        ties_a += float((da == 0).sum())
        ties_b += float((db == 0).sum())
    pairs = n * (n - 1) / 2
    denom = np.sqrt((pairs - ties_a) * (pairs - ties_b))
    return float(concordant_minus_discordant / denom) if denom else float("nan")


def regret(best_possible: float, found: float) -> float:
    """How far the returned architecture is from the best in the space (>= 0)."""
    return float(best_possible - found)
