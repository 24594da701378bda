"""Regularized evolution and local search: the algorithm's properties on NAS-Bench-201 cells,
and both finding a toy optimum more often than random search within the same budget."""
import numpy as np
import pytest

from types import SimpleNamespace

from naslib_mini import spaces
from naslib_mini.spaces import nb201
from naslib_mini.strategies import run
from naslib_mini.strategies.evolution import LocalSearch, RegularizedEvolution
from naslib_mini.strategies.random_search import RandomSearch

NB201 = spaces.get("nb201")

TARGET = ("nor_conv_3x3", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
          "nor_conv_3x3")


def matches(cell) -> float:
    """Toy objective with one optimum (TARGET, score 6) and no other local optimum."""
    return float(sum(a == b for a, b in zip(cell, TARGET)))


def hamming(a, b) -> int:
    return sum(x != y for x, y in zip(a, b))


def random_table(seed=0):
    """A rugged objective: an independent random score per cell (many local optima)."""
    table = np.random.default_rng(seed).random(nb201.NUM_CELLS)
    return lambda cell: float(table[nb201.ops_to_index(cell)])


def test_population_respected_oldest_removed_children_one_edge_away():
    P, S = 10, 3
    ev = RegularizedEvolution(NB201, population_size=P, sample_size=S, seed=1)
    for k in range(60):
        before = list(ev.population)
        arch = ev.ask()
        parent = ev.parents[-1]
        if k < P:
            assert parent is None  # the first P are random samples
        else:
            assert parent in [a for a, _ in before]  # a tournament winner from the population
            assert hamming(arch, parent) == 1  # nb201.mutate changes exactly one edge
        ev.tell(arch, matches(arch))
        assert len(ev.population) == min(k + 1, P)
        # the population is always the last P told, oldest first: ageing, not culling the worst
        assert list(ev.population) == ev.history[-P:]
    assert ev.best() == max(ev.history, key=lambda h: h[1])


def test_tournament_winner_is_the_best_of_its_sample():
    # S much larger than P: every tournament sees the best member with near certainty
    ev = RegularizedEvolution(NB201, population_size=5, sample_size=200,
                              seed=0)
    run(ev, matches, 5)
    top = max(ev.population, key=lambda m: m[1])[0]
    ev.ask()
    assert ev.parents[-1] == top


def test_evolution_rejects_bad_sizes():
    with pytest.raises(ValueError):
        RegularizedEvolution(NB201, population_size=0)
    with pytest.raises(ValueError):
        RegularizedEvolution(NB201, sample_size=0).best()


def test_local_search_moves_to_best_neighbour_and_restarts():
    f = random_table(3)
    ls = LocalSearch(NB201, seed=0)
    scores = run(ls, f, 400)
    archs = [a for a, _ in ls.history]
    assert len(set(archs)) == len(archs) == len(scores)  # nothing evaluated twice
    assert ls.restarts >= 1  # a random landscape has local optima
    for (a, sa), (b, sb) in zip(ls.path, ls.path[1:]):
        if b in NB201.neighbours(a):  # a move (not a restart): the best neighbour, better
            assert sb > sa
            assert sb == max(ls.known[n] for n in NB201.neighbours(a))
    # every evaluated cell is a start or a neighbour of some accepted cell
    centres = [a for a, _ in ls.path]
    assert all(any(c == a or c in NB201.neighbours(a) for a in centres) for c in archs)
    assert ls.best()[1] == max(scores)


def test_local_search_stops_cleanly_when_the_space_is_exhausted():
    cells = [(0,), (1,), (2,)]  # a tiny space of three architectures, each next to the others
    tiny = SimpleNamespace(sample=lambda rng: cells[int(rng.integers(3))],
                           neighbours=lambda a: [s for s in cells if s != a])
    ls = LocalSearch(tiny, seed=0, max_tries=200)
    run(ls, lambda a: float(a[0]), 3)
    assert ls.best() == ((2,), 2.0)
    with pytest.raises(RuntimeError):
        ls.ask()


@pytest.mark.parametrize("make", [
    lambda s: RegularizedEvolution(NB201, population_size=20,
                                   sample_size=5, seed=s),
    lambda s: LocalSearch(NB201, seed=s),
], ids=["evolution", "local_search"])
def test_finds_toy_optimum_more_often_than_random_search(make):
    budget, seeds = 200, 20
    found = sum(max(run(make(s), matches, budget)) == 6 for s in range(seeds))
    found_rs = sum(max(run(RandomSearch(NB201, s), matches, budget)) == 6
                   for s in range(seeds))
    # random search: P(hit 1 of 15,625 in 200 draws) ~ 1.3%; the walkers climb a smooth hill
    assert found >= seeds // 2 > found_rs
    # and on any objective they do better than nothing: the best is at least the first score
    s = make(0)
    scores = run(s, random_table(1), 50)
    assert s.best()[1] == max(scores) >= scores[0]
