"""The PNAS space: exact counts against brute force, the paper's figures, expand, encodings."""

import numpy as np
import pytest

from naslib_mini import spaces
from naslib_mini.ops import OPS
from naslib_mini.spaces import nasnet, pnas
from naslib_mini.spaces.nasnet import NasnetCell, NasnetError
from naslib_mini.spaces.pnas import PNAS_OPS


def test_the_8_ops_are_registered_and_nasnet_ops():
    assert len(PNAS_OPS) == len(set(PNAS_OPS)) == 8
    assert set(PNAS_OPS) <= set(OPS) and set(PNAS_OPS) <= set(nasnet.NASNET_OPS)


def test_paper_figures_exact():
    assert pnas.block_choices(1) == 256
    assert pnas.unique_first_blocks() == 136
    assert 256 * pnas.children_per_cell(2) == 256 * 3 ** 2 * 8 ** 2 == 147_456
    assert [256 * pnas.children_per_cell(b) for b in (3, 4, 5)] == [262_144, 409_600, 589_824]
    assert pnas.space_size(5, 8) == 556_627_761_561_600
    assert pnas.models_trained(5, 256, 8) == 136 + 4 * 256 == 1_160


@pytest.mark.parametrize("B,n_ops", [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)])
def test_counts_match_enumeration(B, n_ops):
    ops = PNAS_OPS[:n_ops]
    cells = list(nasnet.enumerate_cells(B, ops, ("add",)))
    assert len(cells) == len(set(cells)) == pnas.space_size(B, n_ops)
    # growing cell by cell through expand gives the same set
    grown = pnas.first_cells(ops, unique=False)
    for _ in range(B - 1):
        grown = [k for c in grown for k in pnas.expand(c, ops)]
    assert set(grown) == set(cells)
    last = {c.blocks[:-1] for c in cells}  # every parent has the same number of children
    assert len(cells) == len(last) * pnas.children_per_cell(B, n_ops)


@pytest.mark.parametrize("n_ops", [1, 2, 3, 8])
def test_unique_first_blocks_by_canonical_forms(n_ops):
    cells = list(nasnet.enumerate_cells(1, PNAS_OPS[:n_ops], ("add",)))
    assert len(cells) == pnas.block_choices(1, n_ops)
    assert len({c.canonical() for c in cells}) == pnas.unique_first_blocks(n_ops)
    firsts = pnas.first_cells(PNAS_OPS[:n_ops])
    assert len(firsts) == len({c.canonical() for c in firsts}) == pnas.unique_first_blocks(n_ops)


def test_models_trained_is_first_cells_plus_beam():
    assert pnas.models_trained(B=3, K=10, n_ops=2) == len(pnas.first_cells(PNAS_OPS[:2])) + 2 * 10


def test_expand_children_valid_one_more_block():
    rng = np.random.default_rng(0)
    for B in (1, 2, 4):
        cell = spaces.get("pnas", B=B).sample(rng)
        kids = pnas.expand(cell)
        assert len(kids) == len(set(kids)) == pnas.children_per_cell(B + 1) == (B + 2) ** 2 * 64
        for k in kids:
            assert isinstance(k, NasnetCell) and k.B == B + 1 and k.blocks[:B] == cell.blocks
            assert k.blocks[-1].combine == "add" and {k.blocks[-1].op1, k.blocks[-1].op2} <= set(PNAS_OPS)
            assert NasnetCell.from_string(k.to_string()) == k
        uniq = pnas.expand(cell, unique=True)
        m = (B + 2) * 8
        assert len(uniq) == len({k.canonical() for k in kids}) == m * (m + 1) // 2
    with pytest.raises(NasnetError):
        pnas.expand("add(skip_connect~0,skip_connect~1)")


def test_sample_is_valid_and_seeded():
    a = [spaces.get("pnas", B=5).sample(np.random.default_rng(3)) for _ in range(2)]
    assert a[0] == a[1] and a[0].B == 5
    rng = np.random.default_rng(1)
    for _ in range(50):
        c = spaces.get("pnas", B=int(rng.integers(1, 6))).sample(rng)
        assert all(k.combine == "add" and k.op1 in PNAS_OPS and k.op2 in PNAS_OPS for k in c.blocks)


def test_encodings():
    V = pnas.vocab_size()
    assert V == 5 + 2 + 8
    rng = np.random.default_rng(2)
    for B in range(1, 6):
        c = spaces.get("pnas", B=B).sample(rng)
        toks, blocks = pnas.encode_tokens(c), pnas.encode_blocks(c)
        assert len(toks) == 4 * B and len(blocks) == B
        assert all(0 <= t < V for t in toks)
        for b, (k, (i1, i2, o1, o2)) in enumerate(zip(c.blocks, blocks)):
            assert (i1, i2, PNAS_OPS[o1], PNAS_OPS[o2]) == (k.in1, k.in2, k.op1, k.op2)
            assert toks[4 * b: 4 * b + 4] == [i1, i2, 7 + o1, 7 + o2]
            assert max(i1, i2) <= b + 1  # inputs stay below the op tokens
    c = NasnetCell(((0, 1, "sep_conv_3x3", "dil_conv_3x3"), (2, 0, "skip_connect", "max_pool_3x3")))
    assert pnas.encode_tokens(c) == [0, 1, 7, 14, 2, 0, 11, 13]
    with pytest.raises(NasnetError):  # conv_3x3 is a NASNet op, not a PNAS op
        pnas.encode_blocks(NasnetCell(((0, 1, "conv_3x3", "skip_connect"),)))
    with pytest.raises(NasnetError):
        pnas.encode_tokens(spaces.get("pnas", B=6).sample(rng))
