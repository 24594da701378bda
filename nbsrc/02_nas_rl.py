# %% [markdown]
# # 02 · Neural architecture search with reinforcement learning
#
# Zoph & Le, **Neural Architecture Search with Reinforcement Learning**, ICLR 2017
# (arXiv 1611.01578).
#
# Can a network design networks? Zoph and Le let a recurrent network, the **controller**, write
# a convolutional network down one decision at a time (filter sizes, numbers of filters, which
# earlier layers feed each layer), train the child it wrote, and use the child's validation
# accuracy as a reward to improve its own choices with the policy gradient. On CIFAR-10 it
# matched the best hand-designed networks of its day, after 800 GPUs ran for 28 days.
#
# **You will learn**
# - the paper's CNN search space, and how its size grows with the number of layers;
# - the controller: an LSTM with a softmax per decision and anchor-point attention for skips;
# - REINFORCE with a moving-average baseline and an entropy bonus, derived and run for real;
# - how much a learned controller beats random search, measured over seeds on a ground truth.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about 2 minutes) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from ipywidgets import Checkbox, IntSlider, interact

from naslib_mini import data
from naslib_mini.benchmark import Benchmark
from naslib_mini.config import get_profile
from naslib_mini.spaces import nb201, zoph
from naslib_mini.strategies.controller import Controller, nb201_steps
from naslib_mini.strategies.random_search import RandomSearch, run
from naslib_mini.strategies.reinforce import Reinforce
from naslib_mini.train import fit
from naslib_mini.utils import count_params, seed_everything
from naslib_mini.viz.plots import plot_best_so_far, plot_counts

P = get_profile(PROFILE)
splits = data.load(P.dataset, image_size=P.image_size, limit=P.limit, seed=0)

# %% [markdown]
# ## The search space
#
# Each layer of the child network is a convolution whose controller picks the filter height
# and width in {1, 3, 5, 7}, the number of filters in {24, 36, 48, 64}, and (in one variant)
# the stride in {1, 2, 3}. Skip connections come from **anchor points**: at layer $i$ the
# controller decides, for every earlier layer $j$, whether $j$ feeds $i$. With $L$ layers:
# $$|\mathcal{A}| = (4 \cdot 4 \cdot 4\,[\cdot 3])^{L} \cdot 2^{L(L-1)/2}.$$
# The paper gives no total; we compute it.

# %%
# NBVAL_CHECK_OUTPUT
for L in (3, 6, 15):
    print(f"L = {L:>2}: {zoph.size(L):.2e} architectures (fixed stride), "
          f"{zoph.size(L, strides=True):.2e} with strides")
print("L = 15 exactly:", f"{zoph.size(15):,}")
print("checked by enumeration, L = 2 with 2 options per choice:",
      sum(1 for _ in zoph.enumerate_archs(2, False, (1, 3), (1, 3), (24, 36), (1,))),
      "=", zoph.size(2, heights=2, widths=2, filters=2))

# %%
def show_size(layers=15, strides=False):
    ls = range(1, 21)
    return plot_counts(ls, [zoph.size(l, strides) for l in ls], highlight=layers,
                       xlabel="layers", title=f"{layers} layers: {zoph.size(layers, strides):.2e}")


interact(show_size, layers=IntSlider(15, 1, 20, description="layers"),
         strides=Checkbox(False, description="predict strides"));

# %% [markdown]
# ## The controller
#
# The controller is a 2-layer LSTM with 35 units. At every step it emits a softmax over that
# step's choices; the sampled token is embedded and fed back as the next input. At layer $i$'s
# anchor step it decides every skip connection with
# $$P(\text{layer } j \to \text{layer } i) = \sigma\!\left(v^\top \tanh(W_{prev} h_j + W_{curr} h_i)\right),$$
# where $h_j$ is the controller's hidden state at layer $j$'s anchor. The log-probability of a
# whole architecture is the sum of the log-probabilities of its decisions.

# %%
L = P.pick(3, 12)
steps = zoph.decisions(L)
torch.manual_seed(SEED)
controller = Controller(steps, hidden=35, num_layers=2)
tokens, log_prob, entropy = controller.sample(torch.Generator().manual_seed(SEED))
arch = zoph.tokens_to_arch(tokens, L)
print(f"{len(steps)} decisions; log P = {log_prob.item():.3f}, entropy {entropy.item():.3f}")
for i, layer in enumerate(arch):
    print(f"layer {i}: {layer.height}x{layer.width}, {layer.filters} filters, inputs {layer.inputs or 'image'}")
teacher, _ = controller.log_prob(tokens)
assert torch.allclose(teacher, log_prob)  # sampling and teacher forcing agree

# %%
seed_everything(SEED)
child = zoph.ZophNet(arch, splits.in_channels, splits.num_classes)
print(f"child network: {count_params(child):,} parameters")
h = fit(child, splits, num_epochs=P.num_epochs, seed=SEED, desc="child")
print(f"validation accuracy {h['val_acc'][-1]:.3f}")

# %% [markdown]
# ## REINFORCE
#
# The controller's parameters $\theta_c$ should maximise the expected reward
# $J(\theta_c) = E_{P(a_{1:T};\theta_c)}[R]$. Its gradient (Williams 1992), estimated from $m$
# sampled children and with a baseline $b$ that lowers the variance without biasing it:
# $$\nabla_{\theta_c} J \approx \frac{1}{m}\sum_{k=1}^{m} \sum_{t=1}^{T}
#   \nabla_{\theta_c} \log P(a_t \mid a_{1:t-1}; \theta_c)\,(R_k - b),$$
# with $b$ an exponential moving average of past rewards, plus a small entropy bonus that keeps
# the controller exploring.
#
# ### (a) Children trained for real
#
# Each episode trains the child for one epoch on digits. The quick profile affords a handful of
# episodes: enough to see the mechanics, not a learning curve.

# %%
EPISODES_REAL = P.pick(10, 400)


def train_child(tokens):
    seed_everything(SEED)
    net = zoph.ZophNet(zoph.tokens_to_arch(tokens, L), splits.in_channels, splits.num_classes)
    return fit(net, splits, num_epochs=P.pick(1, 20), seed=SEED, progress=False)["val_acc"][-1]


agent = Reinforce(controller, lr=P.pick(5e-3, 6e-4), baseline_decay=0.95, entropy_weight=1e-4,
                  seed=SEED)
rewards = run(agent, train_child, EPISODES_REAL)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot([e["reward"] for e in agent.history], "o-", label="reward")
ax.plot([e["baseline"] for e in agent.history], "--", label="baseline")
ax.set(xlabel="episode", ylabel="validation accuracy")
ax.legend()
plt.show()

# %% [markdown]
# ### (b) Hundreds of episodes on the tabular benchmark
#
# To watch the controller learn, make each episode cost a lookup: a controller over the 6 edge
# decisions of the NAS-Bench-201 cell (notebook 01), rewarded by the cell's validation accuracy
# in our benchmark. The same `Reinforce`, the same `run`.

# %%
bench = Benchmark()
EPISODES = P.pick(300, 1000)
SEEDS = P.pick(5, 20)


def reward(tokens):
    return bench.query(tuple(nb201.OPS[t] for t in tokens), "val_acc")


def make_reinforce(seed):
    torch.manual_seed(seed)
    return Reinforce(Controller(nb201_steps(), hidden=35, num_layers=2), lr=5e-3,
                     baseline_decay=0.95, entropy_weight=1e-3, seed=seed)


def make_random(seed):
    return RandomSearch(lambda rng: [int(rng.integers(5)) for _ in range(6)], seed=seed)


agents = [make_reinforce(s) for s in range(SEEDS)]
rl = np.array([run(a, reward, EPISODES) for a in agents])                   # (seeds, episodes)
rs = np.array([run(make_random(s), reward, EPISODES) for s in range(SEEDS)])
plot_best_so_far({"REINFORCE controller": rl, "random search": rs},
                 ylabel="best validation accuracy so far", xlabel="cells evaluated", band="sem")

best_rl, best_rs = np.maximum.accumulate(rl, 1), np.maximum.accumulate(rs, 1)
for n in (50, 100, EPISODES):
    d = best_rl[:, n - 1] - best_rs[:, n - 1]
    sem = d.std(ddof=1) / np.sqrt(SEEDS)
    verdict = ("the controller is ahead" if d.mean() > 2 * sem else
               "random search is ahead" if d.mean() < -2 * sem else "no difference beyond seed noise")
    print(f"after {n:4d} cells: controller {best_rl[:, n - 1].mean():.4f}, random "
          f"{best_rs[:, n - 1].mean():.4f}, difference {d.mean():+.4f} ± {sem:.4f} (sem): {verdict}")
print(f"the space's best cell: {bench.best('val_acc')[1]:.4f}")

# %% [markdown]
# What the controller learned: its probability for each op on each edge, as training goes.

# %%
probe = agents[0]
snapshots = []  # replay the agent's history to get its policy every 10 episodes
torch.manual_seed(0)
replay = make_reinforce(0)
for k, e in enumerate(probe.history):
    replay.tell(e["tokens"], e["reward"])
    if k % 10 == 0:
        dists = replay.controller.step_distributions(e["tokens"])
        snapshots.append(torch.stack(dists).numpy())  # (6 edges, 5 ops)


def show_policy(snapshot=len(snapshots) - 1):
    fig, ax = plt.subplots(figsize=(5, 3))
    im = ax.imshow(snapshots[snapshot].T, vmin=0, vmax=1, cmap="viridis")
    ax.set(xticks=range(6), xticklabels=[f"{i}->{j}" for i, j in nb201.EDGES],
           yticks=range(5), yticklabels=nb201.OPS, title=f"episode {snapshot * 10}")
    fig.colorbar(im, ax=ax, label="P(op)")
    plt.close(fig)
    return fig


interact(show_policy, snapshot=IntSlider(len(snapshots) - 1, 0, len(snapshots) - 1,
                                         description="snapshot"));

# %% [markdown]
# ## The paper beside this run
#
# | | Zoph & Le 2017 | this run |
# |---|---|---|
# | search cost | 800 GPUs for 28 days (12,800 child networks) | (a) the episodes above on a 2-core CPU; (b) lookups |
# | controller | 2-layer LSTM, 35 units, Adam 6e-4, baseline = moving average | the same; Adam 5e-3 (far fewer episodes) |
# | CIFAR-10 error | 3.65% (37.4M parameters) | not run on CIFAR-10 here; digits accuracy above |
# | against random search | policy gradient better than random search (the paper's Figure 6, PTB) | printed under the plot above, over seeds: the difference in best-so-far at 50, 100 and all episodes, with its standard error |
#
# ## Summary
# - The NAS-RL space multiplies per-layer choices and doubles with every possible skip; at 15
#   layers it holds about $5 \times 10^{58}$ networks.
# - A controller is a policy over decisions; its log-probability is the sum over decisions.
# - REINFORCE with a moving-average baseline trains it from rewards alone; whether it beats
#   random search is a question for many seeds and a ground truth, not for one run.
#
# ## Exercises
# 1. **Entropy.** Set `entropy_weight=0` in (b). What happens to the controller's policy, and to
#    the spread between seeds?
# 2. **Baseline.** Set `baseline_decay=0` (the baseline is the last reward). Compare the curves.
# 3. **Reward shaping.** Zoph & Le cubed the accuracy for CIFAR-10. Reward with `acc ** 3`.
# 4. **Strides.** Build the controller with `zoph.decisions(L, strides=True)` and train children.
# 5. **Learning rate.** Raise the controller's `lr` in (b) to 0.02. Does it still find good
#    cells, or does its policy settle on one cell early? Watch the heatmap.
