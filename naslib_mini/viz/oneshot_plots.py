"""Pictures of one-shot searches (DARTS, GDAS and their descendants). Each function takes
plain arrays, draws on `ax` (or a new figure) and returns the Figure. Nothing here trains.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .plots import _axes


def _matrix(weights, primitives):
    """(E, n) array, or per-edge 1-D arrays with per-edge op lists -> (E, |vocab|) with NaN
    where an edge lacks an op, and the vocabulary."""
    if all(isinstance(p, str) for p in primitives):
        return np.asarray(weights, dtype=float), list(primitives)
    vocab = list(dict.fromkeys(op for ops in primitives for op in ops))
    M = np.full((len(primitives), len(vocab)), np.nan)
    for e, (w, ops) in enumerate(zip(weights, primitives)):
        for v, op in zip(np.asarray(w, dtype=float), ops):
            M[e, vocab.index(op)] = v
    return M, vocab


def edge_labels(edges, n_inputs: int = 2) -> list[str]:
    """'c_{k-2}->0' style labels for (src, dst) edges with global numbering (DARTS cells: the
    inputs are c_{k-2}, c_{k-1}, intermediate nodes 0, 1, ...); with n_inputs=1, 'i->j'."""
    if n_inputs == 1:
        return [f"{s}->{d}" for s, d in edges]
    name = lambda k: f"c{{k-{n_inputs - k}}}" if k < n_inputs else str(k - n_inputs)  # noqa: E731
    return [f"{name(s)}->{name(d)}".replace("c{", "c_{") for s, d in edges]


def plot_alphas(weights: dict, primitives, labels=None, axes=None, title: str | None = None,
                vmax: float | None = None, label: str = "softmax(alpha)", panel: str = "{} cell"):
    """Heatmaps of the mixing weights softmax(alpha), one per cell type: rows are edges,
    columns ops, each cell annotated with its weight.

    weights: {cell type: (E, n) array}; primitives: op names (or one list per edge);
    labels: E row labels (default e0, e1, ...). label: the colour bar's; panel: each panel's
    title, formatted with the cell type (a controller's policy: label="P(op)", panel="{}").
    """
    kinds = list(weights)
    if axes is None:
        n_rows = len(next(iter(weights.values())))
        fig, axes = _axes(None, len(kinds), (5.2 * len(kinds), 0.32 * n_rows + 1.8), squeeze=False)
    axes = np.atleast_1d(axes)
    fig = axes[0].figure
    mats = {k: _matrix(weights[k], primitives[k] if isinstance(primitives, dict) else primitives)
            for k in kinds}
    top = vmax if vmax is not None else max(np.nanmax(m) for m, _ in mats.values())
    for ax, k in zip(axes, kinds):
        M, vocab = mats[k]
        im = ax.imshow(M, cmap="viridis", vmin=0, vmax=top, aspect="auto")
        for (e, o), v in np.ndenumerate(M):
            if np.isfinite(v):
                ax.text(o, e, f"{v:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if v < 0.6 * top else "black")
        ax.set_xticks(range(len(vocab)), vocab, rotation=45, ha="right", fontsize=8)
        rows = labels or [f"e{e}" for e in range(len(M))]
        ax.set_yticks(range(len(M)), [r.replace("_{", "[").replace("}", "]") for r in rows], fontsize=7)
        ax.set_title(panel.format(k), fontsize=10)
    fig.colorbar(im, ax=list(axes), shrink=0.8, label=label)
    if title:
        fig.suptitle(title)
    return fig


def plot_alpha_trajectories(history, primitives, edge: int = 0, ax=None, title: str | None = None):
    """The weight of every op on one edge over the epochs. history: (T, E, n) array."""
    fig, ax = _axes(ax)
    H = np.asarray(history, dtype=float)
    epochs = np.arange(1, len(H) + 1)
    for o, op in enumerate(primitives):
        ax.plot(epochs, H[:, edge, o], marker="o", ms=3,
                ls="--" if op in ("none", "skip_connect") else "-", label=op)
    ax.set(xlabel="epoch", ylabel="softmax(alpha)", title=title or f"edge {edge}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return fig


def plot_op_share(epochs, shares: dict, accuracy=None, acc_label: str = "accuracy", ax=None,
                  title: str | None = None, ylabel: str = "share of the derived cell's edges"):
    """Share of an op in the derived cell over epochs (one line per label), with an optional
    accuracy curve on a second axis."""
    fig, ax = _axes(ax, figsize=(6, 3.2))
    for label, s in shares.items():
        ax.plot(epochs, s, marker="o", ms=3, label=label)
    ax.set(xlabel="epoch", ylabel=ylabel, ylim=(-0.05, 1.05))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if accuracy is not None:
        ax2 = ax.twinx()
        ax2.plot(epochs, accuracy, color="k", ls=":", marker="s", ms=3, label=acc_label)
        ax2.set_ylabel(acc_label)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="best")
    else:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])


def plot_simplex(samples, labels, probs=None, ax=None, title: str | None = None):
    """Points of the 3-op simplex (N, 3) (e.g. Gumbel-softmax samples) in a triangle whose
    corners are the one-hot choices; `probs` (3,) marks softmax(alpha)."""
    fig, ax = _axes(ax, figsize=(3.6, 3.4))
    P = np.asarray(samples, dtype=float) @ _CORNERS  # (N, 2)
    ax.plot(*np.vstack([_CORNERS, _CORNERS[:1]]).T, color="0.3", lw=1)
    ax.scatter(P[:, 0], P[:, 1], s=6, alpha=0.35)
    if probs is not None:
        ax.scatter(*(np.asarray(probs, dtype=float) @ _CORNERS), marker="*", s=160,
                   color="tab:red", label="softmax(alpha)", zorder=3)
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    for (x, y), lab, dy in zip(_CORNERS, labels, (-0.07, -0.07, 0.04)):
        ax.text(x, y + dy, lab, ha="center", fontsize=8)
    ax.set(xlim=(-0.15, 1.15), ylim=(-0.15, 1.0), aspect="equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def plot_frequencies(freqs: dict, labels, ax=None, title: str | None = None):
    """Grouped bars: for each op, one bar per source (e.g. softmax(alpha), Gumbel-max
    samples, torch's gumbel_softmax). freqs: {source: (n,) array}."""
    fig, ax = _axes(ax, figsize=(6, 3))
    n, k = len(labels), len(freqs)
    width = 0.8 / k
    for j, (name, f) in enumerate(freqs.items()):
        ax.bar(np.arange(n) + (j - (k - 1) / 2) * width, f, width, label=name)
    ax.set_xticks(range(n), labels, fontsize=8)
    ax.set(ylabel="probability / frequency")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_step_costs(costs: dict, ax=None, title: str | None = None):
    """Time and memory of one search step per method: costs {label: {"time_s", "saved_bytes",
    optional "cuda_peak_bytes"}} -> two bar panels."""
    fig, (a_t, a_m) = _axes(ax, ncols=2, figsize=(8, 3))
    names = list(costs)
    a_t.bar(names, [costs[n]["time_s"] * 1e3 for n in names], color="tab:blue")
    a_t.set(ylabel="ms per search step")
    mem = [costs[n]["saved_bytes"] / 2 ** 20 for n in names]
    a_m.bar(names, mem, color="tab:orange", label="saved for backward")
    peaks = [costs[n].get("cuda_peak_bytes") for n in names]
    if all(p is not None for p in peaks):
        a_m.scatter(names, [p / 2 ** 20 for p in peaks], color="k", zorder=3, label="CUDA peak")
    a_m.set(ylabel="MiB")
    a_m.legend(fontsize=8)
    for a in (a_t, a_m):
        a.grid(alpha=0.3, axis="y")
    if title:
        fig.suptitle(title)
    return fig


def plot_truth(table, found: dict, ax=None, xlabel: str = "test accuracy (benchmark)",
               title: str | None = None):
    """Histogram of a benchmark metric over every cell, with the cells each method found
    marked below it. found: {label: list of values (one per seed)}."""
    fig, ax = _axes(ax, figsize=(6.5, 3.2))
    table = np.asarray(table, dtype=float)
    ax.hist(table, bins=60, color="0.75", label=f"all {len(table):,} cells")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, (label, vals) in enumerate(found.items()):
        vals = np.atleast_1d(np.asarray(vals, dtype=float))
        ax.scatter(vals, np.full(len(vals), -(j + 1) * 0.04 * ax.get_ylim()[1]), marker="v",
                   s=60, color=colors[j % len(colors)], label=f"{label} ({len(vals)} runs)", zorder=3)
    ax.set(xlabel=xlabel, ylabel="number of cells")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig
