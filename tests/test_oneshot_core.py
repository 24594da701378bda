"""The mixed op and the NAS-Bench-201 supernet: soft, hard and single-path forwards agree with
the discrete network they stand for."""
import pytest
import torch

from naslib_mini.oneshot.mixed import MixedOp
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet, weights_to_ops
from naslib_mini.oneshot.supernet import Mixing
from naslib_mini.spaces import nb201


def mix(weights=None, path=None, edge_weights=None):
    """The NAS-Bench-201 supernet's mixing: one cell type, "cell"."""
    return {"cell": Mixing(weights, path, edge_weights)}

PRIMS = ("skip_connect", "nor_conv_3x3", "avg_pool_3x3")


def test_soft_mixing_is_the_weighted_sum():
    torch.manual_seed(0)
    m = MixedOp(4, 4, 1, PRIMS)
    x, w = torch.randn(2, 4, 5, 5), torch.softmax(torch.randn(3), 0)
    assert torch.allclose(m(x, w), sum(w[k] * m.ops[k](x) for k in range(3)), atol=1e-6)


def test_single_path_and_one_hot_mixing_agree():
    torch.manual_seed(0)
    m = MixedOp(4, 8, 2, PRIMS)
    x = torch.randn(2, 4, 6, 6)
    one_hot = torch.tensor([0.0, 1.0, 0.0])
    assert torch.allclose(m(x, index=1), m(x, one_hot), atol=1e-6)
    assert torch.allclose(m(x, one_hot, index=1), m(x, index=1), atol=1e-6)


def test_hard_sample_gives_every_weight_a_gradient():
    torch.manual_seed(0)
    m = MixedOp(4, 4, 1, PRIMS)
    alpha = torch.zeros(3, requires_grad=True)
    soft = torch.softmax(alpha, 0)
    hard = torch.zeros(3).scatter(0, torch.tensor([2]), 1.0) - soft.detach() + soft  # straight-through
    m(torch.randn(2, 4, 5, 5), hard, index=2).square().mean().backward()
    assert alpha.grad is not None and (alpha.grad != 0).all()


def test_mixed_op_errors():
    m = MixedOp(4, 4, 1, PRIMS)
    x = torch.randn(1, 4, 3, 3)
    with pytest.raises(ValueError, match="needs weights"):
        m(x)
    with pytest.raises(ValueError, match="shape"):
        m(x, torch.ones(4))
    with pytest.raises(IndexError, match="outside"):
        m(x, index=3)
    with pytest.raises(ValueError, match="unknown op"):
        MixedOp(4, 4, 1, ("skip_connect", "conv_9x9"))


@pytest.mark.parametrize("stages", [1, 3])
def test_supernet_path_equals_the_discrete_network(stages):
    """With the same weights, the supernet's single path computes the benchmark's network."""
    cell = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    torch.manual_seed(0)
    sup = NB201SuperNet(C=8, N=1, stages=stages, in_channels=1, affine=True).eval()
    net = nb201.NB201Network(cell, C=8, N=1, stages=stages, in_channels=1).eval()
    path = sup.path_of(cell)
    # copy the chosen ops' weights (and the skeleton's) into the discrete network
    own = sup.state_dict()
    mapped = {}
    for k in net.state_dict():
        parts = k.split(".")
        if parts[0] == "cells" and isinstance(net.cells[int(parts[1])], nb201.NB201Cell):
            e = int(parts[3])
            mapped[k] = own[".".join(["layers", parts[1], "edges", parts[3], "mixed", "ops",
                                      str(path[e]), *parts[4:]])]
        elif parts[0] == "cells":
            mapped[k] = own[".".join(["layers", *parts[1:]])]
        else:
            mapped[k] = own[k]
    net.load_state_dict(mapped)
    x = torch.randn(3, 1, 8, 8)
    w = torch.zeros(6, 5).scatter(1, torch.tensor(path)[:, None], 1.0)
    assert torch.allclose(sup(x, mix(path=path)), net(x), atol=1e-5)
    assert torch.allclose(sup(x, mix(w)), net(x), atol=1e-5)
    assert torch.allclose(sup(x, sup.path_mixing(path)), net(x), atol=1e-5)


def test_supernet_shapes_errors_and_derivation():
    sup = NB201SuperNet(C=4, in_channels=1, primitives=("none", "skip_connect", "nor_conv_3x3"))
    x = torch.randn(2, 1, 8, 8)
    assert sup(x, mix(torch.softmax(torch.zeros(6, 3), -1))).shape == (2, 10)
    with pytest.raises(ValueError, match="needs mixing weights"):
        sup(x)
    with pytest.raises(ValueError, match=r"\(6, 3\)"):
        sup(x, mix(torch.zeros(6, 5)))
    with pytest.raises(nb201.NB201Error, match="not in this supernet"):
        sup.path_of(0 * 5 + 4)  # the last edge is avg_pool_3x3
    with pytest.raises(nb201.NB201Error, match="not NAS-Bench-201 ops"):
        NB201SuperNet(primitives=("none", "sep_conv_3x3"))
    alpha = torch.zeros(6, 5)
    alpha[:, 3] = 1.0
    assert weights_to_ops(alpha) == ("nor_conv_3x3",) * 6
    assert sup.derive({"cell": torch.eye(3)[[2, 0, 1, 2, 2, 0]]}) == (
        "nor_conv_3x3", "none", "skip_connect", "nor_conv_3x3", "nor_conv_3x3", "none")
