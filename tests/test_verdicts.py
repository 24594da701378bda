"""Verdicts with margins: intervals inside the data's range, none below MIN_SEEDS, a winner
only beyond the uncertainty, pairing that removes shared noise, plain numbers."""
import math

import numpy as np
import pytest

from naslib_mini import verdicts as V


def test_plain_never_scientific():
    assert V.plain(100.0) == "100" and V.plain(10123.4) == "10,123"
    assert V.plain(1e6) == "1,000,000" and "e" not in V.plain(1e20)
    assert V.plain(3.14159) == "3.14" and V.plain(0.000123) == "0.000123"
    assert V.plain(0.0123) == "0.0123" and V.plain(0) == "0.00" and V.plain(-2.5, 1) == "-2.5"
    assert V.plain(float("nan")) == "nan"
    with pytest.raises(ValueError, match="decimals"):
        V.plain(1.0, -1)


def test_bootstrap_interval_stays_in_range_and_needs_seeds():
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0])   # an accuracy or a regret at its edge
    lo, hi = V.bootstrap_ci(x)
    assert 0.0 <= lo <= x.mean() <= hi <= 1.0
    assert all(math.isnan(v) for v in V.bootstrap_ci(x[:4]))   # 4 < MIN_SEEDS seeds
    assert V.bootstrap_ci([0.3] * 6) == (0.3, 0.3)
    # a t-interval from these 5 values would leave [0, 1]:
    t_half = 2.776 * x.std(ddof=1) / np.sqrt(5)
    assert x.mean() - t_half < 0


def test_coverage_of_bootstrap_interval():
    """Roughly nominal coverage at 20 seeds (the bootstrap is optimistic at 5)."""
    rng = np.random.default_rng(1)
    hits = sum(lo <= 0.5 <= hi for lo, hi in
               (V.bootstrap_ci(rng.normal(0.5, 0.1, 20), n_boot=2000, seed=k) for k in range(200)))
    assert 0.88 <= hits / 200 <= 0.99


def test_verdict_needs_difference_beyond_uncertainty():
    rng = np.random.default_rng(0)
    a = 0.80 + 0.01 * rng.standard_normal(5)
    b = 0.60 + 0.01 * rng.standard_normal(5)
    assert V.verdict("A", a, "B", b, lower_is_better=False).startswith("A beats B")
    assert V.verdict("A", a, "B", b, lower_is_better=True).startswith("B beats A")
    same = 0.7 + 0.05 * rng.standard_normal(5)
    assert "not separable at 5 seeds" in V.verdict("A", same, "B", same[::-1])
    assert "fewer than 5 seeds" in V.verdict("A", a[:3], "B", b[:3])


def test_margin():
    a, b = np.full(5, 0.72) + [0, 1e-3, 0, -1e-3, 0], np.full(5, 0.70)
    assert "beats" in V.verdict("A", a, "B", b, lower_is_better=False)
    v = V.verdict("A", a, "B", b, lower_is_better=False, margin=0.05)
    assert "not separable" in v and "margin 5.00 points" in v
    with pytest.raises(ValueError, match="margin"):
        V.verdict("A", a, "B", b, margin=-1)


def test_pairing_removes_shared_noise():
    rng = np.random.default_rng(3)
    seed_effect = rng.normal(0, 0.1, 8)           # what both runs of a seed share
    a, b = 0.5 + seed_effect + 0.02, 0.5 + seed_effect
    assert "not separable" in V.verdict("A", a, "B", b, lower_is_better=False)
    paired = V.verdict("A", a, "B", b, lower_is_better=False, paired=True)
    assert paired.startswith("A beats B") and "paired over 8 seeds" in paired
    lo, hi = V.paired_difference_ci(a, b)
    assert lo == pytest.approx(0.02) and hi == pytest.approx(0.02)
    with pytest.raises(ValueError, match="one value per seed"):
        V.paired_difference_ci(a, b[:5])


def test_describe_and_held_and_errors():
    assert V.describe([0.5, 0.6]) == "0.550 (2 seeds: too few for an interval)"
    d = V.describe([0.5, 0.6, 0.7, 0.6, 0.5], scale=100, decimals=1)
    assert d.startswith("58.0 [") and d.endswith("(95% bootstrap CI, 5 seeds)")
    assert V.held_count([True, False, True, True, True]) == "4/5"
    with pytest.raises(ValueError, match="NaN"):
        V.bootstrap_ci([0.1, float("nan"), 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="1-D"):
        V.bootstrap_ci(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="level"):
        V.bootstrap_ci(np.arange(5.0), level=95)


def test_few_seeds_need_the_t_interval_too():
    """At 5 seeds the percentile bootstrap can exclude 0 on noise that a t-interval does not
    rule out: no verdict then (a depth-gap run near chance: 4 of 5 negative, one positive)."""
    d = np.array([-0.314, -0.669, -0.061, -0.584, 0.203])
    lo, hi = V.bootstrap_ci(d)
    tlo, thi = V.t_interval(d)
    assert hi < 0 < thi                                   # the two disagree
    v = V.verdict("deep", d, "shallow", np.zeros(5), lower_is_better=False, paired=True)
    assert "not separable at 5 seeds" in v and "t-interval" in v
    # with 20 such seeds the difference is clear to both
    d20 = np.tile(d, 4) - 0.1
    assert V.verdict("deep", d20, "shallow", np.zeros(20), lower_is_better=False,
                     paired=True).startswith("shallow beats deep")


def test_t_interval_forms():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    lo, hi = V.t_interval(x)
    assert lo == pytest.approx(3 - 2.7764 * np.std(x, ddof=1) / np.sqrt(5), abs=1e-3)
    assert V.t_interval(x, x, paired=True) == (0.0, 0.0)
    wlo, whi = V.t_interval(x, x + 1)                      # Welch
    assert wlo < -1 < whi
    assert all(math.isnan(v) for v in V.t_interval(x[:3]))
    with pytest.raises(ValueError, match="one value per seed"):
        V.t_interval(x, x[:4], paired=True)


def test_bootstrap_undercovers_at_five_seeds():
    """The reason verdict() also asks the t-interval: at 5 seeds the percentile bootstrap's
    95% interval covers the true mean only about 83% of the time (normal data)."""
    rng = np.random.default_rng(7)
    hits = sum(lo <= 0 <= hi for lo, hi in
               (V.bootstrap_ci(rng.normal(0, 1, 5), n_boot=1000, seed=k) for k in range(600)))
    assert 0.78 <= hits / 600 <= 0.90
