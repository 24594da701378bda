"""The DARTS-style space: exact counts against brute force; samples and mutations stay valid."""
import numpy as np
import pytest

from naslib_mini import spaces
from naslib_mini.spaces import darts as space


@pytest.mark.parametrize("n_nodes,ops", [(1, 3), (2, 2), (2, 3), (3, 2)])
def test_count_matches_enumeration(n_nodes, ops):
    primitives = space.DARTS_OPS[:ops]
    cells = list(space.enumerate_cells(n_nodes, primitives))
    assert len(cells) == space.count(n_nodes, ops)
    assert len({c.to_string() for c in cells}) == len(cells)


def test_darts_paper_count():
    assert space.count(4, 7) == 1_037_664_180  # ~1e9 per cell
    assert space.count(4, 7) ** 2 == 1_076_746_950_455_072_400  # ~1.08e18 for both cells


def test_sample_and_mutate_stay_in_space():
    rng, darts = np.random.default_rng(0), spaces.get("darts")
    for _ in range(50):
        c = space.sample(rng, n_nodes=4)
        m = darts.mutate(c, rng)
        changed = [i for i, (a, b) in enumerate(zip(c.nodes, m.nodes)) if set(a) != set(b)]
        assert len(changed) <= 1  # one edge of one node at most
        for node in m.nodes:
            srcs = [s for _, s in node]
            assert len(set(srcs)) == len(srcs)
