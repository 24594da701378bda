"""DARTS: the derivation rule, the second-order hypergradient against exact autograd, an
architecture step that lowers the validation loss, and a search that resumes exactly."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from naslib_mini import data
from naslib_mini.genotypes import DARTS_PRIMITIVES, DARTS_V2, Cell, Genotype, GenotypeError
from naslib_mini.oneshot import bilevel
from naslib_mini.oneshot.config import DARTSConfig, PCDARTSConfig, TrainConfig
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.derive import darts_cell, op_share
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.mixed import MixedOp
from naslib_mini.oneshot.search import search
from naslib_mini.oneshot.search_cnn import darts_edges
from naslib_mini.oneshot.supernet import Supernet
from naslib_mini.train import Callback

NB = DARTSConfig.PAPER.replace(C=4, layers=1, order=1)  # the benchmark's one-cell network, first order


# ------------------------------------------------------------------ derivation
def _weights_for(cell: Cell, rng) -> torch.Tensor:
    """Mixing weights that encode `cell`: its edges strong, the rest weak, 'none' strongest on
    the edges the cell does not use (the rule must skip it)."""
    W = torch.tensor(rng.uniform(0.0, 0.05, (14, 8)), dtype=torch.float32)
    index = {e: k for k, e in enumerate(darts_edges())}
    for src, dst, op in cell.edges:
        W[index[src, dst], DARTS_PRIMITIVES.index(op)] = 0.5 + rng.uniform(0, 0.1)
    for e in range(14):
        W[e, 0] = 0.9  # 'none' may be the largest weight anywhere
    return W


def _by_source(cell: Cell):
    return [sorted(node, key=lambda e: e[1]) for node in cell.nodes]


def test_derivation_recovers_darts_v2():
    rng = np.random.default_rng(0)
    g = Genotype(darts_cell(_weights_for(DARTS_V2.normal, rng)), darts_cell(_weights_for(DARTS_V2.reduce, rng)))
    assert [list(n) for n in g.normal.nodes] == _by_source(DARTS_V2.normal)
    assert [list(n) for n in g.reduce.nodes] == _by_source(DARTS_V2.reduce)
    assert op_share(g) == op_share(DARTS_V2) == 2 / 8  # DARTS_V2 normal: two skips of 8 edges


def test_derivation_matches_brute_force():
    """Per node, the kept pair of predecessors maximises the sum of the edges' strongest
    non-'none' weights over all pairs, and each edge carries its argmax op."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        W = torch.tensor(rng.random((14, 8)))
        cell = darts_cell(W)
        e0 = 0
        for j, node in enumerate(cell.nodes):
            rows = W[e0:e0 + 2 + j, 1:]  # drop 'none'
            strength = rows.max(1).values
            best = max(itertools.combinations(range(2 + j), 2), key=lambda p: strength[list(p)].sum())
            assert [s for _, s in node] == sorted(best)
            for op, s in node:
                assert op == DARTS_PRIMITIVES[1 + int(rows[s].argmax())]
            e0 += 2 + j


def test_derivation_edge_weights_ties_and_errors():
    W = torch.full((14, 8), 0.1)
    cell = darts_cell(W)  # all ties: lowest sources, lowest op index after 'none'
    assert all([s for _, s in node] == [0, 1] for node in cell.nodes)
    assert {op for _, _, op in cell.edges} == {"max_pool_3x3"}
    ew = torch.ones(14)
    ew[2] = 0.0  # PC-DARTS edge weights: edge 0 -> 3 (the first edge into node 3) now ranks last
    assert [s for _, s in darts_cell(W, edge_weights=ew).nodes[1]] == [1, 2]
    assert [s for _, s in darts_cell(W, edge_weights=ew).nodes[0]] == [0, 1]  # only two inputs
    only_none = torch.zeros(14, 8)
    prims = [("none",)] * 14
    with pytest.raises(GenotypeError, match="other than 'none'"):
        darts_cell(only_none[:, :1], prims)
    with pytest.raises(ValueError, match="14 edges"):
        darts_cell(W[:10])


def test_derivation_with_per_edge_candidates():
    prims = [("none", "skip_connect", "sep_conv_3x3")] * 7 + [("max_pool_3x3", "dil_conv_5x5")] * 7
    W = [torch.tensor([0.9, 0.05, 0.05]) if len(p) == 3 else torch.tensor([0.2, 0.8]) for p in prims]
    cell = darts_cell(W, prims)
    assert "none" not in {op for _, _, op in cell.edges}
    assert cell.nodes[3] == (("dil_conv_5x5", 0), ("dil_conv_5x5", 1))


# ------------------------------------------------------------------ the hypergradient
class Tiny:
    """logits = sum_o softmax(alpha)_o f_o(X; W_o), two linear ops (one with tanh): small
    enough for exact second derivatives in float64."""

    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.W = [torch.randn(5, 3, generator=g, dtype=torch.float64).requires_grad_() for _ in range(2)]
        self.alpha = torch.randn(2, generator=g, dtype=torch.float64).requires_grad_()
        self.Xt, self.Xv = (torch.randn(16, 5, generator=g, dtype=torch.float64) for _ in range(2))
        self.yt, self.yv = (torch.randint(0, 3, (16,), generator=g) for _ in range(2))
        self.bufs = [0.1 * torch.randn(5, 3, generator=g, dtype=torch.float64) for _ in range(2)]

    def logits(self, X, W, alpha):
        w = alpha.softmax(0)
        return w[0] * (X @ W[0]) + w[1] * torch.tanh(X @ W[1])

    def train_loss(self):
        return F.cross_entropy(self.logits(self.Xt, self.W, self.alpha), self.yt)

    def val_loss(self):
        return F.cross_entropy(self.logits(self.Xv, self.W, self.alpha), self.yv)

    def exact(self, lr, momentum, wd):
        """d/d alpha of L_val(w'(alpha), alpha), w' = w - lr (mu m + grad_w L_train + wd w)."""
        g = torch.autograd.grad(self.train_loss(), self.W, create_graph=True)
        w_prime = [w - lr * (momentum * b + gi + wd * w) for w, gi, b in zip(self.W, g, self.bufs)]
        return torch.autograd.grad(F.cross_entropy(self.logits(self.Xv, w_prime, self.alpha), self.yv),
                                   self.alpha)[0]


@pytest.mark.parametrize("lr,momentum,wd", [(0.5, 0.0, 0.0), (0.5, 0.9, 3e-4), (2.0, 0.9, 1e-2)])
def test_second_order_hypergradient_matches_autograd(lr, momentum, wd):
    m = Tiny()
    exact = m.exact(lr, momentum, wd)
    W0 = [w.detach().clone() for w in m.W]
    fd = bilevel.second_order_grad(m.train_loss, m.val_loss, m.W, [m.alpha], lr,
                                   m.bufs if momentum else None, momentum, wd)[0]
    assert torch.allclose(fd, exact, rtol=1e-5, atol=1e-7)
    assert all(torch.equal(w, w0) for w, w0 in zip(m.W, W0))  # weights restored exactly
    first = bilevel.first_order_grad(m.val_loss, [m.alpha])[0]
    assert (first - exact).abs().max() > 100 * (fd - exact).abs().max()  # xi matters here


def test_finite_difference_hvp_and_the_precedence_bug():
    m = Tiny(1)
    gen = torch.Generator().manual_seed(0)
    v = [torch.randn(w.shape, generator=gen, dtype=w.dtype) for w in m.W]
    g_w = torch.autograd.grad(m.train_loss(), m.W, create_graph=True)
    exact = torch.autograd.grad(sum((g * vi).sum() for g, vi in zip(g_w, v)), m.alpha)[0]  # d/da (g_w . v)
    hvp = bilevel.finite_difference_hvp(m.train_loss, m.W, [m.alpha], v)[0]
    assert torch.allclose(hvp, exact, rtol=1e-4, atol=1e-6)  # central difference: O(eps^2)
    # the widely copied port: (g_pos - g_neg) / 2. * eps, i.e. divided by 2 then times eps
    g_pos, g_neg, eps = bilevel.arch_grads_at_offsets(m.train_loss, m.W, [m.alpha], v)
    buggy = (g_pos[0] - g_neg[0]) / 2. * eps
    assert not torch.allclose(buggy, exact, rtol=1e-2)
    # ... and the hypergradient built on it fails the autograd reference
    lr = 0.5
    exact_hyper = m.exact(lr, 0.0, 0.0)
    gs = torch.autograd.grad(m.train_loss(), m.W)
    w_prime = bilevel.unrolled_weights([w.detach() for w in m.W], gs, lr)
    with bilevel.swapped(m.W, w_prime):
        parts = bilevel.grads_or_zeros(m.val_loss(), [m.alpha, *m.W])
    g_pos, g_neg, eps = bilevel.arch_grads_at_offsets(m.train_loss, m.W, [m.alpha], parts[1:])
    buggy_hyper = parts[0] - lr * (g_pos[0] - g_neg[0]) / 2. * eps
    right_hyper = parts[0] - lr * (g_pos[0] - g_neg[0]) / (2 * eps)
    assert torch.allclose(right_hyper, exact_hyper, rtol=1e-5, atol=1e-7)
    assert not torch.allclose(buggy_hyper, exact_hyper, rtol=1e-3, atol=1e-4)


def test_unrolled_step_is_the_sgd_step():
    """w' equals what torch's SGD (momentum, weight decay) does from the same state."""
    torch.manual_seed(0)
    w = torch.randn(4, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=1e-2)
    for _ in range(2):  # build a momentum buffer, then predict the next step
        opt.zero_grad()
        (w ** 3).sum().backward()
        buf = opt.state[w].get("momentum_buffer")
        pred = bilevel.unrolled_weights([w.detach()], [w.grad], 0.1, [buf] if buf is not None else None,
                                        0.9, 1e-2)[0]
        opt.step()
        assert torch.allclose(w.detach(), pred, atol=1e-6)


# ------------------------------------------------------------------ search steps
class IdentityTask(Supernet):
    """A toy supernet: one mixed op over (none, skip_connect, avg_pool_3x3) asked to return
    its input. skip_connect is exactly right, so alpha must learn to prefer it."""
    primitives = ("none", "skip_connect", "avg_pool_3x3")

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))  # one weight, so fit has something to train
        self.op = MixedOp(2, 2, 1, self.primitives)

    def arch_spec(self):
        return {"cell": [3]}

    def forward(self, x, mixing):
        m = mixing["cell"]
        return self.scale * self.op(x, m.weights[0], None if m.index is None else m.index[0])


def _identity_data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, 4, 4, generator=g)
    return X, X.clone()


def test_architecture_steps_lower_the_validation_loss_on_a_toy_task():
    X, Y = _identity_data()
    for order in (1, 2):
        net = IdentityTask()
        arch = DARTS(net, (X, Y), DARTSConfig.PAPER.replace(order=order, arch_lr=0.05), device="cpu")
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        before = F.mse_loss(arch.logits(X), Y).item()
        for _ in range(20):
            Xv, yv = arch.next_val_batch()
            arch.arch_step(X, Y, Xv, yv, F.mse_loss, opt)
        after = F.mse_loss(arch.logits(X), Y).item()
        assert after < 0.5 * before
        assert int(arch.alphas["cell"][0].argmax()) == 1  # skip_connect


def test_one_architecture_step_lowers_the_loss_on_its_batch():
    """On a real supernet (NAS-Bench-201, digits): one step of each order on a fixed batch."""
    from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
    d = data.load("digits", val_fraction=0.5, device="cpu")
    Xv, yv = d.val.X[:64], d.val.y[:64]
    for order in (1, 2):
        torch.manual_seed(0)
        net = NB201SuperNet(C=4, in_channels=1)
        arch = DARTS(net, (Xv, yv), NB.replace(order=order, arch_lr=0.01), device="cpu")
        opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
        before = F.cross_entropy(arch.logits(Xv), yv).item()
        arch.arch_step(d.train.X[:64], d.train.y[:64], Xv, yv, F.cross_entropy, opt)
        assert F.cross_entropy(arch.logits(Xv), yv).item() < before


def test_search_learns_and_records_every_epoch():
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=256)
    r = search("nb201", "darts", d, NB.replace(num_epochs=3, arch_lr=0.01), seed=0, progress=False)
    h = r.history
    assert h["val_loss"][-1] < h["val_loss"][0] and h["arch_val_loss"][-1] < h["arch_val_loss"][0]
    assert len(r.archs) == 3 and len(h["arch"]) == 3 and r.arch == r.archs[-1]
    w = r.searcher.snapshots[-1]["weights"]["cell"]
    assert w.shape == (6, 5) and np.allclose(w.sum(1), 1.0)


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, t, loss):
        if t.step == self.step:
            raise KeyboardInterrupt


@pytest.mark.parametrize("order", [1, 2])
def test_interrupted_search_resumes_with_nothing_lost(tmp_path, order):
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=128)  # 2 steps per epoch
    cfg, kw = NB.replace(num_epochs=3, order=order, arch_lr=0.01), dict(seed=3, progress=False)
    full = search("nb201", "darts", d, cfg, **kw)
    ck = tmp_path / "search.pt"
    with pytest.raises(KeyboardInterrupt):
        search("nb201", "darts", d, cfg, [InterruptAt(5)], checkpoint=ck, **kw)  # in epoch 3
    resumed = search("nb201", "darts", d, cfg, checkpoint=ck, **kw)
    for k in ("val_loss", "arch_val_loss", "train_loss", "arch"):
        assert resumed.history[k] == full.history[k]
    assert torch.equal(resumed.searcher.alphas["cell"], full.searcher.alphas["cell"])
    a, b = resumed.supernet.state_dict(), full.supernet.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [s["arch"] for s in resumed.searcher.snapshots] == [s["arch"] for s in full.searcher.snapshots]
    sa, sb = resumed.searcher.optimizer.state_dict()["state"], full.searcher.optimizer.state_dict()["state"]
    assert all(torch.equal(sa[k]["exp_avg"], sb[k]["exp_avg"]) for k in sa)


def test_search_model_hides_the_alphas_from_the_weight_optimizer():
    from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
    net = NB201SuperNet(C=4, in_channels=1)
    arch = DARTS(net, (torch.randn(8, 1, 8, 8), torch.zeros(8, dtype=torch.long)), NB, device="cpu")
    model = SearchModel(arch)
    ids = {id(p) for p in model.parameters()}
    assert not ids & {id(a) for a in arch.arch_parameters()}
    assert ids == {id(p) for p in net.parameters()}
    with pytest.raises(ValueError, match="order"):
        NB.replace(order=3)


class EdgeNormalised(DARTS):
    """A method of one's own through the base's extension points: betas per cell type (the
    supernet's edge_groups: each node's incoming edges), edge weights softmax(beta) in every
    forward, and edges ranked by edge weight x op weight (the supernet's derive)."""
    Config = PCDARTSConfig  # partial channels (K) and beta_lr

    def uses_betas(self):
        return True


def test_a_method_subclass_with_betas_and_partial_channels_searches_and_resumes(tmp_path):
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=32)
    cfg = PCDARTSConfig.PAPER.replace(num_epochs=2, warmup_epochs=0, C=4, layers=3, K=2,
                                      batch_size=32, arch_lr=0.05, beta_lr=0.05)
    kw = dict(seed=0, progress=False, evaluate=False)
    full = search("darts", EdgeNormalised, d, cfg, **kw)
    assert full.method == "EdgeNormalised" and full.supernet.cells[0].edges[0].K == 2
    betas = full.searcher.betas["normal"]
    assert betas.abs().max() > 1e-2  # the betas were trained
    ck = tmp_path / "pc.pt"
    with pytest.raises(KeyboardInterrupt):
        search("darts", EdgeNormalised, d, cfg, [InterruptAt(2)], checkpoint=ck, **kw)
    resumed = search("darts", EdgeNormalised, d, cfg, checkpoint=ck, **kw)
    assert torch.equal(resumed.searcher.betas["normal"], betas)
    assert resumed.arch == full.arch


def test_retrain_in_one_call():
    from naslib_mini.genotypes import DARTS_V2
    from naslib_mini.networks import CellNetwork
    from naslib_mini.oneshot.search import retrain
    from naslib_mini.utils import count_params
    d = data.load("digits", device="cpu", limit=64)
    r = retrain(DARTS_V2, d, TrainConfig.QUICK.replace(C=4, layers=3, num_epochs=1, batch_size=32))
    assert set(r) >= {"net", "history", "test_acc", "params"} and 0 <= r["test_acc"] <= 1
    assert r["params"] == count_params(CellNetwork(DARTS_V2, C=4, layers=3, in_channels=1))
    assert len(r["history"]["train_loss"]) == 1


def test_benchmark_truth_ranks_against_the_whole_table():
    from naslib_mini.oneshot.search import benchmark_truth
    from naslib_mini.spaces import nb201

    class Stub:  # a benchmark whose test accuracy is the cell index / 15624
        def table(self, metric):
            return np.arange(nb201.NUM_CELLS) / (nb201.NUM_CELLS - 1)

        def query(self, cell, metric):
            return nb201.ops_to_index(nb201.to_ops(cell)) / (nb201.NUM_CELLS - 1)

    best = nb201.index_to_ops(nb201.NUM_CELLS - 1)
    assert benchmark_truth(Stub(), best)["rank"] == 1
    t = benchmark_truth(Stub(), nb201.index_to_ops(0))
    assert t["rank"] == nb201.NUM_CELLS and t["n"] == nb201.NUM_CELLS
    assert abs(t["percentile"] - 100 / nb201.NUM_CELLS) < 1e-9
