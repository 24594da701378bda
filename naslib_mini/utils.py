"""Small shared helpers: device choice and seeding. Nothing here runs at import time."""
from __future__ import annotations

import numbers
import os
import random

import numpy as np
import torch


class DeviceUnavailableError(RuntimeError):
    """A device was asked for by name and this machine (or this torch build) does not have it."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU. Anything else is passed to torch.device;
    asking for CUDA where torch sees none raises one clear error instead of failing later."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = device if isinstance(device, torch.device) else torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"device {str(device)!r} was asked for, but torch {torch.__version__} sees no CUDA "
            f"GPU (no GPU, no driver, or a wheel built for a newer driver); use device='auto' "
            f"or 'cpu'")
    return device


THREADS_ENV = "NASLIB_MINI_THREADS"
DEFAULT_THREADS = 1  # the course's networks are tiny: one thread costs little and repeats anywhere


def set_threads(n: int | None = None) -> int:
    """Pin torch's CPU threads to n (None: $NASLIB_MINI_THREADS, else 1) and return n.

    On the CPU a result depends on the thread count (a sum split over 2 threads rounds
    differently from one over 1), so fit, seed_everything and get_profile all pin it here:
    the same seed then gives the same numbers on any machine with the same CPU type and
    torch version, however many cores it has or how busy it is. Different CPU families
    (AVX2, AVX-512, Arm) or torch versions can still differ in the last digits."""
    if n is None:
        raw = os.environ.get(THREADS_ENV, str(DEFAULT_THREADS))
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"${THREADS_ENV} must be a whole number >= 1, got {raw!r}")
        n = int(raw)
    if not is_int(n) or n < 1:
        raise ValueError(f"threads must be a whole number >= 1, got {n!r}")
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return int(n)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and every CUDA device) so a run repeats, and pin
    the CPU thread count (set_threads) on which CPU results also depend."""
    set_threads()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def atomic_save(obj, path: str | os.PathLike) -> None:
    """torch.save to a temporary file beside `path`, then rename: a crash never leaves half a file."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:  # an error or Ctrl-C mid-save: no temporary file stays behind
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def count_params(net: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def is_int(x) -> bool:
    """True for Python and NumPy integers, False for bools, floats and strings."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)
