"""Self-checks for the exercises: `check.ex_03_1(answer)` says whether an answer is right, or
how far off it is and a hint, without printing the answer.

    from naslib_mini import check
    check.ex_01_2(tau)        # prints "ex 01.2: right." or "ex 01.2: not yet: ..." ; returns bool

The expected answer is computed by the package itself when the check runs (from the tables,
the spaces, a seeded run), never typed in. One module per notebook (nb00.py, nb01.py, ...)
defines its `ex_NN_k` functions with the helpers below; this package gathers them all.
"""
from __future__ import annotations

import importlib
import math
import pkgutil

__all__ = ["number", "same"]


def _say(exercise: str, ok: bool, message: str = "", hint: str = "") -> bool:
    if ok:
        print(f"ex {exercise}: right.")
    else:
        print(f"ex {exercise}: not yet: {message}" + (f" Hint: {hint}" if hint else ""))
    return ok


def number(exercise: str, answer, expected: float, *, abs_tol: float = 0.0, rel_tol: float = 0.0,
           hint: str = "") -> bool:
    """A numeric answer within abs_tol or rel_tol of the expected value. When it is off, says
    in which direction and roughly by how much (as a share of the expected value), not the value."""
    try:
        a = float(answer)
    except (TypeError, ValueError):
        return _say(exercise, False, f"expected a number, got {type(answer).__name__} {answer!r}.", hint)
    if math.isnan(a):
        return _say(exercise, False, "the answer is NaN.", hint)
    if math.isclose(a, expected, abs_tol=abs_tol, rel_tol=rel_tol):
        return _say(exercise, True)
    off = abs(a - expected) / abs(expected) if expected else float("inf")
    size = ("slightly" if off < 0.05 else "clearly" if off < 0.5 else "far")
    return _say(exercise, False, f"{size} too {'high' if a > expected else 'low'}.", hint)


def same(exercise: str, answer, expected, *, describe=None, hint: str = "") -> bool:
    """An answer equal to the expected object. describe(answer, expected) -> str may say how
    they differ without giving the expected value away (e.g. "2 of 6 edges differ")."""
    if answer == expected:
        return _say(exercise, True)
    return _say(exercise, False, describe(answer, expected) if describe else "that is not it.", hint)


for _m in pkgutil.iter_modules(__path__):  # nb00, nb01, ...: every exercise check, by name
    if _m.name.startswith("nb"):
        _mod = importlib.import_module(f"{__name__}.{_m.name}")
        for _name in dir(_mod):
            if _name.startswith("ex_"):
                globals()[_name] = getattr(_mod, _name)
                __all__.append(_name)
