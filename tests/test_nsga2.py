"""NSGA-II: sorting and crowding against brute force, selection, a search on a known front."""
import itertools

import numpy as np
import pytest

from naslib_mini import spaces
from naslib_mini.spaces import nb201
from naslib_mini.strategies import nsga2, run

NB201 = spaces.get("nb201")


def _brute_fronts(F):
    """Peel by the definition: the points no remaining point dominates, again and again."""
    left, fronts = set(range(len(F))), []
    while left:
        front = {i for i in left if not any(nsga2.dominates(F[j], F[i]) for j in left)}
        fronts.append(sorted(front))
        left -= front
    return fronts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("M", [2, 3])
def test_fast_non_dominated_sort_matches_brute_force(seed, M):
    rng = np.random.default_rng(seed)
    F = rng.integers(0, 4, size=(int(rng.integers(1, 30)), M)).astype(float)  # many ties
    fronts = nsga2.fast_non_dominated_sort(F)
    assert [sorted(f.tolist()) for f in fronts] == _brute_fronts(F)
    r = nsga2.rank_and_crowding(F)[0]
    for i, j in itertools.permutations(range(len(F)), 2):
        if nsga2.dominates(F[i], F[j]):
            assert r[i] < r[j]
    for k in range(1, len(fronts)):  # every point of front k is dominated from front k-1
        assert all(any(nsga2.dominates(F[i], F[j]) for i in fronts[k - 1]) for j in fronts[k])
    assert nsga2.pareto_mask(F).tolist() == (r == 0).tolist()


def test_pareto_mask_on_larger_sets():
    rng = np.random.default_rng(0)
    for F in (rng.random((300, 3)), rng.integers(0, 5, (300, 3)), rng.random((200, 2))):
        assert nsga2.pareto_mask(F).tolist() == (nsga2.rank_and_crowding(F)[0] == 0).tolist()


def _brute_crowding(F):
    n, M = F.shape
    d = np.zeros(n)
    for i in range(n):
        for m in range(M):
            f = F[:, m]
            if f[i] == f.min() or f[i] == f.max():
                d[i] = np.inf
                continue
            above = f[f > f[i]].min()
            below = f[f < f[i]].max()
            d[i] += (above - below) / (f.max() - f.min())
    return d


@pytest.mark.parametrize("seed", range(6))
def test_crowding_distance_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    F = rng.random((int(rng.integers(3, 15)), int(rng.integers(1, 4))))  # distinct values
    assert np.allclose(nsga2.crowding_distance(F), _brute_crowding(F))
    assert np.isinf(nsga2.crowding_distance(F[:2])).all()


def test_crowding_with_ties_and_flat_objectives():
    F = np.array([[0.0, 1.0], [0.5, 1.0], [0.5, 1.0], [1.0, 1.0]])
    d = nsga2.crowding_distance(F)
    assert (d >= 0).all() and np.isinf(d[[0, 3]]).all() and np.isfinite(d[[1, 2]]).all()


class _Pairs:
    """An rng stand-in whose integers() returns preset pairs (to fix the tournament)."""

    def __init__(self, pairs):
        self.pairs = list(pairs)

    def integers(self, n, size):
        return np.array(self.pairs.pop(0))


def test_binary_tournament_uses_the_crowded_comparison():
    rank, crowd = np.array([0, 1, 0]), np.array([1.0, np.inf, 3.0])
    assert nsga2.binary_tournament(rank, crowd, _Pairs([(0, 1)])) == 0   # lower rank wins
    assert nsga2.binary_tournament(rank, crowd, _Pairs([(1, 2)])) == 2
    assert nsga2.binary_tournament(rank, crowd, _Pairs([(0, 2)])) == 2   # same rank: less crowded


def _toy(ops):
    """Minimise (-#nor_conv_3x3, #non-none edges): the front is {(-k, k), k = 0..6}."""
    return (-sum(op == "nor_conv_3x3" for op in ops), sum(op != "none" for op in ops))


def test_nsga2_finds_a_known_front_and_is_elitist():
    F_all = np.array([_toy(nb201.index_to_ops(i)) for i in range(nb201.NUM_CELLS)], float)
    true_front = {tuple(f) for f in F_all[nsga2.pareto_mask(F_all)]}
    assert true_front == {(-k, k) for k in range(7)}
    search = nsga2.NSGA2(NB201, pop_size=16, seed=0).run(_toy, 25)
    archs, F = search.best()
    assert {tuple(f) for f in F} <= true_front
    assert len({tuple(f) for f in F}) >= 6
    best_per_objective = np.array([h["objectives"].min(0) for h in search.history])
    assert (np.diff(best_per_objective, axis=0) <= 0).all()  # elitism: never worse
    assert all(len(h["population"]) == 16 for h in search.history)
    assert search.n_evaluations == len(search.evaluated) <= 16 * 26
    archive, F_archive = search.archive_front()
    assert {tuple(f) for f in F_archive} <= true_front and len(archive) == len(F_archive)
    assert {tuple(f) for f in F} <= {tuple(f) for f in F_archive}


def test_nsga2_ask_tell_interface_and_errors():
    search = nsga2.NSGA2(NB201, pop_size=4, seed=1)
    with pytest.raises(ValueError, match="no generation"):
        search.best()
    arch = search.ask()
    assert search.ask() == arch  # asked again before told: the same one
    with pytest.raises(ValueError, match="ask\\(\\) returned"):
        search.tell(NB201.mutate(arch, np.random.default_rng(0)), (0.0, 0.0))
    scores = run(search, _toy, 12)  # the strategies' driver works: init + 2 generations
    assert len(scores) == 12 and search.generation == 3
    with pytest.raises(ValueError, match="pop_size"):
        nsga2.NSGA2(NB201, pop_size=1)
    with pytest.raises(ValueError, match=r"\(N, M\)"):
        nsga2.fast_non_dominated_sort([1.0, 2.0])
