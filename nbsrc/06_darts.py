# %% [markdown]
# # 06 · DARTS: architecture search by gradient descent
#
# Liu, Simonyan & Yang, **DARTS: Differentiable Architecture Search**, ICLR 2019
# (arXiv 1806.09055).
#
# Reinforcement learning (notebooks 02, 03) and evolution treat the architecture as a discrete
# choice: train a candidate, score it, try another, thousands of times. DARTS asks whether the
# choice can be made **continuous**, so that the architecture is learned by gradient descent
# together with the weights, in one training run. Every edge of a cell computes a softmax-
# weighted sum of all its candidate ops; the weights of that sum (the architecture
# parameters, alpha) are trained on validation data while the network's weights are trained
# on training data; at the end each edge keeps its strongest op. The paper reports a CIFAR-10
# cell with 2.76% test error (NASNet-A with cutout: 2.65%) for 4 GPU-days over four searches,
# where NASNet took about 2,000.
#
# **You will learn**
# - the DARTS cell space, counted exactly, and its continuous relaxation (224 numbers);
# - the mixed op, built from scratch and checked against the package's;
# - the bilevel optimisation: first and second order, the unrolled step, the finite-difference
#   Hessian-vector product (checked against exact autograd), and what each order costs;
# - a real search: alphas over the epochs, the derivation rule step by step, the genotype drawn;
# - retraining the found cell against random cells, and DARTS' best-known failure (parameter-
#   free ops taking over), measured on the tabular benchmark where the truth is known.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about a minute) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import copy
import time

import numpy as np
import torch
import torch.nn.functional as F
from ipywidgets import IntSlider, interact

from naslib_mini import data
from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.benchmarks.real import NASBench201, judged_on_cifar
from naslib_mini.config import get_profile
from naslib_mini.data import Split
from naslib_mini.genotypes import DARTS_PRIMITIVES, DARTS_V2, Cell, Genotype
from naslib_mini.networks import CellNetwork
from naslib_mini.oneshot import bilevel
from naslib_mini.oneshot.config import DARTSConfig, TrainConfig
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.derive import darts_cell, op_share
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.profiling import step_cost
from naslib_mini.oneshot.search import benchmark_truth, retrain, search
from naslib_mini.oneshot.search_cnn import SearchCNN, SearchEdge, darts_edges
from naslib_mini.oneshot.supernet import Mixing
from naslib_mini.spaces import darts as darts_space
from naslib_mini.spaces import nb201
from naslib_mini.train import fit
from naslib_mini.utils import count_params, resolve_device, seed_everything
from naslib_mini.viz.cells import draw_cell
from naslib_mini.viz.oneshot_plots import (edge_labels, plot_alpha_trajectories, plot_alphas,
                                           plot_op_share, plot_step_costs, plot_truth)
from naslib_mini.viz.plots import plot_counts, plot_history

P = get_profile(PROFILE)
torch.manual_seed(SEED)
# The DARTS split: half of the training images train the weights, the other half the alphas.
splits = data.load(P.dataset, image_size=P.image_size, val_fraction=0.5, seed=0,
                   limit=P.pick(192, None))
print(P.name, "profile on", resolve_device(), ";", splits)
# The search's settings: the paper's (DARTSConfig.PAPER) in the full profile, and what the
# quick profile changes, side by side (oneshot/config.py gives the source of every value).
cfg = P.config(DARTSConfig.QUICK, DARTSConfig.PAPER)
print(cfg.describe(DARTSConfig.PAPER))

# %% [markdown]
# ## The space: 8 ops, 14 edges, two cells
#
# A DARTS cell reads the outputs of the two previous cells, $c_{k-2}$ and $c_{k-1}$, and
# computes 4 intermediate nodes; node $j$ may read every state before it, so there are
# $2 + 3 + 4 + 5 = 14$ edges, each carrying one of 8 ops (`none` means "no edge"). The cell's
# output concatenates the 4 nodes. A network stacks cells, with **reduction cells** (stride 2,
# twice the channels) at one and two thirds of the depth; all normal cells share one genotype
# and all reduction cells another.
#
# The discrete space the paper searches keeps, for each node, **2** of its incoming edges with
# one op each other than `none`:
# $$|\text{cell}| = \prod_{j=0}^{3} \binom{2+j}{2}\, 7^2, \qquad |\text{space}| = |\text{cell}|^2 .$$
# The relaxation replaces all that by one vector $\alpha^{(i,j)} \in \mathbb{R}^8$ per edge and
# cell type: $14 \times 8 \times 2 = 224$ numbers.

# %%
# NBVAL_CHECK_OUTPUT
print(len(DARTS_PRIMITIVES), "ops:", ", ".join(DARTS_PRIMITIVES))
print(len(darts_edges()), "edges (src -> dst, states 0 and 1 are the cell inputs):", darts_edges())
one = darts_space.count()
print(f"one cell          : {one:,} (~{one:.2e})")
print(f"normal + reduction: {one ** 2:,} (~{one ** 2:.2e})")
print(f"architecture parameters: 14 x {len(DARTS_PRIMITIVES)} per cell type, "
      f"{2 * 14 * len(DARTS_PRIMITIVES)} in all")
small = list(darts_space.enumerate_cells(n_nodes=2, ops=darts_space.DARTS_OPS[:3]))
print(f"check by enumeration, 2 nodes and 3 ops: {len(small):,} listed = "
      f"{darts_space.count(n_nodes=2, n_ops=3):,} by the formula")

# %%
def show_space(n_nodes=4, n_ops=7):
    ns = range(1, 7)
    return plot_counts(ns, [darts_space.count(n, n_ops) for n in ns], highlight=n_nodes,
                       xlabel="intermediate nodes per cell",
                       title=f"{n_nodes} nodes, {n_ops} ops: {darts_space.count(n_nodes, n_ops):.2e} cells")


interact(show_space, n_nodes=IntSlider(4, 1, 6, description="nodes"),
         n_ops=IntSlider(7, 1, 12, description="ops"));

# %% [markdown]
# ## The mixed op, from scratch
#
# On edge $(i, j)$ the choice of one op becomes a weighted sum (eq. 2 of the paper):
# $$\bar o^{(i,j)}(x) = \sum_{o \in O} \frac{\exp \alpha_o^{(i,j)}}{\sum_{o'} \exp \alpha_{o'}^{(i,j)}}\; o(x).$$
# Here it is in four lines, applied to the package's ops, then compared with the package's
# `SearchEdge` (a `MixedOp` built as in the DARTS search code: pooling ops are followed by a
# BatchNorm without learned scale, as the alphas scale every op).

# %%
def mixed_op(x, alpha, ops):
    w = torch.softmax(alpha, dim=0)               # (|O|,)
    return sum(w_o * op(x) for w_o, op in zip(w, ops))


torch.manual_seed(SEED)
edge = SearchEdge(C=4, stride=1, primitives=DARTS_PRIMITIVES).eval()
x, alpha = torch.randn(2, 4, 8, 8), 1e-3 * torch.randn(8)
ours = mixed_op(x, alpha, edge.mixed.ops)
assert torch.allclose(ours, edge(x, torch.softmax(alpha, 0)), atol=1e-6)
print("from scratch == package:", tuple(ours.shape))

# %% [markdown]
# ## Bilevel optimisation
#
# The weights $w$ should fit the training data; the architecture $\alpha$ should make the
# trained network good on **validation** data:
# $$\min_\alpha \mathcal{L}_{val}(w^*(\alpha), \alpha) \quad \text{s.t.} \quad w^*(\alpha) = \arg\min_w \mathcal{L}_{train}(w, \alpha).$$
# Training $w$ to convergence for every step of $\alpha$ is out of the question, so DARTS
# replaces $w^*$ by **one** step of the weight optimizer, $w' = w - \xi \nabla_w
# \mathcal{L}_{train}(w, \alpha)$, and differentiates through it:
# $$\nabla_\alpha \mathcal{L}_{val}(w', \alpha) - \xi\, \nabla^2_{\alpha, w} \mathcal{L}_{train}(w, \alpha)\, \nabla_{w'} \mathcal{L}_{val}(w', \alpha).$$
# The second term is a Hessian-vector product, approximated by a central difference with
# $w^\pm = w \pm \epsilon\, \nabla_{w'} \mathcal{L}_{val}(w', \alpha)$ and
# $\epsilon = 0.01 / \lVert \nabla_{w'} \mathcal{L}_{val}(w', \alpha) \rVert$:
# $$\frac{\nabla_\alpha \mathcal{L}_{train}(w^+, \alpha) - \nabla_\alpha \mathcal{L}_{train}(w^-, \alpha)}{2\epsilon}.$$
# With $\xi = 0$ only the first term is left: the **first-order** approximation.
# The official code takes the unrolled step exactly as its SGD would, with momentum $\mu$ and
# weight decay $\lambda$: $w' = w - \xi(\mu m + \nabla_w \mathcal{L}_{train} + \lambda w)$.
#
# First, on a model small enough to differentiate exactly: a softmax mixture of two linear
# ops. The exact hypergradient needs second derivatives (`create_graph=True`); the finite
# difference needs only gradients.

# %%
torch.manual_seed(SEED)  # the tiny model: two ops (linear, tanh of linear) mixed by softmax(a)
W = [torch.randn(5, 3, dtype=torch.float64, requires_grad=True) for _ in range(2)]
a = torch.randn(2, dtype=torch.float64, requires_grad=True)
Xt, Xv = torch.randn(32, 5, dtype=torch.float64), torch.randn(32, 5, dtype=torch.float64)
yt, yv = torch.randint(0, 3, (32,)), torch.randint(0, 3, (32,))
xi = 0.5


def tiny(X, W, a):
    w = a.softmax(0)
    return w[0] * (X @ W[0]) + w[1] * torch.tanh(X @ W[1])


def L_train():
    return F.cross_entropy(tiny(Xt, W, a), yt)


def L_val():
    return F.cross_entropy(tiny(Xv, W, a), yv)


# %% [markdown]
# The exact hypergradient: differentiate through the unrolled step with autograd (second
# derivatives, `create_graph=True`).

# %%
g = torch.autograd.grad(L_train(), W, create_graph=True)
w_prime = [w - xi * gi for w, gi in zip(W, g)]
exact = torch.autograd.grad(F.cross_entropy(tiny(Xv, w_prime, a), yv), a)[0]
print("exact hypergradient:", exact.detach().numpy().round(6))

# %% [markdown]
# The finite difference, from scratch: step to $w'$, take the gradients there, then the
# training gradient of $\alpha$ at $w^\pm$, and put the weights back.

# %%
g = torch.autograd.grad(L_train(), W)
with torch.no_grad():
    saved = [w.clone() for w in W]
    for w, gi in zip(W, g):
        w -= xi * gi                                          # w <- w'
parts = torch.autograd.grad(L_val(), [a, *W])
d_alpha, v = parts[0], parts[1:]                              # grad_alpha, grad_w' of L_val(w')
eps = 0.01 / torch.cat([vi.flatten() for vi in v]).norm()
with torch.no_grad():
    for w, s, vi in zip(W, saved, v):
        w.copy_(s + eps * vi)                                 # w+
g_pos = torch.autograd.grad(L_train(), a)[0]
with torch.no_grad():
    for w, s, vi in zip(W, saved, v):
        w.copy_(s - eps * vi)                                 # w-
g_neg = torch.autograd.grad(L_train(), a)[0]
with torch.no_grad():
    for w, s in zip(W, saved):
        w.copy_(s)                                            # back to w
scratch = d_alpha - xi * (g_pos - g_neg) / (2 * eps)
assert torch.allclose(scratch, exact, rtol=1e-5)
print("finite difference, from scratch:", scratch.numpy().round(6))

# %% [markdown]
# The package's `bilevel.second_order_grad`, the first-order gradient, and the copied bug:

# %%
package = bilevel.second_order_grad(L_train, L_val, W, [a], xi)[0]
first_order = bilevel.first_order_grad(L_val, [a])[0]
bug = d_alpha - xi * (g_pos - g_neg) / 2. * eps               # the copied operator-precedence bug
assert torch.allclose(package, exact, rtol=1e-5)
for name, val in [("exact (autograd)", exact), ("finite difference, from scratch", scratch),
                  ("finite difference, package", package), ("first order (xi = 0)", first_order),
                  ("'/ 2. * eps' instead of '/ (2 * eps)'", bug)]:
    print(f"{name:40s} {val.numpy().round(6)}   error {float((val - exact).abs().max()):.1e}")

# %% [markdown]
# The finite difference agrees with autograd to about six digits; dividing by `2. * eps`,
# which Python reads as `(... / 2.) * eps`, silently shrinks the second-order term by
# $\epsilon^2$ and leaves, in effect, the first-order gradient. That slip was copied from one
# popular port into several libraries; `tests/test_darts.py` checks the package against this
# exact computation so it cannot happen here.
#
# What does the second order cost on the real search network? It needs a gradient on the
# training batch, a forward-backward at $w'$ and two more gradients at $w^\pm$: measured here,
# one search step of each order on the same network and batch.

# %%
C_SEARCH, LAYERS_SEARCH, B = cfg.C, cfg.layers, cfg.batch_size
costs = {}
for order in (1, 2):
    seed_everything(SEED)
    net = SearchCNN(C=C_SEARCH, layers=LAYERS_SEARCH, num_classes=splits.num_classes,
                    in_channels=splits.in_channels).to(resolve_device())
    arch = DARTS(net, splits.val, cfg.replace(order=order))
    costs[f"order {order}"] = step_cost(arch, splits.train.X[:B], splits.train.y[:B],
                                        repeats=P.pick(1, 5))
ratio = costs["order 2"]["time_s"] / costs["order 1"]["time_s"]
print(f"search network: {count_params(net):,} weights; second order costs {ratio:.1f}x "
      "the first per step")
plot_step_costs(costs, title=f"one search step, batch {B}, on {costs['order 1']['device']}")

# %% [markdown]
# The paper's search network (8 cells of 16 channels on CIFAR-10), its size and the
# convolutions one search cell runs on every pass (all 8 ops on all 14 edges):

# %%
# NBVAL_CHECK_OUTPUT
paper_net = SearchCNN(C=16, layers=8, num_classes=10, in_channels=3)
print(f"DARTS search network, 8 cells, C=16, CIFAR-10: {count_params(paper_net):,} weights")
print(f"this run's search network, {LAYERS_SEARCH} cells, C={C_SEARCH}, {splits.name}: "
      f"{count_params(net):,} weights")
for cell in (paper_net.cells[0], paper_net.cells[paper_net.reductions[0]]):
    n_conv = sum(isinstance(m, torch.nn.Conv2d) for m in cell.modules())
    print(f"convolutions in one {'reduction' if cell.reduction else 'normal'} search cell: {n_conv}")
del paper_net

# %% [markdown]
# ## Algorithm 1, written out
#
# The search alternates two steps on every batch (Algorithm 1 of the paper): (1) one step of
# $\alpha$ on a **validation** batch, (2) one step of $w$ on a **training** batch, with
# $\alpha$ held fixed. Here it is from scratch, first order, on the search network: ten lines.
# Then the package's method (`DARTS`, a `train.fit` callback whose `train_step` does the same)
# takes one step from the same weights, alphas and batches, and both must land on the same
# weights and alphas.

# %%
def darts_step(net, alphas, alpha_opt, w_opt, X, y, Xv, yv, grad_clip):
    """One search step, first order: alpha on (Xv, yv), then w on (X, y)."""
    mix = lambda a: {k: Mixing(v.softmax(-1)) for k, v in a.items()}  # noqa: E731
    alpha_opt.zero_grad()
    F.cross_entropy(net(Xv, mix(alphas)), yv).backward()      # (1) grad_alpha L_val(w, alpha)
    alpha_opt.step()
    w_opt.zero_grad()                                         # (step 1 left gradients on w too)
    alphas = {k: v.detach() for k, v in alphas.items()}       # alpha fixed for step 2
    F.cross_entropy(net(X, mix(alphas)), y).backward()        # (2) grad_w L_train(w, alpha)
    torch.nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
    w_opt.step()


step_cfg = cfg.replace(order=1)
seed_everything(SEED)
net = SearchCNN(C=cfg.C, layers=cfg.layers, num_classes=splits.num_classes,
                in_channels=splits.in_channels)
twin = copy.deepcopy(net)                                     # the package's copy
method = DARTS(twin, splits.val, step_cfg, seed=SEED, device="cpu")
Xv, yv = DARTS(copy.deepcopy(net), splits.val, step_cfg, seed=SEED,
               device="cpu").next_val_batch()                 # the batch `method` will draw
X, y = splits.train.X[:B].cpu(), splits.train.y[:B].cpu()
alphas = {k: a.detach().clone().requires_grad_() for k, a in method.alphas.items()}
darts_step(net, alphas,
           torch.optim.Adam(alphas.values(), lr=cfg.arch_lr, betas=cfg.arch_betas,
                            weight_decay=cfg.arch_weight_decay),
           torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                           weight_decay=cfg.weight_decay), X, y, Xv, yv, cfg.grad_clip)
fit(SearchModel(method), (Split(X, y), None), num_epochs=1, batch_size=B, lr=cfg.lr,
    momentum=cfg.momentum, weight_decay=cfg.weight_decay, grad_clip=cfg.grad_clip,
    scheduler=None, callbacks=[method], progress=False, device="cpu")
same_w = all(torch.allclose(p, q, atol=1e-6) for p, q in zip(net.parameters(), twin.parameters()))
same_a = all(torch.allclose(alphas[k], method.alphas[k], atol=1e-6) for k in alphas)
assert same_w and same_a
print(f"one step from scratch == one step of the package (fit + DARTS): weights {same_w}, "
      f"alphas {same_a}")

# %% [markdown]
# ## A real search
#
# `search("darts", "darts", splits, cfg)` builds the search network, creates the method
# `DARTS` (the alphas, their Adam optimizer, the architecture step above) and runs the one
# training loop, `train.fit`, with the method as its callback. The full profile uses the
# paper's settings (`DARTSConfig.PAPER`, printed at the top: 8 cells, 16 channels, 50 epochs,
# batch 64, SGD 0.025 cosine, momentum 0.9, weight decay 3e-4; alpha Adam 3e-4, betas
# (0.5, 0.999), weight decay 1e-3; second order) on CIFAR-10. The quick profile is much
# smaller, **and says so**: a 3-cell network of 4 channels, about twenty steps on 192
# training digits (every search cell runs the convolutions counted above on each pass, slow
# on a CPU), first order, and alpha's learning rate 1e-2 instead of 3e-4, because it takes
# about twenty steps where the paper takes about 20,000 (50 epochs of 391 batches).

# %%
EPOCHS = cfg.num_epochs
t0 = time.perf_counter()
result = search("darts", "darts", splits, cfg, seed=SEED, evaluate=P.pick(False, True),
                desc="DARTS search")
search_seconds = time.perf_counter() - t0
h = result.history
steps = EPOCHS * -(-len(splits.train) // B)
print(f"{EPOCHS} epochs, {steps} architecture steps, "
      f"{search_seconds:.0f} s; validation accuracy of the supernet on the alpha batches: "
      f"{h['arch_val_acc'][0]:.2f} -> {h['arch_val_acc'][-1]:.2f}")
plot_history({"epoch": h["epoch"], "train_loss": h["train_loss"], "train_acc": h["train_acc"],
              "val_loss": h["arch_val_loss"], "val_acc": h["arch_val_acc"]},
             title="the search: weights on train, alphas on val")

# %% [markdown]
# ### Alphas over the epochs
#
# Each row is an edge, each column an op; the colour is softmax(alpha). The weights start at
# a uniform 1/8 (alpha = 1e-3 randn, as in the official code); here they are after the last
# epoch, and the slider below steps through the epochs.

# %%
snaps = result.searcher.snapshots
labels = edge_labels(darts_edges())


def show_alphas(epoch=len(snaps)):
    return plot_alphas(snaps[epoch - 1]["weights"], DARTS_PRIMITIVES, labels,
                       title=f"softmax(alpha) after epoch {epoch}")


show_alphas()

# %%
interact(show_alphas, epoch=IntSlider(len(snaps), 1, len(snaps), description="epoch"));

# %%
H = np.stack([s["weights"]["normal"] for s in snaps])  # (epochs, 14, 8)
moved = int(np.abs(H[-1] - 1 / 8).max(1).argmax())
plot_alpha_trajectories(H, DARTS_PRIMITIVES, edge=moved,
                        title=f"normal cell, edge {labels[moved]}: the edge whose weights moved most")

# %% [markdown]
# ### From alphas to a cell, step by step
#
# The rule of the paper (section 2.4): for every node, (1) on each incoming edge take the
# strongest op that is not `none`; (2) keep the two edges whose strongest op is strongest,
# which come from distinct predecessors because every edge is one predecessor; (3) each kept
# edge carries its op. Here it is from scratch on the final normal-cell weights, then checked
# against the package.

# %%
def derive_from_scratch(weights, ops=DARTS_PRIMITIVES):
    nodes, e = [], 0
    for j in range(4):                                   # intermediate node j reads states 0 .. j+1
        candidates = []
        for src in range(2 + j):
            row = weights[e]
            best = max((k for k in range(len(ops)) if ops[k] != "none"), key=lambda k: row[k])
            candidates.append((row[best], src, ops[best]))     # (strength, predecessor, op)
            e += 1
        kept = sorted(candidates, key=lambda c: -c[0])[:2]     # top-2 predecessors
        nodes.append(tuple((op, src) for _, src, op in sorted(kept, key=lambda c: c[1])))
        print(f"node {j}: strongest per edge", [(src, op, round(float(s), 3)) for s, src, op in candidates],
              "-> keep", nodes[-1])
    return Cell(tuple(nodes))


w_final = snaps[-1]["weights"]["normal"]
assert derive_from_scratch(w_final) == darts_cell(w_final) == result.arch.normal
print("from scratch == package == result.arch.normal")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
def show_cell(epoch=len(snaps), kind="normal"):
    g = snaps[epoch - 1]["arch"]
    return draw_cell(getattr(g, kind), title=f"{kind} cell derived after epoch {epoch}")


interact(show_cell, epoch=IntSlider(len(snaps), 1, len(snaps), description="epoch"),
         kind=["normal", "reduce"]);

# %%
print("derived genotype:", result.arch.to_string())
changes = sum(a != b for a, b in zip(result.archs, result.archs[1:]))
print(f"the derived genotype changed {changes} times in {len(snaps)} epochs")

# %% [markdown]
# ## Retraining the found cell, in one call
#
# The search network is only a proxy. DARTS' last step trains the derived genotype from
# scratch in a bigger network (20 cells, 36 channels, 600 epochs in the paper) and reports its
# test error. `retrain(genotype, splits, ...)` does that with `networks.CellNetwork`. A fair
# comparison trains **random genotypes** of the same space in the same network the same way;
# the paper's random-search baseline reached 3.29% on CIFAR-10, close to DARTS' 2.76%. The
# quick profile trains small networks for a few epochs on the standard digits split, so the
# differences below are within seed noise unless they are large: read them as a demonstration.

# %%
eval_splits = data.load(P.dataset, image_size=P.image_size, seed=0)  # the usual train/val/test
RETRAIN = P.config(TrainConfig.QUICK, TrainConfig.PAPER)  # the paper's: 20 cells, C = 36, 600 epochs
N_RANDOM = P.pick(2, 8)
rng = np.random.default_rng(SEED)
candidates = {"DARTS (this run)": result.arch}
for k in range(N_RANDOM):
    candidates[f"random {k + 1}"] = Genotype(darts_space.sample(rng), darts_space.sample(rng))
retrained = {}
for name, genotype in candidates.items():
    r = retrain(genotype, eval_splits, RETRAIN, seed=SEED)
    retrained[name] = r
    print(f"{name:18s} {r['params']:8,} weights   test accuracy {r['test_acc']:.3f}   "
          f"skip_connect share (normal) {op_share(genotype):.2f}")

# %% [markdown]
# ## The collapse: parameter-free ops take over
#
# Run DARTS long enough and the derived cells fill with `skip_connect` (and other
# parameter-free ops), and their accuracy after retraining falls (P-DARTS, arXiv 1904.12760;
# Zela et al., arXiv 1909.09656). One explanation: in the supernet, a skip connection
# helps gradients flow and is useful to the *shared* weights early on, so its alpha grows,
# whether or not it helps a stand-alone network. To **measure** it we need the accuracy of
# the cell derived at every epoch, and retraining each one is expensive. The tabular benchmark
# (notebook 01) knows the accuracy of every NAS-Bench-201 cell, so we run DARTS on that space
# as a supernet (`NB201SuperNet`, the benchmark's own network) and look each derived cell up.
# Here the derivation takes the argmax on every edge, `none` included, as NAS-Bench-201 does.
#
# First, the share of `skip_connect` in the cells derived during the DARTS-space search above
# (about twenty steps, far too short to expect the effect; the full profile's 50 epochs are
# where the paper's setting would show it):

# %%
plot_op_share([s["epoch"] for s in snaps],
              {"normal cell": [op_share(s["arch"], cell="normal") for s in snaps],
               "reduction cell": [op_share(s["arch"], cell="reduce") for s in snaps]},
              title="skip_connect in the cells derived by the DARTS-space search",
              ylabel="share of skip_connect edges")

# %% [markdown]
# Now a run on the benchmark's space, where every derived cell has a known accuracy. Which
# supernet? NAS-Bench-201 ran DARTS with its own skeleton: 3 stages of N = 5 cells joined by
# residual reduction blocks, and reported the collapse there. We do the same, scaled down in
# the quick profile (N = 3, C = 4, 10 epochs; the full profile uses `DARTSConfig.NB201`,
# NAS-Bench-201's own settings: N = 5, C = 16, 50 epochs, weight decay 5e-4, arch_lr 3e-4,
# first order). The benchmark's own numbers come from the
# one-stage network of notebook 01; a cell derived by the deep supernet is looked up there.
# (Notebooks 07 and 12 search with that one-stage network as the supernet; exercise 5 asks
# what changes.)

# %%
bench = Benchmark()
digits = data.load("digits", val_fraction=0.5, seed=0)  # the benchmark's data: digits in both profiles
nb_cfg = P.config(DARTSConfig.NB201_QUICK, DARTSConfig.NB201)
print(nb_cfg.describe(DARTSConfig.NB201))
NB_EPOCHS = nb_cfg.num_epochs
t0 = time.perf_counter()
nb = search("nb201", "darts", digits, nb_cfg, seed=SEED, evaluate=False,
            desc="DARTS on NAS-Bench-201")
print(f"{NB_EPOCHS} epochs in {time.perf_counter() - t0:.0f} s with the NAS-Bench-201 skeleton "
      f"as the supernet ({nb_cfg.stages} stages of {nb_cfg.layers} cells, C = {nb_cfg.C})")
FREE = ("none", "skip_connect", "avg_pool_3x3")
truth = [benchmark_truth(bench, cell) for cell in nb.archs]
skip = [op_share(c) for c in nb.archs]
free = [sum(op_share(c, o) for o in FREE) for c in nb.archs]
acc = [t["test_acc"] for t in truth]
epochs = list(range(1, NB_EPOCHS + 1))
plot_op_share(epochs, {"skip_connect": skip, "parameter-free (none, skip, pool)": free},
              accuracy=acc, acc_label="benchmark test accuracy of the derived cell",
              title="DARTS on NAS-Bench-201: what the derived cell is made of")

# %%
half = NB_EPOCHS // 2


def halves(x):  # mean over the first and the second half of the search
    return float(np.mean(x[:half])), float(np.mean(x[half:]))


def moved(x):
    a, b = halves(x)
    return "rose" if b > a else "fell" if b < a else "stayed"


for name, x in (("share of skip_connect", skip), ("share of parameter-free ops", free),
                ("benchmark test accuracy of the derived cell", acc)):
    print(f"{name}: first half {halves(x)[0]:.3f}, second half {halves(x)[1]:.3f} ({moved(x)})")
collapsed = moved(free) == "rose" and moved(acc) == "fell"
print("In this run the parameter-free share", moved(free), "and the accuracy", moved(acc),
      "->", "the collapse, measured." if collapsed else "no collapse is shown by this run.")

# %% [markdown]
# ## DARTS on the benchmark: how good is the cell it found?
#
# The last derived cell, looked up: its test accuracy in the benchmark and its rank among all
# 15,625 cells (1 = best).

# %%
final = benchmark_truth(bench, nb.arch)
best_index, _ = bench.best("test_acc")
print(f"DARTS' cell: {final['cell']}")
print(f"benchmark test accuracy {final['test_acc']:.3f}, rank {final['rank']:,} of {final['n']:,} "
      f"(better than or equal to {final['percentile']:.1f}% of cells); the best cell has {final['best']:.3f}")
real = NASBench201()  # the same cell on the real NAS-Bench-201 (notebook 01)
print(judged_on_cifar(nb.arch, real))
print(f"NAS-Bench-201 (arXiv 2001.00326) reports DARTS searched on CIFAR-10 collapsing to the "
      f"all-skip_connect cell, 54.30%; that cell in the table: "
      f"{100 * real.query(('skip_connect',) * 6, 'test_acc', dataset='cifar10'):.2f}%")

# %%
# NBVAL_IGNORE_OUTPUT: Graphviz's SVG output differs between Graphviz versions
draw_cell(nb201.to_cell(nb.arch), title=f"DARTS on NAS-Bench-201 (rank {final['rank']:,})")

# %%
plot_truth(bench.table("test_acc"), {"DARTS (final cell)": [final["test_acc"]],
                                     "DARTS (cell of each epoch)": acc},
           title="where DARTS' cells fall among all 15,625")

# %% [markdown]
# ## The paper beside this run
#
# The paper's numbers are from arXiv 1806.09055 (CIFAR-10 test error, mean of 4 runs of the
# search each retrained; search cost on GTX 1080Ti GPUs). This run's numbers come from the
# cells above.

# %%
v2_params = count_params(CellNetwork(DARTS_V2, C=36, layers=20, num_classes=10, in_channels=3))
ours = retrained["DARTS (this run)"]
rand_acc = [r["test_acc"] for k, r in retrained.items() if k.startswith("random")]
this = (f"order {result.config.order}: {1 - ours['test_acc']:.1%} error on {eval_splits.name} "
        f"({ours['params']:,} parameters, {RETRAIN.num_epochs} epochs), search {search_seconds:.0f} s")
rows = [
    ("DARTS, second order", "2.76 +- 0.09% error, 3.3M parameters, 4 GPU-days (4 runs)",
     this if result.config.order == 2 else "(this run searched with the first order)"),
    ("DARTS, first order", "3.00 +- 0.14% error, 1.5 GPU-days",
     this if result.config.order == 1 else "(this run searched with the second order)"),
    ("random cells, same network", "3.29% error (random search baseline)",
     f"{1 - np.mean(rand_acc):.1%} mean error of {len(rand_acc)} random genotypes"),
    ("DARTS_V2 cell at 20 cells, C = 36", "3.3M parameters",
     f"{v2_params:,} parameters in our network (no auxiliary head)"),
    ("search network", "8 cells, C = 16, 50 epochs, batch 64",
     f"{LAYERS_SEARCH} cells, C = {C_SEARCH}, {EPOCHS} epochs, batch {B}"),
    ("on NAS-Bench-201 (digits)", "(not in the paper)",
     f"rank {final['rank']:,} of {final['n']:,}, parameter-free share {free[-1]:.2f}"),
]
print(f"{'':34s} | {'paper':58s} | this run")
for name, paper, run in rows:
    print(f"{name:34s} | {paper:58s} | {run}")

# %% [markdown]
# Why they differ: the paper searched for a GPU-day on 25,000 CIFAR-10 images with a 1.9M-weight
# supernet and retrained for 600 epochs with cutout, drop-path and an auxiliary head; the quick
# profile searches for seconds on a few hundred 8×8 digits with a 3-cell network and retrains
# for a few epochs. Digits are easy, so retrained accuracies bunch together and a few epochs
# of one seed cannot separate a good cell from a random one; the numbers above are a working
# pipeline, not a replication. The full profile runs the same code at the paper's settings on
# CIFAR-10 (a GPU-day for the search; the 600-epoch retraining is the expensive part).
#
# **Full profile**: `NASLIB_MINI_PROFILE=full` (or `PROFILE = "full"`) searches CIFAR-10
# (downloaded once by torchvision) with 8 cells of 16 channels for 50 epochs, second order,
# batch 64, the paper's optimizers, then retrains at 20 cells, 36 channels, 600 epochs,
# batch 96, with crop, flip and cutout; the NAS-Bench-201 part runs 50 epochs with the
# NAS-Bench-201 skeleton (3 stages of 5 cells, C = 16) as the supernet.
#
# ## Summary
# - DARTS relaxes the choice of op on each edge into a softmax-weighted sum, so the
#   architecture (224 numbers for the CIFAR-10 space of about $10^{18}$ cells) is learned by
#   gradient descent alongside the weights.
# - The bilevel problem is approximated by one unrolled weight step; the second-order term is a
#   finite-difference Hessian-vector product, checked here against exact autograd (and the
#   `/ 2. * eps` slip fails that check). It costs more per step than the first order (the
#   ratio is measured above).
# - The discrete cell keeps, per node, the two strongest edges and their strongest non-`none`
#   ops; the cell must then be retrained, and compared with random cells trained the same way.
# - DARTS can drift towards parameter-free ops; a tabular benchmark makes that measurable.
#
# ## Exercises
# 1. **Second order, for real.** Rerun the search with `cfg.replace(order=2)`. How much longer does it take,
#    and does the derived genotype change? *Hint: compare `result.archs` of both runs, and the
#    cost ratio measured above.*
# 2. **Early stopping.** Zela et al. stop DARTS when the curvature of the validation loss grows.
#    A cheaper rule: keep the cell of the epoch with the best `arch_val_acc`. On
#    NAS-Bench-201, is that cell better than the last one? *Hint: `nb.history["arch_val_acc"]`
#    and `truth`.*
# 3. **Seeds.** Run the NAS-Bench-201 search with 5 seeds. How far apart are the ranks of the
#    cells found? What does that say about reporting one search? *Hint: `search("nb201",
#    "darts", digits, nb_cfg, seed=s)` in a loop; `benchmark_truth`.*
# 4. **The bug, in practice.** Write a `DARTS` subclass whose second-order step divides by
#    `2. * eps`. On the tiny model above, how does its step compare with the first-order one?
#    *Hint: the error printed in the bilevel section.*
# 5. **The supernet decides.** Rerun the NAS-Bench-201 search with the benchmark's own
#    one-stage network as the supernet (`nb_cfg.replace(layers=1, stages=1, C=8)`).
#    Does `skip_connect` still take over? *Hint: in a deep supernet a skip connection carries
#    gradients past many cells; in a one-cell network there is nothing to skip.*
