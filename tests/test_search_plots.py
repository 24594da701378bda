import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from naslib_mini.viz import search_plots as sp  # noqa: E402


def test_predicted_vs_true_draws_each_group_and_the_diagonal():
    rng = np.random.default_rng(0)
    t = rng.random(10)
    fig = sp.plot_predicted_vs_true({"round 2": (t, t + 0.1, 0.05 * np.ones(10)),
                                     "round 3": (t, t - 0.1)})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert sorted(labels) == ["predicted = true", "round 2", "round 3"]
    diag = [ln for ln in ax.get_lines() if ln.get_label() == "predicted = true"][0]
    lo, hi = diag.get_xdata()
    assert lo == pytest.approx(min(t.min() - 0.1, t.min())) and hi == pytest.approx(t.max() + 0.1)
    with pytest.raises(ValueError):
        sp.plot_predicted_vs_true({"bad": (t, t[:3])})


def test_lines_on_a_given_axis():
    fig, ax = plt.subplots()
    out = sp.plot_lines([2, 3], {"spearman": [0.5, np.nan], "kendall": [0.3, 0.2]}, ax=ax)
    assert out is fig and [ln.get_label() for ln in ax.get_lines()][:2] == ["spearman", "kendall"]
    assert isinstance(sp.plot_lines([1, 10, 100], {"a": [1, 2, 3]}, logx=True), Figure)
    with pytest.raises(ValueError):
        sp.plot_lines([1, 2], {"a": [1, 2, 3]})
    plt.close(fig)


def test_embedding_with_paths():
    rng = np.random.default_rng(1)
    paths = [rng.random((4, 2)), rng.random((1, 2))]
    fig = sp.plot_embedding(rng.random((50, 2)), rng.random(50), paths=paths, title="eta = 10")
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the plot and its colour bar
    assert len(ax.collections) == 1 and len(ax.get_lines()) == 2 * len(paths)
    assert len(ax.texts) == 1  # one arrow head: the one-point path has none
    with pytest.raises(ValueError):
        sp.plot_embedding(rng.random((5, 3)), rng.random(5))
    with pytest.raises(ValueError):
        sp.plot_embedding(rng.random((5, 2)), rng.random(5), paths=[rng.random(3)])
