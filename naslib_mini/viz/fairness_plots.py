"""Pictures for single-path supernets (notebook 11): how often each choice block was trained,
inherited against stand-alone accuracy, Pareto fronts (rank correlations: plots.plot_rank_correlation).
Every function returns a matplotlib Figure (or draws on `ax`); nothing here trains."""
from __future__ import annotations

import numpy as np

from .plots import _axes, plot_rank_correlation  # noqa: F401 (notebook 11 imports it from here)


def plot_update_counts(histories: dict, layer: int = 0, choice_names=None):
    """Per-choice update counts over training, one panel per sampler, plus the imbalance.

    histories: {label: (steps, L, n) cumulative counts}, e.g. single_path.SinglePath.history.
    Panel k: the n choices of `layer` against the step. Last panel: over all L x n blocks,
    (most - least trained) / step: 0 at every step under strict fairness.
    """
    fig, axes = _axes(None, len(histories) + 1, (4.2 * (len(histories) + 1), 3.3), squeeze=False)
    for ax, (label, h) in zip(axes, histories.items()):
        h = np.asarray(h)
        steps = np.arange(1, len(h) + 1)
        for c in range(h.shape[2]):
            name = choice_names[c] if choice_names is not None else f"choice {c}"
            ax.plot(steps, h[:, layer, c], label=name, lw=1.2)
        ax.set(xlabel="step", ylabel=f"updates of layer {layer}'s choices", title=label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    ax = axes[-1]
    for label, h in histories.items():
        h = np.asarray(h)
        steps = np.arange(1, len(h) + 1)
        spread = (h.max(axis=(1, 2)) - h.min(axis=(1, 2))) / steps
        ax.plot(steps, spread, label=label)
    ax.set(xlabel="step", ylabel="(max - min updates) / step", title="imbalance, all blocks")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig


def plot_inherited_vs_true(panels: dict, xlabel: str = "stand-alone accuracy (benchmark)",
                           ylabel: str = "inherited accuracy (supernet)"):
    """One scatter per entry {title: (true (N,), inherited (N,))}; the diagonal dashed."""
    fig, axes = _axes(None, len(panels), (4.2 * len(panels), 3.3), squeeze=False)
    for ax, (title, (true, inherited)) in zip(axes, panels.items()):
        true, inherited = np.asarray(true, float), np.asarray(inherited, float)
        ax.scatter(true, inherited, s=9, alpha=0.6)
        lo = min(true.min(), inherited.min())
        hi = max(true.max(), inherited.max())
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8, alpha=0.5)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        ax.grid(alpha=0.3)
    return fig


def _envelope(x, y):
    """The 2-D front of points (x minimised, y maximised): sorted by x, the running max of y."""
    order = np.argsort(x, kind="mergesort")
    return np.asarray(x, float)[order], np.maximum.accumulate(np.asarray(y, float)[order])


def plot_pareto(costs: dict, true_front: dict, found: dict, highlight: int | None = None,
                cloud: dict | None = None):
    """Accuracy against each cost (one panel per cost, e.g. MACs and parameters).

    costs: {cost name: None} (the panel order); true_front: {"acc": (n,), cost: (n,) ...} the
    benchmark's own Pareto front; found: {"acc": (k,) true accuracy of the search's front,
    "est": (k,) the accuracy the search believed (inherited), cost: (k,) ...};
    cloud: optional {"acc", cost ...} of every cell, drawn in grey; highlight: an index into
    found, circled.
    """
    names = list(costs)
    fig, axes = _axes(None, len(names), (4.8 * len(names), 3.3), squeeze=False)
    for ax, name in zip(axes, names):
        if cloud is not None:
            ax.scatter(cloud[name], cloud["acc"], s=3, c="0.8", label="all cells (benchmark)")
        ax.scatter(true_front[name], true_front["acc"], s=12, c="k", zorder=2,
                   label="true front (benchmark)")
        ax.step(*_envelope(true_front[name], true_front["acc"]), "k-", where="post", lw=0.8)
        ax.scatter(found[name], found["acc"], s=30, c="tab:orange", zorder=3,
                   label="search's front: true accuracy")
        if "est" in found:
            ax.scatter(found[name], found["est"], s=30, facecolors="none", edgecolors="tab:blue",
                       zorder=3, label="search's front: inherited accuracy")
        if highlight is not None:
            ax.scatter([found[name][highlight]], [found["acc"][highlight]], s=160,
                       facecolors="none", edgecolors="red", lw=2, zorder=4, label="picked")
        ax.set(xlabel=name, ylabel="validation accuracy")
        ax.set_xscale("symlog" if np.min(true_front[name]) <= 0 else "log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return fig
