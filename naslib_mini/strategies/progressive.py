"""Progressive Neural Architecture Search (Liu et al., ECCV 2018, arXiv 1712.00559, sec. 3,
Algorithm 1): a beam search over PNAS cells of growing size, steered by a learned surrogate.

    S_1 <- every one-block cell (136 up to branch swaps)      train them all: accuracies C_1
    fit the surrogate on (S_1, C_1)
    for b = 2 .. B:
        S'_b <- expand(S_{b-1})          every way to add block b to every cell of S_{b-1}
        C'_b <- surrogate(S'_b)          predicted accuracy of each child (no training)
        S_b  <- the K children with the highest prediction
        train S_b: accuracies C_b;  refit the surrogate on everything trained so far
    return the best trained cell

Models trained: |S_1| + (B - 1) K = 136 + 4 x 256 = 1,160 (``spaces.pnas.models_trained``).
The surrogate is judged where it is used: on the cells of round b, one block larger than any
it was fitted on, by rank correlation between its predictions and their true accuracies.

``ProgressiveSearch`` follows the ask / tell / best interface of `strategies.base` over a
PNAS space (`spaces.get("pnas", B=..., ops=...)`): training is injected (``run(evaluate)``,
``evaluate(cell) -> accuracy``), so tests use a toy objective and notebook 04 trains real
networks through ``train.fit``. Several surrogate
ensembles can be fitted side by side (``surrogates=("mlp", "lstm")``); the one named by
``select`` picks the beam, the others are only scored on the same cells.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..spaces import pnas
from ..spaces.nasnet import NasnetCell
from ..surrogates import Ensemble, rank_correlations
from .base import Strategy, run

__all__ = ["Round", "ProgressiveSearch", "schedule"]


@dataclass
class Round:
    """One round of the beam search: the cells of b blocks trained, what the surrogates
    predicted for them before training (fitted on rounds 1..b-1), and how well they ranked."""

    b: int                                   # blocks per cell in this round
    cells: list[NasnetCell]                  # the cells trained, in ask order
    accuracy: np.ndarray                     # (n,) their true accuracies
    candidates: int = 0                      # children the surrogates scored (0 in round 1)
    predictions: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #                                          name -> (mean (n,), std (n,)) of the ensemble
    correlations: dict[str, dict[str, float]] = field(default_factory=dict)
    #                                          name -> {"spearman": rho, "kendall": tau}


def schedule(B: int = 5, K: int = 256, n_ops: int = 8, unique: bool = True) -> list[dict]:
    """The beam's bookkeeping per round, before running anything. Per b: ``parents`` (cells
    expanded), ``children`` (ordered branches: parents x (b + 1)^2 n_ops^2, the paper's
    147,456 at b = 2), ``candidates`` (scored by the surrogate: unique children if `unique`,
    m (m + 1) / 2 per parent with m = (b + 1) n_ops), ``trained`` (min(K, candidates); all
    unique one-block cells at b = 1), ``total_trained`` (running sum), ``space`` |B_{1:b}|."""
    first = pnas.unique_first_blocks(n_ops) if unique else pnas.block_choices(1, n_ops)
    rows, parents, total = [], 0, 0
    for b in range(1, B + 1):
        if b == 1:
            children, candidates, trained = pnas.block_choices(1, n_ops), first, first
        else:
            m = (b + 1) * n_ops
            children = parents * pnas.children_per_cell(b, n_ops)
            candidates = parents * m * (m + 1) // 2 if unique else children
            trained = min(K, candidates)
        total += trained
        rows.append(dict(b=b, parents=parents, children=children, candidates=candidates,
                         trained=trained, total_trained=total, space=pnas.space_size(b, n_ops)))
        parents = trained
    return rows


class ProgressiveSearch(Strategy):
    """PNAS's beam search over the cells of 1..space.B blocks with space.ops.

    K: beam width (cells trained per round after the first); surrogates: ensemble kinds
    fitted each round ("mlp", "lstm"), `select` (default: the first) picks the beam;
    n_models: ensemble size (PNAS: 5); num_epochs, surrogate_kwargs (embed_dim, hidden,
    lr...): passed to ``Ensemble`` / ``Ensemble.fit``; unique: expand with branch swaps
    identified (``pnas.expand(unique=True)``), so the beam never holds one cell twice;
    batch: children predicted per chunk (memory: a chunk of N cells of b blocks embeds to
    N x 4b x embed_dim floats).
    """

    def __init__(self, space, K: int = 256, surrogates: Sequence[str] = ("mlp",),
                 select: str | None = None, n_models: int = 5, num_epochs: int = 100,
                 surrogate_kwargs: dict | None = None, unique: bool = True, batch: int = 8192,
                 seed: int = 0):
        super().__init__(space)
        if not isinstance(space, pnas.PnasSpace):
            raise TypeError(f"ProgressiveSearch grows PNAS cells: space must be spaces.get('pnas', "
                            f"B=..., ops=...), got {space!r}")
        if K < 1:
            raise ValueError(f"K must be >= 1, got K={K}")
        if not surrogates:
            raise ValueError("at least one surrogate kind is needed to rank the children")
        self.select = select or surrogates[0]
        if self.select not in surrogates:
            raise ValueError(f"select={self.select!r} is not among surrogates {list(surrogates)}")
        self.B, self.K, self.ops, self.unique, self.batch = space.B, K, space.ops, unique, batch
        self.kinds, self.n_models, self.seed = tuple(surrogates), n_models, seed
        self.num_epochs = num_epochs
        kw = dict(surrogate_kwargs or {})
        self.fit_kwargs = {k: kw.pop(k) for k in ("lr", "batch_size") if k in kw}
        self.model_kwargs = dict(vocab_size=pnas.vocab_size(self.B, len(self.ops)), **kw)
        self.ensembles: dict[str, Ensemble] = {}
        self.rounds: list[Round] = []
        self._round: Round | None = None  # the round being trained
        self._scores: dict[NasnetCell, float] = {}
        self.queue: list[NasnetCell] = []

    # ------------------------------------------------------------------ helpers
    def tokens(self, cells) -> list[list[int]]:
        """Cells -> the surrogates' token lists (4b tokens each, vocabulary of B_max = B)."""
        return [pnas.encode_tokens(c, self.ops, B_max=self.B) for c in cells]

    def fit_surrogates(self) -> None:
        """Fit every ensemble afresh on all cells trained so far (PNAS refits each round)."""
        cells, y = zip(*self.history)
        T = self.tokens(cells)
        for kind in self.kinds:
            e = Ensemble(kind, n_models=self.n_models, seed=self.seed + len(self.rounds),
                         **self.model_kwargs)
            self.ensembles[kind] = e.fit(T, np.asarray(y), num_epochs=self.num_epochs, **self.fit_kwargs)

    def predict(self, cells, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and std for `cells` (each (N,)), in chunks of `batch`."""
        e = self.ensembles[kind or self.select]
        parts = [e.predict(self.tokens(cells[i:i + self.batch]))
                 for i in range(0, len(cells), self.batch)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    @property
    def done(self) -> bool:
        """True once the round of B blocks has been trained."""
        return bool(self.rounds) and self.rounds[-1].b == self.B and self._round is None

    # ------------------------------------------------------------------ the rounds
    def _start_round(self) -> None:
        if not self.rounds:  # b = 1: every one-block cell, no surrogate yet
            self._round = Round(1, pnas.first_cells(self.ops, unique=self.unique), np.zeros(0))
        else:
            self.fit_surrogates()
            parents, b = self.rounds[-1].cells, self.rounds[-1].b + 1
            children = [k for p in parents for k in pnas.expand(p, self.ops, unique=self.unique)]
            mean, _ = self.predict(children)
            keep = np.argsort(-mean, kind="stable")[: self.K]  # the K best predictions
            beam = [children[i] for i in keep]
            preds = {kind: self.predict(beam, kind) for kind in self.kinds}
            self._round = Round(b, beam, np.zeros(0), candidates=len(children), predictions=preds)
        self.queue = list(self._round.cells)
        self._scores = {}

    def _finish_round(self) -> None:
        r = self._round
        r.accuracy = np.array([self._scores[c] for c in r.cells], dtype=float)
        if len(r.cells) > 2:
            r.correlations = {k: rank_correlations(m, r.accuracy) for k, (m, _) in r.predictions.items()}
        self.rounds.append(r)
        self._round = None

    # ------------------------------------------------------------------ ask / tell / best
    def ask(self) -> NasnetCell:
        """The next cell to train. A new round starts only when every cell of the current one
        has been told (its beam depends on them all)."""
        if not self.queue:
            if self._round is not None:
                raise RuntimeError("tell the accuracies of the cells already asked first: "
                                   f"{len(self._round.cells) - len(self._scores)} missing")
            if self.done:
                raise RuntimeError(f"the search is finished: {len(self.history)} models trained "
                                   f"for B={self.B}, K={self.K}")
            self._start_round()
        return self.queue.pop(0)

    def tell(self, cell: NasnetCell, score: float) -> None:
        if self._round is None or cell not in self._round.cells or cell in self._scores:
            raise ValueError(f"{cell.to_string()} was not asked in the current round, "
                             "or was told already")
        super().tell(cell, score)
        self._scores[cell] = self.history[-1][1]
        if len(self._scores) == len(self._round.cells):
            self._finish_round()

    def run(self, evaluate: Callable[[NasnetCell], float], progress: bool = False) -> list[Round]:
        """Train every round to the end through the driver `strategies.run`:
        `evaluate(cell) -> accuracy`. Returns the rounds."""
        total = schedule(self.B, self.K, len(self.ops), self.unique)[-1]["total_trained"]
        if not self.done:
            run(self, evaluate, total, until=lambda: self.done, progress=progress, desc="models trained")
        return self.rounds
