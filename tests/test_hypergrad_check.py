"""DARTS' finite-difference hypergradient against the exact one: tiny error on smooth models
(shrinking as eps^2), several times the term's size on ReLU supernets at the official eps."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from naslib_mini import data
from naslib_mini.oneshot import bilevel
from naslib_mini.oneshot.config import DARTSConfig
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.hypergrad_check import OFFICIAL_R, fd_error
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
from naslib_mini.oneshot.search_cnn import SearchCNN
from naslib_mini.utils import seed_everything


CFG = DARTSConfig.NB201_QUICK  # the method's settings; fd_error uses only its alphas


class Toy:
    """softmax(alpha)-mixture of a linear and a tanh op (notebook 06's toy), float64."""

    def __init__(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.W = [torch.randn(5, 3, dtype=torch.float64, generator=g).requires_grad_() for _ in range(2)]
        self.a = torch.randn(2, dtype=torch.float64, generator=g).requires_grad_()
        self.Xt, self.Xv = (torch.randn(32, 5, dtype=torch.float64, generator=g) for _ in range(2))
        self.yt, self.yv = (torch.randint(0, 3, (32,), generator=g) for _ in range(2))

    def f(self, X, W):
        w = self.a.softmax(0)
        return w[0] * (X @ W[0]) + w[1] * torch.tanh(X @ W[1])

    def train_loss(self):
        return F.cross_entropy(self.f(self.Xt, self.W), self.yt)

    def val_loss(self):
        return F.cross_entropy(self.f(self.Xv, self.W), self.yv)

    def exact_by_unrolling(self, lr):  # autograd through w' = w - lr grad_w L_train
        g = torch.autograd.grad(self.train_loss(), self.W, create_graph=True)
        w_prime = [w - lr * gi for w, gi in zip(self.W, g)]
        return torch.autograd.grad(F.cross_entropy(self.f(self.Xv, w_prime), self.yv), self.a)[0]


def test_exact_hvp_gives_the_unrolled_hypergradient():
    toy, lr = Toy(), 0.5
    g_train = [g.detach() for g in torch.autograd.grad(toy.train_loss(), toy.W)]
    w_prime = bilevel.unrolled_weights([w.detach() for w in toy.W], g_train, lr)
    with bilevel.swapped(toy.W, w_prime):
        gs = torch.autograd.grad(toy.val_loss(), [toy.a, *toy.W])
    h = bilevel.exact_hvp(toy.train_loss, toy.W, [toy.a], [g.detach() for g in gs[1:]])[0]
    assert torch.allclose(gs[0] - lr * h, toy.exact_by_unrolling(lr), rtol=1e-10, atol=1e-12)


def test_smooth_toy_error_is_tiny_and_second_order():
    toy = Toy()
    res = bilevel.fd_hypergradient_error(toy.train_loss, toy.val_loss, toy.W, [toy.a], 0.5,
                                         rs=(1e-1, 1e-2, 1e-3))
    err = [r["hvp_error"] for r in res]
    assert err[1] < 1e-4                                   # the official r: tiny
    assert err[0] / err[1] > 50 and err[1] / err[2] > 50   # central difference: O(eps^2)
    assert [r["r"] for r in res] == [1e-1, 1e-2, 1e-3] and all(r["exact_norm"] > 0 for r in res)


def _batch(n=16):
    splits = data.load("digits", val_fraction=0.5, seed=0)
    return splits, splits.train.X[:n], splits.train.y[:n], splits.val.X[:n], splits.val.y[:n]


def _smooth(net):
    """ReLU -> Softplus everywhere: the same supernet, twice differentiable."""
    for m in list(net.modules()):
        for name, child in list(m.named_children()):
            if isinstance(child, nn.ReLU):
                setattr(m, name, nn.Softplus(beta=4))
    return net


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_supernet_error_is_large_and_smooth_one_small(seed):
    splits, X, y, Xv, yv = _batch()
    for smooth in (False, True):
        seed_everything(seed)
        net = NB201SuperNet(C=4, N=1, num_classes=10, in_channels=1)
        arch = DARTS(_smooth(net) if smooth else net, splits.val, CFG, seed=seed)
        before = {k: v.clone() for k, v in net.state_dict().items()}
        res = fd_error(arch, X, y, Xv, yv, rs=(OFFICIAL_R, 1e-3), dtype=torch.float64)
        if smooth:   # rounding-free and kink-free: O(eps^2)
            assert res[1]["hvp_error"] < 1e-3 and res[0]["hvp_error"] / res[1]["hvp_error"] > 50
        else:        # kinks inside +- eps: the difference is off by more than its own size
            assert res[0]["hvp_error"] > 1 and res[1]["hvp_error"] > 1
        after = net.state_dict()                            # weights and BN statistics restored
        assert all(torch.equal(before[k], after[k]) for k in before)
        assert next(net.parameters()).dtype == torch.float32  # dtype ran on a copy


def test_darts_searchcnn_error_at_official_eps():
    splits, X, y, Xv, yv = _batch(8)
    seed_everything(0)
    net = SearchCNN(C=2, layers=1, num_classes=10, in_channels=1)
    res = fd_error(DARTS(net, splits.val, CFG), X, y, Xv, yv, rs=(OFFICIAL_R,), dtype=torch.float64)
    assert res[0]["hvp_error"] > 0.5 and 0 < res[0]["eps"] < 1


def test_bad_arguments():
    toy = Toy()
    with pytest.raises(ValueError, match="rs must be positive"):
        bilevel.fd_hypergradient_error(toy.train_loss, toy.val_loss, toy.W, [toy.a], 0.5, rs=(0,))
    splits, X, y, Xv, yv = _batch(4)
    arch = DARTS(NB201SuperNet(C=2, num_classes=10, in_channels=1), splits.val, CFG)
    with pytest.raises(ValueError, match="lr"):
        fd_error(arch, X, y, Xv, yv, lr=0.0)
