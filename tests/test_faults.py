"""What happens when things go wrong, part 2: real processes killed with SIGKILL (no Python
cleanup runs: like a crash, an out-of-memory kill or a machine that goes down) during
training, during a checkpoint save, and during the benchmark build. Each is then resumed,
and the result must be bit-identical to an uninterrupted run, with nothing lost or done twice.

Each child runs the small script below (`python child.py MODE PATH`, one thread) and is killed;
the test then resumes in its own process, on one thread too, and computes the uninterrupted
reference there."""
import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from naslib_mini import augment, data
from naslib_mini.benchmarks import build as bb
from naslib_mini.networks import SmallCNN
from naslib_mini.train import fit

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r'''
import io, os, signal, sys, time
import torch
torch.set_num_threads(1)
from naslib_mini import train
from naslib_mini.benchmarks import build as bb
from test_faults import TINY, run_fit

mode, where = sys.argv[1], sys.argv[2]


class Slow(train.Callback):  # stateless: the resumed run may leave it out
    def on_batch_end(self, t, loss):
        time.sleep(0.05)


if mode == "train":            # killed from outside at some point
    run_fit(where, [Slow()])
elif mode == "die_in_save":    # SIGKILLs itself halfway through writing the 2nd checkpoint
    real_save, saves = torch.save, []

    def save(obj, f):
        saves.append(f)
        if len(saves) == 2:
            buf = io.BytesIO()
            real_save(obj, buf)
            with open(f, "wb") as fh:
                fh.write(buf.getvalue()[:len(buf.getvalue()) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return real_save(obj, f)
    torch.save = save
    run_fit(where)
elif mode == "build":          # killed from outside, with its worker
    bb.build(where, workers=1, max_chunks=2, progress=False, device="cpu", cfg=TINY)
'''
TINY = bb.BuildConfig(num_epochs=1, chunk=2, seeds=(0, 1))


def run_fit(ck, callbacks=()):
    """The run every test here interrupts: 4 epochs of a small CNN on 128 digits."""
    d = data.load("digits", limit=128, device="cpu")
    torch.manual_seed(0)
    net = SmallCNN(1, 10, C=8, depth=2)
    h = fit(net, d, num_epochs=4, batch_size=32, augment=augment.crop(1), seed=3,
            progress=False, device="cpu", checkpoint=ck, callbacks=list(callbacks))
    return net, h


@pytest.fixture
def one_thread():
    """The children train on one thread; the resumed run and its reference must too."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _resumed_equals_uninterrupted(ck):
    net, h = run_fit(ck)
    ref, h_ref = run_fit(None)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(),
                                                 ref.state_dict().values()))
    assert all(h[k] == h_ref[k] for k in h_ref if k != "time")
    assert h["epoch"] == [1, 2, 3, 4]  # nothing lost, nothing twice


def _child(tmp_path, *args, new_session=False):
    script = tmp_path / "child.py"
    if not script.exists():
        script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "tests")]),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, str(script), *map(str, args)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            start_new_session=new_session)


def _killed(proc, timeout=300):
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == -signal.SIGKILL, err[-3000:]


def _wait_for(path, proc, timeout=120):
    t0 = time.time()
    while not os.path.exists(path):
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.time() - t0 < timeout, f"{path} never appeared"
        time.sleep(0.05)


def test_sigkill_during_training_then_resume_is_bit_identical(tmp_path, one_thread):
    ck = tmp_path / "run.pt"
    proc = _child(tmp_path, "train", ck)
    _wait_for(ck, proc)            # epoch 1 is saved ...
    time.sleep(0.1)                # ... and epoch 2 is under way
    proc.send_signal(signal.SIGKILL)
    _killed(proc)
    assert 1 <= torch.load(ck, weights_only=False)["epoch"] < 4  # killed mid-run
    _resumed_equals_uninterrupted(ck)


def test_sigkill_during_a_checkpoint_save_then_resume_is_bit_identical(tmp_path, one_thread):
    ck = tmp_path / "run.pt"
    _killed(_child(tmp_path, "die_in_save", ck))
    half = [p for p in os.listdir(tmp_path) if p.startswith("run.pt.tmp")]
    assert len(half) == 1                                          # the half-written save ...
    assert torch.load(ck, weights_only=False)["epoch"] == 1       # ... never replaced epoch 1
    _resumed_equals_uninterrupted(ck)
    assert [p for p in os.listdir(tmp_path) if ".tmp" in p] == []  # the stale file is gone


def test_sigkill_of_the_benchmark_build_then_resume_is_bit_identical(tmp_path):
    wd = tmp_path / "build"
    proc = _child(tmp_path, "build", wd, new_session=True)  # its own group: parent and worker
    _wait_for(wd / "shard_00000.npz", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    _killed(proc)
    done = len(glob.glob(str(wd / bb.SHARD_GLOB)))
    assert done >= 1
    if done < 2:  # finish what the killed build was asked to do
        bb.build(str(wd), workers=1, max_chunks=2 - done, progress=False, device="cpu", cfg=TINY)
    ref = tmp_path / "reference"
    bb.build(str(ref), workers=1, max_chunks=2, progress=False, device="cpu", cfg=TINY)
    keys = ("class_id", "seed", *bb.CURVES, "test_acc", "test_loss", "params", "macs")
    runs = []
    for i in range(2):
        a = bb.read_shard(str(wd / f"shard_{i:05d}.npz"))
        b = bb.read_shard(str(ref / f"shard_{i:05d}.npz"))
        assert all(np.array_equal(a[k], b[k]) for k in keys), i
        runs += list(zip(a["class_id"].tolist(), a["seed"].tolist()))
    assert runs == [(k, s) for k in range(2) for s in range(2)]  # each run exactly once
    assert len(glob.glob(str(wd / bb.SHARD_GLOB))) == 2 and glob.glob(str(wd / "*.tmp*")) == []
