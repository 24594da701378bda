"""DenseNAS: the routing-block space counted against enumeration, architectures and their
strings, the supernet against the derived network, Viterbi against enumeration, and the
search callback (the rescaling, a latency-driven step, checkpoint and resume)."""
import itertools
import math

import pytest
import torch

from naslib_mini.oneshot.config import DenseNASConfig
from naslib_mini.oneshot.densenas import (ArchWeights, DenseSuperNet, derive, path_probability,
                                          sample_ops, viterbi)
from naslib_mini.oneshot.densenas_latency import LatencyModel, LatencyTable, densenas_keys
from naslib_mini.oneshot.densenas_search import DenseNAS
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.spaces.densenas import (DENSENAS_MBV2, DENSENAS_MBV2_CIFAR, HEAD_OPS, STACK_OPS,
                                         DenseArch, DenseNASError, DenseSpace, count_archs,
                                         count_networks, count_paths, enumerate_archs,
                                         enumerate_paths)
from naslib_mini.spaces.densenas_net import DenseNASNetwork, network_pieces
from naslib_mini.train import Callback, fit

SMALL = DenseSpace(widths=(4, 6, 8, 8), sizes=(4, 4, 2, 2), layers=(0, 1, 2, 1), M=3, last_C=8,
                   image_size=4)
SPACES = [
    SMALL,
    DenseSpace(widths=(4, 6, 8, 10, 12), sizes=(8, 8, 4, 4, 2), layers=(0, 1, 1, 0, 2), M=2,
               last_C=16, image_size=8),
    DenseSpace(widths=(4, 4, 6, 8, 8), sizes=(8, 4, 4, 2, 2), layers=(0, 2, 1, 1, 1), M=4,
               last_C=16, image_size=16, stages=(0, 1, 1, 2, 2, 3)),
]


def random_arch(space, gen):
    path = list(enumerate_paths(space))[int(torch.randint(count_paths(space), (1,), generator=gen))]
    pick = lambda ops: ops[int(torch.randint(len(ops), (1,), generator=gen))]  # noqa: E731
    return DenseArch(path, tuple(pick(HEAD_OPS) for _ in path[1:-1]),
                     tuple(tuple(pick(STACK_OPS) for _ in range(space.layers[j])) for j in path[1:-1]))


@pytest.mark.parametrize("space", SPACES)
def test_counts_match_enumeration(space):
    paths = list(enumerate_paths(space))
    assert len(paths) == len(set(paths)) == count_paths(space)
    for i, j in itertools.chain.from_iterable(zip(p, p[1:]) for p in paths):
        assert space.allowed(i, j)
    heads, stacks = HEAD_OPS[:2], ("mbconv_k3_e3", "skip_connect")
    archs = list(enumerate_archs(space, heads, stacks))
    assert len(archs) == count_archs(space, 2, 2)
    # skip layers dropped: networks are the same when their non-skip sequences are
    nets = {(a.path, a.head_ops, tuple(tuple(o for o in s if o != "skip_connect") for s in a.stack_ops))
            for a in archs}
    assert len(nets) == count_networks(space, 2, 1)


def test_official_space_follows_the_official_rules():
    s = DENSENAS_MBV2
    assert (s.n_blocks, len(s.edges)) == (17, 54)
    assert s.outgoing(0) == (1,) and s.outgoing(1) == (2, 3, 4) and s.outgoing(2) == (3, 4, 5, 6)
    assert s.incoming(s.last) == (14, 15, 16)
    assert count_paths(s) == sum(1 for _ in enumerate_paths(s))
    assert count_archs(s) > count_networks(s) > count_paths(s)
    assert DENSENAS_MBV2_CIFAR.edges == s.edges  # the same lattice at 32 x 32


def test_space_errors():
    with pytest.raises(DenseNASError, match="one entry per block"):
        DenseSpace(widths=(4, 8), sizes=(4,), layers=(0, 1), image_size=4)
    with pytest.raises(DenseNASError, match="must connect"):
        DenseSpace(widths=(4, 8), sizes=(8, 2), layers=(0, 1), image_size=8)
    with pytest.raises(DenseNASError, match="stem strides"):
        DenseSpace(widths=(4, 8), sizes=(8, 8), layers=(0, 1), image_size=32)
    with pytest.raises(DenseNASError, match="no stacked layers"):
        DenseSpace(widths=(4, 8), sizes=(8, 8), layers=(1, 1), image_size=8)


def test_arch_strings_round_trip_and_errors():
    gen = torch.Generator().manual_seed(0)
    for space in SPACES:
        for _ in range(5):
            a = random_arch(space, gen)
            assert DenseArch.from_string(a.to_string()) == a.validate(space)
    a = DenseArch.from_string("0 -> 1(mbconv_k3_e3; skip_connect) -> 2(mbconv_k7_e6; mbconv_k5_e6, mbconv_k3_e3) -> 4")
    assert a.path == (0, 1, 2, 4) and a.depth() == 4
    with pytest.raises(DenseNASError, match="Did you mean 'mbconv_k3_e3'"):
        DenseArch.from_string("0 -> 1(mbconv_k3_e33; ) -> 4")
    with pytest.raises(DenseNASError, match="bad routing block"):
        DenseArch.from_string("0 -> 1[mbconv_k3_e3] -> 4")
    with pytest.raises(DenseNASError, match="no edge 0 -> 3"):
        DenseArch((0, 3, 4), ("mbconv_k3_e3",), (("skip_connect",),)).validate(SMALL.__class__(
            widths=(4, 6, 8, 8), sizes=(4, 4, 2, 2), layers=(0, 1, 2, 1), M=2, last_C=8, image_size=4))
    with pytest.raises(DenseNASError, match="stacked layers"):
        DenseArch((0, 1, 4), ("mbconv_k3_e3",), ((),)).validate(SMALL)


def test_derived_network_trains_and_drops_skips():
    a = DenseArch((0, 1, 2, 4), ("mbconv_k3_e3", "mbconv_k5_e6"),
                  (("skip_connect",), ("mbconv_k3_e6", "skip_connect")))
    net = DenseNASNetwork(SMALL, a.to_string(), num_classes=3, in_channels=1)
    names = [p[0] for p in net.pieces]
    assert names == ["stem", "mbconv_k3_e3", "mbconv_k5_e6", "mbconv_k3_e6", "final_1x1", "classifier"]
    torch.manual_seed(0)
    X = torch.randn(48, 1, 4, 4)
    y = (X.mean((1, 2, 3)) > 0).long() + (X[:, 0, 0, 0] > 1).long()
    h = fit(net, ((X, y), None), num_epochs=4, lr=0.05, batch_size=16, progress=False)
    assert h["train_loss"][-1] < h["train_loss"][0]


def test_sample_ops():
    alpha = torch.randn(3, 7)
    w, act = sample_ops(alpha)
    assert act is None and torch.allclose(w, torch.softmax(alpha, -1))
    w, act = sample_ops(alpha, 2, torch.Generator().manual_seed(0))
    for l, a in enumerate(act):
        assert len(a) == 2 and list(a) == sorted(a)
        assert (w[l, [k for k in range(7) if k not in a]] == 0).all()
        assert torch.allclose(w[l, list(a)], torch.softmax(alpha[l, list(a)], -1))
    assert sample_ops(torch.zeros(0, 7), 2)[0].shape == (0, 7)


def _one_hot_weights(space, sup, arch):
    """ArchWeights that pick arch: p = 1 on its edges, one-hot ops on its layers."""
    head = [torch.zeros(len(space.incoming(j)) if j else 0, len(HEAD_OPS)) for j in range(space.n_blocks)]
    stack = [torch.zeros(space.layers[j], len(STACK_OPS)) for j in range(space.n_blocks)]
    paths = [torch.zeros(len(space.outgoing(i))) for i in range(space.n_blocks)]
    for i, j in zip(arch.path, arch.path[1:]):
        paths[i][space.outgoing(i).index(j)] = 1.0
    for i, j, h, s in arch.blocks():
        head[j][space.incoming(j).index(i), HEAD_OPS.index(h)] = 1.0
        for l, op in enumerate(s):
            stack[j][l, STACK_OPS.index(op)] = 1.0
    return ArchWeights(head, stack, paths)


def test_supernet_with_one_hot_weights_is_the_derived_network():
    torch.manual_seed(0)
    space = SPACES[1]
    sup = DenseSuperNet(space, num_classes=5, in_channels=1, affine=True)
    X = torch.randn(6, 1, 8, 8)
    sup(X, _one_hot_weights(space, sup, random_arch(space, torch.Generator())).to_mixing()).sum().backward()
    sup.eval()
    gen = torch.Generator().manual_seed(1)
    for _ in range(3):
        arch = random_arch(space, gen)
        net = DenseNASNetwork(space, arch, num_classes=5, in_channels=1).eval()
        net.layers.load_state_dict(torch.nn.Sequential(*sup.modules_of(arch)).state_dict())
        assert torch.allclose(sup(X, _one_hot_weights(space, sup, arch).to_mixing()), net(X), atol=1e-5)
    with pytest.raises(ValueError, match="needs mixing weights"):
        sup(X)
    w = _one_hot_weights(space, sup, arch)
    assert sup.derive({"head": torch.cat(w.head), "stack": torch.cat(w.stack)},
                      {"paths": torch.cat(w.paths)}) == arch  # the one-hot weights' architecture


def test_viterbi_matches_enumeration():
    gen = torch.Generator().manual_seed(0)
    for space in SPACES + [DENSENAS_MBV2]:
        all_paths = list(enumerate_paths(space))
        for _ in range(10 if len(all_paths) < 1000 else 2):
            paths = [torch.softmax(3 * torch.randn(len(space.outgoing(i)), generator=gen), 0).tolist()
                     for i in range(space.n_blocks)]
            best = max(all_paths, key=lambda p: path_probability(space, paths, p))
            path, prob = viterbi(space, paths)
            assert path == best
            assert math.isclose(prob, path_probability(space, paths, best), rel_tol=1e-9)


def test_viterbi_is_not_greedy():
    """Block 0 prefers block 1 (0.6), but every path through 1 is then split three ways."""
    space = DenseSpace(widths=(4, 4, 4, 4), sizes=(4, 4, 4, 4), layers=(0, 0, 0, 0), M=3,
                       last_C=4, image_size=4)  # 0 -> 1, 2, 3; 1 -> 2, 3, 4; 2 -> 3, 4; 3 -> 4
    paths = [torch.tensor([0.6, 0.0, 0.4]), torch.tensor([1 / 3, 1 / 3, 1 / 3]),
             torch.tensor([0.5, 0.5]), torch.tensor([1.0])]
    assert viterbi(space, paths) == ((0, 3, 4), pytest.approx(0.4))


def test_derive_picks_argmax_ops_on_the_viterbi_path():
    space = SMALL
    alpha_head = [torch.zeros(len(space.incoming(j)) if j else 0, 6) for j in range(space.n_blocks)]
    alpha_stack = [torch.zeros(space.layers[j], 7) for j in range(space.n_blocks)]
    beta = [torch.zeros(len(space.outgoing(i))) for i in range(space.n_blocks)]
    beta[0][space.outgoing(0).index(2)] = 5.0                    # 0 -> 2, then 2 -> 4 (final)
    beta[2][space.outgoing(2).index(4)] = 5.0
    alpha_head[2][space.incoming(2).index(0), 4] = 1.0           # head 0 -> 2: HEAD_OPS[4]
    alpha_stack[2][0, 6], alpha_stack[2][1, 1] = 1.0, 1.0        # skip, then STACK_OPS[1]
    a = derive(space, alpha_head, alpha_stack, [torch.softmax(b, 0) for b in beta])
    assert a == DenseArch((0, 2, 4), (HEAD_OPS[4],), (("skip_connect", STACK_OPS[1]),))
    assert [p[0] for p in network_pieces(space, a, 10, 1)][1:-2] == [HEAD_OPS[4], STACK_OPS[1]]


def _fake_latency(space, in_channels=1, num_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    keys = densenas_keys(space, num_classes, in_channels)
    table = LatencyTable({k: float(torch.rand(1, generator=g)) * 1e-3 for k in keys})
    return LatencyModel(space, table, num_classes, in_channels)


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, t, loss):
        if t.step == self.step:
            raise KeyboardInterrupt


def _tiny_setup(lam=0.1, seed=0, arch_weight_decay=1e-3):
    X = torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    y = (X.mean((1, 2, 3)) > 0).long() + (X[:, 0, 0, 0] > 1).long()
    torch.manual_seed(seed)
    sup = DenseSuperNet(SMALL, num_classes=3, in_channels=1, latency=_fake_latency(SMALL))
    cfg = DenseNASConfig.PAPER.replace(lam=lam, arch_lr=0.05, beta_lr=0.05, batch_size=16,
                                       warmup_epochs=0, arch_weight_decay=arch_weight_decay)
    search = DenseNAS(sup, (X[:32], y[:32]), cfg, seed=seed, device="cpu")
    return SearchModel(search), search, ((X[32:], y[32:]), None)


def test_rescaling_keeps_the_ops_not_drawn():
    """One architecture step (Adam's first, no weight decay: the ops not drawn get no update)
    leaves their probabilities as they were; the drawn ones move."""
    sup, search, _ = _tiny_setup(arch_weight_decay=0.0)

    class T:  # the trainer attributes arch_step uses
        autocast = staticmethod(lambda: torch.autocast("cpu", enabled=False))

        device = torch.device("cpu")

    before = torch.softmax(search.alphas["stack"].detach(), -1).clone()
    gen_state = search.gen.get_state()
    w = search.mixing(detach=False, k=2)  # the draw arch_step will make
    search.gen.set_state(gen_state)
    search.arch_step(T(), torch.nn.functional.cross_entropy)
    after = torch.softmax(search.alphas["stack"].detach(), -1)
    assert len(w["stack"].index) == sum(SMALL.layers)
    for l, act in enumerate(w["stack"].index):
        off = [k for k in range(7) if k not in act]
        assert torch.allclose(after[l, off], before[l, off], atol=1e-6)
        assert not torch.allclose(after[l, list(act)], before[l, list(act)])


def test_latency_term_lowers_the_expected_latency():
    sup, search, data = _tiny_setup(lam=50.0)
    start = search.expected_latency()
    fit(sup, data, num_epochs=3, batch_size=16, callbacks=[search], progress=False)
    assert search.snapshots[-1]["arch"] == search.derive() and "edge_weights" in search.snapshots[-1]
    assert search.expected_latency() < 0.9 * start


def test_search_resumes_from_a_checkpoint(tmp_path):
    ck = tmp_path / "dn.pt"
    sup, search, data = _tiny_setup()
    h_full = fit(sup, data, num_epochs=2, batch_size=16, callbacks=[search], progress=False)
    full = [p.detach().clone() for p in search.arch_parameters()]
    sup, search, data = _tiny_setup()
    with pytest.raises(KeyboardInterrupt):  # stopped in the middle of the second epoch
        fit(sup, data, num_epochs=2, batch_size=16, callbacks=[search, InterruptAt(3)],
            progress=False, checkpoint=ck)
    sup, search, data = _tiny_setup(seed=5)  # another init: everything must come from the checkpoint
    h = fit(sup, data, num_epochs=2, batch_size=16, callbacks=[search], progress=False, checkpoint=ck)
    for a, b in zip(full, search.arch_parameters()):
        assert torch.allclose(a, b)
    assert h["train_loss"] == pytest.approx(h_full["train_loss"])
    assert len(search.snapshots) == 2


def test_plots_return_figures_and_mark_the_path():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure

    from naslib_mini.viz.densenas_plots import plot_front, plot_lattice
    paths = [torch.softmax(torch.randn(len(SMALL.outgoing(i))), 0) for i in range(SMALL.n_blocks)]
    path, _ = viterbi(SMALL, paths)
    fig = plot_lattice(SMALL, paths, path)
    assert isinstance(fig, Figure)
    arrows = fig.axes[0].patches
    assert len(arrows) == len(SMALL.edges)
    assert sum(a.get_edgecolor() == to_rgba("tab:red") for a in arrows) == len(path) - 1
    results = [{"lam": lam, "acc": 0.9 - lam / 10, "latency_measured_ms": 5 - lam,
                "latency_table_ms": 4.8 - lam} for lam in (0.0, 1.0)]
    fig = plot_front(results)
    assert isinstance(fig, Figure) and len(fig.axes[0].collections) == 4
