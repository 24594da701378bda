"""Facts about the NAS-Bench-201 space that the docs state, computed: NAS-Bench-201's own
canonical string against our classes (not nested), and where "cells of one class compute the
same function" stops holding (a conv on a zero node outputs BatchNorm's shift)."""
import csv
import os

import numpy as np
import pytest
import torch

from naslib_mini.spaces import nb201

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.environ.get("NASLIB_MINI_NB201_SRC", os.path.join(ROOT, "..", "shared", "data", "nb201"))
CSV = os.path.join(SRC, "nats_tss_200ep_test.csv")
NONE = ("none",) * 6


# ------------------------------------------------------------------ NAS-Bench-201's unique string
def test_unique_str_by_hand():
    # two rows of NATS-Bench's table (arch string -> its "unique string" column), by hand:
    a = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    assert nb201.unique_str(a, True) == \
        "(0)@avg_pool_3x3+(0)@avg_pool_3x3+(0)@nor_conv_1x1+(0)@nor_conv_1x1"
    b = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    assert nb201.unique_str(b, True) == \
        "((0)@nor_conv_3x3)@avg_pool_3x3+(0)@nor_conv_3x3+((0)@nor_conv_3x3)@nor_conv_3x3+0"
    # zeros: '#' per 'none' edge, kept in the sum; dropped with drop_zeros
    c = ("nor_conv_3x3", "none", "none", "none", "skip_connect", "none")
    assert nb201.unique_str(c, True) == "#+#+(0)@nor_conv_3x3"
    assert nb201.unique_str(c, True, drop_zeros=True) == "(0)@nor_conv_3x3"
    # node 2 = (node 1)@none + (0)@none; node 3 = (0)@none + node 1 (skip) + (node 2)@none
    assert nb201.unique_str(c, False) == \
        "(((0)@nor_conv_3x3)@none+(0)@none)@none+(0)@none+(0)@nor_conv_3x3"
    assert nb201.unique_str(NONE, True, drop_zeros=True) == "#"
    # consider_zero=None: every op is a term, 'none' and skip included
    assert nb201.unique_str(NONE, None) == \
        "(((0)@none)@none+(0)@none)@none+((0)@none)@none+(0)@none"


def test_unique_str_errors():
    with pytest.raises(ValueError, match="consider_zero"):
        nb201.unique_str(0, consider_zero="yes")
    with pytest.raises(ValueError, match="drop_zeros"):
        nb201.unique_str(0, consider_zero=False, drop_zeros=True)
    with pytest.raises(nb201.NB201Error):
        nb201.unique_str("not a cell")


def test_partitions_are_not_nested():
    """NAS-Bench-201's 6,466 is neither coarser nor finer than our 8,765."""
    theirs = nb201.compare_partitions(consider_zero=True)
    assert theirs["ours"] == nb201.num_unique() == 8765
    assert theirs["theirs"] == 6466                       # the count NAS-Bench-201 reports
    assert theirs["ours_split"] == 685 and theirs["theirs_spanning"] == 1299
    assert not theirs["ours_refine"]
    multi = sum(len(c) > 1 for c in nb201.equivalence_classes())
    assert theirs["ours_split"] == multi                  # every class of ours with 2+ cells
    dropped = nb201.compare_partitions(consider_zero=True, drop_zeros=True)
    assert dropped["theirs"] == 5390 and dropped["ours_split"] == 0 and dropped["ours_refine"]
    assert dropped["theirs_spanning"] > 0                 # ours strictly finer
    assert nb201.compare_partitions(consider_zero=None)["theirs"] == nb201.NUM_CELLS


def test_unique_str_agrees_with_nats_bench_table():
    if not os.path.exists(CSV):
        pytest.skip(f"{CSV} absent (CI has ../shared beside the clone; set NASLIB_MINI_NB201_SRC "
                    "to point elsewhere)")
    with open(CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == nb201.NUM_CELLS
    bad = [r["ArchitectureString"] for r in rows
           if nb201.unique_str(r["ArchitectureString"], True) != r["UniqueString"]]
    assert not bad, f"{len(bad)} cells disagree, e.g. {bad[:2]}"
    assert len({r["UniqueString"] for r in rows}) == 6466


# ------------------------------------------------------------------ BatchNorm's shift
DEAD = ("none", "nor_conv_3x3", "nor_conv_1x1", "none", "none", "skip_connect")
# node 1 is zero; edge 1->2 is a conv on it; node 2 -> node 3 by skip: the conv's BN shift
# reaches the output, yet `canonical` drops the edge (same class as DEAD with 1->2 = 'none')
PRUNED = ("none", "nor_conv_3x3", "none", "none", "none", "skip_connect")


def test_bn_shift_edges_by_hand():
    assert nb201.canonical(DEAD) == nb201.canonical(PRUNED)
    assert nb201.bn_shift_edges(DEAD) == [(1, 2, "nor_conv_1x1")]
    assert nb201.bn_shift_edges(PRUNED) == []
    # a pool or skip on the zero node adds zero; a conv whose target never reaches node 3 is
    # harmless; a conv on a live node is not dead
    assert nb201.bn_shift_edges(DEAD[:2] + ("avg_pool_3x3",) + DEAD[3:]) == []
    assert nb201.bn_shift_edges(DEAD[:5] + ("none",)) == []
    assert nb201.bn_shift_edges(("nor_conv_3x3",) + DEAD[1:]) == []
    # disconnected cells too: node 3 = BN shift of a conv on the zero node 1
    assert nb201.bn_shift_edges(("none", "none", "none", "none", "nor_conv_3x3", "none")) == \
        [(1, 3, "nor_conv_3x3")]


def test_bn_shift_counts():
    cells = nb201.bn_shift_cells()
    classes = {nb201.class_id(int(k)) for k in cells}
    assert len(cells) == 2140 and len(classes) == 85
    # independent count: a node is zero iff no non-'none' path from node 0 reaches it
    n = 0
    for k in range(nb201.NUM_CELLS):
        ops = dict(zip(nb201.EDGES, nb201.index_to_ops(k)))
        live = {e for e, op in ops.items() if op != "none"}
        zero1 = (0, 1) not in live
        zero2 = (0, 2) not in live and ((1, 2) not in live or zero1)
        reaches3 = {1: (1, 3) in live or ((1, 2) in live and (2, 3) in live), 2: (2, 3) in live,
                    3: True}
        zero = {1: zero1, 2: zero2}
        n += any(ops[(i, j)] in nb201.CONVS and zero[i] and reaches3[j]
                 for (i, j) in nb201.EDGES if i > 0)
    assert n == len(cells)


def _pair(ops_a, ops_b, C=3, seed=0):
    """Two NB201Cells with the same weights on every edge where their ops agree."""
    torch.manual_seed(seed)
    a, b = nb201.NB201Cell(ops_a, C), nb201.NB201Cell(ops_b, C)
    for ea, eb, oa, ob in zip(a.edges, b.edges, ops_a, ops_b):
        if oa == ob:
            eb.load_state_dict(ea.state_dict())
    return a, b


def test_same_class_same_function_only_while_bn_shift_is_zero():
    x = torch.randn(4, 3, 5, 5)
    a, b = _pair(DEAD, PRUNED)
    for mode in (True, False):           # batch statistics, then running statistics
        a.train(mode), b.train(mode)
        assert torch.allclose(a(x), b(x), atol=1e-6)                  # beta = 0: equal
    bn = a.edges[nb201.EDGES.index((1, 2))][2]                       # ReLU, conv, BN
    with torch.no_grad():
        bn.bias.fill_(0.5)
    for mode in (True, False):
        a.train(mode), b.train(mode)
        assert torch.allclose(a(x) - b(x), torch.full_like(x, 0.5), atol=1e-5)


def test_pruning_is_exact_except_bn_shift_edges():
    """With random BN shifts on every edge, a cell and its pruned form (the edges `canonical`
    drops set to 'none') compute the same function unless it has a bn_shift edge."""
    rng = np.random.default_rng(0)
    shifted = set(nb201.bn_shift_cells().tolist())
    picks = list(rng.choice(sorted(shifted), 15, replace=False)) + \
        list(rng.choice(sorted(set(range(nb201.NUM_CELLS)) - shifted), 15, replace=False))
    x = torch.randn(4, 3, 5, 5)
    for k in picks:
        ops = nb201.index_to_ops(int(k))
        kept = {(i, j) for i, j, _ in nb201._pruned(ops)}  # what canonical keeps, unswapped
        pruned = tuple(op if e in kept else "none" for e, op in zip(nb201.EDGES, ops))
        assert nb201.canonical(pruned) == nb201.canonical(ops)
        a, b = _pair(ops, pruned, seed=int(k))
        for ea, eb in zip(a.edges, b.edges):
            for m in ea.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    torch.nn.init.normal_(m.bias)
            if list(eb.parameters()):  # a kept edge: the same weights, shift included
                eb.load_state_dict(ea.state_dict())
        same = torch.allclose(a(x), b(x), atol=1e-5)
        assert same == (int(k) not in shifted), nb201.ops_to_string(ops)
