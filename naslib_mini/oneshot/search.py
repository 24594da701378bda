"""One call for every one-shot search: `search(space, method, data, config, callbacks)`.

    space    "darts"   the DARTS cell space (SearchCNN; result: a genotypes.Genotype)
             "nb201"   the NAS-Bench-201 space (NB201SuperNet; result: 6 ops, to look up in
                       benchmark.Benchmark)
             "fairnas" the FairNAS space (FairNASSuperNet; result: a gene)
             "densenas" DenseNAS' routing space (pass supernet=DenseSuperNet(space, latency=...))
    method   "darts", "gdas", "pcdarts", "pdarts", "densenas", "spos", "fairnas" (the registry
             of method.py), or a OneShotMethod subclass of your own
    config   the method's config (oneshot/config.py; default: its PAPER preset)

It builds the supernet from the config (SUPERNETS, a registry too), runs the method (one
`train.fit` with the method as its callback; P-DARTS' stages, DenseNAS' warm-up and search,
SPOS / FairNAS' supernet training and selection are each the method's `run`) and returns a
`SearchResult`. The data's `val` split trains the architecture and its `train` split the
weights: DARTS holds out half of the CIFAR-10 training set, `data.load(name, val_fraction=0.5)`,
which is the default here (digits).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from .. import checks
from .. import data as data_mod
from ..config import Config
from ..networks import CellNetwork
from ..spaces import nb201
from ..train import evaluate, fit
from ..utils import count_params, resolve_device, seed_everything
from . import darts, densenas_search, gdas, pcdarts, pdarts, single_path  # noqa: F401  (register the methods)
from .fairnas_supernet import FairNASSuperNet
from .config import TrainConfig
from .method import METHODS, OneShotMethod, augmentation, get
from .nb201_supernet import NB201SuperNet
from .search_cnn import SearchCNN


def _darts(splits, config, **overrides):
    kw = {"C": config.C, "layers": config.layers, "K": getattr(config, "K", 1), **overrides}
    return SearchCNN(num_classes=splits.num_classes, in_channels=splits.in_channels, **kw)


def _nb201(splits, config, **overrides):
    kw = {"C": config.C, "N": config.layers, "stages": config.stages, "K": getattr(config, "K", 1),
          "affine": getattr(config, "affine", False), **overrides}
    return NB201SuperNet(num_classes=splits.num_classes, in_channels=splits.in_channels, **kw)


def _fairnas(splits, config, **overrides):
    return FairNASSuperNet(num_classes=splits.num_classes, in_channels=splits.in_channels, **overrides)


def _densenas(splits, config, **overrides):
    raise ValueError("the DenseNAS supernet needs its space and a measured latency table: pass "
                     "supernet=DenseSuperNet(space, num_classes, in_channels, latency=LatencyModel(...))")


SUPERNETS = {"darts": _darts, "nb201": _nb201, "fairnas": _fairnas, "densenas": _densenas}


@dataclass
class Run:
    """How to run a search (not what to search): search()'s keyword options."""
    seed: int = 0
    device: object = "auto"
    checkpoint: object = None
    progress: bool = True
    evaluate: bool = True
    desc: str | None = None


@dataclass
class SearchResult:
    """What a search returns. arch: the derived architecture (a Genotype, 6 NAS-Bench-201 ops,
    a FairNAS gene or a DenseArch); history: fit's history (with "arch" per epoch);
    searcher: the method (alphas, snapshots; P-DARTS: .stages); config: the settings used."""
    space: str
    method: str
    arch: object
    history: dict
    searcher: OneShotMethod
    supernet: object
    seconds: float
    config: Config

    @property
    def archs(self) -> list:
        """The architecture derived at the end of each epoch."""
        return [s["arch"] for s in self.searcher.snapshots]


def search(space: str = "darts", method="darts", data=None, config: Config | None = None,
           callbacks=(), *, seed: int = 0, supernet=None, evaluate: bool = True, device="auto",
           checkpoint=None, progress: bool = True, desc: str | None = None) -> SearchResult:
    """Search `space` with `method` under `config`; return the derived architecture and the record.

    data: a data.Splits (train: weights, val: architecture), default digits with half the
    training images as validation. config: the method's config, default its PAPER preset.
    callbacks: more fit callbacks. seed: the supernet's initialisation, the architecture,
    the batches. supernet: search in this supernet (its current weights; e.g. after a warm-up)
    instead of a fresh one. evaluate: pass the whole validation split through the supernet
    after every epoch (history "val_loss", "val_acc"; False saves that time, and
    "arch_val_loss" / "arch_val_acc", the architecture steps' own batches, remain).
    checkpoint: a path (P-DARTS: a folder); an interrupted search resumes there with nothing lost.
    """
    cls = get(method)
    name = method if isinstance(method, str) else cls.__name__
    if space not in SUPERNETS:
        raise ValueError(f"unknown space {space!r}; choose one of {sorted(SUPERNETS)}")
    if space not in cls.spaces:
        raise ValueError(f"{name} searches the {', '.join(map(repr, cls.spaces))} space(s), not {space!r}")
    config = cls.Config.PAPER if config is None else config
    if not isinstance(config, cls.Config):
        raise TypeError(f"{name} takes a {cls.Config.__name__} (oneshot/config.py), got "
                        f"{type(config).__name__}")
    _check_data(data)
    run = Run(checks.integer("seed", seed, min=0), resolve_device(checks.device("device", device)),
              checkpoint, checks.flag("progress", progress), checks.flag("evaluate", evaluate),
              desc or f"{name} on {space}")
    splits = data if data is not None else data_mod.load("digits", val_fraction=0.5, device=run.device)
    seed_everything(run.seed)
    build = (lambda **kw: supernet) if supernet is not None else \
        (lambda **kw: SUPERNETS[space](splits, config, **kw))
    t0 = time.perf_counter()
    searcher, history, arch = cls.run(build, splits, config, list(callbacks), run)
    return SearchResult(space, name, arch, history, searcher, searcher.supernet,
                        time.perf_counter() - t0, config)


def _check_data(data):
    if data is None:
        return
    if not (hasattr(data, "train") and hasattr(data, "val")):
        raise TypeError(f"data must be a data.Splits (train trains the weights, val the "
                        f"architecture), got {type(data).__name__}")
    if not len(checks.pair("data.val", data.val)[1]):
        raise ValueError("data.val is empty: the architecture is trained on the validation "
                         "split; load the data with val_fraction > 0 (DARTS: 0.5)")
    checks.split("data.val", data.val)


def retrain(genotype, splits, config: TrainConfig = TrainConfig.PAPER, *, seed: int = 0,
            progress: bool = False, device="auto") -> dict:
    """Train a derived genotype from scratch and test it: the DARTS evaluation step in one call.

    The network is networks.CellNetwork (the DARTS evaluation network without the auxiliary
    head and drop-path) with config's settings (TrainConfig.PAPER: the paper's 20 cells, 36
    channels, 600 epochs, batch 96, SGD 0.025 cosine, crop, flip and cutout).
    Returns {"net", "history", "test_acc", "test_loss", "params"}."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"retrain takes a TrainConfig, got {type(config).__name__}")
    seed_everything(seed)
    c = config
    net = CellNetwork(genotype, C=c.C, layers=c.layers, num_classes=splits.num_classes,
                      in_channels=splits.in_channels)
    history = fit(net, splits, num_epochs=c.num_epochs, lr=c.lr, momentum=c.momentum,
                  batch_size=c.batch_size, weight_decay=c.weight_decay, grad_clip=c.grad_clip,
                  augment=augmentation(c), seed=seed, progress=progress, device=device)
    test_loss, test_acc = evaluate(net, splits.test)
    return {"net": net, "history": history, "test_acc": test_acc, "test_loss": test_loss,
            "params": count_params(net)}


def benchmark_truth(bench, cell, metric: str = "test_acc") -> dict:
    """The ground truth of a NAS-Bench-201 cell in a Benchmark: its seed-mean `metric`, its
    rank among all 15,625 cells (1 = best; ties share the better rank) and the share of
    cells it beats or ties (percentile)."""
    table = bench.table(metric)
    value = bench.query(cell, metric)
    rank = int((table > value).sum()) + 1
    return {"cell": nb201.ops_to_string(nb201.to_ops(cell)), metric: value, "rank": rank,
            "percentile": float(100 * (table <= value).mean()), "best": float(table.max()),
            "n": int(len(table))}


__all__ = ["METHODS", "SUPERNETS", "SearchResult", "benchmark_truth", "retrain", "search"]
