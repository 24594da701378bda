# %% [markdown]
# # 00 · A tour of neural architecture search
#
# *naslib-mini, notebook 00 of the course.*
#
# Neural architecture search (NAS) hands the design of a network to an algorithm. Every NAS
# method, from the 800-GPU reinforcement-learning search of Zoph & Le (2017) to a
# single-GPU DARTS run, answers three questions, which Elsken, Metzen and Hutter use to
# organise the field in their survey (*Neural Architecture Search: A Survey*, JMLR 2019,
# arXiv 1808.05377): **what may be built** (the search space), **how to choose what to try
# next** (the search strategy), and **how to tell how good a candidate is** (the
# performance-estimation strategy). This tour runs all three for real, on a laptop, in about
# a minute, with the same package that every later notebook uses.
#
# **You will learn**
# - the three parts of every NAS method, and where each later notebook changes one of them;
# - the embedded dataset, the training loop (`naslib_mini.train.fit`) and its curves;
# - how a *cell* is written down (a genotype) and drawn;
# - how to count a search space exactly, and how fast it grows;
# - how strong plain random search is, measured over several seeds rather than one.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about a minute) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0        # every random choice below derives from this

# %%
import numpy as np
from ipywidgets import IntSlider, interact
from tqdm.auto import tqdm

from naslib_mini import data, spaces
from naslib_mini.config import get_profile
from naslib_mini.genotypes import DARTS_V2
from naslib_mini.networks import SmallCNN
from naslib_mini.spaces import darts as darts_space
from naslib_mini.strategies import run
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.train import evaluate, fit
from naslib_mini.utils import count_params, resolve_device, seed_everything
from naslib_mini.viz.cells import draw_cell, has_dot
from naslib_mini.viz.plots import plot_best_so_far, plot_counts, plot_history, plot_images

P = get_profile(PROFILE)
print(P.name, "profile on", resolve_device())

# %% [markdown]
# ## NAS in one picture
#
# A search strategy proposes an architecture from the search space; a performance estimate
# (train it, look it up, or inherit shared weights) scores it; the score goes back to the
# strategy. The later notebooks change one box at a time.

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
import graphviz

loop = graphviz.Digraph(graph_attr={"rankdir": "LR"},
                        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "helvetica"})
loop.node("space", "search space\n(what may be built)", fillcolor="darkseagreen2")
loop.node("strategy", "search strategy\n(what to try next)", fillcolor="lightblue")
loop.node("estimate", "performance estimation\n(how good is it?)", fillcolor="palegoldenrod")
loop.edge("space", "strategy", label="candidates")
loop.edge("strategy", "estimate", label="architecture")
loop.edge("estimate", "strategy", label="score")
loop if has_dot() else print("(install Graphviz to see the diagram)")

# %% [markdown]
# ## The data: embedded, never downloaded
#
# The quick profile uses scikit-learn's 1,797 handwritten digits (8×8 grey images), which ship
# inside scikit-learn, so every notebook runs offline. `data.load` returns a fixed, seeded,
# stratified train / validation / test split as tensors already on the training device.
# The full profile loads CIFAR-10 through torchvision instead.

# %%
# NBVAL_CHECK_OUTPUT
splits = data.load(P.dataset, image_size=P.image_size, limit=P.limit, seed=0)
print(splits)
print("train", tuple(splits.train.X.shape), "val", tuple(splits.val.X.shape),
      "test", tuple(splits.test.X.shape))

# %%
plot_images(splits.train.X, splits.train.y, splits.classes, n=20)

# %% [markdown]
# ## One network, trained with the package's loop
#
# Before searching, train one hand-designed network: two convolution blocks and a linear
# classifier. `fit` is the only training loop in the course; later notebooks extend it with
# callbacks (an architecture step, a temperature schedule) instead of copying it.

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(SEED)
cnn = SmallCNN(splits.in_channels, splits.num_classes, C=16, depth=2)
print(f"SmallCNN: {count_params(cnn):,} parameters")

# %%
history = fit(cnn, splits, num_epochs=P.pick(10, 30), lr=0.05, seed=SEED, desc="SmallCNN")
test_loss, test_acc = evaluate(cnn, splits.test)
print(f"test accuracy {test_acc:.3f} after {len(history['epoch'])} epochs")

# %%
plot_history(history, title="SmallCNN on " + splits.name)

# %% [markdown]
# ## A cell, written down and drawn
#
# Most searches since NASNet do not design a whole network: they design a small **cell** and
# stack it. A cell is a little DAG: two inputs (the outputs of the two previous cells,
# $c_{k-2}$ and $c_{k-1}$), a few intermediate nodes that each add up two operations applied to
# earlier nodes, and an output that concatenates the intermediate nodes. Here is the normal
# cell that DARTS found (Liu et al. 2019), as a **genotype** string (one `+`-separated group
# per node, each edge `op~source`) and as a picture.

# %%
# NBVAL_CHECK_OUTPUT
print(DARTS_V2.normal.to_string())

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(DARTS_V2.normal, title="DARTS (second order) normal cell")

# %% [markdown]
# ## A search space, counted exactly
#
# Node $i$ of a DARTS-style cell picks 2 distinct predecessors among the $2 + i$ states before
# it and an op for each, so one cell has
# $$\prod_{i=0}^{n-1} \binom{2+i}{2}\,|O|^2$$
# choices. With DARTS' 4 nodes and 7 ops that is about $10^9$ per cell. For this tour we take a
# small space: **2 nodes and 4 ops**, small enough to check the formula by listing every cell.
# A search space is an object of the package (`spaces.get`): it counts, samples, mutates and
# builds its architectures' networks, the same way for every space of the course.

# %%
# NBVAL_CHECK_OUTPUT
TOUR_OPS = ("skip_connect", "max_pool_3x3", "sep_conv_3x3", "dil_conv_3x3")
tour = spaces.get("darts", n_nodes=2, ops=TOUR_OPS)
n_formula = darts_space.count(n_nodes=2, n_ops=len(TOUR_OPS))
n_listed = sum(1 for _ in darts_space.enumerate_cells(2, TOUR_OPS))
assert n_formula == n_listed == tour.size
print(f"tour space: {n_formula:,} cells (formula) = {n_listed:,} (listed one by one)")
print(f"DARTS space: {darts_space.count(4, 7):,} cells per cell type, "
      f"{darts_space.count(4, 7) ** 2:.2e} for a normal and a reduction cell")

# %% [markdown]
# Move the sliders: each extra node multiplies the space by $\binom{2+i}{2}|O|^2$.

# %%
def show_space_size(n_nodes=4, n_ops=7):
    counts = [darts_space.count(k, n_ops) for k in range(1, 7)]
    return plot_counts(range(1, 7), counts, highlight=n_nodes, xlabel="intermediate nodes",
                       title=f"{n_nodes} nodes, {n_ops} ops: {darts_space.count(n_nodes, n_ops):,} cells")


interact(show_space_size, n_nodes=IntSlider(4, 1, 6, description="nodes"),
         n_ops=IntSlider(7, 2, 8, description="ops"));

# %% [markdown]
# ## Random search, over several seeds
#
# The simplest strategy: draw cells uniformly, train each one briefly (the performance
# estimate), keep the best. We repeat the search with different seeds because one search is
# one draw of a random variable: a single curve says little about the method. A cell drawn
# twice is trained once (the cache), so each search still spends its budget on real training.
# The quick profile trains each cell for a few epochs on digits; the full profile trains
# larger networks on CIFAR-10 with a larger budget.

# %%
BUDGET = P.pick(6, 40)   # cells each search evaluates
SEEDS = P.seeds          # independent searches
cache = {}


def train_cell(cell):
    key = cell.to_string()
    if key not in cache:
        seed_everything(SEED)
        net = tour.build(cell, C=P.C, layers=P.layers, in_channels=splits.in_channels,
                         num_classes=splits.num_classes)  # a CellNetwork of the cell
        h = fit(net, splits, num_epochs=P.num_epochs, seed=SEED, progress=False)
        cache[key] = h["val_acc"][-1]
        bar.update(1)
    return cache[key]


bar = tqdm(total=SEEDS * BUDGET, desc="cells trained")
searches = [RandomSearch(tour, seed=s) for s in range(SEEDS)]
scores = np.array([run(rs, train_cell, BUDGET) for rs in searches])  # (seeds, budget)
bar.close()
print(f"{len(cache)} distinct cells trained for {SEEDS} searches of {BUDGET}")

# %%
plot_best_so_far({"random search": scores})

# %%
for s, rs in enumerate(searches):
    cell, acc = rs.best()
    print(f"seed {s}: best validation accuracy {acc:.3f}  {cell.to_string()}")
best_cell, best_acc = max((rs.best() for rs in searches), key=lambda b: b[1])

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(best_cell, title=f"best cell found: validation accuracy {best_acc:.3f}")

# %% [markdown]
# What to notice: the seeds' curves disagree early and meet late. With a few epochs per cell,
# the gap between good and bad cells is partly noise from training itself, a theme that comes
# back in the benchmark notebook (seed noise against the spread between cells) and in the
# showdown at the end of the course.
#
# ## The map of the course
#
# | notebook | paper | what changes |
# |---|---|---|
# | 01 benchmark | NAS-Bench-201 (Dong & Yang 2020) | performance estimation by lookup: every cell of a space trained once, here, on digits |
# | 02 NAS-RL | Zoph & Le 2017 | strategy: an LSTM controller trained with REINFORCE |
# | 03 NASNet | Zoph et al. 2018 | space: search a cell, stack it |
# | 04 PNAS | Liu et al. 2018 | strategy: progressive growth with surrogate predictors |
# | 05 NAO | Luo et al. 2018 | strategy: gradient ascent in a learned continuous embedding |
# | 06 DARTS | Liu et al. 2019 | strategy and estimate: a continuous relaxation, one supernet, bilevel optimisation |
# | 07 GDAS | Dong & Yang 2019 | sample one op per edge with Gumbel-softmax |
# | 08 P-DARTS | Chen et al. 2019 | grow the depth while pruning ops |
# | 09 PC-DARTS | Xu et al. 2020 | partial channels and edge normalisation |
# | 10 DenseNAS | Fang et al. 2020 | search widths and resolutions, with a latency term |
# | 11 FairNAS | Chu et al. 2019 (and SPOS) | do shared weights rank architectures truly? |
# | 12 showdown | all of the above | every strategy on the same ground truth |
#
# ## Summary
# - NAS = a search space, a search strategy, and a performance estimate.
# - A cell genotype is a small DAG written as a string; `draw_cell` shows it.
# - Spaces grow as a product over nodes; count them exactly before searching them.
# - Random search is the baseline every method must beat, and it must be judged over seeds.
#
# ## Exercises
# 1. **Count by hand.** How many cells does the tour space have with 3 nodes and 4 ops?
#    Check with `darts_space.count`, with `spaces.get("darts", n_nodes=3, ops=...).size` and by
#    listing them. *Hint: the third node chooses 2 of 4 predecessors.*
# 2. **More seeds.** Set `SEEDS = 10` and `BUDGET = 10`. How wide is the band after 10
#    cells? How many seeds would you want before claiming one method beats another?
#    *Hint: compare the band's width with the gap between two curves.*
# 3. **Noise in the estimate.** Train the best cell found again with three different values of
#    `seed` in `fit`. Does it stay the best? *Hint: compare its spread with the spread of the
#    search's scores.*
# 4. **Your own op set.** Replace `TOUR_OPS` with `("skip_connect", "avg_pool_3x3")` (no
#    convolutions in the cells). What happens to the best accuracy, and why does the stem
#    still let the network learn something?
