"""The NAS-RL CNN space: exact size (closed form and brute force), validation messages,
sampled networks that run and backpropagate on 8x8 digits, tokens <-> arch round trips."""
import numpy as np
import pytest
import torch

from naslib_mini import spaces
from naslib_mini.spaces import zoph
from naslib_mini.spaces.zoph import Arch, Layer, ZophError


def test_count_paper_figure():
    n = zoph.count(15)
    assert n == 64 ** 15 * 2 ** 105
    assert "%.1e" % n == "5.0e+58"
    assert zoph.count(15, strides=True) == 192 ** 15 * 2 ** 105


@pytest.mark.parametrize("L,strides,opts", [
    (1, False, ((1, 3), (1, 3), (24,), (1,))),
    (2, True, ((1, 3), (1,), (24, 36), (1, 2))),
    (3, False, ((1, 3), (1, 3), (24,), (1,))),
    (3, True, ((1,), (1, 5), (24,), (1, 2, 3))),
])
def test_count_matches_enumeration(L, strides, opts):
    heights, widths, filters, stride_options = opts
    archs = list(zoph.enumerate_archs(L, strides, heights, widths, filters, stride_options))
    assert len(set(archs)) == len(archs)
    assert len(archs) == zoph.count(L, strides, len(heights), len(widths), len(filters),
                                   len(stride_options))


@pytest.mark.parametrize("layers,strides,words", [
    ((Layer(2, 3, 24),), False, "height 2 is not one of"),
    ((Layer(3, 3, 25),), False, "filters 25"),
    ((Layer(3, 3, 24, stride=2),), False, "strides=True"),
    ((Layer(3, 3, 24, stride=4),), True, "stride 4"),
    ((Layer(3, 3, 24), Layer(3, 3, 24, inputs=(1,))), False, "may read only earlier layers 0..0"),
    ((Layer(3, 3, 24, inputs=(0,)),), False, "reads only the image"),
    ((Layer(3, 3, 24), Layer(3, 3, 24, inputs=(-1,))), False, "out of range"),
    ((Layer(3, 3, 24),) * 2 + (Layer(3, 3, 24, inputs=(0, 0)),), False, "duplicate input"),
    ((Layer(3, 3, 24),) * 2 + (Layer(3, 3, 24, inputs=(1, 0)),), False, "increasing order"),
    ((), False, "at least one layer"),
])
def test_validate_errors(layers, strides, words):
    with pytest.raises(ZophError, match=words):
        Arch(layers, strides)
    assert issubclass(ZophError, ValueError)


def test_validate_accepts_good_arch():
    arch = Arch([Layer(1, 7, 64), Layer(3, 5, 24, 1, [0]), Layer(5, 3, 36, 1, (0, 1))])
    assert zoph.validate(arch) is None and arch[2].inputs == (0, 1)
    assert hash(arch) == hash(Arch(tuple(arch.layers)))


@pytest.mark.parametrize("strides", [False, True])
def test_sampled_nets_run_and_backprop(strides):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    X, y = torch.randn(2, 1, 8, 8), torch.tensor([3, 7])
    for _ in range(10):
        arch = spaces.get("zoph", n_layers=4, strides=strides).sample(rng)
        net = zoph.ZophNet(arch, in_channels=1, num_classes=10)
        logits = net(X)
        assert logits.shape == (2, 10)
        torch.nn.functional.cross_entropy(logits, y).backward()
        assert all(p.grad is not None for p in net.parameters())
        assert (len(arch) - 1) in net.leaves


def test_strided_chain_never_reaches_zero_and_pads_mismatches():
    s3 = [Layer(3, 3, 24, 3, (i - 1,) if i else ()) for i in range(4)]  # 8 -> 3 -> 1 -> 1 -> 1
    s3.append(Layer(1, 1, 24, 1, (0, 3)))  # reads a 3x3 and a 1x1 map: the 1x1 is zero-padded
    net = zoph.ZophNet(Arch(s3, strides=True), 1, 10)
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 10)
    assert net.leaves == (4,)
    assert net.convs[4][0].in_channels == 48
    assert torch.equal(zoph._pad_cat([torch.ones(1, 1, 1, 2)]), torch.ones(1, 1, 1, 2))
    padded = zoph._pad_cat([torch.ones(1, 1, 3, 3), torch.ones(1, 2, 1, 2)])
    assert padded.shape == (1, 3, 3, 3) and padded[0, 1:].sum() == 4  # bottom/right zeros


@pytest.mark.parametrize("strides", [False, True])
def test_tokens_round_trip(strides):
    rng = np.random.default_rng(1)
    space = spaces.get("zoph", n_layers=5, strides=strides)
    steps = space.token_steps()
    assert len(steps) == 5 * (5 if strides else 4)
    assert [s for s in steps if s[0] == "anchor"] == [("anchor", i) for i in range(5)]
    for _ in range(20):
        arch = space.sample(rng)
        tokens = space.to_tokens(arch)
        assert len(tokens) == len(steps)
        for (kind, n), tok in zip(steps, tokens):
            assert (0 <= tok < n) if kind == "choice" else len(tok) == n
        assert space.from_tokens(tokens) == arch
        assert Arch.from_string(arch.to_string(), strides) == arch


def test_from_tokens_errors():
    space = spaces.get("zoph", n_layers=2)
    good = space.to_tokens(space.sample(np.random.default_rng(0)))
    with pytest.raises(ZophError, match="take 8 tokens"):
        space.from_tokens(good[:-1])
    with pytest.raises(ZophError, match="height token 4"):
        space.from_tokens([4] + good[1:])
    with pytest.raises(ZophError, match="0/1 tuple of length 1"):
        space.from_tokens(good[:-1] + [(0, 1)])


def test_mutate_changes_one_decision():
    rng = np.random.default_rng(2)
    for strides in (False, True):
        for _ in range(30):
            space = spaces.get("zoph", n_layers=4, strides=strides)
            arch = space.sample(rng)
            a, b = space.to_tokens(arch), space.to_tokens(space.mutate(arch, rng))
            diff = sum(x != y if isinstance(x, int) else sum(p != q for p, q in zip(x, y))
                       for x, y in zip(a, b))
            assert diff == 1
