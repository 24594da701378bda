# %% [markdown]
# # 08 · P-DARTS: search deeper, step by step
#
# Chen, Xie, Wu & Tian, **Progressive Differentiable Architecture Search: Bridging the Depth Gap
# between Search and Evaluation**, ICCV 2019 (arXiv 1904.12760).
#
# DARTS (notebook 06) searches with a network of 8 cells and then trains the found cell in a
# network of 20. A cell that is good in a shallow network need not be good in a deep one: the
# paper calls this the **depth gap**, and observes that DARTS' cells, searched shallow, lean
# towards ops that help a shallow supernet. Searching directly at depth 20 does not fit in GPU
# memory with 8 candidate ops on every edge. P-DARTS asks: can the search network grow **while
# the candidate set shrinks**, so that memory stays within budget and the final stage searches
# at nearly the evaluation depth? The paper reports 2.50% CIFAR-10 error for 0.3 GPU-days.
#
# **You will learn**
# - the stages: 5, 11, 17 cells with 8, 5, 3 ops per edge, and the alphas each stage trains
#   (224, 140, 84), counted from the search network itself;
# - dropping the weakest ops between stages, built from scratch and checked against the package;
# - the search-space regularisation: a decaying dropout on `skip_connect`, and the cap of
#   M = 2 skip connections in the final cell, each shown with and without;
# - the memory and time of a search step at each stage, measured;
# - the depth gap itself: cells searched shallow and deep, trained shallow and deep.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about a minute) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import numpy as np
import torch
from ipywidgets import IntSlider, interact

from naslib_mini import data
from naslib_mini.config import get_profile
from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.networks import CellNetwork
from naslib_mini.oneshot.config import PDARTSConfig, TrainConfig
from naslib_mini.oneshot.derive import op_share
from naslib_mini.oneshot.pdarts import (PAPER_STAGES, Stage, arch_param_count, cap_skips,
                                        count_cells, drop_ops, expand_weights, skip_dropout_rate)
from naslib_mini.oneshot.search import retrain, search
from naslib_mini.oneshot.search_cnn import SearchCNN, darts_edges
from naslib_mini.utils import count_params, resolve_device
from naslib_mini.viz.cells import draw_cell
from naslib_mini.viz.darts_variants import plot_op_survival, plot_skip_dropout
from naslib_mini.viz.oneshot_plots import edge_labels, plot_alphas, plot_step_costs
from naslib_mini.viz.plots import plot_counts

P = get_profile(PROFILE)
torch.manual_seed(SEED)
# The DARTS split: half of the training images train the weights, the other half the alphas.
splits = data.load(P.dataset, image_size=P.image_size, val_fraction=0.5, seed=0,
                   limit=P.pick(96, None))
print(P.name, "profile on", resolve_device(), ";", splits)
cfg = P.config(PDARTSConfig.QUICK, PDARTSConfig.PAPER)  # the search's settings, beside the paper's
print(cfg.describe(PDARTSConfig.PAPER))

# %% [markdown]
# ## Stages: deeper networks, fewer ops
#
# The space is DARTS' (notebook 06): 14 edges per cell, 8 candidate ops, a normal and a
# reduction cell. P-DARTS searches it in three stages. Each stage is a DARTS search (first
# order) in a network of more cells; between stages each edge keeps only its strongest ops by
# softmax(alpha), 8 → 5 → 3, and after the last stage the DARTS rule keeps one op per edge and
# two edges per node. The alphas of a stage are one row per edge and cell type, as many
# entries as ops on the edge; below they are counted from the search network's `arch_spec()`
# at the paper's depths. Which ops an edge keeps does not change the count, so the first $n$
# of the list stand in for them.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'stage':>5} {'cells':>5} {'ops/edge':>8} {'alphas':>6} {'skip dropout':>12} {'cells in the space (up to)':>27}")
for s, stage in enumerate(PAPER_STAGES, 1):
    net = SearchCNN(C=2, layers=stage.layers, in_channels=3,
                    primitives=[DARTS_PRIMITIVES[:stage.n_ops]] * 14)
    n_alpha = arch_param_count(net.arch_spec())
    biggest = count_cells([DARTS_PRIMITIVES[8 - stage.n_ops:]] * 14)  # 'none' dropped first
    print(f"{s:>5} {len(net.cells):>5} {stage.n_ops:>8} {n_alpha:>6} {stage.dropout:>12} {biggest ** 2:>27.3e}")
print("final: 1 op per edge, 2 edges per node; evaluated in 20 cells")

# %% [markdown]
# The last column is the number of (normal, reduction) pairs the DARTS rule can still derive
# (`count_cells`, checked by enumeration in `tests/test_pdarts.py`): each stage searches a much
# smaller space than the last. How fast the space shrinks with the ops left on each edge:

# %%
def show_space(n_ops=5):
    ns = range(1, 9)
    counts = [count_cells([DARTS_PRIMITIVES[8 - n:]] * 14) for n in ns]
    return plot_counts(ns, counts, highlight=n_ops, xlabel="ops per edge",
                       title=f"{n_ops} ops on every edge: {counts[n_ops - 1]:.2e} cells")


interact(show_space, n_ops=IntSlider(5, 1, 8, description="ops/edge"));

# %% [markdown]
# ## Dropping ops, from scratch
#
# At the end of a stage, each edge sorts its ops by softmax(alpha) and drops the weakest. In
# the official code every op competes, `none` included, between stages; only the very last
# step removes `none` first, which is what the DARTS rule does anyway (it never picks `none`).
# Here it is on random weights, then checked against the package's `drop_ops`.

# %%
def drop_from_scratch(weights, ops, n_keep):
    kept = []
    for w in weights:                                        # one edge: (n_ops,)
        order = np.lexsort((np.arange(len(w)), w))          # weakest first; ties: lower index first
        keep = sorted(order[len(w) - n_keep:])              # the n_keep strongest, in list order
        kept.append(tuple(ops[k] for k in keep))
    return kept


rng = np.random.default_rng(SEED)
W = rng.dirichlet(np.ones(8), size=14)                      # (14 edges, 8 ops), rows sum to 1
ours = drop_from_scratch(W, DARTS_PRIMITIVES, 5)
assert ours == drop_ops(W, DARTS_PRIMITIVES, 5)
print("edge 0 weights:", {op: round(float(w), 3) for op, w in zip(DARTS_PRIMITIVES, W[0])})
print("edge 0 keeps   :", ours[0])

# %% [markdown]
# ## Regularising the search: dropout on `skip_connect`
#
# A deeper supernet trains faster through parameter-free paths, and `skip_connect` gains
# weight in the alphas whether or not it helps the final network (the collapse of notebook
# 06). P-DARTS puts dropout on the output of every `skip_connect` during the search, with a
# higher rate in deeper stages (0.1, 0.4, 0.7 on CIFAR-10, the official README's command).
# Within a stage the official code lowers it: linearly while the alphas are frozen (the first
# 10 of 25 epochs), then, once they train, from the full rate down by $e^{-0.2\,t}$, so that
# the skip connections are judged fairly by the end.

# %%
paper_rates = {f"stage {s} (p = {st.dropout})": [skip_dropout_rate(st.dropout, e, 25, 10) for e in range(25)]
               for s, st in enumerate(PAPER_STAGES, 1)}
plot_skip_dropout(paper_rates, warmup_epochs=10, title="the paper's schedule (25 epochs, alphas from epoch 10)")

# %% [markdown]
# ## The search
#
# `search("darts", "pdarts", splits, cfg)` runs the stages; each is one `fit` with the method
# `PDARTS` as its callback: DARTS' step (notebook 06) and the dropout schedule. As in the
# official code, each stage builds a **new** network: weights and alphas start afresh, only the
# surviving ops carry over. The full profile uses the paper's settings on CIFAR-10: 5, 11, 17
# cells of 16 channels, 25 epochs per stage (alphas frozen for 10), batch 96, SGD 0.025 with
# cosine decay, alpha Adam 6e-4. The quick profile is much smaller, **and says so**: 3, 4 and 5
# cells of 4 channels on 96 digits, 3 epochs per stage (alphas frozen for the first), batch
# 32 and alpha learning rate 1e-2 (9 steps per stage instead of about 6,500). After each
# stage it measures one search step on a fresh network of that stage (`profiling.step_cost`): time,
# and the bytes autograd keeps for the backward pass (on a GPU also the CUDA peak).

# %%
STAGES, EPOCHS = cfg.stages, cfg.num_epochs
res = search("darts", "pdarts", splits, cfg, seed=SEED, evaluate=False, progress=P.pick(False, True))
result = res.searcher  # the method: .stages (a record each), .uncapped
print(f"{len(STAGES)} stages in {res.seconds:.0f} s")
print(f"{'stage':>5} {'cells':>5} {'ops':>3} {'alphas':>6} {'normal cells in space':>21} "
      f"{'ms/step':>8} {'MiB saved':>9} {'skip share':>10}")
for s, rec in enumerate(result.stages, 1):
    print(f"{s:>5} {rec.stage.layers:>5} {rec.stage.n_ops:>3} {rec.n_arch_params:>6} "
          f"{rec.space_size['normal']:>21.3e} {1e3 * rec.cost['time_s']:>8.0f} "
          f"{rec.cost['saved_bytes'] / 2 ** 20:>9.1f} {op_share(rec.genotype):>10.2f}")

# %% [markdown]
# The columns: the alphas the stage trains, the normal cells its op sets still allow, the
# time and memory of one search step, and the share of `skip_connect` in the cell the DARTS
# rule derives at the end of the stage. Deeper networks with fewer ops per edge: the memory per
# step stays of the same order while the depth grows, which is the point of the schedule.

# %%
plot_step_costs({f"stage {s}\n{r.stage.layers} cells, {r.stage.n_ops} ops": r.cost
                 for s, r in enumerate(result.stages, 1)},
                title="one search step per stage (saved for backward: the supernet's activations)")

# %%
labels = edge_labels(darts_edges())
plot_op_survival([r.primitives["normal"] for r in result.stages], DARTS_PRIMITIVES, labels,
                 title="normal cell: stages each op took part in")

# %% [markdown]
# The last stage's alphas, on the three ops each edge still has (blank: dropped earlier):

# %%
last = result.stages[-1]
full = {t: expand_weights(last.weights[t], last.primitives[t]) for t in last.weights}  # (14, 8), NaN: dropped
plot_alphas(full, DARTS_PRIMITIVES, labels, title="softmax(alpha) at the end of the last stage")

# %% [markdown]
# ## The cap on skip connections
#
# Even with dropout the final normal cell may hold many `skip_connect`s. P-DARTS keeps at most
# **M = 2**: while the derived cell has more, the weakest `skip_connect` in it (by its weight)
# is set to zero and the cell is derived again, so that edge takes its next-best op or gives
# its place to another edge (the official rule, checked against a port of the official code in
# `tests/test_pdarts.py`). The cell without and with the cap:

# %%
# NBVAL_IGNORE_OUTPUT: genotypes of a run; the cap rule itself is tested
skips = lambda cell: sum(op == "skip_connect" for *_, op in cell.edges)  # noqa: E731
print(f"without the cap: {skips(result.uncapped.normal)} skip_connect  "
      f"{result.uncapped.normal.to_string()}")
print(f"with M = {cfg.M}      : {skips(res.arch.normal)} skip_connect  "
      f"{res.arch.normal.to_string()}")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
def show_capped(M=2):
    cell = cap_skips(last.weights["normal"], last.primitives["normal"], M)
    return draw_cell(cell, title=f"normal cell, at most {M} skip_connect ({skips(cell)} here)")


interact(show_capped, M=IntSlider(cfg.M, 0, 8, description="M"));

# %% [markdown]
# And the dropout: the last stage again, on the same op sets and seed, **without** dropout on
# `skip_connect`. In the paper the deeper stages without it fill with skip connections; a run of
# 9 steps may or may not show that, and the numbers below say which.

# %%
plain = search("darts", "pdarts", splits, cfg.replace(
    stages=(Stage(last.stage.layers, last.stage.n_ops, 0.0),), primitives=last.primitives,
    cost_repeats=0), seed=SEED, evaluate=False, progress=False).searcher
print(f"last stage with dropout    : skip_connect share of the normal cell {op_share(last.genotype):.2f}")
print(f"last stage without dropout : skip_connect share of the normal cell {op_share(plain.uncapped):.2f}")
print("without dropout:", plain.uncapped.normal.to_string())

# %% [markdown]
# ## The depth gap, measured
#
# The gap is about where a cell is **evaluated**. Take the cell derived after the first stage
# (a plain DARTS search in the shallowest network) and the final P-DARTS cell, and train each
# from scratch twice: in a network as shallow as the first search network and in a deeper one.
# If the shallow search were a good proxy, the cells would rank the same at both depths. The
# quick profile trains 4-channel networks of 3 and 5 cells for 2 epochs on 512 digits, so
# differences of a few points are seed noise: read the table as the experiment's design, run
# for real in the full profile (evaluation at 20 cells, 36 channels, 600 epochs, cutout).

# %%
eval_splits = data.load(P.dataset, image_size=P.image_size, seed=0, limit=P.pick(512, None))
DEPTHS = (STAGES[0].layers, P.pick(5, 20))
RETRAIN = P.config(TrainConfig.QUICK.replace(C=4, num_epochs=2, lr=0.1, batch_size=32),
                   TrainConfig.PAPER)  # the paper's evaluation: C = 36, 600 epochs, cutout
cells = {"stage 1 (shallow search)": result.stages[0].genotype, "P-DARTS (final)": res.arch}
gap = {}
for name, genotype in cells.items():
    for depth in DEPTHS:
        gap[name, depth] = retrain(genotype, eval_splits, RETRAIN.replace(layers=depth), seed=SEED)
print(f"{'test accuracy':26s}" + "".join(f"{d:>4} cells" for d in DEPTHS))
for name in cells:
    print(f"{name:26s}" + "".join(f"{gap[name, d]['test_acc']:>10.3f}" for d in DEPTHS))
order = {d: max(cells, key=lambda n: gap[n, d]["test_acc"]) for d in DEPTHS}
print("better at", DEPTHS[0], "cells:", order[DEPTHS[0]], "| better at", DEPTHS[1], "cells:", order[DEPTHS[1]])

# %% [markdown]
# ## The paper beside this run
#
# The paper's numbers are from arXiv 1904.12760 (CIFAR-10 test error of the searched cell at 20
# cells, 36 channels, 600 epochs with cutout and an auxiliary head; search on one P100). This
# run's numbers come from the cells above.

# %%
final = gap["P-DARTS (final)", DEPTHS[1]]
big = count_params(CellNetwork(res.arch, C=36, layers=20, num_classes=10, in_channels=3))
rows = [
    ("test error", "2.50%", f"{1 - final['test_acc']:.1%} on {eval_splits.name} "
                            f"({DEPTHS[1]} cells, C = {RETRAIN.C}, {RETRAIN.num_epochs} epochs)"),
    ("search cost", "0.3 GPU-days (7 h on a P100)", f"{res.seconds:.0f} s on {resolve_device()}"),
    ("parameters at 20 cells, C = 36", "3.4M", f"{big:,} (this run's cell, no auxiliary head)"),
    ("search stages", "5/11/17 cells, 8/5/3 ops, 25 epochs",
     "/".join(str(s.layers) for s in STAGES) + " cells, " + "/".join(str(s.n_ops) for s in STAGES)
     + f" ops, {EPOCHS} epochs"),
    ("alphas per stage", "224 / 140 / 84", " / ".join(str(r.n_arch_params) for r in result.stages)),
]
print(f"{'':32s} | {'paper':38s} | this run")
for name, paper, run in rows:
    print(f"{name:32s} | {paper:38s} | {run}")

# %% [markdown]
# Why they differ: the paper searched CIFAR-10 for hours with networks of up to 17 cells and
# evaluated for 600 epochs; the quick profile searches 96 8×8 digits for seconds with
# networks of at most 5 cells, 9 steps per stage, and trains the result for two epochs on
# 512 digits. The counts (alphas per stage, cells left in the space) are exact at any size; the
# accuracies are a working pipeline, not a replication. One difference in the method itself:
# the official code also clips the gradient norm of the alphas at 5; here only the weights'
# gradient is clipped.
#
# **Full profile**: `NASLIB_MINI_PROFILE=full` (or `PROFILE = "full"`) runs the paper's stages
# on CIFAR-10 (downloaded once by torchvision): 5, 11, 17 cells of 16 channels, 25 epochs each
# with the alphas frozen for 10, batch 96, skip dropout 0.1/0.4/0.7; then trains the first
# stage's cell and the final cell at 5 and 20 cells, 36 channels, 600 epochs with crop, flip and
# cutout. The search needs about a GPU-day on a 1080 Ti class GPU; the four trainings are the
# expensive part.
#
# ## Summary
# - The depth gap: a search network shallower than the evaluation network can prefer cells
#   that do not carry over; P-DARTS searches in stages of 5, 11 and 17 cells.
# - Memory stays in budget because each stage keeps fewer ops per edge (8, 5, 3): the alphas
#   fall from 224 to 140 to 84 and the space searched shrinks by orders of magnitude.
# - Ops are dropped by softmax(alpha) between stages; each stage starts a new network.
# - Dropout on `skip_connect` (decaying within each stage) and the cap of M = 2 skip
#   connections in the final cell keep parameter-free ops from taking over.
#
# ## Exercises
# 1. **Carry the alphas over.** The official code re-initialises the alphas at every stage.
#    Pass each stage's alphas (restricted to the surviving ops) to the next one instead. Does
#    the final cell change? *Hint: a `PDARTS` subclass whose `__init__` ends with
#    `self.load_alphas(...)`, rows of `rec.weights` picked by `rec.primitives`; log-weights are
#    valid alphas.*
# 2. **How many skip connections?** Plot the number of `skip_connect`s in the final normal cell
#    against M = 0..8 with the slider's function, and the cell's parameter count at 20 cells.
#    *Hint: `cap_skips(...)` and `count_params(CellNetwork(...))`.*
# 3. **A gentler schedule.** Keep 8 → 6 → 4 ops instead of 8 → 5 → 3. How do the alphas, the
#    memory per step and the cells left in the space change? *Hint: `Stage(layers, n_ops,
#    dropout)`; `rec.n_arch_params`, `rec.cost`, `rec.space_size`.*
# 4. **The gap on the benchmark.** The tabular benchmark's network has one cell, so it cannot
#    show the depth gap. Why does a one-cell network make the supernet's proxy better or worse?
#    *Hint: count how many cells separate the search from the evaluation in each case.*
