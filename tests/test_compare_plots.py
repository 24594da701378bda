"""The showdown's pictures: one curve or line per strategy, bands, boxes, and a bad x refused."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from naslib_mini.compare import contenders  # noqa: E402
from naslib_mini.compare import OneShot, Truth, compare  # noqa: E402
from naslib_mini.spaces import nb201  # noqa: E402
from naslib_mini.viz import compare_plots as cp  # noqa: E402


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(0)
    base = rng.random(nb201.NUM_CELLS)
    truth = Truth(np.stack([base, base]), np.ones((2, nb201.NUM_CELLS)), base)
    return compare({"random": contenders.random_search(),
                    "evolution": contenders.regularized_evolution(),
                    "one-shot": OneShot(lambda s: int(rng.integers(nb201.NUM_CELLS)))},
                   budget=30, seeds=4, truth=truth)


def test_mean_band():
    R = np.array([[1.0, 2.0], [3.0, 6.0]])
    m, lo, hi = cp.mean_band(R, "minmax")
    np.testing.assert_allclose(m, [2, 4]) and np.testing.assert_allclose(lo, [1, 2])
    R5 = np.array([[1.0, 2.0], [3.0, 6.0], [2.0, 3.0], [1.5, 4.0], [2.5, 5.0]])
    m, lo, hi = cp.mean_band(R5, "ci95")
    assert (lo < m).all() and np.allclose(hi - m, m - lo)
    for few in (R[:1], R):  # one or two seeds: no band, never a t-interval from 2 seeds
        m, lo, hi = cp.mean_band(few, "ci95")
        assert (lo == m).all() and (hi == m).all()
    with pytest.raises(ValueError):
        cp.mean_band(R, "iqr")


def test_regret_against_lookups_and_seconds(results):
    fig = cp.plot_regret(results, linthresh=100 / 360, reference={"exact": ([1, 30], [0.1, 0.01])})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert len(labels) == 4 and labels[2].startswith("one-shot (one-shot, 4 seeds")
    np.testing.assert_allclose(ax.get_lines()[-1].get_ydata(), [10, 1])  # scaled to points
    curve = ax.get_lines()[0]
    assert len(curve.get_xdata()) == 30
    np.testing.assert_allclose(curve.get_ydata(), 100 * results.regret_at("random", range(1, 31)).mean(0))
    assert ax.get_yscale() == "symlog"
    fig = cp.plot_regret(results, x="seconds", selection="test")
    assert fig.axes[0].get_xscale() == "log"
    with pytest.raises(ValueError):
        cp.plot_regret(results, x="epochs")


def test_box_plot_gap_and_showdown(results):
    fig = cp.plot_final_regret(results, budget=10)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["random (4)", "evolution (4)", "one-shot (4)"]
    fig = cp.plot_selection_gap(results, names=["random", "evolution"])
    assert len(fig.axes[0].patches) == 4  # two bars per strategy
    fig = cp.plot_showdown(results, ["random", "one-shot"], budget=20)
    assert len(fig.axes) == 2
