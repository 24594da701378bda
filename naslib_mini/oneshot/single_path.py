"""Single-path one-shot search: SPOS's uniform sampling and FairNAS's strict fairness, the
supernet's inherited accuracy, and the selection step.

A single-path supernet has L choice layers (the 6 edges of a NAS-Bench-201 cell, or the 19
MBConv layers of FairNAS), each with n candidate choice blocks; a *path* picks one choice per
layer, path = (c_1, ..., c_L) with c_l in 0..n-1, and `net(X, net.path_mixing(path))` runs
only those (supernet.py).

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

The one-shot bet: after the supernet is trained, a path run with the supernet's weights, with
no training of its own, ranks like the stand-alone network it stands for. Scoring a path is
an eval-mode forward pass on the validation split (`score_paths`):

    inherited_acc(path) = accuracy of net(X_val, path)                  X_val: (N, C, H, W)

BatchNorm recalibration (used by SPOS and FairNAS before scoring): a BN layer's running mean
and variance were averaged over every path that used it, so they fit no single path. Before
scoring a path, reset them and re-estimate them on a few training batches run through that
path in train mode, without gradients (momentum=None: an exact average over the batches).
`score_paths` puts every BN buffer back afterwards, so scoring never changes the supernet.

`SinglePath` (registered as "spos" and "fairnas") is the one-shot method: its `train_step`
trains the paths of each step, and its `run` trains the supernet with `train.fit` and then
selects (SPOSConfig.selection): regularized evolution (SPOS's choice of an evolutionary
search) or a random sample of paths, scored by inherited accuracy; the best is the result.
"""
from __future__ import annotations

from dataclasses import dataclass

import time

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .. import checks
from ..strategies.evolution import RegularizedEvolution
from ..train import evaluate
from .config import FairNASConfig, SPOSConfig
from .method import OneShotMethod, register

TIE_BREAK = 1e-4  # selection score: inherited accuracy - TIE_BREAK * loss (accuracies move in
#                   steps of 1 / N, so many paths tie; the validation loss orders them)

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


class PathNet(nn.Module):
    """A supernet with one fixed path: forward(x) = net(x, net.path_mixing(path)). Shares its
    weights."""

    def __init__(self, net: nn.Module, path):
        super().__init__()
        self.net, self.path = net, tuple(int(c) for c in path)

    def forward(self, x):  # (B, C, H, W) -> (B, num_classes)
        return self.net(x, self.net.path_mixing(self.path))


def _batchnorms(net):
    return [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
            and m.track_running_stats]


@torch.no_grad()
def recalibrate_bn(net: nn.Module, path, X: torch.Tensor, batch_size: int = 256,
                   n_batches: int = 2) -> None:
    """Reset every BN's running statistics and re-estimate them with `path` on the first
    n_batches batches of X (train mode, no gradients, cumulative average). BNs off the path
    are left reset; `score_paths` restores everything when it is done."""
    if n_batches < 1:
        raise ValueError(f"n_batches must be >= 1, got {n_batches}")
    bns = _batchnorms(net)
    momenta = [bn.momentum for bn in bns]
    was_training = net.training
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None                      # running stats = mean over the batches seen
    net.train()
    try:
        for i in range(n_batches):
            Xb = X[i * batch_size:(i + 1) * batch_size]  # (B, C, H, W)
            if not len(Xb):
                break
            net(Xb, net.path_mixing(tuple(path)))
    finally:
        for bn, m in zip(bns, momenta):
            bn.momentum = m
        net.train(was_training)


def score_paths(net: nn.Module, paths, val, *, calib=None, n_batches: int = 2,
                batch_size: int = 256, seed: int = 0, channels_last: bool | None = None,
                progress: bool = False, desc: str = "scoring"):
    """Inherited validation accuracy and loss of every path: two arrays of shape (len(paths),).

    val: the split to score on (.X, .y or an (X, y) pair). calib: None = no recalibration
    (the running statistics left by training); a split (normally the training split) =
    recalibrate the BNs per path on n_batches of batch_size images of it, the same images
    (a fixed shuffle, `seed`) for every path.
    """
    device = next(net.parameters()).device
    saved = None
    if calib is not None:
        Xc = (calib.X if hasattr(calib, "X") else calib[0]).to(device)
        g = torch.Generator().manual_seed(seed)
        Xc = Xc[torch.randperm(len(Xc), generator=g)[:n_batches * batch_size].to(device)]
        if channels_last if channels_last is not None else device.type == "cuda":
            Xc = Xc.contiguous(memory_format=torch.channels_last)
        saved = [{k: v.clone() for k, v in bn.state_dict().items()} for bn in _batchnorms(net)]
    accs, losses = np.empty(len(paths)), np.empty(len(paths))
    try:
        for i, path in enumerate(tqdm(paths, desc=desc, disable=not progress, leave=False)):
            if calib is not None:
                recalibrate_bn(net, path, Xc, batch_size, n_batches)
            losses[i], accs[i] = evaluate(PathNet(net, path), val, device=device,
                                          channels_last=channels_last)
    finally:
        if saved is not None:
            for bn, s in zip(_batchnorms(net), saved):
                bn.load_state_dict(s)
    return accs, losses


def sample_path(rng: np.random.Generator, n_layers: int, n_choices: int) -> tuple[int, ...]:
    """A uniformly random path (as spaces.nb201.sample draws a cell)."""
    return tuple(int(c) for c in rng.integers(n_choices, size=n_layers))


@dataclass(frozen=True)
class PathSpace:
    """Single paths of n_layers layers with n_choices choices each: the space the selection
    step's evolution searches (a strategy needs only sample and mutate)."""
    n_layers: int
    n_choices: int

    def sample(self, rng: np.random.Generator) -> tuple[int, ...]:
        return sample_path(rng, self.n_layers, self.n_choices)

    def mutate(self, path, rng: np.random.Generator) -> tuple[int, ...]:
        return mutate_path(path, rng, self.n_choices)


def mutate_path(path, rng: np.random.Generator, n_choices: int) -> tuple[int, ...]:
    """One uniformly chosen layer changed to a uniformly chosen different choice (as
    spaces.nb201.mutate)."""
    path = list(path)
    l = int(rng.integers(len(path)))
    path[l] = [c for c in range(n_choices) if c != path[l]][int(rng.integers(n_choices - 1))]
    return tuple(path)


def path_of_index(index: int, n_layers: int, n_choices: int) -> tuple[int, ...]:
    """The path whose base-n digits (the first layer most significant) are `index`."""
    return tuple(int(index) // n_choices ** (n_layers - 1 - l) % n_choices for l in range(n_layers))


@register("spos")
class SinglePath(OneShotMethod):
    """Single-path supernet training (SPOS; FairNAS with config.sampler = "fairnas"), then the
    selection step. No architecture parameters: the architecture is chosen after training.

    Every batch: paths = sampler.sample(); for each path, loss_k = loss_fn(net(X, path), y)
    and loss_k.backward() (gradients of the m paths add up, as FairNAS trains); `fit` then
    takes one optimizer step. counts: (L, n) updates of every choice so far; history: (steps,
    L, n) counts after every step. They and the sampler's generator are in `state_dict`, so a
    run resumed from fit's checkpoint continues with nothing lost. After the selection:
    `candidates` (the paths scored, in order) and `scores` (their selection scores).
    """

    Config = SPOSConfig
    uses_alphas = False

    def __init__(self, supernet, val, config, *, seed: int = 0, device="auto"):
        super().__init__(supernet, val, config, seed=seed, device=device)
        sizes = [n for ns in supernet.arch_spec().values() for n in ns]
        if len(set(sizes)) != 1:
            raise ValueError(f"single-path training needs the same number of choices on every "
                             f"layer, got {sorted(set(sizes))}")
        self.sampler = SAMPLERS[config.sampler](len(sizes), sizes[0], seed)
        self.counts = np.zeros((len(sizes), sizes[0]), np.int64)
        self._history: list[np.ndarray] = []
        self.candidates, self.scores, self.train_seconds = [], [], 0.0

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
                logits = self.supernet(X, self.supernet.path_mixing(path))  # (B, num_classes)
                loss = loss_fn(logits.float(), y)
            loss.backward()                          # accumulates into .grad
            total = total + loss.detach()
        self.counts += count_updates(paths, self.sampler.n_layers, self.sampler.n_choices)
        self._history.append(self.counts.copy())
        return total / len(paths), logits

    def extra_state(self) -> dict:
        return {"sampler": self.sampler.state_dict(), "counts": self.counts.copy(),
                "history": [h.copy() for h in self._history]}

    def load_extra_state(self, state: dict) -> None:
        self.sampler.load_state_dict(state["sampler"])
        self.counts = np.asarray(state["counts"]).copy()
        self._history = [np.asarray(h).copy() for h in state["history"]]

    # ------------------------------------------------------------------ the selection step
    def select(self, splits):
        """Score config.n_candidates paths by inherited validation accuracy (BN recalibrated on
        the training split; ties broken by the loss) and return the best path's architecture
        (None when config.selection is "none"). No benchmark is looked at."""
        c, L, n = self.config, self.sampler.n_layers, self.sampler.n_choices
        if c.selection == "none":
            return None
        scores = {}

        def score(path):
            if path not in scores:
                acc, loss = score_paths(self.supernet, [path], splits.val, calib=splits.train,
                                        n_batches=c.bn_batches, batch_size=c.bn_batch_size,
                                        seed=self.seed, channels_last=c.channels_last)
                scores[path] = float(acc[0] - TIE_BREAK * loss[0])
            return scores[path]

        n_candidates = min(c.n_candidates, n ** L)
        rng = np.random.default_rng(self.seed)
        if c.selection == "sample":
            for i in rng.choice(n ** L, size=n_candidates, replace=False):
                score(path_of_index(i, L, n))
        else:
            evo = RegularizedEvolution(PathSpace(L, n), c.population_size, c.sample_size,
                                       seed=self.seed)
            for _ in range(20 * n_candidates):  # repeats are free (cached)
                if len(scores) >= n_candidates:
                    break
                path = evo.ask()
                evo.tell(path, score(path))
        self.candidates, self.scores = list(scores), list(scores.values())
        best = max(scores, key=scores.get)
        one_hot = {name: torch.eye(n)[list(m.index)] for name, m in self.supernet.path_mixing(best).items()}
        return self.supernet.derive(one_hot)

    @classmethod
    def run(cls, build, splits, config, callbacks, run):
        """Train the supernet (the training split only: every path has its own validation
        accuracy), then select."""
        method = cls(build(), splits.val, config, seed=run.seed, device=run.device)
        t0 = time.perf_counter()
        history = method.fit((splits.train, None), callbacks, run)
        method.train_seconds = time.perf_counter() - t0
        return method, history, method.select(splits)


@register("fairnas")
class FairNAS(SinglePath):
    """FairNAS: SinglePath with FairNASConfig (the strict-fairness sampler by default)."""

    Config = FairNASConfig
