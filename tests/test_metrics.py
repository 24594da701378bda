import numpy as np
import pytest
import scipy.stats
import torch
from torch import nn

from naslib_mini import metrics


@pytest.mark.parametrize("seed", range(5))
def test_rank_correlations_match_scipy(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 6, 60).astype(float)  # many ties
    b = a + rng.normal(0, 2, 60)
    assert metrics.kendall_tau(a, b) == pytest.approx(scipy.stats.kendalltau(a, b)[0])
    assert metrics.spearman(a, b) == pytest.approx(scipy.stats.spearmanr(a, b)[0])


def test_macs_of_known_layers():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1, groups=8),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    expected = 8 * 32 * 32 * 3 * 9 + 8 * 32 * 32 * 1 * 9 + 10 * 8
    assert metrics.count_macs(net, (3, 32, 32)) == expected


def test_latency_is_positive():
    assert metrics.measure_latency(nn.Linear(4, 4), (4,), reps=3) > 0
