"""NSGA-II, the elitist multi-objective genetic algorithm (Deb, Pratap, Agarwal & Meyarivan
2002, IEEE TEVC 6(2), "A fast and elitist multiobjective genetic algorithm: NSGA-II").

Every objective is MINIMISED (pass -accuracy to maximise accuracy). For objective vectors
f(a), f(b) in R^M, a dominates b when f(a) <= f(b) in every objective and < in at least one.

- fast non-dominated sort (section III-A): front 1 = the points nobody dominates; remove
  them; front 2 = the points nobody left dominates; and so on. O(M N^2).
- crowding distance (section III-B): within one front, for each objective sort the points;
  the two ends get infinity, an inner point adds (f_next - f_prev) / (f_max - f_min).
- crowded comparison i <_n j: rank_i < rank_j, or equal ranks and distance_i > distance_j;
  binary tournaments with it pick the parents.
- elitist selection (section III-C): parents P and offspring Q together (2N), fill the next
  P front by front; the front that does not fit whole is cut by crowding distance.

`NSGA2` speaks the strategies' interface (`strategies.base`): ask() hands out the initial
population, then each generation's offspring, one architecture at a time; tell(arch, f)
takes its objective vector (M,); after the last offspring of a generation is told, the
selection of section III-C runs. best() is the first front of the population.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from .. import checks
from .base import Strategy, run


def dominates(a, b) -> bool:
    """Does objective vector a dominate b (minimisation)?"""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(a <= b) and np.any(a < b))


def _dominance(F: np.ndarray) -> np.ndarray:
    """D[i, j] = point i dominates point j, for F (N, M): (N, N) bools."""
    le = (F[:, None, :] <= F[None, :, :]).all(-1)
    lt = (F[:, None, :] < F[None, :, :]).any(-1)
    return le & lt


def fast_non_dominated_sort(F) -> list[np.ndarray]:
    """The fronts of the points F (N, M), best first, each an array of row indices."""
    F = np.asarray(F, float)
    if F.ndim != 2:
        raise ValueError(f"objectives must be (N, M), got shape {F.shape}")
    D = _dominance(F)                      # (N, N)
    n_dominators = D.sum(0)                # n_p: how many points dominate p
    fronts, current = [], np.flatnonzero(n_dominators == 0)
    while len(current):
        fronts.append(current)
        n_dominators = n_dominators - D[current].sum(0)  # remove the front
        n_dominators[current] = -1                      # never again
        current = np.flatnonzero(n_dominators == 0)
    return fronts


def crowding_distance(F) -> np.ndarray:
    """Crowding distance of each point of ONE front F (n, M): (n,) floats, ends = inf."""
    F = np.asarray(F, float)
    n, M = F.shape
    d = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for m in range(M):
        order = np.argsort(F[:, m], kind="mergesort")
        f = F[order, m]
        d[order[0]] = d[order[-1]] = np.inf
        span = f[-1] - f[0]
        if span > 0:
            d[order[1:-1]] += (f[2:] - f[:-2]) / span
    return d


def pareto_mask(F) -> np.ndarray:
    """True for the non-dominated rows of F (N, M), for large N (a whole benchmark).

    Rows are visited in lexicographic order: a row can only be dominated by rows before it,
    and if a dominated row dominates it, so does a front row (transitivity), so each row is
    compared with the front found so far only: O(N * |front| * M) instead of O(N^2 M).
    """
    F = np.asarray(F, float)
    if F.ndim != 2:
        raise ValueError(f"objectives must be (N, M), got shape {F.shape}")
    mask = np.zeros(len(F), bool)
    front = np.zeros((0, F.shape[1]))
    for i in np.lexsort(F.T[::-1]):        # by the first objective, then the second, ...
        f = F[i]
        if not ((front <= f).all(1) & (front < f).any(1)).any():
            mask[i] = True
            front = np.vstack([front, f])
    return mask


def rank_and_crowding(F) -> tuple[np.ndarray, np.ndarray]:
    """(front number, crowding distance within its front) of every point."""
    F = np.asarray(F, float)
    r, d = np.empty(len(F), np.int64), np.empty(len(F))
    for k, front in enumerate(fast_non_dominated_sort(F)):
        r[front] = k
        d[front] = crowding_distance(F[front])
    return r, d


def binary_tournament(rank, crowd, rng: np.random.Generator) -> int:
    """Two random members meet; the crowded comparison picks the winner (its index)."""
    i, j = (int(x) for x in rng.integers(len(rank), size=2))
    if rank[i] != rank[j]:
        return i if rank[i] < rank[j] else j
    return i if crowd[i] >= crowd[j] else j


def uniform_crossover(space, a, b, rng: np.random.Generator):
    """Each decision (token) from parent a or b with probability 1/2; parent a when the mix
    is not an architecture of the space (a DARTS node reading one source twice)."""
    ta, tb = space.to_tokens(a), space.to_tokens(b)
    take = rng.random(len(ta)) < 0.5
    try:
        return space.from_tokens([x if t else y for x, y, t in zip(ta, tb, take)])
    except ValueError:
        return a


class NSGA2(Strategy):
    """NSGA-II over a search space: its `sample` makes the first population, its `mutate`
    (after crossover) the offspring.

    crossover(space, a, b, rng) -> arch (None: no crossover); key(arch) -> hashable identity
    (e.g. the benchmark's class id, so that cells computing the same function count once).
    """

    def __init__(self, space, pop_size: int = 20, *, crossover: Callable | None = uniform_crossover,
                 p_crossover: float = 0.9, key: Callable[[object], Hashable] = lambda a: a,
                 seed: int = 0, max_tries: int = 50):
        super().__init__(space, ("sample", "mutate", "to_tokens", "from_tokens"))
        checks.integer("pop_size", pop_size, min=2)
        self.crossover = crossover
        self.pop_size, self.p_crossover, self.key = pop_size, p_crossover, key
        self.rng, self.max_tries = np.random.default_rng(seed), max_tries
        self.population: list = []          # archs of the current parents P
        self.objectives = np.zeros((0, 0))  # (len(P), M)
        self.generation = 0
        self.history: list[dict] = []       # per generation: population and objectives
        self._pending: list = []            # asked, not told yet
        self._told: list[tuple] = []        # (arch, f) of this generation's offspring
        self.evaluated: dict = {}           # key -> (arch, f): every architecture scored
        self.n_evaluations = 0              # calls of `evaluate` in run() (cache misses)

    def _fresh(self, make) -> object:
        """A new arch whose key is not in the population or the pending batch (if possible)."""
        taken = {self.key(a) for a in [*self.population, *self._pending]}
        taken |= {self.key(a) for a, _ in self._told}
        for _ in range(self.max_tries):
            a = make()
            if self.key(a) not in taken:
                return a
        return a

    def _offspring(self):
        rank, crowd = rank_and_crowding(self.objectives)
        p1 = self.population[binary_tournament(rank, crowd, self.rng)]
        if self.crossover is not None and self.rng.random() < self.p_crossover:
            p2 = self.population[binary_tournament(rank, crowd, self.rng)]
            p1 = self.crossover(self.space, p1, p2, self.rng)
        return self.space.mutate(p1, self.rng)

    def ask(self):
        """The next architecture to evaluate."""
        if self._pending:
            return self._pending[0]
        make = (lambda: self.space.sample(self.rng)) if not self.population else self._offspring
        self._pending.append(self._fresh(make))
        return self._pending[0]

    def tell(self, arch, f) -> None:
        """Its objective vector (M,), all minimised."""
        if not self._pending or self.key(self._pending[0]) != self.key(arch):
            raise ValueError("tell() must answer the architecture that ask() returned")
        self._pending.pop(0)
        f = np.asarray(f, float).ravel()
        if not f.size or not np.isfinite(f).all():
            raise ValueError(f"the objectives of {arch!r} must be finite numbers, got {f.tolist()}")
        self._told.append((arch, f))
        self.evaluated[self.key(arch)] = (arch, f)
        if len(self._told) == self.pop_size:
            self._select()

    def _select(self):
        """Section III-C: R = P + Q without duplicates, then fronts, then crowding."""
        pool, seen = [], set()
        for a, f in list(zip(self.population, self.objectives)) + self._told:
            if self.key(a) not in seen:
                seen.add(self.key(a))
                pool.append((a, f))
        F = np.stack([f for _, f in pool])
        chosen = []
        for front in fast_non_dominated_sort(F):
            if len(chosen) + len(front) <= self.pop_size:
                chosen.extend(front.tolist())
            else:
                d = crowding_distance(F[front])
                by_crowding = front[np.argsort(-d, kind="mergesort")]  # least crowded first
                chosen.extend(by_crowding[:self.pop_size - len(chosen)].tolist())
                break
        self.population = [pool[i][0] for i in chosen]
        self.objectives = F[chosen]
        self._told = []
        self.history.append({"generation": self.generation, "population": list(self.population),
                             "objectives": self.objectives.copy()})
        self.generation += 1

    def best(self):
        """The first front of the current population: (archs, objectives (n, M))."""
        if not self.population:
            raise ValueError("no generation has been completed yet")
        front = fast_non_dominated_sort(self.objectives)[0]
        return [self.population[i] for i in front], self.objectives[front]

    def archive_front(self):
        """The non-dominated set of EVERY architecture evaluated so far (not only the
        population): (archs, objectives (n, M))."""
        if not self.evaluated:
            raise ValueError("nothing has been evaluated yet")
        archs, F = zip(*self.evaluated.values())
        F = np.stack(F)
        mask = pareto_mask(F)
        return [a for a, m in zip(archs, mask) if m], F[mask]

    def run(self, evaluate: Callable, generations: int) -> "NSGA2":
        """Evaluate the initial population and `generations` generations of offspring through
        the driver `strategies.run`; an architecture whose key was scored before reuses that
        score (`n_evaluations` counts the calls of `evaluate`)."""
        checks.function("evaluate", evaluate)
        checks.integer("generations", generations, min=0)

        def cached(arch):
            if self.key(arch) in self.evaluated:
                return self.evaluated[self.key(arch)][1]
            self.n_evaluations += 1
            return evaluate(arch)
        n = (generations + (0 if self.population else 1)) * self.pop_size
        if n:
            run(self, cached, n)
        return self
