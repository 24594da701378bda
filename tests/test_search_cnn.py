"""The DARTS search network: shapes, the mixing it computes, and the extension points that
P-DARTS and PC-DARTS use (per-edge candidates, partial channels, edge weights, skip dropout,
any depth from the same weights)."""
import pytest
import torch

from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.oneshot.search_cnn import (SearchCNN, SearchEdge, channel_shuffle, darts_edges,
                                            edge_softmax)
from naslib_mini.oneshot.supernet import Mixing


def mix(wn=None, wr=None, index_n=None, index_r=None, ew_n=None, ew_r=None):
    """The per-cell-type mixing of one forward pass (supernet.Mixing)."""
    return {"normal": Mixing(wn, index_n, ew_n), "reduce": Mixing(wr, index_r, ew_r)}


def _net(**kw):
    torch.manual_seed(0)
    kw = {"C": 4, "layers": 3, "num_classes": 10, "in_channels": 1, **kw}
    return SearchCNN(**kw)


def test_edges_counted():
    assert len(darts_edges()) == 14  # 2 + 3 + 4 + 5
    for n in range(1, 7):
        assert len(darts_edges(n)) == 2 * n + n * (n - 1) // 2
    assert darts_edges(2) == ((0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


def test_shapes_cell_types_and_spec():
    net = _net(C=2)
    assert net.reductions == (1, 2) and net.cell_types == ("normal", "reduce")
    assert net.arch_spec() == {"normal": [8] * 14, "reduce": [8] * 14}
    w = torch.softmax(torch.randn(14, 8), -1)
    assert net(torch.randn(2, 1, 8, 8), mix(w, w)).shape == (2, 10)
    flat = _net(C=2, layers=1)
    assert flat.cell_types == ("normal",) and flat(torch.randn(2, 1, 4, 4), mix(w)).shape == (2, 10)


def test_list_of_rows_equals_matrix_and_one_hot_equals_index():
    net = _net(C=2).eval()
    x = torch.randn(2, 1, 4, 4)
    wn, wr = torch.softmax(torch.randn(14, 8), -1), torch.softmax(torch.randn(14, 8), -1)
    assert torch.allclose(net(x, mix(wn, wr)), net(x, mix(list(wn), list(wr))), atol=1e-6)
    idx_n, idx_r = torch.randint(0, 8, (14,)).tolist(), torch.randint(0, 8, (14,)).tolist()
    hot = lambda idx: torch.zeros(14, 8).scatter(1, torch.tensor(idx)[:, None], 1.0)  # noqa: E731
    single = net(x, mix(index_n=idx_n, index_r=idx_r))
    assert torch.allclose(net(x, mix(hot(idx_n), hot(idx_r))), single, atol=1e-5)
    assert torch.allclose(net(x, mix(hot(idx_n), hot(idx_r), idx_n, idx_r)), single, atol=1e-5)


def test_mixing_is_the_weighted_sum_with_pool_batchnorm():
    torch.manual_seed(0)
    edge = SearchEdge(4, 1, DARTS_PRIMITIVES).eval()
    x, w = torch.randn(2, 4, 6, 6), torch.softmax(torch.randn(8), 0)
    assert torch.allclose(edge(x, w), sum(w[k] * edge.mixed.ops[k](x) for k in range(8)), atol=1e-6)
    pool = edge.mixed.ops[DARTS_PRIMITIVES.index("avg_pool_3x3")]
    assert isinstance(pool[1], torch.nn.BatchNorm2d) and not pool[1].affine  # as model_search.py


def test_per_edge_primitives():
    prims = [DARTS_PRIMITIVES[: 2 + e % 5] for e in range(14)]  # 2..6 ops per edge
    net = _net(C=2, primitives=prims, primitives_reduce=("skip_connect", "sep_conv_3x3", "max_pool_3x3"))
    assert net.arch_spec()["normal"] == [len(p) for p in prims]
    assert net.arch_spec()["reduce"] == [3] * 14
    wn = [torch.softmax(torch.randn(len(p)), 0) for p in prims]
    assert net(torch.randn(2, 1, 4, 4), mix(wn, torch.softmax(torch.randn(14, 3), -1))).shape == (2, 10)


def test_bad_weights_are_refused_clearly():
    net = _net(C=2)
    x, w = torch.randn(1, 1, 4, 4), torch.softmax(torch.randn(14, 8), -1)
    with pytest.raises(ValueError, match="14 rows"):
        net(x, mix(w[:13], w))
    with pytest.raises(ValueError, match="edge 0 has 8 ops"):
        net(x, mix(torch.ones(14, 7), w))
    with pytest.raises(ValueError, match="need mixing weights"):
        net(x, mix(w))
    with pytest.raises(ValueError, match="per-edge op lists"):
        _net(primitives=[DARTS_PRIMITIVES] * 13)
    with pytest.raises(ValueError, match="unknown op"):
        _net(primitives=("none", "sep_conv_9x9"))


def test_partial_channels_K1_is_plain_darts_and_bypass_is_untouched():
    torch.manual_seed(0)
    x, w = torch.randn(2, 8, 6, 6), torch.softmax(torch.randn(8), 0)
    plain = SearchEdge(8, 1, DARTS_PRIMITIVES, K=1).eval()
    assert torch.allclose(plain(x, w), plain.mixed(x, w))
    pc = SearchEdge(8, 1, DARTS_PRIMITIVES, K=4).eval()
    y = pc(x, w)
    assert y.shape == x.shape and pc.mixed.ops[4][0][1].in_channels == 2  # C/K through the ops
    # undo the shuffle: channel k*K + g came from group g, position k
    unshuffled = channel_shuffle(y, 8 // 4)
    assert torch.equal(unshuffled[:, 2:], x[:, 2:])  # the other 3/4 pass by unchanged
    assert torch.allclose(unshuffled[:, :2], pc.mixed(x[:, :2], w), atol=1e-6)
    red = SearchEdge(8, 2, DARTS_PRIMITIVES, K=4).eval()
    assert red(x, w).shape == (2, 8, 3, 3)
    with pytest.raises(ValueError, match="divisible"):
        SearchEdge(6, 1, DARTS_PRIMITIVES, K=4)


def test_channel_shuffle_is_a_permutation():
    x = torch.arange(12.0).view(1, 12, 1, 1)
    y = channel_shuffle(x, 3)
    assert sorted(y.flatten().tolist()) == x.flatten().tolist()
    assert y.flatten().tolist()[:4] == [0.0, 4.0, 8.0, 1.0]
    assert torch.equal(channel_shuffle(y, 4), x)  # shuffling by C/groups undoes it


def test_edge_weights_scale_each_edge():
    beta = torch.randn(14)
    ew = edge_softmax(beta)
    for node in range(4):
        rows = [e for e, (_, d) in enumerate(darts_edges()) if d == node + 2]
        assert torch.isclose(ew[rows].sum(), torch.tensor(1.0))
    net = _net(C=2).eval()
    x, w = torch.randn(2, 1, 4, 4), torch.softmax(torch.randn(14, 8), -1)
    ones = torch.ones(14)
    assert torch.allclose(net(x, mix(w, w, ew_n=ones, ew_r=ones)), net(x, mix(w, w)))
    assert not torch.allclose(net(x, mix(w, w, ew_n=ew, ew_r=ones)), net(x, mix(w, w)))


def test_skip_dropout():
    net = _net(C=2)
    w = torch.zeros(14, 8)
    w[:, DARTS_PRIMITIVES.index("skip_connect")] = 1.0  # normal cells: only skips
    x = torch.randn(4, 1, 4, 4)
    net.eval()
    ref = net(x, mix(w, w))
    net.set_skip_dropout(0.5)
    assert torch.allclose(net(x, mix(w, w)), ref)  # no dropout in evaluation
    net.train()
    torch.manual_seed(1)
    a = net(x, mix(w, w))
    net.set_skip_dropout(0.0)
    torch.manual_seed(1)
    assert not torch.allclose(a, net(x, mix(w, w)))


def test_any_depth_from_the_same_weights():
    w = torch.softmax(torch.randn(14, 8), -1)
    for layers in (3, 5, 8):
        net = _net(layers=layers, C=2)
        assert len(net.cells) == layers and sum(c.reduction for c in net.cells) == 2
        if layers < 8:
            assert net(torch.randn(2, 1, 4, 4), mix(w, w)).shape == (2, 10)


def test_derive_is_the_darts_rule_per_cell_type_with_edge_weights():
    from naslib_mini.oneshot.derive import darts_cell
    net = _net(C=2)
    wn, wr, ew = torch.softmax(torch.randn(14, 8), -1), torch.softmax(torch.randn(14, 8), -1), torch.rand(14)
    g = net.derive({"normal": wn, "reduce": wr}, {"normal": ew})
    assert g.normal == darts_cell(wn, edge_weights=ew) and g.reduce == darts_cell(wr)
    assert net.edge_groups() == {"normal": [2, 3, 4, 5], "reduce": [2, 3, 4, 5]}
