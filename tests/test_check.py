"""The exercise self-checks: the shared helpers, and every ex_* function gathered."""
import re

import pytest

from naslib_mini import check


def test_number_says_right_or_direction_without_the_value(capsys):
    assert check.number("00.1", 0.501, 0.5, abs_tol=0.01)
    assert not check.number("00.1", 0.8, 0.5, abs_tol=0.01, hint="look again")
    out = capsys.readouterr().out
    assert "ex 00.1: right." in out and "too high" in out and "look again" in out
    assert "0.5" not in out.split("right.")[1]  # the expected value is never printed
    assert not check.number("00.1", "x", 0.5) and not check.number("00.1", float("nan"), 0.5)


def test_same_with_a_description(capsys):
    assert check.same("00.2", (1, 2), (1, 2))
    assert not check.same("00.2", (1, 3), (1, 2), describe=lambda a, e: "1 of 2 differ.")
    assert "1 of 2 differ." in capsys.readouterr().out


def test_every_check_is_named_after_its_exercise():
    names = [n for n in dir(check) if n.startswith("ex_")]
    assert all(re.fullmatch(r"ex_\d\d_\d+", n) for n in names), names
