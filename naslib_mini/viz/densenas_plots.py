"""DenseNAS pictures (matplotlib): the dense lattice of routing blocks with its path
probabilities and the Viterbi path, and the accuracy-latency front of derived networks.
Each function draws on `ax` (or a new figure) and returns the Figure."""
from __future__ import annotations

import math

from matplotlib.patches import FancyArrowPatch

from .plots import _axes


def plot_lattice(space, paths=None, path=None, ax=None, title: str | None = None):
    """Blocks left to right (x = block index, y = resolution level, label = width), every edge
    i -> j drawn with width and opacity growing with p_ij (`paths[i][k]`, the k-th block that i
    feeds; None: all equal) and `path` (a sequence of block indices) in red."""
    fig, ax = _axes(ax, figsize=(max(5.0, 0.75 * space.last + 2), 3.6))
    level = lambda j: -math.log2(space.size(0) / space.size(j))  # noqa: E731  0, -1, -2, ...
    on_path = set(zip(path, path[1:])) if path is not None else set()
    for i in range(space.n_blocks):
        for k, j in enumerate(space.outgoing(i)):
            p = 1.0 / len(space.outgoing(i)) if paths is None else float(paths[i][k])
            red = (i, j) in on_path
            # a skip within one resolution arcs above its row (longer ones higher); an edge down
            # one resolution is straight and runs between the rows, clear of every block
            bend = -0.12 * (j - i - 1) if level(i) == level(j) else 0.0
            ax.add_patch(FancyArrowPatch(
                (i, level(i)), (j, level(j)), connectionstyle=f"arc3,rad={bend}",
                arrowstyle="-|>", mutation_scale=10, shrinkA=12, shrinkB=12, zorder=3 if red else 1,
                color="tab:red" if red else "tab:blue", lw=(3.0 if red else 0.5 + 4 * p),
                alpha=1.0 if red else 0.15 + 0.85 * p))
    for j in range(space.last + 1):
        final = j == space.last
        C = space.last_C if final else space.widths[j]
        ax.scatter([j], [level(j)], s=500, zorder=4, edgecolor="k",
                   color="tab:gray" if final or j == 0 else "white")
        ax.annotate(f"{C}", (j, level(j)), ha="center", va="center", fontsize=8, zorder=5)
        ax.annotate("stem" if j == 0 else ("1x1" if final else f"L={space.layers[j]}"),
                    (j, level(j) - 0.32), ha="center", va="top", fontsize=7, color="0.3")
    levels = sorted({level(j) for j in range(space.last + 1)})
    arc = 0.06 * (space.M - 1) * space.M  # roughly the height of the longest skip's arc
    ax.set_yticks(levels, [f"{space.size(0) // 2 ** int(-v)}x{space.size(0) // 2 ** int(-v)}"
                           for v in levels])
    ax.set_xticks(range(space.last + 1))
    ax.set(xlabel="block (label: channels)", ylabel="resolution",
           xlim=(-0.6, space.last + 0.6), ylim=(min(levels) - 0.7, max(levels) + 0.4 + arc))
    ax.set_title(title or "edge width: path probability; red: Viterbi path", fontsize=10)
    return fig


def plot_front(results, ax=None, title: str | None = None):
    """Accuracy against latency of derived networks: for each result (a dict with keys lam,
    acc, latency_measured_ms, latency_table_ms), a filled dot at the measured latency and a
    hollow one at the table's estimate, joined by a line and labelled with lambda."""
    fig, ax = _axes(ax, figsize=(5.5, 3.6))
    for n, r in enumerate(results):
        meas, est, acc = r["latency_measured_ms"], r["latency_table_ms"], r["acc"]
        ax.plot([est, meas], [acc, acc], "-", color="0.6", zorder=1)
        ax.scatter([meas], [acc], color="tab:blue", zorder=3, label="measured" if n == 0 else None)
        ax.scatter([est], [acc], facecolor="none", edgecolor="tab:orange", zorder=3,
                   label="table estimate" if n == 0 else None)
        ax.annotate(f"λ={r['lam']:g}", (meas, acc), textcoords="offset points", xytext=(5, 5),
                    fontsize=8)
    ax.set(xlabel="latency (ms)", ylabel="accuracy")
    ax.margins(0.15)
    ax.grid(alpha=0.3)
    if results:
        ax.legend(fontsize=8)
    ax.set_title(title or "derived networks: accuracy against latency", fontsize=10)
    return fig
