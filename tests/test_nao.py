from dataclasses import dataclass

import numpy as np
import pytest
import torch

from naslib_mini import spaces
from naslib_mini.metrics import spearman
from naslib_mini.spaces import nb201
from naslib_mini.strategies import run
from naslib_mini.strategies.nao import NAO, NAOSearch

NB201 = spaces.get("nb201")


@dataclass(frozen=True)
class NoFirst(nb201.NB201Space):
    """NAS-Bench-201 cells whose first edge never carries op id `bad`: a space in which some
    token sequences are not architectures (from_tokens refuses them)."""
    bad: int = 0

    def sample(self, rng):
        cell = super().sample(rng)
        while nb201.OPS.index(cell[0]) == self.bad:
            cell = super().sample(rng)
        return cell

    def from_tokens(self, tokens):
        if int(tokens[0]) == self.bad:
            raise ValueError(f"op {self.bad} on the first edge is not in this space")
        return nb201.from_tokens(tokens)


def frac3(tokens):
    """Toy objective: fraction of edges that are nor_conv_3x3 (token 3)."""
    return (torch.as_tensor(tokens) == 3).float().mean(-1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = torch.tensor([NB201.to_tokens(NB201.sample(rng)) for _ in range(400)])  # (400, 6)
    return X[:200], frac3(X[:200]), X[200:], frac3(X[200:])


@pytest.fixture(scope="module")
def model(data):
    X, y, _, _ = data
    torch.manual_seed(0)
    m = NAO(vocab=5, seq_len=6)  # emb 32, hidden 64
    m.history = m.fit(X, y, num_epochs=30, lr=1e-2, batch_size=50)  # 120 Adam steps, ~1.5 s
    return m


def test_shapes_and_loss():
    torch.manual_seed(0)
    m = NAO(vocab=5, seq_len=6, emb=8, hidden=16, mlp_hidden=8)
    x = torch.randint(0, 5, (7, 6))
    e, states = m.encode(x)
    assert e.shape == (7, 16) and states.shape == (7, 6, 16)
    f = m.predict(e)
    assert f.shape == (7,) and ((f > 0) & (f < 1)).all()
    assert m.decode(e, states, 6).shape == (7, 6)
    total, l_pp, l_rec = m.loss(x, torch.rand(7))
    assert torch.isclose(total, 0.8 * l_pp + 0.2 * l_rec)


def test_loss_falls_and_reconstructs(model, data):
    X, _, _, _ = data
    h = model.history
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    assert np.allclose(h["train_loss"], 0.8 * np.array(h["predict"]) + 0.2 * np.array(h["reconstruct"]),
                       rtol=1e-5)  # the epoch means of L = lam L_pp + (1 - lam) L_rec
    exact = (model.reconstruct(X) == X).all(1).float().mean().item()
    assert exact >= 0.9


def test_predictor_ranks_held_out(model, data):
    _, _, X_test, y_test = data
    with torch.no_grad():
        pred = model.predict(model.encode(X_test)[0])
    assert spearman(pred.numpy(), y_test.numpy()) > 0.8


def test_small_gradient_step_raises_prediction(model, data):
    X, _, _, _ = data
    new, f_before, f_after = model.ascend(X, eta=0.05)
    assert new.shape == X.shape and f_before.shape == f_after.shape == (len(X),)
    assert (f_after >= f_before).float().mean().item() >= 0.95
    # a paper-sized step moves (some) architectures to new sequences that predict higher
    new, f_before, f_after = model.ascend(X, eta=10.0)
    assert (new != X).any(1).any() and f_after.mean() > f_before.mean()


def frac3_cell(cell) -> float:
    return sum(op == "nor_conv_3x3" for op in cell) / len(cell)


@pytest.mark.parametrize("bad_first", [0, 3])
def test_search_never_proposes_invalid_or_duplicate(bad_first):
    space = NoFirst(bad_first)
    s = NAOSearch(space, n_init=20, top_k=10, num_epochs=20, lr=1e-2, seed=0)
    scores = run(s, frac3_cell, budget=50)
    archs = [a for a, _ in s.history]
    assert len(scores) == 50 and len(set(archs)) == 50
    assert all(nb201.OPS.index(a[0]) != bad_first for a in archs)
    assert s.rounds >= 2 and s.proposed == s.invalid + s.duplicates + s.accepted
    assert s.accepted + s.random >= 50
    assert s.best()[1] == max(scores)
    if bad_first == 3:  # ascent on "more 3s" pushes decodes to a 3 in front: refused, counted
        assert s.invalid > 0


def test_search_best_before_tell_and_spaces_with_anchors():
    with pytest.raises(ValueError):
        NAOSearch(NB201).best()
    with pytest.raises(ValueError, match="anchor"):
        NAOSearch(spaces.get("zoph"))


def test_ascent_path_ends_where_ascend_decodes(model, data):
    X = data[0][:16]
    path = model.ascent_path(X, eta=5.0, steps=3)
    assert path.shape == (4, 16, 64)
    e0, _ = model.encode(X)
    assert torch.allclose(path[0], e0.detach(), atol=1e-6)
    new, f_before, f_after = model.ascend(X, eta=5.0, steps=3)
    with torch.no_grad():
        assert torch.allclose(model.predict(path[-1]), f_after, atol=1e-6)
        assert torch.allclose(model.predict(path[0]), f_before, atol=1e-6)
