"""Measures of networks and of searches, in one place: parameters, multiply-accumulates,
latency; rank correlation; and the statistics a fair comparison of searches needs.

`bootstrap_ci`, `difference_ci` and `verdict` turn seeds into statements with their
uncertainty (percentile bootstrap: the interval stays inside the range the data can take,
regret >= 0, and none is given below `MIN_SEEDS`); `ci95` (t-interval), `seeds_needed` and
`welch_p` are the normal approximations. `expected_random_regret` and `lookups_to_reach` are
exact: random search's expected regret after n lookups, and the n it needs to reach a target.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
from scipy import stats
from torch import nn

from .utils import count_params

__all__ = ["count_params", "count_macs", "measure_latency", "kendall_tau", "spearman", "MIN_SEEDS",
           "bootstrap_ci", "difference_ci", "verdict", "ci95", "seeds_needed", "welch_p",
           "expected_random_regret", "lookups_to_reach"]


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


# ------------------------------------------------------------------ comparing searches
def expected_random_regret(values, regret, budgets) -> np.ndarray:
    """Exact expected regret of random search after n lookups, for each n in `budgets`.

    n lookups of random search = n distinct cells drawn uniformly from the N (repeats are
    free). It returns the cell with the highest `values` (what the oracle answers), and among
    ties the first drawn, which is uniform among the tied cells. Rank the cells by value,
    k = 1 the best: the best of the n drawn has rank k with probability

        w_k = C(N - k, n - 1) / C(N, n),   w_1 = n / N,   w_{k+1} = w_k (N - k - n + 1) / (N - k)

    so E[regret] = sum_k w_k r_k, with r_k the regret of the rank-k cell (averaged over its
    group of tied values). values, regret: (N,). Returns (len(budgets),)."""
    values, regret = np.asarray(values, float), np.asarray(regret, float)
    N = len(values)
    order = np.argsort(-values, kind="stable")
    v, r = values[order], regret[order]
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])  # first position of each tie group
    r = np.repeat(np.add.reduceat(r, starts) / np.diff(np.r_[starts, N]), np.diff(np.r_[starts, N]))
    out = []
    for n in np.atleast_1d(budgets):
        if not 1 <= n <= N:
            raise ValueError(f"n must be in 1..{N}, got {n}")
        k = np.arange(1, N - n + 2)                            # ranks that can be the best
        w = np.cumprod(np.r_[n / N, (N - k[:-1] - n + 1) / (N - k[:-1])])
        out.append(float(w @ r[: len(w)]))
    return np.array(out)


MIN_SEEDS = 5  # fewer seeds than this: no interval, no verdict


def bootstrap_ci(x, level: float = 0.95, n_boot: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of x: resample the n values with replacement
    n_boot times, take the (1 -/+ level)/2 quantiles of the resampled means. It never leaves
    [min(x), max(x)], so a regret interval never goes below 0. (nan, nan) for fewer than
    MIN_SEEDS values (a handful of seeds cannot bound a mean)."""
    x = np.asarray(x, float)
    if len(x) < MIN_SEEDS:
        return float("nan"), float("nan")
    means = np.random.default_rng(seed).choice(x, size=(n_boot, len(x))).mean(1)
    a = (1 - level) / 2
    return float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def difference_ci(a, b, level: float = 0.95, n_boot: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of mean(a) - mean(b), each sample resampled on its own (unpaired);
    (nan, nan) when either has fewer than MIN_SEEDS values."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if min(len(a), len(b)) < MIN_SEEDS:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    d = rng.choice(a, size=(n_boot, len(a))).mean(1) - rng.choice(b, size=(n_boot, len(b))).mean(1)
    q = (1 - level) / 2
    return float(np.quantile(d, q)), float(np.quantile(d, 1 - q))


def verdict(name_a: str, a, name_b: str, b, lower_is_better: bool = True, scale: float = 100.0,
            unit: str = "points") -> str:
    """One sentence: which of two samples (final regrets per seed) is better, only when the
    95% bootstrap interval of the difference of their means excludes 0; otherwise
    "not separable at N seeds"."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    seeds = f"{len(a)} seeds" if len(a) == len(b) else f"{len(a)} and {len(b)} seeds"
    lo, hi = difference_ci(a, b)
    d = scale * (a.mean() - b.mean())
    if math.isnan(lo):
        return (f"{name_a} vs {name_b}: not separable at {seeds} (fewer than {MIN_SEEDS} seeds "
                f"give no interval)")
    ci = f"{d:+.2f} {unit} [{scale * lo:+.2f}, {scale * hi:+.2f}], 95% bootstrap CI, {seeds}"
    if lo > 0 or hi < 0:
        a_better = (hi < 0) == lower_is_better
        win, lose = (name_a, name_b) if a_better else (name_b, name_a)
        return f"{win} beats {lose}: {name_a} - {name_b} = {ci}"
    return f"{name_a} vs {name_b}: not separable at {seeds} ({name_a} - {name_b} = {ci})"


def ci95(x) -> float:
    """Half-width of the 95% confidence interval of the mean: t_{0.975, n-1} s / sqrt(n)
    (s: sample standard deviation). NaN for fewer than 2 values."""
    x = np.asarray(x, float)
    if len(x) < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def seeds_needed(a, b, alpha: float = 0.05, power: float = 0.8) -> float:
    """Seeds per method for a two-sided test at level alpha to tell the means of a and b
    apart with probability `power`, if the difference and spreads measured here are the true
    ones: n = (z_{1-alpha/2} + z_power)^2 (s_a^2 + s_b^2) / (mean_a - mean_b)^2 (normal
    approximation). inf when the means are equal."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = abs(a.mean() - b.mean())
    var = a.var(ddof=1) + b.var(ddof=1)
    if d == 0:
        return math.inf
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(max(2, math.ceil(z ** 2 * var / d ** 2)))


def welch_p(a, b) -> float:
    """Two-sided p-value of Welch's t-test (unequal variances) for mean(a) = mean(b)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.std() == 0 and b.std() == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def lookups_to_reach(value_draws, regret, target: float) -> int | None:
    """The smallest n whose exact expected random-search regret, averaged over the oracle's
    draws (value_draws: (D, N), the answers each run seed's oracle gives; regret: (N,)), is
    at most `target`; None when even n = N (exhaustive search) stays above it. Bisection: the
    expectation does not grow with n."""
    value_draws = np.atleast_2d(np.asarray(value_draws, float))
    N = value_draws.shape[1]

    def expected(n):
        return float(np.mean([expected_random_regret(v, regret, [n])[0] for v in value_draws]))
    if expected(N) > target:
        return None
    lo, hi = 1, N
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if expected(mid) > target else (lo, mid)
    return lo
