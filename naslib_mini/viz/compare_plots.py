"""Pictures of a `compare.compare` run (notebook 12): regret against budget with confidence
bands, the final regret of every seed as a box plot, and what selecting by validation costs.
Each function returns a matplotlib Figure. Only `compare.Results` is read (NumPy and
SciPy objects); nothing here trains."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from ..metrics import MIN_SEEDS
from .plots import _axes

__all__ = ["mean_band", "plot_regret", "plot_final_regret", "plot_selection_gap", "plot_showdown"]

_ONESHOT = "oneshot"
_MPL = tuple(int(v) for v in matplotlib.__version__.split(".")[:2])
_HORIZONTAL = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}


def mean_band(R, band: str = "ci95"):
    """R (seeds, T) -> (mean, lo, hi), each (T,): band "ci95" (t-interval of the mean), "sem"
    (mean +- standard error), "minmax" (spread of the seeds) or "none". Below MIN_SEEDS seeds
    "ci95" and "sem" draw no band (a t-interval from 2 seeds says nothing)."""
    R = np.asarray(R, float)
    mean = R.mean(0)
    n = R.shape[0]
    if band == "minmax":
        return mean, R.min(0), R.max(0)
    if band in ("ci95", "sem") and n >= MIN_SEEDS:
        half = R.std(0, ddof=1) / np.sqrt(n) * (stats.t.ppf(0.975, n - 1) if band == "ci95" else 1)
        return mean, mean - half, mean + half
    if band not in ("ci95", "sem", "none"):
        raise ValueError(f"band must be 'ci95', 'sem', 'minmax' or 'none', got {band!r}")
    return mean, mean, mean


def _finish(ax, ylabel, linthresh, legend: str | None = "inside"):
    if linthresh:
        ax.set_yscale("symlog", linthresh=linthresh)
        ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    if legend == "outside":  # many strategies: keep the curves clear
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    elif legend:
        ax.legend(fontsize=7)


def plot_regret(results, names=None, x: str = "lookups", selection: str = "val",
                budget: int | None = None, band: str = "ci95", scale: float = 100.0,
                linthresh: float | None = None, reference: dict | None = None, ax=None,
                title: str | None = None):
    """Mean regret (x scale: percentage points) against the budget, a band per strategy.

    x="lookups": discrete strategies as curves over 1..budget lookups; one-shot methods make
    no lookups, so they are flat dashed lines at their regret, labelled with their cost.
    x="seconds": every strategy against simulated seconds (log axis); a one-shot method is one
    point at (mean cost, mean regret) with 95% CI bars. linthresh: a symlog y axis, linear
    below it (e.g. one test image, 100 / 360 points). reference: {label: (x, regret)} extra
    black dotted lines (regret unscaled), e.g. random search's exact expectation."""
    if x not in ("lookups", "seconds"):
        raise ValueError(f"x must be 'lookups' or 'seconds', got {x!r}")
    fig, ax = _axes(ax, figsize=(9, 3.8))
    names = list(names or results.names)
    budget = budget or results.budget
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    if x == "seconds":
        ends = [r.seconds[-1] for n in names for r in results.runs[n] if len(r.seconds)]
        starts = [r.seconds[0] for n in names for r in results.runs[n]
                  if len(r.seconds) and r.kind != _ONESHOT]
        lo_t = max(min(starts or ends or [1.0]), 1e-3)
        grid = np.geomspace(lo_t, max(ends or [lo_t * 10]), 200)
    for j, name in enumerate(names):
        c, n_seeds = colors[j % len(colors)], len(results.runs[name])
        if results.kind(name) == _ONESHOT:
            R = results.final(name, budget, selection)[None] * scale  # (1, seeds)
            m, lo, hi = mean_band(R.T, band)
            cost = results.cost(name)
            label = f"{name} (one-shot, {n_seeds} seeds, {cost.mean():.2g} s)"
            if x == "lookups":  # no lookups: a flat line (its spread: plot_final_regret)
                ax.axhline(m[0], color=c, ls="--", lw=1.3, label=label)
            else:
                cm, clo, chi = mean_band(cost[:, None], band)
                ax.errorbar(cm, m, xerr=[cm - clo, chi - cm], yerr=[m - lo, hi - m], fmt="D",
                            color=c, ms=6, capsize=3, label=label)
            continue
        if x == "lookups":
            xs = np.arange(1, budget + 1)
            R = results.regret_at(name, xs, selection) * scale  # (seeds, budget)
        else:
            xs = grid
            R = results.regret_vs_seconds(name, xs, selection) * scale
            keep = ~np.isnan(R).any(0)  # where every seed has a value
            xs, R = xs[keep], R[:, keep]
        if not R.size:
            continue
        m, lo, hi = mean_band(R, band)
        ax.plot(xs, m, color=c, label=f"{name} ({n_seeds} seeds)")
        ax.fill_between(xs, lo, hi, color=c, alpha=0.15)
    for k, (label, (rx, ry)) in enumerate((reference or {}).items()):
        ax.plot(rx, np.asarray(ry, float) * scale, color="k", ls=(":", "-.")[k % 2], lw=1.2,
                label=label)
    if x == "seconds":
        ax.set_xscale("log")
    ax.set_xlabel("cells looked up" if x == "lookups"
                  else "simulated seconds (recorded training + own compute)")
    sel = "" if selection == "val" else " (selected by test accuracy)"
    _finish(ax, f"test regret{sel} (points)" if scale == 100 else f"test regret{sel}", linthresh,
            "outside")
    ax.set_title(title or f"regret against budget, mean and {band} band")
    return fig


def plot_final_regret(results, names=None, budget: int | None = None, selection: str = "val",
                      scale: float = 100.0, ax=None, title: str | None = None):
    """A box per strategy of its final regret over seeds (at `budget` lookups), every seed
    drawn as a dot, the mean as a white diamond. Sorted as given."""
    fig, ax = _axes(ax, figsize=(6.5, 3.6))
    names = list(names or results.names)
    data = [results.final(n, budget, selection) * scale for n in names]
    ax.boxplot(data, widths=0.6, showfliers=False, **_HORIZONTAL)
    rng = np.random.default_rng(0)  # jitter only
    for k, d in enumerate(data, start=1):
        ax.scatter(d, k + rng.uniform(-0.15, 0.15, len(d)), s=12, alpha=0.6, zorder=3)
        ax.scatter([d.mean()], [k], marker="D", s=30, color="white", edgecolor="k", zorder=4)
    ax.set_yticks(range(1, len(names) + 1))
    ax.set_yticklabels([f"{n} ({len(d)})" for n, d in zip(names, data)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("final test regret (points)" if scale == 100 else "final test regret")
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or f"final regret at {budget or results.budget} lookups (dots: seeds)")
    return fig


def plot_selection_gap(results, names=None, budget: int | None = None, scale: float = 100.0,
                       ax=None, title: str | None = None):
    """Mean final regret per strategy when it returns its best cell by validation (what it
    does) and by test accuracy (what it could have returned), with 95% CI bars."""
    fig, ax = _axes(ax, figsize=(6.5, 3.2))
    names = list(names or results.names)
    pos = np.arange(len(names))
    for off, sel, label in ((-0.2, "val", "selected by validation"),
                            (0.2, "test", "selected by test (oracle)")):
        stats_ = [mean_band(results.final(n, budget, sel)[:, None] * scale) for n in names]
        m = np.array([s[0][0] for s in stats_])
        err = np.array([[s[0][0] - s[1][0], s[2][0] - s[0][0]] for s in stats_]).T
        ax.bar(pos + off, m, 0.4, yerr=err, capsize=3, label=label)
    ax.set_xticks(pos)
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    _finish(ax, "final test regret (points)" if scale == 100 else "final test regret", None)
    ax.set_title(title or "what selecting by a noisy validation number costs")
    return fig


def plot_showdown(results, names=None, budget: int | None = None, linthresh: float | None = None):
    """The widget's picture: regret against lookups up to `budget`, and the box plot there."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(15, 4.2), constrained_layout=True,
                               gridspec_kw={"width_ratios": [1.5, 1]})
    plt.close(fig)
    plot_regret(results, names, budget=budget, linthresh=linthresh, ax=a)
    plot_final_regret(results, names, budget=budget, ax=b)
    return fig
