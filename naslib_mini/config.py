"""Profiles: how big a run is. `quick` (the default) fits a 2-core laptop in minutes on the
embedded digits; `full` is a paper-like budget meant for a GPU and CIFAR-10.

A notebook picks one in its `parameters` cell (PROFILE = None reads NASLIB_MINI_PROFILE,
else "quick"), so papermill or the environment can switch a whole notebook at once.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace


PICKS = {"quick": 0, "full": 1}  # which of pick(quick, full) each profile name takes


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
        """The value for this profile: `P.pick(8, 200)` is 8 in quick, 200 in full."""
        return (quick, full)[PICKS[self.name]]

    def replace(self, **changes) -> "Profile":
        return replace(self, **changes)


PROFILES = {
    "quick": Profile("quick", dataset="digits", image_size=None, num_epochs=4, batch_size=64,
                     C=8, layers=2, limit=None, seeds=3),
    "full": Profile("full", dataset="cifar10", image_size=32, num_epochs=100, batch_size=96,
                    C=16, layers=8, limit=None, seeds=5),
}


class FullProfileOnCPUWarning(UserWarning):
    """The full profile was chosen on a machine where torch sees no GPU."""


def get_profile(name: str | None = None) -> Profile:
    """The named profile; None reads $NASLIB_MINI_PROFILE and falls back to 'quick'.
    The full profile on a machine without CUDA warns loudly: its runs take GPU-days there."""
    name = name or os.environ.get("NASLIB_MINI_PROFILE") or "quick"
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    from .utils import set_threads  # here, not at import: reading a profile must not need torch
    set_threads()  # every notebook calls get_profile first: its CPU numbers no longer depend
    #                on the machine's cores (utils.set_threads)
    if name == "full":
        import torch
        if not torch.cuda.is_available():
            warnings.warn(
                "the full profile is meant for a GPU, and torch sees none here (no GPU, or a "
                "wheel built for a newer driver): its searches and retrains would take days on "
                "this CPU. Use PROFILE = 'quick', or check `torch.cuda.is_available()`.",
                FullProfileOnCPUWarning, stacklevel=2)
    return PROFILES[name]
