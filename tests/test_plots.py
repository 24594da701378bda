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
