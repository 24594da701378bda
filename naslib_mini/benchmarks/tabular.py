"""One interface for the course's two tabular benchmarks over the NAS-Bench-201 space.

`benchmarks.digits.Benchmark` (our own table: every cell trained on the embedded digits) and
`benchmarks.real.NASBench201` (the real NAS-Bench-201 results on CIFAR-10, CIFAR-100 and
ImageNet16-120) answer the same questions in the same way, so that any search, notebook or
test runs on either:

    bench.query(cell, metric="val_acc", dataset=None, seed=None, epoch=None) -> float
    bench.table(metric, dataset=None, seed=None)     -> (15625,) values in our index order
    bench.best(metric, dataset=None)                 -> (index, value), never a missing cell
    bench.rank(cell, metric, dataset=None)           -> 1 + cells strictly better (1 = best)
    bench.record(cell)                               -> dict: index, string, class, values
    bench.sample(rng, n=None)                        -> uniformly random cell index(es)
    bench.equivalence_class(cell), bench.class_of    -> cells computing the same function
    bench.datasets, bench.metrics(dataset)           -> what can be asked
    bench.search_dataset, bench.report_dataset       -> where a search reads validation
                                                        accuracy and training time, and
                                                        where its result is judged

A cell is anything `spaces.nb201.cell_index` reads: an index 0..15624 (our order), 6 op names,
a NAS-Bench-201 string or its `genotypes.Cell`.
Accuracies are fractions in [0, 1] in both tables (NAS-Bench-201 prints percent: 0.9437 is
94.37%). ``dataset=None`` means the one dataset that has the metric; when several have it
(the real table's test accuracy) the error names them. ``seed=None`` is the mean over seeds;
a table without per-seed values (`seeds == ()`) refuses any other seed. A cell without a
result (a partial build of our table) raises `MissingResult`; `table` marks it NaN, and
`best` and `rank` skip it.
"""
from __future__ import annotations

import numpy as np

from ..spaces import nb201
from ..spaces.nb201 import cell_index

__all__ = ["TabularBenchmark", "MissingResult", "BenchmarkFileError"]


class MissingResult(LookupError):
    """A cell that has no result in this table (a partial build: it was not trained yet)."""


class BenchmarkFileError(ValueError):
    """A benchmark file that exists but cannot be read as one (corrupt, truncated, foreign)."""


class TabularBenchmark:
    """The shared part. A subclass sets `name`, `path`, `datasets`, `search_dataset`,
    `report_dataset`, `seeds`, `_metrics` ({dataset: metrics}), `class_of` and implements
    `_column(metric, dataset, seed) -> (15625,)` and `_value(index, metric, dataset, seed,
    epoch) -> float` (arguments already checked)."""

    name = "tabular benchmark"
    path = ""
    datasets: tuple[str, ...] = ()
    search_dataset = report_dataset = ""
    seeds: tuple = ()
    _metrics: dict = {}
    _curves: tuple[str, ...] = ()       # metrics with per-epoch values
    _per_seed: tuple[str, ...] = ()     # metrics with per-seed values

    # ------------------------------------------------------------ argument checks
    def metrics(self, dataset: str | None = None) -> tuple[str, ...]:
        """The metrics of one dataset (default: of the search dataset)."""
        return self._metrics[self._dataset(dataset if dataset is not None else
                                           self.search_dataset)]

    def _dataset(self, dataset) -> str:
        if not isinstance(dataset, str):
            raise TypeError(f"dataset must be a string, one of {self.datasets}, got "
                            f"{type(dataset).__name__}: {dataset!r}")
        if dataset not in self._metrics:
            raise ValueError(f"unknown dataset {dataset!r} for the {self.name} table; choose "
                             f"from {self.datasets}")
        return dataset

    def _where(self) -> dict:
        """{metric: datasets that have it}, built once."""
        if "_where_cache" not in self.__dict__:
            self._where_cache = {m: tuple(d for d in self.datasets if m in self._metrics[d])
                                 for m in self._all_metrics()}
        return self._where_cache

    def _resolve(self, metric, dataset) -> str:
        """The dataset to read `metric` from; checks both names."""
        if isinstance(metric, str):  # the fast path of a valid query
            if dataset is None:
                having = self._where().get(metric, ())
                if len(having) == 1:
                    return having[0]
            elif isinstance(dataset, str) and metric in self._metrics.get(dataset, ()):
                return dataset
        else:
            raise TypeError(f"metric must be a string, got {type(metric).__name__}: {metric!r}")
        if dataset is None:
            having = self._where().get(metric, ())
            if not having:
                raise ValueError(f"unknown metric {metric!r} for the {self.name} table; choose "
                                 f"from {self._all_metrics()}")
            raise ValueError(f"metric {metric!r} exists on several datasets {having}: pass "
                             f"dataset= one of them")
        dataset = self._dataset(dataset)
        having = self._where().get(metric, ())
        where = f"; it is on {having}" if having else ""
        raise ValueError(f"metric {metric!r} is not available on dataset {dataset!r} of the "
                         f"{self.name} table, which has {self._metrics[dataset]}{where}")

    def _all_metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for d in self.datasets for m in self._metrics[d]))

    def _check_seed(self, seed, metric):
        if seed is None:
            return
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be None (the mean over seeds) or an int position "
                            f"0..{len(self.seeds) - 1}, got {type(seed).__name__}: {seed!r}")
        if not self.seeds:
            raise ValueError(f"the {self.name} table holds one seed-averaged value per cell: "
                             f"seed must be None, got {seed}")
        if metric not in self._per_seed:
            raise ValueError(f"metric {metric!r} has no per-seed values; seed must be None, "
                             f"got {seed}")
        if not 0 <= seed < len(self.seeds):
            raise ValueError(f"seed is a position 0..{len(self.seeds) - 1} in {self.seeds} "
                             f"(None = their mean), got {seed}")

    def _check_epoch(self, epoch, metric):
        if epoch is None:
            return
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
            raise TypeError(f"epoch must be None (the last) or an int, got "
                            f"{type(epoch).__name__}: {epoch!r}")
        if metric not in self._curves:
            raise ValueError(f"metric {metric!r} has no per-epoch values in the {self.name} "
                             f"table (curves: {self._curves or 'none'}); epoch must be None")

    # ------------------------------------------------------------ the interface
    def index(self, cell) -> int:
        """Our index 0..15624 of any cell description (checked)."""
        return cell_index(cell)

    def query(self, cell, metric: str = "val_acc", *, dataset: str | None = None,
              seed: int | None = None, epoch: int | None = None) -> float:
        """One number: `metric` of `cell` on `dataset` (seed mean unless a seed position is
        given; the last epoch unless an epoch is given, for metrics with curves)."""
        i = cell_index(cell)
        dataset = self._resolve(metric, dataset)
        if seed is not None:
            self._check_seed(seed, metric)
        if epoch is not None:
            self._check_epoch(epoch, metric)
        v = self._value(i, metric, dataset, seed, epoch)
        if v != v:  # NaN: not trained in a partial build
            raise MissingResult(f"cell {i} has no {metric!r} in {self.path} (a partial build: "
                                f"not trained yet); finish the build and pack it")
        return v

    def table(self, metric: str = "val_acc", *, dataset: str | None = None,
              seed: int | None = None) -> np.ndarray:
        """(15625,) float64: `metric` of every cell in index order (a copy); NaN marks a cell
        without a result (only in a partial build)."""
        dataset = self._resolve(metric, dataset)
        self._check_seed(seed, metric)
        return np.array(self._column(metric, dataset, seed), dtype=float)

    def best(self, metric: str = "val_acc", *, dataset: str | None = None) -> tuple[int, float]:
        """The cell with the highest (seed-mean) `metric` and its value; the lowest index
        among ties; cells without a result are skipped."""
        t = self.table(metric, dataset=dataset)
        if np.isnan(t).all():
            raise MissingResult(f"no cell has a {metric!r} result in {self.path}")
        i = int(np.nanargmax(t))
        return i, float(t[i])

    def rank(self, cell, metric: str = "val_acc", *, dataset: str | None = None) -> int:
        """1 + the number of cells with a strictly higher `metric` (1 = best; ties share the
        better rank; cells without a result are not counted)."""
        v = self.query(cell, metric, dataset=dataset)
        return int((self.table(metric, dataset=dataset) > v).sum()) + 1

    def equivalence_class(self, cell) -> list[int]:
        """The indices of every cell that computes the same function as `cell`."""
        return np.flatnonzero(self.class_of == self.class_of[cell_index(cell)]).tolist()

    def _identity(self, cell) -> dict:
        i = cell_index(cell)
        k = int(self.class_of[i])
        return {"index": i, "string": nb201.ops_to_string(nb201.index_to_ops(i)),
                "class_id": k, "class_size": int((self.class_of == k).sum())}

    def sample(self, rng: np.random.Generator, n: int | None = None):
        """A uniformly random cell index (or n of them, with replacement)."""
        return int(rng.integers(nb201.NUM_CELLS)) if n is None else rng.integers(nb201.NUM_CELLS, size=n)

    def __len__(self):
        return nb201.NUM_CELLS

    def __iter__(self):
        return iter(range(nb201.NUM_CELLS))

    def __repr__(self):
        return f"{type(self).__name__}({self.path!r}: datasets {self.datasets})"
