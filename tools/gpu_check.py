#!/usr/bin/env python3
"""The GPU figures and the CUDA paths in one command: `make gpu-check` (or
`python tools/gpu_check.py [--out FILE] [--tiny]`).

On a machine with CUDA it measures and checks, each section on its own (a failure is
recorded and the next section runs):

1. speed: `train.fit` against a plain DataLoader loop (naslib_mini.speed, both cases);
2. one full-size DARTS first-order search epoch (8 cells, C = 16, batch 64, 25k + 25k
   images of CIFAR-10's shape; random data, since the machine may be offline);
3. bf16 against fp32: the same network, data order and seed trained for a few hundred steps
   with and without autocast, the losses side by side;
4. per-step cost at the full profile's shapes (search steps of every gradient method, the
   DARTS evaluation network, single-path supernet steps): the inputs of README's GPU-time
   estimates;
5. the CUDA paths that once failed: P-DARTS between stages, GDAS and `fit` resumed from a
   checkpoint, a non-finite loss stopping a search.

It writes a Markdown report (--out, default gpu_check.md) and prints it. --tiny shrinks every
shape so the script itself can be tested on a CPU in a minute (its figures mean nothing).
"""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import traceback

import torch

from naslib_mini import data, speed
from naslib_mini.data import Split, Splits
from naslib_mini.genotypes import DARTS_V2
from naslib_mini.networks import CellNetwork
from naslib_mini.oneshot.config import (PAPER_STAGES, DARTSConfig, FairNASConfig, GDASConfig,
                                        PCDARTSConfig, PDARTSConfig, Stage)
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.gdas import GDAS
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
from naslib_mini.oneshot.pcdarts import PCDARTS
from naslib_mini.oneshot.profiling import step_cost
from naslib_mini.oneshot.search import search
from naslib_mini.oneshot.search_cnn import SearchCNN
from naslib_mini.oneshot.single_path import FairNAS
from naslib_mini.spaces.darts import DARTS_PRIMITIVES
from naslib_mini.train import Callback, fit
from naslib_mini.utils import resolve_device, seed_everything


def random_cifar(n_train: int, n_val: int, device, seed: int = 0) -> Splits:
    """Noise of CIFAR-10's shape (3 x 32 x 32, 10 classes), made on the device."""
    g = torch.Generator(device="cpu").manual_seed(seed)

    def split(n):
        return Split(torch.randn(n, 3, 32, 32, generator=g).to(device),
                     torch.randint(0, 10, (n,), generator=g).to(device))
    return Splits("random-cifar", split(n_train), split(n_val), split(256), 10, 3, 32,
                  [str(c) for c in range(10)])


def digits32(device) -> Splits:
    """The embedded digits at 32 x 32, 3 channels: real, learnable, offline."""
    d = data.load("digits", image_size=32, device=device)
    rgb = [Split(s.X.repeat(1, 3, 1, 1), s.y) for s in (d.train, d.val, d.test)]
    return Splits("digits32", *rgb, 10, 3, 32, d.classes)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


# ------------------------------------------------------------------ sections
def section_speed(device, tiny):
    cases = list(speed.CASES)[:1] if tiny else list(speed.CASES)
    rows = []
    for case in cases:
        for variant in ("train.fit", "plain DataLoader loop"):
            r = speed.measure(case, variant, str(device), timeout=600)
            rows.append((case, variant, f"{r['images_per_s']:,.0f}", f"{r['peak_mib']:,.0f}"))
    return ("| case | loop | images/s | peak memory (MiB) |", rows)


def section_darts_epoch(device, tiny):
    n = 256 if tiny else 25_000
    splits = random_cifar(n, n, device)
    C, layers, b = (2, 3, 32) if tiny else (16, 8, 64)
    t0 = time.perf_counter()
    res = search("darts", "darts", splits, DARTSConfig.PAPER.replace(
        num_epochs=1, C=C, layers=layers, batch_size=b, order=1), evaluate=False, progress=False,
        device=device)
    sync(device)
    s = time.perf_counter() - t0
    steps = -(-n // b)
    return ("| search | images (train + val) | steps | epoch (s) | per step (ms) |",
            [(f"DARTS 1st order, {layers} cells, C = {C}, batch {b}", f"{n:,} + {n:,}", steps,
              f"{s:.1f}", f"{1000 * s / steps:.1f}")],
            {"genotype": res.arch.to_string()})


def section_bf16(device, tiny):
    splits = digits32(device)
    C, layers, steps, b = (4, 3, 30, 64) if tiny else (16, 8, 360, 64)
    per_epoch = -(-len(splits.train) // b)
    epochs = max(1, steps // per_epoch)
    rows, curves = [], {}
    for amp in (False, True):
        seed_everything(0)
        net = CellNetwork(DARTS_V2, C=C, layers=layers, num_classes=10, in_channels=3)
        t0 = time.perf_counter()
        h = fit(net, splits, num_epochs=epochs, batch_size=b, amp=amp, seed=0, progress=False,
                device=device)
        sync(device)
        curves[amp] = h["train_loss"]
        rows.append(("bf16 autocast" if amp else "fp32", epochs * per_epoch,
                     f"{h['train_loss'][0]:.3f}", f"{h['train_loss'][-1]:.3f}",
                     f"{h['val_acc'][-1]:.3f}", f"{time.perf_counter() - t0:.1f}"))
    gap = max(abs(a - c) for a, c in zip(curves[False], curves[True]))
    return ("| precision | steps | first-epoch loss | last-epoch loss | val acc | seconds |", rows,
            {"max_epoch_loss_gap": gap, "fp32": curves[False], "bf16": curves[True]})


def _fit_step_ms(net, splits, b, callbacks=(), steps=20, **kw):
    """Wall time of the second epoch (the first warms up) over its steps, in ms."""
    n = b * steps
    part = (Split(splits.train.X[:n], splits.train.y[:n]), None)
    h = fit(net, part, num_epochs=2, batch_size=b, callbacks=callbacks, progress=False,
            device=splits.device, **kw)
    return 1000 * h["time"][1] / steps


def section_recipe(device, tiny):
    """fit's CUDA recipe (bf16 autocast, channels_last) piece by piece, on one DARTS step."""
    big = random_cifar(512, 512, device)
    C, L, b = (2, 3, 8) if tiny else (16, 8, 64)
    rows = []
    for amp in (True, False):
        for cl in (True, False):
            seed_everything(0)
            net = SearchCNN(C=C, layers=L, num_classes=10, in_channels=3).to(device)
            X, y = big.train.X[:b], big.train.y[:b]
            if cl:
                net.to(memory_format=torch.channels_last)
                X = X.contiguous(memory_format=torch.channels_last)
            c = step_cost(DARTS(net, big.val, _first(b), device=device), X, y,
                          repeats=REPEATS, amp=amp)
            rows.append(("bf16" if amp else "fp32", "channels_last" if cl else "contiguous",
                         f"{1000 * c['time_s']:.1f}"))
    return ("| autocast | memory format | DARTS 1st-order step (ms) |", rows)


def section_step_costs(device, tiny):
    big = random_cifar(256 if tiny else 256 * 20, 512, device)
    C, L, rep = (2, 3, 1) if tiny else (16, 8, REPEATS)
    rows = []

    def method_row(name, notebook, method, b):
        X, y = big.train.X[:b], big.train.y[:b]
        c = step_cost(method, X, y, repeats=rep)
        peak = c["cuda_peak_bytes"]
        rows.append((notebook, name, b, f"{1000 * c['time_s']:.1f}",
                     f"{peak / 2**20:,.0f}" if peak else "-"))

    def supernet(**kw):
        seed_everything(0)
        return SearchCNN(C=C, layers=kw.pop("layers", L), num_classes=10, in_channels=3,
                         **kw).to(device)

    b = 8 if tiny else 64
    method_row(f"DARTS 1st order ({L} cells, C = {C})", "06", DARTS(
        supernet(), big.val, _first(b), device=device), b)
    method_row(f"DARTS 2nd order ({L} cells, C = {C})", "06", DARTS(
        supernet(), big.val, _first(b).replace(order=2), device=device), b)
    b = 8 if tiny else 256
    method_row(f"GDAS ({L} cells, C = {C})", "07", GDAS(
        supernet(), big.val, GDASConfig.PAPER.replace(num_epochs=1, batch_size=b), device=device), b)
    method_row(f"PC-DARTS K = 4 ({L} cells, C = {C})", "09", PCDARTS(
        supernet(K=2 if tiny else 4), big.val, PCDARTSConfig.PAPER.replace(batch_size=b),
        device=device), b)
    b = 8 if tiny else 96
    for s, stage in enumerate(PAPER_STAGES):
        layers = 3 if tiny else stage.layers
        prims = DARTS_PRIMITIVES[:stage.n_ops]
        net = supernet(layers=layers, primitives=prims, primitives_reduce=prims)
        method_row(f"P-DARTS stage {s + 1} ({layers} cells, {stage.n_ops} ops)", "08",
                   DARTS(net, big.val, _first(b), device=device), b)
    seed_everything(0)
    nb = NB201SuperNet(C=4 if tiny else 16, N=1 if tiny else 5, stages=3, num_classes=10,
                       in_channels=3).to(device)
    b = 8 if tiny else 64
    method_row("DARTS on NAS-Bench-201's skeleton (N = 5, C = 16)", "06",
               DARTS(nb, big.val, _first(b), device=device), b)
    # plain training steps: the DARTS evaluation network, single-path supernets
    seed_everything(0)
    ev = CellNetwork(DARTS_V2, C=4 if tiny else 36, layers=3 if tiny else 20, num_classes=10,
                     in_channels=3)
    b = 8 if tiny else 96
    rows.append(("06-09", "DARTS evaluation network (20 cells, C = 36), a training step", b,
                 f"{_fit_step_ms(ev, big, b, steps=4 if tiny else 20):.1f}", "-"))
    seed_everything(0)
    sp = NB201SuperNet(C=4 if tiny else 16, N=1 if tiny else 5, stages=3, num_classes=10,
                       in_channels=3, affine=True)
    b = 8 if tiny else 256
    fair = FairNAS(sp, None, FairNASConfig.PAPER, device=device)  # 6 edges, 5 ops: 5 paths a step
    rows.append(("11", "FairNAS strict fairness, NB201 supernet (N = 5, C = 16), a step of 5 paths",
                 b, f"{_fit_step_ms(SearchModel(fair), big, b, [fair], steps=4 if tiny else 10):.1f}",
                 "-"))
    return ("| notebook | step | batch | ms per step | peak GPU memory (MiB) |", rows)


def _first(batch_size):
    """DARTS' first-order config at this batch (the alpha step's validation batch too)."""
    return DARTSConfig.PAPER.replace(order=1, batch_size=batch_size)


class _StopAfter(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, t, logs):
        if t.epoch == self.epoch:
            raise KeyboardInterrupt


def section_cuda_paths(device, tiny):
    rows = []
    d = data.load("digits", val_fraction=0.5, device=device, limit=64)
    ops = ("none", "skip_connect", "sep_conv_3x3", "max_pool_3x3")
    r = search("darts", "pdarts", d, PDARTSConfig.PAPER.replace(
        stages=(Stage(3, 4, 0.1), Stage(3, 3, 0.4)), primitives=ops, C=2, num_epochs=1,
        warmup_epochs=0, batch_size=32, cost_repeats=0), progress=False, evaluate=False,
        device=device)
    rows.append(("P-DARTS across two stages", "ok", r.arch.normal.to_string()[:60]))
    gdas = GDASConfig.PAPER.replace(num_epochs=3, C=4, layers=1, batch_size=32)
    with tempfile.TemporaryDirectory() as tmp:
        kw = dict(evaluate=False, progress=False, device=device)
        full = search("nb201", "gdas", d, gdas, **kw)
        try:
            search("nb201", "gdas", d, gdas, [_StopAfter(1)], checkpoint=f"{tmp}/g.pt", **kw)
        except KeyboardInterrupt:
            pass
        resumed = search("nb201", "gdas", d, gdas, checkpoint=f"{tmp}/g.pt", **kw)
        gap = max(abs(a - b) for a, b in zip(full.history["train_loss"],
                                             resumed.history["train_loss"]))
        rows.append(("GDAS resumed from a checkpoint on the GPU",
                     "same arch" if full.arch == resumed.arch else "other arch",
                     f"max train-loss difference {gap:.2e} (cuDNN may choose other kernels)"))
        net = CellNetwork(DARTS_V2, C=4, layers=3, num_classes=10, in_channels=1)
        try:
            fit(net, d, num_epochs=3, checkpoint=f"{tmp}/f.pt", callbacks=[_StopAfter(1)],
                progress=False, device=device)
        except KeyboardInterrupt:
            pass
        h = fit(net, d, num_epochs=3, checkpoint=f"{tmp}/f.pt", progress=False, device=device)
        rows.append(("fit resumed from a checkpoint on the GPU", "ok", f"{len(h['epoch'])} epochs"))

    class Poison(Callback):
        def on_epoch_start(self, t):
            if t.epoch == 1:
                with torch.no_grad():
                    next(t.net.parameters()).view(-1)[0] = float("nan")
    try:
        search("nb201", "gdas", d, gdas, [Poison()], evaluate=False, progress=False, device=device)
        rows.append(("a NaN weight in a GDAS search", "NOT stopped", ""))
    except FloatingPointError as e:
        rows.append(("a NaN weight in a GDAS search", "stopped", type(e).__name__))
    return ("| path | result | detail |", rows)


REPEATS = 3
SECTIONS = [("recipe", section_recipe), ("speed", section_speed),
            ("DARTS search epoch", section_darts_epoch),
            ("bf16 against fp32", section_bf16), ("per-step cost", section_step_costs),
            ("CUDA paths", section_cuda_paths)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="gpu_check.md")
    ap.add_argument("--tiny", action="store_true", help="tiny shapes, to test the script on a CPU")
    ap.add_argument("--only", nargs="*", help="section names to run (default: all)")
    a = ap.parse_args(argv)
    device = resolve_device("cuda" if not a.tiny else "auto")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    lines = [f"# GPU check, {time.strftime('%Y-%m-%d')}",
             f"{name}; torch {torch.__version__}, CUDA {torch.version.cuda}; "
             f"{'TINY shapes: figures mean nothing' if a.tiny else 'full-size shapes'}", ""]
    extras = {}
    for title, fn in SECTIONS:
        if a.only and title not in a.only:
            continue
        t0 = time.perf_counter()
        lines.append(f"## {title}")
        try:
            header, rows, *extra = fn(device, a.tiny)
            n = header.count("|") - 1
            lines += [header, "|" + "---|" * n] + ["| " + " | ".join(map(str, r)) + " |" for r in rows]
            if extra:
                extras[title] = extra[0]
        except Exception:
            lines.append("FAILED:\n```\n" + traceback.format_exc()[-2000:] + "```")
        lines.append(f"({time.perf_counter() - t0:.0f} s)\n")
        print(f"[{title}: {time.perf_counter() - t0:.0f} s]", flush=True)
        with open(a.out, "w") as f:  # after every section: a run cut short keeps what it measured
            f.write("\n".join(lines) + "\n\n<!-- extras\n" + json.dumps(extras, default=str)
                    + "\n-->\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
