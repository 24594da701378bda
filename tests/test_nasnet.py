"""The NASNet space: exact counts against brute force, the published cells, strings, networks."""
from dataclasses import replace

import numpy as np
import pytest
import torch

from naslib_mini import spaces
from naslib_mini.genotypes import Cell, GenotypeError
from naslib_mini.ops import OPS
from naslib_mini.spaces import nasnet
from naslib_mini.spaces.nasnet import (NASNET_A, NASNET_OPS, Block, NasnetCell, NasnetError,
                                       NasnetGenotype, NasnetNetwork)
from naslib_mini.utils import count_params
from naslib_mini.viz.cells import draw_cell


def test_the_13_ops_are_registered():
    assert len(NASNET_OPS) == len(set(NASNET_OPS)) == 13
    assert set(NASNET_OPS) <= set(OPS) and "none" not in NASNET_OPS


@pytest.mark.parametrize("B,n_ops,n_comb", [(1, 1, 1), (1, 2, 2), (1, 3, 1), (2, 1, 2), (2, 2, 1),
                                            (2, 2, 2), (3, 1, 1)])
def test_counts_match_enumeration(B, n_ops, n_comb):
    cells = list(nasnet.enumerate_cells(B, NASNET_OPS[:n_ops], nasnet.COMBINERS[:n_comb]))
    assert len(cells) == len({c.to_string() for c in cells}) == nasnet.count_cell(B, n_ops, n_comb)
    classes = {c.canonical().to_string() for c in cells}  # branch swaps identified
    assert len(classes) == nasnet.count_cell_unordered(B, n_ops, n_comb)
    assert nasnet.count_both(B, n_ops, n_comb) == len(cells) ** 2
    assert nasnet.count_both(B, n_ops, n_comb, unordered=True) == len(classes) ** 2


def test_published_figures():
    one = nasnet.count_cell(5, 13, 2)
    assert one == (2 * 3 * 4 * 5 * 6) ** 2 * 13 ** 10 * 2 ** 5 == 2_286_906_949_584_691_200
    assert "%.2e" % one == "2.29e+18"
    assert nasnet.count_both() == one ** 2 and "%.1e" % nasnet.count_both() == "5.2e+36"
    assert nasnet.count_cell(1, 8, 1) == 256 and nasnet.count_cell_unordered(1, 8, 1) == 136  # PNAS
    with pytest.raises(NasnetError, match="B must be an integer >= 1"):
        nasnet.count_cell(0)


def test_nasnet_a_matches_the_references():
    n, r = NASNET_A.normal, NASNET_A.reduce
    assert n.B == r.B == 5 and all(b.combine == "add" for b in n.blocks + r.blocks)
    # slim's used_hiddenstates, in our numbering; the rule's outputs are those of quark0/darts
    assert n.outputs == (0, 2, 3, 4, 5, 6) and n.unused() == (2, 3, 4, 5, 6)
    assert r.outputs == (3, 4, 5, 6) and r.unused() == (4, 5, 6) and r.used() == (0, 1, 2, 3)
    darts_normal = [("sep_conv_5x5", 1), ("sep_conv_3x3", 0), ("sep_conv_5x5", 0),
                    ("sep_conv_3x3", 0), ("avg_pool_3x3", 1), ("skip_connect", 0),
                    ("avg_pool_3x3", 0), ("avg_pool_3x3", 0), ("sep_conv_3x3", 1),
                    ("skip_connect", 1)]
    darts_reduce = [("sep_conv_5x5", 1), ("sep_conv_7x7", 0), ("max_pool_3x3", 1),
                    ("sep_conv_7x7", 0), ("avg_pool_3x3", 1), ("sep_conv_5x5", 0),
                    ("skip_connect", 3), ("avg_pool_3x3", 2), ("sep_conv_3x3", 2),
                    ("max_pool_3x3", 1)]
    assert n.to_cell().to_darts() == darts_normal and r.to_cell().to_darts() == darts_reduce


def test_from_slim_swaps_the_two_inputs():
    c = NasnetCell.from_slim(["none", "separable_3x3_2"], [0, 1], used_hiddenstates=[1, 0, 0])
    assert c.blocks == (Block(1, 0, "skip_connect", "sep_conv_3x3"),) and c.outputs == (0, 2)


@pytest.mark.parametrize("make,words", [
    (lambda: Block(0, 1, "sep_conv_3x4", "conv_1x1"), "Did you mean 'sep_conv_3x3'"),
    (lambda: Block(0, 1, "none", "conv_1x1"), "unknown op 'none'"),
    (lambda: Block(0, 1, "conv_1x1", "conv_1x1", "ad"), "Did you mean 'add'"),
    (lambda: Block(0, 1, "conv_1x1", "conv_1x1", "mul"), "unknown combiner 'mul'"),
    (lambda: Block(-1, 1, "conv_1x1", "conv_1x1"), "out of range"),
    (lambda: NasnetCell((Block(0, 2, "conv_1x1", "conv_1x1"),)),
     "forward-pointing: block 0 may read hidden states 0..1"),
    (lambda: NasnetCell((Block(0, 1, "conv_1x1", "conv_1x1"), (0, 3, "conv_1x1", "conv_1x1"))),
     "block 1: in2=3"),
    (lambda: NasnetCell(()), "empty cell"),
    (lambda: NasnetCell(((0, 1, "conv_1x1", "conv_1x1"), (0, 1, "conv_1x1"))), "block 1: expected"),
    (lambda: NasnetCell(((0, 1, "conv_1x1", "conv_3x2"),)), "block 0: op2: .* Did you mean 'conv_3x3'"),
    (lambda: NasnetCell(((0, 1, "conv_1x1", "conv_1x1"),), concat=(2, 3)), "distinct numbers in 0..2"),
    (lambda: NasnetCell.from_string("add(conv_1x1~0,conv_1x1~1"), "cannot parse"),
    (lambda: NasnetCell.from_string("add(conv_1x1~0,conv_1x1~x)"), "state numbers"),
    (lambda: NasnetCell.from_string("add(conv_1x1~0,conv_1x1~1);add(avg_pol_3x3~0,conv_1x1~1)"),
     "block 1: op1: unknown op 'avg_pol_3x3'. Did you mean 'avg_pool_3x3'"),
    (lambda: NasnetCell.from_string("add(conv_1x1~0,conv_1x1~1);out(a)"), "out\\(i,j"),
    (lambda: NasnetGenotype.from_string("normal=add(conv_1x1~0,conv_1x1~1)"), "reduce=<cell string>"),
    (lambda: NasnetCell.from_string("concat(conv_1x1~0,conv_1x1~1)").to_cell(), "only all-'add' cells"),
])
def test_validation_errors_are_helpful(make, words):
    with pytest.raises(NasnetError, match=words) as err:
        make()
    assert isinstance(err.value, GenotypeError) and isinstance(err.value, ValueError)


def test_string_round_trip():
    s = NASNET_A.to_string()
    assert NasnetGenotype.from_string(s) == NASNET_A and " " not in s.split()[0]
    assert s.startswith("normal=add(sep_conv_5x5~1,sep_conv_3x3~0);") and s.endswith(";out(3,4,5,6)")
    assert NasnetCell.from_string(NASNET_A.normal.to_string().replace(",", ", ")) == NASNET_A.normal
    rng = np.random.default_rng(0)
    for _ in range(20):
        c = spaces.get("nasnet", combiners=nasnet.COMBINERS).sample(rng)
        assert NasnetCell.from_string(c.to_string()) == c and "out(" not in c.to_string()
    rule = replace(NASNET_A.reduce, concat=(6, 5, 4))  # the rule's own set is stored as None
    assert rule.concat is None and rule == replace(NASNET_A.reduce, concat=None)


def test_sample_is_uniform_and_valid():
    rng = np.random.default_rng(1)
    space = spaces.get("nasnet", B=2, ops=NASNET_OPS[:3])
    cells = [space.sample(rng) for _ in range(3000)]
    counts = np.bincount([c.blocks[1].in1 for c in cells], minlength=3)
    assert counts.sum() == 3000 and np.all(np.abs(counts - 1000) < 120)  # ~5.5 sigma
    assert {b.op1 for c in cells for b in c.blocks} == set(NASNET_OPS[:3])
    assert {b.combine for c in cells for b in c.blocks} == {"add"}
    c0, c1 = (spaces.get("nasnet").sample(np.random.default_rng(7)) for _ in range(2))
    assert c0 == c1 and c0.B == 5


def test_to_cell_feeds_the_drawing_and_networks():
    cell = NASNET_A.normal.to_cell()
    assert isinstance(cell, Cell) and cell.n_inputs == 2 and cell.edges_per_node == 2
    assert cell.output_nodes == (0, 2, 3, 4, 5, 6) and cell.primitives == NASNET_OPS
    assert draw_cell(NASNET_A.reduce.to_cell()) is not None


@pytest.mark.parametrize("shape", [(2, 1, 8, 8), (2, 3, 32, 32)])
def test_nasnet_a_network_runs(shape):
    torch.manual_seed(0)
    net = NasnetNetwork(NASNET_A, C=8, N=1, num_classes=10, in_channels=shape[1])
    assert len(net.cells) == 5 and net.classifier.in_features == 6 * 4 * 8
    y = net(torch.randn(*shape))
    assert y.shape == (2, 10)
    y.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_paper_cifar_setting_6_at_768():
    net = NasnetNetwork(NASNET_A, C=32, N=6)  # no forward pass: building is cheap
    assert len(net.cells) == 20 and net.classifier.in_features == 768
    assert 3.2e6 < count_params(net) < 3.45e6  # paper: 3.3M (we have no auxiliary head)


def test_network_rejects_what_it_cannot_build():
    cat = NasnetCell.from_string("concat(conv_1x1~0,conv_1x1~1)")
    with pytest.raises(NasnetError, match="concat"):
        NasnetNetwork(cat, C=8, N=1)
    with pytest.raises(NasnetError, match="cell input"):
        NasnetNetwork(NasnetGenotype(NASNET_A.normal, NASNET_A.normal), C=8, N=1)


def test_controller_tokens_build_valid_cells():
    rng = np.random.default_rng(0)
    for B, combiners in ((1, ("add",)), (2, nasnet.COMBINERS), (5, ("add",))):
        space = spaces.get("nasnet", B=B, combiners=combiners)
        steps = space.token_steps()
        assert len(steps) == (4 if len(combiners) == 1 else 5) * B  # the combiner only if searched
        for _ in range(5):
            tokens = [int(rng.integers(k)) for _, k in steps]
            cell = space.from_tokens(tokens)
            assert cell.B == B and space.to_tokens(cell) == tokens
    with pytest.raises(NasnetError, match="expected 8 tokens"):
        spaces.get("nasnet", B=2).from_tokens([0, 0, 0])
