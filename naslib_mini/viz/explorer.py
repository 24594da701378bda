"""The cell explorer: pick the op of every edge of a NAS-Bench-201 cell and see the cell drawn,
what it costs and how good it is, on our digits table and on the real NAS-Bench-201.

    from naslib_mini.viz.explorer import explorer
    explorer()            # six dropdowns (one per edge), presets, the drawing and a table

The widget is thin: every change calls `render(ops)`, which draws `draw_cell(nb201.to_cell(ops))`
and the table of `cell_report(ops)`; both are plain functions, tested without a browser.
Edges are named as everywhere in the course: "i→j" is the edge from node i to node j, nodes
0 (the cell's input) to 3 (its output), in `nb201.EDGES` order.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from ..benchmarks.digits import Benchmark
from ..metrics import count_macs
from ..benchmarks.real import NASBench201
from ..spaces import nb201
from ..utils import count_params
from .cells import draw_cell
from .tables import markdown_table

REAL_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


@lru_cache(maxsize=None)
def _tables():
    return Benchmark(), NASBench201()


@lru_cache(maxsize=4096)
def network_cost(ops: tuple[str, ...]) -> tuple[int, int]:
    """(parameters, multiply-adds) of NAS-Bench-201's CIFAR-10 network with this cell in every
    position (C = 16, N = 5 cells per stage, 32 x 32 x 3 input, 10 classes)."""
    net = nb201.NB201Network(ops, C=16, N=5, num_classes=10, in_channels=3)
    return count_params(net), count_macs(net, (3, 32, 32))


def cell_report(cell, digits: Benchmark | None = None, real: NASBench201 | None = None) -> dict:
    """Everything the explorer shows about one cell (index, op tuple or string): its string
    and index, parameters and multiply-adds, digits validation and test accuracy with the
    test rank, and the real test accuracy and rank on CIFAR-10, CIFAR-100, ImageNet16-120.
    Accuracies are fractions; rank 1 is the best of the 15,625 cells (ties share a rank)."""
    if digits is None or real is None:
        d, r = _tables()
        digits, real = digits or d, real or r
    ops = nb201.to_ops(cell)
    i = nb201.ops_to_index(ops)
    params, macs = network_cost(ops)
    rep = {"index": i, "string": nb201.ops_to_string(ops), "ops": ops,
           "live": nb201.is_connected(ops), "params": params, "macs": macs,
           "digits": {"val_acc": digits.query(i, "val_acc"), "test_acc": digits.query(i, "test_acc"),
                      "rank": digits.rank(i, "test_acc")}}
    for d in REAL_DATASETS:
        rep[d] = {"test_acc": real.query(i, "test_acc", dataset=d),
                  "rank": real.rank(i, "test_acc", dataset=d)}
    return rep


def report_table(rep: dict):
    """cell_report as a Markdown table: one row per table the cell is looked up in."""
    rows = [("the cell", rep["string"], f"index {rep['index']:,}"),
            ("our digits table (test, seed mean)", f"{100 * rep['digits']['test_acc']:.2f}%",
             f"{rep['digits']['rank']:,}")]
    names = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "ImageNet16-120"}
    rows += [(f"NAS-Bench-201, {names[d]} (test, 200 epochs)", f"{100 * rep[d]['test_acc']:.2f}%",
              f"{rep[d]['rank']:,}") for d in REAL_DATASETS]
    rows.append(("cost in NAS-Bench-201's network (C = 16, N = 5)",
                 f"{rep['params'] / 1e6:.3f} M parameters", f"{rep['macs'] / 1e6:.1f} M multiply-adds"))
    return markdown_table(("", "accuracy", f"rank of {nb201.NUM_CELLS:,}"), rows)


def presets(real: NASBench201 | None = None, digits: Benchmark | None = None,
            seed: int = 0) -> dict[str, tuple[str, ...]]:
    """Named cells: the best on CIFAR-10 (real table), the best on digits, the all-skip cell
    DARTS collapses to (NAS-Bench-201, section 6), the all-conv 3x3 cell, a random cell."""
    if digits is None or real is None:
        d, r = _tables()
        digits, real = digits or d, real or r
    return {
        "best on CIFAR-10": nb201.index_to_ops(real.best("test_acc", dataset="cifar10")[0]),
        "best on digits": nb201.index_to_ops(digits.best("test_acc")[0]),
        "all skip_connect (DARTS' collapse)": ("skip_connect",) * 6,
        "all nor_conv_3x3": ("nor_conv_3x3",) * 6,
        "a random cell": nb201.NB201Space().sample(np.random.default_rng(seed)),
    }


def render(ops, digits=None, real=None):
    """What the explorer shows for a cell: (the drawing with dead edges grey, the table of
    `cell_report`, the report itself)."""
    rep = cell_report(ops, digits, real)
    title = f"cell {rep['index']:,}" + ("" if rep["live"] else ": no path from input to output")
    return draw_cell(nb201.to_cell(ops), title=title), report_table(rep), rep


def show(ops, digits=None, real=None) -> dict:
    """Display the explorer's view of one cell in a notebook (no widget) and return its report."""
    drawing, table, rep = render(ops, digits, real)
    display(drawing, table)
    return rep


class Explorer(widgets.VBox):
    """Six dropdowns (edge i→j), a preset menu, and an output that `show` redraws on every
    change. `explorer.set_ops(ops)` and `explorer.report` are there for tests and notebooks."""

    def __init__(self, start=None, digits=None, real=None):
        self._tables = (digits, real)
        named = presets(real, digits)
        start = nb201.to_ops(start) if start is not None else named["best on CIFAR-10"]
        self.edges = [widgets.Dropdown(options=nb201.OPS, value=op, description=f"edge {i}→{j}",
                                       layout=widgets.Layout(width="260px"))
                      for op, (i, j) in zip(start, nb201.EDGES)]
        self.preset = widgets.Dropdown(options=["(choose a preset)", *named], description="preset",
                                       layout=widgets.Layout(width="360px"))
        self._named = named
        self.out = widgets.Output()
        self.report = None
        self._busy = False
        for w in self.edges:
            w.observe(self._changed, names="value")
        self.preset.observe(self._pick, names="value")
        grid = widgets.GridBox(self.edges, layout=widgets.Layout(
            grid_template_columns="repeat(3, 270px)"))
        super().__init__([self.preset, grid, self.out])
        self._redraw()

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(w.value for w in self.edges)

    def set_ops(self, ops) -> None:
        """Set all six dropdowns at once (one redraw)."""
        ops = nb201.to_ops(ops)
        self._busy = True
        try:
            for w, op in zip(self.edges, ops):
                w.value = op
        finally:
            self._busy = False
        self._redraw()

    def _pick(self, change):
        if change["new"] in self._named:
            self.set_ops(self._named[change["new"]])

    def _changed(self, change):
        if not self._busy:
            self._redraw()

    def _redraw(self):
        drawing, table, self.report = render(self.ops, *self._tables)
        self.out.outputs = ()
        for obj in (drawing, table):  # written into the output directly: also outside a kernel
            self.out.append_display_data(obj)


def explorer(start=None, digits=None, real=None) -> Explorer:
    """The cell explorer widget, starting at `start` (default: CIFAR-10's best cell)."""
    return Explorer(start, digits, real)
