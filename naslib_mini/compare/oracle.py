"""The referee's accounting: the answer key (`Truth`) and the only door to the table during a
search (`Oracle`): what a lookup costs, what it answers, when the budget is spent. See
`compare.referee` for the rules in full; `calibrate_time` converts recorded training seconds
to this machine's.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import checks
from ..benchmarks.recipe import BuildConfig, load_splits, train_cell
from ..spaces.nb201 import cell_index

__all__ = ["BudgetExhausted", "Truth", "Oracle", "calibrate_time"]


class BudgetExhausted(RuntimeError):
    """A strategy asked for a new lookup after spending its whole budget."""


@dataclass(frozen=True)
class Truth:
    """The answer key as arrays over N cells (N = 15,625 for the benchmark; any N in tests).
    val: (S, N) final validation accuracy per seed; train_time: (S, N) seconds per seed;
    test: (N,) the seed-mean metric that regret is measured on."""
    val: np.ndarray
    train_time: np.ndarray
    test: np.ndarray

    def __post_init__(self):
        for name in ("val", "train_time", "test"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=float))
        if self.val.ndim != 2 or self.val.shape != self.train_time.shape \
                or self.test.shape != self.val.shape[1:]:
            raise ValueError(f"expected val and train_time (S, N) and test (N,), got "
                             f"{self.val.shape}, {self.train_time.shape}, {self.test.shape}")
        for name in ("val", "train_time", "test"):
            bad = int((~np.isfinite(getattr(self, name))).sum())
            if bad:  # e.g. a partial benchmark preview: NaN for cells not trained yet
                raise ValueError(f"Truth.{name} holds {bad} NaN or infinite values; every cell "
                                 "needs a result (is the benchmark a partial preview?)")

    @classmethod
    def from_benchmark(cls, bench, metric: str = "test_acc", dataset: str | None = None) -> "Truth":
        """val and train_time from `bench.search_dataset`, one row per seed (one row, the
        seed-mean, for a seed-averaged table); test: `metric` on `dataset` (default
        `bench.report_dataset`). A table with missing cells (a partial build) is refused."""
        search = bench.search_dataset
        seeds = range(len(bench.seeds)) if bench.seeds else [None]
        truth = cls(np.stack([bench.table("val_acc", dataset=search, seed=s) for s in seeds]),
                    np.stack([bench.table("train_time", dataset=search, seed=s) for s in seeds]),
                    bench.table(metric, dataset=dataset or bench.report_dataset))  # (S, N), (S, N), (N,)
        return truth  # __post_init__ has refused NaN (a partial build's untrained cells)

    @property
    def n_cells(self) -> int:
        return self.test.shape[0]

    @property
    def best(self) -> float:
        return float(self.test.max())

    def regret(self, cells) -> np.ndarray | float:
        """best - test[cell], for one index or an array of indices."""
        return self.best - self.test[cells]


class Oracle:
    """evaluate(cell) -> validation accuracy, with the accounting of the module docstring.
    lookups, train_seconds: spent so far; cells, scores, times: per lookup, in order."""

    def __init__(self, truth: Truth, budget: int, seed: int = 0, noise: str = "seed"):
        checks.integer("budget (lookups)", budget, min=1)
        checks.integer("seed", seed, min=0)
        if noise not in ("seed", "mean"):
            raise ValueError(f"noise must be 'seed' or 'mean', got {noise!r}")
        self.truth, self.budget, self.noise = truth, int(budget), noise
        S, N = truth.val.shape
        self.seed_of = np.random.default_rng([seed, 201]).integers(S, size=N)  # (N,)
        self.known: dict[int, float] = {}
        self.cells, self.scores, self.times = [], [], []
        self.wall = 0.0  # wall seconds spent inside the oracle (not the strategy's cost)

    @property
    def lookups(self) -> int:
        return len(self.cells)

    @property
    def exhausted(self) -> bool:
        return self.lookups >= self.budget

    @property
    def train_seconds(self) -> float:
        return float(sum(self.times))

    @property
    def values(self) -> np.ndarray:
        """(N,) the answer every cell would get from this oracle (for exact calculations)."""
        if self.noise == "mean":
            return self.truth.val.mean(0)
        return self.truth.val[self.seed_of, np.arange(self.truth.n_cells)]

    def __call__(self, cell) -> float:
        t0 = time.perf_counter()
        i = cell if isinstance(cell, (int, np.integer)) and not isinstance(cell, bool) else cell_index(cell)
        if not 0 <= i < self.truth.n_cells:
            raise IndexError(f"cell index {i} outside 0..{self.truth.n_cells - 1}")
        if i not in self.known:
            if self.exhausted:
                raise BudgetExhausted(f"budget of {self.budget} lookups spent; cell {i} refused")
            if self.noise == "mean":
                score, cost = self.truth.val[:, i].mean(), self.truth.train_time[:, i].mean()
            else:
                s = self.seed_of[i]
                score, cost = self.truth.val[s, i], self.truth.train_time[s, i]
            self.known[i] = float(score)
            self.cells.append(i)
            self.scores.append(float(score))
            self.times.append(float(cost))
        self.wall += time.perf_counter() - t0
        return self.known[i]


def calibrate_time(bench, cells=None) -> float:
    """time_scale: recorded training seconds per wall second on this machine now, from
    retraining `cells` (default: the one whose seed-0 time is the median) exactly as the build
    did (`benchmarks.recipe.train_cell`, the build's first seed): > 1 when this machine is now
    faster than the build's was, < 1 when slower (or busier)."""
    if "config" not in getattr(bench, "meta", {}):
        raise ValueError(f"calibrate_time retrains a cell as our digits benchmark's build did; "
                         f"{type(bench).__name__}'s training times were recorded elsewhere "
                         f"(NAS-Bench-201: GPUs, CIFAR) and cannot be reproduced here")
    cfg = BuildConfig(**{k: v for k, v in bench.meta["config"].items()
                         if k in BuildConfig.__dataclass_fields__ and k != "seeds"})
    if cells is None:
        t = bench.table("train_time", seed=0)
        cells = [int(np.argsort(t, kind="stable")[len(t) // 2])]
    splits = load_splits(cfg)
    recorded = measured = 0.0
    for c in cells:
        measured += train_cell(c, bench.seeds[0], cfg, splits)["train_time"]
        recorded += bench.query(c, "train_time", seed=0)
    return recorded / measured
