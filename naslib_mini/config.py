"""Profiles: how big a run is, and the base of the method configs.

`quick` (the default) fits a 2-core laptop in minutes on the embedded digits; `full` is the
papers' settings, meant for a GPU and CIFAR-10. A notebook picks one in its `parameters` cell
(PROFILE = None reads NASLIB_MINI_PROFILE, else "quick"), so papermill or the environment can
switch a whole notebook at once.

Method settings are `Config` dataclasses (nanoGPT style: a comment on each default) with named
presets, PAPER and QUICK (oneshot/config.py). A notebook writes `cfg = P.config(QUICK, PAPER)`
once. The smoke switch, NASLIB_MINI_SMOKE=1 with the full profile, runs the full profile's
code path with PAPER.smoke(): every field that is a length (epochs, steps, repeats, samples,
marked with `length(...)`) shrunk to its smallest useful value, everything else (cells,
channels, ops, K, batch size) at the paper's values. One switch, no third set of numbers.
"""
from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field, fields, replace


PICKS = {"quick": 0, "full": 1}  # which of pick(quick, full) each profile name takes
SMOKE_ENV = "NASLIB_MINI_SMOKE"   # "1" with the full profile: P.config returns PAPER.smoke()


def length(default: int, smoke: int = 1, min: int = 1):
    """A config field that is a length (epochs, steps, repeats, seeds, samples): smoke()
    shrinks it to `smoke` (never above the value it has); `min`: the smallest valid value."""
    return field(default=default, metadata={"smoke": smoke, "min": min})


def zero_ok(default: int):
    """An integer config field that may be 0 (e.g. pixels of augmentation: 0 = none)."""
    return field(default=default, metadata={"min": 0})


POSITIVE = ("lr", "arch_lr", "beta_lr", "r", "tau_min")  # float fields that must be > 0


@dataclass(frozen=True)
class Config:
    """Base of the method configs: a frozen dataclass whose every field has a commented default.
    Integer fields must be integers >= 1 (or their field's `min`), float fields finite and
    >= 0 (> 0 for the names in POSITIVE); a subclass's `check()` adds the relations between
    fields."""

    def __post_init__(self):  # checked here without naslib_mini.checks: no torch import
        name = type(self).__name__
        for f in fields(self):
            v, kind = getattr(self, f.name), f.type if isinstance(f.type, str) else f.type.__name__
            if v is None and kind.endswith("None"):
                continue
            if kind.startswith("int"):
                lo = f.metadata.get("min", 1)
                if not isinstance(v, int) or isinstance(v, bool) or v < lo:
                    raise ValueError(f"{name}.{f.name} must be an integer >= {lo}, got {v!r}")
            elif kind.startswith("float"):
                lo = 0 if f.name in POSITIVE else -math.inf
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                        or v < 0 or v <= lo:
                    what = "> 0" if f.name in POSITIVE else ">= 0"
                    raise ValueError(f"{name}.{f.name} must be a finite number {what}, got {v!r}")
        self.check()

    def check(self) -> None:
        """Relations between fields (e.g. warm-up shorter than the run); see subclasses."""

    def replace(self, **changes) -> "Config":
        return replace(self, **changes)

    def smoke(self) -> "Config":
        """The same config with every length at its smoke value: the full code path, fast."""
        return replace(self, **{f.name: min(getattr(self, f.name), f.metadata["smoke"])
                                for f in fields(self) if "smoke" in f.metadata})

    def diff(self, other: "Config") -> dict:
        """{field: (this value, other's value)} for every field that differs."""
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}

    def describe(self, paper: "Config | None" = None) -> str:
        """One line per field, `name = value`, with the paper's value where it differs."""
        diff = {} if paper is None else self.diff(paper)
        head = f"{type(self).__name__}" + (f", {len(diff)} settings differ from the paper's "
                                           "(in parentheses):" if paper is not None else ":")
        return "\n".join([head] + [f"  {f.name:18s} = {getattr(self, f.name)!r}"
                                    + (f"   ({diff[f.name][1]!r})" if f.name in diff else "")
                                    for f in fields(self)])


@dataclass(frozen=True)
class Profile:
    name: str                 # "quick" or "full"
    dataset: str              # naslib_mini.data.load name: embedded digits, or cifar10 on a GPU
    image_size: int | None    # None keeps the native size (8 for digits, 32 for CIFAR-10)
    num_epochs: int           # epochs to train one child network
    batch_size: int           # images per step
    C: int                    # channels of the first cell of a child network
    layers: int               # cells stacked in a child network
    limit: int | None         # cap on training images (None = all)
    seeds: int                # repeats behind every curve drawn with a band
    smoke: bool = False       # full profile only: P.config returns PAPER.smoke() (SMOKE_ENV)

    def __post_init__(self):  # checked here without naslib_mini.checks: no torch import
        if self.name not in PICKS:
            raise ValueError(f"Profile.name must be one of {', '.join(map(repr, PICKS))} (it "
                             f"decides what pick() returns), got {self.name!r}")
        for name in ("num_epochs", "batch_size", "C", "layers", "seeds", "image_size", "limit"):
            v = getattr(self, name)
            if (v is not None or name not in ("image_size", "limit")) and \
                    (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise ValueError(f"Profile.{name} must be an integer >= 1, got {v!r}")
        if not isinstance(self.dataset, str):
            raise TypeError(f"Profile.dataset must be a dataset name, got {self.dataset!r}")

    def pick(self, quick, full):
        """The value for this profile: `P.pick(8, 200)` is 8 in quick, 200 in full. For what
        is not a method config (data sizes, plot settings); settings use `config`."""
        return (quick, full)[PICKS[self.name]]

    def config(self, quick: Config, paper: Config) -> Config:
        """The method config of this profile: `quick` in quick, `paper` in full, and
        `paper.smoke()` in full with the smoke switch on."""
        if type(quick) is not type(paper):
            raise TypeError(f"P.config takes two presets of one config class, got "
                            f"{type(quick).__name__} and {type(paper).__name__}")
        if self.name == "quick":
            return quick
        return paper.smoke() if self.smoke else paper

    def replace(self, **changes) -> "Profile":
        return replace(self, **changes)


PROFILES = {
    "quick": Profile("quick", dataset="digits", image_size=None, num_epochs=4, batch_size=64,
                     C=8, layers=2, limit=None, seeds=3),
    "full": Profile("full", dataset="cifar10", image_size=32, num_epochs=100, batch_size=96,
                    C=16, layers=8, limit=None, seeds=5),
}


def smoke_switch() -> bool:
    """$NASLIB_MINI_SMOKE: "1" (or "true", "yes") turns the smoke switch on."""
    value = os.environ.get(SMOKE_ENV, "").strip().lower()
    if value not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ValueError(f"${SMOKE_ENV} must be 1 or 0, got {value!r}")
    return value in ("1", "true", "yes")


class FullProfileOnCPUWarning(UserWarning):
    """The full profile was chosen on a machine where torch sees no GPU."""


def get_profile(name: str | None = None) -> Profile:
    """The named profile; None reads $NASLIB_MINI_PROFILE and falls back to 'quick'.
    The full profile on a machine without CUDA warns loudly: its runs take GPU-days there,
    unless the smoke switch ($NASLIB_MINI_SMOKE=1) shrinks its lengths."""
    name = name or os.environ.get("NASLIB_MINI_PROFILE") or "quick"
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    from .utils import set_threads  # here, not at import: reading a profile must not need torch
    set_threads()  # every notebook calls get_profile first: its CPU numbers no longer depend
    #                on the machine's cores (utils.set_threads)
    if name == "full" and smoke_switch():
        return PROFILES[name].replace(smoke=True)
    if name == "full":
        import torch
        if not torch.cuda.is_available():
            warnings.warn(
                "the full profile is meant for a GPU, and torch sees none here (no GPU, or a "
                "wheel built for a newer driver): its searches and retrains would take days on "
                "this CPU. Use PROFILE = 'quick', or check `torch.cuda.is_available()`.",
                FullProfileOnCPUWarning, stacklevel=2)
    return PROFILES[name]
