"""The P-DARTS / PC-DARTS pictures return Figures drawn from plain numbers."""
import matplotlib

matplotlib.use("Agg")

from naslib_mini.genotypes import DARTS_PRIMITIVES  # noqa: E402
from naslib_mini.oneshot.pdarts import skip_dropout_rate  # noqa: E402
from naslib_mini.viz.darts_variants import (plot_k_costs, plot_op_survival,  # noqa: E402
                                            plot_skip_dropout)


def test_skip_dropout_plot():
    rates = {"stage 1": [skip_dropout_rate(0.1, e, 25, 10) for e in range(25)]}
    fig = plot_skip_dropout(rates, warmup_epochs=10, title="t")
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and list(ax.lines[0].get_ydata()) == rates["stage 1"]


def test_op_survival_counts_the_stages():
    stages = [[DARTS_PRIMITIVES] * 2, [DARTS_PRIMITIVES[:5]] * 2, [DARTS_PRIMITIVES[:3]] * 2]
    fig = plot_op_survival(stages, DARTS_PRIMITIVES)
    M = fig.axes[0].images[0].get_array()
    assert M.shape == (2, 8) and list(M[0]) == [3, 3, 3, 2, 2, 1, 1, 1]


def test_k_costs_has_a_panel_per_measure():
    assert len(plot_k_costs([1, 2], [0.1, 0.05], [2 ** 20, 2 ** 19]).axes) == 2
    fig = plot_k_costs([1, 2, 4], [0.1, 0.05, 0.03], [4e6, 2e6, 1e6], [16, 30, 53], budget_label="b")
    assert len(fig.axes) == 3 and [p.get_height() for p in fig.axes[2].patches] == [16, 30, 53]
