"""A tabular benchmark of our own: every cell of the NAS-Bench-201 space (Dong & Yang 2020,
arXiv 2001.00326) trained on the embedded digits with this package's training loop.

A tabular benchmark turns "train this architecture" (seconds to days) into "look it up"
(microseconds), so a search strategy can be run hundreds of times and judged against the
known best. The results ship inside the package (naslib_mini/assets/nb201_digits.npz).

    python -m naslib_mini.benchmark build [--workers 2]   # resumable: interrupt and rerun
    python -m naslib_mini.benchmark pack                  # merge shards into the shipped file
    python -m naslib_mini.benchmark info                  # summary of the shipped file

    >>> from naslib_mini.benchmark import Benchmark
    >>> bench = Benchmark()
    >>> bench.query("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")

Cells in one equivalence class compute the same function; each class was trained once
per seed and all its members share those results.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np

from .benchmark_build import ASSET, CURVES
from .metrics import kendall_tau
from .spaces import nb201

METRICS = (*CURVES, "test_acc", "test_loss", "train_time", "params", "macs", "latency")


class Benchmark:
    """Query the shipped results by cell index (0..15624), op tuple or canonical string."""

    def __init__(self, path: str | None = None):
        """path: None = $NASLIB_MINI_BENCHMARK if set (a build of your own), else the shipped file."""
        path = path or os.environ.get("NASLIB_MINI_BENCHMARK") or ASSET
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"no benchmark file at {path}; build it with `python -m naslib_mini.benchmark "
                "build` then `python -m naslib_mini.benchmark pack`")
        with np.load(path) as z:
            self._a = {k: z[k] for k in z.files if k != "meta"}
            self.meta = json.loads(str(z["meta"]))
        self.class_of = self._a["class_of"].astype(np.int64)  # (15625,) cell -> class id
        self.seeds = tuple(self.meta["config"]["seeds"])
        self.num_epochs = self.meta["config"]["num_epochs"]

    # ------------------------------------------------------------ lookups
    def _class(self, cell) -> int:
        idx = cell if isinstance(cell, (int, np.integer)) else nb201.ops_to_index(nb201.to_ops(cell))
        if not 0 <= idx < nb201.NUM_CELLS:
            raise IndexError(f"cell index {idx} outside 0..{nb201.NUM_CELLS - 1}")
        return int(self.class_of[idx])

    def query(self, cell, metric: str = "val_acc", seed: int | None = None,
              epoch: int | None = None) -> float:
        """One number. seed: None = mean over seeds, else a seed's position (0, 1, ...);
        epoch: 1..num_epochs for the curves (None = the last epoch)."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {METRICS}")
        v = self._a[metric][self._class(cell)]  # (S, E), (S,) or ()
        if metric in CURVES:
            e = self.num_epochs if epoch is None else epoch
            if not 1 <= e <= self.num_epochs:
                raise ValueError(f"epoch must be in 1..{self.num_epochs}, got {e}")
            v = v[:, e - 1]
        if v.ndim:
            v = v.mean() if seed is None else v[seed]
        return float(v)

    def record(self, cell) -> dict:
        """Everything about one cell: curves (seeds, epochs), finals (seeds,), costs."""
        k = self._class(cell)
        ops = nb201.to_ops(cell)
        rec = {"index": nb201.ops_to_index(ops), "string": nb201.ops_to_string(ops),
               "class_id": k, "class_size": int((self.class_of == k).sum())}
        rec.update({m: self._a[m][k] for m in METRICS})
        return rec

    def equivalence_class(self, cell) -> list[int]:
        """The indices of every cell that computes the same function as `cell`."""
        return np.flatnonzero(self.class_of == self._class(cell)).tolist()

    def __len__(self):
        return nb201.NUM_CELLS

    def __iter__(self):
        return iter(range(nb201.NUM_CELLS))

    def sample(self, rng: np.random.Generator, n: int | None = None):
        """A uniformly random cell index (or n of them, with replacement)."""
        return int(rng.integers(nb201.NUM_CELLS)) if n is None else rng.integers(nb201.NUM_CELLS, size=n)

    # ------------------------------------------------------------ whole-table views
    def per_class(self, metric: str = "val_acc") -> np.ndarray:
        """The stored array of one metric, one row per equivalence class (each trained
        function once): curves (K, seeds, epochs), finals (K, seeds), costs (K,). A copy."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {METRICS}")
        return self._a[metric].copy()

    def table(self, metric: str = "val_acc", seed: int | None = None) -> np.ndarray:
        """The final value of `metric` for all 15,625 cells, in index order."""
        v = self._a[metric]
        if metric in CURVES:
            v = v[..., -1]
        if v.ndim == 2:
            v = v.mean(1) if seed is None else v[:, seed]
        return v[self.class_of]

    def best(self, metric: str = "val_acc") -> tuple[int, float]:
        """The cell with the highest seed-mean final `metric` (lowest index among ties)."""
        t = self.table(metric)
        i = int(np.argmax(t))
        return i, float(t[i])

    def summary(self) -> dict:
        """Sizes, accuracy ranges and how well the ranking stands out from seed noise."""
        acc = self.per_class("val_acc")[:, :, -1]  # (K, S)
        test = self.per_class("test_acc")
        _, best_val = self.best("val_acc")
        return {
            "cells": nb201.NUM_CELLS, "unique": int(len(acc)), "seeds": len(self.seeds),
            "epochs": self.num_epochs,
            "val_acc": {"mean": float(acc.mean()), "min": float(acc.mean(1).min()),
                        "max": float(acc.mean(1).max())},
            "test_acc_of_best_val": self.query(self.best("val_acc")[0], "test_acc"),
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


def main(argv=None):
    from . import benchmark_build as bb
    from .checks import CorruptFileError
    ap = argparse.ArgumentParser(description="Build, pack or inspect the tabular benchmark.")
    ap.add_argument("command", choices=["build", "pack", "info"])
    ap.add_argument("--workdir", default="shards/nb201")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: 1 per GPU on CUDA, min(2, cores) on the CPU)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                    help="where the workers train (auto: CUDA when present)")
    ap.add_argument("--max-chunks", type=int, default=None, help="train at most this many chunks now")
    a = ap.parse_args(argv)
    try:
        if a.command == "build":
            bb.build(a.workdir, a.workers, a.max_chunks, device=a.device)
        elif a.command == "pack":
            print("wrote", bb.pack(a.workdir))
        else:
            print(json.dumps(Benchmark().summary(), indent=1))
    except (ValueError, TypeError, FileNotFoundError, CorruptFileError) as e:
        ap.error(str(e))  # one line and exit status 2, not a traceback


if __name__ == "__main__":
    main()
