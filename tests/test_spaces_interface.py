"""One test over every search space: the same interface (spaces.base) behaves alike in all seven,
from sampling to a network's forward pass, a drawing and the string and token round trips."""
import dataclasses

import numpy as np
import pytest
import torch

from naslib_mini import spaces
from naslib_mini.genotypes import Cell
from naslib_mini.spaces import densenas
from naslib_mini.strategies import run
from naslib_mini.strategies.evolution import RegularizedEvolution
from naslib_mini.viz.cells import _layout, draw_cell

SMALL_DENSE = densenas.DenseSpace(widths=(8, 16, 16, 24), sizes=(8, 8, 4, 4), layers=(0, 1, 1, 1),
                                  M=2, last_C=32, image_size=8)
SETTINGS = {"nb201": {}, "darts": {}, "zoph": {"n_layers": 4}, "nasnet": {"B": 3},
            "pnas": {"B": 3}, "fairnas": {"n_layers": 4}, "densenas": {"lattice": SMALL_DENSE}}
# a small network of each space, for 8x8 grey images and 10 classes
NET = {"nb201": dict(C=4, N=1, stages=1, in_channels=1), "darts": dict(C=4, layers=2, in_channels=1),
       "zoph": dict(in_channels=1), "nasnet": dict(C=4, N=1, in_channels=1),
       "pnas": dict(C=4, N=1, in_channels=1),
       "fairnas": dict(stem=8, first=8, head=16, in_channels=1, stem_stride=1),
       "densenas": dict(in_channels=1)}


@pytest.fixture(params=spaces.NAMES)
def space(request):
    return spaces.get(request.param, **SETTINGS[request.param])


def test_every_space_is_covered_and_registered_by_its_name():
    assert set(SETTINGS) == set(spaces.NAMES) == set(spaces.REGISTRY)
    for name in spaces.NAMES:
        assert spaces.get(name).name == name and isinstance(spaces.get(name), spaces.Space)


def test_settings_are_fields_with_defaults(space):
    fresh = type(space)()  # every setting has a default (the paper's)
    assert set(space.settings) == {f.name for f in dataclasses.fields(fresh)}
    assert spaces.get(space.name, **space.settings) == space


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
            continue  # a block leaving the path takes its ops with it (see DenseNASSpace.neighbours)
        assert arch in space.neighbours(n)  # one change away, both ways
    for _ in range(10):
        assert space.mutate(arch, rng) in nbrs


def test_string_and_tokens_round_trip(space):
    rng = np.random.default_rng(2)
    steps = space.token_steps()
    for _ in range(5):
        arch = space.sample(rng)
        s = space.to_string(arch)
        assert isinstance(s, str) and space.from_string(s) == arch
        tokens = space.to_tokens(arch)
        assert len(tokens) == len(steps)
        for (kind, n), tok in zip(steps, tokens):
            assert (0 <= tok < n) if kind == "choice" else len(tok) == n
        assert space.from_tokens(tokens) == arch


def test_a_token_out_of_range_is_refused_by_name(space):
    steps, tokens = space.token_steps(), space.to_tokens(space.sample(np.random.default_rng(3)))
    t = next(i for i, (kind, _) in enumerate(steps) if kind == "choice")
    with pytest.raises(ValueError, match=f"token {t}\\b" if space.name != "zoph" else "token 9"):
        space.from_tokens(tokens[:t] + [9 if space.name == "zoph" else steps[t][1]] + tokens[t + 1:])
    with pytest.raises(ValueError):
        space.from_tokens(tokens[:-1])


def test_build_gives_a_network_that_runs_and_learns(space):
    torch.manual_seed(0)
    net = space.build(space.sample(np.random.default_rng(4)), num_classes=10, **NET[space.name])
    X, y = torch.randn(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])
    logits = net(X)
    assert logits.shape == (4, 10) and torch.isfinite(logits).all()
    torch.nn.functional.cross_entropy(logits, y).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_to_cell_draws(space):
    cell = space.to_cell(space.sample(np.random.default_rng(5)))
    assert isinstance(cell, Cell)
    boxes, arrows = _layout(cell, show_none=False)
    assert boxes and arrows
    assert draw_cell(cell, title=space.name) is not None


def test_any_strategy_runs_on_any_space(space):
    evo = RegularizedEvolution(space, population_size=5, sample_size=2, seed=0)
    scores = run(evo, lambda a: float(space.encode(a).sum()), 12)
    assert len(scores) == 12 and evo.best()[1] == max(scores)


def test_unknown_space_and_settings():
    with pytest.raises(ValueError, match="unknown space"):
        spaces.get("nasbench101")
    with pytest.raises(TypeError, match="no settings"):
        spaces.get("nb201", n_nodes=3)
    with pytest.raises(TypeError, match="its settings: n_nodes, ops, n_inputs, k"):
        spaces.get("darts", nodes=3)
