"""The real NAS-Bench-201 table as shipped (naslib_mini/assets/nb201_real.npz): the facts the
pack script checked, re-checked on the packaged file; the index mapping; agreement with the
source CSVs (when ../shared/data/nb201 is beside the clone); and its errors."""
import csv
import json
import os
import shutil

import numpy as np
import pytest
from scipy.stats import kendalltau

from naslib_mini.compare import Truth, compare
from naslib_mini.compare import contenders
from naslib_mini.benchmarks.real import ASSET, DATASETS, METRICS, NASBench201, judged_on_cifar
from naslib_mini.spaces import nb201
from naslib_mini.benchmarks.tabular import BenchmarkFileError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.environ.get("NASLIB_MINI_NB201_SRC", os.path.join(ROOT, "..", "shared", "data", "nb201"))
BEST = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
ROW0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


@pytest.fixture(scope="module")
def real():
    return NASBench201()


def by_hand(string: str) -> int:
    """Our index of a NAS-Bench-201 string, without the package's parser: each 'op~j' in the
    k-th '+' group is edge (j, k); index = sum over EDGES of op id * 5^(5 - position)."""
    ops = {}
    for k, group in enumerate(string.split("+"), start=1):
        for part in group.strip("|").split("|"):
            op, j = part.split("~")
            ops[(int(j), k)] = op
    order = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
    names = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    return sum(names.index(ops[e]) * 5 ** (5 - p) for p, e in enumerate(order))


def pct(real, cell, metric, dataset):
    return round(100 * real.query(cell, metric, dataset=dataset), 2)


# ------------------------------------------------------------------ the packaged file
def test_file_is_small_complete_and_attributed(real):
    assert os.path.getsize(ASSET) < 2 * 2**20
    for d in DATASETS:
        for m in METRICS[d]:
            t = real.table(m, dataset=d)
            assert t.shape == (15625,) and np.isfinite(t).all(), (d, m)
    sources = {s["name"]: s for s in real.meta["sources"]}
    assert sources["nats_tss_200ep_test.csv"]["commit"] == "b307ae5fe6e8d7043cd4fe7d1c3532288271adb7"
    assert sources["nats_tss_cifar10valid.csv"]["commit"] == "abd5221948d901f765e3bc61d0175a3c1c52b802"
    assert all(len(s["sha256"]) == 64 for s in sources.values())
    assert max(real.meta["storage"]["float32_max_abs_error"][k]
               for k in real.meta["storage"]["float32_max_abs_error"] if k.endswith("_acc")) < 1e-4


def test_distinct_cells_and_the_nats_index_is_a_permutation(real):
    nats = [real.nats_index(i) for i in range(15625)]
    assert sorted(nats) == list(range(15625))  # 15,625 distinct rows, one per cell
    assert all(real.from_nats_index(k) == i for i, k in enumerate(nats[:500]))


def test_the_facts_of_the_paper_hold_on_the_packaged_file(real):
    c10 = real.table("test_acc", dataset="cifar10")
    top = np.flatnonzero(c10 == c10.max())
    assert round(100 * c10.max(), 2) == 94.37
    assert sorted(top.tolist()) == sorted(by_hand(s) for s in BEST)  # exactly the two cells
    assert pct(real, ("skip_connect",) * 6, "test_acc", "cifar10") == 54.30  # DARTS' collapse
    assert pct(real, ("none",) * 6, "test_acc", "cifar10") == 10.00          # chance
    assert round(100 * real.best("test_acc", dataset="cifar100")[1], 2) == 73.51
    assert round(100 * real.best("test_acc", dataset="ImageNet16-120")[1], 2) == 47.31
    assert round(100 * real.best("val_acc")[1], 2) == 91.61
    valid_test = real.table("test_acc", dataset="cifar10-valid")
    assert kendalltau(c10, valid_test).statistic == pytest.approx(0.90, abs=0.02)
    assert kendalltau(real.table("val_acc"), valid_test).statistic == pytest.approx(0.95, abs=0.02)


def test_index_mapping_on_known_cells(real):
    assert by_hand(ROW0) == 4 * 5**5 + 2 * 5**4 + 1 * 5**3 + 2 * 5**2 + 1 * 5 + 1 == 13931
    assert real.from_nats_index(0) == 13931 and real.nats_index(ROW0) == 0
    assert real.nats_index(BEST[0]) == 6111  # the row of the CIFAR-10 optimum in NATS-Bench
    assert real.index(BEST[0]) == by_hand(BEST[0]) == nb201.ops_to_index(nb201.to_ops(BEST[0]))
    rec = real.record(BEST[0])
    assert rec["nats_index"] == 6111 and rec["string"] == BEST[0]
    assert round(100 * rec["cifar10"]["test_acc"], 2) == 94.37


def test_times_and_units(real):
    t, e = real.table("train_time"), real.table("epoch_time")
    np.testing.assert_allclose(t, 200 * e, rtol=1e-5)  # 200 epochs
    assert (real.table("val_acc") <= 1).all() and (real.table("train_loss") > 0).all()
    assert real.query(("none",) * 6, "params", dataset="cifar100") > real.query(("none",) * 6, "params", dataset="cifar10")


@pytest.mark.skipif(not os.path.isdir(SRC), reason=f"the source CSVs are not at {SRC} "
                    "(CI has ../shared beside the clone; set NASLIB_MINI_NB201_SRC to point elsewhere)")
def test_queries_agree_with_the_csv_text(real):
    with open(os.path.join(SRC, "nats_tss_200ep_test.csv")) as f:
        test = list(csv.reader(f))[1:]
    with open(os.path.join(SRC, "nats_tss_cifar10valid.csv")) as f:
        valid = list(csv.DictReader(f))
    rows = [0, 1, 6111, 15624, *np.random.default_rng(0).integers(15625, size=40).tolist()]
    for k in rows:
        string = test[k][3]
        i = by_hand(string)
        assert real.from_nats_index(k) == i and real.query(string, "test_acc", dataset="cifar10") \
            == real.query(i, "test_acc", dataset="cifar10")
        for col, d in enumerate(("cifar10", "cifar100", "ImageNet16-120")):
            assert 100 * real.query(i, "test_acc", dataset=d) == pytest.approx(float(test[k][col]), abs=1e-4)
        v = valid[k]
        assert v["arch_str"] == string
        for m, c in (("val_acc", "valid-accuracy"), ("test_acc", "test-accuracy"),
                     ("train_acc", "train-accuracy")):
            assert 100 * real.query(i, m, dataset="cifar10-valid") == pytest.approx(float(v[c]), abs=1e-4)
        assert real.query(i, "train_time") == pytest.approx(float(v["train-all-time"]), rel=1e-6)
        assert real.query(i, "val_loss") == pytest.approx(float(v["valid-loss"]), rel=1e-6)


# ------------------------------------------------------------------ errors
def test_errors_name_the_argument_and_the_choices(real):
    with pytest.raises(ValueError, match="unknown dataset 'cifar-10'.*cifar10-valid"):
        real.query(0, dataset="cifar-10")
    with pytest.raises(ValueError, match="unknown metric 'accuracy'.*val_acc"):
        real.query(0, "accuracy")
    with pytest.raises(ValueError, match="several datasets.*dataset="):
        real.query(0, "test_acc")
    with pytest.raises(ValueError, match="'val_acc' is not available on dataset 'cifar100'.*cifar10-valid"):
        real.query(0, "val_acc", dataset="cifar100")
    with pytest.raises(ValueError, match="seed-averaged.*seed must be None"):
        real.query(0, seed=0)
    with pytest.raises(ValueError, match="seed-averaged"):
        real.query(0, seed=-1)
    with pytest.raises(ValueError, match="epoch"):
        real.query(0, epoch=200)
    with pytest.raises(nb201.NB201Error, match="NATS-Bench index"):
        real.from_nats_index(15625)


def test_a_missing_or_corrupt_file_is_named(tmp_path):
    missing = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match=f"{missing}.*pack_nb201"):
        NASBench201(str(missing))
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(BenchmarkFileError, match=f"{garbage}.*pack_nb201"):
        NASBench201(str(garbage))
    partial = tmp_path / "partial.npz"
    with np.load(ASSET) as z:
        kept = {k: z[k] for k in z.files if k != "cifar100.test_acc"}
    np.savez(partial, **kept)
    with pytest.raises(BenchmarkFileError, match="cifar100.test_acc"):
        NASBench201(str(partial))
    truncated = tmp_path / "truncated.npz"
    shutil.copy(ASSET, truncated)
    with open(truncated, "r+b") as f:
        f.truncate(os.path.getsize(ASSET) // 2)
    with pytest.raises(BenchmarkFileError, match=str(truncated)):
        NASBench201(str(truncated))


# ------------------------------------------------------------------ use in a search
def test_compare_searches_on_valid_and_judges_on_cifar10(real):
    truth = Truth.from_benchmark(real)
    assert truth.val.shape == (1, 15625)  # seed-averaged: one row
    np.testing.assert_allclose(truth.val[0], real.table("val_acc"))
    np.testing.assert_allclose(truth.train_time[0], real.table("train_time"))
    np.testing.assert_allclose(truth.test, real.table("test_acc", dataset="cifar10"))
    res = compare({"random": contenders.random_search()}, 30, 3, bench=real)
    for run in res.runs["random"]:
        i = int(run.returned[-1])
        assert run.scores.max() == pytest.approx(real.query(i))  # returned by validation
        assert run.regret[-1] == pytest.approx(0.9437333 - real.query(i, "test_acc", dataset="cifar10"), abs=1e-6)
        assert run.train_seconds[-1] == pytest.approx(sum(real.query(int(c), "train_time") for c in run.cells))
    other = compare({"random": contenders.random_search()}, 30, 3, bench=real, dataset="cifar100")
    assert other.best == pytest.approx(real.best("test_acc", dataset="cifar100")[1])


def test_judged_on_cifar_prints_the_table_values(real):
    text = judged_on_cifar(("skip_connect",) * 6, real)
    assert "54.30%" in text and "searched on digits" in text
    assert f"{real.rank(('skip_connect',) * 6, 'test_acc', dataset='cifar10'):>6,}" in text


def test_meta_is_json_with_the_checks():
    with np.load(ASSET) as z:
        meta = json.loads(str(z["meta"]))
    assert meta["checks"]["cifar10_best"] == 94.37 and meta["checks"]["cells"] == 15625


# ------------------------------------------------------------------ the pack script
def load_pack_script():
    import importlib.util
    spec = importlib.util.spec_from_file_location("pack_nb201", os.path.join(ROOT, "tools", "pack_nb201.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not os.path.isdir(SRC), reason=f"the source CSVs are not at {SRC}")
def test_packing_again_gives_the_shipped_arrays_and_refuses_a_changed_source(tmp_path):
    pack = load_pack_script()
    out = tmp_path / "again.npz"
    assert pack.main([SRC, "--out", str(out)]) == 0
    with np.load(out) as a, np.load(ASSET) as b:
        assert set(a.files) == set(b.files)
        for k in a.files:
            if k != "meta":
                np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    path = src / "nats_tss_cifar10valid.csv"
    text = path.read_text()
    path.chmod(0o644)
    path.write_text(text.replace("91.60666665", "92.60666665", 1))  # the best validation value
    out2 = tmp_path / "refused.npz"
    assert pack.main([str(src), "--out", str(out2)]) == 1
    assert not out2.exists()
