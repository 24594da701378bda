"""The course's strategies as `compare` contenders over the NAS-Bench-201 space (notebook 12).

Each function returns a spec for `compare.compare`: the discrete strategies (random search,
regularized evolution, local search, REINFORCE, NAO, a PNAS-style surrogate search) as
`Discrete` ask/tell factories; the one-shot methods as `OneShot` searches that return one cell
and never touch the table:

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

from . import checks
from .compare import Discrete, OneShot
from .spaces import nb201
from .strategies.controller import Controller, nb201_steps
from .strategies.evolution import LocalSearch, RegularizedEvolution
from .strategies.nao import NAOSearch, nb201_sample, nb201_valid
from .strategies.random_search import RandomSearch
from .strategies.reinforce import Reinforce
from .strategies.surrogate_search import SurrogateSearch

__all__ = ["tokens_to_cell", "random_search", "regularized_evolution", "local_search",
           "reinforce", "nao", "surrogate", "gradient", "single_path", "digits_splits"]


def tokens_to_cell(tokens) -> tuple[str, ...]:
    """6 op ids (the controller's and NAO's tokens) -> 6 op names."""
    tokens = [int(t) if isinstance(t, torch.Tensor) and t.dim() == 0 else t for t in tokens]
    if len(tokens) != len(nb201.EDGES):
        raise nb201.NB201Error(f"a cell is {len(nb201.EDGES)} op ids, got {len(tokens)}: {tokens}")
    for e, t in enumerate(tokens):
        checks.integer(f"token {e}", t, min=0, max=len(nb201.OPS) - 1)
    return tuple(nb201.OPS[int(t)] for t in tokens)


def random_search() -> Discrete:
    return Discrete(lambda seed: RandomSearch(nb201.sample, seed=seed))


def regularized_evolution(population_size: int = 20, sample_size: int = 5) -> Discrete:
    """P and S scaled to a budget of ~100 lookups (the paper's CIFAR-10 run: P = 100, S = 25)."""
    return Discrete(lambda seed: RegularizedEvolution(nb201.sample, nb201.mutate, population_size,
                                                      sample_size, seed=seed))


def local_search() -> Discrete:
    return Discrete(lambda seed: LocalSearch(nb201.sample, nb201.neighbours, seed=seed))


def reinforce(lr: float = 0.01, hidden: int = 35, num_layers: int = 2, baseline_decay: float = 0.95,
              entropy_weight: float = 1e-3, batch_size: int = 5) -> Discrete:
    """The NAS-RL controller over the 6 edge choices (Controller + Reinforce, notebook 02).
    lr 0.01 and m = 5 tells per update: at notebook 02's lr 0.02 and m = 1 the policy settles
    on a few cells within ~70 distinct lookups and then only repeats them (free lookups)."""
    def make(seed):
        with torch.random.fork_rng(devices=[]):  # seeded weights; the caller's RNG untouched
            torch.manual_seed(seed)
            controller = Controller(nb201_steps(), hidden=hidden, num_layers=num_layers)
        return Reinforce(controller, lr=lr, baseline_decay=baseline_decay,
                         entropy_weight=entropy_weight, batch_size=batch_size, seed=seed)
    return Discrete(make, tokens_to_cell)


def nao(**settings) -> Discrete:
    """NAOSearch over 6 op ids (notebook 05); settings: n_init, top_k, eta, epochs, lr, ..."""
    def make(seed):
        with torch.random.fork_rng(devices=[]):
            return NAOSearch(nb201_sample, vocab=len(nb201.OPS), seq_len=len(nb201.EDGES),
                             valid=nb201_valid, seed=seed, **settings)
    return Discrete(make, tokens_to_cell)


def surrogate(**settings) -> Discrete:
    """The PNAS-style `SurrogateSearch`; settings: n_init, K, n_parents, n_random, epochs, ..."""
    return Discrete(lambda seed: SurrogateSearch(seed=seed, **settings))


_SPLITS: dict = {}


def digits_splits(kind: str = "darts"):
    """The data a one-shot search uses, loaded once: "darts" = digits with half of the
    training images for the alphas (notebooks 06-07); "benchmark" = the benchmark's own
    train / val split (notebook 11). The test split is the same in both and never used."""
    if kind not in _SPLITS:
        from . import data
        if kind == "darts":
            _SPLITS[kind] = data.load("digits", val_fraction=0.5, seed=0)
        elif kind == "benchmark":
            from .benchmark_build import BuildConfig
            cfg = BuildConfig()
            _SPLITS[kind] = data.load(cfg.dataset, image_size=cfg.image_size, seed=0)
        else:
            raise ValueError(f"kind must be 'darts' or 'benchmark', got {kind!r}")
    return _SPLITS[kind]


def gradient(method="darts", splits=None, **search_kwargs) -> OneShot:
    """A gradient-based one-shot search on the NAS-Bench-201 supernet; method: "darts",
    "gdas" or an Architect subclass (PC-DARTS); search_kwargs: num_epochs, C, arch_lr, ..."""
    from .oneshot.search import search

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
    from . import augment
    from .benchmark_build import BuildConfig
    from .oneshot.inherited import score_paths
    from .oneshot.nb201_supernet import NB201SuperNet
    from .oneshot.single_path import make_sampler, train_supernet
    from .utils import seed_everything
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
            evo = RegularizedEvolution(nb201.sample, nb201.mutate, population_size, sample_size,
                                       seed=seed)
            for _ in range(20 * n_candidates):  # repeats are free (cached), as in compare
                if len(scores) >= n_candidates:
                    break
                arch = evo.ask()
                evo.tell(arch, inherited(arch))
        best = max(scores, key=scores.get)
        return best, {"train_seconds": train_s, "candidates": list(scores),
                      "inherited": list(scores.values())}
    return OneShot(run)
