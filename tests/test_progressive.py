"""PNAS beam search on a toy objective: the bookkeeping matches spaces.pnas, each round
grows the previous beam by one block, the surrogates are judged on the new cells."""
import numpy as np
import pytest

from naslib_mini import spaces
from naslib_mini.spaces import pnas
from naslib_mini.strategies import run
from naslib_mini.strategies.progressive import ProgressiveSearch, schedule
from naslib_mini.strategies.random_search import RandomSearch

OPS = pnas.PNAS_OPS[:3]
SPACE = spaces.get("pnas", B=3, ops=OPS)
FAST = dict(n_models=2, num_epochs=30, surrogate_kwargs=dict(embed_dim=16, hidden=16))


def toy(cell) -> float:
    """Known objective: the share of sep_conv_3x3 ops, plus a small bonus for block inputs."""
    ops = [o for k in cell.blocks for o in (k.op1, k.op2)]
    reads_blocks = sum(i >= 2 for k in cell.blocks for i in (k.in1, k.in2))
    return ops.count("sep_conv_3x3") / len(ops) + 0.05 * reads_blocks


@pytest.fixture(scope="module")
def search():
    s = ProgressiveSearch(SPACE, K=6, surrogates=("mlp", "lstm"), seed=0, **FAST)
    s.run(toy)
    return s


def test_models_trained_equals_the_formula(search):
    assert len(search.history) == pnas.models_trained(B=3, K=6, n_ops=3) == 21 + 2 * 6
    assert [len(r.cells) for r in search.rounds] == [21, 6, 6]
    assert search.done
    with pytest.raises(RuntimeError):
        search.ask()


def test_rounds_grow_the_previous_beam(search):
    first, *later = search.rounds
    assert first.b == 1 and set(first.cells) == set(pnas.first_cells(OPS))
    for prev, r in zip(search.rounds, later):
        assert r.b == prev.b + 1
        parents = {c.blocks for c in prev.cells}
        assert all(c.B == r.b and c.blocks[:-1] in parents for c in r.cells)
        assert len({c.canonical() for c in r.cells}) == len(r.cells)  # no cell twice
        expansions = {k for p in prev.cells for k in pnas.expand(p, OPS, unique=True)}
        assert set(r.cells) <= expansions and r.candidates == len(expansions)


def test_schedule_matches_the_run(search):
    rows = schedule(B=3, K=6, n_ops=3)
    assert [row["trained"] for row in rows] == [len(r.cells) for r in search.rounds]
    assert [row["candidates"] for row in rows[1:]] == [r.candidates for r in search.rounds[1:]]
    assert rows[-1]["total_trained"] == len(search.history)


def test_schedule_paper_figures():
    rows = schedule(B=5, K=256, n_ops=8, unique=False)
    assert rows[0]["trained"] == 256 and schedule()[0]["trained"] == 136
    rows = schedule()  # K = 256, B = 5, 8 ops, branch swaps identified at b = 1
    assert rows[-1]["total_trained"] == pnas.models_trained() == 1_160
    assert rows[1]["children"] == 136 * 576 and rows[1]["candidates"] == 136 * 24 * 25 // 2
    assert [r["children"] for r in rows[2:]] == [262_144, 409_600, 589_824]  # K x |B_b|
    assert rows[-1]["space"] == 556_627_761_561_600
    assert pnas.block_choices(1) * pnas.children_per_cell(2) == pnas.space_size(2) == 147_456


def test_predictions_and_correlations_recorded(search):
    assert search.rounds[0].predictions == {} and search.rounds[0].correlations == {}
    for r in search.rounds[1:]:
        assert set(r.predictions) == {"mlp", "lstm"}
        for mean, std in r.predictions.values():
            assert mean.shape == std.shape == r.accuracy.shape == (len(r.cells),)
            assert (std >= 0).all()
        for c in r.correlations.values():
            assert -1 <= c["spearman"] <= 1 and -1 <= c["kendall"] <= 1
    # the last beam is the top-K of the selecting surrogate's predictions over every child
    # (search.ensembles are the ones fitted before the last round)
    children = [k for p in search.rounds[-2].cells for k in pnas.expand(p, OPS, unique=True)]
    mean, _ = search.predict(children)
    top = {children[i] for i in np.argsort(-mean, kind="stable")[:6]}
    assert top == set(search.rounds[-1].cells)
    np.testing.assert_allclose(search.rounds[-1].predictions["mlp"][0], search.predict(
        search.rounds[-1].cells)[0], rtol=1e-5)
    np.testing.assert_allclose(np.sort(search.rounds[-1].accuracy),
                               np.sort([toy(c) for c in search.rounds[-1].cells]))


def test_beats_random_search_on_the_toy():
    budget = pnas.models_trained(B=3, K=6, n_ops=3)
    pn, rs = [], []
    for seed in range(3):
        s = ProgressiveSearch(SPACE, K=6, seed=seed, **FAST)
        s.run(toy)
        pn.append(s.best()[1])
        r = RandomSearch(SPACE, seed=seed)
        rs.append(max(run(r, toy, budget)))
    assert np.mean(pn) > np.mean(rs)


def test_ask_tell_contract_and_bad_arguments():
    s = ProgressiveSearch(spaces.get("pnas", B=2, ops=OPS[:1]), K=2, **FAST)
    cells = [s.ask() for _ in range(3)]  # 1 op: 3 unique one-block cells
    with pytest.raises(RuntimeError):
        s.ask()  # round 2 needs all of round 1 told
    with pytest.raises(ValueError):
        s.tell(spaces.get("pnas", B=2, ops=OPS).sample(np.random.default_rng(0)), 0.5)
    for c in cells:
        s.tell(c, toy(c))
    with pytest.raises(ValueError):
        s.tell(cells[0], 0.0)  # told twice
    assert s.ask().B == 2
    with pytest.raises(ValueError):
        ProgressiveSearch(SPACE, surrogates=("mlp",), select="lstm")
    with pytest.raises(ValueError):
        ProgressiveSearch(SPACE, K=0)
    with pytest.raises(TypeError, match="pnas"):
        ProgressiveSearch(spaces.get("nasnet"))
