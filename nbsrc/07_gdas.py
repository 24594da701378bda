# %% [markdown]
# # 07 · GDAS: sample one op per edge, differentiably
#
# Dong & Yang, **Searching for A Robust Neural Architecture in Four GPU Hours**, CVPR 2019
# (arXiv 1910.04465).
#
# DARTS (notebook 06) runs **every** candidate op on every edge and mixes the results, so a
# search step costs about as much as training eight networks at once, and the supernet's
# weights are trained on a mixture that no final network ever computes. GDAS asks: can each
# step instead **sample** one op per edge from softmax(alpha), run only that op, and still pass
# a gradient to alpha? The Gumbel-max trick makes the sample; the Gumbel-softmax relaxation
# and a straight-through estimator make it differentiable. The paper reports a CIFAR-10 cell in
# four GPU hours.
#
# **You will learn**
# - the Gumbel-max trick (an exact sample of a softmax) and the Gumbel-softmax relaxation, with a
#   temperature slider;
# - the straight-through estimator: one-hot forward, soft backward, checked against torch's own
#   `gumbel_softmax(hard=True)`;
# - why only the sampled op needs to run, and what that saves per step, measured against DARTS;
# - the temperature schedule (10 down to 0.1), and GDAS against DARTS over several seeds on the
#   tabular benchmark, where the true accuracy of every cell is known.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about a minute) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from ipywidgets import SelectionSlider, interact

from naslib_mini import data
from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.benchmarks.real import NASBench201, judged_on_cifar
from naslib_mini.config import get_profile
from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.oneshot.config import DARTSConfig, GDASConfig
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.gdas import GDAS, gumbel_softmax_sample, tau_schedule
from naslib_mini.oneshot.profiling import step_cost
from naslib_mini.oneshot.search import benchmark_truth, search
from naslib_mini.oneshot.search_cnn import SearchCNN, darts_edges
from naslib_mini.spaces import nb201
from naslib_mini.utils import resolve_device, seed_everything
from naslib_mini.viz.cells import draw_cell
from naslib_mini.viz.oneshot_plots import (edge_labels, plot_alphas, plot_frequencies, plot_simplex,
                                           plot_step_costs, plot_truth)

P = get_profile(PROFILE)
torch.manual_seed(SEED)
splits = data.load(P.dataset, image_size=P.image_size, val_fraction=0.5, seed=0,
                   limit=P.pick(192, None))  # the DARTS split: half the training images for alpha
print(P.name, "profile on", resolve_device(), ";", splits)
cfg = P.config(GDASConfig.QUICK, GDASConfig.PAPER)  # the search's settings, beside the paper's
print(cfg.describe(GDASConfig.PAPER))

# %% [markdown]
# ## The Gumbel-max trick
#
# To draw op $o$ with probability $\pi_o = \mathrm{softmax}(\alpha)_o$, add independent
# Gumbel noise $g_o = -\log(-\log u_o)$, $u_o \sim U(0, 1)$, to the log-probabilities and take
# the argmax:
# $$o^* = \arg\max_o \left(\log \pi_o + g_o\right) \quad\Longrightarrow\quad P(o^* = o) = \pi_o .$$
# From scratch, 20,000 draws, against the softmax and against torch's own
# `F.gumbel_softmax(..., hard=True)`:

# %%
N = 20_000
alpha = torch.tensor([1.0, 0.0, -0.5, 0.5])
ops4 = ["sep_conv_3x3", "skip_connect", "max_pool_3x3", "dil_conv_3x3"]
pi = alpha.softmax(0)
g = torch.Generator().manual_seed(SEED)
u = torch.rand(N, 4, generator=g)
gumbel = -torch.log(-torch.log(u))                                   # (N, 4)
ours = (pi.log() + gumbel).argmax(1)                                 # (N,) sampled ops
torch.manual_seed(SEED)
theirs = F.gumbel_softmax(pi.log().expand(N, 4), tau=1.0, hard=True).argmax(1)
freq = {"softmax(alpha)": pi.numpy(),
        "Gumbel-max, from scratch": np.bincount(ours, minlength=4) / N,
        "torch gumbel_softmax(hard=True)": np.bincount(theirs, minlength=4) / N}
se = np.sqrt(pi.numpy() * (1 - pi.numpy()) / N)
assert all(np.all(np.abs(f - pi.numpy()) < 5 * se) for f in freq.values())
for k, f in freq.items():
    print(f"{k:34s}", np.round(f, 3))
plot_frequencies(freq, ops4, title=f"{N:,} samples: frequencies match softmax(alpha)")

# %% [markdown]
# ## The Gumbel-softmax relaxation, and the temperature
#
# The argmax has no useful gradient. Replace it by a softmax at temperature $\tau$:
# $$p = \mathrm{softmax}\big((\log \pi + g) / \tau\big).$$
# At high $\tau$ every sample is close to uniform; as $\tau \to 0$ samples approach one-hot
# vectors, drawn with the probabilities $\pi$. Each dot below is one sample of three ops on the
# triangle whose corners are the one-hot choices; the star is $\pi$.

# %%
alpha3 = torch.tensor([1.0, 0.0, -0.5])


def show_samples(tau=1.0):
    gen = torch.Generator().manual_seed(SEED)
    _, _, p = gumbel_softmax_sample(alpha3.expand(500, 3), tau, gen)
    return plot_simplex(p.numpy(), ops4[:3], probs=alpha3.softmax(0).numpy(),
                        title=f"500 Gumbel-softmax samples, tau = {tau}")


interact(show_samples, tau=SelectionSlider(options=[0.1, 0.3, 1.0, 3.0, 10.0], value=1.0,
                                           description="tau"));

# %%
fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), constrained_layout=True)
for ax, tau in zip(axes, (10.0, 1.0, 0.3, 0.1)):
    gen = torch.Generator().manual_seed(SEED)
    _, _, p = gumbel_softmax_sample(alpha3.expand(500, 3), tau, gen)
    plot_simplex(p.numpy(), ops4[:3], probs=alpha3.softmax(0).numpy(), ax=ax,
                 title=f"tau = {tau}: largest entry {p.max(1).values.mean():.2f} on average")
plt.show()

# %% [markdown]
# ## Straight-through: one-hot forward, soft backward
#
# GDAS uses the **hard** sample $h = \mathrm{onehot}(\arg\max p)$ in the forward pass, so that
# only one op runs, and the gradient of the soft sample $p$ in the backward pass:
# $$w = h - \mathrm{stopgrad}(p) + p \qquad (\text{value } h,\ \text{gradient of } p).$$
# From scratch, then checked against the package's `gumbel_softmax_sample`, which draws the
# same noise from the same generator:

# %%
a = torch.randn(14, 8, requires_grad=True)             # alphas of one cell type
tau = 0.5
gen = torch.Generator().manual_seed(SEED)
gum = -torch.empty(14, 8).exponential_(generator=gen).log()     # Gumbel noise: -log(Exp(1))
p = ((a.log_softmax(-1) + gum) / tau).softmax(-1)               # (14, 8) soft samples
h = F.one_hot(p.argmax(-1), 8).float()                          # (14, 8) one-hot
w = h - p.detach() + p
hard, index, probs = gumbel_softmax_sample(a, tau, torch.Generator().manual_seed(SEED))
assert torch.equal(w, hard) and torch.equal(index, p.argmax(-1))
c = torch.randn(14, 8)
grad_w = torch.autograd.grad((w * c).sum(), a, retain_graph=True)[0]
grad_p = torch.autograd.grad((p * c).sum(), a)[0]
assert torch.allclose(grad_w, grad_p)
print("forward value is one-hot:", bool(((w == 0) | (w == 1)).all()),
      "| gradient equals the soft sample's:", bool(torch.allclose(grad_w, grad_p)))

# %% [markdown]
# ## Only the sampled op runs
#
# With a one-hot $w$, the mixed op $\sum_o w_o\, o(x)$ equals $w_{o^*} o^*(x)$ plus zeros, so
# GDAS runs only $o^*$ and adds the other weights as scalars (value 0, so they only carry
# gradient; `MixedOp` with `weights` and `index`). Every normal cell shares one sample per
# forward pass, every reduction cell another. Counting the ops that actually run:

# %%
# NBVAL_CHECK_OUTPUT
C_SEARCH, LAYERS_SEARCH, B = cfg.C, cfg.layers, P.pick(32, 64)
darts_cfg = P.config(DARTSConfig.QUICK, DARTSConfig.PAPER.replace(order=1)).replace(batch_size=B)
seed_everything(SEED)
net = SearchCNN(C=C_SEARCH, layers=LAYERS_SEARCH, num_classes=splits.num_classes,
                in_channels=splits.in_channels).to(resolve_device())
ran = []
hooks = [op.register_forward_hook(lambda m, i, o: ran.append(m))
         for cell in net.cells for edge in cell.edges for op in edge.mixed.ops]
X = splits.train.X[:B]
net(X, GDAS(net, splits.val, cfg).mixing())             # one Gumbel sample per cell type
n_gdas = len(ran)
ran.clear()
net(X, DARTS(net, splits.val, darts_cfg).mixing())       # softmax(alpha): every op

print(f"ops run in one forward pass: GDAS {n_gdas}, DARTS {len(ran)} "
      f"({LAYERS_SEARCH} cells x 14 edges x {len(DARTS_PRIMITIVES)} ops)")
for hook in hooks:
    hook.remove()

# %% [markdown]
# What that buys per search step, on the same network and batch (DARTS first order, both
# including the architecture step). Memory is the bytes autograd keeps for the backward pass of
# one forward (the same on any device); on a GPU the CUDA peak is measured too.

# %%
costs = {}
for name in ("DARTS", "GDAS"):
    seed_everything(SEED)
    n = SearchCNN(C=C_SEARCH, layers=LAYERS_SEARCH, num_classes=splits.num_classes,
                  in_channels=splits.in_channels).to(resolve_device())
    method = (DARTS(n, splits.val, darts_cfg) if name == "DARTS"
              else GDAS(n, splits.val, cfg.replace(batch_size=B)))
    costs[name] = step_cost(method, splits.train.X[:B], splits.train.y[:B], repeats=P.pick(1, 5))
for name, c in costs.items():
    peak = "" if c["cuda_peak_bytes"] is None else f", CUDA peak {c['cuda_peak_bytes'] / 2**20:.0f} MiB"
    print(f"{name}: {c['time_s'] * 1e3:.0f} ms per step, "
          f"{c['saved_bytes'] / 2**20:.1f} MiB saved for backward{peak}")
print(f"GDAS / DARTS: time {costs['GDAS']['time_s'] / costs['DARTS']['time_s']:.2f}, "
      f"memory {costs['GDAS']['saved_bytes'] / costs['DARTS']['saved_bytes']:.2f}")
plot_step_costs(costs, title=f"one search step, batch {B}, {LAYERS_SEARCH} cells, C = {C_SEARCH}, "
                             f"on {costs['DARTS']['device']}")

# %% [markdown]
# ## The temperature schedule
#
# The official code lowers $\tau$ linearly from 10 at the first epoch to 0.1 at the last:
# early samples are soft and exploratory, late ones nearly one-hot, so the supernet ends up
# trained on the kind of single-path networks the search will output.

# %%
# NBVAL_CHECK_OUTPUT
EPOCHS = cfg.num_epochs
taus = [tau_schedule(e, EPOCHS, cfg.tau_max, cfg.tau_min) for e in range(EPOCHS)]
print("tau per epoch:", [round(t, 2) for t in taus][:12], "..." if EPOCHS > 12 else "")
fig, ax = plt.subplots(figsize=(5, 2.8), constrained_layout=True)
ax.plot(range(1, EPOCHS + 1), taus, marker="o", ms=3)
ax.set(xlabel="epoch", ylabel="tau", title="tau = 10 - (10 - 0.1) * epoch / (epochs - 1)")
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ## GDAS on the DARTS space
#
# The same one-call driver as notebook 06, with `method="gdas"`. Each batch: a weight step on a
# fresh sample, then an alpha step on a validation batch and another sample (the official
# order). The quick profile uses the small search network of notebook 06 and alpha's learning
# rate 1e-2 instead of 3e-4, because it takes about sixty steps instead of tens of thousands;
# the full profile follows the official CIFAR-10 configuration (8 cells of 16 channels; the
# official code's 250 epochs, batch 256, SGD 0.025 with weight decay 5e-4, from its
# `GDAS-NASNet-CIFAR.config`; that file also asks for Nesterov momentum, which `fit` does
# not offer: plain momentum 0.9 here).

# %%
t0 = time.perf_counter()
result = search("darts", "gdas", splits, cfg, seed=SEED, evaluate=P.pick(False, True),
                desc="GDAS search")
gdas_seconds = time.perf_counter() - t0
print(f"{EPOCHS} epochs in {gdas_seconds:.0f} s; derived genotype:\n{result.arch.to_string()}")
plot_alphas(result.searcher.snapshots[-1]["weights"], DARTS_PRIMITIVES, edge_labels(darts_edges()),
            title="GDAS: softmax(alpha) at the end of the search")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(result.arch.normal, title="GDAS normal cell (this run)")

# %% [markdown]
# ## On the tabular benchmark: the true accuracy of the cell found
#
# On the NAS-Bench-201 space (`NB201SuperNet` on digits: the benchmark's own one-cell network
# in the quick profile, NAS-Bench-201's search skeleton in the full one) each derived cell
# can be looked up. Its rank is among all 15,625 cells (1 = best).

# %%
bench = Benchmark()
digits = data.load("digits", val_fraction=0.5, seed=0)  # the benchmark's data, in both profiles
nb_cfg = P.config(GDASConfig.NB201_QUICK, GDASConfig.NB201)  # NAS-Bench-201's GDAS settings
print(nb_cfg.describe(GDASConfig.NB201))
NB_EPOCHS = nb_cfg.num_epochs
t0 = time.perf_counter()
nb_gdas = search("nb201", "gdas", digits, nb_cfg, seed=SEED, evaluate=False, progress=False)
found = benchmark_truth(bench, nb_gdas.arch)
print(f"GDAS on NAS-Bench-201, {NB_EPOCHS} epochs, {time.perf_counter() - t0:.0f} s: {found['cell']}")
print(f"benchmark test accuracy {found['test_acc']:.3f}, rank {found['rank']:,} of {found['n']:,} "
      f"(the best cell: {found['best']:.3f})")
real = NASBench201()  # the same cell on the real NAS-Bench-201 (notebook 01)
print(judged_on_cifar(nb_gdas.arch, real))
print("NAS-Bench-201 (arXiv 2001.00326) reports GDAS searched on CIFAR-10 at 93.61 ± 0.09% "
      "CIFAR-10 test (as later papers quote it; unverified)")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(nb201.to_cell(nb_gdas.arch), title=f"GDAS on NAS-Bench-201 (rank {found['rank']:,})")

# %% [markdown]
# ## DARTS and GDAS over several seeds
#
# One search says little: seeds change the supernet's initialisation, the batches and (for
# GDAS) the samples. Both methods, the same budget in epochs, `P.seeds` seeds each, judged by
# the benchmark.

# %%
same = ("C", "layers", "stages", "num_epochs", "batch_size", "lr", "weight_decay", "arch_lr")
configs = {"DARTS": DARTSConfig.NB201.replace(**{f: getattr(nb_cfg, f) for f in same}),
           "GDAS": nb_cfg}  # the same supernet, epochs and optimizers; DARTS first order
runs = {"DARTS": [], "GDAS": []}
seconds = {"DARTS": [], "GDAS": []}
for seed in range(P.seeds):
    for name, method in (("DARTS", "darts"), ("GDAS", "gdas")):
        if method == "gdas" and seed == SEED:
            r = nb_gdas  # already run above
        else:
            t0 = time.perf_counter()
            r = search("nb201", method, digits, configs[name], seed=seed, evaluate=False,
                       progress=False)
            seconds[name].append(time.perf_counter() - t0)
        runs[name].append(benchmark_truth(bench, r.arch))
print(f"{'':6s} {'seed':>4s} {'test acc':>8s} {'rank':>7s}  cell")
for name, rs in runs.items():
    for seed, t in enumerate(rs):
        print(f"{name:6s} {seed:4d} {t['test_acc']:8.3f} {t['rank']:7,}  {t['cell']}")
for name, rs in runs.items():
    c10 = [real.query(t["cell"], "test_acc", dataset="cifar10") for t in rs]  # judged on CIFAR
    print(f"{name}: mean test accuracy {np.mean([t['test_acc'] for t in rs]):.3f}, "
          f"median rank {np.median([t['rank'] for t in rs]):,.0f}, search time per run "
          f"{np.mean(seconds[name]):.1f} s; its cells on the real CIFAR-10: "
          f"{', '.join(f'{100 * a:.2f}%' for a in c10)}")
acc = {k: np.array([t["test_acc"] for t in v]) for k, v in runs.items()}
acc_c10 = {k: np.array([real.query(t["cell"], "test_acc", dataset="cifar10") for t in v])
           for k, v in runs.items()}
for table, a in (("our digits benchmark", acc), ("the real CIFAR-10", acc_c10)):
    if a["DARTS"].min() > a["GDAS"].max() or a["GDAS"].min() > a["DARTS"].max():
        winner = max(a, key=lambda k: a[k].mean())
        print(f"judged on {table}: {winner}'s worst seed beat the other method's best: {winner} "
              f"found the better cells here")
    else:
        print(f"judged on {table}: the two methods' seeds overlap: no winner at this budget")
plot_truth(bench.table("test_acc"), {k: [t["test_acc"] for t in v] for k, v in runs.items()},
           title=f"{P.seeds} seeds each, {NB_EPOCHS} epochs, on the benchmark's ground truth")

# %% [markdown]
# ## The paper beside this run
#
# The paper's numbers are from arXiv 1910.04465; the GDAS error and size are quoted from a
# secondary source, and the fixed-reduction-cell figures are unverified (see PAPERS.md).
# **FRC** is the paper's second variant: a hand-designed, fixed reduction cell, with only the
# normal cell searched; this notebook searches both cells, like DARTS.

# %%
rows = [
    ("search cost", "four GPU hours (the title)",
     f"{gdas_seconds:.0f} s on {costs['GDAS']['device']} ({EPOCHS} epochs, {P.name} profile)"),
    ("CIFAR-10 error, GDAS", "2.93%, 3.4M parameters (secondary source)", "not retrained here (see notebook 06)"),
    ("CIFAR-10 error, GDAS + FRC", "2.82%, 2.5M parameters (unverified)", "FRC not implemented here"),
    ("step time vs DARTS", "faster: one op per edge",
     f"{costs['GDAS']['time_s'] / costs['DARTS']['time_s']:.2f}x DARTS' time, "
     f"{costs['GDAS']['saved_bytes'] / costs['DARTS']['saved_bytes']:.2f}x its activation memory"),
    ("on our digits NAS-Bench-201", "(not in the paper)",
     f"GDAS mean test accuracy {np.mean([t['test_acc'] for t in runs['GDAS']]):.3f} vs DARTS "
     f"{np.mean([t['test_acc'] for t in runs['DARTS']]):.3f} over {P.seeds} seeds"),
    ("on the real NAS-Bench-201", "93.61 ± 0.09% CIFAR-10 (NAS-Bench-201; unverified)",
     f"cells searched on digits: GDAS {100 * acc_c10['GDAS'].mean():.2f}%, DARTS "
     f"{100 * acc_c10['DARTS'].mean():.2f}% CIFAR-10 test, {P.seeds} seeds"),
]
print(f"{'':28s} | {'paper':44s} | this run")
for name, paper, run in rows:
    print(f"{name:28s} | {paper:44s} | {run}")

# %% [markdown]
# Why they differ: the paper's four hours are a 250-epoch search (in the official code's
# configuration) on 25,000 CIFAR-10 images on one V100-class GPU; this run searches a few
# hundred digits for seconds. The saving per step is structural, one op per edge instead of
# eight, so it shows on any device, but on a CPU with tiny tensors each op's fixed cost
# dominates, and the arithmetic saved matters less than on a GPU. On NAS-Bench-201 a cheaper
# step is not a better search: at this budget the verdict printed above decides, and with
# 15 epochs GDAS trains each op's weights only on the steps where that op is sampled (about
# one step in five with 5 ops, while the alphas are still spread), whereas DARTS trains every
# op on every step; the paper's 250 epochs leave room for that. A method's spread over seeds
# is part of its result, and so is the table that judges it: the same cells, searched on
# digits, are judged above on our digits benchmark and on the real CIFAR-10 (notebook 01's
# proxy gap); compare the two verdicts. **Full profile**: CIFAR-10 with the official
# configuration (8 cells, C = 16, 250 epochs, batch 256, tau 10 to 0.1) and, on the
# benchmark's space, NAS-Bench-201's own GDAS settings (`GDASConfig.NB201`: 3 stages of 5
# cells, C = 16, 240 epochs) with 5 seeds; set `NASLIB_MINI_PROFILE=full` on a GPU.
#
# ## Summary
# - The Gumbel-max trick draws an exact sample of softmax(alpha); the Gumbel-softmax at
#   temperature tau relaxes it, from near-uniform (high tau) to near one-hot (low tau).
# - The straight-through estimator uses the one-hot sample forward and the soft sample's
#   gradient backward, so only the sampled op runs on each edge.
# - A GDAS step runs one op per edge instead of all of them: less time and far less activation
#   memory than DARTS on the same network, measured above.
# - tau falls linearly from 10 to 0.1; on the benchmark, GDAS and DARTS can be compared over
#   seeds against the true accuracy of every cell.
#
# ## Exercises
# 1. **Temperature.** Run the NAS-Bench-201 search with a constant tau of 10 and of 0.1
#    (`tau_max = tau_min`). Which finds better cells over 3 seeds? *Hint: `search("nb201",
#    "gdas", digits, nb_cfg.replace(tau_max=..., tau_min=...), seed=s)`.*
# 2. **The estimator's bias.** The straight-through gradient asks "would scaling the sampled op
#    up help?", not "would another op be better?". Build a toy where that misleads it. *Hint:
#    `tests/test_gdas.py`, `test_gdas_learns_the_right_op_on_a_toy_task`: a target of x
#    instead of 2x.*
# 3. **Memory at scale.** Repeat the cost measurement with `C_SEARCH = 16` and `B = 64`. How do
#    time and memory ratios change? *Hint: per-op overhead matters less as tensors grow.*
# 4. **A fixed reduction cell.** Give `SearchCNN` a reduction cell with only `max_pool_3x3`
#    candidates (`primitives_reduce=("max_pool_3x3",)`) and search only the normal cell. Does
#    the normal cell change? *Hint: the reduction alphas then have one op per edge.*
