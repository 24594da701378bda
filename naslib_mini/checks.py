"""Checks of what the public API is given, shared by every entry point.

Each check raises before any work is done, with a message that names the argument (or the
file), the value it got and what would be valid: a wrong type is a TypeError, a value out of
range a ValueError, a file that cannot be read a `CorruptFileError`. Each returns the value
(as a plain int / float where that applies), so a caller can write
``n = checks.integer("num_epochs", n, min=1)``.
"""
from __future__ import annotations

import difflib
import math
import numbers
import os

import numpy as np
import torch


class CorruptFileError(RuntimeError):
    """A file that exists but cannot be used: the message says which file, what is wrong with
    it and what to do (delete it, download it again, rebuild it)."""


def corrupt(path, what: str, todo: str) -> CorruptFileError:
    """The error for `path`: 'file X: <what>; <todo>'."""
    return CorruptFileError(f"{os.fspath(path)}: {what}; {todo}")


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _range(lo, hi, lo_open=False, hi_open=False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi}")
    return " and ".join(parts)


def integer(name: str, value, *, min: int | None = None, max: int | None = None) -> int:
    """An int (Python or NumPy, not a bool) in [min, max]."""
    want = f"an integer{(' ' + _range(min, max)) if min is not None or max is not None else ''}"
    if not _is_int(value):
        raise TypeError(f"{name} must be {want}, got {type(value).__name__} {value!r}")
    if (min is not None and value < min) or (max is not None and value > max):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value)


def number(name: str, value, *, min: float | None = None, max: float | None = None,
           min_open: bool = False, max_open: bool = False) -> float:
    """A finite real number (int or float, not a bool) in the given (half-)open range."""
    rng = _range(min, max, min_open, max_open)
    want = f"a finite number{(' ' + rng) if rng else ''}"
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be {want}, got {type(value).__name__} {value!r}")
    v = float(value)
    bad = (not math.isfinite(v) or (min is not None and (v <= min if min_open else v < min))
           or (max is not None and (v >= max if max_open else v > max)))
    if bad:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return v


def choice(name: str, value, choices):
    """One of `choices` (compared with ==)."""
    plain = isinstance(value, (str, numbers.Number)) and not isinstance(value, bool)
    ok = any(value is c or (plain and value == c) for c in choices)
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def known(kind: str, value, names, where: str = "", error=ValueError, listed: str = "Known"):
    """`value` when it is one of `names`; else `error`: '<where>: unknown <kind> <value>. Did
    you mean <the nearest name>? <listed>: <names>'."""
    if value in names:
        return value
    close = difflib.get_close_matches(str(value), [str(n) for n in names], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise error(f"{where + ': ' if where else ''}unknown {kind} {value!r}.{hint} {listed}: "
                f"{', '.join(map(str, names))}")


def flag(name: str, value) -> bool:
    """True or False (NumPy bools too), nothing else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def function(name: str, value, *, none: bool = False):
    """A callable (or None when `none`)."""
    if value is None and none:
        return None
    if not callable(value):
        extra = " or None" if none else ""
        raise TypeError(f"{name} must be a function{extra}, got {type(value).__name__} {value!r}")
    return value


def path(name: str, value, *, none: bool = False, file: bool = True):
    """A str or os.PathLike (or None when `none`); with file=True, not an existing folder."""
    if value is None and none:
        return None
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise TypeError(f"{name} must be a file path (str or os.PathLike), got "
                        f"{type(value).__name__} {value!r}")
    if file and os.path.isdir(value):
        raise ValueError(f"{name} {os.fspath(value)!r} is a folder; give a file path")
    return value


def device(name: str, value):
    """'auto', None, a torch.device or a device name torch knows ('cpu', 'cuda', 'cuda:1').
    Whether CUDA is present is utils.resolve_device's check, not this one."""
    if value is None or isinstance(value, torch.device):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be 'auto', 'cpu', 'cuda' or a torch.device, got "
                        f"{type(value).__name__} {value!r}")
    if value != "auto":
        try:
            torch.device(value)
        except RuntimeError as e:
            raise ValueError(f"{name} {value!r} is not a device torch knows; use 'auto', "
                             "'cpu' or 'cuda' (or 'cuda:1', ...)") from e
    return value


def tensor(name: str, value) -> torch.Tensor:
    """A torch.Tensor; NumPy arrays and lists are refused with the conversion to use."""
    if isinstance(value, torch.Tensor):
        return value
    hint = " (convert it with torch.as_tensor(...))" if isinstance(value, (np.ndarray, list)) else ""
    raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}{hint}")


def finite(name: str, X: torch.Tensor) -> torch.Tensor:
    """A floating tensor with no NaN or inf (the count of bad values is in the message)."""
    if X.is_floating_point() and X.device.type != "meta":
        bad = int((~torch.isfinite(X)).sum())
        if bad:
            raise ValueError(f"{name} holds {bad} non-finite value{'s' if bad > 1 else ''} "
                             f"(NaN or inf) out of {X.numel()}; clean the data before training")
    return X


def pair(name, data):
    """(X, y) of a split given as an object with .X and .y or as an (X, y) pair."""
    if hasattr(data, "X") and hasattr(data, "y"):
        return data.X, data.y
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return tuple(data)
    raise TypeError(f"{name} must be an object with .X and .y (a data.Split) or an (X, y) "
                    f"pair, got {type(data).__name__}")


def split(name, data, net=None, classify=True):
    """(X, y) of a split, checked: tensors, as many labels as inputs, not empty, X floating
    and finite (or int64 token ids, without `classify`); with `classify` (cross-entropy)
    integer labels (N,) >= 0; with a net whose
    first layer is a Conv2d, X (N, C, H, W) with that layer's C."""
    X, y = pair(name, data)
    X, y = tensor(f"{name} X", X), tensor(f"{name} y", y)
    if len(X) != len(y):
        raise ValueError(f"{name}: {len(X)} inputs (X) but {len(y)} labels (y); they must match")
    if not len(y):
        raise ValueError(f"{name} is empty (0 examples)")
    if not X.is_floating_point() and (classify or X.dtype != torch.int64):
        raise TypeError(f"{name} X must be floating point (float32)"
                        f"{'' if classify else ' or token ids (int64)'}, got {X.dtype}; "
                        "convert it with X.float()")
    finite(f"{name} X", X)
    if classify:
        if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool or y.dim() != 1:
            raise TypeError(f"{name} y must be class indices, integers of shape (N,), got "
                            f"{y.dtype} of shape {tuple(y.shape)}; convert with y.long()")
        if y.device.type != "meta" and int(y.min()) < 0:
            raise ValueError(f"{name} y holds a negative label ({int(y.min())}); classes are "
                             "0..num_classes-1")
    conv = next((m for m in net.modules() if isinstance(m, torch.nn.Conv2d)), None) \
        if net is not None else None
    if conv is not None and (X.dim() != 4 or X.shape[1] != conv.in_channels):
        raise ValueError(f"{name} X must be images (N, C, H, W) with C = {conv.in_channels} "
                         f"(the net's first convolution), got shape {tuple(X.shape)}")
    return X, y


def label_check(loss_fn, y_max, name):
    """loss_fn, checking at its first call that the logits cover labels 0..y_max."""
    checked = False

    def checked_loss(logits, target, *args, **kwargs):
        nonlocal checked
        if not checked and logits.dim() == 2 and logits.shape[1] <= y_max:
            raise ValueError(f"{name} y holds label {y_max}, but the net outputs "
                             f"{logits.shape[1]} classes (0..{logits.shape[1] - 1}); give "
                             "the net more outputs or fix the labels")
        checked = True
        return loss_fn(logits, target, *args, **kwargs)
    return checked_loss
