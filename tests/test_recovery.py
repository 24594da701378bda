"""What happens when things go wrong, part 1 (in-process): resuming on another device, extending
a finished run, the stop message, stale temporary files, damaged benchmark shards, a build
moving between devices, and compare() keeping its finished runs. tests/test_faults.py kills
real processes."""
import glob
import os
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from naslib_mini import data
from naslib_mini.benchmarks import build as bb
from naslib_mini.compare import Truth, compare
from naslib_mini.networks import SmallCNN
from naslib_mini.oneshot.config import DARTSConfig, FairNASConfig, GDASConfig
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.gdas import GDAS
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
from naslib_mini.oneshot.single_path import FairNAS
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.train import fit
from naslib_mini.utils import atomic_save

TINY = bb.BuildConfig(num_epochs=1, chunk=2, seeds=(0, 1))


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", limit=64, val_fraction=0.5, device="cpu")


def _same(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


# ------------------------------------------------------------------ resume on another device
def _run(kind, digits, device):
    """A net and its callbacks on `device`; the supernet's alphas live there too."""
    torch.manual_seed(0)
    if kind == "plain":
        return SmallCNN(1, 10, C=4, depth=1), []
    if kind == "single_path":
        method = FairNAS(NB201SuperNet(C=4, in_channels=1), None, FairNASConfig.PAPER, device=device)
        return SearchModel(method), [method]
    cls, cfg = (DARTS, DARTSConfig.PAPER.replace(order=1)) if kind == "darts" else (GDAS, GDASConfig.PAPER)
    method = cls(NB201SuperNet(C=4, in_channels=1), digits.val,
                 cfg.replace(num_epochs=1, batch_size=16), device=device)
    return SearchModel(method), [method]


@pytest.mark.parametrize("kind", ["plain", "darts", "gdas", "single_path"])
def test_a_checkpoint_resumes_on_a_device_other_than_the_cpu(kind, digits, tmp_path):
    """Issue 19, failure 2: loading with map_location=<the run's device> moved the CPU
    generators' states there too, and torch.set_rng_state / Generator.set_state refuse anything
    but a CPU ByteTensor ("RNG state must be a torch.ByteTensor" on CUDA). The 'meta' device
    stands in for CUDA: a finished run saved on the CPU is resumed there (nothing left to
    train, so nothing is computed on meta)."""
    ck = tmp_path / "run.pt"
    d = (digits.train, None) if kind == "single_path" else digits  # a supernet has no one val
    net, cbs = _run(kind, digits, "cpu")
    h = fit(net, d, num_epochs=1, checkpoint=ck, progress=False, device="cpu", callbacks=cbs)
    net, cbs = _run(kind, digits, "meta")
    with pytest.warns(UserWarning, match="meta"):  # torch: copying into meta tensors is a no-op
        h2 = fit(net, d, num_epochs=1, checkpoint=ck, progress=False, device="meta",
                 callbacks=cbs)
    assert h2 == h


# ------------------------------------------------------------------ extending, stopping
def _net():
    torch.manual_seed(0)
    return SmallCNN(1, 10, C=4, depth=1)


def test_a_finished_constant_lr_run_extends_exactly(digits, tmp_path):
    kw = dict(scheduler=None, progress=False, device="cpu", seed=2)
    whole = _net()
    h_whole = fit(whole, digits, num_epochs=3, **kw)
    ck = tmp_path / "run.pt"
    fit(_net(), digits, num_epochs=2, checkpoint=ck, **kw)
    extended = _net()
    h = fit(extended, digits, num_epochs=3, checkpoint=ck, **kw)
    assert _same(whole, extended)
    assert h["train_loss"] == h_whole["train_loss"] and h["val_acc"] == h_whole["val_acc"]


class InterruptingNet(torch.nn.Module):
    """SmallCNN that raises KeyboardInterrupt in the validation pass of epoch `at`."""

    def __init__(self, at):
        super().__init__()
        self.net, self.at, self.evals = _net(), at, 0

    def forward(self, x):
        if not self.training:
            self.evals += 1
            if self.evals == self.at:
                raise KeyboardInterrupt
        return self.net(x)


def test_the_stop_message_after_ctrl_c_in_validation_reports_the_saved_epochs(digits, tmp_path,
                                                                               capsys):
    ck = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        fit(InterruptingNet(at=2), digits, num_epochs=3, checkpoint=ck, progress=False,
            device="cpu")
    out = capsys.readouterr().out
    assert "Interrupted during epoch 2; 1 epochs were finished" in out
    assert torch.load(ck, weights_only=False)["epoch"] == 1


def test_stale_temporary_files_are_removed_and_a_failed_save_leaves_none(digits, tmp_path, capsys):
    ck = tmp_path / "run.pt"
    dead, live = f"{ck}.tmp999999999", f"{ck}.tmp1"  # no such process; pid 1 always runs
    for p in (dead, live):
        open(p, "wb").write(b"half a checkpoint")
    fit(_net(), digits, num_epochs=1, checkpoint=ck, progress=False, device="cpu")
    assert not os.path.exists(dead) and os.path.exists(live)
    assert "removed" in capsys.readouterr().out
    with pytest.raises(Exception):
        atomic_save({"f": lambda: 0}, tmp_path / "x.pt")  # a lambda does not pickle
    assert glob.glob(str(tmp_path / "x.pt*")) == []


# ------------------------------------------------------------------ the benchmark build
def test_a_damaged_shard_is_retrained_and_the_progress_line_is_true(tmp_path, capsys):
    wd = str(tmp_path / "build")
    assert bb.build(wd, workers=1, max_chunks=2, progress=False, device="cpu", cfg=TINY) == 2
    first = capsys.readouterr().out
    n = -(-len(bb.jobs(2)) // TINY.chunk)
    assert f"0 of {n} chunks already done; training 2 now with 1 worker on cpu " \
           f"(max_chunks=2; {n - 2} left for a later run)" in first
    shard = os.path.join(wd, "shard_00000.npz")
    good = bb.read_shard(shard)
    open(shard, "r+b").truncate(os.path.getsize(shard) // 2)
    assert bb.build(wd, workers=1, max_chunks=1, progress=False, device="cpu", cfg=TINY) == 1
    out = capsys.readouterr().out
    assert "retraining a damaged shard" in out and "shard_00000.npz" in out
    assert f"1 of {n} chunks already done; training 1 now" in out
    again = bb.read_shard(shard, bb.jobs(2)[:2], 1)
    for k in ("val_acc", "train_loss", "test_acc"):
        assert np.array_equal(again[k], good[k])  # the same training, redone
    assert str(again["device"]) == "cpu"


def test_the_device_is_not_part_of_the_builds_identity(tmp_path):
    """A build begun on a GPU (config.json says cuda, as the shipped one says cpu) continues on
    the CPU instead of refusing with 'other settings'; each shard records its device."""
    wd = tmp_path / "build"
    wd.mkdir()
    cfg = {**{k: v for k, v in bb.dataclasses.asdict(TINY).items()}, "device": "cuda"}
    (wd / "config.json").write_text(bb.json.dumps(cfg))
    assert bb.build(str(wd), workers=1, max_chunks=1, progress=False, device="cpu", cfg=TINY) == 1
    assert str(np.load(wd / "shard_00000.npz")["device"]) == "cpu"


def test_default_workers_one_per_gpu_two_on_the_cpu(monkeypatch):
    assert bb.default_workers("cpu") == min(2, os.cpu_count() or 1)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    assert bb.default_workers("cuda") == 4


def test_the_cli_passes_device_and_leaves_workers_to_the_default(monkeypatch):
    seen = {}
    monkeypatch.setattr(bb, "build", lambda *a, **k: seen.update(args=a, kwargs=k))
    bb.main(["build", "--device", "cpu", "--workdir", "w"])
    assert seen == {"args": ("w", None, None), "kwargs": {"device": "cpu"}}


# ------------------------------------------------------------------ compare keeps its runs
def _truth(n=50):
    rng = np.random.default_rng(0)
    return Truth(rng.random((2, n)), np.ones((2, n)), rng.random(n))


class _Greedy(RandomSearch):
    """Asks a new cell forever; a tell it cannot use is ignored."""

    def ask(self):
        return int(self.rng.integers(50))


def test_the_driver_stops_a_greedy_strategy_at_its_budget():
    """Only the driver calls the oracle, so no strategy can catch the budget signal and go
    on: the run ends when the budget is spent, exactly."""
    res = compare({"greedy": lambda seed: _Greedy(SimpleNamespace(sample=lambda rng: 0), seed)}, budget=5,
                  seeds=2, truth=_truth())
    assert [r.lookups for r in res.runs["greedy"]] == [5, 5]
    assert all(not r.info["stalled"] for r in res.runs["greedy"])


def test_a_strategy_that_repeats_known_cells_forever_is_stopped():
    class Repeater(_Greedy):
        def ask(self):
            return 0

    res = compare({"rep": lambda seed: Repeater(SimpleNamespace(sample=lambda rng: 0), seed)}, budget=5,
                  seeds=1, truth=_truth(), max_asks=20)
    run = res.runs["rep"][0]
    assert run.lookups == 1 and run.info["stalled"] and run.info["asks"] == 20


def test_a_failing_run_and_ctrl_c_keep_the_finished_runs():
    class Flaky(RandomSearch):
        def ask(self):
            if self.seed == 1:
                raise ZeroDivisionError("a bug in seed 1")
            if self.seed == 3:
                raise KeyboardInterrupt
            return int(self.rng.integers(50))

    def make(seed):
        s = Flaky(SimpleNamespace(sample=lambda rng: 0), seed=seed)
        s.seed = seed
        return s

    with pytest.warns(UserWarning) as caught:
        res = compare({"flaky": make}, budget=4, seeds=5, truth=_truth())
    said = " ".join(str(w.message) for w in caught)
    assert "a bug in seed 1" in said and "KeyboardInterrupt; stopped" in said
    assert [r.seed for r in res.runs["flaky"]] == [0, 2]  # 3 interrupted: 4 never ran
    assert [(e["seed"], e["error"].split(":")[0]) for e in res.errors] == \
        [(1, "ZeroDivisionError"), (3, "KeyboardInterrupt")]
    assert re.search(r"ZeroDivisionError: a bug in seed 1", res.errors[0]["traceback"])
