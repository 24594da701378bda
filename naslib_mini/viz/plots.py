"""Matplotlib pictures of runs. Each function draws on `ax` (or a new figure) and returns the
Figure; the caller shows or saves it. Nothing here trains or imports training code."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, ncols=1, figsize=(5, 3.2)):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(1, ncols, figsize=figsize, constrained_layout=True)
    plt.close(fig)  # returned Figures display once in Jupyter; pyplot would show them twice
    return fig, ax


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
