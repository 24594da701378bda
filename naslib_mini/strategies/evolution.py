"""Two strategies that walk the space by small changes, behind the ask/tell/best interface of
``random_search.RandomSearch``, generic over any space given as functions.

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
linger. The defaults P = 100, S = 25 are the values we recall for the paper's CIFAR-10 search
(not checked against its text; PAPERS.md does not list them).

Local search (White, Nolen & Savani 2020, arXiv 2005.02960; Ottelander et al. 2021,
arXiv 2004.08996), the simplest hill climber:

    current <- a random architecture, trained
    repeat:
        train every neighbour of current not trained before
        if the best neighbour beats current: current <- best neighbour    (best improvement)
        else: current is a local optimum; restart from a new random architecture

Architectures must be hashable (op tuples, strings, indices) for local search's memory.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

import numpy as np

from .. import checks

__all__ = ["RegularizedEvolution", "LocalSearch"]


class RegularizedEvolution:
    """Regularized (ageing) evolution with tournament selection.

    sample: rng -> architecture (e.g. ``spaces.nb201.sample``); mutate: (arch, rng) -> a
    changed copy (``spaces.nb201.mutate``: one edge's op replaced by a different one).
    population_size: P; sample_size: S (1 <= S; S = 1 is a random walk, large S greedy).

    The first P asks are random samples; each later ask runs one tournament over the current
    population and returns the mutated winner. ``tell`` appends to the population and drops
    the oldest member once it holds more than P. ``parents[k]`` is the parent of the k-th
    asked architecture (None for the random ones).
    """

    def __init__(self, sample: Callable, mutate: Callable, population_size: int = 100,
                 sample_size: int = 25, seed: int = 0):
        checks.function("sample", sample)
        checks.function("mutate", mutate)
        checks.integer("population_size", population_size, min=1)
        checks.integer("sample_size", sample_size, min=1)
        checks.integer("seed", seed, min=0)
        self.sample, self.mutate = sample, mutate
        self.population_size, self.sample_size = population_size, sample_size
        self.rng = np.random.default_rng(seed)
        self.population: deque[tuple[object, float]] = deque()  # oldest on the left
        self.history: list[tuple[object, float]] = []
        self.parents: list[object | None] = []
        self._asked = 0

    def ask(self):
        if self._asked < self.population_size or not self.population:
            arch, parent = self.sample(self.rng), None
        else:
            picks = self.rng.integers(len(self.population), size=self.sample_size)  # (S,)
            parent = max((self.population[int(i)] for i in picks), key=lambda m: m[1])[0]
            arch = self.mutate(parent, self.rng)
        self._asked += 1
        self.parents.append(parent)
        return arch

    def tell(self, arch, score: float) -> None:
        score = checks.number("score", score)
        self.history.append((arch, score))
        self.population.append((arch, score))
        if len(self.population) > self.population_size:
            self.population.popleft()  # the oldest dies, whatever its score

    def best(self):
        if not self.history:
            raise ValueError("no architecture has been scored yet")
        return max(self.history, key=lambda h: h[1])


class LocalSearch:
    """Best-improvement hill climbing with random restarts.

    sample: rng -> architecture; neighbours: arch -> list of architectures one change away
    (``spaces.nb201.neighbours``: the 24 cells that differ on one edge).
    Scores are remembered, so no architecture is asked twice; neighbours are asked in a
    random order. ``path`` lists the accepted (arch, score) moves, ``restarts`` counts the
    local optima reached. One ask, then one tell (the driver ``random_search.run`` does so).
    max_tries: random samples tried for a fresh start before giving up (a space exhausted).
    """

    def __init__(self, sample: Callable, neighbours: Callable, seed: int = 0,
                 max_tries: int = 10_000):
        checks.function("sample", sample)
        checks.function("neighbours", neighbours)
        checks.integer("max_tries", max_tries, min=1)
        self.sample, self.neighbours, self.max_tries = sample, neighbours, max_tries
        self.rng = np.random.default_rng(seed)
        self.known: dict[object, float] = {}
        self.history: list[tuple[object, float]] = []
        self.path: list[tuple[object, float]] = []
        self.current: tuple[object, float] | None = None
        self.queue: list[object] = []
        self.restarts = 0
        self._start = None  # a random start asked but not told yet

    def _enter(self, arch, score: float) -> None:
        """Make `arch` the current architecture and queue its unscored neighbours."""
        self.current = (arch, score)
        self.path.append(self.current)
        todo = [n for n in self.neighbours(arch) if n not in self.known]
        self.queue = [todo[int(i)] for i in self.rng.permutation(len(todo))]

    def _climb(self) -> None:
        """All neighbours scored: move to the best one if it improves, else restart."""
        arch, score = self.current
        scored = [(n, self.known[n]) for n in self.neighbours(arch) if n in self.known]
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
            arch = self.sample(self.rng)
            if arch in self.known:  # an old start: climb on from its known score
                self._enter(arch, self.known[arch])
                continue
            self._start = arch
            return arch
        raise RuntimeError(f"local search found nothing new to evaluate in {self.max_tries} "
                           "tries: the reachable space looks exhausted")

    def tell(self, arch, score: float) -> None:
        score = checks.number("score", score)
        self.known[arch] = score
        self.history.append((arch, score))
        if self._start is not None and arch == self._start:
            self._start = None
            self._enter(arch, score)

    def best(self):
        if not self.history:
            raise ValueError("no architecture has been scored yet")
        return max(self.history, key=lambda h: h[1])
