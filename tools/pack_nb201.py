#!/usr/bin/env python3
"""Pack the real NAS-Bench-201 results into the slim table the package ships.

The only code in this repository that reads ../shared/data/nb201 (two public CSV extracts of
NAS-Bench-201 / NATS-Bench's topology search space; provenance, licences and checks in the
README there). It parses every architecture string with our own NB201 parser
(`spaces.nb201.to_ops`, which reads each edge's source from the string, never from its
position), puts the rows in OUR cell order (base-5 digits, edge (0,1) most significant), checks
the facts below, and only then writes naslib_mini/assets/nb201_real.npz. On any failed check
it writes nothing and exits with status 1.

Checks: the files' sha256 against the README there; both files hold the same 15,625 strings at
the same NATS-Bench index, all distinct; every string round-trips through our parser and
printer; CIFAR-10 test best 94.37, shared by exactly the two cells the README names; the
all-skip_connect cell 54.30, the all-none cell 10.00; CIFAR-100 best 73.51; ImageNet16-120
best 47.31; cifar10-valid best validation 91.61; Kendall tau CIFAR-10 vs cifar10-valid test
about 0.90 and cifar10-valid validation vs test about 0.95; 200-epoch time = 200 x one epoch;
float32 storage loses less than 1e-4 points of accuracy and 1e-6 of any column's
largest value (measured and recorded).

usage: python tools/pack_nb201.py [SRC=../shared/data/nb201] [--out naslib_mini/assets/nb201_real.npz]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys

import numpy as np
from scipy.stats import kendalltau

from naslib_mini.spaces import nb201
from naslib_mini.spaces.nb201 import NB201Network
from naslib_mini.utils import count_params

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_CSV, VALID_CSV = "nats_tss_200ep_test.csv", "nats_tss_cifar10valid.csv"
OUT = os.path.join(ROOT, "naslib_mini", "assets", "nb201_real.npz")
BEST_C10 = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
TEST_COLUMNS = {"cifar10": "CIFAR10TestAccuracy200Epochs", "cifar100": "CIFAR100TestAccuracy200Epochs",
                "ImageNet16-120": "ImageNetTestAccuracy200Epochs"}
VALID_COLUMNS = {"train_acc": "train-accuracy", "val_acc": "valid-accuracy",
                 "test_acc": "test-accuracy", "train_loss": "train-loss", "val_loss": "valid-loss",
                 "test_loss": "test-loss", "train_time": "train-all-time",
                 "epoch_time": "train-per-time"}
CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
SOURCES = {
    TEST_CSV: {"repo": "github.com/v-tao/nats-bench-landscape", "file": "nats_bench.csv",
               "licence": "no licence file in that repository; the values are NATS-Bench's "
                          "(MIT), pulled through its API",
               "generated_by": "api.get_more_info(i, dataset, hp=200, is_random=False)"
                               "['test-accuracy'] (mean over seeds)"},
    VALID_CSV: {"repo": "github.com/gabro8a/NAS-Landscapes", "file": "data/accuracy/cifar10_avg.csv",
                "licence": "MIT (Ochoa & Veerapen, PPSN 2022)",
                "generated_by": "seed-averaged cifar10-valid results of NATS-Bench's topology space"},
}


class CheckFailed(Exception):
    pass


def check(ok: bool, what: str, failures: list):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def readme_facts(src: str) -> tuple[dict, dict]:
    """The sha256 and the commit of each file, as the README beside them states."""
    with open(os.path.join(src, "README.md")) as f:
        text = f.read()
    sums = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", text, re.M)}
    commits = {}
    for line in text.splitlines():
        for name, src_file in ((TEST_CSV, "nats_bench.csv"), (VALID_CSV, "cifar10_avg.csv")):
            if line.startswith(f"| `{name}`"):
                found = re.search(r"commit ([0-9a-f]{40})", line)
                commits[name] = found.group(1) if found else None
                if src_file not in line:
                    raise CheckFailed(f"the README's row of {name} does not name {src_file}")
    return sums, commits


def read_rows(path: str, header: list[str]) -> list[dict]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = set(header) - set(reader.fieldnames or ())
        if missing:
            raise CheckFailed(f"{path}: columns {sorted(missing)} missing")
        return list(reader)


def param_counts(num_classes: int) -> np.ndarray:
    """Parameters of this package's NB201Network (NAS-Bench-201's skeleton, C = 16, N = 5) for
    every cell, in our index order: a base (stem, residual blocks, head) plus one term per
    edge (each edge's op is its own module), checked against built networks."""
    def build(cell):
        return count_params(NB201Network(cell, C=16, N=5, num_classes=num_classes, in_channels=3))
    base = build(("none",) * 6)
    per_op = {op: (build((op,) * 6) - base) / 6 for op in nb201.OPS}
    if not all(float(v).is_integer() for v in per_op.values()):
        raise CheckFailed(f"parameters per op are not whole numbers: {per_op}")
    digits = np.array([[nb201.OPS.index(op) for op in nb201.index_to_ops(i)]
                       for i in range(nb201.NUM_CELLS)])             # (15625, 6)
    table = base + np.array([per_op[op] for op in nb201.OPS])[digits].sum(1)
    for i in np.random.default_rng(0).integers(nb201.NUM_CELLS, size=5):
        if table[i] != build(int(i)):
            raise CheckFailed(f"parameters of cell {i} are not base + one term per edge")
    return table.astype(np.int32)


def pack(src: str, out: str) -> dict:
    failures: list[str] = []
    paths = {name: os.path.join(src, name) for name in (TEST_CSV, VALID_CSV)}
    sums, commits = readme_facts(src)
    digests = {name: sha256(p) for name, p in paths.items()}
    for name in paths:
        check(digests[name] == sums.get(name), f"{name}: sha256 {digests[name][:12]}... as in "
              f"the README", failures)
        check(bool(commits.get(name)), f"{name}: source commit {commits.get(name)}", failures)

    test = read_rows(paths[TEST_CSV], [*TEST_COLUMNS.values(), "ArchitectureString"])
    valid = read_rows(paths[VALID_CSV], ["index", "arch_str", *VALID_COLUMNS.values()])
    n = nb201.NUM_CELLS
    check(len(test) == len(valid) == n, f"{len(test)} and {len(valid)} rows (need {n})", failures)
    if len(test) != n or len(valid) != n:
        raise CheckFailed(failures)
    check([int(r["index"]) for r in valid] == list(range(n)),
          "cifar10-valid rows are NATS-Bench indices 0..15624 in order", failures)
    check(all(a["ArchitectureString"] == b["arch_str"] for a, b in zip(test, valid)),
          "both files hold the same string at each NATS-Bench index", failures)

    # NATS-Bench index k (row k) -> our index, by parsing the string (edge order read from it)
    ours = np.array([nb201.ops_to_index(nb201.to_ops(r["ArchitectureString"])) for r in test])
    check(len(set(ours.tolist())) == n, f"{len(set(ours.tolist())):,} distinct cells", failures)
    check(all(nb201.ops_to_string(nb201.index_to_ops(int(i))) == r["ArchitectureString"]
              for i, r in zip(ours, test)), "every string round-trips: parse, index, print", failures)
    nats_index = np.empty(n, np.int64)
    nats_index[ours] = np.arange(n)  # our cell j sits in row nats_index[j]

    def column(rows, name):  # (15625,) float64 in OUR order
        return np.array([float(rows[k][name]) for k in nats_index])

    raw = {f"{d}.test_acc": column(test, c) for d, c in TEST_COLUMNS.items()}
    raw.update({f"cifar10-valid.{m}": column(valid, c) for m, c in VALID_COLUMNS.items()})
    check(all(np.isfinite(v).all() for v in raw.values()), "every value is finite", failures)
    check(all(0 <= v.min() and v.max() <= 100 for k, v in raw.items() if k.endswith("_acc")),
          "every accuracy lies in [0, 100]", failures)
    t_all, t_one = raw["cifar10-valid.train_time"], raw["cifar10-valid.epoch_time"]
    check(np.allclose(t_all, 200 * t_one, rtol=1e-6, atol=1e-3),
          "train-all-time = 200 x train-per-time (200 epochs)", failures)

    c10 = raw["cifar10.test_acc"]
    top = np.flatnonzero(c10 == c10.max())
    idx = {s: nb201.ops_to_index(nb201.to_ops(s)) for s in BEST_C10}
    check(round(c10.max(), 2) == 94.37 and sorted(top.tolist()) == sorted(idx.values()),
          f"CIFAR-10 best {c10.max():.2f} by cells {top.tolist()} = the README's two {sorted(idx.values())}",
          failures)
    skip, none = nb201.ops_to_index(("skip_connect",) * 6), nb201.ops_to_index(("none",) * 6)
    check(round(c10[skip], 2) == 54.30, f"all-skip_connect cell {c10[skip]:.2f} (54.30)", failures)
    check(round(c10[none], 2) == 10.00, f"all-none cell {c10[none]:.2f} (10.00)", failures)
    for key, want in (("cifar100.test_acc", 73.51), ("ImageNet16-120.test_acc", 47.31),
                      ("cifar10-valid.val_acc", 91.61)):
        check(round(raw[key].max(), 2) == want, f"{key} best {raw[key].max():.2f} ({want})", failures)
    tau_c10 = float(kendalltau(c10, raw["cifar10-valid.test_acc"]).statistic)
    tau_vt = float(kendalltau(raw["cifar10-valid.val_acc"], raw["cifar10-valid.test_acc"]).statistic)
    check(abs(tau_c10 - 0.90) < 0.02, f"Kendall tau CIFAR-10 vs cifar10-valid test {tau_c10:.3f} (~0.90)",
          failures)
    check(abs(tau_vt - 0.95) < 0.02, f"Kendall tau cifar10-valid valid vs test {tau_vt:.3f} (~0.95)",
          failures)

    arrays = {k: v.astype(np.float32) for k, v in raw.items()}
    loss = {k: float(np.abs(arrays[k].astype(np.float64) - raw[k]).max()) for k in raw}
    acc_loss = max(v for k, v in loss.items() if k.endswith("_acc"))
    rel_loss = max(loss[k] / np.abs(raw[k]).max() for k in raw)
    check(acc_loss < 1e-4 and rel_loss < 1e-6, f"float32 loses at most {acc_loss:.1e} points of "
          f"accuracy and {rel_loss:.1e} of any value relative to its column's largest", failures)
    for d, k in CLASSES.items():
        arrays[f"{d}.params"] = param_counts(k)
    arrays["nats_index"] = nats_index.astype(np.uint16)
    if failures:
        raise CheckFailed(failures)

    meta = {
        "what": "NAS-Bench-201 (arXiv 2001.00326) / NATS-Bench topology space (arXiv 2009.00437): "
                "every cell's 200-epoch results, averaged over seeds",
        "order": "our cell index: base-5 digits of the op ids (none, skip_connect, nor_conv_1x1, "
                 "nor_conv_3x3, avg_pool_3x3), edge (0,1) most significant, edges (0,1), (0,2), "
                 "(1,2), (0,3), (1,3), (2,3); nats_index[i] is the NATS-Bench / NAS-Bench-201 "
                 "index (the row of its API) of our cell i",
        "units": {"*_acc": "percent (the reader divides by 100)", "*_loss": "cross-entropy",
                  "train_time": "seconds, 200 epochs of cifar10-valid training (NATS-Bench's GPUs)",
                  "epoch_time": "seconds, one epoch of that training",
                  "params": "parameters of naslib_mini's NB201Network(C=16, N=5), computed here, "
                            "not read from the sources"},
        "storage": {"accuracy, loss, time": "float32", "float32_max_abs_error": loss},
        "sources": [{"name": name, "sha256": digests[name], "commit": commits[name], **SOURCES[name]}
                    for name in paths],
        "checks": {"cells": n, "cifar10_best": round(float(c10.max()), 2),
                   "cifar10_best_cells": top.tolist(), "all_skip": round(float(c10[skip]), 2),
                   "all_none": round(float(c10[none]), 2),
                   "cifar100_best": round(float(raw["cifar100.test_acc"].max()), 2),
                   "imagenet16_best": round(float(raw["ImageNet16-120.test_acc"].max()), 2),
                   "cifar10_valid_best_val": round(float(raw["cifar10-valid.val_acc"].max()), 2),
                   "tau_cifar10_vs_valid_test": round(tau_c10, 4),
                   "tau_valid_val_vs_test": round(tau_vt, 4)},
        "packed_by": "python tools/pack_nb201.py",
        "numpy": np.__version__,
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp.npz"
    np.savez_compressed(tmp, meta=np.array(json.dumps(meta)), **arrays)
    os.replace(tmp, out)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "nb201"))
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args(argv)
    print(f"packing {os.path.abspath(a.src)} -> {a.out}")
    try:
        pack(a.src, a.out)
    except (CheckFailed, OSError) as e:
        print(f"refused, nothing written: {e}", file=sys.stderr)
        return 1
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 2**20:.2f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
