"""Single-path supernet training: SPOS's uniform sampling and FairNAS's strict fairness.

A single-path supernet has L choice layers (the 6 edges of a NAS-Bench-201 cell, or the 19
MBConv layers of FairNAS), each with n candidate choice blocks; a *path* picks one choice per
layer, path = (c_1, ..., c_L) with c_l in 0..n-1, and `net(X, path=path)` runs only those.

- SPOS (Guo et al. 2019, arXiv 1904.00420): one path per step, each c_l drawn uniformly.
  Every choice is trained 1/n of the steps *in expectation* (expectation fairness), but any
  finite run leaves some choices ahead of others.
- FairNAS (Chu et al. 2019, arXiv 1907.01845, strict fairness): per step draw an
  independent permutation perm_l of 0..n-1 for every layer and form m = n paths,

      path_k = (perm_1[k], perm_2[k], ..., perm_L[k])          k = 0 .. m-1

  run forward and backward on all m paths with the same batch, letting the gradients add up,
  then take ONE optimizer step. Each choice of each layer appears in exactly one of the m
  paths, so after every step every choice block has been trained exactly once.
- "m uniform paths per step, accumulated" (`ExpectationSampler`) has FairNAS's cost and
  expectation fairness without the strict guarantee: the control between the two.

`SinglePathTraining` is the `train.fit` callback that does this through the `train_step`
hook, and keeps the update counts (steps, L, n) that the notebook plots.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import checks
from ..train import Callback, fit


class PathSampler:
    """Draws the paths of one training step. n_layers: L choice layers; n_choices: n per layer.

    sample() -> list of paths, each a tuple of L ints in 0..n-1. The NumPy generator is the
    sampler's only state (`state_dict`), so a resumed run draws the same paths.
    """

    name = "sampler"

    def __init__(self, n_layers: int, n_choices: int, seed: int = 0):
        self.n_layers = checks.integer("n_layers", n_layers, min=1)
        self.n_choices = checks.integer("n_choices", n_choices, min=1)
        checks.integer("seed", seed, min=0)
        self.rng = np.random.default_rng(seed)

    @property
    def paths_per_step(self) -> int:
        raise NotImplementedError

    def sample(self) -> list[tuple[int, ...]]:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]

    def __repr__(self):
        return f"{type(self).__name__}(n_layers={self.n_layers}, n_choices={self.n_choices})"


class UniformSampler(PathSampler):
    """SPOS: one path per step, every layer's choice uniform and independent."""

    name = "SPOS (uniform, 1 path)"

    @property
    def paths_per_step(self) -> int:
        return 1

    def sample(self):
        return [tuple(int(c) for c in self.rng.integers(self.n_choices, size=self.n_layers))]


class StrictFairSampler(PathSampler):
    """FairNAS strict fairness: m = n paths from one independent permutation per layer."""

    name = "FairNAS (strict, m paths)"

    @property
    def paths_per_step(self) -> int:
        return self.n_choices

    def sample(self):
        perms = np.stack([self.rng.permutation(self.n_choices)
                          for _ in range(self.n_layers)])  # (L, m): row l is perm_l
        return [tuple(int(c) for c in perms[:, k]) for k in range(self.n_choices)]


class ExpectationSampler(PathSampler):
    """m = n independent uniform paths per step (FairNAS's cost, expectation fairness only)."""

    name = "m uniform paths"

    @property
    def paths_per_step(self) -> int:
        return self.n_choices

    def sample(self):
        draws = self.rng.integers(self.n_choices, size=(self.n_choices, self.n_layers))  # (m, L)
        return [tuple(int(c) for c in row) for row in draws]


SAMPLERS = {"spos": UniformSampler, "fairnas": StrictFairSampler, "expectation": ExpectationSampler}


def make_sampler(name: str, n_layers: int, n_choices: int, seed: int = 0) -> PathSampler:
    """'spos', 'fairnas' or 'expectation' -> the sampler."""
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name](n_layers, n_choices, seed)


def count_updates(paths, n_layers: int, n_choices: int) -> np.ndarray:
    """How often each (layer, choice) appears in `paths`: (n_layers, n_choices) ints."""
    counts = np.zeros((n_layers, n_choices), np.int64)
    for path in paths:
        if len(path) != n_layers:
            raise ValueError(f"a path has {n_layers} choices, got {len(path)}: {path}")
        counts[np.arange(n_layers), list(path)] += 1
    return counts


class SinglePathTraining(Callback):
    """The `fit` callback of single-path supernet training (SPOS, FairNAS).

    Every batch: paths = sampler.sample(); for each path, loss_k = loss_fn(net(X, path), y)
    and loss_k.backward() (gradients of the m paths add up, as FairNAS trains); `fit` then
    takes one optimizer step. Returns the mean loss over the paths and the last path's logits
    (what `fit` logs as train_loss / train_acc).

    counts: (L, n) updates of every choice so far; history: (steps, L, n) counts after every
    step when record=True. Both, and the sampler's generator, are in `state_dict`, so a run
    resumed from fit's checkpoint continues with nothing lost.
    """

    def __init__(self, sampler: PathSampler, record: bool = True):
        if not isinstance(sampler, PathSampler):
            raise TypeError(f"sampler must be a PathSampler (make_sampler('spos' | 'fairnas' | "
                            f"'expectation', ...)), got {type(sampler).__name__}")
        self.sampler, self.record = sampler, checks.flag("record", record)
        self.counts = np.zeros((sampler.n_layers, sampler.n_choices), np.int64)
        self._history: list[np.ndarray] = []

    @property
    def history(self) -> np.ndarray:
        """(steps, L, n) cumulative update counts after each step."""
        shape = (0, self.sampler.n_layers, self.sampler.n_choices)
        return np.stack(self._history) if self._history else np.zeros(shape, np.int64)

    def train_step(self, t, X, y, loss_fn):
        paths = self.sampler.sample()
        total = torch.zeros((), device=X.device)
        for path in paths:
            with t.autocast():
                logits = t.net(X, path=path)        # (B, num_classes)
                loss = loss_fn(logits.float(), y)
            loss.backward()                          # accumulates into .grad
            total = total + loss.detach()
        self.counts += count_updates(paths, self.sampler.n_layers, self.sampler.n_choices)
        if self.record:
            self._history.append(self.counts.copy())
        return total / len(paths), logits

    def state_dict(self) -> dict:
        return {"sampler": self.sampler.state_dict(), "counts": self.counts.copy(),
                "history": [h.copy() for h in self._history]}

    def load_state_dict(self, state: dict) -> None:
        self.sampler.load_state_dict(state["sampler"])
        self.counts = np.asarray(state["counts"]).copy()
        self._history = [np.asarray(h).copy() for h in state["history"]]


def train_supernet(net, splits, sampler: PathSampler, *, num_epochs: int, callbacks=(),
                   **fit_kw) -> tuple[SinglePathTraining, dict]:
    """Train a single-path supernet with `train.fit` and the sampler's paths.

    splits: a data.Splits (only its train split is used; a supernet has no single validation
    accuracy, since every path has its own: score paths with `oneshot.inherited`) or a
    (train, val) pair. fit_kw go to `fit` (lr, batch_size, seed, augment, checkpoint, ...).
    Returns (the SinglePathTraining callback with its counts, fit's history).
    """
    cb = SinglePathTraining(sampler)
    train_split = splits.train if hasattr(splits, "train") else splits[0]
    history = fit(net, (train_split, None), num_epochs=num_epochs, callbacks=[cb, *callbacks],
                  **fit_kw)
    return cb, history
