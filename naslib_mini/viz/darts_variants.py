"""Pictures for two DARTS variants: P-DARTS (the skip dropout schedule, which ops survive
each stage) and PC-DARTS (what partial channels save, per K). Each function takes plain
numbers, draws on `ax` (or a new figure) and returns the Figure. Nothing here trains.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .plots import _axes


def plot_skip_dropout(rates: dict, warmup_epochs: int | None = None, ax=None,
                      title: str | None = None):
    """The skip_connect dropout rate over the epochs of each stage: rates {label: [p per
    epoch]}; a dotted line where the alphas start to train."""
    fig, ax = _axes(ax)
    for label, r in rates.items():
        ax.plot(np.arange(len(r)), r, marker="o", ms=3, label=label)
    if warmup_epochs is not None:
        ax.axvline(warmup_epochs - 0.5, color="0.4", ls=":", lw=1, label="alphas start to train")
    ax.set(xlabel="epoch of the stage", ylabel="skip_connect dropout rate", ylim=(0, None))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_op_survival(stage_primitives, vocab, labels=None, ax=None, title: str | None = None):
    """Which ops each edge still offers, stage after stage: stage_primitives is a list (one
    per stage) of per-edge op lists; a cell shows the number of stages the op took part in
    (0 = dropped before the first stage)."""
    n_edges = len(stage_primitives[0])
    M = np.zeros((n_edges, len(vocab)))
    for prims in stage_primitives:
        for e, ops in enumerate(prims):
            for op in ops:
                M[e, list(vocab).index(op)] += 1
    fig, ax = _axes(ax, figsize=(5.6, 0.3 * n_edges + 1.6))
    im = ax.imshow(M, cmap="Blues", vmin=0, vmax=len(stage_primitives), aspect="auto")
    for (e, o), v in np.ndenumerate(M):
        ax.text(o, e, f"{int(v)}", ha="center", va="center", fontsize=7,
                color="white" if v > len(stage_primitives) / 2 else "black")
    ax.set_xticks(range(len(vocab)), vocab, rotation=45, ha="right", fontsize=8)
    rows = labels or [f"e{e}" for e in range(n_edges)]
    ax.set_yticks(range(n_edges), [r.replace("_{", "[").replace("}", "]") for r in rows], fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.8, label="stages the op took part in")
    if title:
        ax.set_title(title)
    return fig


def plot_k_costs(Ks, time_s, memory_bytes, largest=None, memory_label: str = "memory",
                 budget_label: str | None = None, axes=None, title: str | None = None):
    """Partial channels: time per search step, memory per step and (optionally) the largest
    batch within a memory budget, against K (1 = DARTS)."""
    n = 3 if largest is not None else 2
    if axes is None:
        fig, axes = _axes(None, n, (3.3 * n, 3))
    fig = axes[0].figure
    xs = [str(k) for k in Ks]
    axes[0].bar(xs, [t * 1e3 for t in time_s], color="tab:blue")
    axes[0].set(xlabel="K", ylabel="ms per search step")
    axes[1].bar(xs, [m / 2 ** 20 for m in memory_bytes], color="tab:orange")
    axes[1].set(xlabel="K", ylabel=f"MiB ({memory_label})")
    if largest is not None:
        axes[2].bar(xs, largest, color="tab:green")
        axes[2].set(xlabel="K", ylabel="largest batch that fits")
        if budget_label:
            axes[2].set_title(budget_label, fontsize=8)
    for a in axes:
        a.grid(alpha=0.3, axis="y")
    if title:
        fig.suptitle(title)
    return fig
