"""What `fit(checkpoint=...)` writes and reads, and when a checkpoint may be resumed.

A checkpoint holds the run's state (net, optimizer, scheduler, every random generator,
callbacks, history) and the run's identity, `run_identity`: every setting of `fit` and a
fingerprint of the data (a hash of the train and validation tensors). Resuming with any other
setting or data is refused with the settings that differ named, since the result would be
neither run. One exception: with scheduler=None nothing depends on num_epochs, so a finished
run can be extended to more epochs exactly; with a cosine schedule the learning rate of every
epoch depends on num_epochs, so extending is refused with that reason.

Checkpoints are always read onto the CPU: the random generators' states must be CPU byte
tensors (torch.set_rng_state and Generator.set_state refuse anything else), and the net's
and optimizers' load_state_dict move their tensors to the run's device themselves.
"""
from __future__ import annotations

import functools
import glob
import hashlib
import os

import torch

from .checks import CorruptFileError, corrupt

KEYS = ("config", "net", "optimizer", "scheduler", "epoch", "step", "history", "gen",
        "torch_rng", "cuda_rng", "numpy_rng", "python_rng", "callbacks")
_SIMPLE = (bool, int, float, str, type(None))


def describe(obj, depth: int = 0):
    """A picklable description of a function or object that is equal across processes:
    its qualified name and, for closures and partials, what they captured (crop(1) and
    crop(2) differ). Never a repr with a memory address."""
    if isinstance(obj, _SIMPLE):
        return obj
    if depth > 3:
        return type(obj).__qualname__
    if isinstance(obj, (tuple, list)):
        return [describe(o, depth + 1) for o in obj]
    if isinstance(obj, functools.partial):
        return ["partial", describe(obj.func, depth + 1), describe(list(obj.args), depth + 1),
                {k: describe(v, depth + 1) for k, v in sorted(obj.keywords.items())}]
    if hasattr(obj, "__code__"):  # a Python function or lambda
        cells = [describe(c.cell_contents, depth + 1) for c in (obj.__closure__ or ())
                 if _has_contents(c)]
        return [f"{obj.__module__}.{obj.__qualname__}", cells]
    if callable(obj) and hasattr(obj, "__qualname__"):  # a builtin or a class
        return f"{getattr(obj, '__module__', '')}.{obj.__qualname__}"
    attrs = {k: describe(v, depth + 1) for k, v in sorted(vars(obj).items())
             if isinstance(v, _SIMPLE + (tuple, list)) and not k.startswith("_")} \
        if hasattr(obj, "__dict__") else {}
    return [type(obj).__qualname__, attrs]


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # an empty cell
        return False
    return True


def fingerprint(split) -> str | None:
    """A hash of a split's X and y (shapes, dtypes and every byte), or None for no split."""
    if split is None:
        return None
    h = hashlib.blake2b(digest_size=12)
    for t in split:
        t = t.detach().to("cpu").contiguous()
        h.update(repr((tuple(t.shape), str(t.dtype))).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().data)
    return h.hexdigest()


def net_signature(net) -> str:
    """The class, and every parameter's and buffer's name and shape, hashed."""
    h = hashlib.blake2b(digest_size=8)
    for k, v in net.state_dict().items():
        h.update(f"{k}{tuple(v.shape)}".encode())
    return f"{type(net).__name__}:{h.hexdigest()}"


def run_identity(net, train, val, *, callbacks, **settings) -> dict:
    """The settings a checkpoint must match to be resumed (see the module docstring).
    Callbacks count by their class when they carry state (a search method, a sampler);
    stateless ones (a plot, a stopper) may come and go between sessions."""
    ident = {k: describe(v) for k, v in settings.items()}
    ident.update(net=net_signature(net), params=sum(p.numel() for p in net.parameters()),
                 callbacks=[type(cb).__qualname__ for cb in callbacks if cb.state_dict()],
                 train_data=fingerprint(train), val_data=fingerprint(val))
    return ident


def load(path) -> dict:
    """A checkpoint of `fit`, read onto the CPU; CorruptFileError names the file otherwise."""
    todo = "delete it to start the run over (or pass another checkpoint path)"
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 (EOFError, zip, pickle and torch errors alike)
        raise corrupt(path, f"not a readable checkpoint ({type(e).__name__}: {e}); it is "
                      "truncated or another kind of file", todo) from e
    missing = [k for k in KEYS if k not in state] if isinstance(state, dict) else list(KEYS)
    if missing:
        raise corrupt(path, f"not a checkpoint of fit (missing {', '.join(missing)})", todo)
    return state


def check_resumable(path, state: dict, config: dict) -> None:
    """Refuse a checkpoint whose identity differs from `config` (num_epochs: see above)."""
    saved = state["config"]
    if not isinstance(saved, dict):
        raise CorruptFileError(f"{os.fspath(path)}: its settings are unreadable; delete it")
    keys = [k for k in {**saved, **config} if k != "num_epochs"]
    diff = [k for k in keys if saved.get(k, "(not recorded)") != config.get(k, "(not recorded)")]
    if diff:
        what = "; ".join(f"{k}: {saved.get(k, '(not recorded)')!r} there, "
                         f"{config.get(k, '(not recorded)')!r} now" for k in diff)
        raise ValueError(f"checkpoint {os.fspath(path)!r} belongs to another run ({what}); "
                         "delete it or pass another checkpoint path")
    before, now, done = saved.get("num_epochs"), config["num_epochs"], state["epoch"]
    if before == now:
        return
    if config.get("scheduler") is not None:
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} holds {done} epochs of a {before}-epoch run with a "
            f"{config['scheduler']} schedule; with num_epochs={now} every epoch's learning rate "
            "would change, so it cannot be continued exactly. Pass another checkpoint path to "
            "start over (runs with scheduler=None can be extended)")
    if now < done:
        raise ValueError(f"checkpoint {os.fspath(path)!r} already holds {done} epochs, more "
                         f"than num_epochs={now}")


def remove_stale(path) -> list[str]:
    """Delete the temporary files that saves to `path` left when their process died
    (utils.atomic_save writes <path>.tmp<pid>); return their names."""
    removed = []
    for tmp in glob.glob(glob.escape(os.fspath(path)) + ".tmp*"):
        pid = tmp.rsplit(".tmp", 1)[1]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            os.remove(tmp)
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
