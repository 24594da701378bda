"""One call for a one-shot search: `search(space, method, ...)` builds the supernet and the
method, runs `train.fit` with the method as its callback, and returns the derived
architecture with the whole record.

    space="darts":  the DARTS cell space (SearchCNN; result: a genotypes.Genotype)
    space="nb201":  the NAS-Bench-201 space (NB201SuperNet with the benchmark network's
                    skeleton; result: 6 ops, to look up in benchmark.Benchmark)
    method="darts" (order 1 or 2), "gdas", or an Architect subclass of your own

Defaults are the papers' search settings (DARTS: SGD lr 0.025 with cosine decay, momentum
0.9, weight decay 3e-4, gradient clipping at 5, batch 64; alpha Adam 3e-4). One difference:
fit's cosine decays to 0, the official code's to 0.001. The data's `val`
split trains the alphas and its `train` split the weights: DARTS holds out half of the
CIFAR-10 training set, `data.load(name, val_fraction=0.5)`, which is the default here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import checks
from .. import data as data_mod
from ..networks import CellNetwork
from ..spaces import nb201
from ..train import evaluate, fit
from ..utils import count_params, resolve_device, seed_everything
from .architect import Architect, SearchModel
from .gdas import GDAS
from .nb201_supernet import NB201SuperNet
from .search_cnn import SearchCNN

SPACES = ("darts", "nb201")
METHODS = ("darts", "gdas")


def make_supernet(space: str, *, num_classes: int = 10, in_channels: int = 3, C: int | None = None,
                  layers: int | None = None, **kwargs):
    """The supernet of a space. darts: SearchCNN(C=16, layers=8) unless given; nb201: the
    benchmark's network (C=16, one cell, one stage) unless given (layers = cells N)."""
    for name, v in (("C", C), ("layers", layers)):
        if v is not None:
            checks.integer(name, v, min=1)
    checks.integer("num_classes", num_classes, min=1)
    checks.integer("in_channels", in_channels, min=1)
    if space == "darts":
        return SearchCNN(C=16 if C is None else C, layers=8 if layers is None else layers,
                         num_classes=num_classes, in_channels=in_channels, **kwargs)
    if space == "nb201":
        return NB201SuperNet(C=16 if C is None else C, N=1 if layers is None else layers,
                             stages=kwargs.pop("stages", 1), num_classes=num_classes,
                             in_channels=in_channels, **kwargs)
    raise ValueError(f"unknown space {space!r}; choose one of {SPACES}")


def make_method(method, supernet, val, *, num_epochs: int, order: int = 1, seed: int = 0,
                device="auto", **kwargs) -> Architect:
    """The method over `supernet`, trained on `val`: "darts" (Architect, order 1 or 2),
    "gdas", or an Architect subclass (called with the same arguments, e.g. PC-DARTS)."""
    if isinstance(method, type) and issubclass(method, Architect):
        return method(supernet, val, order=order, num_epochs=num_epochs, seed=seed, device=device,
                      **kwargs)
    if method == "darts":
        return Architect(supernet, val, order=order, num_epochs=num_epochs, seed=seed,
                         device=device, **kwargs)
    if method == "gdas":
        if order != 1:
            raise ValueError("GDAS is first order only")
        return GDAS(supernet, val, num_epochs=num_epochs, seed=seed, device=device, **kwargs)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS} or pass an "
                     "Architect subclass")


@dataclass
class SearchResult:
    """What a search returns. arch: a Genotype (darts space) or a 6-op tuple (nb201);
    history: fit's history (with "arch" per epoch); searcher: the method (alphas, snapshots)."""
    space: str
    method: str
    arch: object
    history: dict
    searcher: Architect
    supernet: object
    seconds: float
    settings: dict = field(default_factory=dict)

    @property
    def archs(self) -> list:
        """The architecture derived at the end of each epoch."""
        return [s["arch"] for s in self.searcher.snapshots]


def search(space: str = "darts", method="darts", data=None, *, num_epochs: int = 50,
           seed: int = 0, order: int = 1, C: int | None = None, layers: int | None = None,
           batch_size: int = 64, lr: float = 0.025, momentum: float = 0.9,
           weight_decay: float = 3e-4, grad_clip: float | None = 5.0, arch_lr: float = 3e-4,
           arch_weight_decay: float = 1e-3, tau_max: float = 10.0, tau_min: float = 0.1,
           warmup_epochs: int = 0, supernet_kwargs: dict | None = None,
           method_kwargs: dict | None = None, callbacks=(),
           evaluate: bool = True, device="auto", checkpoint=None, progress: bool = True,
           desc: str | None = None) -> SearchResult:
    """Search `space` with `method` for `num_epochs` and return the derived architecture.

    data: a data.Splits (train: weights, val: alphas), default digits with half the
    training data as validation. The run is seeded (supernet init, alphas, batches).
    supernet_kwargs / method_kwargs: more arguments for the supernet (e.g. K, per-edge
    primitives) and for the method's constructor (e.g. init_scale, r, your subclass's own).
    callbacks: more fit callbacks (e.g. a skip-dropout schedule).
    evaluate: pass the whole validation split through the supernet after every epoch
    (history "val_loss", "val_acc"); False saves that time, and "arch_val_loss" /
    "arch_val_acc" (the architecture steps' own validation batches) remain.
    checkpoint: a path; an interrupted search resumes there with nothing lost.
    """
    if space not in SPACES:
        raise ValueError(f"unknown space {space!r}; choose one of {SPACES}")
    custom = isinstance(method, type) and issubclass(method, Architect)
    if not custom and (not isinstance(method, str) or method not in METHODS):
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS} or pass an "
                         "Architect subclass")
    _check_search(num_epochs, warmup_epochs, C, layers, tau_max, tau_min, order, arch_lr,
                  arch_weight_decay, data)
    name = method.__name__ if custom else method
    device = resolve_device(checks.device("device", device))
    splits = data if data is not None else data_mod.load("digits", val_fraction=0.5, device=device)
    seed_everything(seed)
    supernet = make_supernet(space, num_classes=splits.num_classes, in_channels=splits.in_channels,
                             C=C, layers=layers, **(supernet_kwargs or {}))
    kw = dict(arch_lr=arch_lr, arch_weight_decay=arch_weight_decay, batch_size=batch_size,
              warmup_epochs=warmup_epochs, **(method_kwargs or {}))
    if method == "gdas" or (custom and issubclass(method, GDAS)):
        kw.update(tau_max=tau_max, tau_min=tau_min)
    searcher = make_method(method, supernet, splits.val, num_epochs=num_epochs, order=order,
                           seed=seed, device=device, **kw)
    t0 = time.perf_counter()
    history = fit(SearchModel(searcher), splits if evaluate else (splits.train, None),
                  num_epochs=num_epochs, lr=lr, momentum=momentum, weight_decay=weight_decay,
                  batch_size=batch_size, grad_clip=grad_clip, seed=seed, device=device,
                  callbacks=[searcher, *callbacks], checkpoint=checkpoint, progress=progress,
                  desc=desc or f"{name} on {space}")
    settings = dict(space=space, method=name, order=order, seed=seed, num_epochs=num_epochs,
                    C=C, layers=layers, batch_size=batch_size, lr=lr)
    return SearchResult(space, name, searcher.derive(), history, searcher, supernet,
                        time.perf_counter() - t0, settings)


def _check_search(num_epochs, warmup_epochs, C, layers, tau_max, tau_min, order, arch_lr,
                  arch_weight_decay, data):
    """search()'s own settings (fit checks the weights' ones), before any work."""
    checks.integer("num_epochs", num_epochs, min=1)
    checks.integer("warmup_epochs", warmup_epochs, min=0)
    if warmup_epochs >= num_epochs:
        raise ValueError(f"warmup_epochs={warmup_epochs} >= num_epochs={num_epochs}: the "
                         "architecture would never be trained; use fewer warm-up epochs")
    for name, v in (("C", C), ("layers", layers)):
        if v is not None:
            checks.integer(name, v, min=1)
    checks.choice("order", order, (1, 2))
    checks.number("arch_lr", arch_lr, min=0, min_open=True)
    checks.number("arch_weight_decay", arch_weight_decay, min=0)
    checks.number("tau_min", tau_min, min=0, min_open=True)
    checks.number("tau_max", tau_max, min=tau_min)
    if data is not None:
        if not (hasattr(data, "train") and hasattr(data, "val")):
            raise TypeError(f"data must be a data.Splits (train trains the weights, val the "
                            f"architecture), got {type(data).__name__}")
        if not len(checks.pair("data.val", data.val)[1]):
            raise ValueError("data.val is empty: the architecture is trained on the validation "
                             "split; load the data with val_fraction > 0 (DARTS: 0.5)")
        checks.split("data.val", data.val)


def retrain(genotype, splits, *, C: int = 36, layers: int = 20, num_epochs: int = 600,
            lr: float = 0.025, batch_size: int = 96, weight_decay: float = 3e-4,
            grad_clip: float | None = 5.0, augment=None, seed: int = 0, progress: bool = False,
            **fit_kwargs) -> dict:
    """Train a derived genotype from scratch and test it: the DARTS evaluation step in one call.

    The network is networks.CellNetwork (the DARTS evaluation network without the auxiliary
    head and drop-path; defaults: the paper's 20 cells, 36 channels, 600 epochs, batch 96,
    SGD 0.025 cosine). Returns {"net", "history", "test_acc", "test_loss", "params"}."""
    seed_everything(seed)
    net = CellNetwork(genotype, C=C, layers=layers, num_classes=splits.num_classes,
                      in_channels=splits.in_channels)
    history = fit(net, splits, num_epochs=num_epochs, lr=lr, batch_size=batch_size,
                  weight_decay=weight_decay, grad_clip=grad_clip, augment=augment, seed=seed,
                  progress=progress, **fit_kwargs)
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

