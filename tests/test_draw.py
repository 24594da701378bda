"""draw_cell: a Graphviz graph when `dot` is installed, else one hint line and a matplotlib Figure."""
import shutil

import matplotlib

matplotlib.use("Agg")
import graphviz  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from naslib_mini.genotypes import DARTS_V2, Cell  # noqa: E402
from naslib_mini.viz import cells  # noqa: E402

NB201 = Cell.from_string(
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|",
    primitives=("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"),
    n_inputs=1, edges_per_node="all", concat=(3,))
CELLS = {"darts_normal": DARTS_V2.normal, "darts_reduce": DARTS_V2.reduce, "nb201": NB201}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")


@needs_dot
@pytest.mark.parametrize("name", CELLS)
def test_graphviz_drawing(name):
    cell = CELLS[name]
    g = cells.draw_cell(cell, title=f"the {name} cell")
    assert isinstance(g, graphviz.Digraph)
    assert "rankdir=LR" in g.source and f"the {name} cell" in g.source
    for _, _, op in cell.edges:
        assert (op in g.source) == (op != "none")  # 'none' edges are left out by default
    svg = g.pipe(format="svg")
    assert svg.startswith(b"<?xml") or b"<svg" in svg
    assert "image/svg+xml" in g._repr_mimebundle_()  # what Jupyter shows


@needs_dot
def test_graphviz_kinds_of_nodes():
    src = cells.draw_cell(DARTS_V2.normal).source
    assert "c<SUB>k-2</SUB>" in src and "c<SUB>k-1</SUB>" in src and "c<SUB>k</SUB>" in src
    for kind in ("input", "node", "output"):
        assert cells.COLORS[kind][0] in src
    src = cells.draw_cell(NB201, show_none=True).source
    assert "label=in" in src and "c_{k}" not in src  # NAS-Bench-201: node 3 is the output
    assert "none" in src and "dashed" in src


@needs_dot
def test_graphviz_render_failure_is_not_a_traceback(monkeypatch):
    g = cells.draw_cell(NB201)
    monkeypatch.setattr(graphviz.Digraph, "_repr_image_svg_xml",
                        lambda self: (_ for _ in ()).throw(RuntimeError("dot crashed")))
    bundle = g._repr_mimebundle_()
    assert "dot crashed" in bundle["text/plain"] and bundle["image/png"].startswith(b"\x89PNG")


@pytest.mark.parametrize("how", ["has_dot", "which"])
@pytest.mark.parametrize("name", CELLS)
def test_matplotlib_fallback_without_dot(name, how, monkeypatch, capsys):
    if how == "has_dot":
        monkeypatch.setattr(cells, "has_dot", lambda: False)
    else:
        monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None)
    fig = cells.draw_cell(CELLS[name], title="no dot here", show_none=True)
    assert isinstance(fig, Figure)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "apt-get install graphviz" in lines[0]
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {op for _, _, op in CELLS[name].edges} <= texts  # every op labelled
    fig.canvas.draw()  # renders without error


def test_draw_cell_wants_a_cell():
    with pytest.raises(TypeError, match="genotype.normal"):
        cells.draw_cell(DARTS_V2)


def test_dead_nodes_and_their_edges_are_grey_not_floating():
    """|none~0|+|conv~0|conv~1|+|skip~0|conv~1|conv~2|: node 1 gets no input, so node 1 and
    the edges out of it are dead (grey); the rest is live."""
    from naslib_mini.spaces import nb201
    cell = nb201.to_cell(("none", "nor_conv_3x3", "nor_conv_3x3", "skip_connect",
                          "nor_conv_1x1", "nor_conv_3x3"))
    assert cells.live_nodes(cell) == {0, 2, 3}
    boxes, arrows = cells._layout(cell, show_none=False)
    assert dict((k, kind) for k, _, kind in boxes)["1"] == "dead"
    grey = {(s, d) for s, d, _, g in arrows if g}
    assert grey == {("1", "2"), ("1", "3")}
    # a cell whose output no input reaches: every drawn edge is grey
    cut = nb201.to_cell(("nor_conv_3x3", "none", "none", "none", "none", "none"))
    assert all(g for *_, g in cells._layout(cut, show_none=False)[1])
    # DARTS cells feed every node to the output: nothing is grey
    assert not any(g for *_, g in cells._layout(DARTS_V2.normal, show_none=False)[1])
