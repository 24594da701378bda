"""Two strategies that walk a search space by small changes (`space.mutate`, `space.neighbours`),
behind the ask / tell / best interface of `strategies.base`.

Regularized evolution (Real, Aggarwal, Huang & Le, AAAI 2019, arXiv 1802.01548, Algorithm 1):

    population <- P random architectures, each trained
    repeat:
        sample   <- S members drawn at random from the population (one at a time; each stays
                    in the population, so a member can be drawn twice)
        parent   <- the member of `sample` with the highest score   (tournament selection)
        child    <- mutate(parent); train it; append it to the population (the right end)
        remove the OLDEST member (the left end)                      ("regularized": ageing)

Removing the oldest rather than the worst is the paper's one change to tournament selection:
every architecture dies young unless its descendants keep winning, so a lucky score cannot
linger. The defaults P = 100, S = 25 are not checked against the paper's text; the notebooks
and `compare` contenders set their own, scaled to their budgets.

Local search (White, Nolen & Savani 2020, arXiv 2005.02960; Ottelander et al. 2021,
arXiv 2004.08996), the simplest hill climber:

    current <- a random architecture, trained
    repeat:
        train every neighbour of current not trained before
        if the best neighbour beats current: current <- best neighbour    (best improvement)
        else: current is a local optimum; restart from a new random architecture

Architectures must be hashable (every space's are) for local search's memory.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from .. import checks
from .base import Strategy

__all__ = ["RegularizedEvolution", "LocalSearch"]


class RegularizedEvolution(Strategy):
    """Regularized (ageing) evolution with tournament selection.

    space: its `sample` draws the first P architectures, its `mutate` makes the children
    (NAS-Bench-201: one edge's op replaced by a different one).
    population_size: P; sample_size: S (1 <= S; S = 1 is a random walk, large S greedy).

    The first P asks are random samples; each later ask runs one tournament over the current
    population and returns the mutated winner. ``tell`` appends to the population and drops
    the oldest member once it holds more than P. ``parents[k]`` is the parent of the k-th
    asked architecture (None for the random ones).
    """

    def __init__(self, space, population_size: int = 100, sample_size: int = 25, seed: int = 0):
        super().__init__(space, ("sample", "mutate"))
        checks.integer("population_size", population_size, min=1)
        checks.integer("sample_size", sample_size, min=1)
        checks.integer("seed", seed, min=0)
        self.population_size, self.sample_size = population_size, sample_size
        self.rng = np.random.default_rng(seed)
        self.population: deque[tuple[object, float]] = deque()  # oldest on the left
        self.parents: list[object | None] = []
        self._asked = 0

    def ask(self):
        if self._asked < self.population_size or not self.population:
            arch, parent = self.space.sample(self.rng), None
        else:
            picks = self.rng.integers(len(self.population), size=self.sample_size)  # (S,)
            parent = max((self.population[int(i)] for i in picks), key=lambda m: m[1])[0]
            arch = self.space.mutate(parent, self.rng)
        self._asked += 1
        self.parents.append(parent)
        return arch

    def tell(self, arch, score: float) -> None:
        super().tell(arch, score)
        self.population.append(self.history[-1])
        if len(self.population) > self.population_size:
            self.population.popleft()  # the oldest dies, whatever its score


class LocalSearch(Strategy):
    """Best-improvement hill climbing with random restarts.

    space: its `sample` draws the starts, its `neighbours` lists the architectures one change
    away (NAS-Bench-201: the 24 cells that differ on one edge).
    Scores are remembered, so no architecture is asked twice; neighbours are asked in a
    random order. ``path`` lists the accepted (arch, score) moves, ``restarts`` counts the
    local optima reached. One ask, then one tell (the driver `strategies.run` does so).
    max_tries: random samples tried for a fresh start before giving up (a space exhausted).
    """

    def __init__(self, space, seed: int = 0, max_tries: int = 10_000):
        super().__init__(space, ("sample", "neighbours"))
        self.max_tries = checks.integer("max_tries", max_tries, min=1)
        self.rng = np.random.default_rng(checks.integer("seed", seed, min=0))
        self.known: dict[object, float] = {}
        self.path: list[tuple[object, float]] = []
        self.current: tuple[object, float] | None = None
        self.queue: list[object] = []
        self.restarts = 0
        self._start = None  # a random start asked but not told yet

    def _enter(self, arch, score: float) -> None:
        """Make `arch` the current architecture and queue its unscored neighbours."""
        self.current = (arch, score)
        self.path.append(self.current)
        todo = [n for n in self.space.neighbours(arch) if n not in self.known]
        self.queue = [todo[int(i)] for i in self.rng.permutation(len(todo))]

    def _climb(self) -> None:
        """All neighbours scored: move to the best one if it improves, else restart."""
        arch, score = self.current
        scored = [(n, self.known[n]) for n in self.space.neighbours(arch) if n in self.known]
        best = max(scored, key=lambda m: m[1], default=None)
        if best is not None and best[1] > score:
            self._enter(*best)
        else:
            self.current, self.restarts = None, self.restarts + 1

    def ask(self):
        for _ in range(self.max_tries):
            self.queue = [n for n in self.queue if n not in self.known]
            if self.queue:
                return self.queue.pop(0)
            if self.current is not None:
                self._climb()
                continue
            arch = self.space.sample(self.rng)
            if arch in self.known:  # an old start: climb on from its known score
                self._enter(arch, self.known[arch])
                continue
            self._start = arch
            return arch
        raise RuntimeError(f"local search found nothing new to evaluate in {self.max_tries} "
                           "tries: the reachable space looks exhausted")

    def tell(self, arch, score: float) -> None:
        super().tell(arch, score)
        self.known[arch] = score = self.history[-1][1]
        if self._start is not None and arch == self._start:
            self._start = None
            self._enter(arch, score)
