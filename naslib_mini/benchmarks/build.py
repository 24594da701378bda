"""Building our digits benchmark (`benchmarks.digits` reads it; `benchmarks.recipe` is how
one cell is trained), and the command line:

    python -m naslib_mini.benchmarks build [--workers 2] | pack | info

Every equivalence class of the NAS-Bench-201 space (`spaces.nb201.equivalence_classes`)
is trained once per seed, on one representative cell, in parallel worker processes.
Results go to shard files of `BuildConfig.chunk` runs each, written atomically: interrupt
the build and rerun it, and it skips the shards that exist, so nothing is lost or done twice.
A shard that does not open (or holds other runs than its chunk's) is deleted and retrained.
`pack` merges the shards into the compact file shipped in naslib_mini/assets/.

The workdir remembers the build's settings (config.json) and refuses other ones. The device is
not one of them: CPU and CUDA run the same recipe, so a build begun on one may continue on
the other; each shard records the device that trained it.
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import multiprocessing as mp
import os
import platform
import time

import numpy as np
import sklearn
import torch
from tqdm.auto import tqdm

from .. import checks
from ..checkpoint import remove_stale
from ..checks import CorruptFileError, corrupt
from ..spaces import nb201
from ..utils import resolve_device
from .digits import ASSET, CURVES, Benchmark
from .recipe import BuildConfig, load_splits, measure_cell, train_cell

IDENTITY_EXCLUDES = ("device",)  # settings a resumed build may change
SHARD_GLOB = "shard_[0-9][0-9][0-9][0-9][0-9].npz"  # whole shards only, never temporary files


# ---------------------------------------------------------------- the build (resumable)
def jobs(n_seeds: int = len(BuildConfig().seeds)) -> list[tuple[int, int, int]]:
    """(class id, representative cell index, seed index) for every training run."""
    classes = nb201.equivalence_classes()
    return [(k, members[0], s) for k, members in enumerate(classes) for s in range(n_seeds)]


_WORKER = {}


def _init_worker(cfg_dict):
    torch.set_num_threads(1)
    cfg = BuildConfig(**cfg_dict)
    if cfg.device == "cuda":  # worker k of the pool on GPU k mod the number of GPUs
        k = (mp.current_process()._identity or (1,))[0] - 1
        gpu = k % torch.cuda.device_count()
        torch.cuda.set_device(gpu)
        cfg = dataclasses.replace(cfg, device=f"cuda:{gpu}")
    _WORKER.update(cfg=cfg, splits=load_splits(cfg))


def _run_chunk(args):
    """Train one chunk of jobs and write its shard atomically; return its index."""
    shard_path, chunk_jobs = args
    cfg, splits = _WORKER["cfg"], _WORKER["splits"]
    out = {k: [] for k in ("class_id", "seed", *CURVES, "test_acc", "test_loss", "train_time",
                           "params", "macs", "latency")}
    t0 = time.time()
    for class_id, index, s in chunk_jobs:
        rec = train_cell(index, cfg.seeds[s], cfg, splits)
        net = rec.pop("net")
        meas = measure_cell(net, splits) if s == 0 else {"params": -1, "macs": -1, "latency": np.nan}
        out["class_id"].append(class_id)
        out["seed"].append(s)
        for k, v in {**rec, **meas}.items():
            out[k].append(v)
    arrays = {k: np.asarray(v) for k, v in out.items()}
    arrays["wall"] = np.asarray([t0, time.time()])
    arrays["device"] = np.asarray(cfg.device)
    tmp = shard_path + f".tmp{os.getpid()}"
    with open(tmp, "wb") as f:  # a file object: numpy adds no ".npz" to the temporary name
        np.savez(f, **arrays)
    os.replace(tmp, shard_path)  # a shard exists whole or not at all
    return shard_path


SHARD_KEYS = ("class_id", "seed", *CURVES, "test_acc", "test_loss", "train_time", "params",
              "macs", "latency", "wall")


def read_shard(path: str, chunk_jobs=None, num_epochs: int | None = None) -> dict:
    """A shard's arrays, checked: every key, one row per job, and (when given) exactly the
    chunk's (class, seed) jobs and num_epochs per curve. CorruptFileError otherwise."""
    todo = "delete it and rerun `python -m naslib_mini.benchmarks build` (it retrains that chunk)"
    try:
        with np.load(path) as z:
            arr = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 (truncated zip, not an npz, bad pickle, ...)
        raise corrupt(path, f"not a readable shard ({type(e).__name__}: {e})", todo) from e
    missing = [k for k in SHARD_KEYS if k not in arr]
    if missing:
        raise corrupt(path, f"missing {', '.join(missing)}", todo)
    n = len(arr["class_id"])
    bad = [k for k in SHARD_KEYS[:-1] if len(arr[k]) != n]
    if bad or arr["wall"].shape != (2,):
        raise corrupt(path, f"arrays of different lengths ({', '.join(bad) or 'wall'})", todo)
    if chunk_jobs is not None:
        want = [(k, s) for k, _, s in chunk_jobs]
        if list(zip(arr["class_id"].tolist(), arr["seed"].tolist())) != want:
            raise corrupt(path, "holds other (class, seed) runs than its chunk", todo)
    if num_epochs is not None and arr["val_acc"].shape != (n, num_epochs):
        raise corrupt(path, f"curves of shape {arr['val_acc'].shape}, expected ({n}, {num_epochs})", todo)
    return arr


def default_workers(device: str) -> int:
    """1 worker per GPU on CUDA: a worker holds a CUDA context of its own (hundreds of MB each)
    and one small network per GPU keeps it busy. On the CPU min(2, cores): the measured
    setting, each worker on one thread; pass workers=N (--workers N) to use more cores."""
    if device == "cuda":
        return max(torch.cuda.device_count(), 1)
    return min(2, os.cpu_count() or 1)


def _check_workdir(workdir: str, cfg: BuildConfig) -> str:
    """config.json of `workdir`: read and compared (device aside) when it exists, else the
    path to write it to. Raises before anything is written."""
    cfg_path = os.path.join(workdir, "config.json")
    if not os.path.exists(cfg_path):
        return cfg_path
    try:
        with open(cfg_path) as f:
            saved = json.load(f)
        saved["seeds"] = tuple(saved["seeds"])
    except Exception as e:  # noqa: BLE001 (truncated JSON, not a dict, no seeds)
        raise corrupt(cfg_path, f"not a build's settings ({type(e).__name__}: {e})",
                      "delete the workdir to start the build over, or use another --workdir") from e
    now = dataclasses.asdict(cfg)
    diff = [k for k in {**saved, **now} if k not in IDENTITY_EXCLUDES and saved.get(k) != now.get(k)]
    if diff:
        what = "; ".join(f"{k}: {saved.get(k)!r} there, {now.get(k)!r} now" for k in diff)
        raise ValueError(f"{workdir} holds a build with other settings ({what}); use another "
                         "--workdir or delete it")
    return cfg_path


def build(workdir: str = "shards/nb201", workers: int | None = None, max_chunks: int | None = None,
          progress: bool = True, device: str = "auto", cfg: BuildConfig | None = None) -> int:
    """Train every pending chunk; shards already written are skipped, shards that do not open
    are retrained. Returns the number of chunks trained.
    workers: processes (None: `default_workers`); max_chunks: train at most this many now;
    device "auto" picks CUDA when present (a build may move between devices, see above).
    cfg: other settings (tests use tiny ones); the workdir remembers them and refuses others."""
    checks.path("workdir", workdir, file=False)
    if os.path.isfile(workdir):
        raise ValueError(f"workdir {workdir!r} is a file; give a folder")
    device = resolve_device(checks.device("device", device)).type
    workers = default_workers(device) if workers is None else checks.integer("workers", workers, min=1)
    if max_chunks is not None:
        checks.integer("max_chunks", max_chunks, min=1)
    checks.flag("progress", progress)
    if cfg is not None and not isinstance(cfg, BuildConfig):
        raise TypeError(f"cfg must be a BuildConfig, got {type(cfg).__name__}")
    cfg = dataclasses.replace(cfg or BuildConfig(), device=device)
    cfg_path = _check_workdir(workdir, cfg)
    os.makedirs(workdir, exist_ok=True)
    if not os.path.exists(cfg_path):
        ident = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in IDENTITY_EXCLUDES}
        with open(cfg_path, "w") as f:
            json.dump(ident, f, indent=1)
    all_jobs = jobs(len(cfg.seeds))
    chunks = [all_jobs[i:i + cfg.chunk] for i in range(0, len(all_jobs), cfg.chunk)]
    pending = []
    for i, c in enumerate(chunks):
        path = os.path.join(workdir, f"shard_{i:05d}.npz")
        remove_stale(path)  # a temporary file of a worker that was killed mid-write
        if os.path.exists(path):
            try:
                read_shard(path, c, cfg.num_epochs)
                continue
            except CorruptFileError as e:
                print(f"retraining a damaged shard: {e}", flush=True)
                os.remove(path)
        pending.append((path, c))
    todo = pending if max_chunks is None else pending[:max_chunks]
    later = len(pending) - len(todo)
    print(f"{len(chunks) - len(pending)} of {len(chunks)} chunks already done; training "
          f"{len(todo)} now with {workers} worker{'s' if workers > 1 else ''} on {device}"
          + (f" (max_chunks={max_chunks}; {later} left for a later run)" if later else ""),
          flush=True)
    t0 = time.time()
    if todo:
        ctx = mp.get_context("spawn" if device == "cuda" else "fork")  # CUDA cannot fork
        with ctx.Pool(min(workers, len(todo)), _init_worker, (dataclasses.asdict(cfg),)) as pool, \
                tqdm(total=len(todo), desc="chunks", disable=not progress) as bar:
            for _ in pool.imap_unordered(_run_chunk, todo):
                bar.update(1)
        with open(os.path.join(workdir, "sessions.jsonl"), "a") as f:
            f.write(json.dumps({"start": t0, "end": time.time(), "chunks": len(todo),
                                "workers": workers, "device": device}) + "\n")
    return len(todo)


def busy_time(intervals) -> float:
    """Wall time during which at least one worker was training: the length of the union of
    the shards' (start, end) intervals. Survives builds that were killed and resumed."""
    total, end = 0.0, -np.inf
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return float(total)


def _versions() -> dict:
    return {"python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores"}


def pack(workdir: str = "shards/nb201", out: str = ASSET, allow_partial: bool = False) -> str:
    """Merge all shards into the compact shipped file (refuses while chunks are missing).
    allow_partial=True writes a preview with NaN for the classes not trained yet, for
    developing against a running build; it refuses to overwrite the shipped file."""
    cfg_path = os.path.join(workdir, "config.json")
    if not os.path.exists(cfg_path):
        raise FileNotFoundError(f"{workdir} holds no build ({cfg_path} is missing); run "
                                "`python -m naslib_mini.benchmarks build` first")
    with open(cfg_path) as f:
        cfg = json.load(f)
    classes = nb201.equivalence_classes()
    K, S, E = len(classes), len(cfg["seeds"]), cfg["num_epochs"]
    shards = sorted(glob.glob(os.path.join(workdir, SHARD_GLOB)))
    expected = -(-K * S // cfg["chunk"])
    if allow_partial and os.path.abspath(out) == os.path.abspath(ASSET):
        raise ValueError("a partial preview never replaces the shipped file; pass another `out`")
    if len(shards) != expected and not allow_partial:
        raise RuntimeError(f"{len(shards)} of {expected} shards present: finish the build first")
    arr = {k: np.full((K, S, E), np.nan, np.float32) for k in CURVES}
    arr.update({k: np.full((K, S), np.nan, np.float32) for k in ("test_acc", "test_loss", "train_time")})
    arr.update(params=np.zeros(K, np.int64), macs=np.zeros(K, np.int64),
               latency=np.full(K, np.nan, np.float32))
    cpu_seconds, intervals, devices = 0.0, [], set()
    all_jobs = jobs(S)
    for path in shards:
        i = int(os.path.basename(path)[6:11]) * cfg["chunk"]  # shard_#####.npz: its chunk
        z = read_shard(path, all_jobs[i:i + cfg["chunk"]], E)
        k, s = z["class_id"], z["seed"]
        devices.add(str(z.get("device", cfg.get("device", "cpu"))))
        for name in (*CURVES, "test_acc", "test_loss", "train_time"):
            arr[name][k, s] = z[name]
        first = s == 0
        arr["params"][k[first]] = z["params"][first]
        arr["macs"][k[first]] = z["macs"][first]
        arr["latency"][k[first]] = z["latency"][first]
        cpu_seconds += float(z["wall"][1] - z["wall"][0])
        intervals.append(tuple(z["wall"]))
    if np.isnan(arr["test_acc"]).any() and not allow_partial:
        raise RuntimeError("some (class, seed) results are missing")
    class_of = np.empty(nb201.NUM_CELLS, np.int16)
    for k, members in enumerate(classes):
        class_of[members] = k
    meta = {"config": cfg, "versions": _versions(), "packed": time.strftime("%Y-%m-%d"),
            "build_wall_s": busy_time(intervals),
            "build_worker_s": cpu_seconds, "n_classes": K, "n_cells": nb201.NUM_CELLS,
            "devices": sorted(devices),
            "partial": bool(np.isnan(arr["test_acc"]).any())}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp.npz"
    np.savez_compressed(tmp, class_of=class_of, representative=np.array([c[0] for c in classes]),
                        meta=np.array(json.dumps(meta)), **arr)
    os.replace(tmp, out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m naslib_mini.benchmarks",
                                 description="Build, pack or inspect our digits benchmark.")
    ap.add_argument("command", choices=["build", "pack", "info"])
    ap.add_argument("--workdir", default="shards/nb201")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: 1 per GPU on CUDA, min(2, cores) on the CPU)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                    help="where the workers train (auto: CUDA when present)")
    ap.add_argument("--max-chunks", type=int, default=None, help="train at most this many chunks now")
    a = ap.parse_args(argv)
    try:
        if a.command == "build":
            build(a.workdir, a.workers, a.max_chunks, device=a.device)
        elif a.command == "pack":
            print("wrote", pack(a.workdir))
        else:
            print(json.dumps(Benchmark().summary(), indent=1))
    except (ValueError, TypeError, FileNotFoundError, CorruptFileError) as e:
        ap.error(str(e))  # one line and exit status 2, not a traceback
