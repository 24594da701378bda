import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from naslib_mini.genotypes import DARTS_PRIMITIVES  # noqa: E402
from naslib_mini.oneshot.search_cnn import darts_edges  # noqa: E402
from naslib_mini.viz import oneshot_plots as op  # noqa: E402


def _softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_edge_labels():
    labels = op.edge_labels(darts_edges())
    assert labels[:3] == ["c_{k-2}->0", "c_{k-1}->0", "c_{k-2}->1"] and labels[-1] == "2->3"
    assert op.edge_labels([(0, 1)], n_inputs=1) == ["0->1"]


def test_alpha_heatmaps():
    rng = np.random.default_rng(0)
    w = {"normal": _softmax(rng.normal(size=(14, 8))), "reduce": _softmax(rng.normal(size=(14, 8)))}
    fig = op.plot_alphas(w, DARTS_PRIMITIVES, op.edge_labels(darts_edges()), title="epoch 1")
    assert isinstance(fig, Figure) and len(fig.axes) == 3  # two heatmaps and a colour bar
    ragged = {"normal": [np.array([0.5, 0.5]), np.array([0.2, 0.3, 0.5])]}
    M, vocab = op._matrix(ragged["normal"], [("none", "skip_connect"), ("none", "max_pool_3x3", "skip_connect")])
    assert vocab == ["none", "skip_connect", "max_pool_3x3"] and np.isnan(M[0, 2]) and M[1, 1] == 0.5
    assert isinstance(op.plot_alphas(ragged, {"normal": [("none", "skip_connect"),
                                                         ("none", "max_pool_3x3", "skip_connect")]}), Figure)


def test_trajectories_shares_and_costs():
    H = _softmax(np.random.default_rng(1).normal(size=(5, 14, 8)))
    assert isinstance(op.plot_alpha_trajectories(H, DARTS_PRIMITIVES, edge=3), Figure)
    assert isinstance(op.plot_op_share([1, 2, 3], {"normal": [0, 0.25, 0.5]}, accuracy=[0.9, 0.8, 0.7]), Figure)
    assert isinstance(op.plot_op_share([1, 2], {"normal": [0, 1]}), Figure)
    costs = {"DARTS": {"time_s": 0.5, "saved_bytes": 2 ** 24, "cuda_peak_bytes": None},
             "GDAS": {"time_s": 0.1, "saved_bytes": 2 ** 21, "cuda_peak_bytes": None}}
    assert isinstance(op.plot_step_costs(costs), Figure)


def test_gumbel_pictures_and_truth():
    s = _softmax(np.random.default_rng(2).normal(size=(100, 3)))
    assert isinstance(op.plot_simplex(s, ["a", "b", "c"], probs=[0.2, 0.3, 0.5], title="tau"), Figure)
    assert isinstance(op.plot_frequencies({"softmax": [0.2, 0.8], "samples": [0.25, 0.75]}, ["a", "b"]), Figure)
    table = np.random.default_rng(3).random(1000)
    assert isinstance(op.plot_truth(table, {"DARTS": [0.5, 0.6], "GDAS": 0.7}), Figure)
