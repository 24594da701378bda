"""A tabular benchmark of our own: every cell of the NAS-Bench-201 space (Dong & Yang 2020,
arXiv 2001.00326) trained on the embedded digits with this package's training loop.

A tabular benchmark turns "train this architecture" (seconds to days) into "look it up"
(microseconds), so a search strategy can be run hundreds of times and judged against the
known best. The results ship inside the package (naslib_mini/assets/nb201_digits.npz).
`Benchmark` answers the interface of `tabular.TabularBenchmark`, like the real NAS-Bench-201
(`benchmarks.real.NASBench201`): one dataset, "digits", with per-seed values and per-epoch
curves. How it was trained: `benchmarks.recipe`; the build itself: `benchmarks.build`:

    python -m naslib_mini.benchmarks build [--workers 2]   # resumable: interrupt and rerun
    python -m naslib_mini.benchmarks pack                  # merge shards into the shipped file
    python -m naslib_mini.benchmarks info                  # summary of the shipped file

    >>> from naslib_mini.benchmarks.digits import Benchmark
    >>> bench = Benchmark()
    >>> bench.query("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")

Cells in one equivalence class compute the same function; each class was trained once
per seed and all its members share those results.
"""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from ..metrics import kendall_tau
from ..spaces import nb201
from .tabular import BenchmarkFileError, MissingResult, TabularBenchmark

ASSET = os.path.join(os.path.dirname(os.path.dirname(__file__)), "assets", "nb201_digits.npz")
CURVES = ("train_acc", "train_loss", "val_acc", "val_loss")  # per seed and epoch
METRICS = (*CURVES, "test_acc", "test_loss", "train_time", "params", "macs", "latency")
PER_SEED = (*CURVES, "test_acc", "test_loss", "train_time")
REBUILD = ("build it with `python -m naslib_mini.benchmarks build` then `python -m "
           "naslib_mini.benchmarks pack`, or reinstall the package to restore the shipped file")

__all__ = ["Benchmark", "ASSET", "CURVES", "METRICS", "MissingResult", "signal_to_noise", "top_half"]


class Benchmark(TabularBenchmark):
    """Query the shipped results by cell index (0..15624), op tuple or canonical string."""

    name = "digits"
    datasets = ("digits",)
    search_dataset = report_dataset = "digits"
    _metrics = {"digits": METRICS}
    _curves, _per_seed = CURVES, PER_SEED

    def __init__(self, path: str | None = None):
        """path: None = $NASLIB_MINI_BENCHMARK if set (a build of your own), else the shipped file."""
        self.path = path = path or os.environ.get("NASLIB_MINI_BENCHMARK") or ASSET
        if not os.path.exists(path):
            raise FileNotFoundError(f"no benchmark file at {path}; {REBUILD}")
        try:
            with np.load(path, allow_pickle=False) as z:
                self._a = {k: z[k] for k in z.files if k != "meta"}
                self.meta = json.loads(str(z["meta"]))
            self.class_of = self._a["class_of"].astype(np.int64)  # (15625,) cell -> class id
            self.seeds = tuple(self.meta["config"]["seeds"])
            self.num_epochs = self.meta["config"]["num_epochs"]
            missing = [m for m in METRICS if m not in self._a]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise BenchmarkFileError(f"{path} is not a readable benchmark file "
                                     f"({type(e).__name__}: {e}); {REBUILD}") from e
        if missing or self.class_of.shape != (nb201.NUM_CELLS,):
            raise BenchmarkFileError(f"{path} lacks {missing or 'a class_of of 15,625 cells'}; "
                                     f"{REBUILD}")

    # ------------------------------------------------------------ lookups
    def _check_epoch(self, epoch, metric):
        super()._check_epoch(epoch, metric)
        if epoch is not None and not 1 <= epoch <= self.num_epochs:
            raise ValueError(f"epoch must be in 1..{self.num_epochs} (None = the last), got {epoch}")

    def _value(self, i, metric, dataset, seed, epoch) -> float:
        v = self._a[metric][self.class_of[i]]  # (S, E), (S,) or ()
        if metric in CURVES:
            v = v[:, self.num_epochs - 1 if epoch is None else epoch - 1]
        if v.ndim:
            v = v.mean() if seed is None else v[seed]
        return float(v)

    def _column(self, metric, dataset, seed) -> np.ndarray:
        v = self._a[metric]
        if metric in CURVES:
            v = v[..., -1]
        if v.ndim == 2:
            v = v.mean(1) if seed is None else v[:, seed]
        return v[self.class_of]

    def record(self, cell) -> dict:
        """Everything about one cell: curves (seeds, epochs), finals (seeds,), costs."""
        rec = self._identity(cell)
        rec.update({m: self._a[m][rec["class_id"]] for m in METRICS})
        return rec

    # ------------------------------------------------------------ whole-table views
    def per_class(self, metric: str = "val_acc") -> np.ndarray:
        """The stored array of one metric, one row per equivalence class (each trained
        function once): curves (K, seeds, epochs), finals (K, seeds), costs (K,). A copy."""
        self._resolve(metric, None)
        return self._a[metric].copy()

    def summary(self) -> dict:
        """Sizes, accuracy ranges and how well the ranking stands out from seed noise."""
        acc = self.per_class("val_acc")[:, :, -1]  # (K, S)
        test = self.per_class("test_acc")
        best_cell, best_val = self.best("val_acc")
        return {
            "cells": nb201.NUM_CELLS, "unique": int(len(acc)), "seeds": len(self.seeds),
            "epochs": self.num_epochs,
            "val_acc": {"mean": float(acc.mean()), "min": float(acc.mean(1).min()),
                        "max": float(acc.mean(1).max())},
            "test_acc_of_best_val": self.query(best_cell, "test_acc"),
            "best_val_acc": best_val, "best_test_acc": float(test.mean(1).max()),
            "signal_to_noise": signal_to_noise(acc),
            "signal_to_noise_top_half": signal_to_noise(top_half(acc)),
            "kendall_tau_seeds": float(kendall_tau(acc[:, 0], acc[:, 1])),
            "kendall_tau_seeds_top_half": float(kendall_tau(*top_half(acc)[:, :2].T)),
            "build_wall_hours": self.meta["build_wall_s"] / 3600,
        }


def top_half(acc: np.ndarray) -> np.ndarray:
    """Rows (classes) whose seed-mean is at or above the median: (K, S) -> (K', S)."""
    m = acc.mean(1)
    return acc[m >= np.median(m)]


def signal_to_noise(acc: np.ndarray) -> float:
    """Spread between cells over spread between seeds of one cell, for accuracies (K, S):
    std over cells of the seed-mean, divided by the pooled within-cell std over seeds."""
    between = acc.mean(1).std(ddof=1)
    within = np.sqrt(acc.var(1, ddof=1).mean())
    return float(between / within)
