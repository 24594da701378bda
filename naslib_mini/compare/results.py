"""What `compare` returns. `Run`: one strategy, one seed: what it looked up, what it would
return after each lookup, the regret of that, and what it cost. `Results`: all runs, read as
curves (regret against lookups or simulated seconds), final regrets and a leaderboard.

The statistics are in `metrics`; the plots (viz/compare_plots.py) read these
objects without importing any training code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..metrics import bootstrap_ci, ci95

__all__ = ["Run", "Results", "format_leaderboard"]


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
