"""How our digits benchmark trains a cell: the settings (`BuildConfig`, recorded in the shipped
file), the data (`load_splits`) and the training of one cell with one seed (`train_cell`),
exactly as `benchmarks.build` runs it for every equivalence class. `compare.calibrate_time`
retrains a cell this way to convert recorded seconds to this machine's.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import augment, checks, data
from ..metrics import count_macs, count_params, measure_latency
from ..spaces import nb201
from ..train import evaluate, fit
from ..utils import seed_everything
from .digits import CURVES

__all__ = ["BuildConfig", "load_splits", "train_cell", "measure_cell"]


@dataclass(frozen=True)
class BuildConfig:
    """Settings of one build; recorded in the shipped file. Chosen by measurement on 40 random
    classes x 2 seeds (README, "The tabular benchmark"): with NAS-Bench-201's residual reduction
    blocks the network solves 8x8 digits whatever the cell (seed-vs-seed Kendall tau ~0.05),
    so the benchmark network is one stage: stem, the cell, classifier."""
    dataset: str = "digits"         # embedded; never downloaded
    image_size: int | None = None   # None = native 8x8
    C: int = 16                     # channels of the cell (NAS-Bench-201's first stage: 16)
    N: int = 1                      # cells stacked (NAS-Bench-201: 5 per stage)
    stages: int = 1                 # 1 = no reduction block; 3 = NAS-Bench-201's skeleton
    num_epochs: int = 10            # short on purpose: cells differ most in how fast they learn
    batch_size: int = 256           # few, large steps: on 2 cores the per-step cost dominates
    lr: float = 0.2                 # SGD, momentum 0.9, cosine decay (NAS-Bench-201: 0.1 at 256)
    weight_decay: float = 5e-4
    augment_pad: int = 1            # random shifts of up to 1 pixel
    seeds: tuple[int, ...] = (0, 1)
    chunk: int = 32                 # jobs per shard file (the unit of resumption)
    device: str = "cpu"             # where a worker trains ("cpu", "cuda", "cuda:1"); not part
                                    # of the build's identity: each shard records its own

    def __post_init__(self):
        for name in ("C", "N", "num_epochs", "batch_size", "chunk"):
            checks.integer(f"BuildConfig.{name}", getattr(self, name), min=1)
        checks.choice("BuildConfig.stages", self.stages, (1, 2, 3))
        checks.integer("BuildConfig.augment_pad", self.augment_pad, min=0)
        checks.number("BuildConfig.lr", self.lr, min=0, min_open=True)
        checks.number("BuildConfig.weight_decay", self.weight_decay, min=0)
        if not isinstance(self.seeds, tuple) or not self.seeds:
            raise TypeError(f"BuildConfig.seeds must be a non-empty tuple of ints, got {self.seeds!r}")
        for s in self.seeds:
            checks.integer("BuildConfig.seeds[...]", s, min=0)


def load_splits(cfg: BuildConfig):
    """The data the build trains on (train / val / test of cfg.dataset), on the CPU."""
    return data.load(cfg.dataset, image_size=cfg.image_size, device="cpu")


def train_cell(cell, seed: int, cfg: BuildConfig = BuildConfig(), splits=None) -> dict:
    """Train one cell with one seed exactly as the build does; return its record (the curves
    of CURVES, test accuracy and loss, training seconds, and the trained net)."""
    splits = splits if splits is not None else load_splits(cfg)
    device = cfg.device
    seed_everything(seed)
    net = nb201.NB201Network(nb201.to_ops(cell), C=cfg.C, N=cfg.N, num_classes=splits.num_classes,
                             in_channels=splits.in_channels, stages=cfg.stages)
    t0 = time.perf_counter()
    h = fit(net, splits, num_epochs=cfg.num_epochs, lr=cfg.lr, batch_size=cfg.batch_size,
            weight_decay=cfg.weight_decay, augment=augment.crop(cfg.augment_pad) if cfg.augment_pad else None,
            seed=seed, device=device, progress=False, channels_last=True,
            grad_clip=5.0)  # the build ran with gradient clipping at norm 5
    train_time = time.perf_counter() - t0
    test_loss, test_acc = evaluate(net, splits.test, device=device, channels_last=True)
    rec = {k: np.asarray(h[k], np.float32) for k in CURVES}
    rec.update(test_acc=test_acc, test_loss=test_loss, train_time=train_time, net=net)
    return rec


def measure_cell(net, splits) -> dict:
    """Parameters, multiply-accumulates and median CPU latency (batch 1) of a built network."""
    shape = tuple(splits.train.X.shape[1:])
    net = net.to("cpu")
    return {"params": count_params(net), "macs": count_macs(net, shape),
            "latency": measure_latency(net, shape, batch_size=1, reps=15)}
