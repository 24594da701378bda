"""Every strategy on the same ground truth, with the same accounting (notebook 12).

A tabular benchmark makes a fair race possible: every strategy looks cells up in the same
table, pays the same price per lookup, and is judged by the same answer key. This module is
the referee.

    compare({"random": Discrete(make_random), "DARTS": OneShot(run_darts)}, budget=100, seeds=10)

Contenders (`compare.contenders` builds the course's): `Discrete(make)`, an ask / tell
strategy that the one driver loop (`strategies.run`) runs against the oracle; `OneShot(search)`,
a search that returns one cell and never touches the table.

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
  The real NAS-Bench-201 extract (`benchmarks.real.NASBench201`) is seed-averaged: one value per
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

from .. import checks
from ..benchmarks.digits import Benchmark
from ..spaces.nb201 import cell_index
from ..strategies import run
from .oracle import Oracle, Truth
from .results import Results, Run

__all__ = ["Discrete", "OneShot", "compare"]


@dataclass
class Discrete:
    """An ask / tell strategy: make(seed) -> a `strategies` object (ask, tell, best) whose
    architectures the table accepts (NAS-Bench-201 cells: an index, 6 op names, a string)."""
    make: Callable[[int], Any]
    kind = "discrete"


@dataclass
class OneShot:
    """search(seed) -> a cell, or (cell, info dict). It gets no evaluate function: its cost is
    its measured wall time (x time_scale), its lookups 0."""
    search: Callable[[int], Any]
    kind = "oneshot"


def _as_spec(s):
    if isinstance(s, (Discrete, OneShot)):
        return s
    if callable(s):
        return Discrete(s)
    raise TypeError(f"a strategy is a Discrete or OneShot (or a make(seed) callable), "
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
    """The driver loop `strategies.run` against a fresh oracle: at most max_asks asks, until
    the budget of lookups is spent; the strategy's own time is stamped at each new lookup."""
    oracle = Oracle(truth, budget, seed, noise)
    t0, stamps, asks = time.perf_counter(), [], 0

    def evaluate(cell):
        nonlocal asks
        asks += 1
        n = oracle.lookups
        score = oracle(cell)
        if oracle.lookups > n:  # a new lookup: stamp the strategy's own time so far
            stamps.append(time.perf_counter() - t0 - oracle.wall)
        return score

    run(spec.make(seed), evaluate, max_asks, until=lambda: oracle.exhausted)  # one lookup per ask
    wall = time.perf_counter() - t0
    own = np.asarray(stamps, float) * time_scale
    if own.size:
        own[-1] = (wall - oracle.wall) * time_scale  # the last entry: all of the strategy's time
    info = dict(asks=asks, stalled=asks >= max_asks and not oracle.exhausted)
    return Run.from_lookups(name, seed, spec.kind, truth, oracle.cells, oracle.scores,
                            np.cumsum(oracle.times), own, wall, info)


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

    strategies: {name: Discrete | OneShot | make(seed) callable}.
    budget: lookups per discrete run. seeds: an int n (seeds 0..n-1), a list, or a dict
    {name: int | list} (fewer seeds for costly contenders). bench: the table, our digits
    `Benchmark()` (the default) or the real `benchmarks.real.NASBench201()`; or truth: a `Truth`
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


