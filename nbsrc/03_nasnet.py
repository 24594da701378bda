# %% [markdown]
# # 03 · NASNet: searching a cell instead of a network
#
# Zoph, Vasudevan, Shlens & Le, **Learning Transferable Architectures for Scalable Image
# Recognition**, CVPR 2018 (arXiv 1707.07012).
#
# The first NAS paper (Zoph & Le 2017) searched whole networks, layer by layer, and needed 800
# GPUs for four weeks. NASNet asks a smaller question: design one **cell**, a small DAG that is
# then stacked many times, in two kinds: a **normal cell** that keeps the resolution and a
# **reduction cell** that halves it. A cell found on small images and small networks can then
# be stacked deeper and wider for CIFAR-10 and ImageNet. The search space shrinks from
# "every network" to "every cell", and the result transfers.
#
# **You will learn**
# - how a NASNet cell is built from B blocks of five predictions each, and the 13 ops;
# - how big the cell space is, counted exactly, and how many cells are the same cell written
#   twice (the two branches of a block swapped);
# - how a genotype becomes a network (cells stacked N times, filters doubled at each reduction,
#   each cell reading the two previous cells), with NASNet-A's published cells;
# - a controller making the cell's predictions, trained with REINFORCE on real child networks.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about 2 minutes) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import itertools
import math

import torch
from ipywidgets import IntSlider, interact

from naslib_mini import data, spaces
from naslib_mini.config import get_profile
from naslib_mini.spaces import nasnet
from naslib_mini.spaces.nasnet import NasnetGenotype, NasnetNetwork
from naslib_mini.strategies import run
from naslib_mini.strategies.controller import Controller
from naslib_mini.strategies.reinforce import Reinforce
from naslib_mini.train import fit
from naslib_mini.utils import count_params, seed_everything
from naslib_mini.viz.cells import draw_cell
from naslib_mini.viz.plots import plot_counts, plot_history, plot_rewards
from naslib_mini.viz.tables import claims_table

P = get_profile(PROFILE)
splits = data.load(P.dataset, image_size=P.image_size, limit=P.limit, seed=0)
print(P.name, "profile;", splits)

# %% [markdown]
# ## A cell of B blocks
#
# A cell reads two hidden states: $h_{i-1}$ and $h_i$, the outputs of the two previous cells
# (states 0 and 1 below). It then builds B = 5 **blocks**. Block $b$ makes five predictions:
#
# 1. a first input among the states available so far (the two cell inputs and the outputs of
#    blocks $0..b-1$: $b + 2$ choices);
# 2. a second input, chosen the same way;
# 3. an op for the first input, 4. an op for the second (13 choices each);
# 5. a combiner: add the two results, or concatenate them.
#
# Block $b$'s output becomes state $b + 2$. The cell's output concatenates the block outputs that
# no block used. A controller predicts the normal cell and then the reduction cell:
# $2 \times 5B = 50$ predictions per architecture.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{len(nasnet.NASNET_OPS)} ops:", ", ".join(nasnet.NASNET_OPS))
print("predictions per architecture: 2 cells x 5 blocks x 5 =", 2 * 5 * 5)

# %% [markdown]
# ## The space, counted exactly
#
# Block $b$ has $(b+2)^2$ input pairs, $|O|^2$ op pairs and 2 combiners, so one cell has
# $$\prod_{b=0}^{B-1} (b+2)^2\,|O|^2 \cdot 2$$
# choices. The paper gives no count; we compute it. Some choices describe the same cell: swapping
# a block's two branches (input 1 with op 1, and input 2 with op 2) changes nothing for `add`.
# Counting each block's pair of branches as unordered gives $m(m+1)/2$ per block, with
# $m = (b+2)\,|O|$ (for concatenation the swap only reorders channels, which the next 1×1
# convolution absorbs, so we count it unordered too). Both formulas are checked below against a
# brute-force enumeration of a small space, written here from scratch: every block as its five
# predictions, a cell as one block choice per block, and a block's two branches made a set.

# %%
# NBVAL_CHECK_OUTPUT
B, n_ops = 5, len(nasnet.NASNET_OPS)
one = math.prod((b + 2) ** 2 * n_ops ** 2 * 2 for b in range(B))  # the formula, here
assert one == nasnet.count_cell(B, n_ops, 2) == spaces.get("nasnet", combiners=nasnet.COMBINERS).size
print(f"one cell          : {one:,} (~{one:.2e})")
print(f"normal + reduction: {nasnet.count_both(B, n_ops, 2):.2e}")
print(f"one cell, branches unordered: {nasnet.count_cell_unordered(B, n_ops, 2):,} "
      f"(~{nasnet.count_cell_unordered(B, n_ops, 2):.2e})")
ops2 = nasnet.NASNET_OPS[:2]
blocks = [list(itertools.product(range(b + 2), range(b + 2), ops2, ops2, nasnet.COMBINERS)) for b in range(2)]
small = list(itertools.product(*blocks))  # every cell of B = 2 blocks: (in1, in2, op1, op2, combiner) each
distinct = {tuple((frozenset([(i1, o1), (i2, o2)]), c) for i1, i2, o1, o2, c in cell) for cell in small}
assert len(small) == nasnet.count_cell(2, 2, 2) and len(distinct) == nasnet.count_cell_unordered(2, 2, 2)
print(f"check, B=2 with 2 ops: {len(small):,} listed = {nasnet.count_cell(2, 2, 2):,} by formula; "
      f"{len(distinct):,} distinct = {nasnet.count_cell_unordered(2, 2, 2):,} by formula")

# %%
def show_cell_space(B=5, n_ops=13):
    bs = range(1, 8)
    return plot_counts(bs, [nasnet.count_cell(b, n_ops, 2) for b in bs], highlight=B,
                       xlabel="blocks per cell (B)",
                       title=f"B={B}, {n_ops} ops: {nasnet.count_cell(B, n_ops, 2):.2e} cells "
                             f"({nasnet.count_cell_unordered(B, n_ops, 2):.2e} distinct)")


interact(show_cell_space, B=IntSlider(5, 1, 7, description="blocks"),
         n_ops=IntSlider(13, 2, 13, description="ops"));

# %% [markdown]
# ## NASNet-A, the published cells
#
# NASNet-A's cells, transcribed from the official TensorFlow-slim code (`nasnet_utils.py`),
# written as one `add(op~input,op~input)` per block; `out(...)` lists the states the code
# concatenates into the cell output.

# %%
# NBVAL_CHECK_OUTPUT
print("normal:", nasnet.NASNET_A.normal.to_string())
print("reduce:", nasnet.NASNET_A.reduce.to_string())

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(nasnet.NASNET_A.normal.to_cell(), title="NASNet-A normal cell")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(nasnet.NASNET_A.reduce.to_cell(), title="NASNet-A reduction cell")

# %% [markdown]
# ## From genotype to network
#
# `NasnetNetwork(genotype, C, N)` stacks N normal cells, a reduction cell, N normal cells, a
# reduction cell and N normal cells, doubling the filters at each reduction; every cell reads the
# outputs of the two cells before it. "NASNet-A 6@768" means N = 6 and 768 filters in the last
# cells; the paper reports 3.3M parameters for it on CIFAR-10.

# %%
# NBVAL_CHECK_OUTPUT
big = NasnetNetwork(nasnet.NASNET_A, C=32, N=6, num_classes=10, in_channels=3)
print(f"NASNet-A 6@768 on CIFAR-10 (no auxiliary head): {count_params(big):,} parameters")
del big
seed_everything(SEED)
net = NasnetNetwork(nasnet.NASNET_A, C=P.C, N=1, num_classes=splits.num_classes,
                    in_channels=splits.in_channels)
print(f"NASNet-A at C={P.C}, N=1 for {splits.name}: {count_params(net):,} parameters")

# %%
history = fit(net, splits, num_epochs=P.num_epochs, lr=0.05, seed=SEED, desc="NASNet-A")
plot_history(history, title=f"NASNet-A (C={P.C}, N=1) on {splits.name}")

# %% [markdown]
# ## The controller predicts a cell; REINFORCE trains it
#
# The controller is an LSTM that emits one decision per step: a softmax over the choices, the
# sampled token fed back as the next input. After each child network is trained, its validation
# accuracy $R$ is the reward, and REINFORCE moves the controller's parameters $\theta_c$ along
# $$\nabla_{\theta_c} J \approx (R - b)\,\nabla_{\theta_c} \log P(a_{1:T}; \theta_c),$$
# with $b$ an exponential moving average of past rewards (decay 0.95). NASNet trained its
# controller with PPO over 20,000 children on 450 GPUs. Here each child is a small network trained
# for a couple of epochs on digits, and the cells have fewer blocks: the quick profile runs a
# handful of episodes, enough to watch the mechanics, not to expect the controller to learn much.
# The combiner is fixed to `add`, as in every NASNet-A block: the space's default, so its cells
# take 4 predictions per block, and the controller predicts a normal cell, then a reduction cell.

# %%
B_SEARCH = P.pick(2, 5)            # blocks per cell in the search
EPISODES = P.pick(16, 300)         # child networks trained
CHILD_EPOCHS = P.pick(1, 20)       # epochs per child
LR = P.pick(5e-3, 3.5e-4)
space = spaces.get("nasnet", B=B_SEARCH)  # combiners=("add",)
per_cell = len(space.token_steps())
steps = space.token_steps() * 2    # the normal cell's predictions, then the reduction cell's
torch.manual_seed(SEED)
controller = Controller(steps, hidden=100, num_layers=1)   # NASNet: one LSTM layer of 100 units
agent = Reinforce(controller, lr=LR, baseline_decay=0.95, entropy_weight=1e-5, seed=SEED)
print(f"{len(steps)} predictions per architecture; {EPISODES} episodes of {CHILD_EPOCHS} epoch(s)")


def genotype_of(tokens) -> NasnetGenotype:
    return NasnetGenotype(space.from_tokens(tokens[:per_cell]), space.from_tokens(tokens[per_cell:]))


def train_child(tokens):
    genotype = genotype_of(tokens)
    seed_everything(SEED)
    child = NasnetNetwork(genotype, C=P.C, N=1, num_classes=splits.num_classes,
                          in_channels=splits.in_channels)
    return fit(child, splits, num_epochs=CHILD_EPOCHS, lr=0.05, seed=SEED,
               progress=False)["val_acc"][-1]


rewards = run(agent, train_child, EPISODES)

# %%
plot_rewards(agent.episodes)

# %%
best_tokens, best_reward = agent.best()
best = genotype_of(best_tokens)
print(f"best child: validation accuracy {best_reward:.3f}")
print("normal:", best.normal.to_string())
print("reduce:", best.reduce.to_string())

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(best.normal.to_cell(), title=f"best normal cell found (accuracy {best_reward:.3f})")

# %% [markdown]
# ## The paper beside this run

# %%
claims_table([
    ("search cost", "500 GPUs for 4 days (about 2,000 GPU-days)", "1707.07012",
     f"{EPISODES} children on {splits.name}, on this machine's CPU"),
    ("child models trained", "20,000 (top 250 retrained)", "1707.07012", f"{len(agent.history)}"),
    ("controller", "1-layer LSTM, 100 units, PPO, lr 3.5e-4, entropy 1e-5, baseline decay 0.95",
     "1707.07012", f"the same LSTM, REINFORCE, lr {LR:g}"),
    ("children", "20 epochs on CIFAR-10, N = 2", "1707.07012",
     f"{CHILD_EPOCHS} epoch(s) on {splits.name}, N = 1, B = {B_SEARCH}"),
    ("NASNet-A 6@768 on CIFAR-10", "3.3M parameters, 2.65% error with cutout", "1707.07012",
     f"{count_params(NasnetNetwork(nasnet.NASNET_A, C=32, N=6)):,} parameters in our network (no "
     "auxiliary head); not trained on CIFAR-10 here"),
], run=f"this run ({P.name} profile)")

# %% [markdown]
# Why they differ: the quick profile trains a handful of children for one epoch on an easy
# dataset, so rewards are noisy and close together and the controller has almost nothing to
# learn from; NASNet's controller saw 20,000 children. What does carry over is the mechanism
# and the counting: the space above is the space NASNet searched. The full profile runs the same
# code with B = 5, 300 children of 20 epochs on CIFAR-10, which needs a GPU. For the
# controller's learning curve against random search over many episodes, see notebook 02, which
# uses the tabular benchmark so episodes cost microseconds.
#
# ## Summary
# - NASNet searches a cell (normal and reduction) and stacks it; the cell transfers to larger
#   networks and datasets.
# - One cell has about $2.3 \times 10^{18}$ choices for B = 5; swapping a block's branches makes
#   many of them duplicates.
# - A genotype becomes a network by stacking: N normal cells between reductions, filters doubled
#   at each reduction, each cell reading the two previous ones.
# - The controller is a policy over predictions; REINFORCE with a moving-average baseline
#   trains it from child accuracies.
#
# ## Exercises
# 1. **Count by hand.** How many cells have B = 1 with the 8 PNAS ops and add only? Compare
#    with `nasnet.count_cell(1, 8, 1)` and `count_cell_unordered(1, 8, 1)`. *Hint: PNAS reports
#    136 distinct one-block cells.*
# 2. **Random against the controller.** Replace `agent` by `RandomSearch(space)` (and build the
#    child from two sampled cells) and compare the best accuracy after the same number of
#    episodes. How many seeds would you need to tell them apart?
# 3. **Where the parameters are.** Count the parameters of NASNet-A at C = 32 for N = 2, 4, 6.
#    Which part of the network grows fastest? *Hint: the last stage has 4C filters.*
# 4. **Concatenation.** Why can a block with `concat` not be built by `CellNetwork`? Sketch what
#    would have to change. *Hint: the number of channels of a state would depend on the block.*
