"""The course's strategies as `compare` contenders over the NAS-Bench-201 space (notebook 12).

Each function returns a spec for `compare`: the discrete strategies (random search, regularized
evolution, local search, REINFORCE, NAO, a PNAS-style surrogate search) as `Discrete` factories
of strategies over the NAS-Bench-201 space (`spaces.get("nb201")`, whose architectures the
table reads); the one-shot methods as `OneShot` searches that return one cell and never touch
the table:

- `gradient(method, config)`: "darts", "gdas", "pcdarts" (or a method of your own) through
  `oneshot.search.search("nb201", ...)`; the cell is the argmax of the alphas (their own
  selection step).
- `single_path(method, config)`: "spos" or "fairnas" through the same search: an
  `NB201SuperNet` trained with single paths, then the selection step (oneshot.single_path):
  an evolutionary search or a random sample over *inherited* validation accuracy (BN
  recalibrated per path), config.n_candidates cells scored.
"""
from __future__ import annotations

import torch

from .. import data
from ..benchmarks.recipe import BuildConfig
from ..oneshot.search import search
from ..spaces import get, nb201
from ..strategies.controller import Controller
from ..strategies.evolution import LocalSearch, RegularizedEvolution
from ..strategies.nao import NAOSearch
from ..strategies.random_search import RandomSearch
from ..strategies.reinforce import Reinforce
from ..strategies.surrogate_search import SurrogateSearch
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


def gradient(method="darts", config=None, splits=None) -> OneShot:
    """A gradient-based one-shot search on the NAS-Bench-201 supernet; method: "darts",
    "gdas", "pcdarts" or a OneShotMethod subclass; config: its config (oneshot/config.py)."""
    def run(seed):
        r = search("nb201", method, splits if splits is not None else digits_splits("darts"),
                   config, seed=seed, evaluate=False, progress=False)
        return r.arch, {"search_seconds": r.seconds}
    return OneShot(run)


def single_path(method: str = "spos", config=None, splits=None) -> OneShot:
    """SPOS ("spos") or FairNAS ("fairnas"): supernet training and the selection step, on the
    benchmark's own train / val split; returns the selected cell, the cells scored (as
    benchmark indices, in order) and their selection scores."""
    def run(seed):
        r = search("nb201", method, splits if splits is not None else digits_splits("benchmark"),
                   config, seed=seed, evaluate=False, progress=False)
        ops = [tuple(r.supernet.primitives[c] for c in path) for path in r.searcher.candidates]
        return r.arch, {"train_seconds": r.searcher.train_seconds, "search_seconds": r.seconds,
                        "candidates": [nb201.ops_to_index(o) for o in ops],
                        "inherited": list(r.searcher.scores)}
    return OneShot(run)
