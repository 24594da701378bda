"""Does each notebook's headline result survive a rerun? Five seeds per demonstration.

    python tools/robustness.py                       # every demonstration, its chosen setting, seeds 0-4
    python tools/robustness.py --only 06 07          # some notebooks
    python tools/robustness.py --settings all        # also every other setting tried
    python tools/robustness.py --out docs/robustness.md   # write the table (and its JSON beside it)
    python tools/robustness.py --cached              # tabulate what is cached, run nothing
    (make robustness: the first and the last together; not part of make test)

For each headline experiment it reruns what the notebook runs (quick profile, seeds 0..4, one
after another, one CPU thread) and prints one Markdown table: the statistic the notebook's
verdict reads, its value per seed, the verdict rule with its margin, whether the verdict held
in each seed (k/5), the same question asked of all five seeds at once (verdicts.py: a paired
bootstrap interval, a direction only beyond it), and the cost per seed.

Resumable: every (experiment, setting, seed) result is cached as raw numbers in a JSON file
(runs/robustness/cache.json, git-ignored); an interrupted run continues where it stopped, and
rules are applied to the cached numbers when the table is made, so a changed rule needs no
rerun. A changed setting is a new cache key.

Every call into naslib_mini's training code sits in the small functions of the first section,
so that a change of the package's API touches only them.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import torch  # noqa: E402

from naslib_mini import verdicts as V  # noqa: E402
from naslib_mini.utils import set_threads  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)
CACHE = os.path.join(ROOT, "runs", "robustness", "cache.json")
FREE = ("none", "skip_connect", "avg_pool_3x3")  # parameter-free ops of NAS-Bench-201


# =====================================================================================
# 1. Calls into the package (the only place that knows its API)
# =====================================================================================
_MEMO: dict = {}


def digits_darts_split():
    """Digits with half of the training images for the architecture (notebooks 06-09)."""
    from naslib_mini import data
    if "darts" not in _MEMO:
        _MEMO["darts"] = data.load("digits", val_fraction=0.5, seed=0)
    return _MEMO["darts"]


def digits_bench():
    """Our tabular benchmark on digits and its lookup noise: the standard deviation of a
    looked-up accuracy (the mean over the benchmark's seeds), from its per-seed values."""
    from naslib_mini.benchmarks.digits import Benchmark
    if "bench" not in _MEMO:
        b = Benchmark()
        per_seed = b.per_class("test_acc")                       # (classes, seeds)
        sd = float(np.sqrt((per_seed.std(1, ddof=1) ** 2).mean() / per_seed.shape[1]))
        _MEMO["bench"] = (b, sd)
    return _MEMO["bench"]


def lookup(cell) -> float:
    """Test accuracy of a NAS-Bench-201 cell in our digits benchmark (mean over its seeds)."""
    from naslib_mini.oneshot.search import benchmark_truth
    return float(benchmark_truth(digits_bench()[0], cell)["test_acc"])


def oneshot_nb201(method, seed: int, *, num_epochs: int, C: int, layers: int, stages: int,
                  arch_lr: float, method_cls=None, supernet_kwargs=None, **kw):
    """One-shot search of the NAS-Bench-201 space on digits: method "darts" / "gdas" or an
    Architect subclass; returns (the derived cell of each epoch, the final softmax weights)."""
    from naslib_mini.oneshot.search import search
    r = search("nb201", method_cls or method, digits_darts_split(), num_epochs=num_epochs,
               seed=seed, C=C, layers=layers, supernet_kwargs=dict(stages=stages, **(supernet_kwargs or {})),
               arch_lr=arch_lr, evaluate=False, progress=False, **kw)
    w = r.searcher.snapshots[-1]["weights"]["cell"]            # (6 edges, 5 ops)
    return [tuple(c) for c in r.archs], np.asarray(w).tolist()


def pdarts(seed: int, *, stages, C, num_epochs, warmup_epochs, batch_size, arch_lr, limit,
           dropout_last=None):
    """notebook 08's P-DARTS search (quick: 96 digits); memoised per (seed, setting) so the
    skip-cap and depth-gap experiments share it. dropout_last: rerun the last stage on its op
    sets with this skip dropout (0.0: without, as the notebook's comparison does)."""
    from naslib_mini import data
    from naslib_mini.oneshot.pdarts import Stage, pdarts_search
    key = ("pdarts", seed, repr((stages, C, num_epochs, warmup_epochs, batch_size, arch_lr, limit)))
    if key not in _MEMO:
        splits = data.load("digits", val_fraction=0.5, seed=0, limit=limit)
        kw = dict(C=C, num_epochs=num_epochs, warmup_epochs=warmup_epochs, batch_size=batch_size,
                  arch_lr=arch_lr, seed=seed, evaluate=False, progress=False)
        res = pdarts_search(splits, stages=[Stage(*st) for st in stages], measure_cost=False, **kw)
        last = res.stages[-1]
        plain = pdarts_search(splits, stages=[Stage(last.stage.layers, last.stage.n_ops, 0.0)],
                              primitives=last.primitives, measure_cost=False, **kw)
        _MEMO[key] = (res, plain)
    return _MEMO[key]


def retrain_cell(genotype, seed: int, *, layers: int, C: int, num_epochs: int, lr: float,
                 batch_size: int, limit):
    """Train a DARTS genotype from scratch on digits' standard split; its test accuracy."""
    from naslib_mini import data
    from naslib_mini.oneshot.search import retrain
    splits = data.load("digits", seed=0, limit=limit)
    return float(retrain(genotype, splits, layers=layers, C=C, num_epochs=num_epochs, lr=lr,
                         batch_size=batch_size, seed=seed)["test_acc"])


def pcdarts_memory(seed: int, *, C: int, layers: int, batch: int, Ks=(1, 2, 4, 8)) -> dict:
    """Bytes autograd saves for one PC-DARTS supernet forward at each K (notebook 09's CPU
    measure of memory): {K: bytes}."""
    from naslib_mini.oneshot.cost import saved_tensor_bytes
    from naslib_mini.oneshot.pcdarts import PCDARTS
    from naslib_mini.oneshot.search_cnn import SearchCNN
    from naslib_mini.utils import seed_everything
    splits = digits_darts_split()
    out = {}
    for K in Ks:
        seed_everything(seed)
        net = SearchCNN(C=C, layers=layers, num_classes=splits.num_classes,
                        in_channels=splits.in_channels, K=K)
        method = PCDARTS(net, splits.val, batch_size=batch, device="cpu")
        X = splits.train.X[:batch]
        out[K] = int(saved_tensor_bytes(lambda: method.logits(X))[1])
    return out


def pcdarts_search(seed: int, space: str, edge_norm: bool, *, limit, **kw):
    """One PC-DARTS search (notebook 09): the derived normal cell's edges (darts space) or the
    6 ops (nb201), and, on nb201, the benchmark accuracy of the cell."""
    from naslib_mini import data
    from naslib_mini.oneshot.pcdarts import PCDARTS
    from naslib_mini.oneshot.search import search
    splits = digits_darts_split() if limit is None else \
        data.load("digits", val_fraction=0.5, seed=0, limit=limit)
    r = search(space, PCDARTS, splits, seed=seed, method_kwargs={"edge_norm": edge_norm},
               evaluate=False, progress=False, **kw)
    if space == "nb201":
        return {"cell": list(r.arch), "acc": lookup(r.arch)}
    return {"edges": [[int(src), int(dst), op] for src, dst, op in r.arch.normal.edges]}


def densenas(seed: int, *, lambdas, warmup_epochs, search_epochs, arch_lr, child_epochs) -> dict:
    """notebook 10's DenseNAS run: latency table, warm-up, one search per lambda, each derived
    network trained CHILD epochs. Per lambda: path, depth, E[latency], table latency, MACs,
    parameters and test accuracy."""
    import copy

    from naslib_mini import data
    from naslib_mini.latency import LatencyModel, densenas_keys, measure_table
    from naslib_mini.metrics import count_macs
    from naslib_mini.oneshot.densenas import DenseSuperNet
    from naslib_mini.oneshot.densenas_search import DenseNASSearch
    from naslib_mini.spaces.densenas import DenseSpace
    from naslib_mini.spaces.densenas_net import DenseNASNetwork
    from naslib_mini.train import evaluate, fit
    from naslib_mini.utils import count_params, seed_everything
    splits = data.load("digits", seed=0)
    space = DenseSpace(widths=(8, 12, 16, 24), sizes=(8, 8, 4, 4), layers=(0, 1, 1, 1), M=3,
                       last_C=48, image_size=8)
    if "dense_table" not in _MEMO:  # one latency table per process, as one notebook run has
        keys = densenas_keys(space, splits.num_classes, splits.in_channels)
        _MEMO["dense_table"] = measure_table(keys, batch_size=32, reps=9, device="cpu", threads=1)
    table = _MEMO["dense_table"]
    latency = LatencyModel(space, table, splits.num_classes, splits.in_channels)
    seed_everything(seed)
    supernet = DenseSuperNet(space, splits.num_classes, splits.in_channels)
    fit_kw = dict(lr=0.1, weight_decay=4e-5, batch_size=64, seed=seed, channels_last=True,
                  progress=False)
    warm = DenseNASSearch(supernet, splits.val, latency, warmup_epochs=warmup_epochs,
                          warmup_sample=None, seed=seed)
    fit(supernet, (splits.train, None), num_epochs=warmup_epochs, callbacks=[warm], **fit_kw)
    out = {}
    for lam in lambdas:
        net = copy.deepcopy(supernet)
        srch = DenseNASSearch(net, splits.val, latency, lam=lam, tau=15.0, alpha_lr=arch_lr,
                              beta_lr=arch_lr, weight_sample=None, arch_sample=2, arch_every=1,
                              val_batch_size=64, seed=seed)
        fit(net, (splits.train, None), num_epochs=search_epochs, callbacks=[srch], **fit_kw)
        arch = srch.derive()
        seed_everything(seed)
        child = DenseNASNetwork(space, arch, splits.num_classes, splits.in_channels)
        fit(child, splits, num_epochs=child_epochs, lr=0.05, batch_size=64, seed=seed,
            channels_last=True, progress=False)
        shape = (splits.in_channels, splits.image_size, splits.image_size)
        out[str(lam)] = {"path": list(arch.path), "arch": arch.to_string(), "layers": arch.depth(),
                         "expected_ms": srch.expected_latency(),
                         "table_ms": table.estimate(child.pieces) * 1e3,
                         "macs": count_macs(child, shape), "params": count_params(child),
                         "acc": float(evaluate(child, splits.test)[1])}
    return out


def pnas_vs_random(seed: int, *, B, K, ops, child_epochs, surrogate_epochs,
                   surrogates=("mlp", "lstm")) -> dict:
    """notebook 04: PNAS (MLP-ensemble beam) and random search, the same number of children,
    each a one-cell network trained child_epochs on digits; validation accuracies."""
    from naslib_mini import data
    from naslib_mini.networks import CellNetwork
    from naslib_mini.spaces import pnas
    from naslib_mini.strategies.progressive import ProgressiveSearch
    from naslib_mini.strategies.random_search import RandomSearch, run
    from naslib_mini.train import fit
    from naslib_mini.utils import seed_everything
    splits = data.load("digits", seed=0)

    def train_child(cell):
        seed_everything(seed)
        net = CellNetwork(cell.to_cell(), C=8, layers=1, reductions=(),
                          num_classes=splits.num_classes, in_channels=splits.in_channels)
        h = fit(net, splits, num_epochs=child_epochs, lr=0.1, batch_size=64, seed=seed,
                progress=False)
        return h["val_acc"][-1]

    search = ProgressiveSearch(B=B, K=K, ops=tuple(ops), surrogates=tuple(surrogates), select="mlp",
                               seed=seed, n_models=5, surrogate_epochs=surrogate_epochs)
    search.run(train_child, progress=False)
    p_scores = [float(a) for _, a in search.history]
    rs = RandomSearch(lambda rng: pnas.sample(rng, B, tuple(ops)), seed=seed)
    r_scores = [float(a) for a in run(rs, train_child, len(p_scores))]
    return {"pnas": p_scores, "random": r_scores, "n_val": int(len(splits.val.y))}


def fairnas_vs_spos(seed: int, *, epochs, n_classes, bn_batches) -> dict:
    """notebook 11: SPOS (same epochs, same compute) and FairNAS supernets of NAS-Bench-201 on
    the benchmark's data; inherited accuracies (BN recalibrated) of n_classes classes and
    their benchmark validation accuracies."""
    from naslib_mini import augment, data
    from naslib_mini.benchmark_build import BuildConfig
    from naslib_mini.oneshot.inherited import score_paths
    from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
    from naslib_mini.oneshot.single_path import make_sampler, train_supernet
    from naslib_mini.spaces import nb201
    from naslib_mini.utils import seed_everything
    bench = digits_bench()[0]
    cfg = BuildConfig()
    splits = data.load(cfg.dataset, image_size=cfg.image_size)
    classes = nb201.equivalence_classes()
    ids = np.sort(np.random.default_rng(seed).choice(len(classes), size=n_classes, replace=False))
    cells = [classes[k][0] for k in ids]
    out = {"true": [bench.query(c, "val_acc") for c in cells]}
    for name, sampler, ep in (("spos", "spos", epochs), ("spos_compute", "spos", 5 * epochs),
                              ("fairnas", "fairnas", epochs)):
        seed_everything(seed)
        net = NB201SuperNet(C=cfg.C, N=cfg.N, stages=cfg.stages, in_channels=splits.in_channels,
                            num_classes=splits.num_classes, affine=True)
        train_supernet(net, splits, make_sampler(sampler, 6, 5, seed), num_epochs=ep, lr=cfg.lr,
                       batch_size=cfg.batch_size, weight_decay=cfg.weight_decay,
                       augment=augment.crop(cfg.augment_pad), seed=seed, channels_last=True,
                       progress=False)
        acc, _ = score_paths(net, [net.path_of(c) for c in cells], splits.val, calib=splits.train,
                             n_batches=bn_batches, channels_last=True)
        out[name] = [float(a) for a in acc]
    return out


def tabular_bench(table: str):
    """The table a discrete search is judged on: "real" = the real NAS-Bench-201
    (nasbench201.NASBench201: search on cifar10-valid validation accuracy, regret on CIFAR-10
    test), "digits" = our digits benchmark."""
    if table == "real":
        try:
            from naslib_mini.nasbench201 import NASBench201
        except ImportError as e:
            raise RuntimeError("table='real' needs naslib_mini.nasbench201 (the real NAS-Bench-201, "
                               "branch t14); run the 'digits' setting instead") from e
        return NASBench201()
    if table == "digits":
        return digits_bench()[0]
    raise ValueError(f"table must be 'real' or 'digits', got {table!r}")


def tabular_comparison(strategies: dict, seeds, *, table: str, budget: int) -> dict:
    """compare() of discrete strategies {name: (contender name, settings)} on a table; the
    final regret of each strategy per seed (strategies share each seed's first random cells)."""
    from naslib_mini import contenders
    from naslib_mini.compare import compare
    res = compare({n: getattr(contenders, c)(**kw) for n, (c, kw) in strategies.items()}, budget,
                  list(seeds), bench=tabular_bench(table))
    return {"table": table, **{n: [float(v) for v in res.final(n)] for n in res.names}}


def nao_comparison(seeds, *, table, budget, nao_settings) -> dict:
    """notebook 05: NAO, regularized evolution (population 20, tournaments of 5) and random
    search through compare()."""
    return tabular_comparison({"NAO": ("nao", nao_settings),
                               "regularized evolution": ("regularized_evolution",
                                                         dict(population_size=20, sample_size=5)),
                               "random search": ("random_search", {})}, seeds, table=table,
                              budget=budget)


# =====================================================================================
# 2. The experiments: run(seed, **setting) -> raw numbers; judge(raw) -> per-seed verdict
# =====================================================================================
@dataclass
class Experiment:
    notebook: str
    title: str
    statistic: str                         # what the value column shows
    rule: str                              # the per-seed verdict, with its margin
    run: object                            # (seed, **setting) -> dict of raw numbers
    judge: object                          # raw -> (value text, held, number for the pooled verdict)
    settings: dict                         # name -> kwargs
    chosen: str                            # the setting recommended for the notebook
    pooled: object = None                  # [raw per seed] -> one sentence over all seeds
    notes: dict = field(default_factory=dict)  # setting name -> what it is
    cache_as: str | None = None            # another experiment's id whose runs this one reads


# ------------------------------------------------------------------ 06: DARTS' collapse
def run_collapse(seed, **s):
    archs, w = oneshot_nb201("darts", seed, **s)
    ops = [list(c) for c in archs]
    return {"cells": ops, "acc": [lookup(c) for c in archs], "final_weights": w,
            "free": [sum(op in FREE for op in c) / 6 for c in archs]}


def judge_collapse(r):
    """Parameter-free share up by at least one edge in six AND benchmark accuracy down by
    more than twice the noise of a difference of two half-means of lookups."""
    free, acc = np.array(r["free"]), np.array(r["acc"])
    h = len(acc) // 2
    d_free = free[h:].mean() - free[:h].mean()
    d_acc = acc[h:].mean() - acc[:h].mean()
    margin = 2 * digits_bench()[1] * math.sqrt(2 / h)
    held = d_free >= 1 / 6 - 1e-9 and d_acc <= -margin
    return (f"free {V.plain(free[:h].mean(), 2)}→{V.plain(free[h:].mean(), 2)}, "
            f"acc {V.plain(acc[:h].mean(), 3)}→{V.plain(acc[h:].mean(), 3)}", held, d_acc)


def pooled_collapse(raws):
    """Over seeds the per-seed margin shrinks by sqrt(seeds): the lookup noise of a mean."""
    a = [np.mean(r["acc"][len(r["acc"]) // 2:]) for r in raws]
    b = [np.mean(r["acc"][:len(r["acc"]) // 2]) for r in raws]
    margin = 2 * digits_bench()[1] * math.sqrt(2 / (len(raws[0]["acc"]) // 2) / len(raws))
    return V.verdict("second half", a, "first half", b, lower_is_better=False, paired=True,
                     margin=margin)


DEEP = dict(layers=3, stages=3)
COLLAPSE = Experiment(
    "06", "DARTS' collapse on NAS-Bench-201's deep skeleton",
    "parameter-free share and benchmark accuracy of the derived cell, first half → second half "
    "of the epochs",
    "share up ≥ 1/6 (one edge) and accuracy down by > 2σ of the lookup noise of a half-mean difference",
    run_collapse, judge_collapse,
    settings={
        "notebook": dict(num_epochs=10, C=4, arch_lr=1e-2, **DEEP),
        "20ep": dict(num_epochs=20, C=4, arch_lr=1e-2, **DEEP),
        "lr3e-2": dict(num_epochs=10, C=4, arch_lr=3e-2, **DEEP),
        "20ep-lr3e-2": dict(num_epochs=20, C=4, arch_lr=3e-2, **DEEP),
        "40ep": dict(num_epochs=40, C=4, arch_lr=1e-2, **DEEP),
    },
    chosen="notebook", pooled=pooled_collapse)


# ------------------------------------------------------------------ 07: GDAS against DARTS
def run_gdas_darts(seed, **s):
    out = {}
    for m in ("gdas", "darts"):
        archs, _ = oneshot_nb201(m, seed, **s)
        out[m] = {"cell": list(archs[-1]), "acc": lookup(archs[-1])}
    return out


def judge_gdas_darts(r):
    margin = 2 * digits_bench()[1] * math.sqrt(2)
    d = r["darts"]["acc"] - r["gdas"]["acc"]
    return (f"{V.plain(r['darts']['acc'], 3)} vs {V.plain(r['gdas']['acc'], 3)}", d > margin, d)


def pooled_gdas_darts(raws):
    """Over seeds the per-seed margin shrinks by sqrt(seeds): the lookup noise of a mean."""
    return V.verdict("DARTS", [r["darts"]["acc"] for r in raws], "GDAS",
                     [r["gdas"]["acc"] for r in raws], lower_is_better=False, paired=True,
                     margin=2 * digits_bench()[1] * math.sqrt(2 / len(raws)))


GDAS_DARTS = Experiment(
    "07", "DARTS against GDAS on the benchmark (same supernet, same seed): DARTS finds the better cell",
    "benchmark test accuracy of the final cell, DARTS vs GDAS",
    "DARTS − GDAS > 2σ of the lookup noise of a difference of two cells",
    run_gdas_darts, judge_gdas_darts,
    settings={
        "notebook": dict(num_epochs=15, C=8, layers=1, stages=1, arch_lr=1e-2),
        "deep": dict(num_epochs=10, C=4, arch_lr=1e-2, **DEEP),
    },
    chosen="notebook", pooled=pooled_gdas_darts,
    notes={"notebook": "one-stage supernet, as notebook 07", "deep": "06's deep skeleton"})


# ------------------------------------------------------------------ 08: P-DARTS
PD_QUICK = dict(stages=((3, 8, 0.1), (4, 5, 0.4), (5, 3, 0.7)), C=4, num_epochs=3,
                warmup_epochs=1, batch_size=32, arch_lr=1e-2, limit=96)


def _skips(genotype) -> int:
    return sum(op == "skip_connect" for *_, op in genotype.normal.edges)


def run_skip(seed, **s):
    res, plain = pdarts(seed, **s)
    return {"with_dropout": _skips(res.genotype_uncapped), "capped": _skips(res.genotype),
            "without_dropout": _skips(plain.genotype_uncapped), "M": res.M,
            "cell_without": plain.genotype_uncapped.normal.to_string()}


def judge_skip(r):
    held = r["without_dropout"] > r["M"]
    return (f"{r['without_dropout']} without dropout, {r['with_dropout']} with", held,
            r["without_dropout"] - r["with_dropout"])


def judge_dropout(r):
    d = r["without_dropout"] - r["with_dropout"]
    return f"{r['without_dropout']} without, {r['with_dropout']} with", d >= 1, d


PD_SETTINGS = {"notebook": PD_QUICK,
               "longer": dict(PD_QUICK, num_epochs=6, arch_lr=3e-2)}
SKIP = Experiment(
    "08", "P-DARTS: the skip cap has something to cap",
    "skip_connects in the last stage's uncapped normal cell, without / with skip dropout",
    "without dropout, more skip_connects than M = 2 (so the cap M = 2 changes the cell)",
    run_skip, judge_skip, settings=PD_SETTINGS, chosen="notebook",
    pooled=lambda raws: (f"at most {max(r['without_dropout'] for r in raws)} skip_connects "
                         f"without dropout, {max(r['with_dropout'] for r in raws)} with, in "
                         f"{len(raws)} seeds: M = 2 never binds"),
    notes={"longer": "6 epochs per stage (alphas frozen for 1), alpha lr 3e-2"})
DROPOUT = Experiment(
    "08", "P-DARTS: skip dropout lowers the number of skip_connects",
    "skip_connects in the last stage's uncapped normal cell, without / with skip dropout",
    "without − with ≥ 1 (one skip_connect fewer with dropout)",
    run_skip, judge_dropout, settings=PD_SETTINGS, chosen="notebook", cache_as="08",
    pooled=lambda raws: V.verdict("without dropout", [r["without_dropout"] for r in raws],
                                  "with dropout", [r["with_dropout"] for r in raws],
                                  lower_is_better=True, paired=True, scale=1.0,
                                  unit="skip_connects"))


def run_depth_gap(seed, *, retrain, deep=5, **s):
    res, _ = pdarts(seed, **s)
    shallow = s["stages"][0][0]
    out = {}
    for name, g in (("stage1", res.stages[0].genotype), ("final", res.genotype)):
        for depth in (shallow, deep):
            out[f"{name}@{depth}"] = retrain_cell(g, seed, layers=depth, **retrain)
    return {"acc": out, "shallow": shallow, "deep": deep}


def judge_depth_gap(r):
    a, sh, dp = r["acc"], r["shallow"], r["deep"]
    gap = (a[f"final@{dp}"] - a[f"stage1@{dp}"]) - (a[f"final@{sh}"] - a[f"stage1@{sh}"])
    chance = max(a.values()) < 0.2
    return (f"Δdeep {V.plain(a[f'final@{dp}'] - a[f'stage1@{dp}'], 3)}, "
            f"Δshallow {V.plain(a[f'final@{sh}'] - a[f'stage1@{sh}'], 3)}", gap > 0.05 and not chance, gap)


def pooled_depth_gap(raws):
    def diff(r, d):
        return r["acc"][f"final@{d}"] - r["acc"][f"stage1@{d}"]
    return V.verdict("at depth 5", [diff(r, r["deep"]) for r in raws], "at depth 3",
                     [diff(r, r["shallow"]) for r in raws], lower_is_better=False, paired=True)


DEPTH_GAP = Experiment(
    "08", "P-DARTS: the depth gap (final cell gains more than the stage-1 cell when trained deeper)",
    "test accuracy, final cell − stage-1 cell, at the deep and at the shallow depth",
    "(final − stage-1) at depth 5 exceeds (final − stage-1) at depth 3 by > 5 points",
    run_depth_gap, judge_depth_gap, pooled=lambda raws: pooled_depth_gap(raws),
    settings={
        "notebook": dict(PD_QUICK, retrain=dict(C=4, num_epochs=2, lr=0.1, batch_size=32, limit=512)),
        "trained": dict(PD_QUICK, retrain=dict(C=8, num_epochs=6, lr=0.05, batch_size=64, limit=None)),
    },
    chosen="notebook")


# ------------------------------------------------------------------ 09: PC-DARTS
def run_memory(seed, **s):
    return {str(K): b for K, b in pcdarts_memory(seed, **s).items()}


def judge_memory(r):
    ratio = r["4"] / r["1"]
    return f"K=4 / K=1 = {V.plain(ratio, 2)}", ratio < 0.75, ratio


MEMORY = Experiment(
    "09", "PC-DARTS: partial channels cut the memory of a search step",
    "bytes saved for backward, K = 4 over K = 1 (same network and batch)",
    "ratio < 0.75 (deterministic: shapes only)",
    run_memory, judge_memory, settings={"notebook": dict(C=8, layers=3, batch=16)}, chosen="notebook",
    pooled=lambda raws: (f"K=4 / K=1 from {V.plain(min(r['4'] / r['1'] for r in raws), 3)} to "
                         f"{V.plain(max(r['4'] / r['1'] for r in raws), 3)} over {len(raws)} seeds"))


def _agreement(cells) -> float:
    """Mean over pairs of seeds of the share of nodes (darts: sets of kept edges) or edges
    (nb201: ops) on which two derived cells agree."""
    from itertools import combinations
    return float(np.mean([np.mean([x == y for x, y in zip(a, b)]) for a, b in combinations(cells, 2)]))


def run_stability(seed, *, space, group=3, **s):
    seeds = range(group * seed, group * seed + group)
    out = {}
    for norm in (True, False):
        runs = [pcdarts_search(k, space, norm, **s) for k in seeds]
        if space == "nb201":
            cells = [r["cell"] for r in runs]
            out[str(norm)] = {"cells": cells, "acc": [r["acc"] for r in runs],
                              "agreement": _agreement(cells)}
        else:
            nodes = [[sorted(e[0] for e in r["edges"] if e[1] == j) for j in range(2, 6)]
                     for r in runs]
            out[str(norm)] = {"nodes": nodes, "agreement": _agreement(nodes)}
    return out


def judge_stability(r):
    d = r["True"]["agreement"] - r["False"]["agreement"]
    return (f"{V.plain(r['True']['agreement'], 2)} with vs {V.plain(r['False']['agreement'], 2)} "
            "without", d > 0.1, d)


STABILITY = Experiment(
    "09", "PC-DARTS: edge normalisation makes the derived cell agree more across seeds",
    "agreement of the derived cells of 3 seeds (share of nodes with the same two inputs; nb201: "
    "of edges with the same op), with vs without edge normalisation",
    "with − without > 0.1",
    run_stability, judge_stability,
    pooled=lambda raws: V.verdict("with edge norm.", [r["True"]["agreement"] for r in raws],
                                  "without", [r["False"]["agreement"] for r in raws],
                                  lower_is_better=False, paired=True, scale=1.0, unit="agreement"),
    settings={
        "notebook": dict(space="darts", limit=64, num_epochs=2, warmup_epochs=0, C=4, layers=3,
                         batch_size=32, lr=0.025, arch_lr=1e-2, supernet_kwargs={"K": 2}),
        "nb201": dict(space="nb201", limit=None, num_epochs=10, C=8, layers=1, arch_lr=1e-2,
                      supernet_kwargs={"K": 2}),
    },
    chosen="notebook",
    notes={"*": "seed s of this row is the group of seeds 3s, 3s+1, 3s+2"})


# ------------------------------------------------------------------ 10: DenseNAS
def run_densenas(seed, **s):
    return densenas(seed, **s)


def digits_test_size() -> int:
    from naslib_mini import data
    if "n_test" not in _MEMO:
        _MEMO["n_test"] = int(len(data.load("digits", seed=0).test.y))
    return _MEMO["n_test"]


def judge_densenas(r):
    """A front: the largest lambda's network at least 10% faster by the latency table AND less
    accurate by more than 2 sigma of a difference of two test accuracies (binomial)."""
    lams = sorted(r, key=float)
    lo, hi = r[lams[0]], r[lams[-1]]
    ratio = hi["table_ms"] / lo["table_ms"]
    p = (lo["acc"] + hi["acc"]) / 2
    margin = 2 * math.sqrt(2 * p * (1 - p) / digits_test_size())
    archs = len({v["arch"] for v in r.values()})
    return (f"{archs} archs; latency ×{V.plain(ratio, 2)}, "
            f"acc {V.plain(lo['acc'], 3)}→{V.plain(hi['acc'], 3)}",
            ratio < 0.9 and lo["acc"] - hi["acc"] > margin, ratio)


DENSENAS = Experiment(
    "10", "DenseNAS: a larger λ derives a faster network (an accuracy-latency front)",
    "distinct architectures over the λs; table latency of the largest λ's network over λ = 0's; "
    "their test accuracies",
    "latency(λ max) < 0.9 × latency(λ = 0), and accuracy(λ max) below accuracy(λ = 0) by > 2σ "
    "of a difference of two test accuracies (binomial)",
    run_densenas, judge_densenas,
    pooled=lambda raws: V.describe([judge_densenas(r)[2] for r in raws], decimals=2)
    + " = mean latency ratio (λ max / λ = 0)",
    settings={
        "notebook": dict(lambdas=(0.0, 3.0, 30.0), warmup_epochs=1, search_epochs=1, arch_lr=0.1,
                         child_epochs=3),
        "lam100": dict(lambdas=(0.0, 10.0, 100.0), warmup_epochs=1, search_epochs=1, arch_lr=0.1,
                       child_epochs=3),
        "2ep": dict(lambdas=(0.0, 3.0, 30.0), warmup_epochs=1, search_epochs=2, arch_lr=0.1,
                    child_epochs=3),
    },
    chosen="notebook")


# ------------------------------------------------------------------ 04: PNAS against random search
def judge_pnas(r):
    p, q = max(r["pnas"]), max(r["random"])
    m = (p + q) / 2
    margin = 2 * math.sqrt(2 * m * (1 - m) / r["n_val"])
    return f"{V.plain(p, 3)} vs {V.plain(q, 3)}", p - q > margin, p - q


def pooled_pnas(raws):
    return V.verdict("PNAS", [max(r["pnas"]) for r in raws], "random search",
                     [max(r["random"]) for r in raws], lower_is_better=False, paired=True)


PNAS = Experiment(
    "04", "PNAS against random search (same number of trained children)",
    "best validation accuracy among the children, PNAS vs random search",
    "PNAS − random > 2σ of a difference of two validation accuracies (binomial, n = validation images)",
    lambda seed, **s: pnas_vs_random(seed, **s), judge_pnas,
    settings={"notebook": dict(B=3, K=4, ops=("sep_conv_3x3", "max_pool_3x3"), child_epochs=2,
                               surrogate_epochs=50, surrogates=("mlp", "lstm"))},
    chosen="notebook", pooled=pooled_pnas)


def run_surrogate(seed, *, group, table, budget, surrogate):
    return tabular_comparison({"surrogate": ("surrogate", surrogate),
                               "random search": ("random_search", {})},
                              range(group * seed, group * seed + group), table=table, budget=budget)


def judge_surrogate(r):
    v = V.verdict("surrogate", r["surrogate"], "random search", r["random search"], paired=True)
    return (f"{V.plain(100 * np.mean(r['surrogate']), 2)} vs {V.plain(100 * np.mean(r['random search']), 2)}",
            v.startswith("surrogate beats"), np.mean(r["random search"]) - np.mean(r["surrogate"]))


SURROGATE = dict(n_init=20, K=20, n_models=3, epochs=30)
PNAS_TABLE = Experiment(
    "04", "a PNAS-style surrogate search (contenders.surrogate) against random search on a table",
    "mean final regret (points) after 100 lookups over a group of 20 seeds, surrogate vs random search",
    "verdicts.verdict over the group's paired seeds names the surrogate search",
    run_surrogate, judge_surrogate,
    settings={"real": dict(group=20, table="real", budget=100, surrogate=SURROGATE),
              "digits": dict(group=20, table="digits", budget=100, surrogate=SURROGATE)},
    chosen="real", notes={"*": "seed s of this row is the group of seeds 20s .. 20s+19"})


# ------------------------------------------------------------------ 11: FairNAS against SPOS
def _tau_ci(x, y, t, n_boot=1000, seed=0):
    """Bootstrap (over the scored classes) interval of tau(x, t) - tau(y, t)."""
    from naslib_mini.metrics import kendall_tau
    x, y, t = map(np.asarray, (x, y, t))
    rng = np.random.default_rng(seed)
    d = []
    for _ in range(n_boot):
        i = rng.integers(0, len(t), len(t))
        d.append(kendall_tau(x[i], t[i]) - kendall_tau(y[i], t[i]))
    return np.quantile(d, 0.025), np.quantile(d, 0.975)


def judge_fairnas(r, other="spos"):
    from naslib_mini.metrics import kendall_tau
    tf, to = kendall_tau(r["fairnas"], r["true"]), kendall_tau(r[other], r["true"])
    lo, hi = _tau_ci(r["fairnas"], r[other], r["true"])
    return f"{V.plain(tf, 3)} vs {V.plain(to, 3)}", lo > 0, tf - to


SPOS_NAMES = {"spos": "SPOS (same epochs)", "spos_compute": "SPOS (same compute)"}


def pooled_fairnas(raws, other="spos"):
    from naslib_mini.metrics import kendall_tau
    return V.verdict("FairNAS", [kendall_tau(r["fairnas"], r["true"]) for r in raws], SPOS_NAMES[other],
                     [kendall_tau(r[other], r["true"]) for r in raws], lower_is_better=False,
                     paired=True, scale=1.0, unit="tau")


FAIR_SETTINGS = {"notebook": dict(epochs=8, n_classes=100, bn_batches=1),
                 "16ep": dict(epochs=16, n_classes=100, bn_batches=1),
                 "200cls": dict(epochs=8, n_classes=200, bn_batches=1),
                 "16ep-200cls": dict(epochs=16, n_classes=200, bn_batches=2)}
FAIRNAS = Experiment(
    "11", "FairNAS ranks the cells better than SPOS at equal epochs",
    "Kendall tau of inherited (BN recalibrated) against benchmark accuracy, FairNAS vs SPOS (same epochs)",
    "the 95% bootstrap interval (over the scored classes) of the tau difference lies above 0",
    lambda seed, **s: fairnas_vs_spos(seed, **s), judge_fairnas, settings=FAIR_SETTINGS,
    chosen="notebook", pooled=pooled_fairnas)
FAIRNAS_COMPUTE = Experiment(
    "11", "FairNAS ranks the cells better than SPOS at equal compute (5× the epochs)",
    "Kendall tau, FairNAS vs SPOS (same compute)",
    "the 95% bootstrap interval (over the scored classes) of the tau difference lies above 0",
    lambda seed, **s: fairnas_vs_spos(seed, **s),
    lambda r: judge_fairnas(r, "spos_compute"), settings=FAIR_SETTINGS, chosen="notebook",
    pooled=lambda raws: pooled_fairnas(raws, "spos_compute"), cache_as="11")


# ------------------------------------------------------------------ 05: NAO
def run_nao(seed, *, group, **s):
    return nao_comparison(range(group * seed, group * seed + group), **s)


def _nao_verdict(r, a, b):
    return V.verdict(a, r[a], b, r[b], lower_is_better=True, paired=True)


def judge_nao(r, a="NAO", b="random search"):
    v = _nao_verdict(r, a, b)
    return (f"{V.plain(100 * np.mean(r[a]), 2)} vs {V.plain(100 * np.mean(r[b]), 2)}",
            v.startswith(f"{a} beats"), np.mean(r[b]) - np.mean(r[a]))


NAO_SETTINGS = dict(n_init=20, top_k=10, eta=10.0, epochs=15, lr=1e-2, batch_size=32)
NAO_RUNS = {"real": dict(table="real", group=20, budget=100, nao_settings=NAO_SETTINGS),
            "digits": dict(table="digits", group=20, budget=100, nao_settings=NAO_SETTINGS),
            "real40": dict(table="real", group=40, budget=100, nao_settings=NAO_SETTINGS)}
NAO_RS = Experiment(
    "05", "NAO beats random search (compare(), 100 lookups)",
    "mean final regret (points) over a group of seeds, NAO vs random search",
    "verdicts.verdict over the group's paired seeds names NAO (interval of the difference below 0)",
    run_nao, judge_nao, settings=NAO_RUNS,
    chosen="real40", notes={"*": "seed s of this row is the group of seeds 20s .. 20s+19",
                          "real40": "groups of 40 seeds: 40s .. 40s+39"})


def _judge_pair(a, b):
    def judge(r):
        v = _nao_verdict(r, a, b)
        return (f"{V.plain(100 * np.mean(r[a]), 2)} vs {V.plain(100 * np.mean(r[b]), 2)}",
                v.startswith(f"{a} beats"), np.mean(r[b]) - np.mean(r[a]))
    return judge


def _pooled_pair(a, b):
    def pooled(raws):
        return V.verdict(a, np.concatenate([r[a] for r in raws]), b,
                         np.concatenate([r[b] for r in raws]), paired=True)
    return pooled


NAO_RS.pooled = _pooled_pair("NAO", "random search")
NAO_REA = Experiment(
    "05", "regularized evolution against NAO",
    "mean final regret (points), regularized evolution vs NAO",
    "verdicts.verdict over the group's paired seeds names regularized evolution",
    run_nao, _judge_pair("regularized evolution", "NAO"), settings=NAO_RUNS, chosen="real40",
    pooled=_pooled_pair("regularized evolution", "NAO"),
    notes={"*": "seed s of this row is the group of seeds 20s .. 20s+19",
           "real40": "groups of 40 seeds: 40s .. 40s+39"}, cache_as="05")
REA_RS = Experiment(
    "05", "regularized evolution against random search",
    "mean final regret (points), regularized evolution vs random search",
    "verdicts.verdict over the group's paired seeds names regularized evolution",
    run_nao, _judge_pair("regularized evolution", "random search"), settings=NAO_RUNS,
    chosen="real40", pooled=_pooled_pair("regularized evolution", "random search"),
    notes={"*": "seed s of this row is the group of seeds 20s .. 20s+19",
           "real40": "groups of 40 seeds: 40s .. 40s+39"}, cache_as="05")
PNAS_TABLE.pooled = _pooled_pair("surrogate", "random search")


EXPERIMENTS = {"06": COLLAPSE, "07": GDAS_DARTS, "08": SKIP, "08c": DROPOUT, "08b": DEPTH_GAP,
               "09": MEMORY, "09b": STABILITY, "10": DENSENAS, "04": PNAS, "04b": PNAS_TABLE, "11": FAIRNAS,
               "11b": FAIRNAS_COMPUTE, "05": NAO_RS, "05b": NAO_REA, "05c": REA_RS}


# =====================================================================================
# 3. Cache, runs and the table
# =====================================================================================
def key_of(exp_id: str, setting: str, kwargs: dict, seed: int) -> str:
    digest = hashlib.sha1(json.dumps(kwargs, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{exp_id}|{setting}|{digest}|{seed}"


def load_cache(path: str) -> dict:
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def save_cache(cache: dict, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(cache, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def run_one(exp_id, exp, setting, seed, cache, path, dry: bool):
    kwargs = exp.settings[setting]
    key = key_of(exp.cache_as or exp_id, setting, kwargs, seed)
    if key in cache or dry:
        return cache.get(key)
    print(f"[run] {exp_id} {setting} seed {seed} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    raw = exp.run(seed, **kwargs)
    cache[key] = {"raw": raw, "seconds": time.perf_counter() - t0, "threads": torch.get_num_threads(),
                  "torch": torch.__version__, "setting": kwargs,
                  "date": datetime.date.today().isoformat()}
    save_cache(cache, path)
    print(f"[done] {exp_id} {setting} seed {seed}: {cache[key]['seconds']:.0f} s", file=sys.stderr,
          flush=True)
    return cache[key]


def rows_for(exp_id, exp, setting, seeds, cache, path, dry):
    entries = [run_one(exp_id, exp, setting, s, cache, path, dry) for s in seeds]
    have = [(s, e) for s, e in zip(seeds, entries) if e is not None]
    judged = [exp.judge(e["raw"]) for _, e in have]
    values = {s: j[0] for (s, _), j in zip(have, judged)}
    held = {s: bool(j[1]) for (s, _), j in zip(have, judged)}
    secs = [e["seconds"] for _, e in have]
    pooled = exp.pooled([e["raw"] for _, e in have]) if exp.pooled and have else ""
    return dict(values=values, held=held, seconds=float(np.median(secs)) if secs else float("nan"),
                pooled=pooled, n=len(have))


def table(results: list[tuple[str, str, dict]], seeds) -> str:
    """One Markdown table (a row per demonstration and setting), then what each row measures,
    its rule and its settings."""
    head = ("| notebook | demonstration | setting | "
            + " | ".join(f"seed {s}" for s in seeds) + " | held | over all seeds | s / seed |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for exp_id, setting, r in results:
        exp = EXPERIMENTS[exp_id]
        cells = [(f"{r['values'][s]} {'✓' if r['held'][s] else '✗'}" if s in r["values"] else "–")
                 for s in seeds]
        k = sum(r["held"].values())
        mark = " (chosen)" if setting == exp.chosen else ""
        lines.append(f"| {exp.notebook} | {exp.title} | `{setting}`{mark} | " + " | ".join(cells)
                     + f" | **{k}/{r['n']}** | {r['pooled']} | {V.plain(r['seconds'], 0)} |")
    lines += ["", "What each row measures (statistic; ✓ = the per-seed verdict held), its rule and "
              "its settings:", ""]
    done = set()
    for exp_id, setting, _ in results:
        exp = EXPERIMENTS[exp_id]
        if exp_id not in done:
            done.add(exp_id)
            note = f" ({exp.notes['*']})" if "*" in exp.notes else ""
            lines.append(f"- **{exp.notebook}, {exp.title}**: {exp.statistic}{note}. "
                         f"Rule: {exp.rule}.")
        lines.append(f"  - `{setting}`: `{json.dumps(exp.settings[setting], default=str)}`"
                     + (f" ({exp.notes[setting]})" if setting in exp.notes else ""))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", default=None, help="notebook numbers, e.g. 06 07")
    ap.add_argument("--settings", choices=("chosen", "all"), default="chosen")
    ap.add_argument("--setting", default=None, help="one named setting (with --only one notebook)")
    ap.add_argument("--seeds", type=int, nargs="*", default=list(SEEDS))
    ap.add_argument("--cache", default=CACHE)
    ap.add_argument("--cached", action="store_true", help="run nothing; tabulate the cache")
    ap.add_argument("--out", default=None, help="write the Markdown table here (and .json beside it)")
    args = ap.parse_args(argv)
    set_threads()
    ids = args.only or list(EXPERIMENTS)
    unknown = [i for i in ids if i not in EXPERIMENTS]
    if unknown:
        ap.error(f"unknown notebook(s) {unknown}; choose from {list(EXPERIMENTS)}")
    cache = load_cache(args.cache)
    results = []
    for exp_id in ids:
        exp = EXPERIMENTS[exp_id]
        names = ([args.setting] if args.setting else
                 [exp.chosen] + [n for n in exp.settings if n != exp.chosen]
                 if args.settings == "all" else [exp.chosen])
        for name in names:
            if name not in exp.settings:
                ap.error(f"{exp_id} has no setting {name!r}; it has {list(exp.settings)}")
            results.append((exp_id, name, rows_for(exp_id, exp, name, args.seeds, cache,
                                                   args.cache, args.cached)))
    text = table(results, args.seeds)
    print(text)
    if args.out:
        write_report(args.out, text, results, cache, argv)


def write_report(out, text, results, cache, argv):
    cmd = "python tools/robustness.py " + " ".join(argv if argv is not None else sys.argv[1:])
    dates = sorted({v["date"] for v in cache.values() if "date" in v})
    with open(out, "w") as f:
        f.write(f"""# Robustness of the headline results

`{cmd.strip()}` (tabulated {datetime.date.today().isoformat()}; runs of {dates[0] if dates else '-'}
to {dates[-1] if dates else '-'}), torch {torch.__version__}, {torch.get_num_threads()} CPU thread,
{platform.machine()}. `make robustness` reruns the chosen settings (resumable: results are
cached in runs/robustness/cache.json; the raw numbers behind this table are in
{os.path.basename(os.path.splitext(out)[0])}.json).

Each row reruns what the notebook runs, in the quick profile, for seeds 0 to 4 (or five disjoint
groups of seeds where the notebook's own verdict is over many seeds), and shows the statistic the
notebook's verdict reads, ✓ where the per-seed verdict (with its margin) held, how often it held,
and the same question asked of all seeds at once (`naslib_mini.verdicts`: a paired bootstrap
interval; a direction only when it lies beyond the margin). "(chosen)" marks the setting
recommended for the notebook; where no setting held in 4 of 5 seeds it is the notebook's present
(cheapest) one, and the notebook should say that at this scale the result does not hold. The
other rows are the settings tried. s / seed: median wall
seconds of one seed on a shared 2-core machine with other jobs running (an idle machine is about
2 to 3 times faster). Rows on the real NAS-Bench-201 need `naslib_mini.nasbench201`.

{text}
""")
    used = {k: v for k, v in cache.items()
            if any(k.startswith(f"{EXPERIMENTS[e].cache_as or e}|{s}|") for e, s, _ in results)}
    path = os.path.splitext(out)[0] + ".json"
    with open(path, "w") as f:
        json.dump(_rounded(used), f, sort_keys=True, separators=(",", ":"))


def _rounded(x, digits: int = 5):
    """Floats rounded to `digits` decimals (the report's JSON; the cache keeps full precision)."""
    if isinstance(x, float):
        return round(x, digits)
    if isinstance(x, dict):
        return {k: _rounded(v, digits) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v, digits) for v in x]
    return x


if __name__ == "__main__":
    main()
