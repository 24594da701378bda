import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from naslib_mini.viz import plots  # noqa: E402


def test_best_so_far_is_running_max():
    b = plots.best_so_far([[0.1, 0.5, 0.3, 0.7], [0.9, 0.2, 0.95, 0.1]])
    assert b.tolist() == [[0.1, 0.5, 0.5, 0.7], [0.9, 0.9, 0.95, 0.95]]


def test_plots_return_figures():
    h = {"epoch": [1, 2], "train_loss": [1, 0.5], "train_acc": [0.5, 0.8],
         "val_loss": [1.1, 0.6], "val_acc": [0.4, 0.7]}
    assert isinstance(plots.plot_history(h), Figure)
    assert isinstance(plots.plot_best_so_far({"rs": np.random.rand(3, 5)}, band="sem"), Figure)
    assert isinstance(plots.plot_counts(range(1, 4), [10, 100, 10**20], highlight=2), Figure)
    assert isinstance(plots.plot_images(np.random.rand(4, 1, 8, 8), [0, 1, 2, 3]), Figure)


def test_generic_pictures_return_figures_with_what_was_asked():
    rng = np.random.default_rng(0)
    fig = plots.plot_histograms({"all": rng.random(50), "top": rng.random(9)}, xlabel="acc")
    assert isinstance(fig, Figure) and len(fig.axes) == 2 and fig.axes[1].get_title() == "top"
    x = rng.random(30)
    fig = plots.plot_scatter({"a": (x, x), "b": (x, 1 - x)}, "y", diagonal=True, highlight=[0, 1],
                             highlight_label="best")
    assert len(fig.axes) == 2 and fig.axes[0].get_legend().get_texts()[0].get_text() == "best"
    fig = plots.plot_bars({"conv": {"ours": 0.3, "real": 0.2}, "pool": {"ours": 0.1}}, hline=0.2)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["conv", "pool"]
    fig = plots.plot_rank_correlation({"SPOS": {"recal": [0.3, 0.4], "plain": [0.1, 0.2]},
                                       "FairNAS": {"recal": [0.5, 0.6]}}, paper={"SPOS": 0.6})
    assert fig.axes[0].get_ylim() == (-1.05, 1.05)
    episodes = [{"reward": r, "baseline": 0.5} for r in (0.4, 0.6, 0.7)]
    fig = plots.plot_rewards(episodes)
    assert [list(ln.get_ydata()) for ln in fig.axes[0].get_lines()] == [[0.4, 0.6, 0.7], [0.5] * 3]
