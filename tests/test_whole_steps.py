"""Each method's whole step against an independent reference written here, not just its parts.

A part can be right and the step still wrong: the DARTS hypergradient maths is tested in
test_darts.py, but not how the architect hands it the weight optimizer's learning rate,
momentum buffers and weight decay; FairNAS's path sampling is tested, but not that the m paths
make ONE optimizer step. Each test below fails on a named wrong variant (each mutation was
made by hand in the package and watched to fail here, while the older tests stayed green):

- DARTS second order: momentum buffer dropped, xi = 0, weight decay dropped;
- DARTS first order: the alpha step on the training batch instead of the validation one;
- FairNAS / SPOS: an optimizer step per path instead of per batch;
- PC-DARTS: the bypass of a reduction edge average-pooled instead of max-pooled, or the
  channels not shuffled;
- GDAS: the alpha step on the soft mixture instead of the straight-through hard sample;
- fit: gradient clipping after the step (or not at all), weight decay not applied.
"""
import contextlib
import copy
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.oneshot.config import DARTSConfig, FairNASConfig, GDASConfig, SPOSConfig
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.gdas import GDAS
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
from naslib_mini.oneshot.search_cnn import SearchCell, SearchEdge
from naslib_mini.oneshot.single_path import FairNAS, SinglePath, make_sampler
from naslib_mini.oneshot.supernet import Mixing
from naslib_mini.train import Callback, fit


def cell(weights=None, path=None):
    return {"cell": Mixing(weights, path)}

OPTS = dict(lr=0.5, momentum=0.9, weight_decay=0.05)  # large: every term of the step matters


def _batches(seed=0, n=8, classes=3):
    g = torch.Generator().manual_seed(seed)
    X, Xv = (torch.randn(n, 1, 4, 4, generator=g, dtype=torch.float64) for _ in range(2))
    y, yv = (torch.randint(0, classes, (n,), generator=g) for _ in range(2))
    return X, y, Xv, yv


def _darts_setup(order, seed=0):
    """A float64 NAS-Bench-201 supernet, its architect, and an SGD with momentum buffers."""
    torch.manual_seed(seed)
    net = NB201SuperNet(C=4, num_classes=3, in_channels=1).double()
    X, y, Xv, yv = _batches(seed)
    arch = DARTS(net, (Xv, yv), DARTSConfig.PAPER.replace(order=order, batch_size=len(yv)),
                 device="cpu", seed=seed)
    alpha = arch.alphas["cell"]
    alpha.data = 0.5 * torch.randn(alpha.shape, dtype=torch.float64)  # away from uniform
    opt = torch.optim.SGD(net.parameters(), **OPTS)
    for _ in range(2):  # momentum buffers that differ from the next gradient
        opt.zero_grad()
        F.cross_entropy(net(X.flip(0) ** 2, cell(alpha.detach().softmax(-1))), y).backward()
        opt.step()
    return net, arch, opt, (X, y, Xv, yv)


def _loss(net, params, alpha, X, y):
    return F.cross_entropy(functional_call(net, params, (X, cell(alpha.softmax(-1)))), y)


def reference_darts_grad(net, opt, alpha, X, y, Xv, yv, order, r=1e-2, lr=None, momentum=None,
                         wd=None):
    """DARTS' alpha gradient from the paper's equations (Liu et al. 2019, eq. 6-8), written
    here with functional_call (not with oneshot/bilevel.py):

        w'   = w - xi (mu * buf + grad_w L_train(w, alpha) + lambda * w)   (the official step)
        grad = grad_a L_val(w', a) - xi [grad_a L_train(w+, a) - grad_a L_train(w-, a)] / (2 eps)
        w+-  = w +- eps v,  v = grad_w' L_val(w', a),  eps = r / ||v||

    order 1: grad_a L_val(w, a). lr, momentum, wd override the optimizer's (xi = lr), to show
    that the test tells the wrong variants apart."""
    group = opt.param_groups[0]
    lr = group["lr"] if lr is None else lr
    mu = group["momentum"] if momentum is None else momentum
    wd = group["weight_decay"] if wd is None else wd
    named = dict(net.named_parameters())
    w = {n: p.detach().clone().requires_grad_() for n, p in named.items()}
    a = alpha.detach().clone().requires_grad_()
    if order == 1:
        return torch.autograd.grad(_loss(net, w, a, Xv, yv), a)[0]
    g = torch.autograd.grad(_loss(net, w, a, X, y), list(w.values()), allow_unused=True)
    w1 = {}
    for (n, wi), gi in zip(w.items(), g):
        buf = opt.state[named[n]].get("momentum_buffer")
        step = (torch.zeros_like(wi) if gi is None else gi) + wd * wi.detach()
        w1[n] = (wi.detach() - lr * (step + (mu * buf if buf is not None else 0))).requires_grad_()
    gs = torch.autograd.grad(_loss(net, w1, a, Xv, yv), [a, *w1.values()], allow_unused=True)
    d_alpha = gs[0]
    v = [torch.zeros_like(p) if gi is None else gi for p, gi in zip(w1.values(), gs[1:])]
    eps = r / torch.cat([t.flatten() for t in v]).norm()
    grad_at = lambda sign: torch.autograd.grad(  # noqa: E731
        _loss(net, {n: wi.detach() + sign * eps * vi for (n, wi), vi in zip(w.items(), v)},
              a, X, y), a)[0]
    return d_alpha - lr * (grad_at(1) - grad_at(-1)) / (2 * eps)


@pytest.mark.parametrize("order", [1, 2])
def test_darts_architect_step_against_the_unrolled_reference(order):
    net, arch, opt, (X, y, Xv, yv) = _darts_setup(order)
    alpha = arch.alphas["cell"]
    ref = reference_darts_grad(net, opt, alpha, X, y, Xv, yv, order)
    before_w = [p.detach().clone() for p in net.parameters()]
    before_a = alpha.detach().clone()
    arch.arch_step(X, y, Xv, yv, F.cross_entropy, opt)
    err = (alpha.grad - ref).abs().max()
    assert err < 1e-4 * ref.abs().max()  # the architect's losses are float32 (logits.float())
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), before_w))  # w restored
    # the step itself: one Adam step on that gradient, with the architect's settings
    a = before_a.clone().requires_grad_()
    adam = torch.optim.Adam([a], lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    a.grad = ref
    adam.step()
    assert torch.allclose(alpha.detach(), a.detach(), rtol=0, atol=1e-9)
    # the test can tell the wrong variants apart: each is far from the right gradient
    wrong = {"first order (xi = 0)": reference_darts_grad(net, opt, alpha, X, y, Xv, yv, 1),
             "training batch for alpha": reference_darts_grad(net, opt, alpha, X, y, X, y, 1)}
    if order == 2:
        wrong["momentum buffer dropped"] = reference_darts_grad(
            net, opt, alpha, X, y, Xv, yv, 2, momentum=0.0)
        wrong["weight decay dropped"] = reference_darts_grad(net, opt, alpha, X, y, Xv, yv, 2,
                                                             wd=0.0)
    else:
        del wrong["first order (xi = 0)"]
    for name, g in wrong.items():
        assert (g - ref).abs().max() > 100 * err, name


def test_darts_train_step_feeds_the_loops_optimizer_to_the_architect():
    """fit's hook: the architecture step uses t.optimizer (its lr, buffers, decay) and the
    validation batch, then the weights' backward at the restored w with alpha detached."""
    net, arch, opt, (X, y, Xv, yv) = _darts_setup(2)
    alpha = arch.alphas["cell"]
    ref = reference_darts_grad(net, opt, alpha, X, y, Xv, yv, 2)
    opt.zero_grad(set_to_none=True)
    t = SimpleNamespace(epoch=0, optimizer=opt, device=torch.device("cpu"),
                        autocast=contextlib.nullcontext)
    a_used = alpha.detach().clone()
    arch.train_step(t, X, y, F.cross_entropy)
    assert (alpha.grad - ref).abs().max() < 1e-4 * ref.abs().max()
    # the weight gradient is that of L_train at w, under the alphas AFTER their step
    w = {n: p.detach().clone().requires_grad_() for n, p in net.named_parameters()}
    g = torch.autograd.grad(_loss(net, w, alpha.detach(), X, y), list(w.values()), allow_unused=True)
    for p, gi in zip(net.parameters(), g):
        want = torch.zeros_like(p) if gi is None else gi
        assert torch.allclose(p.grad, want, rtol=1e-4, atol=1e-8)
    assert not torch.equal(a_used, alpha.detach())


# ------------------------------------------------------------------ FairNAS and SPOS
class StepCounter(Callback):
    """Counts the optimizer's steps (a step post-hook on t.optimizer) and the batches."""

    def __init__(self):
        self.steps = self.batches = 0

    def on_fit_start(self, t):
        t.optimizer.register_step_post_hook(lambda *_: setattr(self, "steps", self.steps + 1))

    def on_batch_end(self, t, loss):
        self.batches += 1


def _single_path_data(n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 4, 4, generator=g), torch.randint(0, 3, (n,), generator=g)


def _single_path(sampler, net, seed=1):
    """The single-path method of `sampler` on `net` (no validation split: training only)."""
    cls, cfg = (FairNAS, FairNASConfig) if sampler == "fairnas" else (SinglePath, SPOSConfig)
    return cls(net, None, cfg.PAPER, seed=seed, device="cpu")


@pytest.mark.parametrize("sampler", ["fairnas", "spos"])
def test_single_path_training_takes_one_optimizer_step_per_batch(sampler):
    torch.manual_seed(0)
    net = NB201SuperNet(C=4, num_classes=3, in_channels=1)
    counter = StepCounter()
    method = _single_path(sampler, net)
    fit(SearchModel(method), (_single_path_data(), None), num_epochs=2, batch_size=4,
        progress=False, callbacks=[method, counter])
    assert counter.batches == 2 * 3 and counter.steps == counter.batches


@pytest.mark.parametrize("sampler", ["fairnas", "spos"])
def test_single_path_step_against_the_summed_gradient_reference(sampler):
    """One batch: w_new = w - lr (sum_k grad L(w; path_k) + wd w), the first SGD step of the
    m paths' accumulated gradients (FairNAS: m = 5 paths, one per choice; SPOS: one)."""
    torch.manual_seed(0)
    net = NB201SuperNet(C=4, num_classes=3, in_channels=1)
    ref_net = copy.deepcopy(net)
    X, y = _single_path_data()
    paths = make_sampler(sampler, 6, 5, seed=1).sample()
    grads = [None for _ in ref_net.parameters()]  # None: on no path, so SGD leaves it alone
    for path in paths:
        loss = F.cross_entropy(ref_net(X, cell(path=path)), y)
        gs = torch.autograd.grad(loss, list(ref_net.parameters()), allow_unused=True)
        grads = [a if g is None else g if a is None else a + g for a, g in zip(grads, gs)]
    lr, wd = 0.1, 1e-2
    expected = [p.detach() if g is None else p.detach() - lr * (g + wd * p.detach())
                for p, g in zip(ref_net.parameters(), grads)]
    method = _single_path(sampler, net)
    fit(SearchModel(method), ((X, y), None), num_epochs=1, batch_size=len(y), lr=lr,
        weight_decay=wd, scheduler=None, progress=False, callbacks=[method])
    for p, e in zip(net.parameters(), expected):
        assert torch.allclose(p.detach(), e, atol=1e-6)


# ------------------------------------------------------------------ PC-DARTS
def official_channel_shuffle(x, groups):
    """Channel c of group g (c < C/groups) goes to position c * groups + g, written out."""
    B, C, H, W = x.shape
    per = C // groups
    order = [g * per + c for c in range(per) for g in range(groups)]
    return x[:, order]


def max_pool_2x2(x):
    """2x2 max-pooling at stride 2 of (B, C, H, W) with H, W even, by reshaping."""
    B, C, H, W = x.shape
    return x.view(B, C, H // 2, 2, W // 2, 2).amax(dim=(3, 5))


def reference_pc_edge(edge, x, w, K):
    """PC-DARTS (official MixedOp.forward): the first C/K channels through the weighted ops,
    the rest bypassed (max-pooled when the op halves the resolution), then shuffled."""
    C = x.shape[1]
    part, rest = x[:, :C // K], x[:, C // K:]
    y = sum(w[o] * op(part) for o, op in enumerate(edge.mixed.ops))
    if y.shape[-1] != x.shape[-1]:
        rest = max_pool_2x2(rest)
    return official_channel_shuffle(torch.cat([y, rest], 1), K)


@pytest.mark.parametrize("stride", [1, 2])
def test_pcdarts_edge_against_the_official_forward(stride):
    torch.manual_seed(0)
    K = 4
    edge = SearchEdge(8, stride, DARTS_PRIMITIVES, K=K).eval()
    x = torch.randn(2, 8, 6, 6)
    w = torch.softmax(torch.randn(len(DARTS_PRIMITIVES)), 0)
    out = edge(x, w)
    assert out.shape == (2, 8, 6 // stride, 6 // stride)
    assert torch.allclose(out, reference_pc_edge(edge, x, w, K), atol=1e-6)
    # the wrong variants differ: an average-pooled bypass, no shuffle
    if stride == 2:
        rest = x[:, 2:]
        avg = official_channel_shuffle(torch.cat([out.new_zeros(2, 2, 3, 3), F.avg_pool2d(rest, 2)], 1), K)
        mx = official_channel_shuffle(torch.cat([out.new_zeros(2, 2, 3, 3), max_pool_2x2(rest)], 1), K)
        assert (avg - mx).abs().max() > 0.1
    unshuffled = torch.cat([out.new_zeros(2, 2, *out.shape[2:]), out.new_ones(2, 6, *out.shape[2:])], 1)
    assert not torch.equal(official_channel_shuffle(unshuffled, K), unshuffled)


def test_pcdarts_reduction_cell_against_the_reference():
    """A whole reduction search cell with partial channels and edge normalisation:
    node_j = sum_i edge_weights[e] * f_e^PC(state_i), output the concatenated nodes."""
    torch.manual_seed(0)
    K, C = 4, 8
    cell = SearchCell(12, 12, C, reduction=True, reduction_prev=False,
                      primitives=DARTS_PRIMITIVES, K=K).eval()
    s0, s1 = torch.randn(2, 12, 8, 8), torch.randn(2, 12, 8, 8)
    w = torch.softmax(torch.randn(14, len(DARTS_PRIMITIVES)), -1)
    ew = torch.rand(14)
    states, e = [cell.pre0(s0), cell.pre1(s1)], 0
    for _ in range(4):
        total = 0
        for state in list(states):
            total = total + ew[e] * reference_pc_edge(cell.edges[e], state, w[e], K)
            e += 1
        states.append(total)
    ref = torch.cat(states[2:], 1)
    assert torch.allclose(cell(s0, s1, Mixing(w, edge_weights=ew)), ref, atol=1e-5)


# ------------------------------------------------------------------ GDAS
def reference_gdas_grad(net, alpha, tau, exp_noise, Xv, yv):
    """d L_val / d alpha for the GDAS sample h - sg(p) + p, p = softmax((log softmax(alpha)
    + g) / tau), g = -log(E) (official get_gumbel_prob), where only the sampled op runs and
    the other weights enter as (zero-valued) scalars (official GDAS MixedOp forward)."""
    a = alpha.detach().clone().requires_grad_()
    probs = ((a.log_softmax(-1) - exp_noise.log()) / tau).softmax(-1)
    index = probs.argmax(-1)
    hard = torch.zeros_like(probs).scatter_(-1, index[:, None], 1.0)
    weights = hard - probs.detach() + probs
    logits = net(Xv, cell(weights, index.tolist()))
    return torch.autograd.grad(F.cross_entropy(logits, yv), a)[0]


def test_gdas_architecture_step_against_the_straight_through_reference():
    torch.manual_seed(0)
    net = NB201SuperNet(C=4, num_classes=3, in_channels=1).double()
    X, y, Xv, yv = _batches()
    gd = GDAS(net, (Xv, yv), GDASConfig.PAPER.replace(num_epochs=4, batch_size=len(yv)),
              device="cpu", seed=3)
    alpha = gd.alphas["cell"]
    alpha.data = 0.5 * torch.randn(alpha.shape).to(alpha.dtype)
    g = torch.Generator()
    g.set_state(gd._gumbel_gen.get_state())
    exp_noise = torch.empty(alpha.shape, dtype=alpha.dtype).exponential_(generator=g)
    ref = reference_gdas_grad(net, alpha, gd.tau, exp_noise, Xv, yv)
    gd.arch_step(None, None, Xv, yv, F.cross_entropy)
    err = (alpha.grad - ref).abs().max()
    assert err < 1e-6 * ref.abs().max()
    # the wrong variant: every op mixed by the relaxed probabilities (DARTS on Gumbel noise)
    a = alpha.detach().clone().requires_grad_()
    probs = ((a.log_softmax(-1) - exp_noise.log()) / gd.tau).softmax(-1)
    soft = torch.autograd.grad(F.cross_entropy(net(Xv, cell(probs)), yv), a)[0]
    assert (soft - ref).abs().max() > 100 * err


# ------------------------------------------------------------------ fit's own step
def test_fit_step_is_sgd_with_weight_decay_on_the_clipped_gradient():
    """One batch of fit = torch's SGD (momentum, weight decay) on the gradient clipped to norm
    grad_clip, written as a plain loop."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    ref = copy.deepcopy(net)
    X, y = _single_path_data()
    clip, lr, wd = 0.05, 0.5, 0.1
    loss = F.cross_entropy(ref(X), y)
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    norm = torch.cat([g.flatten() for g in grads]).norm()
    assert norm > 4 * clip  # the clip is active
    expected = [p.detach() - lr * (g * clip / norm + wd * p.detach())
                for p, g in zip(ref.parameters(), grads)]
    fit(net, ((X, y), None), num_epochs=1, batch_size=len(y), lr=lr, weight_decay=wd,
        grad_clip=clip, scheduler=None, progress=False)
    for p, e in zip(net.parameters(), expected):
        assert torch.allclose(p.detach(), e, atol=1e-5)
