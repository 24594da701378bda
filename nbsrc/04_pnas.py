# %% [markdown]
# # 04 · PNAS: grow cells one block at a time, let a surrogate choose
#
# Liu, Zoph, Neumann, Shlens, Hua, Li, Fei-Fei, Yuille, Huang & Murphy, **Progressive Neural
# Architecture Search**, ECCV 2018 (arXiv 1712.00559).
#
# NASNet (notebook 03) trained 20,000 child networks to find one cell. PNAS keeps NASNet's kind
# of cell but asks: why search over whole cells of five blocks at once? Search **simple cells
# first**: train every one-block cell, then grow the good ones by one block at a time. Growing
# multiplies the candidates by hundreds at every step, far too many to train, so a cheap
# **surrogate** model, fitted on the cells trained so far, predicts how good each child will
# be, and only the best K predictions get trained. The paper reports the same quality as NASNet
# with up to 5 times fewer models and 8 times less compute.
#
# **You will learn**
# - the PNAS cell: B blocks of (input 1, input 2, op 1, op 2) whose two branches are added;
# - how big each step of the progressive search is, counted exactly and checked by enumeration;
# - the two surrogates (an MLP and an LSTM over the cell's tokens) and how PNAS judges them: rank
#   correlation on cells one block larger than any they were fitted on;
# - the beam search itself, run for real on child networks trained on digits, against random
#   search with the same number of trained models;
# - how well the two surrogates rank the real NAS-Bench-201 cells when fitted on 20 to 200 of them.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about 2 minutes) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from ipywidgets import IntSlider, interact
from scipy.stats import kendalltau

from naslib_mini import data, spaces
from naslib_mini.benchmarks.real import NASBench201
from naslib_mini.config import get_profile
from naslib_mini.metrics import count_macs, spearman, verdict
from naslib_mini.networks import CellNetwork
from naslib_mini.spaces import nb201, pnas
from naslib_mini.spaces.nasnet import NasnetCell, NasnetNetwork
from naslib_mini.strategies import run
from naslib_mini.strategies.progressive import ProgressiveSearch, schedule
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.strategies.surrogate_search import sequences
from naslib_mini.surrogates import Ensemble, MLPSurrogate, pad_tokens
from naslib_mini.train import fit
from naslib_mini.utils import count_params, seed_everything
from naslib_mini.viz.cells import draw_cell
from naslib_mini.viz.plots import plot_best_so_far, plot_rank_correlation
from naslib_mini.viz.search_plots import plot_lines, plot_predicted_vs_true
from naslib_mini.viz.tables import claims_table

P = get_profile(PROFILE)
splits = data.load(P.dataset, image_size=P.image_size, limit=P.limit, seed=0)
print(P.name, "profile;", splits)

# %% [markdown]
# ## The PNAS cell
#
# A cell reads two hidden states, the outputs of the two previous cells ($h_{i-1}$ = state 0,
# $h_i$ = state 1), and builds B = 5 blocks. Block $b$ (counted from 1) picks two inputs from
# $\mathcal{I}_b$ = {the two cell inputs, the outputs of blocks $1..b-1$}, so $|\mathcal{I}_b| = b + 1$,
# applies one op from $\mathcal{O}$ to each, and **adds** the two results:
# $$H_b = O_1(I_1) + O_2(I_2).$$
# PNAS drops NASNet's second combiner (concatenation) and keeps 8 of its 13 ops. The cell's output
# concatenates the blocks that no other block reads, and the same cell serves as normal and
# reduction cell (stride 2 on the cell inputs), so one cell is the whole architecture.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{len(pnas.PNAS_OPS)} ops:", ", ".join(pnas.PNAS_OPS))
example = NasnetCell.from_string("add(sep_conv_3x3~1,max_pool_3x3~0);add(sep_conv_5x5~2,skip_connect~0)")
print("a two-block cell:", example.to_string())
print("its tokens (in1, in2, op1, op2 per block):", pnas.encode_tokens(example))

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(example.to_cell(), title="a PNAS cell of two blocks")

# %% [markdown]
# ## The space, counted exactly
#
# Block $b$ has $|\mathcal{B}_b| = |\mathcal{I}_b|^2 \cdot |\mathcal{O}|^2 = (b+1)^2 \cdot 64$
# choices, and a cell of B blocks has $|\mathcal{B}_{1:B}| = \prod_{b=1}^{B} |\mathcal{B}_b|$.
# A block's two branches can be swapped without changing the sum, so a one-block cell is an
# unordered pair of (input, op) choices: with $m = 2 \cdot 8 = 16$ choices per branch that is
# $m(m+1)/2 = 136$ cells. First by hand, by enumeration, then by the package:

# %%
# NBVAL_CHECK_OUTPUT
branches = [(i, op) for i in (0, 1) for op in pnas.PNAS_OPS]          # 16 (input, op) choices
ordered = list(itertools.product(branches, repeat=2))                  # 256 one-block cells
unordered = list(itertools.combinations_with_replacement(branches, 2))  # swaps identified
assert len(ordered) == pnas.block_choices(1) == 256
assert len(unordered) == pnas.unique_first_blocks() == len(pnas.first_cells()) == 136
print(f"|B_1| = {pnas.block_choices(1)}; unique one-block cells: {pnas.unique_first_blocks()}")
print(f"all two-block cells: |B_1| x |B_2| = 256 x 3^2 x 8^2 = {pnas.space_size(2):,}")
print(f"cells of 5 blocks: |B_1:5| = {pnas.space_size(5):,} (~{pnas.space_size(5):.1e})")
print(f"models PNAS trains at K = 256, B = 5: 136 + 4 x 256 = {pnas.models_trained(5, 256, 8):,}")

# %% [markdown]
# The 147,456 two-block cells are what one expansion of **every** one-block cell gives. The beam
# expands fewer: the 136 distinct one-block cells, each by the $3^2 \cdot 8^2 = 576$ second
# blocks (300 once the new block's branches are taken as unordered). From then on it expands the
# K = 256 cells it trained. The table counts every round; the slider changes B, K and the number
# of ops.

# %%
def show_schedule(B=5, K=256, n_ops=8):
    """Per round b: cells expanded, their children (ordered; then with the new block's branches
    unordered, what the surrogate scores), models trained, and the space of b-block cells."""
    print(f"{'b':>2} {'parents':>8} {'children':>12} {'scored':>12} {'trained':>8} "
          f"{'total':>6} {'|B_1:b|':>22}")
    for r in schedule(B, K, n_ops):
        print(f"{r['b']:>2} {r['parents']:>8,} {r['children']:>12,} {r['candidates']:>12,} "
              f"{r['trained']:>8,} {r['total_trained']:>6,} {r['space']:>22,}")
    print(f"models trained: {pnas.models_trained(B, K, n_ops):,} (formula: all unique one-block "
          f"cells + (B - 1) K, when K is below the candidates)")


# %%
# NBVAL_CHECK_OUTPUT
show_schedule()

# %%
interact(show_schedule, B=IntSlider(5, 1, 7, description="blocks B"),
         K=IntSlider(256, 1, 1024, step=1, description="beam K"),
         n_ops=IntSlider(8, 1, 8, description="ops"));

# %% [markdown]
# ## Growing a cell
#
# `expand` adds one block in every possible way. Written out by hand for a one-block cell: the
# new block reads two of the three states 0, 1, 2, with one op each.

# %%
# NBVAL_CHECK_OUTPUT
parent = pnas.first_cells()[0]
by_hand = [NasnetCell(parent.blocks + ((i1, i2, o1, o2),))
           for i1, i2 in itertools.product(range(3), repeat=2)
           for o1, o2 in itertools.product(pnas.PNAS_OPS, repeat=2)]
assert set(by_hand) == set(pnas.expand(parent))
print(parent.to_string(), "->", len(by_hand), "children,",
      len(pnas.expand(parent, unique=True)), "with the new block's branches unordered")

# %% [markdown]
# ## The surrogates
#
# A surrogate maps a cell to a predicted accuracy. PNAS needs one that works for cells of any
# length, since it is fitted on cells of $b$ blocks and asked about cells of $b + 1$. Both read
# the cell's $4b$ tokens (in1, in2, op1, op2 per block):
#
# - **MLP**: embed each token (dimension D), concatenate a block's four embeddings, **average over
#   the blocks** (any length gives one vector), two hidden layers, one output;
# - **LSTM**: read the $4b$ tokens in order; the last hidden state gives the prediction.
#
# Both are trained with the L1 loss $|f(\text{cell}) - y|$, the output bias starting at the mean
# accuracy of the training cells (PNAS: the mean of the first round), and both come as an
# **ensemble of 5**, each member fitted on 4/5 of the data: the mean is the prediction, the spread
# says how sure the ensemble is. The MLP's forward pass, by hand, against the package:

# %%
torch.manual_seed(SEED)
mlp = MLPSurrogate()  # paper sizes: D = 100, two hidden layers of 100
toks = pnas.encode_tokens(example)
with torch.no_grad():
    e = mlp.embed(torch.tensor(toks)).reshape(example.B, -1)  # (blocks, 4D)
    manual = mlp.head(mlp.body(e.mean(0))).item()               # average over blocks, then MLP
    package = mlp(*pad_tokens([toks], mlp.vocab_size)).item()
assert abs(manual - package) < 1e-6
print(f"untrained MLP on the example cell: {package:.4f} (by hand {manual:.4f})")

# %% [markdown]
# ## Child networks
#
# Every model PNAS trains is a network built from a cell and trained on real data. Here a child
# is as small as we can make it: in the quick profile, the stem, **one** PNAS cell at C = 8
# channels and a classifier (`CellNetwork` with one layer), trained for two epochs on the
# digits; in the full profile, the paper's kind of network (`NasnetNetwork`, N = 2 cells per
# stage, F = 24 filters) for 20 epochs on CIFAR-10. One child, timed:

# %%
CHILD_EPOCHS = P.pick(2, 20)
CHILD = P.pick(f"one PNAS cell at C = {P.C}", "NasnetNetwork, N = 2, F = 24")


def make_child(cell):
    if P.name == "quick":
        return CellNetwork(cell.to_cell(), C=P.C, layers=1, reductions=(),
                           num_classes=splits.num_classes, in_channels=splits.in_channels)
    return NasnetNetwork(cell, C=24, N=2, num_classes=splits.num_classes,
                         in_channels=splits.in_channels)


train_times, macs = {}, {}


def train_child(cell):
    """Train a fresh child for CHILD_EPOCHS; its final validation accuracy is the score."""
    seed_everything(SEED)
    net = make_child(cell)
    macs[cell] = count_macs(net, tuple(splits.train.X.shape[1:]))  # per image, one forward pass
    t0 = time.perf_counter()
    h = fit(net, splits, num_epochs=CHILD_EPOCHS, lr=P.pick(0.1, 0.05), batch_size=P.batch_size,
            seed=SEED, progress=False)
    train_times[cell] = time.perf_counter() - t0
    return h["val_acc"][-1]


acc = train_child(example)
print(f"{count_params(make_child(example)):,} parameters; validation accuracy {acc:.3f} "
      f"after {CHILD_EPOCHS} epoch(s), trained in {train_times[example]:.2f} s")

# %% [markdown]
# ## The progressive search, for real
#
# The paper's budget (K = 256, B = 5, 8 ops: 1,160 children of 20 epochs on CIFAR-10) is far
# beyond a laptop, and so is anything close: 136 one-block children alone would take minutes
# here. The quick profile therefore **shrinks the space and the beam**, and says so: fewer ops,
# fewer blocks, a narrower beam. The full profile runs the paper's settings with the same code.

# %%
OPS = P.pick(("sep_conv_3x3", "max_pool_3x3"), pnas.PNAS_OPS)
B = P.pick(3, 5)
K = P.pick(4, 256)
ENSEMBLE = dict(n_models=5, num_epochs=P.pick(50, 200))
print(f"this run: {len(OPS)} ops ({', '.join(OPS)}), B = {B}, K = {K}: "
      f"{pnas.models_trained(B, K, len(OPS))} models; the paper: 8 ops, B = 5, K = 256: "
      f"{pnas.models_trained(5, 256, 8):,} models")
show_schedule(B, K, len(OPS))

# %% [markdown]
# Round 1 trains every distinct one-block cell. Each later round fits both surrogate ensembles
# on everything trained so far, lets the MLP ensemble pick the K most promising children of the
# previous round's cells, records what both ensembles predicted for them, and trains them.

# %%
space = spaces.get("pnas", B=B, ops=OPS)
search = ProgressiveSearch(space, K=K, surrogates=("mlp", "lstm"), select="mlp", seed=SEED,
                           **ENSEMBLE)
rounds = search.run(train_child, progress=True)
for r in rounds:
    corr = "; ".join(f"{k}: Spearman {c['spearman']:+.2f}, Kendall {c['kendall']:+.2f}"
                     for k, c in r.correlations.items())
    print(f"b = {r.b}: {len(r.cells):>3} trained (of {r.candidates or len(r.cells):>4} "
          f"candidates), best {r.accuracy.max():.3f}  {corr}")

# %% [markdown]
# ### One step of the beam, by hand
#
# The last round again, from scratch: expand every cell of the round before, ask the MLP
# ensemble (as fitted then) for its predictions, keep the K best. It must give the cells the
# package trained.

# %%
def beam_step(parents, predict, K):
    children = [k for p in parents for k in pnas.expand(p, OPS, unique=True)]
    mean, _ = predict(children)
    return [children[i] for i in np.argsort(-mean, kind="stable")[:K]]


assert beam_step(rounds[-2].cells, search.predict, K) == rounds[-1].cells
print("the last beam, rebuilt by hand, matches the package's")

# %% [markdown]
# ### Were the predictions any good?
#
# Each dot is a cell of round $b$: the ensemble's prediction before it was trained (bars: the
# spread of the 5 members) against the accuracy it then reached. PNAS judges a surrogate by the
# rank correlation of such pairs, because the beam only needs the **order** to be right.

# %%
later = rounds[1:]
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
plt.close(fig)
for kind, ax in zip(("mlp", "lstm"), axes):
    plot_predicted_vs_true({f"b = {r.b}": (r.accuracy, *r.predictions[kind]) for r in later},
                           ax=ax, title=f"{kind.upper()} ensemble: predicted before training vs true")
fig

# %%
plot_rank_correlation({f"b = {r.b}": {f"{kind} {m}": r.correlations.get(kind, {}).get(m, np.nan)
                                     for kind in ("mlp", "lstm") for m in ("spearman", "kendall")}
                       for r in later}, title=f"on the K = {K} cells of each round")

# %% [markdown]
# A caveat in reading these: the cells of a round are the ones the MLP **chose**, the top of its
# own ranking, so the correlation is measured on a narrow, favourable-looking slice; with K
# cells per round it also rests on very few points. PNAS measured it on 256 cells per round.
#
# ### Against random search
#
# Random search with the same number of trained models, drawing cells of B blocks from the same
# ops. The progressive search can save compute besides models: most of its children are small
# cells (the paper's "8 times less compute" against NASNet comes from this and from fewer
# models). We count compute as the multiply-accumulates of one forward pass per image, summed
# over the children trained (training cost is proportional to it), which unlike seconds does not
# depend on what else the machine is doing.

# %%
pnas_scores = [acc for _, acc in search.history]
pnas_seconds = sum(train_times[c] for c, _ in search.history)
pnas_macs = sum(macs[c] for c, _ in search.history)
random_search = RandomSearch(space, seed=SEED)
random_scores = run(random_search, train_child, len(pnas_scores))
random_seconds = sum(train_times[c] for c, _ in random_search.history)
random_macs = sum(macs[c] for c, _ in random_search.history)
plot_best_so_far({"PNAS": np.array([pnas_scores]), "random search": np.array([random_scores])},
                 xlabel="models trained")

# %%
best_cell, best_acc = search.best()
rs_cell, rs_acc = random_search.best()
print(f"PNAS best:          {best_acc:.3f}  {best_cell.to_string()}")
print(f"random search best: {rs_acc:.3f}  {rs_cell.to_string()}")
print(f"compute: PNAS {pnas_macs / 1e6:.1f}M MACs per image summed over its children, random "
      f"search {random_macs / 1e6:.1f}M ({pnas_macs / random_macs:.2f}x) for {len(pnas_scores)} "
      f"models each")
print(f"training time: PNAS {pnas_seconds:.1f} s, random search {random_seconds:.1f} s")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(best_cell.to_cell(), title=f"best cell found by PNAS (accuracy {best_acc:.3f})")

# %% [markdown]
# ## The surrogates on the real NAS-Bench-201
#
# How well do these surrogates rank architectures when their training data is real? The
# NAS-Bench-201 space (notebook 01) has the answers: every cell's cifar10-valid validation
# accuracy after 200 epochs (a seed mean; the packaged table). A NAS-Bench-201 cell is 6
# (edge, op) choices; written for the surrogates as 8 tokens (token 5e + op for edge e, then
# two end tokens: 2 "blocks" of 4, `strategies.surrogate_search.sequences`). We fit the MLP and
# the LSTM ensembles (3 members each, smaller than PNAS's, to fit the quick profile) on N
# random cells and rank **all the other cells**: Spearman and Kendall over the rest, and Kendall
# among the rest's top 10%, where a search needs the order most. Several seeds (different
# training cells, different initialisations) show how much a single fit can be trusted.

# %%
real = NASBench201()
y_real = real.table("val_acc")                       # (15625,) cifar10-valid validation
cell_tokens, vocab = sequences(spaces.get("nb201"), [nb201.index_to_ops(i) for i in range(nb201.NUM_CELLS)])
SIZES, FIT_SEEDS = (20, 50, 100, 200), P.pick(3, 5)
rows = []
for kind in ("mlp", "lstm"):
    for n in SIZES:
        for seed in range(FIT_SEEDS):
            train = np.random.default_rng(seed).choice(nb201.NUM_CELLS, n, replace=False)
            rest = np.setdiff1d(np.arange(nb201.NUM_CELLS), train)
            ens = Ensemble(kind, n_models=P.pick(3, 5), seed=seed, vocab_size=vocab,
                           embed_dim=P.pick(32, 100), hidden=P.pick(64, 100))
            ens.fit([cell_tokens[i] for i in train], y_real[train], num_epochs=100)
            pred, _ = ens.predict([cell_tokens[i] for i in rest])
            top = rest[y_real[rest] >= np.quantile(y_real[rest], 0.9)]
            pred_top = pred[np.isin(rest, top)]
            rows.append(dict(kind=kind, n=n, seed=seed, spearman=spearman(pred, y_real[rest]),
                             kendall=kendalltau(pred, y_real[rest]).statistic,
                             kendall_top=kendalltau(pred_top, y_real[top]).statistic))

print(f"{'surrogate':<6}{'N':>5}   {'Spearman':>17}   {'Kendall':>17}   {'Kendall, top 10%':>17}   "
      f"(mean [min, max] over {FIT_SEEDS} seeds)")
summary = {}
for kind in ("mlp", "lstm"):
    for n in SIZES:
        r = [row for row in rows if row["kind"] == kind and row["n"] == n]
        cols = {m: np.array([row[m] for row in r]) for m in ("spearman", "kendall", "kendall_top")}
        summary[kind, n] = {m: v.mean() for m, v in cols.items()}
        print(f"{kind:<6}{n:>5}   " + "   ".join(f"{v.mean():.3f} [{v.min():.2f}, {v.max():.2f}]"
                                                 for v in cols.values()))
plot_lines(SIZES, {f"{kind.upper()} {m}": [summary[kind, n][m] for n in SIZES]
                   for kind in ("mlp", "lstm") for m in ("kendall", "kendall_top")},
           logx=True, xlabel="cells the ensemble was fitted on (N)", ylabel="rank correlation",
           title="surrogates on the real NAS-Bench-201: ranking the cells they never saw")

# %%
gain = {kind: summary[kind, SIZES[-1]]["kendall"] - summary[kind, SIZES[0]]["kendall"]
        for kind in ("mlp", "lstm")}
at_max = {kind: [row["kendall"] for row in rows if row["kind"] == kind and row["n"] == SIZES[-1]]
          for kind in ("mlp", "lstm")}
print(f"from N = {SIZES[0]} to N = {SIZES[-1]} cells, Kendall's tau on the unseen cells changes by "
      f"{gain['mlp']:+.2f} (MLP) and {gain['lstm']:+.2f} (LSTM); among the unseen top 10% it is "
      f"{summary['mlp', SIZES[-1]]['kendall_top']:.2f} (MLP) and {summary['lstm', SIZES[-1]]['kendall_top']:.2f} "
      f"(LSTM) at N = {SIZES[-1]}. At N = {SIZES[-1]}: "
      + verdict("MLP", at_max["mlp"], "LSTM", at_max["lstm"], lower_is_better=False, scale=1, unit="(tau)"))

# %% [markdown]
# Published results to set these beside: White et al., **How Powerful are Performance
# Predictors in Neural Architecture Search?** (NeurIPS 2021, arXiv 2104.01177) compare 31
# predictors on NAS-Bench-201 by Kendall's tau against the number of training cells; their
# numbers are in figures, not quoted here (unverified). PNAS itself measured its surrogates on
# its own progressive space (the plots above show ours on that kind of data).
#
# %% [markdown]
# One run, one seed, a few dozen children trained for two epochs: the comparison with random
# search above is an anecdote, not a result. Whether a surrogate-guided beam beats random search
# is a question for many seeds and a ground truth (notebook 12 runs every strategy on the tabular
# benchmark).
#
# ## The full profile
#
# `PROFILE = "full"` runs the same cells with the paper's settings: all 8 ops, B = 5, K = 256
# (1,160 children), each a `NasnetNetwork` with N = 2 and F = 24 trained for 20 epochs on
# CIFAR-10, ensembles of 5 MLPs and 5 LSTMs with 100 units. That is over a thousand CIFAR-10
# trainings: days of GPU time. Lower K first if you try it.
#
# ## The paper beside this run

# %%
claims_table([
    ("search space", f"8 ops, B = 5 blocks, add only: {pnas.space_size(5):.1e} cells", "1712.00559, sec. 3.1",
     f"{len(OPS)} ops, B = {B}: {pnas.space_size(B, len(OPS)):,} cells"),
    ("beam", "K = 256", "1712.00559 (unverified)", f"K = {K}"),
    ("models trained", "136 + 4 x 256 = 1,160", "1712.00559, sec. 3.2",
     f"{len(search.history)} (formula: {pnas.models_trained(B, K, len(OPS))})"),
    ("children", "CIFAR-10, 20 epochs, N = 2, F = 24", "1712.00559 (unverified)",
     f"{splits.name}, {CHILD_EPOCHS} epoch(s), {CHILD}"),
    ("surrogate", "MLP and LSTM ensembles of 5", "1712.00559, sec. 3.3", "the same; the MLP picks the beam"),
    ("against NASNet's RL search", "up to 5 times fewer models, 8 times less compute", "1712.00559, abstract",
     "not compared here"),
    ("against random search", "", "", f"best {best_acc:.3f} vs {rs_acc:.3f} with {len(pnas_scores)} models each (one seed)"),
    ("search cost", "about 225 GPU-days", "1806.09055 (DARTS), Table 1",
     f"{pnas_seconds:.0f} s of child training; {pnas_macs / random_macs:.2f}x the compute of random search"),
    ("CIFAR-10", "3.41 ± 0.09% error, 3.2M parameters", "1806.09055 (DARTS), Table 1", "not run on CIFAR-10"),
    (f"surrogates on the real NAS-Bench-201 (Kendall's tau on the unseen cells, N = {SIZES[0]} / {SIZES[-1]})",
     "not in PNAS; predictor studies on NAS-Bench-201: White et al. 2021 (figures; unverified)", "2104.01177",
     f"MLP {summary['mlp', SIZES[0]]['kendall']:.2f} / {summary['mlp', SIZES[-1]]['kendall']:.2f}, LSTM "
     f"{summary['lstm', SIZES[0]]['kendall']:.2f} / {summary['lstm', SIZES[-1]]['kendall']:.2f} (mean of {FIT_SEEDS} seeds)"),
], run=f"this run ({P.name} profile)")


# %% [markdown]
# Why they differ: the paper's surrogates learn from 136 to over a thousand children trained for
# 20 epochs each, and are judged on 256 cells per round. Here they learn from a few children
# trained for two epochs on an easy dataset, whose accuracies may differ by little more than their
# training noise, and each round's rank correlation rests on only K cells, so expect it to swing
# from round to round and from seed to seed. The best cell found comes from a space of
# a few ops and blocks, not the paper's, and is scored on digits after two epochs.
# What carries over exactly is the counting (every figure of the paper is recomputed above) and
# the mechanism: train small cells, fit a predictor, let it choose which larger cells are worth
# training.
#
# ## Summary
# - A PNAS cell is B blocks, each the sum of two (input, op) branches; block $b$ has
#   $(b+1)^2 \cdot 8^2$ choices and five blocks give about $5.6 \times 10^{14}$ cells.
# - Progressive search trains all 136 distinct one-block cells, then alternates: expand by one
#   block, predict, keep the top K, train them; K = 256 and B = 5 train 1,160 models.
# - The surrogates (MLP over averaged block embeddings, LSTM over the tokens) handle cells of any
#   length; an ensemble of 5 gives a mean and a spread, and is judged by rank correlation on
#   cells one block larger than it was fitted on.
# - With a few briefly trained children the surrogate has little signal to learn from: judge it
#   by its rank correlation on the next round's cells, as PNAS does.
#
# ## Exercises
# 1. **Count it.** With all 8 ops, how many cells does the surrogate score at b = 3 when K = 256?
#    Check with `schedule(5, 256, 8)`. *Hint: each kept cell has $m(m+1)/2$ unique children with
#    $m = 4 \cdot 8$.*
# 2. **Which surrogate?** Rerun the search with `select="lstm"`. Does the beam change? Compare
#    the rank correlations of the two ensembles per round. *Hint: `search.rounds[b].correlations`.*
# 3. **A known target.** Replace `train_child` by a function you can compute, e.g. the number of
#    parameters of `make_child(cell)`, and run the search with all 8 ops and K = 20. How well do
#    the ensembles rank cells one block larger than they were fitted on? *Hint: with a target
#    that has no noise, the rank correlation shows what the surrogate itself can learn.*
# 4. **Uncertainty.** The ensemble's spread is unused by the beam. Pick the K children with the
#    highest mean + std instead (an upper confidence bound). *Hint: subclass `ProgressiveSearch`
#    and override `predict` to return (mean + std, std).*
