"""Every strategy on the same ground truth, with the same accounting (notebook 12).

A tabular benchmark makes a fair race possible: every strategy looks cells up in the same
table, pays the same price per lookup, and is judged by the same answer key. This module is
the referee.

    compare({"random": Discrete(make_random), "DARTS": OneShot(run_darts)}, budget=100, seeds=10)

**Accounting** (the `Oracle`, the only door to the table during a search):

- a *lookup* is the first query of a cell (one of the 15,625 indices): it costs 1 lookup and
  the cell's recorded training time (`bench.query(cell, "train_time")`: for our digits table
  seconds of one core of the machine that built it, for the real NAS-Bench-201 seconds of the
  200-epoch cifar10-valid training on NAS-Bench-201's GPUs): the *simulated* training time;
- a repeated query of a cell already looked up is free and returns the same number (the
  result is remembered, not retrained);
- equivalent cells (the same function, `nb201.class_of`) are different cells: a strategy that
  proposes both pays twice, as it would if it trained both. Merging them is the strategy's
  business (`nb201.class_id`);
- the answer is the final validation accuracy of ONE training seed. NAS-Bench-201's API
  returns a randomly chosen seed's result per query; here the seed of every cell is drawn
  once per run seed s, ``seed_of = default_rng([s, 201]).integers(S, size=N)``, so a run
  repeats exactly, and all strategies run with seed s see the same draw (common random
  numbers: their comparison is paired). ``noise="mean"`` answers the seed-mean instead.
  The real NAS-Bench-201 extract (`nasbench201.NASBench201`) is seed-averaged: one value per
  cell (S = 1), so every answer there is a seed-mean and a search sees less noise than in
  NAS-Bench-201's own protocol, which answers one random seed;
- past `budget` lookups, a query of a new cell raises `BudgetExhausted`.

**Cost** is in simulated seconds: training time from the table, plus the strategy's own
compute (fitting a surrogate, training a supernet) measured on this machine and multiplied by
`time_scale` (recorded seconds per wall second now; see `calibrate_time`). One-shot methods
make no lookups: their selection step may only use supernet scores, never the table.

The table decides where a search looks and where it is judged: validation accuracy and
training time come from `bench.search_dataset` ("digits"; "cifar10-valid" for the real
NAS-Bench-201), regret from `metric` on `dataset` (default `bench.report_dataset`: "digits";
"cifar10" for the real one, NAS-Bench-201's protocol: search on the cifar10-valid validation
split, report CIFAR-10 test accuracy).

**Regret** of a returned cell c (what the strategy would hand over: the best validation
accuracy it has seen, earliest on ties): max over all cells of the seed-mean test accuracy
minus the seed-mean test accuracy of c. `oracle_regret` is the regret had it selected, among
the same cells, by test accuracy: the gap between the two is the cost of selecting by a noisy
validation number.
"""
from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from tqdm.auto import tqdm

from . import checks
from .benchmark import Benchmark
from .compare_stats import Results, Run
from .spaces import nb201

__all__ = ["BudgetExhausted", "RunStopped", "Truth", "Oracle", "Discrete", "Driven", "OneShot", "compare",
           "cell_index", "calibrate_time", "Results", "Run"]


class BudgetExhausted(RuntimeError):
    """A strategy asked for a new lookup after spending its whole budget."""


class RunStopped(BaseException):
    """The driver ends a run that goes on after BudgetExhausted (or asks past max_asks).
    A BaseException, like KeyboardInterrupt, so `except Exception` in a strategy cannot
    swallow it and loop forever."""


def cell_index(cell) -> int:
    """Any cell description (index, 6 op names, string) -> its index 0..15624."""
    if isinstance(cell, (int, np.integer)) and not isinstance(cell, bool):
        return int(cell)
    return nb201.ops_to_index(nb201.to_ops(cell))


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
        i = cell_index(cell)
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


# ---------------------------------------------------------------- the kinds of contenders
def _identity(arch):
    return arch


@dataclass
class Discrete:
    """An ask/tell strategy. make(seed) -> an object with ask() / tell(arch, score) / best();
    to_cell(arch) -> a cell the table accepts (an index, 6 op names or a string)."""
    make: Callable[[int], Any]
    to_cell: Callable[[Any], Any] = _identity
    kind = "discrete"


@dataclass
class Driven:
    """A strategy that runs its own loop: run(evaluate, seed) calls evaluate(cell) -> val acc
    as often as it likes; the oracle stops it with BudgetExhausted."""
    run: Callable[[Callable, int], Any]
    kind = "driven"


@dataclass
class OneShot:
    """search(seed) -> a cell, or (cell, info dict). It gets no evaluate function: its cost is
    its measured wall time (x time_scale), its lookups 0."""
    search: Callable[[int], Any]
    kind = "oneshot"


def _as_spec(s):
    if isinstance(s, (Discrete, Driven, OneShot)):
        return s
    if callable(s):
        return Discrete(s)
    raise TypeError(f"a strategy is a Discrete, Driven or OneShot (or a make(seed) callable), "
                    f"got {type(s).__name__}")


def _seed_lists(seeds, names) -> dict[str, list[int]]:
    def one(v, where="seeds"):
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return list(range(checks.integer(where, v, min=1)))
        if not isinstance(v, (list, tuple, range, np.ndarray)) or not len(v):
            raise TypeError(f"{where} must be a number of seeds (int >= 1) or a non-empty list "
                            f"of seeds, got {v!r}")
        return [checks.integer(f"{where}[{i}]", s, min=0) for i, s in enumerate(v)]
    if isinstance(seeds, dict):
        missing = set(names) - set(seeds)
        if missing:
            raise ValueError(f"no seeds given for {sorted(missing)}")
        return {n: one(seeds[n], f"seeds[{n!r}]") for n in names}
    return {n: one(seeds) for n in names}


def _run_search(spec, name, seed, truth, budget, noise, time_scale, max_asks) -> Run:
    oracle = Oracle(truth, budget, seed, noise)
    t0, asks, stamps, info = time.perf_counter(), 0, [], {}
    n_seen, calls, calls_at_new, refused = 0, 0, 0, False

    def evaluate(cell):
        nonlocal n_seen, calls, calls_at_new, refused
        calls += 1
        if refused and not _known(oracle, cell):  # it caught BudgetExhausted and went on
            raise RunStopped(f"{name} (seed {seed}) asked for a new cell after its budget")
        if spec.kind == "driven" and calls - calls_at_new > max_asks:
            raise RunStopped(f"{name} (seed {seed}) asked {max_asks} times in a row for "
                             "cells it already knew")
        try:
            score = oracle(cell)
        except BudgetExhausted:
            refused = True
            raise
        if oracle.lookups > n_seen:  # a new lookup: stamp the strategy's own time so far
            n_seen, calls_at_new = oracle.lookups, calls
            stamps.append(time.perf_counter() - t0 - oracle.wall)
        return score

    try:
        if spec.kind == "driven":
            spec.run(evaluate, seed)
        else:
            strategy = spec.make(seed)
            while not oracle.exhausted and asks < max_asks:
                arch = strategy.ask()
                asks += 1
                strategy.tell(arch, evaluate(spec.to_cell(arch)))
    except BudgetExhausted:
        info["stopped_by"] = "budget"
    except RunStopped as e:  # by the driver: past the budget, or repeating itself
        info["stop_reason"] = str(e)
    if refused:
        info["stopped_by"] = "budget"
    wall = time.perf_counter() - t0
    own = np.asarray(stamps, float) * time_scale
    if own.size:
        own[-1] = (wall - oracle.wall) * time_scale  # the last entry: all of the strategy's time
    stalled = (asks >= max_asks or "stop_reason" in info) and not oracle.exhausted
    info.update(asks=asks, stalled=stalled)
    return Run.from_lookups(name, seed, spec.kind, truth, oracle.cells, oracle.scores,
                            np.cumsum(oracle.times), own, wall, info)


def _known(oracle, cell) -> bool:
    try:
        return cell_index(cell) in oracle.known
    except Exception:  # noqa: BLE001 (a malformed cell: the oracle will say what is wrong)
        return False


def _run_oneshot(spec, name, seed, truth, time_scale) -> Run:
    t0 = time.perf_counter()
    out = spec.search(seed)
    wall = time.perf_counter() - t0
    cell, info = out if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict) \
        else (out, {})
    return Run.from_oneshot(name, seed, truth, cell_index(cell), wall, wall * time_scale, info)


def compare(strategies: dict, budget: int, seeds=10, *, bench=None, truth: Truth | None = None,
            metric: str = "test_acc", dataset: str | None = None, noise: str = "seed",
            time_scale: float = 1.0, max_asks: int | None = None,
            progress: bool = False) -> Results:
    """Run every strategy for every seed; return the `Results` (trajectories, leaderboard).

    strategies: {name: Discrete | Driven | OneShot | make(seed) callable}.
    budget: lookups per discrete run. seeds: an int n (seeds 0..n-1), a list, or a dict
    {name: int | list} (fewer seeds for costly contenders). bench: the table, our digits
    `Benchmark()` (the default) or the real `nasbench201.NASBench201()`; or truth: a `Truth`
    directly. The search reads validation accuracy and training time on
    `bench.search_dataset`; regret is `metric` on `dataset` (default `bench.report_dataset`:
    on the real table, search on cifar10-valid validation accuracy, regret on CIFAR-10 test
    accuracy, NAS-Bench-201's protocol; its values are seed-averaged, so there the oracle
    answers seed-means, with less noise than NAS-Bench-201's one-random-seed API).
    max_asks: asks per run before a strategy that only repeats known cells is stopped
    (default 10 x budget). Deterministic for fixed seeds (given deterministic strategies).
    """
    checks.integer("budget", budget, min=1)
    if not isinstance(strategies, dict) or not strategies:
        raise TypeError(f"strategies must be a non-empty dict {{name: strategy}}, got {strategies!r}")
    checks.choice("noise", noise, ("seed", "mean"))
    checks.number("time_scale", time_scale, min=0, min_open=True)
    if max_asks is not None:
        checks.integer("max_asks", max_asks, min=1)
    if truth is not None and not isinstance(truth, Truth):
        raise TypeError(f"truth must be a compare.Truth, got {type(truth).__name__}")
    if truth is None:
        truth = Truth.from_benchmark(bench if bench is not None else Benchmark(), metric, dataset)
    specs = {name: _as_spec(s) for name, s in strategies.items()}
    seed_lists = _seed_lists(seeds, specs)
    max_asks = 10 * budget if max_asks is None else max_asks
    jobs = [(name, s) for name in specs for s in seed_lists[name]]
    runs: dict[str, list[Run]] = {name: [] for name in specs}
    errors: list[dict] = []
    for name, s in tqdm(jobs, desc="compare", disable=not progress):
        spec = specs[name]
        try:
            if spec.kind == "oneshot":
                runs[name].append(_run_oneshot(spec, name, s, truth, time_scale))
            else:
                runs[name].append(_run_search(spec, name, s, truth, budget, noise, time_scale,
                                              max_asks))
        except (Exception, KeyboardInterrupt) as e:  # keep what finished; say what did not
            what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            errors.append({"name": name, "seed": s, "error": what,
                           "traceback": traceback.format_exc()})
            stop = isinstance(e, KeyboardInterrupt)
            warnings.warn(f"compare: {name} (seed {s}) failed with {what}"
                          + ("; stopped, returning the runs that finished" if stop
                             else "; the other runs go on (Results.errors has the traceback)"),
                          stacklevel=2)
            if stop:
                break
    runs = {name: r for name, r in runs.items() if r}  # a name with no finished run drops out
    return Results(runs, budget, truth.best, time_scale, metric, errors=errors)


def calibrate_time(bench, cells=None) -> float:
    """time_scale: recorded training seconds per wall second on this machine now, from
    retraining `cells` (default: the one whose seed-0 time is the median) exactly as the build
    did (`benchmark_build.train_cell`, the build's first seed): > 1 when this machine is now
    faster than the build's was, < 1 when slower (or busier)."""
    from .benchmark_build import BuildConfig, _splits, train_cell
    if "config" not in getattr(bench, "meta", {}):
        raise ValueError(f"calibrate_time retrains a cell as our digits benchmark's build did; "
                         f"{type(bench).__name__}'s training times were recorded elsewhere "
                         f"(NAS-Bench-201: GPUs, CIFAR) and cannot be reproduced here")
    cfg = BuildConfig(**{k: v for k, v in bench.meta["config"].items()
                         if k in BuildConfig.__dataclass_fields__ and k != "seeds"})
    if cells is None:
        t = bench.table("train_time", seed=0)
        cells = [int(np.argsort(t, kind="stable")[len(t) // 2])]
    splits = _splits(cfg)
    recorded = measured = 0.0
    for c in cells:
        measured += train_cell(c, bench.seeds[0], cfg, splits)["train_time"]
        recorded += bench.query(c, "train_time", seed=0)
    return recorded / measured
