"""The interface both tabular benchmarks answer (`tabular.TabularBenchmark`): one test, run
over our digits table and the real NAS-Bench-201."""
import os
import timeit

import numpy as np
import pytest

from naslib_mini.benchmarks import build as bb
from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.benchmarks.real import NASBench201
from naslib_mini.spaces import nb201
from naslib_mini.benchmarks.tabular import MissingResult

EXAMPLE = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+"
           "|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")
TABLES = {"digits": Benchmark, "real": NASBench201}


@pytest.fixture(scope="module", params=sorted(TABLES))
def bench(request):
    if request.param == "digits" and not os.path.exists(bb.ASSET):
        pytest.skip("digits benchmark not built")
    return TABLES[request.param]()


def test_query_by_index_ops_and_string_agree(bench):
    ops = nb201.to_ops(EXAMPLE)
    i = nb201.ops_to_index(ops)
    for metric, dataset in ((m, d) for d in bench.datasets for m in bench.metrics(d)):
        values = {bench.query(c, metric, dataset=dataset)
                  for c in (i, np.int64(i), ops, list(ops), np.array(ops), EXAMPLE)}
        assert len(values) == 1, (metric, dataset)
        assert bench.table(metric, dataset=dataset)[i] == pytest.approx(values.pop())


def test_the_search_and_report_datasets_have_what_a_search_needs(bench):
    assert {"val_acc", "train_time"} <= set(bench.metrics(bench.search_dataset))
    assert "test_acc" in bench.metrics(bench.report_dataset)
    assert bench.query(0) == bench.query(0, "val_acc", dataset=bench.search_dataset)
    acc = bench.table("val_acc")
    assert acc.shape == (15625,) and acc.dtype == float and 0 <= acc.min() and acc.max() <= 1


def test_best_and_rank(bench):
    for metric, dataset in (("val_acc", bench.search_dataset), ("test_acc", bench.report_dataset)):
        t = bench.table(metric, dataset=dataset)
        i, v = bench.best(metric, dataset=dataset)
        assert v == t.max() and i == int(np.argmax(t))  # the lowest index among ties
        assert bench.rank(i, metric, dataset=dataset) == 1
        for c in np.random.default_rng(0).integers(15625, size=10):
            assert bench.rank(int(c), metric, dataset=dataset) == 1 + int((t > t[c]).sum())
        worst = int(np.argmin(t))
        assert bench.rank(worst, metric, dataset=dataset) == 1 + int((t > t.min()).sum())


def test_record_sample_classes_and_iteration(bench):
    rec = bench.record(EXAMPLE)
    assert rec["index"] == nb201.ops_to_index(nb201.to_ops(EXAMPLE))
    assert rec["string"] == EXAMPLE
    members = bench.equivalence_class(EXAMPLE)
    assert rec["index"] in members and len(members) == rec["class_size"]
    assert members == nb201.class_of(EXAMPLE)  # our equivalence, in both tables
    a, b = bench.sample(np.random.default_rng(3), 5), bench.sample(np.random.default_rng(3), 5)
    assert (a == b).all() and ((0 <= a) & (a < 15625)).all()
    assert isinstance(bench.sample(np.random.default_rng(0)), int)
    assert len(bench) == sum(1 for _ in bench) == 15625


@pytest.mark.parametrize("cell", [-1, 15625, 3.0, True, None, "|none~0|", ("none",) * 5,
                                  ("none",) * 5 + ("conv",)])
def test_a_bad_cell_is_an_error(bench, cell):
    with pytest.raises(nb201.NB201Error):
        bench.query(cell)


def test_bad_metric_dataset_seed_and_epoch(bench):
    with pytest.raises(ValueError, match="unknown metric 'accuracy'"):
        bench.query(0, "accuracy")
    with pytest.raises(ValueError, match="unknown metric"):
        bench.table("accuracy")
    with pytest.raises(TypeError, match="metric must be a string"):
        bench.query(0, 3)
    with pytest.raises(ValueError, match=r"unknown dataset 'imagenet'.*choose from"):
        bench.query(0, dataset="imagenet")
    with pytest.raises(TypeError, match="dataset must be a string"):
        bench.query(0, dataset=["cifar10"])
    for seed in (-1, len(bench.seeds), 99):
        with pytest.raises(ValueError, match="seed"):  # never silently the last seed
            bench.query(0, seed=seed)
    for seed in (True, 1.0, "0"):
        with pytest.raises(TypeError, match="seed must be None"):
            bench.query(0, seed=seed)
    with pytest.raises(TypeError, match="epoch must be None"):
        bench.query(0, epoch=1.5)
    with pytest.raises(ValueError, match="epoch"):
        bench.query(0, "test_acc", dataset=bench.report_dataset, epoch=1)
    with pytest.raises(ValueError, match="seed"):
        bench.table("val_acc", seed=-1)


def test_a_query_takes_microseconds(bench):
    n = 2000
    for cell in (1234, EXAMPLE):
        per_query = timeit.timeit(lambda: bench.query(cell), number=n) / n
        assert per_query < 200e-6, f"{per_query * 1e6:.1f} us per query of {cell!r}"


# ------------------------------------------------------------------ a partial digits table
@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    if not os.path.exists(bb.ASSET):
        pytest.skip("digits benchmark not built")
    with np.load(bb.ASSET) as z:
        arrays = {k: z[k] for k in z.files}
    best = Benchmark().best("val_acc")[0]
    gone = [int(arrays["class_of"][best]), int(arrays["class_of"][0])]  # the best and cell 0
    for k in ("train_acc", "train_loss", "val_acc", "val_loss", "test_acc", "test_loss", "train_time"):
        arrays[k] = arrays[k].astype(np.float32)
        arrays[k][gone] = np.nan
    path = tmp_path_factory.mktemp("partial") / "partial.npz"
    np.savez(path, **arrays)
    return Benchmark(str(path)), best


def test_a_partial_table_never_answers_nan(partial):
    bench, gone = partial
    t = bench.table("val_acc")
    assert np.isnan(t[gone]) and np.isnan(t[0]) and np.isfinite(t).sum() < 15625
    with pytest.raises(MissingResult, match="partial build"):
        bench.query(gone)
    with pytest.raises(MissingResult):
        bench.rank(0, "test_acc")
    i, v = bench.best("val_acc")
    assert i != gone and np.isfinite(v) and v == np.nanmax(t)
    assert bench.rank(i) == 1


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_missing_or_corrupt_file_names_the_file_and_the_fix(name, tmp_path):
    from naslib_mini.benchmarks.tabular import BenchmarkFileError
    cls = TABLES[name]
    missing = tmp_path / "missing.npz"
    with pytest.raises(FileNotFoundError, match=f"{missing}.*(pack|build)"):
        cls(str(missing))
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00not an npz")
    with pytest.raises(BenchmarkFileError, match=f"{garbage}.*(pack|build)"):
        cls(str(garbage))
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, meta=np.array("{}"), x=np.zeros(3))
    with pytest.raises(BenchmarkFileError, match=str(foreign)):
        cls(str(foreign))
