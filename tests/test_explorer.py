"""The cell explorer: its plain functions against the tables, and the widget operated the way
a student would (dropdowns and presets set programmatically, what it shows checked)."""
import numpy as np
import pytest

from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.benchmarks.real import NASBench201
from naslib_mini.spaces import nb201
from naslib_mini.viz import explorer as ex

BEST_C10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


@pytest.fixture(scope="module")
def tables():
    return Benchmark(), NASBench201()


def test_cell_report_reads_both_tables(tables):
    digits, real = tables
    rep = ex.cell_report(BEST_C10, digits, real)
    i = nb201.ops_to_index(nb201.to_ops(BEST_C10))
    assert rep["index"] == i and rep["string"] == BEST_C10 and rep["live"]
    assert rep["cifar10"]["rank"] == 1
    assert rep["cifar10"]["test_acc"] == pytest.approx(0.9437, abs=5e-5)
    assert rep["cifar100"]["test_acc"] == real.query(i, "test_acc", dataset="cifar100")
    assert rep["digits"]["test_acc"] == digits.query(i, "test_acc")
    better = np.sum(digits.table("test_acc") > rep["digits"]["test_acc"])
    assert rep["digits"]["rank"] == better + 1


def test_network_cost_orders_the_ops():
    """Parameters in NAS-Bench-201's network: none = skip = avg pool (no weights in the cell)
    < all 1x1 convs < all 3x3 convs; multiply-adds likewise."""
    cost = {op: ex.network_cost((op,) * 6) for op in nb201.OPS}
    assert cost["none"][0] == cost["skip_connect"][0] == cost["avg_pool_3x3"][0]
    assert cost["none"][0] < cost["nor_conv_1x1"][0] < cost["nor_conv_3x3"][0]
    assert cost["none"][1] < cost["nor_conv_1x1"][1] < cost["nor_conv_3x3"][1]
    # one 3x3 conv cell at C=16 holds 16*16*9 weights and 2*16 BN... per edge, times 5 cells
    one_edge = ex.network_cost(("nor_conv_3x3",) + ("none",) * 5)[0] - cost["none"][0]
    assert one_edge == 5 * (16 * 16 * 9 + 2 * 16) + 5 * (32 * 32 * 9 + 2 * 32) + 5 * (64 * 64 * 9 + 2 * 64)


def test_presets_are_what_they_say(tables):
    digits, real = tables
    p = ex.presets(real, digits)
    assert nb201.ops_to_string(p["best on CIFAR-10"]) in real.meta.get("best_cifar10", [BEST_C10]) \
        or real.rank(p["best on CIFAR-10"], "test_acc", dataset="cifar10") == 1
    assert digits.rank(p["best on digits"], "test_acc") == 1
    assert p["all skip_connect (DARTS' collapse)"] == ("skip_connect",) * 6


def test_report_table_shows_every_table():
    rep = ex.cell_report(("skip_connect",) * 6)
    text = ex.report_table(rep).data
    assert "54.30%" in text  # the all-skip cell on CIFAR-10 (NAS-Bench-201's DARTS result)
    for name in ("digits", "CIFAR-10", "CIFAR-100", "ImageNet16-120", "parameters"):
        assert name in text


def test_the_widget_redraws_on_every_dropdown_and_preset(tables):
    digits, real = tables
    w = ex.explorer(digits=digits, real=real)
    assert w.ops == ex.presets(real, digits)["best on CIFAR-10"] and w.report["cifar10"]["rank"] == 1
    w.edges[5].value = "none"  # a student changes edge 2→3
    assert w.ops[5] == "none"
    assert w.report["index"] == nb201.ops_to_index(w.ops)
    assert w.report["cifar10"]["test_acc"] == real.query(w.ops, "test_acc", dataset="cifar10")
    w.preset.value = "all skip_connect (DARTS' collapse)"
    assert w.ops == ("skip_connect",) * 6
    assert w.report["cifar10"]["test_acc"] == pytest.approx(0.5430, abs=5e-5)
    outputs = w.out.outputs  # what the output area holds: the drawing and the table
    assert any("54.30%" in o.get("data", {}).get("text/markdown", "") for o in outputs)
    w.set_ops(("none",) * 6)
    assert not w.report["live"] and w.report["cifar10"]["test_acc"] == pytest.approx(0.10, abs=5e-5)
