"""Draw a cell genotype: a Graphviz graph when the `dot` program is installed, else a
matplotlib Figure of the same cell (so a notebook never stops on a missing system package).

Three kinds of boxes, as in khanrc/pt.darts's visualize.py, read left to right:

    [c_{k-2}] --sep_conv_3x3--> [0] --+
    [c_{k-1}] --skip_connect--> [1] --+--> [c_{k}]        inputs | intermediate nodes | output
     green                      blue       yellow

DARTS-style cells (output = concat of nodes) label the intermediate nodes 0..n-1 and add an
output box c_{k}. Cells whose output is their last node (NAS-Bench-201) label the nodes 1..n
and colour the last one as the output. Ops are edge labels; 'none' edges are left out unless
show_none=True (then dashed and grey). Dead parts are grey: a node that no input reaches, or
that reaches no output, and every edge into or out of one (they compute nothing the cell
returns), so a cut-off node is drawn as such instead of floating.
"""
from __future__ import annotations

import io
import itertools
import shutil

import matplotlib.pyplot as plt

from ..genotypes import Cell, Genotype

try:
    import graphviz
except ImportError:  # the drawing falls back to matplotlib
    graphviz = None

INSTALL_HINT = "apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz"
# kind -> (Graphviz colour name, the same colour for matplotlib)
COLORS = {"input": ("darkseagreen2", "#b4eeb4"), "node": ("lightblue", "#add8e6"),
          "output": ("palegoldenrod", "#eee8aa"), "dead": ("gray90", "#e5e5e5")}
_NONE_COLOR = "gray60"


def _html_subscript(label: str) -> str:
    """'c_{k-1}' -> Graphviz HTML-like label c<SUB>k-1</SUB>; other labels unchanged."""
    if "_{" not in label:
        return label
    base, sub = label.split("_{", 1)
    return f"<{base}<SUB>{sub.rstrip('}')}</SUB>>"


def has_dot() -> bool:
    """Is Graphviz's `dot` program on the PATH?"""
    return shutil.which("dot") is not None


def live_nodes(cell: Cell) -> set[int]:
    """Nodes (global numbers) on some path from an input to an output node through edges
    that are not 'none': the others compute nothing the cell returns."""
    edges = [(src, dst) for src, dst, op in cell.edges if op != "none"]
    reach = set(range(cell.n_inputs))
    for src, dst in sorted(edges, key=lambda e: e[1]):  # targets in order: one pass suffices
        if src in reach:
            reach.add(dst)
    back = set(cell.output_nodes)
    for src, dst in sorted(edges, key=lambda e: -e[1]):
        if dst in back:
            back.add(src)
    return reach & back


def _layout(cell: Cell, show_none: bool):
    """What to draw: boxes [(key, label, kind)] and arrows [(src_key, dst_key, op or "", grey)]."""
    n_in, last = cell.n_inputs, cell.n_inputs + cell.n_nodes - 1
    out_is_last = cell.output_nodes == (last,)  # NAS-Bench-201: the last node is the output
    live = live_nodes(cell)
    boxes = [(str(j), "in" if n_in == 1 else f"c_{{k-{n_in - j}}}", "input") for j in range(n_in)]
    for i in range(cell.n_nodes):
        kind = "output" if out_is_last and n_in + i == last else "node"
        kind = kind if n_in + i in live or kind == "output" else "dead"
        boxes.append((str(n_in + i), str(i + 1 if out_is_last else i), kind))
    arrows = [(str(src), str(dst), op, op == "none" or not {src, dst} <= live)
              for src, dst, op in cell.edges if op != "none" or show_none]
    if not out_is_last:
        boxes.append(("out", "c_{k}", "output"))
        arrows += [(str(k), "out", "", False) for k in cell.output_nodes]
    return boxes, arrows


def draw_cell(cell: Cell, *, title: str | None = None, show_none: bool = False):
    """The cell as a graphviz.Digraph (left to right), or a matplotlib Figure without `dot`.

    Either object displays itself when it is the last value of a Jupyter cell.
    """
    if isinstance(cell, Genotype):
        raise TypeError("draw_cell draws one cell: pass genotype.normal or genotype.reduce")
    if not isinstance(cell, Cell):
        raise TypeError(f"draw_cell expects a genotypes.Cell, got {type(cell).__name__}")
    boxes, arrows = _layout(cell, show_none)
    if not has_dot():
        print("Graphviz's `dot` program was not found, so this is a matplotlib drawing. "
              "Install it: " + INSTALL_HINT)
    elif graphviz is None:
        print("The graphviz Python package is missing, so this is a matplotlib drawing. "
              "Install it: pip install graphviz")
    else:
        try:
            return _CellGraph(boxes, arrows, title)
        except Exception as err:  # a broken Graphviz install must not stop the notebook
            print(f"Graphviz failed ({type(err).__name__}: {err}), so this is a matplotlib drawing.")
    return _draw_matplotlib(boxes, arrows, title)


if graphviz is not None:
    class _CellGraph(graphviz.Digraph):
        """A Digraph that shows the matplotlib drawing, not a traceback, if `dot` fails later
        while Jupyter renders it."""

        def __init__(self, boxes=(), arrows=(), title=None, **kwargs):
            kwargs.setdefault("format", "svg")
            super().__init__(**kwargs)
            if not boxes:  # copy() calls __init__ with the Digraph's own keyword arguments
                return
            self._fallback = (boxes, arrows, title)  # what to draw if `dot` fails in Jupyter
            self.attr(rankdir="LR")
            self.attr("node", shape="rect", style="rounded,filled", fontname="Helvetica",
                      fontsize="14", penwidth="1.5", height="0.4", width="0.5")
            self.attr("edge", fontname="Helvetica", fontsize="11")
            if title:
                self.attr(label=title, labelloc="t", fontsize="16")
            for key, label, kind in boxes:
                self.node(key, _html_subscript(label), fillcolor=COLORS[kind][0])
            for src, dst, op, dashed in arrows:
                style = dict(style="dashed", color=_NONE_COLOR, fontcolor=_NONE_COLOR) if dashed else {}
                self.edge(src, dst, label=op or None, **style)

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except Exception as err:
                text = f"Graphviz could not render this cell ({type(err).__name__}: {err})."
                fallback = getattr(self, "_fallback", None)
                if fallback is None:
                    return {"text/plain": text}
                buf = io.BytesIO()
                _draw_matplotlib(*fallback).savefig(buf, format="png", bbox_inches="tight")
                return {"text/plain": text + " A matplotlib drawing is shown instead.",
                        "image/png": buf.getvalue()}


def _draw_matplotlib(boxes, arrows, title=None):
    """The same boxes and arrows with matplotlib: one column per depth (longest path from
    the inputs), arrows labelled with their ops."""
    depth = {key: 0 for key, _, kind in boxes if kind == "input"}
    for key, _, kind in boxes:  # boxes come in computation order, so sources come first
        if key not in depth:
            srcs = [depth[s] for s, d, _, _ in arrows if d == key and s in depth]
            depth[key] = max(srcs, default=0) + 1
    columns: dict[int, list[str]] = {}
    for key, _, _ in boxes:
        columns.setdefault(depth[key], []).append(key)
    dx, dy = 3.0, 1.3  # column and row spacing, in data units
    pos = {key: (d * dx, ((len(keys) - 1) / 2 - r) * dy)
           for d, keys in columns.items() for r, key in enumerate(keys)}

    fig, ax = plt.subplots()
    plt.close(fig)  # returned Figures display once in Jupyter; pyplot would show them twice
    seen: dict[tuple[str, str], int] = {}
    ys = [y for _, y in pos.values()]
    labels: list[list] = []  # [x, y, op, colour]
    for src, dst, op, dashed in arrows:
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        k = seen[src, dst] = seen.get((src, dst), -1) + 1  # parallel arrows bend apart
        span = depth[dst] - depth[src]  # arrows that skip a column bend away from the middle
        rad = (0.2 if span > 1 else 0.0) * (-1 if y0 + y1 > 0 else 1)
        rad += 0.2 * ((k + 1) // 2) * (-1) ** k
        color = "0.6" if dashed else "0.2"
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.2, shrinkA=17, shrinkB=17,
                                    linestyle="--" if dashed else "-",
                                    connectionstyle=f"arc3,rad={rad}"))
        # a point on matplotlib's arc3 curve, a quadratic Bezier (the aspect is equal): the
        # middle of long arrows; before the middle of short ones (crossing ones meet there)
        t = 0.5 if span > 1 else 0.4
        cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)
        lx = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1
        ly = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1
        ys.append(ly)
        if op:
            labels.append([lx, ly, op, color])
    for _ in range(30):  # push overlapping labels apart vertically (a label is ~0.9 x 0.2)
        for a, b in itertools.combinations(labels, 2):
            if abs(a[0] - b[0]) < 0.9 and abs(a[1] - b[1]) < 0.2:
                step = 0.05 if a[1] >= b[1] else -0.05
                a[1], b[1] = a[1] + step, b[1] - step
    for lx, ly, op, color in labels:
        ax.text(lx, ly, op, fontsize=7, ha="center", va="center", color=color, zorder=2,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
    for key, label, kind in boxes:
        text = f"${label}$" if "_{" in label else label  # c_{k-1} as maths
        ax.text(*pos[key], text, ha="center", va="center", fontsize=11, zorder=3,
                bbox=dict(boxstyle="round,pad=0.4", fc=COLORS[kind][1], ec="0.2"))
    x_max, y_lo, y_hi = (len(columns) - 1) * dx + 0.8, min(ys) - 0.6, max(ys) + 0.6
    ax.set(xlim=(-0.8, x_max), ylim=(y_lo, y_hi), aspect="equal")
    fig.set_size_inches(0.75 * (x_max + 0.8), 0.75 * (y_hi - y_lo) + (0.4 if title else 0))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig
