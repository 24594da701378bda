"""The shipped tabular benchmark: complete, queryable, fast, and reproducible from scratch."""
import os
import time

import numpy as np
import pytest
import torch

from naslib_mini.benchmarks import build as bb
from naslib_mini.benchmarks.digits import Benchmark, signal_to_noise
from naslib_mini.spaces import nb201

pytestmark = pytest.mark.skipif(
    not os.path.exists(bb.ASSET),
    reason="benchmark file not built yet: python -m naslib_mini.benchmarks build, then pack")

EXAMPLE = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+"
           "|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")


@pytest.fixture(scope="module")
def bench():
    return Benchmark()


def test_file_is_complete_and_small(bench):
    assert os.path.getsize(bb.ASSET) < 5 * 2**20
    assert len(bench) == nb201.NUM_CELLS == 15625
    assert len(bench.seeds) >= 2
    for metric in ("val_acc", "test_acc", "train_loss", "latency", "params", "macs"):
        assert np.isfinite(bench.table(metric)).all(), metric
    assert set(bench.meta["versions"]) >= {"torch", "numpy", "python"}
    assert bench.meta["config"]["num_epochs"] == bench.num_epochs


def test_query_by_index_tuple_and_string_agree(bench):
    ops = nb201.to_ops(EXAMPLE)
    idx = nb201.ops_to_index(ops)
    values = {bench.query(c) for c in (idx, ops, list(ops), EXAMPLE)}
    assert len(values) == 1
    per_seed = [bench.query(idx, seed=s) for s in range(len(bench.seeds))]
    assert np.mean(per_seed) == pytest.approx(bench.query(idx))
    assert bench.query(idx, "val_acc", epoch=bench.num_epochs) == pytest.approx(bench.query(idx))
    with pytest.raises(ValueError, match="epoch"):
        bench.query(idx, epoch=0)
    with pytest.raises(ValueError, match="metric"):
        bench.query(idx, "accuracy")


def test_equivalent_cells_share_results(bench):
    rng = np.random.default_rng(0)
    for idx in rng.integers(0, 15625, 20):
        members = bench.equivalence_class(int(idx))
        assert int(idx) in members
        assert len({bench.query(m, "test_acc") for m in members}) == 1


def test_disconnected_cells_are_at_chance_and_best_is_good(bench):
    none = nb201.ops_to_index(("none",) * 6)
    assert bench.query(none) < 0.3  # 10 classes: chance is 0.1
    best, acc = bench.best()
    assert acc == max(bench.table("val_acc")) and acc > 0.8


def test_per_class_arrays(bench):
    K, S, E = nb201.num_unique(), len(bench.seeds), bench.num_epochs
    assert bench.per_class("val_acc").shape == (K, S, E)
    assert bench.per_class("test_acc").shape == (K, S)
    assert bench.per_class("params").shape == (K,)
    bench.per_class("val_acc")[:] = 0  # a copy: the table is untouched
    assert bench.table("val_acc").max() > 0
    with pytest.raises(ValueError, match="metric"):
        bench.per_class("accuracy")


def test_sampling_and_iteration(bench):
    a = bench.sample(np.random.default_rng(3), 5)
    b = bench.sample(np.random.default_rng(3), 5)
    assert (a == b).all() and ((0 <= a) & (a < 15625)).all()
    assert sum(1 for _ in bench) == 15625


def test_query_is_fast(bench):
    cells = np.random.default_rng(1).integers(0, 15625, 2000)
    t0 = time.perf_counter()
    for c in cells:
        bench.query(int(c))
    assert (time.perf_counter() - t0) / len(cells) < 1e-3


def test_summary_reports_signal_to_noise(bench):
    s = bench.summary()
    assert s["cells"] == 15625 and s["unique"] == nb201.num_unique()
    assert s["signal_to_noise"] > 1 and -1 <= s["kendall_tau_seeds"] <= 1


def test_signal_to_noise_definition():
    acc = np.array([[0.1, 0.3], [0.5, 0.7], [0.9, 1.1]])  # between-std 0.4, within-std ~0.141
    assert signal_to_noise(acc) == pytest.approx(0.4 / np.sqrt(0.02))


TOLERANCE = 0.02  # accuracy; the build ran with 1 thread per worker, so does this test


def test_random_cells_rebuild_from_scratch(bench):
    """Retrain 2 randomly chosen representatives (seed 0) and compare with the stored numbers.
    Same torch version and thread count: equal up to float noise; the tolerance allows for
    another torch or BLAS."""
    rng = np.random.default_rng()  # a new pair each run; printed for reproduction
    classes = nb201.equivalence_classes()
    picks = rng.choice(len(classes), 2, replace=False)
    cfg = bb.BuildConfig(**{**bench.meta["config"], "seeds": tuple(bench.meta["config"]["seeds"])})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for k in picks:
            idx = classes[k][0]
            rec = bb.train_cell(idx, cfg.seeds[0], cfg)
            print(f"class {k} (cell {idx}): val_acc {rec['val_acc'][-1]:.4f} vs stored "
                  f"{bench.query(idx, seed=0):.4f}; test {rec['test_acc']:.4f} vs "
                  f"{bench.query(idx, 'test_acc', seed=0):.4f}")
            assert abs(rec["val_acc"][-1] - bench.query(idx, seed=0)) <= TOLERANCE
            assert abs(rec["test_acc"] - bench.query(idx, "test_acc", seed=0)) <= TOLERANCE
    finally:
        torch.set_num_threads(threads)
