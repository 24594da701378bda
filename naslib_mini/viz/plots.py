"""Matplotlib pictures, the generic ones every notebook shares: training histories, best-so-far
curves, counts, histograms, scatters against a truth, grouped bars, rank correlations,
REINFORCE's rewards. Each function draws on `ax` (or a new figure) and returns the Figure; the
caller shows or saves it. `_axes` is the one figure helper of viz/. Nothing here trains or
imports training code."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, ncols=1, figsize=(5, 3.2), squeeze=True):
    """(fig, ax): `ax`'s figure, or a new row of `ncols` axes (an array of them unless one and
    squeeze; always an array with squeeze=False)."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(1, ncols, figsize=figsize, constrained_layout=True, squeeze=squeeze)
    plt.close(fig)  # returned Figures display once in Jupyter; pyplot would show them twice
    return fig, (ax if squeeze else ax[0])


def plot_history(history: dict, axes=None, title: str | None = None):
    """Loss and accuracy per epoch from `train.fit`'s history (train and validation)."""
    fig, (ax_loss, ax_acc) = _axes(axes, ncols=2, figsize=(9, 3.2))
    for split, style in (("train", "-"), ("val", "--")):
        if f"{split}_loss" in history:
            ax_loss.plot(history["epoch"], history[f"{split}_loss"], style, label=split)
            ax_acc.plot(history["epoch"], history[f"{split}_acc"], style, label=split)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy")
    for a in (ax_loss, ax_acc):
        a.legend()
        a.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def best_so_far(scores) -> np.ndarray:
    """Running maximum along the last axis: (seeds, steps) -> (seeds, steps)."""
    return np.maximum.accumulate(np.asarray(scores, dtype=float), axis=-1)


def plot_best_so_far(curves: dict, ax=None, ylabel: str = "best validation accuracy so far",
                     xlabel: str = "architectures evaluated", band: str = "minmax"):
    """One line per method: the mean over seeds of best-so-far, with a band.

    curves: {label: array (seeds, steps) of raw scores in evaluation order}.
    band: "minmax" (the spread of the seeds) or "sem" (mean +- standard error).
    """
    fig, ax = _axes(ax)
    for label, scores in curves.items():
        b = best_so_far(scores)
        x = np.arange(1, b.shape[-1] + 1)
        mean = b.mean(0)
        if band == "sem":
            half = b.std(0, ddof=1) / np.sqrt(len(b)) if len(b) > 1 else 0 * mean
            lo, hi = mean - half, mean + half
        else:
            lo, hi = b.min(0), b.max(0)
        ax.plot(x, mean, label=f"{label} (mean of {len(b)} seeds)")
        ax.fill_between(x, lo, hi, alpha=0.2)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_images(X, y, classes=None, n: int = 20, ncols: int = 10):
    """A grid of the first `n` images (X: (N, C, H, W) tensor or array) with their labels."""
    X = np.asarray(X.detach().cpu() if hasattr(X, "detach") else X)[:n]
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)[:n]
    nrows = int(np.ceil(len(X) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 0.9, nrows * 1.05))
    plt.close(fig)
    for ax, img, label in zip(np.ravel(axes), X, y):
        img = img.transpose(1, 2, 0)
        img = (img - img.min()) / (img.max() - img.min() + 1e-8)
        ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray_r")
        ax.set_title(classes[label] if classes else str(label), fontsize=8)
    for ax in np.ravel(axes):
        ax.axis("off")
    return fig


def plot_counts(xs, counts, highlight=None, ax=None, xlabel: str = "", title: str | None = None):
    """Bars of exact counts on a log scale (search-space sizes); `highlight` marks one x."""
    fig, ax = _axes(ax)
    xs = list(xs)
    colors = ["tab:orange" if x == highlight else "tab:blue" for x in xs]
    ax.bar([str(x) for x in xs], [float(c) for c in counts], color=colors)
    ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel="number of architectures")
    ax.grid(alpha=0.3, axis="y")
    if title:
        ax.set_title(title)
    return fig


def plot_histograms(panels: dict, xlabel: str = "", ylabel: str = "cells", bins: int = 60,
                    range=None, ax=None):
    """One histogram per panel: {title: values (N,)}."""
    fig, axes = _axes(ax, len(panels), (5 * len(panels), 3.2), squeeze=False) if ax is None \
        else (ax.figure, [ax])
    for a, (title, v) in zip(axes, panels.items()):
        a.hist(np.asarray(v, float), bins=bins, range=range)
        a.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return fig


def plot_scatter(panels: dict, ylabel: str = "", diagonal: bool = False, highlight=None,
                 highlight_label: str = "", logx: bool = False, size: tuple = (5, 3.6)):
    """One scatter per panel, {xlabel: (x (N,), y (N,))}; `diagonal` draws y = x; `highlight`:
    indices of points drawn again in red (labelled `highlight_label`)."""
    fig, axes = _axes(None, len(panels), (size[0] * len(panels), size[1]), squeeze=False)
    for a, (xlabel, (x, y)) in zip(axes, panels.items()):
        x, y = np.asarray(x, float), np.asarray(y, float)
        a.scatter(x, y, s=3, alpha=0.3)
        if highlight is not None:
            a.scatter(x[highlight], y[highlight], s=5, color="tab:red", label=highlight_label)
            a.legend(loc="lower right")
        if diagonal:
            lo, hi = min(x.min(), y.min()), max(x.max(), y.max())
            a.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        a.set(xlabel=xlabel, ylabel=ylabel, xscale="log" if logx else "linear")
        a.grid(alpha=0.3)
    return fig


def plot_bars(values: dict, ylabel: str = "", paper: dict | None = None, hline: float | None = None,
              title: str | None = None, ax=None, width: float = 6.5):
    """Grouped bars: values {category: {series: a value, or values per seed}}, a bar per series
    at its mean, seeds as black dots; paper {category: value} as red stars; `hline` a dashed
    reference."""
    fig, ax = _axes(ax, figsize=(width, 3.3))
    cats = list(values)
    series = list(dict.fromkeys(v for c in cats for v in values[c]))
    w = 0.8 / max(len(series), 1)
    for j, name in enumerate(series):
        xs = np.arange(len(cats)) + (j - (len(series) - 1) / 2) * w
        vals = [np.atleast_1d(np.asarray(values[c].get(name, np.nan), float)) for c in cats]
        ax.bar(xs, [v.mean() for v in vals], w, label=name, alpha=0.75)
        for x, v in zip(xs, vals):
            if len(v) > 1:
                ax.plot([x] * len(v), v, "k.", ms=4)
    for i, c in enumerate(cats):
        if paper and c in paper:
            ax.plot(i, paper[c], "r*", ms=12, label="paper")
    if hline is not None:
        ax.axhline(hline, color="k", lw=0.8, ls="--")
    ax.set_xticks(range(len(cats)), cats)
    ax.set(ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, axis="y")
    handles, labels = ax.get_legend_handles_labels()
    by_label = dict(zip(labels, handles))
    ax.legend(by_label.values(), by_label.keys(), fontsize=8)
    return fig


def plot_rank_correlation(results: dict, paper: dict | None = None, ylabel: str = "rank correlation",
                          title: str | None = None, ax=None):
    """Rank correlations, the one way the course draws them: grouped bars (`plot_bars`,
    {category: {series: value or values per seed}}) on a fixed [-1, 1] axis with its zero."""
    fig = plot_bars(results, ylabel, paper, hline=0.0, title=title, ax=ax)
    (ax or fig.axes[0]).set_ylim(-1.05, 1.05)
    return fig


def plot_rewards(episodes: list[dict], ax=None, ylabel: str = "validation accuracy"):
    """REINFORCE's rewards and its moving-average baseline per episode (`Reinforce.episodes`)."""
    fig, ax = _axes(ax, figsize=(6, 3.2))
    ax.plot([e["reward"] for e in episodes], "o-", label="reward")
    ax.plot([e["baseline"] for e in episodes], "--", label="baseline (moving average)")
    ax.set(xlabel="episode", ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig
