"""A PNAS-style surrogate search over the NAS-Bench-201 cell, behind ask / tell / best.

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

Tokens for the surrogate (``tokens``): edge e with op o is token 5e + o (30 tokens), then two
end tokens (30), so a cell is 8 tokens = 2 blocks of 4, the format ``surrogates`` reads.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..spaces import nb201
from ..surrogates import Ensemble

__all__ = ["SurrogateSearch", "tokens", "VOCAB"]

_END = len(nb201.EDGES) * len(nb201.OPS)  # 30: the end token
VOCAB = _END + 1


def tokens(cell) -> list[int]:
    """A NAS-Bench-201 cell -> 8 tokens: 5 e + op for each edge e, then two end tokens."""
    ops = nb201.to_ops(cell)
    return [len(nb201.OPS) * e + nb201.OPS.index(op) for e, op in enumerate(ops)] + [_END, _END]


class SurrogateSearch:
    """The loop of the module docstring. Cells are op tuples (``nb201.sample``'s format).

    n_init: random cells before the first fit; K: cells trained per round; n_parents: best
    cells whose neighbours are candidates; n_random: random candidates per round; kind,
    n_models, epochs, embed_dim, hidden: the ensemble (``surrogates.Ensemble``); kappa: the
    weight of the ensemble's std in the ranking. ``rounds`` records, per round, how many
    candidates were scored and the predicted (mean, std) of the K chosen.
    """

    def __init__(self, sample: Callable = nb201.sample, neighbours: Callable = nb201.neighbours,
                 n_init: int = 20, K: int = 10, n_parents: int = 5, n_random: int = 200,
                 kind: str = "mlp", n_models: int = 3, epochs: int = 50, embed_dim: int = 32,
                 hidden: int = 64, kappa: float = 0.0, seed: int = 0):
        if n_init < 2 or K < 1:
            raise ValueError(f"need n_init >= 2 (a surrogate needs data) and K >= 1, got "
                             f"{n_init}, {K}")
        self.sample, self.neighbours = sample, neighbours
        self.n_init, self.K, self.n_parents, self.n_random = n_init, K, n_parents, n_random
        self.kind, self.n_models, self.epochs, self.kappa = kind, n_models, epochs, kappa
        self.model_kwargs = dict(vocab_size=VOCAB, embed_dim=embed_dim, hidden=hidden)
        self.seed, self.rng = seed, np.random.default_rng(seed)
        self.history: list[tuple[tuple, float]] = []
        self.seen: set[tuple] = set()
        self.queue: list[tuple] = []
        self.rounds: list[dict] = []

    def _random(self, n: int, max_tries: int = 10_000) -> list[tuple]:
        out = []
        for _ in range(max_tries):
            if len(out) == n:
                break
            c = tuple(self.sample(self.rng))
            if c not in self.seen and c not in out:
                out.append(c)
        return out

    def _round(self) -> None:
        cells, y = zip(*self.history)
        ens = Ensemble(self.kind, n_models=self.n_models, seed=self.seed + len(self.rounds),
                       **self.model_kwargs)
        ens.fit([tokens(c) for c in cells], np.asarray(y), epochs=self.epochs)
        parents = [cells[i] for i in np.argsort(-np.asarray(y), kind="stable")[: self.n_parents]]
        pool = dict.fromkeys(n for p in parents for n in map(tuple, self.neighbours(p))
                             if n not in self.seen)  # ordered, unique
        pool.update(dict.fromkeys(c for c in self._random(self.n_random) if c not in pool))
        pool = list(pool)
        if not pool:
            raise RuntimeError("no untrained candidate left: the space looks exhausted")
        mean, std = ens.predict([tokens(c) for c in pool])  # (n,), (n,)
        order = np.argsort(-(mean + self.kappa * std), kind="stable")[: self.K]
        self.queue = [pool[i] for i in order]
        self.seen.update(self.queue)
        self.rounds.append(dict(candidates=len(pool), mean=mean[order], std=std[order]))

    def ask(self) -> tuple:
        if not self.queue:
            if len(self.history) < self.n_init:
                self.queue = self._random(self.n_init - len(self.history))
                self.seen.update(self.queue)
            else:
                self._round()
        return self.queue.pop(0)

    def tell(self, cell, score: float) -> None:
        cell = tuple(nb201.to_ops(cell))
        self.seen.add(cell)
        self.history.append((cell, float(score)))

    def best(self):
        if not self.history:
            raise ValueError("no architecture has been scored yet")
        return max(self.history, key=lambda h: h[1])
