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
# - whether a learned controller beats random search, measured over 20 seeds on the real
#   NAS-Bench-201 (searched on its validation split, judged on CIFAR-10 test accuracy).

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about 2 minutes) or "full" (GPU, CIFAR-10); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import copy

import torch
from ipywidgets import Checkbox, IntSlider, interact

from naslib_mini import data, spaces
from naslib_mini.benchmarks.real import NASBench201
from naslib_mini.compare import Discrete, compare, contenders, format_leaderboard
from naslib_mini.config import get_profile
from naslib_mini.metrics import bootstrap_ci, verdict
from naslib_mini.spaces import nb201, zoph
from naslib_mini.strategies import run
from naslib_mini.strategies.controller import Controller
from naslib_mini.strategies.reinforce import Reinforce
from naslib_mini.train import fit
from naslib_mini.utils import count_params, seed_everything
from naslib_mini.viz.compare_plots import plot_regret
from naslib_mini.viz.oneshot_plots import plot_alphas
from naslib_mini.viz.plots import plot_counts, plot_rewards
from naslib_mini.viz.tables import claims_table

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
    print(f"L = {L:>2}: {zoph.count(L):.2e} architectures (fixed stride), "
          f"{zoph.count(L, strides=True):.2e} with strides")
print("L = 15 exactly:", f"{zoph.count(15):,}", "=", f"{spaces.get('zoph', n_layers=15).size:,}")
print("checked by enumeration, L = 2 with 2 options per choice:",
      sum(1 for _ in zoph.enumerate_archs(2, False, (1, 3), (1, 3), (24, 36), (1,))),
      "=", zoph.count(2, heights=2, widths=2, filters=2))

# %%
def show_size(layers=15, strides=False):
    ls = range(1, 21)
    return plot_counts(ls, [zoph.count(l, strides) for l in ls], highlight=layers,
                       xlabel="layers", title=f"{layers} layers: {zoph.count(layers, strides):.2e}")


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
# whole architecture is the sum of the log-probabilities of its decisions. The space object
# lists the decisions (`space.token_steps()`) and turns tokens into an architecture and back.

# %%
L = P.pick(3, 12)
space = spaces.get("zoph", n_layers=L)
steps = space.token_steps()
torch.manual_seed(SEED)
controller = Controller(steps, hidden=35, num_layers=2)
initial = copy.deepcopy(controller.state_dict())  # for replaying REINFORCE's updates below
tokens, log_prob, entropy = controller.sample(torch.Generator().manual_seed(SEED))
arch = space.from_tokens(tokens)
print(f"{len(steps)} decisions; log P = {log_prob.item():.3f}, entropy {entropy.item():.3f}")
for i, layer in enumerate(arch):
    print(f"layer {i}: {layer.height}x{layer.width}, {layer.filters} filters, inputs {layer.inputs or 'image'}")
teacher, _ = controller.log_prob(tokens)
assert torch.allclose(teacher, log_prob)  # sampling and teacher forcing agree

# %%
seed_everything(SEED)
child = space.build(arch, in_channels=splits.in_channels, num_classes=splits.num_classes)  # a ZophNet
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
LR, DECAY, ENTROPY = P.pick(5e-3, 6e-4), 0.95, 1e-4


def train_child(arch):
    seed_everything(SEED)
    net = space.build(arch, in_channels=splits.in_channels, num_classes=splits.num_classes)
    return fit(net, splits, num_epochs=P.pick(1, 20), seed=SEED, progress=False)["val_acc"][-1]


agent = Reinforce(controller, lr=LR, baseline_decay=DECAY, entropy_weight=ENTROPY, seed=SEED,
                  space=space)
rewards = run(agent, train_child, EPISODES_REAL)
plot_rewards(agent.episodes)

# %% [markdown]
# The update, written out: with one child per update ($m = 1$) the loss REINFORCE minimises is
# $-(R - b)\log P(a_{1:T}; \theta_c) - \beta H$ ($H$ the summed entropy of the decisions,
# $\beta$ the entropy weight), followed by one Adam step, then $b \leftarrow \gamma b + (1 - \gamma) R$.
# Replayed by hand on a copy of the controller's initial weights for the first episodes above,
# it must land on the same weights as the package's `Reinforce`:

# %%
by_hand = Controller(steps, hidden=35, num_layers=2)
by_hand.load_state_dict(initial)
package = Controller(steps, hidden=35, num_layers=2)
package.load_state_dict(initial)
opt, replay = torch.optim.Adam(by_hand.parameters(), lr=LR), Reinforce(package, lr=LR,
                                                                        baseline_decay=DECAY, entropy_weight=ENTROPY)
b = agent.episodes[0]["reward"]  # the first reward initialises the baseline
for e in agent.episodes[:3]:
    log_p, H = by_hand.log_prob(e["tokens"])
    loss = -(e["reward"] - b) * log_p - ENTROPY * H
    opt.zero_grad()
    loss.backward()
    opt.step()
    b = DECAY * b + (1 - DECAY) * e["reward"]
    replay.tell(e["tokens"], e["reward"])
assert all(torch.allclose(p, q) for p, q in zip(by_hand.parameters(), package.parameters()))
print(f"3 updates by hand = 3 updates of Reinforce; baseline {b:.4f} = {replay.baseline:.4f}")

# %% [markdown]
# ### (b) Many searches on the real NAS-Bench-201
#
# To watch the controller learn, and to know whether it beats random search, make each child
# a lookup: a controller over the 6 edge decisions of the NAS-Bench-201 cell (notebook 01),
# rewarded by the **real NAS-Bench-201** results, as NAS-Bench-201's paper runs its searches
# (its section 5): the reward is the cell's cifar10-valid **validation** accuracy, the search
# hands over the cell with the best reward seen, and that cell is judged by its **CIFAR-10
# test** accuracy, which the search never saw. Each new cell costs one lookup and its
# recorded training time (200 epochs on NAS-Bench-201's GPUs); a cell seen before is free.
# `compare()` (notebook 12) keeps this accounting for both strategies, over many seeds.
#
# One caveat: the packaged extract holds each cell's **mean over seeds**, so the reward here is
# less noisy than in the paper, whose API answers one randomly chosen training seed per query.

# %%
real = NASBench201()
BUDGET = P.pick(100, 200)     # distinct cells looked up per search
SEEDS = P.pick(20, 50)
agents = []                   # every controller built, to look inside one afterwards


NB201 = spaces.get("nb201")  # 6 decisions, one 5-way op choice per edge


def make_reinforce(seed):
    torch.manual_seed(seed)
    agent = Reinforce(Controller(NB201.token_steps(), hidden=35, num_layers=2), lr=5e-3,
                      baseline_decay=0.95, entropy_weight=1e-3, seed=seed, space=NB201)
    agents.append(agent)
    return agent


res = compare({"REINFORCE controller": Discrete(make_reinforce),
               "random search": contenders.random_search()}, BUDGET, SEEDS, bench=real)
plot_regret(res, linthresh=0.1, title=f"the real NAS-Bench-201: CIFAR-10 test regret of the cell "
            f"each search returns, mean and 95% CI over {SEEDS} seeds")
print(format_leaderboard(res.leaderboard()))

# %%
best_c10 = res.best                                    # 94.37%: the best cell of the space
final = {n: res.final(n) for n in res.names}           # (seeds,) regret after BUDGET lookups
for n in res.names:
    lo, hi = bootstrap_ci(best_c10 - final[n])
    print(f"{n:>20}: CIFAR-10 test accuracy of the returned cell {100 * (best_c10 - final[n]).mean():.2f}% "
          f"[{100 * lo:.2f}, {100 * hi:.2f}] (95% bootstrap CI, {len(final[n])} seeds); "
          f"simulated training {res.leaderboard(names=[n])[0]['train_s'] / 3600:.0f} GPU-hours per search")
for b in (25, 50, BUDGET):
    rl, rs = (res.regret_at(n, [b])[:, 0] for n in res.names)
    print(f"after {b:>3} lookups: {verdict('REINFORCE', rl, 'random search', rs)}")
stalled = sum(r.info["stalled"] for r in res.runs["REINFORCE controller"])
print(f"controller runs that stopped repeating known cells before {BUDGET} lookups: {stalled} of {SEEDS}")

# %% [markdown]
# What the controller learned: its probability for each op on each edge, as training goes
# (seed 0's controller, replayed from its history).

# %%
probe = agents[0]
snapshots = []  # replay the agent's history to get its policy every 10 episodes
replay = make_reinforce(0)
for k, (cell, reward) in enumerate(probe.history):
    replay.tell(cell, reward)
    if k % 10 == 0:
        dists = replay.controller.step_distributions(NB201.to_tokens(cell))
        snapshots.append(torch.stack(dists).numpy())  # (6 edges, 5 ops)


def show_policy(snapshot=len(snapshots) - 1):
    return plot_alphas({f"policy after episode {snapshot * 10}": snapshots[snapshot]}, nb201.OPS,
                       [f"{i}->{j}" for i, j in nb201.EDGES], vmax=1, label="P(op)", panel="{}")


interact(show_policy, snapshot=IntSlider(len(snapshots) - 1, 0, len(snapshots) - 1,
                                         description="snapshot"));

# %% [markdown]
# ## The papers beside this run
#
# NAS-Bench-201 ran REINFORCE and random search on the same space with the same protocol
# (search on cifar10-valid validation accuracy, report CIFAR-10 test accuracy), with a budget
# in simulated training time and many runs, and reported the test accuracy of the returned
# cells (its table of 10 searches; mean ± standard deviation). Those numbers are quoted as later
# papers quote them: **unverified** against the paper's own text here.

# %%
rl_acc, rs_acc = (100 * (best_c10 - final[n]) for n in res.names)
claims_table([
    ("controller", "2-layer LSTM, 35 units, Adam 6e-4, moving-average baseline", "1611.01578",
     f"the same LSTM; Adam {LR:g} (far fewer episodes)"),
    ("search cost", "800 GPUs for 28 days (12,800 child networks)", "1611.01578",
     f"(a) {EPISODES_REAL} children trained here; (b) {BUDGET} lookups per search, "
     f"{res.leaderboard()[0]['train_s'] / 3600:.0f} simulated GPU-hours"),
    ("CIFAR-10 error", "3.65% (37.4M parameters, their own space)", "1611.01578", "not trained here"),
    ("REINFORCE on NAS-Bench-201, CIFAR-10 test", "93.85 ± 0.37", "2001.00326, its table of 10 searches (unverified)",
     f"{rl_acc.mean():.2f} ± {rl_acc.std(ddof=1):.2f} (mean ± sd, {len(rl_acc)} seeds)"),
    ("random search on NAS-Bench-201, CIFAR-10 test", "93.70 ± 0.36", "2001.00326, same table (unverified)",
     f"{rs_acc.mean():.2f} ± {rs_acc.std(ddof=1):.2f} ({len(rs_acc)} seeds)"),
    ("best cell in the space", "94.37", "2001.00326", f"{100 * best_c10:.2f} (the packaged table)"),
    ("REINFORCE against random search", "better than random search (PTB)", "1611.01578, Figure 6",
     verdict("REINFORCE", final[res.names[0]], "random search", final[res.names[1]])),
], run=f"this run ({P.name} profile)")


# %% [markdown]
# Why they differ: NAS-Bench-201 gave each search a budget of simulated training time rather
# than a number of lookups, answered each query with one random training seed (our table holds
# seed means, so our searches see less noise), and tuned its REINFORCE differently; the course's
# controller learns at a higher rate to make progress within a hundred lookups.
#
# ## Summary
# - The NAS-RL space multiplies per-layer choices and doubles with every possible skip; at 15
#   layers it holds about $5 \times 10^{58}$ networks.
# - A controller is a policy over decisions; its log-probability is the sum over decisions.
# - REINFORCE with a moving-average baseline trains it from rewards alone; whether it beats
#   random search is a question for many seeds and a ground truth, not for one run: here the
#   real NAS-Bench-201, searched on its validation split and judged on CIFAR-10 test accuracy.
#
# ## Exercises
# 1. **Entropy.** Set `entropy_weight=0` in (b). What happens to the controller's policy, and to
#    the spread between seeds?
# 2. **Baseline.** Set `baseline_decay=0` (the baseline is the last reward). Compare the curves.
# 3. **Reward shaping.** Zoph & Le cubed the accuracy for CIFAR-10. Reward with `acc ** 3`.
# 4. **Strides.** Build the controller over `spaces.get("zoph", n_layers=L, strides=True)` and
#    train children.
# 5. **Learning rate.** Raise the controller's `lr` in (b) to 0.02. Does it still find good
#    cells, or does its policy settle on one cell early? Watch the heatmap.
# 6. **The proxy gap.** Run (b) on our digits table instead (`bench=Benchmark()`, from
#    `naslib_mini.benchmarks.digits`): does the verdict between the controller and random search
#    change? *Hint: notebook 01 measured how differently the two tables rank cells.*
