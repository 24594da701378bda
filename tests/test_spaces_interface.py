"""One test over every search space: the five operations of `spaces.get` behave alike."""
import numpy as np
import pytest

from naslib_mini import spaces
from naslib_mini.spaces import densenas
from naslib_mini.strategies.evolution import RegularizedEvolution
from naslib_mini.strategies.random_search import run

SMALL_DENSE = densenas.DenseSpace(widths=(8, 16, 16, 24), sizes=(8, 8, 4, 4), layers=(0, 1, 1, 1),
                                  M=2, last_C=32, image_size=8)
SETTINGS = {"nb201": {}, "darts": {}, "zoph": {"n_layers": 4}, "nasnet": {"B": 3},
            "pnas": {"B": 3}, "fairnas": {}, "densenas": {"space": SMALL_DENSE}}


@pytest.fixture(params=spaces.NAMES)
def space(request):
    return spaces.get(request.param, **SETTINGS[request.param])


def test_every_space_is_covered():
    assert set(SETTINGS) == set(spaces.NAMES)


def test_sample_is_seeded_and_encodes_to_a_fixed_length(space):
    a = [space.sample(np.random.default_rng(s)) for s in range(5)]
    assert a[0] == space.sample(np.random.default_rng(0))
    codes = [space.encode(x) for x in a]
    assert all(c.dtype == np.float32 and c.ndim == 1 and c.shape == codes[0].shape for c in codes)
    assert isinstance(space.size, int) and space.size > 1


def test_neighbours_are_distinct_symmetric_and_contain_every_mutation(space):
    rng = np.random.default_rng(1)
    arch = space.sample(rng)
    nbrs = space.neighbours(arch)
    assert nbrs and arch not in nbrs
    codes = {space.encode(n).tobytes() for n in nbrs}
    assert len(codes) == len(nbrs)  # all different from each other
    assert space.encode(arch).tobytes() not in codes
    for n in [nbrs[int(i)] for i in rng.integers(len(nbrs), size=5)]:
        if space.name == "densenas" and n.path != arch.path:
            continue  # a block leaving the path takes its ops with it (see densenas.neighbours)
        assert arch in space.neighbours(n)  # one change away, both ways
    for _ in range(10):
        assert space.mutate(arch, rng) in nbrs


def test_any_strategy_runs_on_any_space(space):
    evo = RegularizedEvolution(space.sample, space.mutate, population_size=5, sample_size=2, seed=0)
    scores = run(evo, lambda a: float(space.encode(a).sum()), 12)
    assert len(scores) == 12 and evo.best()[1] == max(scores)


def test_unknown_space_and_settings():
    with pytest.raises(ValueError, match="unknown space"):
        spaces.get("nasbench101")
    with pytest.raises(TypeError, match="no settings"):
        spaces.get("nb201", n_nodes=3)
