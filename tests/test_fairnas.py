"""Single-path supernet training (SPOS, FairNAS), inherited-weight scoring, the FairNAS space."""
import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.stats
import torch

from naslib_mini.data import Split
from naslib_mini.metrics import count_macs
from naslib_mini.oneshot.config import FairNASConfig, SPOSConfig
from naslib_mini.oneshot.fairnas_supernet import FairNASSuperNet
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
from naslib_mini.oneshot.single_path import (ExpectationSampler, FairNAS, PathNet, SinglePath,
                                             StrictFairSampler, UniformSampler, count_updates,
                                             make_sampler, recalibrate_bn, score_paths)
from naslib_mini.spaces import fairnas, nb201
from naslib_mini.train import Callback, fit
from naslib_mini.utils import count_params

TINY = dict(layers=((4, 1), (6, 2)), stem=4, first=4, head=8, stem_stride=1)


def _data(n=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 1, 8, 8, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return (X, y)


def train_supernet(net, data, sampler, *, seed=1, callbacks=(), checkpoint=None, fit_seed=1,
                   **settings):
    """The single-path method (SPOS or FairNAS, by `sampler`) of `net`, trained on `data` (a
    training split) with fit; returns (the method, fit's history)."""
    cls, cfg = (FairNAS, FairNASConfig) if sampler == "fairnas" else (SinglePath, SPOSConfig)
    method = cls(net, None, cfg.PAPER.replace(sampler=sampler, channels_last=False, **settings),
                 seed=seed, device="cpu")
    c = method.config
    h = fit(SearchModel(method), (data, None), num_epochs=c.num_epochs, lr=c.lr,
            batch_size=c.batch_size, seed=fit_seed, callbacks=[method, *callbacks],
            checkpoint=checkpoint, progress=False)
    return method, h


# ------------------------------------------------------------------ samplers
@pytest.mark.parametrize("L,n", [(6, 5), (19, 6), (1, 3), (4, 1)])
def test_strict_fairness_trains_every_choice_once_per_step(L, n):
    s = StrictFairSampler(L, n, seed=L + n)
    for _ in range(50):
        paths = s.sample()
        assert len(paths) == n == s.paths_per_step
        assert (count_updates(paths, L, n) == 1).all()
        for layer in range(L):  # path k uses perm_l[k]: a permutation in every layer
            assert sorted(p[layer] for p in paths) == list(range(n))


def test_spos_sampling_is_uniform():
    """Chi-square against uniform, per layer and for one pair of layers (independence)."""
    L, n, steps = 6, 5, 4000
    s = UniformSampler(L, n, seed=0)
    paths = [s.sample()[0] for _ in range(steps)]
    counts = count_updates(paths, L, n)
    for layer in range(L):
        assert scipy.stats.chisquare(counts[layer]).pvalue > 1e-3
    pairs = np.zeros((n, n))
    for p in paths:
        pairs[p[0], p[5]] += 1
    assert scipy.stats.chisquare(pairs.ravel()).pvalue > 1e-3
    # the same test does reject a biased sampler
    biased = np.bincount(np.minimum(np.random.default_rng(0).integers(0, n + 1, steps), n - 1), minlength=n)
    assert scipy.stats.chisquare(biased).pvalue < 1e-6


def test_expectation_sampler_is_fair_only_on_average():
    s = ExpectationSampler(6, 5, seed=0)
    per_step = [count_updates(s.sample(), 6, 5) for _ in range(400)]
    assert all(c.sum(1).tolist() == [5] * 6 for c in per_step)        # m paths per step
    assert any((c != 1).any() for c in per_step)                       # not strict
    total = sum(per_step)
    assert np.abs(total / 400 - 1).max() < 0.2                         # fair on average


def test_sampler_errors_and_state():
    with pytest.raises(ValueError, match="unknown sampler"):
        make_sampler("darts", 6, 5)
    with pytest.raises(ValueError, match="one path has|a path has"):
        count_updates([(0, 1)], 3, 2)
    a = make_sampler("fairnas", 6, 5, seed=3)
    a.sample()
    b = make_sampler("fairnas", 6, 5, seed=99)
    b.load_state_dict(a.state_dict())
    assert a.sample() == b.sample()


# ------------------------------------------------------------------ training with fit
class GradientAudit(Callback):
    """Per step: which choice blocks received a gradient (hooks) and which changed (SGD)."""

    def __init__(self, net):
        self.net, self.grads, self.changed = net, [], []
        self._step = np.zeros((net.n_layers, len(fairnas.CHOICES)), int)
        for l, choices in enumerate(net.layers):
            for c, block in enumerate(choices.ops):
                for p in block.parameters():
                    p.register_hook(lambda g, l=l, c=c: self._count(l, c))

    def _count(self, l, c):
        self._step[l, c] += 1

    def _params(self):
        return [[torch.cat([p.detach().flatten() for p in b.parameters()]).clone() for b in ch.ops]
                for ch in self.net.layers]

    def on_batch_start(self, t, X, y):
        self._step[:] = 0
        self._before = self._params()

    def on_batch_end(self, t, loss):
        n_params = len(list(self.net.layers[0].ops[0].parameters()))
        self.grads.append(self._step // n_params)  # hooks fire once per parameter per backward
        after = self._params()
        self.changed.append(np.array([[int(not torch.equal(a, b)) for a, b in zip(ra, rb)]
                                      for ra, rb in zip(self._before, after)]))


@pytest.mark.parametrize("name", ["fairnas", "spos"])
def test_each_choice_gets_one_gradient_per_step_under_strict_fairness(name):
    torch.manual_seed(0)
    net = FairNASSuperNet(**TINY, num_classes=10, in_channels=1)
    audit = GradientAudit(net)
    cb, _ = train_supernet(net, _data(), name, num_epochs=2, batch_size=16, lr=0.05,
                           callbacks=[audit])
    steps = 2 * 3
    assert len(audit.grads) == len(cb.history) == steps
    for g, ch, h_prev, h in zip(audit.grads, audit.changed,
                                [np.zeros_like(cb.history[0])] + list(cb.history[:-1]), cb.history):
        assert (g == h - h_prev).all()            # counters agree with the gradients seen
        assert (ch == (g > 0)).all()              # exactly the trained blocks moved
        if name == "fairnas":
            assert (g == 1).all()
        else:
            assert (g.sum(1) == 1).all()
    if name == "fairnas":
        assert (cb.history == np.arange(1, steps + 1)[:, None, None]).all()


def test_supernet_training_resumes_with_nothing_lost(tmp_path):
    class StopAfter(Callback):
        def on_epoch_end(self, t, logs):
            if t.epoch == 2:
                t.stop = True

    data = _data(64)
    kw = dict(num_epochs=4, batch_size=16, lr=0.05)

    def run(callbacks=(), ck=None, init_seed=0, sampler_seed=7):
        torch.manual_seed(init_seed)
        net = NB201SuperNet(C=4, in_channels=1)
        cb, h = train_supernet(net, data, "spos", seed=sampler_seed, checkpoint=ck,
                               callbacks=callbacks, **kw)
        return net, cb, h

    full_net, full_cb, full_h = run()
    ck = tmp_path / "supernet.pt"
    run([StopAfter()], ck)
    net, cb, h = run(ck=ck, init_seed=5, sampler_seed=99)  # all must come from the checkpoint
    assert all(torch.equal(a, b) for a, b in zip(full_net.state_dict().values(),
                                                 net.state_dict().values()))
    assert (cb.history == full_cb.history).all() and (cb.counts == full_cb.counts).all()
    assert cb.sampler.sample() == full_cb.sampler.sample()
    assert h["train_loss"] == full_h["train_loss"]


# ------------------------------------------------------------------ scoring
def test_scoring_matches_a_plain_evaluation_and_restores_bn():
    torch.manual_seed(0)
    net = NB201SuperNet(C=4, in_channels=1)
    train, val = _data(64, 1), _data(40, 2)
    train_supernet(net, train, "fairnas", seed=0, num_epochs=1, batch_size=32, lr=0.05)
    cells = [nb201.ops_to_index(("nor_conv_3x3",) * 6), 7, 15624]
    paths = [net.path_of(c) for c in cells]
    before = {k: v.clone() for k, v in net.state_dict().items()}
    acc, loss = score_paths(net, paths, val)
    net.eval()
    with torch.no_grad():
        for p, a in zip(paths, acc):
            assert a == pytest.approx((PathNet(net, p)(val[0]).argmax(1) == val[1]).float().mean().item())
    acc_bn, _ = score_paths(net, paths, val, calib=train, n_batches=2, batch_size=32)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert acc.shape == acc_bn.shape == (3,) and ((0 <= acc_bn) & (acc_bn <= 1)).all()
    splits = SimpleNamespace(train=Split(*train), val=Split(*val))
    got, _ = score_paths(net, [net.path_of(c) for c in cells], splits.val, calib=splits.train,
                         n_batches=2, batch_size=32)
    assert np.allclose(got, acc_bn)


def test_recalibration_estimates_the_paths_batch_statistics():
    torch.manual_seed(0)
    net = NB201SuperNet(C=4, in_channels=1).eval()
    X = torch.randn(32, 1, 8, 8)
    recalibrate_bn(net, (3,) * 6, X, batch_size=32, n_batches=1)
    with torch.no_grad():
        h = net.stem[0](X)                                    # (B, C, H, W) before the stem BN
    bn = net.stem[1]
    assert torch.allclose(bn.running_mean, h.mean((0, 2, 3)), atol=1e-5)
    assert torch.allclose(bn.running_var, h.var((0, 2, 3), unbiased=True), atol=1e-4)
    assert not net.training  # mode restored
    with pytest.raises(ValueError, match="n_batches"):
        recalibrate_bn(net, (3,) * 6, X, n_batches=0)


# ------------------------------------------------------------------ the FairNAS space
def test_fairnas_space_count_by_enumeration():
    assert fairnas.count_space() == 6 ** 19 == 609_359_740_010_496
    for L, n in [(1, 6), (3, 6), (4, 2), (2, 5)]:
        assert sum(1 for _ in itertools.product(range(n), repeat=L)) == fairnas.count_space(L, n)
    assert len(fairnas.CHOICES) == 6 and len(fairnas.LAYERS) == 19


def test_fairnas_a_b_c_rebuilt():
    """Parameters as counted from the official models (UniNAS' test); multiply-adds as the
    paper's 388M / 345M / 321M. Only A's MACs are counted here (one 224x224 forward)."""
    expected = {fairnas.FAIRNAS_A: 4_651_352, fairnas.FAIRNAS_B: 4_506_272,
                fairnas.FAIRNAS_C: 4_397_864}
    for gene, params in expected.items():
        assert count_params(fairnas.FairNASNetwork(gene)) == params
    macs = count_macs(fairnas.FairNASNetwork(fairnas.FAIRNAS_A), (3, 224, 224))
    assert round(macs / 1e6) == 388


def test_supernet_path_equals_the_stand_alone_network():
    torch.manual_seed(0)
    sup = FairNASSuperNet(**TINY, num_classes=10, in_channels=1).eval()
    gene = (4, 1)
    net = fairnas.FairNASNetwork(gene, **TINY, num_classes=10, in_channels=1).eval()
    own = sup.state_dict()
    mapped = {}
    for k in net.state_dict():
        parts = k.split(".")
        if parts[0] == "layers":  # layers.<l>.<rest> <- layers.<l>.ops.<gene[l]>.<rest>
            mapped[k] = own[".".join(["layers", parts[1], "ops", str(gene[int(parts[1])]), *parts[2:]])]
        else:
            mapped[k] = own[k]
    net.load_state_dict(mapped)
    x = torch.randn(3, 1, 8, 8)
    assert torch.allclose(sup(x, sup.path_mixing(gene)), net(x), atol=1e-5)
    assert sup.derive({"layers": torch.eye(6)[list(gene)]}) == gene


def test_fairnas_errors():
    sup = FairNASSuperNet(**TINY, num_classes=10, in_channels=1)
    with pytest.raises(ValueError, match="needs mixing weights"):
        sup(torch.randn(1, 1, 8, 8))
    with pytest.raises(ValueError, match="one choice per layer"):
        sup.path_of((0, 1, 2))
    with pytest.raises(ValueError, match="ints in 0..5"):
        fairnas.check_gene((0, 6), 2)
    assert fairnas.gene_to_string((0, 5)) == "k3e3 k7e6"
