"""The NAS-Bench-201 space: exact round trips, a strict parser, the equivalence classes,
the search-space interface and the network's shapes and gradients."""
import numpy as np
import pytest
import torch

from naslib_mini.spaces import nb201

NB201 = nb201.NB201Space()

EXAMPLE = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
NONE = ("none",) * 6


def test_constants():
    assert nb201.NUM_CELLS == len(nb201.OPS) ** len(nb201.EDGES) == 15625
    assert nb201.EDGES == ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


def test_round_trips_all_cells():
    for i in range(nb201.NUM_CELLS):
        ops = nb201.index_to_ops(i)
        s = nb201.ops_to_string(ops)
        assert nb201.to_ops(s) == ops
        assert nb201.ops_to_index(ops) == i
        assert nb201.to_ops(s) == nb201.to_ops(list(ops)) == nb201.to_ops(np.int64(i)) == ops


def test_index_convention_and_example():
    ops = nb201.to_ops(EXAMPLE)
    assert ops == ("nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_3x3",
                   "nor_conv_3x3")
    assert nb201.ops_to_string(ops) == EXAMPLE
    digits = [nb201.OPS.index(op) for op in ops]  # base 5, first edge most significant
    assert nb201.ops_to_index(ops) == sum(d * 5 ** (5 - e) for e, d in enumerate(digits))
    assert nb201.index_to_ops(0) == NONE
    assert nb201.index_to_ops(1)[-1] == nb201.OPS[1] and nb201.index_to_ops(5 ** 5)[0] == nb201.OPS[1]


@pytest.mark.parametrize("bad,words", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "3 groups"),
    (EXAMPLE + "+|none~0|", "3 groups"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "expected 2"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "'|'"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3 1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "'~'"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~1|avg_pool_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "increasing order"),
    ("|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "forward-pointing"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~x|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "integer source"),
    ("|conv3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "did you mean 'nor_conv_3x3'"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|__import__~2|",
     "unknown op '__import__'"),
])
def test_malformed_strings(bad, words):
    with pytest.raises(nb201.NB201Error) as err:
        nb201.to_ops(bad)
    assert words.lower() in str(err.value).lower()


@pytest.mark.parametrize("bad", [-1, 15625, ("none",) * 5, ("none",) * 5 + ("conv",), 3.0, None])
def test_bad_cells(bad):
    with pytest.raises(nb201.NB201Error):
        nb201.to_ops(bad)


def test_classes_partition_the_space():
    classes = nb201.equivalence_classes()
    flat = np.concatenate([np.asarray(c) for c in classes])
    assert np.array_equal(np.sort(flat), np.arange(nb201.NUM_CELLS))
    assert all(c == sorted(c) for c in classes)
    assert [c[0] for c in classes] == sorted(c[0] for c in classes)
    assert isinstance(nb201.num_unique(), int) and nb201.num_unique() == len(classes)
    for k, c in enumerate(classes):
        keys = {nb201.canonical(i) for i in c}
        assert len(keys) == 1
        assert nb201.class_of(c[-1]) == c and nb201.class_id(c[0]) == k
    assert len({nb201.canonical(c[0]) for c in classes}) == len(classes)


def test_swapping_nodes_1_and_2_is_equivalent():
    # 0 -conv3-> 1 -skip-> 3 and 0 -pool-> 2 -conv1-> 3, then the same with 1 and 2 exchanged
    a = ("nor_conv_3x3", "avg_pool_3x3", "none", "none", "skip_connect", "nor_conv_1x1")
    b = ("avg_pool_3x3", "nor_conv_3x3", "none", "none", "nor_conv_1x1", "skip_connect")
    assert nb201.canonical(a) == nb201.canonical(b)
    assert nb201.ops_to_index(b) in nb201.class_of(a)
    # a single chain through node 2 equals the chain through node 1
    c = ("none", "nor_conv_3x3", "none", "none", "none", "avg_pool_3x3")
    d = ("nor_conv_3x3", "none", "none", "none", "avg_pool_3x3", "none")
    assert nb201.canonical(c) == nb201.canonical(d)
    # but different ops on the chain differ
    assert nb201.canonical(c) != nb201.canonical(d[:4] + ("nor_conv_1x1", "none"))


def test_dead_edges_do_not_matter():
    # node 1 has no input (0->1 is none), so its edges 1->2 and 1->3 are dead
    base = ("none", "nor_conv_3x3", "nor_conv_1x1", "skip_connect", "avg_pool_3x3", "nor_conv_3x3")
    other = ("none", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "skip_connect", "nor_conv_3x3")
    assert nb201.canonical(base) == nb201.canonical(other)
    # node 2 feeds nothing (2->3 is none), so the edges into it are dead
    x = ("nor_conv_3x3", "nor_conv_1x1", "skip_connect", "nor_conv_3x3", "none", "none")
    y = ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_3x3", "nor_conv_3x3", "none", "none")
    assert nb201.canonical(x) == nb201.canonical(y) == ((0, 3, "nor_conv_3x3"),)


def test_disconnected_cells_form_one_class():
    assert not nb201.is_connected(NONE)
    assert nb201.canonical(NONE) == ()
    cut = ("nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "none", "none")  # nothing into 3
    assert not nb201.is_connected(cut) and nb201.ops_to_index(cut) in nb201.class_of(0)
    assert nb201.is_connected(EXAMPLE)
    assert all(not nb201.is_connected(i) for i in nb201.class_of(NONE))


def test_sample_mutate_neighbours_encode():
    a = [NB201.sample(np.random.default_rng(7)) for _ in range(2)]
    assert a[0] == a[1] and len(a[0]) == 6 and all(op in nb201.OPS for op in a[0])
    rng = np.random.default_rng(0)
    for _ in range(100):
        ops = NB201.sample(rng)
        m = NB201.mutate(ops, rng)
        assert sum(x != y for x, y in zip(ops, m)) == 1
    nb = NB201.neighbours(EXAMPLE)
    assert len(nb) == len(set(nb)) == 24
    ops = nb201.to_ops(EXAMPLE)
    assert all(sum(x != y for x, y in zip(ops, n)) == 1 for n in nb)
    x = NB201.encode(ops)
    assert x.shape == (30,) and x.dtype == np.float32
    assert np.array_equal(x.reshape(6, 5).sum(1), np.ones(6))
    assert [nb201.OPS[k] for k in x.reshape(6, 5).argmax(1)] == list(ops)


@pytest.mark.parametrize("shape,C,N", [((2, 1, 8, 8), 4, 1), ((2, 3, 32, 32), 4, 1)])
def test_network_forward_and_backward(shape, C, N):
    torch.manual_seed(0)
    cells = [NONE, EXAMPLE, *(NB201.sample(np.random.default_rng(s)) for s in range(2))]
    X, y = torch.randn(*shape), torch.tensor([0, 1])
    for cell in cells:
        net = nb201.NB201Network(cell, C=C, N=N, num_classes=10, in_channels=shape[1])
        logits = net(X)
        assert logits.shape == (2, 10) and torch.isfinite(logits).all()
        torch.nn.functional.cross_entropy(logits, y).backward()
        assert net.classifier.weight.grad is not None
        if nb201.is_connected(cell):
            assert net.stem[0].weight.grad is not None
        else:  # every cell outputs zeros: the net ignores its input, logits are constant
            assert net.stem[0].weight.grad is None
            assert torch.allclose(logits[0], logits[1])


def test_cell_and_resblock_shapes():
    x = torch.randn(2, 4, 8, 8)
    assert nb201.NB201Cell(EXAMPLE, 4)(x).shape == (2, 4, 8, 8)
    assert nb201.NB201Cell(NONE, 4)(x).abs().sum() == 0
    assert nb201.ResBlock(4, 8)(x).shape == (2, 8, 4, 4)
    assert nb201.ResBlock(4, 8)(torch.randn(2, 4, 7, 7)).shape == (2, 8, 4, 4)


def test_paper_scale_parameter_count():
    # NAS-Bench-201 reports ~1.53M for its largest cell (all nor_conv_3x3) with 10 classes
    net = nb201.NB201Network(("nor_conv_3x3",) * 6, C=16, N=5)
    n = sum(p.numel() for p in net.parameters())
    assert 1.4e6 < n < 1.6e6
    assert sum(p.numel() for p in nb201.NB201Network(NONE).parameters()) < n / 10


def test_to_cell_round_trips_through_the_general_cell_string():
    ex = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    cell = nb201.to_cell(ex)
    assert cell.to_string() == ex
    assert cell.output_nodes == (3,)
    for i in (0, 1234, 15624):
        assert nb201.to_ops(nb201.to_cell(i).to_string()) == nb201.index_to_ops(i)


@pytest.mark.parametrize("stages", [1, 2, 3])
def test_network_stages(stages):
    net = nb201.NB201Network(nb201.index_to_ops(11793), C=4, N=1, num_classes=10, in_channels=1,
                             stages=stages)
    assert net(torch.randn(2, 1, 8, 8)).shape == (2, 10)
    assert net.classifier.in_features == 4 * 2 ** (stages - 1)
    with pytest.raises(nb201.NB201Error, match="stages"):
        nb201.NB201Network(nb201.index_to_ops(0), stages=4)
