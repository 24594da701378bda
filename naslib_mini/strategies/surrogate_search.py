"""A PNAS-style surrogate search over a fixed-size space (the NAS-Bench-201 cell in notebook
12), behind ask / tell / best.

PNAS (Liu et al., ECCV 2018, arXiv 1712.00559; ``progressive.ProgressiveSearch``) grows cells
one block at a time and lets a surrogate pick which K of the many larger children to train.
A NAS-Bench-201 cell has a fixed size (6 edges, 5 ops each), so there is nothing to grow; what
carries over is the loop "train a few, fit a predictor, score many, train the predicted best":

    train n_init random cells
    repeat:
        fit an ensemble of PNAS's MLP surrogates (``surrogates.Ensemble``) on every cell trained
        candidates <- every neighbour of the n_parents best cells + n_random random cells,
                      minus the cells already trained
        train the K candidates with the highest  mean + kappa * std  of the ensemble

How it differs from PNAS proper: no progressive growth and no beam over cell sizes; the
candidates are local (neighbours of the best) plus random, not every child of the beam; the
surrogate is refitted every K lookups, not once per block count. kappa > 0 adds an optimistic
bonus for cells the ensemble disagrees on (PNAS ranks by the mean: kappa = 0).

Tokens for the surrogate (`sequences`): decision t with choice c is token offset_t + c (a
token per decision and choice: 5e + op for edge e of an NAS-Bench-201 cell, 30 in all), then
end tokens up to a multiple of 4, the blocks of 4 that ``surrogates`` reads (a cell: 8 tokens).
"""
from __future__ import annotations

import numpy as np

from ..surrogates import Ensemble
from .base import Strategy

__all__ = ["SurrogateSearch", "sequences"]


def sequences(space, archs) -> tuple[list[list[int]], int]:
    """The surrogates' token lists of `archs` and their vocabulary size: choice c of decision t
    is token sum_{t' < t} k_t' + c; end tokens (the last id) pad each list to a multiple of 4."""
    steps = space.token_steps()
    offsets = np.cumsum([0] + [k for _, k in steps])
    end, pad = int(offsets[-1]), -len(steps) % 4
    return [[int(o) + t for o, t in zip(offsets, space.to_tokens(a))] + [end] * pad for a in archs], end + 1


class SurrogateSearch(Strategy):
    """The loop of the module docstring over any space whose decisions are all choices.

    n_init: random cells before the first fit; K: cells trained per round; n_parents: best
    cells whose neighbours are candidates; n_random: random candidates per round; kind,
    n_models, epochs, embed_dim, hidden: the ensemble (``surrogates.Ensemble``); kappa: the
    weight of the ensemble's std in the ranking. ``rounds`` records, per round, how many
    candidates were scored and the predicted (mean, std) of the K chosen.
    """

    def __init__(self, space, n_init: int = 20, K: int = 10, n_parents: int = 5, n_random: int = 200,
                 kind: str = "mlp", n_models: int = 3, num_epochs: int = 50, embed_dim: int = 32,
                 hidden: int = 64, kappa: float = 0.0, seed: int = 0):
        super().__init__(space, ("sample", "neighbours", "token_steps", "to_tokens"))
        if n_init < 2 or K < 1:
            raise ValueError(f"need n_init >= 2 (a surrogate needs data) and K >= 1, got "
                             f"{n_init}, {K}")
        self.n_init, self.K, self.n_parents, self.n_random = n_init, K, n_parents, n_random
        self.kind, self.n_models, self.num_epochs, self.kappa = kind, n_models, num_epochs, kappa
        self.model_kwargs = dict(vocab_size=sequences(space, [])[1], embed_dim=embed_dim, hidden=hidden)
        self.seed, self.rng = seed, np.random.default_rng(seed)
        self.seen: set = set()
        self.queue: list = []
        self.rounds: list[dict] = []

    def _round(self) -> None:
        cells, y = zip(*self.history)
        ens = Ensemble(self.kind, n_models=self.n_models, seed=self.seed + len(self.rounds),
                       **self.model_kwargs)
        ens.fit(sequences(self.space, cells)[0], np.asarray(y), num_epochs=self.num_epochs)
        parents = [cells[i] for i in np.argsort(-np.asarray(y), kind="stable")[: self.n_parents]]
        pool = dict.fromkeys(n for p in parents for n in self.space.neighbours(p)
                             if n not in self.seen)  # ordered, unique
        pool.update(dict.fromkeys(c for c in self._unseen(self.n_random, self.seen) if c not in pool))
        pool = list(pool)
        if not pool:
            raise RuntimeError("no untrained candidate left: the space looks exhausted")
        mean, std = ens.predict(sequences(self.space, pool)[0])  # (n,), (n,)
        order = np.argsort(-(mean + self.kappa * std), kind="stable")[: self.K]
        self.queue = [pool[i] for i in order]
        self.seen.update(self.queue)
        self.rounds.append(dict(candidates=len(pool), mean=mean[order], std=std[order]))

    def ask(self):
        if not self.queue:
            if len(self.history) < self.n_init:
                self.queue = self._unseen(self.n_init - len(self.history), self.seen)
                self.seen.update(self.queue)
            else:
                self._round()
        return self.queue.pop(0)

    def tell(self, arch, score: float) -> None:
        super().tell(arch, score)
        self.seen.add(arch)
