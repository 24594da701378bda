"""Statements from a handful of seeds: intervals that respect the metric's range and the
number of seeds, verdicts that name a winner only beyond the uncertainty (and a margin), and
numbers in plain notation.

    verdict("GDAS", gdas_acc, "DARTS", darts_acc, lower_is_better=False, paired=True)
    -> 'GDAS beats DARTS: GDAS - DARTS = +d points [+lo, +hi], paired over 5 seeds, 95% bootstrap CI'
    or 'GDAS vs DARTS: not separable at 5 seeds (GDAS - DARTS = ...)'

Intervals are percentile bootstraps of the mean (resample the seeds with replacement, take the
2.5% and 97.5% quantiles of the resampled means): they never leave [min(x), max(x)], so an
accuracy stays in [0, 1] and a regret above 0. Below `MIN_SEEDS` seeds there is no interval
and no verdict. With few seeds the percentile bootstrap is too narrow (it cannot see beyond
the handful of values drawn: at 5 seeds its 95% interval covers the mean about 83% of the
time, tests/test_verdicts.py), so a verdict also asks the t-interval of the same difference
(`t_interval`: paired, or Welch's) to lie beyond the margin; the printed interval is the
bootstrap's. At 20 seeds and more the two agree. A margin is the noise of the measurement
itself, where the caller knows it.

`bootstrap_ci`, `difference_ci` and `verdict` take the same arguments as the functions of
those names in `compare_stats` on the branch that adds them (verdict adds `paired` and
`margin`), so one can replace the other.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["MIN_SEEDS", "plain", "bootstrap_ci", "difference_ci", "paired_difference_ci",
           "t_interval", "verdict", "describe", "held_count"]

MIN_SEEDS = 5  # fewer seeds than this: no interval, no verdict


def plain(x, decimals: int | None = None) -> str:
    """x in plain notation, never '1e+02': thousands separated by commas; `decimals` fixed
    (None: 0 for |x| >= 100, 2 for |x| >= 1, else 3 significant digits, at most 6 decimals).
    NaN and infinities print as 'nan', 'inf', '-inf'."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if decimals is None:
        ax = abs(x)
        if ax >= 100:
            decimals = 0
        elif ax >= 1 or ax == 0:
            decimals = 2
        else:
            decimals = min(6, 2 - math.floor(math.log10(ax)))
    if not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a whole number >= 0, got {decimals!r}")
    return f"{x:,.{decimals}f}"


def _sample(name: str, x) -> np.ndarray:
    x = np.asarray(x, float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one value per seed (1-D), got shape {x.shape}")
    if np.isnan(x).any():
        raise ValueError(f"{name} holds NaN at seed position(s) {np.flatnonzero(np.isnan(x)).tolist()}")
    return x


def _quantiles(means: np.ndarray, level: float) -> tuple[float, float]:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95, got {level!r}")
    q = (1 - level) / 2
    return float(np.quantile(means, q)), float(np.quantile(means, 1 - q))


def bootstrap_ci(x, level: float = 0.95, n_boot: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of x (one value per seed). It never leaves
    [min(x), max(x)]. (nan, nan) for fewer than MIN_SEEDS values."""
    x = _sample("x", x)
    if len(x) < MIN_SEEDS:
        return float("nan"), float("nan")
    means = np.random.default_rng(seed).choice(x, size=(n_boot, len(x))).mean(1)
    return _quantiles(means, level)


def difference_ci(a, b, level: float = 0.95, n_boot: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of mean(a) - mean(b), each sample resampled on its own (unpaired:
    different seeds, or runs that share nothing); (nan, nan) below MIN_SEEDS values in either."""
    a, b = _sample("a", a), _sample("b", b)
    if min(len(a), len(b)) < MIN_SEEDS:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    d = rng.choice(a, size=(n_boot, len(a))).mean(1) - rng.choice(b, size=(n_boot, len(b))).mean(1)
    return _quantiles(d, level)


def paired_difference_ci(a, b, level: float = 0.95, n_boot: int = 10_000,
                         seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of the mean of a_i - b_i over seeds i, resampling seeds (paired: a_i
    and b_i share seed i's data order, initialisation or cells). Pairing removes what the
    two runs of a seed have in common from the uncertainty. (nan, nan) below MIN_SEEDS pairs."""
    a, b = _sample("a", a), _sample("b", b)
    if len(a) != len(b):
        raise ValueError(f"paired samples need one value per seed in each: {len(a)} and {len(b)} values")
    return bootstrap_ci(a - b, level, n_boot, seed)


def t_interval(a, b=None, level: float = 0.95, paired: bool = False) -> tuple[float, float]:
    """t-interval of mean(a) (b None), of the mean of a_i - b_i (paired) or of mean(a) -
    mean(b) (Welch, unequal variances); (nan, nan) below MIN_SEEDS values. Not clipped: a
    check on the bootstrap's width at few seeds, not an interval to print."""
    a = _sample("a", a)
    if b is not None:
        b = _sample("b", b)
        if paired:
            if len(a) != len(b):
                raise ValueError(f"paired samples need one value per seed in each: {len(a)} and "
                                 f"{len(b)} values")
            a, b = a - b, None
    if len(a) < MIN_SEEDS or (b is not None and len(b) < MIN_SEEDS):
        return float("nan"), float("nan")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95, got {level!r}")
    q = 1 - (1 - level) / 2
    if b is None:
        m, se, df = a.mean(), a.std(ddof=1) / math.sqrt(len(a)), len(a) - 1
    else:
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        m, se = a.mean() - b.mean(), math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if va + vb else 1
    h = stats.t.ppf(q, df) * se
    return float(m - h), float(m + h)


def verdict(name_a: str, a, name_b: str, b, lower_is_better: bool = True, scale: float = 100.0,
            unit: str = "points", paired: bool = False, margin: float = 0.0,
            level: float = 0.95) -> str:
    """One sentence: which of two samples (one value per seed) is better, only when the
    interval of the difference of their means lies beyond +-margin (0: beyond zero);
    otherwise "not separable at N seeds". paired: a_i and b_i come from the same seed
    (paired_difference_ci), else difference_ci. scale, unit: how differences print (100,
    "points": accuracies or regrets in [0, 1] as percentage points)."""
    a, b = _sample("a", a), _sample("b", b)
    if margin < 0 or math.isnan(margin):
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    seeds = f"{len(a)} seeds" if len(a) == len(b) else f"{len(a)} and {len(b)} seeds"
    lo, hi = (paired_difference_ci if paired else difference_ci)(a, b, level)
    d = scale * (a.mean() - b.mean())
    if math.isnan(lo):
        return (f"{name_a} vs {name_b}: not separable at {seeds} (fewer than {MIN_SEEDS} seeds "
                "give no interval)")

    def s(v):
        return ("+" if v >= 0 else "-") + plain(abs(v), 2)

    how = "paired over " + seeds if paired else seeds
    m = f", margin {plain(scale * margin, 2)} {unit}" if margin else ""
    ci = (f"{name_a} - {name_b} = {s(d)} {unit} [{s(scale * lo)}, {s(scale * hi)}], {how}, "
          f"{round(100 * level)}% bootstrap CI{m}")
    tlo, thi = t_interval(a, b, level, paired)
    if (lo > margin and tlo > margin) or (hi < -margin and thi < -margin):
        a_better = (hi < -margin) == lower_is_better
        win, lose = (name_a, name_b) if a_better else (name_b, name_a)
        return f"{win} beats {lose}: {ci}"
    if lo > margin or hi < -margin:  # the bootstrap alone would have named a winner
        ci += (f"; its t-interval [{s(scale * tlo)}, {s(scale * thi)}] reaches "
               f"{'the margin' if margin else '0'}")
    return f"{name_a} vs {name_b}: not separable at {seeds} ({ci})"


def describe(x, decimals: int = 3, scale: float = 1.0, level: float = 0.95) -> str:
    """'mean [lo, hi] (95% bootstrap CI, N seeds)', or 'mean (N seeds: too few for an
    interval)' below MIN_SEEDS; values times `scale`, in plain notation."""
    x = _sample("x", x)
    m = plain(scale * x.mean(), decimals)
    lo, hi = bootstrap_ci(x, level)
    if math.isnan(lo):
        return f"{m} ({len(x)} seed{'s' if len(x) != 1 else ''}: too few for an interval)"
    return (f"{m} [{plain(scale * lo, decimals)}, {plain(scale * hi, decimals)}] "
            f"({round(100 * level)}% bootstrap CI, {len(x)} seeds)")


def held_count(held) -> str:
    """'k/n' for a per-seed list of booleans (the verdict held in k of n seeds)."""
    held = [bool(h) for h in held]
    return f"{sum(held)}/{len(held)}"
