"""The real NAS-Bench-201: every cell of the space trained on CIFAR-10, CIFAR-100 and
ImageNet16-120 for 200 epochs, queried exactly like our digits table (`tabular`).

Source and attribution. Dong & Yang, **NAS-Bench-201: Extending the Scope of Reproducible
Neural Architecture Search**, ICLR 2020 (arXiv 2001.00326), later the topology search space of
Dong, Liu, Musial & Gabrys, **NATS-Bench: Benchmarking NAS Algorithms for Architecture Topology
and Size**, IEEE TPAMI 2021 (arXiv 2009.00437); code and API github.com/D-X-Y/NAS-Bench-201 and
github.com/D-X-Y/NATS-Bench (MIT licence). The numbers come from two public extracts of it:

- github.com/v-tao/nats-bench-landscape, commit b307ae5fe6e8d7043cd4fe7d1c3532288271adb7, file
  nats_bench.csv (CIFAR-10 / CIFAR-100 / ImageNet16-120 test accuracy after 200 epochs, mean
  over seeds, pulled with the NATS-Bench API; the repository carries no licence file);
- github.com/gabro8a/NAS-Landscapes (MIT, Ochoa & Veerapen, PPSN 2022), commit
  abd5221948d901f765e3bc61d0175a3c1c52b802, file data/accuracy/cifar10_avg.csv (the
  cifar10-valid setting, seed-averaged: train / validation / test accuracy and loss, times).

`tools/pack_nb201.py` (the only code that reads them) checks them and writes
naslib_mini/assets/nb201_real.npz (0.5 MB): our cell order, float32 (at most 4e-6 points of
accuracy lost), the files' sha256 and commits in its metadata. The package reads only that
file, never the sources.

Datasets and metrics (accuracies as fractions, like the digits table):

    "cifar10-valid"   trained on 25k CIFAR-10 training images: val_acc (the other 25k),
                      test_acc (the test set), train_acc, *_loss, train_time (seconds of the
                      200-epoch training), epoch_time (one epoch), params
    "cifar10"         trained on all 50k: test_acc, params
    "cifar100"        test_acc, params
    "ImageNet16-120"  test_acc, params

NAS-Bench-201's protocol (section 5): search with cifar10-valid's validation accuracy (the
test set is never seen), report the CIFAR-10 test accuracy of the cell returned, charge each
lookup the cell's training time. So `search_dataset` is "cifar10-valid" and
`report_dataset` "cifar10".

**Seed-averaged.** Each value is the mean over NAS-Bench-201's training seeds (1 to 3 per
cell); the extract has no per-seed values, so `seeds == ()` and `query(seed=...)` refuses.
NAS-Bench-201's own API answers one randomly chosen seed per query, so a search run here
sees less noise than in the paper's protocol. `params` is not from the sources: it counts
this package's `NB201Network(cell, C=16, N=5)` (NAS-Bench-201's skeleton).

Index mapping. Our index of a cell is its 6 op ids read as a base-5 number, edge (0,1) most
significant (`spaces.nb201`); NATS-Bench's index is the row of its API, an order with no
formula. `nats_index(cell)` and `from_nats_index(k)` translate, e.g. NATS-Bench 0 is
|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,
our 4*5^5 + 2*5^4 + 1*5^3 + 2*5^2 + 1*5 + 1 = 13,931.

    >>> from naslib_mini.benchmarks.real import NASBench201
    >>> real = NASBench201()
    >>> real.query("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    ...            "test_acc", dataset="cifar10")
    0.9437...
"""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from ..spaces import nb201
from ..spaces.nb201 import cell_index
from .tabular import BenchmarkFileError, TabularBenchmark

ASSET = os.path.join(os.path.dirname(os.path.dirname(__file__)), "assets", "nb201_real.npz")
DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
METRICS = {"cifar10-valid": ("val_acc", "test_acc", "train_acc", "val_loss", "test_loss",
                             "train_loss", "train_time", "epoch_time", "params"),
           "cifar10": ("test_acc", "params"), "cifar100": ("test_acc", "params"),
           "ImageNet16-120": ("test_acc", "params")}
REPACK = "repack it from the two CSVs with `python tools/pack_nb201.py` (README, 'The real NAS-Bench-201')"

__all__ = ["NASBench201", "ASSET", "DATASETS", "METRICS", "judged_on_cifar"]


class NASBench201(TabularBenchmark):
    """The real NAS-Bench-201 table, by cell index (ours), op tuple or string."""

    name = "NAS-Bench-201"
    datasets = DATASETS
    search_dataset, report_dataset = "cifar10-valid", "cifar10"
    seeds = ()
    _metrics = METRICS

    def __init__(self, path: str | None = None):
        """path: None = the shipped file."""
        self.path = path or ASSET
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"no NAS-Bench-201 table at {self.path}; {REPACK}")
        try:
            with np.load(self.path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            self.meta = json.loads(str(arrays.pop("meta")))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise BenchmarkFileError(f"{self.path} is not a readable NAS-Bench-201 table "
                                     f"({type(e).__name__}: {e}); {REPACK}") from e
        want = [f"{d}.{m}" for d in DATASETS for m in METRICS[d]] + ["nats_index"]
        bad = [k for k in want if k not in arrays or arrays[k].shape != (nb201.NUM_CELLS,)]
        if bad:
            raise BenchmarkFileError(f"{self.path} lacks or has malformed arrays {bad}; {REPACK}")
        # (15625,) float64 per (dataset, metric); accuracies as fractions
        self._cols = {(d, m): arrays[f"{d}.{m}"].astype(float) / (100.0 if m.endswith("_acc") else 1.0)
                      for d in DATASETS for m in METRICS[d]}
        self._nats = arrays["nats_index"].astype(np.int64)            # ours -> NATS-Bench
        self._ours = np.empty_like(self._nats)
        self._ours[self._nats] = np.arange(nb201.NUM_CELLS)          # NATS-Bench -> ours
        if not (np.sort(self._nats) == np.arange(nb201.NUM_CELLS)).all():
            raise BenchmarkFileError(f"{self.path}: nats_index is not a permutation; {REPACK}")
        self.class_of = np.empty(nb201.NUM_CELLS, np.int64)          # (15625,) our classes
        for k, members in enumerate(nb201.equivalence_classes()):
            self.class_of[members] = k

    def _value(self, i, metric, dataset, seed, epoch) -> float:
        return float(self._cols[dataset, metric][i])

    def _column(self, metric, dataset, seed) -> np.ndarray:
        return self._cols[dataset, metric]

    # ------------------------------------------------------------ NATS-Bench's index
    def nats_index(self, cell) -> int:
        """NATS-Bench's (= NAS-Bench-201's API) index of a cell."""
        return int(self._nats[cell_index(cell)])

    def from_nats_index(self, k: int) -> int:
        """Our index of the cell at NATS-Bench index k."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < nb201.NUM_CELLS:
            raise nb201.NB201Error(f"a NATS-Bench index is an int 0..{nb201.NUM_CELLS - 1}, got {k!r}")
        return int(self._ours[k])

    def record(self, cell) -> dict:
        """Everything about one cell: index, string, NATS-Bench index, our equivalence class,
        and {dataset: {metric: value}}."""
        rec = self._identity(cell)
        rec["nats_index"] = self.nats_index(rec["index"])
        for d in DATASETS:
            rec[d] = {m: self.query(rec["index"], m, dataset=d) for m in METRICS[d]}
        return rec


def judged_on_cifar(cell, real: NASBench201 | None = None) -> str:
    """Lines for a cell found on digits: its real test accuracy and rank on CIFAR-10,
    CIFAR-100 and ImageNet16-120 (rank 1 = best of 15,625)."""
    real = real or NASBench201()
    i = cell_index(cell)
    lines = [f"{nb201.ops_to_string(nb201.index_to_ops(i))}: searched on digits, judged on the "
             f"real NAS-Bench-201 (test accuracy after 200 epochs, rank of {nb201.NUM_CELLS:,}):"]
    for d in ("cifar10", "cifar100", "ImageNet16-120"):
        best = real.best("test_acc", dataset=d)[1]
        lines.append(f"  {d:<15}{100 * real.query(i, 'test_acc', dataset=d):6.2f}%  rank "
                     f"{real.rank(i, 'test_acc', dataset=d):>6,}  (best {100 * best:.2f}%)")
    return "\n".join(lines)
