# %% [markdown]
# # 10 · DenseNAS: searching widths and depths by routing through dense blocks
#
# Fang, Sun, Zhang, Zhang, Liu & Wang, **Densely Connected Search Space for More Flexible Neural
# Architecture Search**, CVPR 2020 (arXiv 1906.09607).
#
# DARTS and its successors search the ops inside a cell, but a person still decides how many
# blocks the network has and how wide each one is. Those two numbers set most of a network's
# cost. DenseNAS makes them searchable too. It lays out a row of **routing blocks** of growing
# width and shrinking resolution, connects each block to the next few, and searches for a
# **path** through them: the blocks on the path set the widths, and the skipped ones change the
# depth. Inside each block it searches the ops (MobileNetV2 inverted residuals, or a skip that
# removes a layer). A latency lookup table makes the cost of the supernet a differentiable
# function of the architecture parameters, so accuracy and latency are optimised together.
#
# **You will learn**
# - the densely connected space: routing blocks, head layers, stacked layers, and how many
#   paths and architectures it holds, counted exactly;
# - relaxation at two levels: alpha for the ops in a layer, beta for the paths out of a block;
# - the Viterbi algorithm that reads the most probable path off the betas;
# - a latency lookup table measured on this machine, the *chained* estimate of the supernet's
#   expected latency, and the loss CE + λ·log_τ(latency);
# - a λ sweep: derived networks on an accuracy-latency front, the table's estimate beside the
#   measured latency.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, 1 to 1.5 minutes) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import copy
import math

import matplotlib.pyplot as plt
import torch
from ipywidgets import IntSlider, interact

from naslib_mini import data
from naslib_mini.config import get_profile
from naslib_mini.metrics import count_macs
from naslib_mini.oneshot.config import DenseNASConfig
from naslib_mini.oneshot.densenas import ArchWeights, DenseSuperNet, path_probability, viterbi
from naslib_mini.oneshot.densenas_latency import (LatencyModel, densenas_keys, latency_loss,
                                                  measure_network, measure_table)
from naslib_mini.oneshot.densenas_search import DenseNAS
from naslib_mini.oneshot.search import search
from naslib_mini.spaces.densenas import (DENSENAS_MBV2, DENSENAS_MBV2_CIFAR, HEAD_OPS, STACK_OPS,
                                         DenseSpace, count_archs, count_networks, count_paths,
                                         enumerate_archs, enumerate_paths)
from naslib_mini.spaces.densenas_net import DenseNASNetwork
from naslib_mini.train import evaluate, fit
from naslib_mini.utils import count_params, resolve_device, seed_everything
from naslib_mini.viz.densenas_plots import plot_front, plot_lattice

P = get_profile(PROFILE)
DEVICE = resolve_device()
splits = data.load(P.dataset, image_size=P.image_size, limit=P.limit, seed=0)
print(P.name, "profile on", DEVICE, ";", splits)
cfg = P.config(DenseNASConfig.QUICK, DenseNASConfig.PAPER)  # the search's settings, beside the paper's
print(cfg.describe(DenseNASConfig.PAPER))

# %% [markdown]
# ## The space: routing blocks, densely connected
#
# Blocks are numbered from 0 (the stem's output) to the **final block** (a 1×1 convolution to
# many channels before pooling). Every block in between is a **routing block** with its own
# width $C_j$ and resolution $H_j$. Block $i$ feeds block $j$ when
#
# $$1 \le j - i \le M, \qquad H_i / H_j \in \{1, 2\}$$
#
# (the paper connects each block to the next $M = 4$; the official code also lets a block reach
# only its own stage or the next). A routing block has one **head layer** per incoming edge,
# which brings block $i$'s output to block $j$'s width and resolution (stride 2 where the size
# halves), then `layers[j]` **stacked layers**. A head layer picks one of 6 MBConvs (kernel 3,
# 5 or 7, expansion 3 or 6); a stacked layer may also pick `skip_connect`, which drops it, so a
# block can end up shallower.
#
# An architecture is a path from block 0 to the final block, a head op for each routing block
# on it, and an op for each of its stacked layers. Counting by dynamic programming over the
# blocks, with $A(0) = 1$:
#
# $$A(j) = \sum_{i \to j} A(i) \cdot 6 \cdot 7^{L_j}, \qquad |\text{paths}| \text{ the same with } 6 \cdot 7^{L_j} \to 1 .$$
#
# Dropping skips merges architectures: a block with $L$ stacked layers keeps a sequence of
# $0..L$ MBConvs, $\sum_{k=0}^{L} 6^k$ different ones. Here is the official MobileNetV2-based
# ImageNet space (16 routing blocks, widths 24 to 384, 13 of them with 3 stacked layers), and the
# small lattice this notebook searches.

# %%
# NBVAL_CHECK_OUTPUT
SMALL = DenseSpace(widths=(8, 12, 16, 24), sizes=(8, 8, 4, 4), layers=(0, 1, 1, 1), M=3,
                   last_C=48, image_size=8)
SPACE = P.pick(SMALL, DENSENAS_MBV2_CIFAR)
for name, s in (("official ImageNet space", DENSENAS_MBV2), ("this run's space", SPACE)):
    print(f"{name}: {s.n_blocks - 1} routing blocks, widths {s.widths[1:]}, {len(s.edges)} edges")
    print(f"  paths {count_paths(s):,}; architectures {count_archs(s):,} (~{count_archs(s):.2e}); "
          f"distinct networks once skips are dropped ~{count_networks(s):.2e}")
two = list(enumerate_archs(SMALL, HEAD_OPS[:2], ("mbconv_k3_e3", "skip_connect")))  # 2 ops each
nets = {(a.path, a.head_ops, tuple(tuple(o for o in st if o != "skip_connect") for st in a.stack_ops))
        for a in two}
print(f"check by enumeration, small lattice with 2 head and 2 stack ops: "
      f"{sum(1 for _ in enumerate_paths(SMALL))} paths = {count_paths(SMALL)}; "
      f"{len(two)} architectures = {count_archs(SMALL, 2, 2)}; "
      f"{len(nets)} networks = {count_networks(SMALL, 2, 1)}")

# %% [markdown]
# The lattice: x is the block, y the resolution, each node labelled with its width and the
# number of stacked layers $L$. The slider changes $M$ in the official space: with $M = 1$ the
# only path is the full chain, the one network a person would have designed by hand.

# %%
plot_lattice(SPACE, title=f"this run's lattice: {count_paths(SPACE)} paths")


# %%
def show_official(M=4):
    s = DenseSpace(DENSENAS_MBV2.widths, DENSENAS_MBV2.sizes, DENSENAS_MBV2.layers, M=M,
                   last_C=DENSENAS_MBV2.last_C, image_size=224, stages=DENSENAS_MBV2.stages)
    return plot_lattice(s, title=f"official space, M={M}: {count_paths(s):,} paths, "
                                 f"{count_archs(s):.2e} architectures")


interact(show_official, M=IntSlider(4, 1, 6, description="M"));

# %% [markdown]
# ## Relaxation at two levels
#
# Ops inside a layer are mixed by $\alpha$, as in DARTS: $\bar o_l(x) = \sum_o
# \mathrm{softmax}(\alpha_l)_o\, o(x)$. Paths get their own parameters: block $i$ has one
# $\beta$ per outgoing edge, and the **path probabilities** are
# $p_{ij} = \mathrm{softmax}(\beta_i)_j$ over the blocks $j$ that $i$ feeds. A routing block sums its head
# layers weighted by the probability of the edge each one comes from:
#
# $$x_j = \mathrm{stack}_j\Big(\sum_{i \to j} p_{ij}\, \mathrm{head}_{ij}(x_i)\Big).$$
#
# The supernet (`oneshot.densenas.DenseSuperNet`) holds a `MixedOp` for every head layer and
# every stacked layer; alpha and beta live in the search callback, which hands the supernet its
# mixing weights. The official code runs only some ops per step: one, drawn from
# softmax(α), for a weight step, and two for an architecture step.

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(SEED)
supernet = DenseSuperNet(SPACE, splits.num_classes, splits.in_channels)
n_heads = sum(len(h) for h in supernet.heads)
n_stack = sum(len(s) for s in supernet.stacks)
print(f"{n_heads} head layers x {len(HEAD_OPS)} ops, {n_stack} stacked layers x {len(STACK_OPS)} ops; "
      f"{count_params(supernet):,} weights")
print("betas per block:", [len(SPACE.outgoing(i)) for i in range(SPACE.n_blocks)])

# %% [markdown]
# ## Reading off a path: the Viterbi algorithm
#
# After the search, DenseNAS keeps the path with the largest product of path probabilities. One
# could list every path and take the best, but paths grow exponentially with the number of
# blocks. The Viterbi algorithm keeps, for every block $j$, only the best way to reach it:
#
# $$\mathrm{best}(0) = 1, \qquad \mathrm{best}(j) = \max_{i \to j} \mathrm{best}(i)\, p_{ij},$$
#
# and remembers which $i$ won, so the path is read backwards from the final block. That takes
# one step per edge. First from scratch, checked against enumeration and the package's
# `viterbi` on random betas. Note the last line: every edge multiplies in a probability below
# one, so while the betas are still nearly uniform the product favours paths with **few** edges;
# only betas that the search has made confident pick a long path.

# %%
# NBVAL_CHECK_OUTPUT
def viterbi_from_scratch(space, p):
    """p[i][k]: probability of the k-th edge out of block i. Returns (path, probability)."""
    best = {0: (1.0, (0,))}
    for j in range(1, space.last + 1):
        best[j] = max((best[i][0] * p[i][space.outgoing(i).index(j)], best[i][1] + (j,))
                      for i in space.incoming(j))
    prob, path = best[space.last]
    return path, prob


gen = torch.Generator().manual_seed(SEED)
for space in (SMALL, DENSENAS_MBV2):
    all_paths = list(enumerate_paths(space))
    for trial in range(3):
        p = [torch.softmax(2 * torch.randn(len(space.outgoing(i)), generator=gen), 0).tolist()
             for i in range(space.n_blocks)]
        brute = max(all_paths, key=lambda path: path_probability(space, p, path))
        mine, prob = viterbi_from_scratch(space, p)
        assert mine == brute == viterbi(space, p)[0]
        assert math.isclose(prob, viterbi(space, p)[1])
    print(f"{len(space.edges)} edges: Viterbi agrees with enumerating all {len(all_paths):,} paths")
uniform = [[1 / len(SMALL.outgoing(i))] * len(SMALL.outgoing(i)) for i in range(SMALL.n_blocks)]
print("with every beta equal, the most probable path is", viterbi(SMALL, uniform))

# %% [markdown]
# ## Latency: a lookup table, and the supernet's expected latency
#
# DenseNAS times every op at every shape it occurs at, once, and stores the times in a table.
# A network's latency is then estimated as the sum of its layers' entries. We measure the table
# on this machine: each layer in eval mode on a batch of 32, one CPU thread, the median of
# repeated runs, all layers timed round-robin. On this CPU the clock is the thread's CPU time,
# so the milliseconds that other processes take the core away do not count (with a GPU the
# table is measured there too, with wall time).

# %%
LAT_BATCH = 32
LAT_DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
keys = densenas_keys(SPACE, splits.num_classes, splits.in_channels)
table = measure_table(keys, batch_size=LAT_BATCH, reps=9, device="cpu", threads=1)
tables = {"cpu": table}
if LAT_DEVICE == "cuda":
    tables["cuda"] = measure_table(keys, batch_size=LAT_BATCH, reps=50, device="cuda", threads=None)
latency = LatencyModel(SPACE, tables[LAT_DEVICE], splits.num_classes, splits.in_channels)
supernet.latency = latency  # the supernet's expected latency: what the search's loss needs
print(f"{len(keys)} layers timed on {', '.join(tables)}")

# %%
# NBVAL_IGNORE_OUTPUT: measured times differ from run to run
i, j = SPACE.edges[0]
print(f"head layers {i} -> {j} ({SPACE.widths[i]} -> {SPACE.widths[j]} channels at "
      f"{SPACE.size(i)}x{SPACE.size(i)}), ms per batch of {LAT_BATCH}:")
for op in HEAD_OPS:
    k = (op, SPACE.widths[i], SPACE.widths[j], SPACE.size(i), SPACE.stride(i, j))
    print(f"  {op:13s}" + "".join(f"  {dev} {t.ms(k):6.3f}" for dev, t in tables.items()))

# %% [markdown]
# **Chained cost estimation.** A layer's expected latency is $\sum_o
# \mathrm{softmax}(\alpha)_o\,\mathrm{LUT}(o)$. A path through the lattice is drawn block by
# block with probabilities $p_{ij}$, so the supernet's expected latency is a sum over paths,
# which the paper computes backwards from the final block, with $E(\text{final}) = 0$:
#
# $$E(i) = \sum_{j \in \mathrm{out}(i)} p_{ij}\,\big(\mathrm{head}(i,j) + \mathrm{stack}(j) + E(j)\big),
# \qquad \text{latency} = \text{stem} + \text{classifier} + E(0).$$
#
# Every term is differentiable in $\alpha$ and $\beta$. From scratch, by enumerating the paths,
# against the package's `LatencyModel`:

# %%
search0 = DenseNAS(supernet, splits.val, cfg, seed=SEED)
sizes = [len(SPACE.outgoing(i)) for i in range(SPACE.n_blocks)]
with torch.no_grad():
    for b in search0.betas["paths"].split(sizes):  # random betas: the paths differ in probability
        b.normal_(0, 1, generator=gen)
w = ArchWeights.from_mixing(SPACE, search0.mixing())  # the mixing, block by block
ms = latency.table.ms


def layer_ms(weights, key_of, ops):
    return sum(float(weights[o]) * (0.0 if op == "skip_connect" else ms(key_of(op)))
               for o, op in enumerate(ops))


expected = 0.0
for path in enumerate_paths(SPACE):
    lat = latency.const
    for i, j in zip(path, path[1:]):
        if j == SPACE.last:
            lat += latency.final[i]
            continue
        W, m = SPACE.widths, SPACE.incoming(j).index(i)
        lat += layer_ms(w.head[j][m], lambda op: (op, W[i], W[j], SPACE.size(i), SPACE.stride(i, j)), HEAD_OPS)
        lat += sum(layer_ms(w.stack[j][l], lambda op: (op, W[j], W[j], SPACE.size(j), 1), STACK_OPS)
                   for l in range(SPACE.layers[j]))
    expected += path_probability(SPACE, w.paths, path) * lat
assert math.isclose(expected, float(latency.expected(w)), rel_tol=1e-5)
print(f"expected latency: {expected:.3f} ms by enumeration, "
      f"{float(latency.expected(w)):.3f} ms by the chained estimate")

# %% [markdown]
# **The loss.** The architecture step minimises
#
# $$\mathcal{L} = \mathrm{CE} + \lambda \log_\tau \mathrm{latency},$$
#
# with τ = 15 and λ = 0.1 in the paper (the official code's ImageNet config uses λ = 0.15). The
# logarithm makes the penalty relative: shaving 1 ms off a 5 ms network counts as much as 3 ms
# off a 15 ms one.

# %%
print("CE 1.0 + 0.1 * log_15(lat):",
      {lat: round(float(latency_loss(torch.tensor(1.0), torch.tensor(float(lat)))), 4)
       for lat in (5, 10, 15, 30)})

# %% [markdown]
# ## The search, for several λ
#
# `DenseNAS` is a one-shot method, a callback of `train.fit`. Its `train_step` alternates an
# architecture step on a validation batch (Adam on α and β, loss above) with the weight step on
# the training batch (SGD on the supernet). As in the official code, the weights are first
# warmed up without architecture steps; the warm-up does not depend on λ, so it runs once (a
# `search` whose config is all warm-up), and every λ then searches from a copy of the warmed
# supernet (`search(..., supernet=copy)`).
#
# The quick profile departs from the official settings where two minutes force it, and says
# so: the official weight step trains **one** op per layer, drawn from softmax(α); within this
# budget the supernet then hardly learns at all (Exercise 4 lets you see it), so the quick
# profile mixes all ops in the weight steps, as DARTS does. The architecture steps draw two
# ops per layer, as in the official code, with a larger learning rate (0.1 instead of 3e-4) for
# the handful of steps there is time for. For the same reason λ is swept over larger values
# than the paper's 0.1: the latency gradient is small but always points the same way, while
# the cross-entropy gradient on a half-trained supernet is noisy; over many steps the noise
# averages out and a small λ suffices, over a few dozen it does not. The full profile uses the
# official settings and λ around 0.1.

# %%
LAMBDAS = P.pick((0.0, 3.0, 30.0), (0.0, 0.05, 0.1, 0.2))
if P.name == "full":  # official: one pass over the validation split per epoch
    cfg = cfg.replace(arch_every=max(1, len(splits.train) // len(splits.val)))
WARMUP_EPOCHS, SEARCH_EPOCHS = cfg.warmup_epochs, cfg.num_epochs - cfg.warmup_epochs
run = dict(seed=SEED, evaluate=False)

warm = search("densenas", "densenas", splits, cfg.replace(num_epochs=WARMUP_EPOCHS),
              supernet=supernet, desc="warm-up", **run)       # the warm-up alone
searches = {}
for lam in LAMBDAS:  # each λ searches from a copy of the warmed-up supernet
    searches[lam] = search("densenas", "densenas", splits,
                           cfg.replace(num_epochs=SEARCH_EPOCHS, warmup_epochs=0, lam=lam),
                           supernet=copy.deepcopy(supernet), desc=f"search λ={lam:g}",
                           **run).searcher

# %% [markdown]
# What each search ended with: the expected latency of the supernet, and the path probabilities
# with the Viterbi path highlighted. A larger λ pulls the probability towards cheap ops and
# short paths through narrow blocks.

# %%
# NBVAL_IGNORE_OUTPUT: the search's result depends on the run
for lam, s in searches.items():
    print(f"λ={lam:<4g} p(0 -> {SPACE.outgoing(0)}) = {[round(p, 2) for p in s.path_probs()[0].tolist()]}, "
          f"Viterbi path {s.derive().path}, E[latency] {s.expected_latency():.2f} ms")
fig, axes = plt.subplots(1, len(LAMBDAS), figsize=(4.2 * len(LAMBDAS), 3.2), constrained_layout=True)
for ax, (lam, s) in zip(axes, searches.items()):
    arch = s.derive()
    plot_lattice(SPACE, s.path_probs(), arch.path, ax=ax, title=f"λ={lam:g}")
plt.show()

# %% [markdown]
# ## Derived networks: accuracy against latency
#
# Each search's architecture (Viterbi path, argmax op per layer, skips dropped) is built as a
# plain network, trained from scratch with `fit`, and tested. Its latency is measured as a whole
# (same batch, thread and clock as the table) beside the table's estimate, the sum of its
# layers' entries.

# %%
CHILD_EPOCHS = P.pick(3, P.num_epochs)
results = []
for lam, s in searches.items():
    arch = s.derive()
    seed_everything(SEED)
    child = DenseNASNetwork(SPACE, arch, splits.num_classes, splits.in_channels)
    fit(child, splits, num_epochs=CHILD_EPOCHS, lr=0.05, batch_size=P.batch_size, seed=SEED,
        channels_last=True, progress=False)
    acc = evaluate(child, splits.test)[1]
    shape = (splits.in_channels, splits.image_size, splits.image_size)
    measured = 1e3 * measure_network(child.to(LAT_DEVICE), shape, batch_size=LAT_BATCH,
                                     reps=P.pick(15, 50), device=LAT_DEVICE,
                                     threads=1 if LAT_DEVICE == "cpu" else None)
    results.append({"lam": lam, "arch": arch.to_string(), "layers": arch.depth(), "acc": acc,
                    "latency_table_ms": tables[LAT_DEVICE].estimate(child.pieces) * 1e3,
                    "latency_measured_ms": measured, "macs": count_macs(child, shape),
                    "params": count_params(child)})
for r in results:
    print(f"λ={r['lam']:<5g} {r['layers']} layers, {r['macs'] / 1e6:6.2f}M MACs, test acc {r['acc']:.3f}, "
          f"latency table {r['latency_table_ms']:.2f} ms / measured {r['latency_measured_ms']:.2f} ms")
    print("        ", r["arch"])

# %%
plot_front(results, title=f"{splits.name}: {CHILD_EPOCHS} epochs per network, {LAT_DEVICE}, batch {LAT_BATCH}")

# %% [markdown]
# How close is the table? It times each layer alone, on a random input that stays in the cache
# from one repeat to the next, and leaves out what happens between layers (memory traffic, the
# Python calls of `nn.Sequential`), so the sum of its entries and the whole network's time
# differ by some percent, either way. The unit test `tests/test_latency.py` holds the ratio
# within a factor 1.4; here:

# %%
# NBVAL_IGNORE_OUTPUT: measured times differ from run to run
for r in results:
    print(f"λ={r['lam']:<5g} measured / table = {r['latency_measured_ms'] / r['latency_table_ms']:.2f}")

# %% [markdown]
# ## The full profile
#
# `PROFILE = "full"` runs the same cells on CIFAR-10 on a GPU with the official MobileNetV2-based
# lattice at 32×32 (`DENSENAS_MBV2_CIFAR`: widths 24 to 384, 3 stacked layers in 13 blocks,
# M = 4, the stem does not stride), the official search settings (one op per layer in weight
# steps, two in architecture steps; Adam 3e-4, betas (0.5, 0.999), weight decay 1e-3; one pass
# over the validation split per epoch), a 50-epoch warm-up, then 100 search epochs for each of
# λ = 0, 0.05, 0.1, 0.2, and 100 epochs for each derived network; the latency table is measured
# on the GPU (batch 32, as the official code measures) and drives the search. That is several
# GPU-hours per λ; it has not been run for this notebook.
#
# ## Paper claims vs this run
#
# The paper's networks (ImageNet, the MobileNetV2-based space, latency on one TITAN-XP GPU) beside
# this run's derived networks. Paper numbers from arXiv 1906.09607 (FLOPs and top-1 of all four,
# the latency of A; PAPERS.md); the latencies of B, C and Large from the official repository's
# README (JaminFong/DenseNAS). The paper's "FLOPs" are multiply-adds, as `count_macs` counts.

# %%
# NBVAL_IGNORE_OUTPUT: this run's accuracies and latencies
PAPER = [("DenseNAS-A", 251, 13.6, 73.1), ("DenseNAS-B", 314, 15.4, 74.6),
         ("DenseNAS-C", 361, 17.9, 75.3), ("DenseNAS-Large", 479, 28.9, 76.1)]
print(f"{'network':22s} {'MACs':>9s} {'latency':>9s} {'top-1':>7s}  where")
for name, macs, lat, top1 in PAPER:
    print(f"{name:22s} {macs:8d}M {lat:7.1f}ms {top1:6.1f}%  ImageNet, TITAN-XP (paper)")
for r in results:
    print(f"{'this run, λ=' + format(r['lam'], 'g'):22s} {r['macs'] / 1e6:8.2f}M "
          f"{r['latency_measured_ms']:7.2f}ms {100 * r['acc']:6.1f}%  {splits.name}, "
          f"{LAT_DEVICE} batch {LAT_BATCH} (measured here)")

# %% [markdown]
# Why they differ: the paper searched ImageNet for 150 epochs (50 of them warm-up) with
# thousands of steps per epoch on a lattice of 16 routing blocks; this run searched 8×8 digits
# for a few dozen steps on a lattice of 3, and trained each derived network for a few epochs.
# The networks differ by three orders of magnitude in size and are timed on a CPU, not a GPU,
# so only the shape of the comparison carries over: how much latency each λ buys and what it
# costs in accuracy. After so few steps the betas are still close to uniform, and then the
# Viterbi product prefers paths with few edges (the Viterbi section above), whatever λ is; the
# ops inside the blocks are where a short search here shows λ at work. What carries over in full
# is the machinery: the space and its counts, the Viterbi path, a table that predicts a
# network's latency from its layers, and a loss that trades accuracy for latency through λ.
#
# ## Summary
# - DenseNAS searches widths and depths: a path through densely connected routing blocks of
#   growing width, with an MBConv or a skip in every layer.
# - Two relaxations: α over the ops of a layer, β over the paths out of a block; the path is
#   read off with the Viterbi algorithm, in one step per edge instead of one per path.
# - A latency table plus the chained estimate makes the supernet's expected latency
#   differentiable, so λ·log_τ(latency) can sit in the loss.
# - The table's estimate of a network, the sum of its layers, tracks the measured latency.
#
# ## Exercises
# 1. **Greedy is not Viterbi.** Write a lattice and path probabilities where following the most
#    likely edge out of each block gives a worse path than Viterbi. *Hint: see
#    `test_viterbi_is_not_greedy` in `tests/test_densenas.py`.*
# 2. **Count by hand.** For `SMALL`, list the 7 paths and count the architectures on each.
#    Check with `count_archs(SMALL)`. *Hint: a routing block with one stacked layer has
#    6 · 7 = 42 choices.*
# 3. **FLOPs instead of latency.** The official code can regularise FLOPs instead: build a
#    `LatencyTable` whose entries are the MACs of each layer (`count_macs` of
#    `make_layer(*key)`), and rerun the λ sweep. Does the front change? *Hint: on this CPU, a
#    depthwise 7×7 costs more time per MAC than a 1×1 convolution.*
# 4. **One op per layer.** Set `cfg = cfg.replace(warmup_sample=1, weight_sample=1)` (the
#    official setting) and compare the supernet's training loss after the warm-up
#    (`warm.history["train_loss"]`) with the quick profile's. How many epochs does
#    single-path training need here before it catches up?
