"""metrics.kendall_tau and metrics.spearman against scipy, ties and edge cases included."""
import numpy as np
import pytest
import scipy.stats

from naslib_mini import metrics


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n,levels", [(2, 10), (7, 3), (50, 4), (400, 12)])
def test_kendall_tau_b_and_spearman_match_scipy_with_ties(seed, n, levels):
    rng = np.random.default_rng(seed)
    a = np.r_[0, levels - 1, rng.integers(0, levels, n - 2)].astype(float)  # ties in a
    b = np.round(a + rng.normal(0, 1.5, n))               # ties in b, correlated with a
    assert np.ptp(a) > 0 and np.ptp(b) > 0                # (a constant sample has no tau)
    assert metrics.kendall_tau(a, b) == pytest.approx(scipy.stats.kendalltau(a, b).statistic, abs=1e-12)
    assert metrics.spearman(a, b) == pytest.approx(scipy.stats.spearmanr(a, b).statistic, abs=1e-12)


def test_rank_correlation_edge_cases():
    x = np.arange(10.0)
    assert metrics.kendall_tau(x, x) == pytest.approx(1.0)
    assert metrics.kendall_tau(x, -x) == pytest.approx(-1.0)
    assert metrics.kendall_tau(x, x ** 3) == pytest.approx(1.0)   # ranks only
    assert np.isnan(metrics.kendall_tau(x, np.ones(10)))           # all tied: undefined, as scipy
    assert np.isnan(scipy.stats.kendalltau(x, np.ones(10)).statistic)
    accs = np.array([0.1, 0.1, 0.1, 0.5, 0.7, 0.7])  # chance-level cells tie, as in the benchmark
    inherited = np.array([0.12, 0.1, 0.11, 0.4, 0.8, 0.6])
    assert metrics.kendall_tau(accs, inherited) == pytest.approx(
        scipy.stats.kendalltau(accs, inherited).statistic)


def test_spearman_of_a_constant_is_nan_without_warnings():
    import warnings
    x = np.arange(10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(metrics.spearman(x, np.ones(10)))
        assert np.isnan(metrics.spearman([1.0], [2.0]))
