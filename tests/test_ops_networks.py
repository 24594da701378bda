"""Every primitive keeps shapes; networks build from genotypes and run."""
import numpy as np
import pytest
import torch

from naslib_mini.genotypes import DARTS_V2, Cell
from naslib_mini.networks import CellNetwork, SmallCNN
from naslib_mini.ops import OPS, make_op
from naslib_mini.spaces import darts as darts_space
from naslib_mini.utils import count_params


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("stride", [1, 2])
def test_every_op_shape(name, stride):
    x = torch.randn(2, 8, 8, 8)
    y = make_op(name, 8, 8, stride)(x)
    assert y.shape == (2, 8, 8 // stride, 8 // stride)


@pytest.mark.parametrize("name", ["skip_connect", "avg_pool_3x3", "nor_conv_3x3"])
def test_ops_change_channels(name):
    assert make_op(name, 4, 8, 1)(torch.randn(1, 4, 6, 6)).shape == (1, 8, 6, 6)


def test_mbconv_parameters_and_residual():
    from naslib_mini.ops import MBCONV_OPS, MBConv
    assert MBCONV_OPS == ("mbconv_k3_e3", "mbconv_k3_e6", "mbconv_k5_e3", "mbconv_k5_e6",
                          "mbconv_k7_e3", "mbconv_k7_e6")
    op = make_op("mbconv_k5_e6", 4, 4, 1)
    # expand 4*24, depthwise 24*25, project 24*4, three BNs of 24, 24, 4 channels (2 each)
    assert count_params(op) == 96 + 600 + 96 + 2 * (24 + 24 + 4)
    assert op.residual and not MBConv(4, 8, 3, 3, 1).residual and not MBConv(4, 4, 3, 3, 2).residual
    with torch.no_grad():  # zero the last BN: a residual block is then the identity
        op.body[-1].weight.zero_()
        op.eval()
        x = torch.randn(1, 4, 5, 5)
        assert torch.equal(op(x), x)


def test_unknown_op_is_named():
    with pytest.raises(ValueError, match="sep_conv_3x3"):
        make_op("sep_conv_3x4", 8, 8)


def test_darts_v2_network_forward_backward():
    net = CellNetwork(DARTS_V2, C=8, layers=5, in_channels=3)
    out = net(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 10)
    out.sum().backward()


def test_single_cell_network_without_reduction():
    cell = darts_space.sample(np.random.default_rng(0), n_nodes=2)
    net = CellNetwork(cell, C=8, layers=2, in_channels=1)
    assert net(torch.randn(3, 1, 8, 8)).shape == (3, 10)


def test_one_input_cell():
    cell = Cell(((("nor_conv_3x3", 0),), (("skip_connect", 0), ("avg_pool_3x3", 1))),
                n_inputs=1, primitives=("nor_conv_3x3", "skip_connect", "avg_pool_3x3"),
                edges_per_node="all", concat=(2,))
    net = CellNetwork(cell, C=4, layers=3, in_channels=1)
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 10)


def test_param_counts_grow_with_width():
    assert count_params(SmallCNN(C=16)) > count_params(SmallCNN(C=8))
    assert count_params(CellNetwork(DARTS_V2, C=16, layers=8)) > count_params(
        CellNetwork(DARTS_V2, C=8, layers=8))
