"""DARTS' finite-difference hypergradient against the exact one, on notebook 06's supernets.

    python tools/fd_hypergradient.py [--seeds 0 1 2 3 4] [--batch 32]

For each supernet (the tiny DARTS SearchCNN of 06's search, 3 cells of C = 4; NAS-Bench-201's
deep skeleton of 06's collapse run, 3 stages of 3 cells, C = 4; and that skeleton with every
ReLU replaced by a Softplus, a smooth control) and each seed: a fresh supernet and alphas, one
digits training batch and one validation batch, and the relative error of eq. 8's central
difference against the exact Hessian-vector product (oneshot.hypergrad_check.fd_error, float64
so that rounding plays no part) at r = 0.1, 0.01 (the official eps = 0.01 / ||v||) and 0.001;
also the error of the whole hypergradient at the official r. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from naslib_mini import data  # noqa: E402
from naslib_mini.oneshot.config import DARTSConfig  # noqa: E402
from naslib_mini.oneshot.darts import DARTS  # noqa: E402
from naslib_mini.oneshot.hypergrad_check import OFFICIAL_R, fd_error  # noqa: E402
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet  # noqa: E402
from naslib_mini.oneshot.search_cnn import SearchCNN  # noqa: E402
from naslib_mini.utils import seed_everything  # noqa: E402
from naslib_mini.verdicts import plain  # noqa: E402

RS = (1e-1, OFFICIAL_R, 1e-3)


def smooth(net):
    """Every nn.ReLU -> nn.Softplus(beta=4): the same network, twice differentiable."""
    for m in list(net.modules()):
        for name, child in list(m.named_children()):
            if isinstance(child, nn.ReLU):
                setattr(m, name, nn.Softplus(beta=4))
    return net


def skeleton():
    """Notebook 06's NAS-Bench-201 skeleton supernet: 3 stages of 3 cells, C = 4."""
    return NB201SuperNet(C=4, N=3, stages=3, num_classes=10, in_channels=1)


SUPERNETS = {
    "DARTS SearchCNN (3 cells, C = 4)": lambda: SearchCNN(C=4, layers=3, num_classes=10, in_channels=1),
    "NB201 skeleton (3 x 3 cells, C = 4)": skeleton,
    "NB201 skeleton, ReLU -> Softplus": lambda: smooth(skeleton()),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args(argv)
    splits = data.load("digits", val_fraction=0.5, seed=0)
    label = {OFFICIAL_R: "0.01 (official)"}
    print("| supernet | " + " | ".join(f"HVP error, r = {label.get(r, format(r, 'g'))}" for r in RS)
          + " | hypergradient error, r = 0.01 |")
    print("|---|" + "---|" * (len(RS) + 1))
    for name, make in SUPERNETS.items():
        errs = []
        for seed in args.seeds:
            seed_everything(seed)
            method = DARTS(make(), splits.val, DARTSConfig.NB201_QUICK, seed=seed)
            g = torch.Generator().manual_seed(seed)
            i = torch.randperm(len(splits.train.y), generator=g)[:args.batch]
            j = torch.randperm(len(splits.val.y), generator=g)[:args.batch]
            res = fd_error(method, splits.train.X[i], splits.train.y[i], splits.val.X[j],
                           splits.val.y[j], rs=RS, dtype=torch.float64)
            errs.append([r["hvp_error"] for r in res] + [res[1]["grad_error"]])
        e = np.array(errs)  # (seeds, len(RS) + 1)
        print(f"| {name} | " + " | ".join(
            f"{plain(np.median(e[:, k]))} ({plain(e[:, k].min())} to {plain(e[:, k].max())})"
            for k in range(e.shape[1])) + " |")
    print(f"\nmedian (min to max) over seeds {args.seeds}; relative errors, float64, batch "
          f"{args.batch}, fresh supernets and alphas")


if __name__ == "__main__":
    main()
