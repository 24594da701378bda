"""The showdown's contenders: the PNAS-style surrogate search, and the one-shot methods
returning a real cell without looking anything up."""
import numpy as np
import pytest

from naslib_mini import spaces
from naslib_mini.compare import Truth, compare, contenders
from naslib_mini.oneshot.config import GDASConfig, SPOSConfig
from naslib_mini.spaces import nb201
from naslib_mini.strategies.surrogate_search import SurrogateSearch, sequences

NB201 = spaces.get("nb201")

TARGET = ("nor_conv_3x3", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
          "nor_conv_3x3")


def matches(cell) -> float:
    return float(sum(a == b for a, b in zip(nb201.to_ops(cell), TARGET)))


def test_sequences_are_8_tokens_per_cell_and_tell_cells_apart():
    cells = [nb201.index_to_ops(i) for i in range(0, nb201.NUM_CELLS, 7)]
    toks, vocab = sequences(NB201, cells)
    assert len({tuple(t) for t in toks}) == len(cells) and vocab == 31
    (t,), _ = sequences(NB201, [TARGET])
    assert len(t) == 8 and t[6:] == [vocab - 1] * 2 and t[:6] == [3, 6, 12, 18, 24, 28]


def test_surrogate_search_never_repeats_and_climbs_a_toy_objective():
    found = []
    for seed in range(2):
        s = SurrogateSearch(NB201, n_init=10, K=10, n_models=2, num_epochs=20, n_random=50, seed=seed)
        asked = []
        for _ in range(60):
            c = s.ask()
            asked.append(c)
            s.tell(c, matches(c))
        assert len(set(asked)) == 60
        found.append(s.best()[1])
        assert len(s.rounds) == 5 and all(r["candidates"] >= 10 for r in s.rounds)
    assert np.mean(found) >= 5  # random search's expected best of 60 is about 3.5
    with pytest.raises(ValueError):
        SurrogateSearch(NB201, n_init=1)


@pytest.fixture(scope="module")
def truth():
    base = np.random.default_rng(0).random(nb201.NUM_CELLS)
    return Truth(np.stack([base, base]), np.ones((2, nb201.NUM_CELLS)), base)


@pytest.mark.parametrize("selection", ["evolution", "sample"])
def test_single_path_returns_the_best_inherited_cell_with_no_lookup(truth, selection):
    spec = contenders.single_path("spos", SPOSConfig.NB201_QUICK.replace(
        num_epochs=1, C=4, n_candidates=4, selection=selection))
    res = compare({"spos": spec}, budget=5, seeds=[0], truth=truth)
    run = res.runs["spos"][0]
    info = run.info
    assert run.lookups == 0 and len(info["candidates"]) == 4
    assert run.returned[0] == info["candidates"][int(np.argmax(info["inherited"]))]
    assert run.cost > 0
    with pytest.raises(ValueError, match="selection"):
        contenders.single_path("spos", SPOSConfig.NB201_QUICK.replace(selection="beam"))


def test_gradient_search_returns_a_cell(truth):
    res = compare({"gdas": contenders.gradient("gdas", GDASConfig.NB201_QUICK.replace(
        num_epochs=1, C=4))}, 5, [0], truth=truth)
    run = res.runs["gdas"][0]
    assert run.lookups == 0 and 0 <= run.returned[0] < nb201.NUM_CELLS
    assert run.info["search_seconds"] <= run.wall
