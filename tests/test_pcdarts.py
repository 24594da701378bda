"""PC-DARTS: partial channels (K = 1 is the plain mixed op; K > 1 against a from-scratch
edge) in both supernets, edge normalisation weights, the derivation against a port of the
official genotype(), the method through search() on both spaces, and largest_batch against
brute force."""
import numpy as np
import pytest
import torch

from naslib_mini import data
from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.oneshot.config import PCDARTSConfig
from naslib_mini.oneshot.derive import darts_cell
from naslib_mini.oneshot.nb201_supernet import NB201SearchCell, NB201SuperNet
from naslib_mini.oneshot.pcdarts import PCDARTS
from naslib_mini.oneshot.profiling import largest_batch, saved_tensor_bytes
from naslib_mini.oneshot.search import search
from naslib_mini.oneshot.search_cnn import SearchCNN, channel_shuffle, darts_edges, edge_softmax
from naslib_mini.oneshot.supernet import Mixing
from naslib_mini.spaces import nb201
from naslib_mini.train import Callback

CFG = PCDARTSConfig.PAPER.replace(warmup_epochs=0)


def cell(weights=None, edge_weights=None):
    return {"cell": Mixing(weights, edge_weights=edge_weights)}


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, t, loss):
        if t.step == self.step:
            raise KeyboardInterrupt


def _val(n=16):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_nb201_partial_channels_K1_is_the_plain_supernet():
    torch.manual_seed(0)
    plain = NB201SuperNet(C=8, in_channels=1).eval()
    torch.manual_seed(0)
    k1 = NB201SuperNet(C=8, in_channels=1, K=1).eval()
    assert plain.state_dict().keys() == k1.state_dict().keys()
    k1.load_state_dict(plain.state_dict())
    x, w = torch.randn(2, 1, 8, 8), torch.softmax(torch.randn(6, 5), -1)
    assert torch.equal(plain(x, cell(w)), k1(x, cell(w)))
    assert torch.allclose(k1(x, cell(w, torch.ones(6))), plain(x, cell(w)), atol=1e-6)


def test_nb201_partial_channels_from_scratch():
    torch.manual_seed(0)
    cell = NB201SearchCell(8, K=4).eval()
    assert cell.edges[0].mixed.ops[2][1].in_channels == 2  # nor_conv_1x1 sees C/K channels
    x, w = torch.randn(2, 8, 5, 5), torch.softmax(torch.randn(6, 5), -1)
    ew = edge_softmax(torch.randn(6), n_nodes=3, n_inputs=1)
    nodes = [x]
    for j in range(1, 4):
        total = 0
        for e, (i, t) in enumerate(nb201.EDGES):
            if t == j:
                y = sum(w[e, o] * cell.edges[e].mixed.ops[o](nodes[i][:, :2]) for o in range(5))
                total = total + ew[e] * channel_shuffle(torch.cat([y, nodes[i][:, 2:]], 1), 4)
        nodes.append(total)
    assert torch.allclose(cell(x, Mixing(w, edge_weights=ew)), nodes[-1], atol=1e-6)
    with pytest.raises(nb201.NB201Error, match="divisible"):
        NB201SuperNet(C=6, K=4)
    with pytest.raises(ValueError, match="edge_weights"):
        NB201SuperNet(C=4, in_channels=1)(torch.randn(1, 1, 8, 8),
                                          {"cell": Mixing(w, edge_weights=torch.ones(5))})


def test_darts_space_partial_channels_K1_equals_the_plain_network():
    torch.manual_seed(0)
    plain = SearchCNN(C=4, layers=3, in_channels=1).eval()
    torch.manual_seed(0)
    k1 = SearchCNN(C=4, layers=3, in_channels=1, K=1).eval()
    k1.load_state_dict(plain.state_dict())
    x, w = torch.randn(2, 1, 8, 8), torch.softmax(torch.randn(14, 8), -1)
    mix = {"normal": Mixing(w), "reduce": Mixing(w)}
    assert torch.equal(plain(x, mix), k1(x, mix))


@pytest.mark.parametrize("space", ["darts", "nb201"])
def test_edge_normalisation_weights(space):
    torch.manual_seed(0)
    net = (SearchCNN(C=4, layers=3, in_channels=1, K=2) if space == "darts"
           else NB201SuperNet(C=4, in_channels=1, K=2))
    pc = PCDARTS(net, _val(), CFG.replace(init_scale=1.0), device="cpu")
    E = 14 if space == "darts" else 6
    edges = darts_edges() if space == "darts" else nb201.EDGES
    assert all(b.shape == (E,) for b in pc.betas.values())
    assert len(pc.arch_parameters()) == 2 * len(pc.alphas)
    mix = pc.mixing(detach=False)
    for kind, ew in ((k, m.edge_weights) for k, m in mix.items()):
        for node in {d for _, d in edges}:
            into = [e for e, (_, d) in enumerate(edges) if d == node]
            assert torch.isclose(ew[into].sum(), torch.tensor(1.0))
            assert torch.allclose(ew[into], pc.betas[kind][into].softmax(0))
    # the betas get a gradient from the loss through the edge weights
    loss = torch.nn.functional.cross_entropy(pc.logits(_val()[0], detach=False), _val()[1])
    loss.backward()
    grads = [b.grad for b in pc.betas.values()]
    assert all(g is not None and g.abs().sum() > 0 for g in grads)
    off = PCDARTS(net, _val(), CFG.replace(edge_norm=False), device="cpu")
    assert off.betas == {} and all(m.edge_weights is None for m in off.mixing().values())
    assert off.arch_parameters() == [a for a in off.alphas.values()]


def _official_parse(W, W2):
    """model_search.py genotype()._parse, ported: edge strength = max over ops other than
    'none' of softmax(alpha) * softmax(beta); top-2 edges per node; their best ops."""
    gene, n, start = set(), 2, 0
    none = DARTS_PRIMITIVES.index("none")
    for i in range(4):
        Wn = W[start:start + n] * W2[start:start + n, None]
        edges = sorted(range(i + 2), key=lambda x: -max(Wn[x][k] for k in range(8) if k != none))[:2]
        for j in edges:
            k_best = max((k for k in range(8) if k != none), key=lambda k: Wn[j][k])
            gene.add((j, i + 2, DARTS_PRIMITIVES[k_best]))
        start, n = start + n, n + 1
    return gene


def test_derivation_ranks_edges_by_beta_times_alpha_as_the_official_code():
    net = SearchCNN(C=4, layers=3, in_channels=1, K=2)
    for seed in range(20):
        pc = PCDARTS(net, _val(), CFG.replace(init_scale=1.0), device="cpu", seed=seed)
        g = pc.derive()
        w, ew = pc.arch_weights(True), pc.edge_weights(True)
        for kind in ("normal", "reduce"):
            ref = _official_parse(w[kind].numpy(), ew[kind].numpy())
            assert set(getattr(g, kind).edges) == ref
            assert getattr(g, kind) == darts_cell(w[kind], edge_weights=ew[kind])
    # without edge normalisation: the DARTS rule
    off = PCDARTS(net, _val(), CFG.replace(init_scale=1.0, edge_norm=False), device="cpu")
    assert off.derive().normal == darts_cell(off.arch_weights(True)["normal"])


def test_pcdarts_through_search_on_both_spaces_and_resume(tmp_path):
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=32)
    kw = dict(seed=0, progress=False, evaluate=False)
    cfg = CFG.replace(num_epochs=2, batch_size=16, arch_lr=0.05, beta_lr=0.05, C=4, layers=1, K=2)
    nb = search("nb201", "pcdarts", d, cfg, **kw)
    assert nb.method == "pcdarts" and nb.supernet.K == 2 and len(nb.arch) == 6
    assert all(op in nb201.OPS for op in nb.arch)
    assert nb.searcher.betas["cell"][1:].abs().max() > 1e-2  # trained (edge 0 is alone: no gradient)
    assert "edge_weights" in nb.searcher.snapshots[-1]
    ck = tmp_path / "pc.pt"
    with pytest.raises(KeyboardInterrupt):  # stopped after the first epoch's last batch
        search("nb201", PCDARTS, d, cfg, [InterruptAt(1)], checkpoint=ck, **kw)
    resumed = search("nb201", PCDARTS, d, cfg, checkpoint=ck, **kw)
    assert torch.equal(resumed.searcher.betas["cell"], nb.searcher.betas["cell"])
    assert resumed.arch == nb.arch
    ds = search("darts", "pcdarts", d, cfg.replace(num_epochs=1, layers=3, K=4), **kw)
    assert ds.supernet.cells[0].edges[0].K == 4
    assert ds.arch.normal == darts_cell(ds.searcher.arch_weights(True)["normal"],
                                        edge_weights=ds.searcher.edge_weights(True)["normal"])


def test_largest_batch_against_brute_force():
    def brute(f, budget):
        return max([B for B in range(0, 70000) if B == 0 or f(B) <= budget])

    for a, b in [(1000, 37), (0, 1), (5000, 123.5)]:
        f = lambda B, a=a, b=b: a + b * B  # noqa: E731
        for budget in (900, 1000 + 37 * 64, 1000 + 37 * 64 - 1, 60000):
            assert largest_batch(f, budget) == brute(f, budget)
    g = lambda B: 4096 * -(-(300 + 70 * B) // 4096)  # noqa: E731  (allocator-like rounding)
    for budget in (4096, 50000, 123456):
        assert largest_batch(g, budget) == brute(g, budget)
    net = SearchCNN(C=4, layers=3, in_channels=1, K=2)
    pc = PCDARTS(net, _val(), CFG, device="cpu")
    mem = lambda B: saved_tensor_bytes(lambda: pc.logits(torch.randn(B, 1, 8, 8)))[1]  # noqa: E731
    budget = mem(20)
    assert largest_batch(mem, budget, b1=4, b2=12) == 20
    with pytest.raises(ValueError, match="b1 < b2"):
        largest_batch(mem, budget, b1=8, b2=8)
    assert np.isfinite(budget)
