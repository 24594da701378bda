"""The course's strategies as `compare` contenders over the NAS-Bench-201 space (notebook 12).

Each function returns a spec for `compare`: the discrete strategies (random search, regularized
evolution, local search, REINFORCE, NAO, a PNAS-style surrogate search) as `Discrete` factories
of strategies over the NAS-Bench-201 space (`spaces.get("nb201")`, whose architectures the
table reads); the one-shot methods as `OneShot` searches that return one cell and never touch
the table:

- `gradient(method)`: DARTS, GDAS, or any `Architect` subclass (PC-DARTS:
  ``gradient(PCDARTS)``), through `oneshot.search.search("nb201", ...)`; the cell is the
  argmax of the alphas (their own selection step).
- `single_path(sampler)`: SPOS or FairNAS: train an `NB201SuperNet` with single paths, then
  the selection step: an evolutionary search (SPOS's choice; or a random sample) over
  *inherited* validation accuracy (BN recalibrated per path), `n_candidates` cells scored.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from .. import augment, data
from ..benchmarks.recipe import BuildConfig
from ..oneshot.inherited import score_paths
from ..oneshot.nb201_supernet import NB201SuperNet
from ..oneshot.search import search
from ..oneshot.single_path import make_sampler, train_supernet
from ..spaces import get, nb201
from ..strategies.controller import Controller
from ..strategies.evolution import LocalSearch, RegularizedEvolution
from ..strategies.nao import NAOSearch
from ..strategies.random_search import RandomSearch
from ..strategies.reinforce import Reinforce
from ..strategies.surrogate_search import SurrogateSearch
from ..utils import seed_everything
from .referee import Discrete, OneShot

__all__ = ["NB201", "random_search", "regularized_evolution", "local_search", "reinforce", "nao",
           "surrogate", "gradient", "single_path", "digits_splits"]

NB201 = get("nb201")


def random_search() -> Discrete:
    return Discrete(lambda seed: RandomSearch(NB201, seed=seed))


def regularized_evolution(population_size: int = 20, sample_size: int = 5) -> Discrete:
    """P and S scaled to a budget of ~100 lookups."""
    return Discrete(lambda seed: RegularizedEvolution(NB201, population_size, sample_size, seed=seed))


def local_search() -> Discrete:
    return Discrete(lambda seed: LocalSearch(NB201, seed=seed))


def reinforce(lr: float = 0.01, hidden: int = 35, num_layers: int = 2, baseline_decay: float = 0.95,
              entropy_weight: float = 1e-3, batch_size: int = 5) -> Discrete:
    """The NAS-RL controller over the 6 edge choices (Controller + Reinforce, notebook 02).
    lr 0.01 and m = 5 tells per update: at lr 0.02 and m = 1 (notebook 02's exercise 5) the
    policy settles on a few cells within ~70 distinct lookups and then only repeats them."""
    def make(seed):
        with torch.random.fork_rng(devices=[]):  # seeded weights; the caller's RNG untouched
            torch.manual_seed(seed)
            controller = Controller(NB201.token_steps(), hidden=hidden, num_layers=num_layers)
        return Reinforce(controller, lr=lr, baseline_decay=baseline_decay, entropy_weight=entropy_weight,
                         batch_size=batch_size, seed=seed, space=NB201)
    return Discrete(make)


def nao(**settings) -> Discrete:
    """NAOSearch over the 6 op ids of a cell (notebook 05); settings: n_init, top_k, eta,
    epochs, lr, ..."""
    def make(seed):
        with torch.random.fork_rng(devices=[]):
            return NAOSearch(NB201, seed=seed, **settings)
    return Discrete(make)


def surrogate(**settings) -> Discrete:
    """The PNAS-style `SurrogateSearch`; settings: n_init, K, n_parents, n_random, num_epochs, ..."""
    return Discrete(lambda seed: SurrogateSearch(NB201, seed=seed, **settings))


_SPLITS: dict = {}


def digits_splits(kind: str = "darts"):
    """The data a one-shot search uses, loaded once: "darts" = digits with half of the
    training images for the alphas (notebooks 06-07); "benchmark" = the benchmark's own
    train / val split (notebook 11). The test split is the same in both and never used."""
    if kind not in _SPLITS:
        if kind == "darts":
            _SPLITS[kind] = data.load("digits", val_fraction=0.5, seed=0)
        elif kind == "benchmark":
            cfg = BuildConfig()
            _SPLITS[kind] = data.load(cfg.dataset, image_size=cfg.image_size, seed=0)
        else:
            raise ValueError(f"kind must be 'darts' or 'benchmark', got {kind!r}")
    return _SPLITS[kind]


def gradient(method="darts", splits=None, **search_kwargs) -> OneShot:
    """A gradient-based one-shot search on the NAS-Bench-201 supernet; method: "darts",
    "gdas" or an Architect subclass (PC-DARTS); search_kwargs: num_epochs, C, arch_lr, ..."""
    def run(seed):
        r = search("nb201", method, splits if splits is not None else digits_splits("darts"),
                   seed=seed, evaluate=False, progress=False, **search_kwargs)
        return r.arch, {"search_seconds": r.seconds}
    return OneShot(run)


def single_path(sampler: str = "spos", splits=None, *, num_epochs: int = 10, C: int = 16,
                n_candidates: int = 50, selection: str = "evolution", bn_batches: int = 1,
                population_size: int = 10, sample_size: int = 3) -> OneShot:
    """SPOS ("spos") or FairNAS ("fairnas"): supernet training with the benchmark's recipe
    (notebook 11), then `n_candidates` cells scored by inherited accuracy (ties broken by the
    inherited loss), by regularized evolution or a random sample; returns the best."""
    if selection not in ("evolution", "sample"):
        raise ValueError(f"selection must be 'evolution' or 'sample', got {selection!r}")
    cfg = BuildConfig()

    def run(seed):
        sp = splits if splits is not None else digits_splits("benchmark")
        seed_everything(seed)
        net = NB201SuperNet(C=C, N=cfg.N, stages=cfg.stages, in_channels=sp.in_channels,
                            num_classes=sp.num_classes, affine=True)
        t0 = time.perf_counter()
        train_supernet(net, sp, make_sampler(sampler, len(nb201.EDGES), len(nb201.OPS), seed),
                       num_epochs=num_epochs, lr=cfg.lr, batch_size=cfg.batch_size,
                       weight_decay=cfg.weight_decay, augment=augment.crop(cfg.augment_pad),
                       seed=seed, channels_last=True, progress=False)
        train_s, scores = time.perf_counter() - t0, {}

        def inherited(cell):  # the selection step's only score: no table lookup
            i = nb201.ops_to_index(nb201.to_ops(cell))
            if i not in scores:
                acc, loss = score_paths(net, [net.path_of(i)], sp.val, calib=sp.train,
                                        n_batches=bn_batches, seed=seed, channels_last=True)
                scores[i] = float(acc[0] - 1e-4 * loss[0])  # accuracy first, loss breaks ties
            return scores[i]

        rng = np.random.default_rng(seed)
        if selection == "sample":
            for c in rng.choice(nb201.NUM_CELLS, size=n_candidates, replace=False):
                inherited(int(c))
        else:
            evo = RegularizedEvolution(NB201, population_size, sample_size, seed=seed)
            for _ in range(20 * n_candidates):  # repeats are free (cached), as in compare
                if len(scores) >= n_candidates:
                    break
                arch = evo.ask()
                evo.tell(arch, inherited(arch))
        best = max(scores, key=scores.get)
        return best, {"train_seconds": train_s, "candidates": list(scores),
                      "inherited": list(scores.values())}
    return OneShot(run)
