"""The build is resumable: interrupted and rerun, it finishes each chunk exactly once."""
import glob
import os

import numpy as np
import pytest

from naslib_mini.benchmarks import build as bb

TINY = bb.BuildConfig(num_epochs=1, chunk=2, seeds=(0, 1))  # 1 class x 2 seeds per shard


def _shards(workdir):
    return sorted(glob.glob(os.path.join(workdir, bb.SHARD_GLOB)))


def test_build_resumes_without_loss_or_duplication(tmp_path):
    wd = str(tmp_path / "build")
    assert bb.build(wd, workers=1, max_chunks=1, progress=False, device="cpu", cfg=TINY) == 1
    # an interrupted chunk leaves at most a temporary file, never a partial shard
    open(os.path.join(wd, "shard_00001.npz.tmp999"), "wb").write(b"half a file")
    assert bb.build(wd, workers=1, max_chunks=2, progress=False, device="cpu", cfg=TINY) == 2
    shards = _shards(wd)
    assert [os.path.basename(p) for p in shards] == ["shard_00000.npz", "shard_00001.npz",
                                                     "shard_00002.npz"]
    runs = [(int(k), int(s)) for p in shards for k, s in zip(np.load(p)["class_id"], np.load(p)["seed"])]
    assert runs == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]  # each once, in order
    z = np.load(shards[1])
    assert z["val_acc"].shape == (2, 1) and np.isfinite(z["test_acc"]).all()
    assert z["params"][0] > 0 and z["params"][1] == -1  # measured once per class (seed 0)


def test_build_refuses_other_settings_and_pack_refuses_partial(tmp_path):
    wd = str(tmp_path / "build")
    bb.build(wd, workers=1, max_chunks=1, progress=False, device="cpu", cfg=TINY)
    with pytest.raises(ValueError, match="other settings"):
        bb.build(wd, workers=1, max_chunks=1, progress=False, device="cpu",
                 cfg=bb.BuildConfig(num_epochs=2, chunk=2))
    with pytest.raises(RuntimeError, match="finish the build"):
        bb.pack(wd, out=str(tmp_path / "out.npz"))


def test_busy_time_is_the_union_of_intervals():
    assert bb.busy_time([(0, 10), (5, 12), (20, 25)]) == 17  # overlap counted once, gap skipped
    assert bb.busy_time([]) == 0
