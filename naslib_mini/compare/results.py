"""What `compare.compare` returns, and the statistics a fair comparison needs.

`Run`: one strategy, one seed: what it looked up, what it would return after each lookup,
the regret of that, and what it cost. `Results`: all runs, read as curves (regret against
lookups or simulated seconds), final regrets and a leaderboard. `bootstrap_ci`,
`difference_ci` and `verdict` turn seeds into statements with their uncertainty (percentile
bootstrap: the interval stays inside the range the data can take, regret >= 0, and none is
given below `MIN_SEEDS`); `ci95` (t-interval), `seeds_needed` and `welch_p` are the normal
approximations.

Only NumPy and SciPy here: the plots (viz/compare_plots.py) read these objects without
importing any training code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

__all__ = ["Run", "Results", "ci95", "bootstrap_ci", "difference_ci", "verdict", "MIN_SEEDS",
           "seeds_needed", "welch_p", "format_leaderboard",
           "expected_random_regret"]


@dataclass
class Run:
    """One strategy, one seed. Arrays have one entry per lookup (n = lookups), except for a
    one-shot run, which has one entry: the cell it returned.

    cells (n,) indices looked up, in order; scores (n,) validation accuracy told;
    train_seconds (n,) cumulative simulated training time; own_seconds (n,) cumulative own
    compute (x time_scale); returned (n,) the cell it would return (best validation so far,
    earliest on ties); regret (n,) of `returned`; oracle_regret (n,) had it returned the
    looked-up cell of best test accuracy; wall: wall seconds of the run on this machine.
    """
    name: str
    seed: int
    kind: str
    cells: np.ndarray
    scores: np.ndarray
    train_seconds: np.ndarray
    own_seconds: np.ndarray
    returned: np.ndarray
    regret: np.ndarray
    oracle_regret: np.ndarray
    wall: float
    info: dict = field(default_factory=dict)

    @classmethod
    def from_lookups(cls, name, seed, kind, truth, cells, scores, train_cum, own_cum, wall, info):
        cells, scores = np.asarray(cells, np.int64), np.asarray(scores, float)
        pos, cur = np.zeros(len(cells), np.int64), 0
        for k in range(len(cells)):  # running argmax, the earliest on ties
            cur = k if scores[k] > scores[cur] else cur
            pos[k] = cur
        returned = cells[pos]
        return cls(name, seed, kind, cells, scores, np.asarray(train_cum, float),
                   np.asarray(own_cum, float), returned, np.asarray(truth.regret(returned), float),
                   np.minimum.accumulate(truth.regret(cells)) if len(cells) else np.zeros(0),
                   wall, info)

    @classmethod
    def from_oneshot(cls, name, seed, truth, cell, wall, cost, info):
        r = np.array([truth.regret(cell)], float)
        return cls(name, seed, "oneshot", np.zeros(0, np.int64), np.zeros(0), np.zeros(1),
                   np.array([cost], float), np.array([cell]), r, r.copy(), wall, info)

    @property
    def lookups(self) -> int:
        return len(self.cells)

    @property
    def seconds(self) -> np.ndarray:
        """Cumulative simulated seconds (training + own compute) after each entry."""
        return self.train_seconds + self.own_seconds

    @property
    def cost(self) -> float:
        return float(self.seconds[-1]) if len(self.seconds) else 0.0

    def curve(self, selection: str = "val") -> np.ndarray:
        if selection not in ("val", "test"):
            raise ValueError(f"selection must be 'val' or 'test', got {selection!r}")
        return self.regret if selection == "val" else self.oracle_regret


class Results:
    """runs: {name: [Run per seed]}; budget: lookups per discrete run; best: the best value
    of the metric in the space; time_scale: recorded seconds per wall second; errors: the
    runs that failed or were interrupted ({"name", "seed", "error", "traceback"} each)."""

    def __init__(self, runs: dict, budget: int, best: float, time_scale: float = 1.0,
                 metric: str = "test_acc", errors: list | None = None):
        self.runs, self.budget, self.best = runs, budget, best
        self.time_scale, self.metric = time_scale, metric
        self.errors = list(errors or [])

    @property
    def names(self) -> list[str]:
        return list(self.runs)

    def kind(self, name: str) -> str:
        return self.runs[name][0].kind

    def seeds(self, name: str) -> list[int]:
        return [r.seed for r in self.runs[name]]

    def regret_at(self, name: str, lookups, selection: str = "val") -> np.ndarray:
        """(seeds, len(lookups)) regret after b lookups, for each b >= 1 (a run that stopped
        early keeps its last value; a one-shot run has one value whatever b)."""
        b = np.asarray(lookups, np.int64)
        if b.size and b.min() < 1:
            raise ValueError("regret is defined after at least one lookup")
        out = np.full((len(self.runs[name]), b.size), np.nan)
        for i, run in enumerate(self.runs[name]):
            r = run.curve(selection)
            if len(r):
                out[i] = r[0] if run.kind == "oneshot" else r[np.minimum(b, len(r)) - 1]
        return out

    def regret_vs_seconds(self, name: str, grid, selection: str = "val") -> np.ndarray:
        """(seeds, len(grid)) regret once t simulated seconds are spent (NaN before the first
        lookup, or before a one-shot search has finished)."""
        grid = np.asarray(grid, float)
        out = np.full((len(self.runs[name]), grid.size), np.nan)
        for i, run in enumerate(self.runs[name]):
            k = np.searchsorted(run.seconds, grid, side="right") - 1  # last entry paid for by t
            r = run.curve(selection)
            out[i, k >= 0] = r[k[k >= 0]]
        return out

    def final(self, name: str, budget: int | None = None, selection: str = "val") -> np.ndarray:
        """(seeds,) regret at `budget` lookups (default: the whole budget)."""
        return self.regret_at(name, [budget or self.budget], selection)[:, 0]

    def cost(self, name: str) -> np.ndarray:
        """(seeds,) simulated seconds spent (training + own compute)."""
        return np.array([r.cost for r in self.runs[name]])

    def leaderboard(self, budget: int | None = None, names=None) -> list[dict]:
        """One row per strategy, sorted by mean final regret: seeds, mean, std, ci95
        (t half-width), ci_lo / ci_hi (95% bootstrap interval of the mean; NaN below
        MIN_SEEDS seeds), median, min, max, mean regret had it selected by test accuracy, mean
        lookups, simulated training seconds, own seconds, total cost, wall seconds."""
        rows = []
        for name in names or self.names:
            runs, reg = self.runs[name], self.final(name, budget)
            n_look = [min(r.lookups, budget or self.budget) for r in runs]
            at = [max(k, 1) - 1 for k in n_look]  # the entry at the budget
            rows.append(dict(
                name=name, kind=self.kind(name), seeds=len(runs), mean=reg.mean(),
                std=reg.std(ddof=1) if len(reg) > 1 else float("nan"), ci95=ci95(reg),
                **dict(zip(("ci_lo", "ci_hi"), bootstrap_ci(reg))),
                median=float(np.median(reg)), min=reg.min(), max=reg.max(),
                test_selected=self.final(name, budget, "test").mean(),
                lookups=float(np.mean(n_look)),
                train_s=float(np.mean([r.train_seconds[k] for r, k in zip(runs, at)])),
                own_s=float(np.mean([r.own_seconds[k] for r, k in zip(runs, at)])),
                cost_s=float(np.mean([r.seconds[k] for r, k in zip(runs, at)])),
                wall_s=float(np.mean([r.wall for r in runs]))))
        return sorted(rows, key=lambda row: row["mean"])


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


def format_leaderboard(rows: list[dict], scale: float = 100.0, unit: str = "pts") -> str:
    """A fixed-width text table of `Results.leaderboard` rows; regrets times `scale`
    (100: percentage points of accuracy)."""
    head = (f"{'strategy':<24}{'seeds':>5}  {'regret ' + unit + ' mean [95% CI]':>26}{'std':>7}"
            f"{'median':>8}{'max':>7}{'test-sel.':>10}{'lookups':>8}{'train s':>9}"
            f"{'own s':>8}{'cost s':>9}")
    lines = [head, "-" * len(head)]
    for r in rows:
        ci = "" if math.isnan(r["ci_lo"]) else f" [{scale * r['ci_lo']:.2f}, {scale * r['ci_hi']:.2f}]"
        std = "" if math.isnan(r["std"]) else f"{scale * r['std']:.2f}"
        mean = f"{scale * r['mean']:.2f}{ci}"
        lines.append(f"{r['name']:<24}{r['seeds']:>5}  {mean:>26}"
                     f"{std:>7}{scale * r['median']:>8.2f}{scale * r['max']:>7.2f}"
                     f"{scale * r['test_selected']:>10.2f}{r['lookups']:>8.0f}{r['train_s']:>9.1f}"
                     f"{r['own_s']:>8.1f}{r['cost_s']:>9.1f}")
    return "\n".join(lines)
