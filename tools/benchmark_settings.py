#!/usr/bin/env python3
"""How the tabular benchmark's settings were chosen: train 40 random equivalence classes with
2 seeds under several settings and report the projected full-build time on this machine, the
mean accuracy, and whether cells rank apart from seed noise (signal-to-noise and Kendall tau
between the two seeds, over all 40 and over the top half).

usage: python tools/benchmark_settings.py [NAME ...]    (all settings when none are named;
       about a minute per setting on 2 cores; pause other CPU-bound jobs first)
"""
import dataclasses
import multiprocessing as mp
import sys
import time

import numpy as np

from naslib_mini.benchmarks import build as bb
from naslib_mini.benchmarks.digits import signal_to_noise, top_half
from naslib_mini.metrics import kendall_tau
from naslib_mini.spaces import nb201

SETTINGS = {  # overrides of BuildConfig
    "A: 3 stages C8 E6 bs256": dict(stages=3, C=8, num_epochs=6),
    "B: 1 stage C16 N2 E6 bs256": dict(stages=1, C=16, N=2, num_epochs=6),
    "C: 1 stage C16 E10 bs128": dict(stages=1, C=16, num_epochs=10, batch_size=128, lr=0.1),
    "D: 3 stages C8 E12 bs128": dict(stages=3, C=8, num_epochs=12, batch_size=128, lr=0.1),
    "E: 1 stage C16 E8 bs128": dict(stages=1, C=16, num_epochs=8, batch_size=128, lr=0.1),
    "G: 1 stage C16 E10 bs256 (chosen)": dict(stages=1, C=16, num_epochs=10),
    "H: 2 stages C16 E10 bs256": dict(stages=2, C=16, num_epochs=10),
}


def _init():
    import torch
    torch.set_num_threads(1)


def _work(args):
    index, seed, overrides = args
    cfg = dataclasses.replace(bb.BuildConfig(), **overrides)
    return bb.train_cell(index, seed, cfg)["val_acc"][-1]


def main(names):
    classes = nb201.equivalence_classes()
    rng = np.random.default_rng(11)
    cells = [classes[k][0] for k in rng.choice(len(classes), 40, replace=False)]
    runs = len(classes) * len(bb.BuildConfig().seeds)
    print("| setting | full build (h) | mean val acc | SNR all / top half | tau all / top half |")
    print("|---|---:|---:|---:|---:|")
    with mp.get_context("fork").Pool(2, _init) as pool:
        for name in names or SETTINGS:
            t0 = time.time()
            acc = pool.map(_work, [(c, s, SETTINGS[name]) for c in cells for s in (0, 1)])
            per_run = (time.time() - t0) / len(acc)
            a = np.array(acc).reshape(-1, 2)
            top = top_half(a)
            print(f"| {name} | {per_run * runs / 3600:.2f} | {a.mean():.3f} | "
                  f"{signal_to_noise(a):.2f} / {signal_to_noise(top):.2f} | "
                  f"{kendall_tau(a[:, 0], a[:, 1]):.2f} / {kendall_tau(*top.T):.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
