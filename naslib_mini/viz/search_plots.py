"""Pictures of model-based searches (PNAS's surrogates, NAO's embedding). Each function draws
on `ax` (or a new figure) and returns the Figure; nothing here trains or imports training code."""
from __future__ import annotations

import numpy as np

from .plots import _axes

__all__ = ["plot_predicted_vs_true", "plot_lines", "plot_embedding"]


def plot_predicted_vs_true(groups: dict, ax=None, xlabel: str = "true accuracy",
                           ylabel: str = "predicted accuracy", title: str | None = None):
    """One scatter per group, with the line predicted = true.

    groups: {label: (true (n,), predicted (n,)) or (true, predicted mean, predicted std)};
    a std draws vertical error bars (an ensemble's spread)."""
    fig, ax = _axes(ax, figsize=(4.6, 4))
    lo, hi = np.inf, -np.inf
    for label, g in groups.items():
        if len(g) not in (2, 3):
            raise ValueError(f"group {label!r}: expected (true, pred) or (true, pred, std)")
        true, pred = np.asarray(g[0], float), np.asarray(g[1], float)
        if true.shape != pred.shape:
            raise ValueError(f"group {label!r}: {true.shape} true values, {pred.shape} predictions")
        std = np.asarray(g[2], float) if len(g) == 3 and g[2] is not None else None
        ax.errorbar(true, pred, yerr=std, fmt="o", ms=4, alpha=0.75, capsize=2, label=label)
        if true.size:
            lo, hi = min(lo, true.min(), pred.min()), max(hi, true.max(), pred.max())
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="predicted = true")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_lines(x, curves: dict, ax=None, xlabel: str = "", ylabel: str = "",
               title: str | None = None, logx: bool = False, ylim=None):
    """One line with markers per curve: curves {label: values (len(x),)}; NaN leaves a gap."""
    fig, ax = _axes(ax)
    x = list(x)
    for label, ys in curves.items():
        ys = np.asarray(ys, float)
        if ys.shape != (len(x),):
            raise ValueError(f"curve {label!r}: {ys.shape[0] if ys.ndim else 0} values for "
                             f"{len(x)} x positions")
        ax.plot(x, ys, "o-", label=label)
    if logx:
        ax.set_xscale("log")
    elif len(x) <= 12 and all(float(v).is_integer() for v in x):
        ax.set_xticks(x)  # a few whole-number steps (rounds, blocks): no 2.5 ticks
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_embedding(points, values, paths=(), ax=None, label: str = "true accuracy",
                   title: str | None = None, cmap: str = "viridis"):
    """A 2-D projection of architecture embeddings coloured by `values`, with paths on top.

    points: (N, 2); values: (N,); paths: a sequence of (k, 2) arrays, each one architecture's
    steps through the projected space (a circle at its start, an arrow head at its end)."""
    points, values = np.asarray(points, float), np.asarray(values, float)
    if points.ndim != 2 or points.shape[1] != 2 or values.shape != (len(points),):
        raise ValueError(f"expected points (N, 2) and values (N,), got {points.shape} and "
                         f"{values.shape}")
    fig, ax = _axes(ax, figsize=(5.4, 4.4))
    sc = ax.scatter(points[:, 0], points[:, 1], c=values, s=6, cmap=cmap, alpha=0.8, linewidths=0)
    fig.colorbar(sc, ax=ax, label=label)
    for k, p in enumerate(paths):
        p = np.asarray(p, float)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"path {k}: expected (k, 2) points, got {p.shape}")
        ax.plot(p[:, 0], p[:, 1], "-", color="crimson", lw=1.2)
        ax.plot(p[0, 0], p[0, 1], "o", color="crimson", ms=4, mfc="white")
        if len(p) > 1:
            ax.annotate("", xy=p[-1], xytext=p[-2],
                        arrowprops=dict(arrowstyle="->", color="crimson", lw=1.2))
    ax.set(xlabel="component 1", ylabel="component 2")
    if title:
        ax.set_title(title)
    return fig
