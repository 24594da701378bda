"""compare(): the budget accounting (nobody gets more lookups than the budget), regret on a
hand-made table, determinism for fixed seeds, a strategy of one's own, the statistics."""
import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from naslib_mini.compare import (BudgetExhausted, Discrete, OneShot, Oracle, Truth, compare,
                                 contenders, format_leaderboard)
from naslib_mini.metrics import (MIN_SEEDS, bootstrap_ci, ci95, difference_ci, expected_random_regret,
                                 lookups_to_reach, seeds_needed, verdict, welch_p)
from naslib_mini.spaces import nb201
from naslib_mini.spaces.nb201 import NB201Space, cell_index


def synthetic_truth(seed=0, S=2):
    """A stand-in for the benchmark over all 15,625 cells: random accuracies and times."""
    rng = np.random.default_rng(seed)
    base = rng.random(nb201.NUM_CELLS)
    val = np.clip(base + 0.05 * rng.standard_normal((S, nb201.NUM_CELLS)), 0, 1)
    return Truth(val, rng.uniform(0.5, 1.5, (S, nb201.NUM_CELLS)), base)


TRUTH = synthetic_truth()


class Greedy:
    """Asks a new random cell forever and counts its tells."""

    def __init__(self, seed):
        self.rng, self.tells = np.random.default_rng(seed), 0

    def ask(self):
        return int(self.rng.integers(nb201.NUM_CELLS))

    def tell(self, arch, score):
        self.tells += 1

    def best(self):
        return None


class Fixed:
    """Asks the given cells in order, then the last one again and again."""

    def __init__(self, cells):
        self.cells, self.k, self.told = list(cells), 0, []

    def ask(self):
        c = self.cells[min(self.k, len(self.cells) - 1)]
        self.k += 1
        return c

    def tell(self, arch, score):
        self.told.append((arch, score))

    def best(self):
        return max(self.told, key=lambda t: t[1])


# ------------------------------------------------------------------ budget accounting
def test_oracle_counts_new_cells_repeats_are_free_and_refuses_past_the_budget():
    truth = Truth(val=[[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]],
                  train_time=[[1, 2, 3, 4], [10, 20, 30, 40]], test=[0.1, 0.2, 0.3, 0.4])
    o = Oracle(truth, budget=2, seed=3)
    a = o(1)
    assert o(1) == a and o.lookups == 1  # a repeat is free and answers the same
    o(2)
    assert o.lookups == 2 and o.cells == [1, 2] and o.exhausted
    assert a == truth.val[o.seed_of[1], 1]  # one seed's result
    assert o.train_seconds == truth.train_time[o.seed_of[1], 1] + truth.train_time[o.seed_of[2], 2]
    assert o(2) == o.scores[1]  # still free after the budget
    with pytest.raises(BudgetExhausted):
        o(0)
    assert o.lookups == 2
    m = Oracle(truth, budget=1, noise="mean")
    assert m(3) == pytest.approx(0.6) and m.train_seconds == pytest.approx(22)
    with pytest.raises(IndexError):
        m(7)
    with pytest.raises(ValueError):
        Oracle(truth, budget=0)


def test_a_greedy_strategy_gets_exactly_its_budget():
    made = []

    def make(seed):
        made.append(Greedy(seed))
        return made[-1]

    res = compare({"greedy": make}, budget=17, seeds=3, truth=TRUTH)
    for run, g in zip(res.runs["greedy"], made):
        assert run.lookups == len(set(run.cells.tolist())) == 17
        assert g.tells == run.info["asks"] >= 17


def test_a_strategy_that_only_repeats_is_stopped():
    res = compare({"stuck": lambda s: Fixed([5])}, budget=10, seeds=1, truth=TRUTH, max_asks=30)
    r = res.runs["stuck"][0]
    assert r.lookups == 1 and r.info["asks"] == 30 and r.info["stalled"]
    assert res.final("stuck") == pytest.approx(TRUTH.regret(5))  # kept after its last lookup


@pytest.mark.parametrize("name", ["random", "evolution", "local", "reinforce", "nao", "surrogate"])
def test_no_course_strategy_exceeds_its_budget(name):
    spec = {"random": contenders.random_search(), "evolution": contenders.regularized_evolution(),
            "local": contenders.local_search(), "reinforce": contenders.reinforce(),
            "nao": contenders.nao(n_init=10, top_k=10, num_epochs=2),
            "surrogate": contenders.surrogate(n_init=10, K=10, num_epochs=3, n_random=20)}[name]
    res = compare({name: spec}, budget=25, seeds=[0, 1], truth=TRUTH, max_asks=75)
    for run in res.runs[name]:
        assert run.lookups <= 25
        assert len(set(run.cells.tolist())) == run.lookups  # each lookup a new cell


# ------------------------------------------------------------------ regret
def test_regret_and_selection_on_a_hand_made_table():
    # cell:          0     1     2     3
    test = np.array([0.50, 0.90, 0.70, 0.20])
    val = np.array([[0.40, 0.60, 0.80, 0.10]] * 2)  # cell 2 looks best, cell 1 is best
    truth = Truth(val, np.ones((2, 4)), test)
    assert truth.best == 0.9 and truth.regret(2) == pytest.approx(0.2)
    res = compare({"fixed": lambda s: Fixed([0, 3, 1, 2])}, budget=4, seeds=1, truth=truth)
    r = res.runs["fixed"][0]
    assert r.cells.tolist() == [0, 3, 1, 2]
    assert r.returned.tolist() == [0, 0, 1, 2]  # best validation so far
    np.testing.assert_allclose(r.regret, [0.4, 0.4, 0.0, 0.2])
    np.testing.assert_allclose(r.oracle_regret, [0.4, 0.4, 0.0, 0.0])  # best test so far
    np.testing.assert_allclose(r.train_seconds, [1, 2, 3, 4])
    np.testing.assert_allclose(res.regret_at("fixed", [1, 3, 4, 10])[0], [0.4, 0.0, 0.2, 0.2])
    assert res.final("fixed", selection="test")[0] == pytest.approx(0.0)
    # ties in validation: the earliest cell is kept
    tie = Truth(np.array([[0.5, 0.5, 0.5]] * 2), np.ones((2, 3)), np.array([0.1, 0.3, 0.2]))
    r = compare({"t": lambda s: Fixed([2, 1, 0])}, 3, 1, truth=tie).runs["t"][0]
    assert r.returned.tolist() == [2, 2, 2]


def test_truth_from_a_benchmark_uses_seed_values_and_the_seed_mean_test():
    class FakeBench:
        seeds, path = (0, 1), "fake"
        search_dataset, report_dataset = "search", "report"

        def table(self, metric, dataset=None, seed=None):
            assert dataset == ("report" if metric == "test_acc" else "search")
            v = {"val_acc": np.array([[0.1, 0.2], [0.3, 0.4]]),
                 "train_time": np.array([[1.0, 2.0], [3.0, 4.0]]),
                 "test_acc": np.array([[0.5, 0.7], [0.6, 0.8]])}[metric]  # (N, S)
            return v.mean(1) if seed is None else v[:, seed]

    t = Truth.from_benchmark(FakeBench())
    np.testing.assert_allclose(t.val, [[0.1, 0.3], [0.2, 0.4]])  # (S, N)
    np.testing.assert_allclose(t.test, [0.6, 0.7])
    assert t.best == pytest.approx(0.7)

    class SeedAveraged(FakeBench):  # the real NAS-Bench-201 extract: one value per cell
        seeds = ()

        def table(self, metric, dataset=None, seed=None):
            assert seed is None
            return super().table(metric, dataset)

    t = Truth.from_benchmark(SeedAveraged())
    np.testing.assert_allclose(t.val, [[0.15, 0.35]])  # (1, N): the seed-mean
    assert Oracle(t, budget=2, seed=3)(1) == pytest.approx(0.35)

    class Partial(FakeBench):
        def table(self, metric, dataset=None, seed=None):
            v = super().table(metric, dataset, seed)
            return np.where(np.arange(len(v)) == 1, np.nan, v) if metric == "val_acc" else v

    with pytest.raises(ValueError, match="partial"):
        Truth.from_benchmark(Partial())
    with pytest.raises(ValueError):
        Truth(np.ones((2, 3)), np.ones((2, 3)), np.ones(4))


def test_cell_index_accepts_every_description():
    ops = nb201.index_to_ops(1234)
    assert cell_index(1234) == cell_index(ops) == cell_index(nb201.ops_to_string(ops)) == 1234


# ------------------------------------------------------------------ determinism
def test_compare_is_deterministic_for_fixed_seeds():
    def specs():
        return {"random": contenders.random_search(), "evolution": contenders.regularized_evolution(),
                "reinforce": contenders.reinforce(),
                "surrogate": contenders.surrogate(n_init=10, K=10, num_epochs=3, n_random=20)}
    a = compare(specs(), budget=30, seeds=[0, 1], truth=TRUTH, max_asks=60)
    b = compare(specs(), budget=30, seeds=[0, 1], truth=TRUTH, max_asks=60)
    for name in a.names:
        for ra, rb in zip(a.runs[name], b.runs[name]):
            assert ra.cells.tolist() == rb.cells.tolist()
            np.testing.assert_array_equal(ra.regret, rb.regret)
            np.testing.assert_array_equal(ra.train_seconds, rb.train_seconds)
    r0, r1 = a.runs["random"]
    assert r0.cells.tolist() != r1.cells.tolist()  # and the seeds differ


# ------------------------------------------------------------------ your own strategy, one-shot
def test_a_strategy_of_ones_own_and_a_one_shot_method_plug_in():
    class AllConv:  # proposes cells with ever more 3x3 convolutions, as op names
        def __init__(self, seed):
            self.rng, self.history = np.random.default_rng(seed), []

        def ask(self):
            ops = list(NB201Space().sample(self.rng))
            ops[int(self.rng.integers(6))] = "nor_conv_3x3"
            return nb201.ops_to_string(ops)

        def tell(self, arch, score):
            self.history.append((arch, score))

        def best(self):
            return max(self.history, key=lambda h: h[1])

    best_cell = int(np.argmax(TRUTH.test))
    res = compare({"mine": AllConv, "oracle one-shot": OneShot(lambda s: (best_cell, {"s": s}))},
                  budget=12, seeds=2, truth=TRUTH, time_scale=2.0)
    assert res.names == ["mine", "oracle one-shot"] and res.kind("oracle one-shot") == "oneshot"
    one = res.runs["oracle one-shot"][1]
    assert one.lookups == 0 and one.info == {"s": 1} and one.regret[0] == 0
    assert one.cost == pytest.approx(2.0 * one.wall)
    rows = res.leaderboard()
    assert [r["name"] for r in rows][0] == "oracle one-shot"  # sorted by mean regret
    assert rows[1]["lookups"] == 12 and rows[0]["lookups"] == 0
    assert "mine" in format_leaderboard(rows)
    with pytest.raises(TypeError):
        compare({"bad": 3}, 5, 1, truth=TRUTH)
    with pytest.raises(ValueError):
        compare({"mine": AllConv}, 5, {"other": 2}, truth=TRUTH)


def test_per_strategy_seeds_and_regret_against_seconds():
    res = compare({"random": contenders.random_search(), "evolution": contenders.regularized_evolution()},
                  budget=20, seeds={"random": 4, "evolution": [7]}, truth=TRUTH)
    assert res.seeds("random") == [0, 1, 2, 3] and res.seeds("evolution") == [7]
    run = res.runs["random"][0]
    t = run.seconds
    R = res.regret_vs_seconds("random", [t[0] / 2, t[4], t[-1] * 10])
    assert np.isnan(R[0, 0]) and R[0, 1] == run.regret[4] and R[0, 2] == run.regret[-1]


# ------------------------------------------------------------------ statistics
def test_confidence_interval_and_seeds_needed():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    lo, hi = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert ci95(x) == pytest.approx((hi - lo) / 2)
    assert math.isnan(ci95([1.0]))
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 50), rng.normal(1, 1, 50)
    assert seeds_needed(a, b) < seeds_needed(a, b - 0.5)  # a smaller gap needs more seeds
    assert seeds_needed(a, a) == math.inf
    assert welch_p(a, b) < 0.01 < welch_p(a, a + 0.01)


def test_exact_random_search_expectation_matches_enumeration():
    values = np.array([0.3, 0.9, 0.5, 0.9, 0.1, 0.7])  # a tie at the top
    regret = np.array([0.6, 0.0, 0.4, 0.2, 0.8, 0.1])
    for n in (1, 2, 4, 6):
        brute = []
        for subset in combinations(range(6), n):  # every n-subset equally likely
            top = max(values[list(subset)])
            tied = [i for i in subset if values[i] == top]
            brute.append(np.mean(regret[tied]))  # the first drawn: uniform among the tied
        assert expected_random_regret(values, regret, [n])[0] == pytest.approx(np.mean(brute))
    o = Oracle(TRUTH, budget=1, seed=4)
    assert o.values[123] == o(123)
    draws = np.stack([values, values[::-1]])  # two oracles' answers
    expected = [np.mean([expected_random_regret(v, regret, [n])[0] for v in draws]) for n in range(1, 7)]
    for target in (0.5, 0.3, 0.15, 0.1, 0.0):
        n = lookups_to_reach(draws, regret, target)
        assert n == next((k + 1 for k, e in enumerate(expected) if e <= target), None)


def test_bootstrap_interval_stays_in_range_and_needs_seeds():
    x = np.array([0.0] * 18 + [0.05, 0.3])  # regrets: mostly 0, skewed
    lo, hi = bootstrap_ci(x)
    assert 0 <= lo <= x.mean() <= hi <= x.max()
    assert ci95(x) > x.mean()  # the t-interval would reach below 0 here
    assert all(math.isnan(v) for v in bootstrap_ci(x[:MIN_SEEDS - 1]))
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.1, 0.01, 20), rng.normal(0.2, 0.01, 20)
    lo, hi = difference_ci(a, b)
    assert lo < a.mean() - b.mean() < hi < 0
    assert verdict("A", a, "B", b).startswith("A beats B")
    assert verdict("B", b, "A", a).startswith("A beats B")
    assert verdict("A", a, "B", b, lower_is_better=False).startswith("B beats A")
    same = rng.normal(0.1, 0.05, 20)
    assert "not separable at 20 seeds" in verdict("A", a, "C", same + (a.mean() - same.mean()))
    assert "not separable at 2 seeds" in verdict("A", a[:2], "B", b[:2])
