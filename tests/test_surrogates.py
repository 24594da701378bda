"""PNAS surrogates: mixed-length batches, learning a known toy target, determinism, spread."""
import numpy as np
import pytest
import scipy.stats
import torch

from naslib_mini import spaces
from naslib_mini.spaces import pnas
from naslib_mini.surrogates import (Ensemble, LSTMSurrogate, MLPSurrogate, pad_tokens,
                                    rank_correlations)

SMALL = dict(embed_dim=32, hidden=32)  # test-sized models; the defaults are the paper's 100


def toy(cell):
    """Known function of the cell: fraction of sep_conv_3x3 ops + 0.1 x blocks."""
    ops = [o for k in cell.blocks for o in (k.op1, k.op2)]
    return ops.count("sep_conv_3x3") / len(ops) + 0.1 * cell.B


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    cells = [spaces.get("pnas", B=int(rng.integers(1, 4))).sample(rng) for _ in range(300)]
    return [pnas.encode_tokens(c) for c in cells], np.array([toy(c) for c in cells])


@pytest.mark.parametrize("cls", [MLPSurrogate, LSTMSurrogate])
def test_mixed_lengths_batch(cls, data):
    T, _ = data
    batch = [t for t in T if len(t) == 4][:2] + [t for t in T if len(t) == 8][:2] + \
            [t for t in T if len(t) == 12][:2]
    model = cls(**SMALL)
    X, lengths = pad_tokens(batch, model.vocab_size)
    assert X.shape == (6, 12) and lengths.tolist() == [4, 4, 8, 8, 12, 12]
    out = model(X, lengths)
    assert out.shape == (6,) and torch.isfinite(out).all()
    assert torch.equal(model(X), out)  # the lengths, counted from the padding, are the same
    # padding does not change a cell's prediction
    alone = torch.stack([model(*pad_tokens([t], model.vocab_size))[0] for t in batch])
    assert torch.allclose(out, alone, atol=1e-5)


def test_pad_tokens_rejects_bad_input():
    with pytest.raises(ValueError):
        pad_tokens([[0, 1, 7]], 15)
    with pytest.raises(ValueError):
        pad_tokens([[0, 1, 7, 15]], 15)


@pytest.mark.parametrize("kind,n_models", [("mlp", 5), ("lstm", 3)])
def test_ensemble_learns_toy_target(kind, n_models, data):
    T, y = data
    e = Ensemble(kind, n_models=n_models, seed=0, **SMALL).fit(T[:200], y[:200], num_epochs=40)
    assert all(h[-1] < h[0] for h in e.history)  # the L1 loss falls
    mean, std = e.predict(T[200:])
    assert mean.shape == std.shape == (100,)
    assert rank_correlations(mean, y[200:])["spearman"] > 0.8
    assert std.max() > 0


@pytest.mark.parametrize("kind", ["mlp", "lstm"])
@pytest.mark.parametrize("subset", ["fold", "bootstrap"])
def test_predictions_deterministic_for_a_seed(kind, subset, data):
    T, y = data
    fit = lambda: Ensemble(kind, n_models=2, seed=7, subset=subset, **SMALL).fit(  # noqa: E731
        T[:60], y[:60], num_epochs=3).predict(T[60:80])
    (m1, s1), (m2, s2) = fit(), fit()
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(s1, s2)
    assert s1.max() > 0


def test_bias_starts_at_mean_target_and_seeds_differ(data):
    T, y = data
    e0 = Ensemble("mlp", n_models=2, seed=0, subset="all", **SMALL).fit(T[:50], y[:50], num_epochs=0)
    assert all(abs(m.head.bias.item() - y[:50].mean()) < 1e-6 for m in e0.models)
    state = torch.random.get_rng_state()
    a = Ensemble("mlp", n_models=2, seed=0, **SMALL).fit(T[:50], y[:50], num_epochs=3).predict(T[50:60])[0]
    b = Ensemble("mlp", n_models=2, seed=1, **SMALL).fit(T[:50], y[:50], num_epochs=3).predict(T[50:60])[0]
    assert not np.allclose(a, b)
    assert torch.equal(state, torch.random.get_rng_state())  # the global torch RNG is untouched


def test_rank_correlations_match_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=30), rng.normal(size=30)
    b[:5] = b[5]  # ties
    r = rank_correlations(a, b)
    assert r["spearman"] == pytest.approx(scipy.stats.spearmanr(a, b)[0])
    assert r["kendall"] == pytest.approx(scipy.stats.kendalltau(a, b)[0])
