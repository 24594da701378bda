import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from naslib_mini.oneshot.single_path import count_updates, make_sampler  # noqa: E402
from naslib_mini.viz import fairness_plots as fp  # noqa: E402


def _history(name, steps=20):
    sampler, counts, history = make_sampler(name, 6, 5, seed=0), np.zeros((6, 5), int), []
    for _ in range(steps):  # the counting part of train_step, without a network
        counts = counts + count_updates(sampler.sample(), 6, 5)
        history.append(counts)
    return np.stack(history)


def test_fairness_plots_return_figures():
    hs = {"SPOS": _history("spos"), "FairNAS": _history("fairnas")}
    fig = fp.plot_update_counts(hs, layer=2, choice_names=list("abcde"))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    spread = fig.axes[-1].lines[1].get_ydata()       # FairNAS: no imbalance at any step
    assert np.allclose(spread, 0)
    rng = np.random.default_rng(0)
    t = rng.random(30)
    assert isinstance(fp.plot_inherited_vs_true({"a": (t, t + rng.normal(0, .1, 30)), "b": (t, t)}), Figure)
    res = {"SPOS": {"recal": [0.3, 0.4], "plain": [0.1, 0.2]}, "FairNAS": {"recal": [0.5, 0.6]}}
    assert isinstance(fp.plot_rank_correlation(res, paper={"SPOS": 0.6153, "FairNAS": 0.9487}), Figure)
    true_front = {"acc": [0.1, 0.5, 0.8], "MACs": [0, 1e4, 1e5], "params": [10, 100, 1000]}
    found = {"acc": [0.4, 0.7], "est": [0.5, 0.6], "MACs": [1e4, 1e5], "params": [100, 1000]}
    fig = fp.plot_pareto({"MACs": None, "params": None}, true_front, found, highlight=1,
                         cloud={"acc": [0.2, 0.3], "MACs": [5e3, 2e4], "params": [50, 200]})
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_envelope_is_the_2d_front():
    x, y = fp._envelope([3, 1, 2, 4], [0.5, 0.2, 0.6, 0.55])
    assert x.tolist() == [1, 2, 3, 4] and y.tolist() == [0.2, 0.6, 0.6, 0.6]
