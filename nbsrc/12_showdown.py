# %% [markdown]
# # 12 · The showdown: every strategy on the same ground truth
#
# Li & Talwalkar, **Random Search and Reproducibility for Neural Architecture Search**, UAI 2019
# (arXiv 1902.07638); Yang, Esperança & Carlucci, **NAS evaluation is frustratingly hard**,
# ICLR 2020 (arXiv 1912.12522); Dong & Yang, **NAS-Bench-201: Extending the Scope of
# Reproducible Neural Architecture Search**, ICLR 2020 (arXiv 2001.00326).
#
# Every earlier notebook ran one method, usually against random search, with its own budget,
# seeds and data. Papers do the same, and their numbers cannot be put side by side: different
# spaces, training recipes, budgets and luck. This notebook puts **every strategy of the course
# on one answer key**, the real NAS-Bench-201 (notebook 01: every cell of the space trained on
# CIFAR for 200 epochs), with **one accounting** for all of them and NAS-Bench-201's own
# protocol: a search sees only the cifar10-valid validation accuracy of the cells it looks up,
# pays each new cell's recorded training time, and the cell it hands over is judged by its
# CIFAR-10 test accuracy. One-shot methods train a supernet, which we can only afford on the
# embedded digits: they are **searched on digits, judged on CIFAR**. The question: **at a given
# budget, which strategy hands over the better cell, by how much, and how sure can we be of
# it?** At the end, the cheap strategies run again on our digits table, to see which verdicts
# survive the proxy gap of notebook 01.
#
# **You will learn**
# - how to compare search strategies fairly: one oracle, one budget accounting, regret
#   against the best cell of the space, many seeds and confidence intervals;
# - the exact expected regret of random search, the baseline every method must beat;
# - how much seed variance there is, and how many seeds a claim needs;
# - what selecting by validation accuracy costs, against the test accuracy;
# - where one-shot methods land on CIFAR and why (the collapse; the ranking of inherited weights);
# - which conclusions of our digits table hold on the real one;
# - how to put a strategy of your own on the same plot with `compare()`.

# %% tags=["parameters"]
PROFILE = None  # "quick" (2-core laptop, about 100 s) or "full" (all seeds and budgets; see below); None reads $NASLIB_MINI_PROFILE
SEED = 0

# %%
import time
from math import comb

import numpy as np
import torch
from IPython.display import Markdown, display
from ipywidgets import IntSlider, SelectMultiple, interact

from naslib_mini import spaces
from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.benchmarks.real import NASBench201, judged_on_cifar
from naslib_mini.compare import Oracle, Truth, compare, contenders, format_leaderboard
from naslib_mini.config import get_profile
from naslib_mini.metrics import (bootstrap_ci, expected_random_regret, kendall_tau, lookups_to_reach,
                                 seeds_needed, spearman, verdict, welch_p)
from naslib_mini.oneshot.config import (DARTSConfig, FairNASConfig, GDASConfig, PCDARTSConfig,
                                        SPOSConfig)
from naslib_mini.oneshot.derive import op_share
from naslib_mini.spaces import nb201
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.viz.tables import claims_table
from naslib_mini.viz.compare_plots import (plot_final_regret, plot_regret, plot_selection_gap,
                                           plot_showdown)
from naslib_mini.viz.search_plots import plot_lines

torch.set_num_threads(1)  # the searches are tiny: one thread each is fastest on 2 cores
P = get_profile(PROFILE)
real = NASBench201()                 # the answer key
digits = Benchmark()                 # our digits table: the one-shot searches' data, and the proxy
truth = Truth.from_benchmark(real)   # val, train_time (1, 15625): cifar10-valid; test (15625,): CIFAR-10
N = truth.n_cells
print(f"{P.name} profile; answer key: the real NAS-Bench-201, searched on '{real.search_dataset}' "
      f"validation accuracy, judged on '{real.report_dataset}' test accuracy; "
      f"{truth.val.shape[0]} value per cell (seed means)")

# %% [markdown]
# ## The ground: the space and its answer key
#
# A NAS-Bench-201 cell has 6 edges with 5 ops each: $5^6$ cells, of which 8,765 compute
# different functions by our count (notebook 01). NAS-Bench-201 trained every cell for 200
# epochs with a few seeds; the packaged table holds the means. **Regret** is the distance from
# the best: the best CIFAR-10 test accuracy in the space minus the CIFAR-10 test accuracy of
# the cell a method hands over, in percentage points below.

# %%
# NBVAL_CHECK_OUTPUT
NB201 = spaces.get("nb201")
print(f"{len(nb201.OPS)}^{len(nb201.EDGES)} = {NB201.size:,} cells, "
      f"{nb201.num_unique():,} distinct functions; the answer key covers {N:,} cells")

# %%
best_cell = int(np.argmax(truth.test))
regret_all = truth.regret(np.arange(N))         # (15625,) regret of every cell
print(f"best cell: {nb201.ops_to_string(nb201.index_to_ops(best_cell))}")
print(f"its CIFAR-10 test accuracy {100 * truth.best:.2f}%; a random cell's regret: mean "
      f"{100 * regret_all.mean():.2f} points, median {100 * np.median(regret_all):.2f}; "
      f"{np.mean(regret_all == 0):.3%} of cells have regret 0")
print(f"recorded training time per cell (cifar10-valid, 200 epochs, NAS-Bench-201's GPUs): mean "
      f"{truth.train_time.mean() / 60:.0f} min, from {truth.train_time.min() / 60:.0f} to "
      f"{truth.train_time.max() / 60:.0f} min")

# %% [markdown]
# How hard is it to land near the top by luck alone? With $n$ distinct cells drawn uniformly,
# the chance that at least one is among the top $m$ cells is exactly
# $1 - \binom{N-m}{n} / \binom{N}{n}$. Move the sliders:

# %%
def show_hit_probability(top_percent=1.0, budget=100):
    m = max(1, int(round(N * top_percent / 100)))        # the top m cells
    ns = np.unique(np.geomspace(1, 2000, 40).astype(int))
    p = [1 - comb(N - m, n) / comb(N, n) for n in ns]    # exact, with Python's big integers
    fig = plot_lines(ns, {f"top {top_percent}% ({m:,} cells)": p}, logx=True,
                     xlabel="cells drawn at random", ylabel="P(one of them in the top)",
                     title=f"{budget} draws: P = {1 - comb(N - m, budget) / comb(N, budget):.3f}")
    fig.axes[0].axvline(budget, color="tab:orange", ls="--")
    return fig


interact(show_hit_probability, top_percent=[0.1, 0.5, 1.0, 5.0],
         budget=IntSlider(100, 10, 1000, 10, description="budget"));

# %% [markdown]
# ## The referee, built step by step
#
# **One door to the table.** During a search a strategy may only call `evaluate(cell)`, which
# returns the cell's final validation accuracy. Its price, the same for every strategy:
#
# - the first query of a cell is a **lookup**: 1 lookup, plus the recorded training time of
#   the run whose result it gets (the *simulated* training time);
# - a repeated query is free and answers the same number (a result is remembered);
# - equivalent cells are different cells: a strategy that proposes both pays twice;
# - the answer is what the table holds for the cell. Our digits table has per-seed values,
#   and there the answer is **one seed's** result, as NAS-Bench-201's API answers with a
#   randomly chosen seed per query: the seed of each cell is drawn once per run seed $s$, so a
#   run repeats exactly and all strategies run with seed $s$ see the same draw. The real table
#   holds seed means (one "seed"), so its answers are less noisy than NAS-Bench-201's API;
# - after `budget` lookups, a new cell is refused (`BudgetExhausted`).
#
# Here it is from scratch, checked against the package's `Oracle` on a short sequence:

# %%
def my_oracle(truth, budget, seed):
    seed_of = np.random.default_rng([seed, 201]).integers(truth.val.shape[0], size=truth.n_cells)
    known, log = {}, []

    def evaluate(i):
        if i not in known:
            if len(known) >= budget:
                raise RuntimeError("budget spent")
            known[i] = truth.val[seed_of[i], i]
            log.append((i, known[i], truth.train_time[seed_of[i], i]))
        return known[i]
    return evaluate, log


queries = [5, 17, 5, 9000, 17, 42]
mine, log = my_oracle(truth, budget=4, seed=SEED)
theirs = Oracle(truth, budget=4, seed=SEED)
assert [mine(i) for i in queries] == [theirs(i) for i in queries]
assert [c for c, _, _ in log] == theirs.cells == [5, 17, 9000, 42]
assert np.isclose(sum(t for _, _, t in log), theirs.train_seconds)
print(f"{len(queries)} queries, {theirs.lookups} lookups, {theirs.train_seconds / 3600:.2f} "
      f"simulated GPU-hours")

# %% [markdown]
# **What a strategy returns after each lookup** is the cell with the best validation accuracy
# seen so far (the first one on ties); its regret is judged by test accuracy. We also record
# the regret it *would* have had by returning the seen cell with the best **test** accuracy:
# the gap between the two is what selecting by the validation number costs. Random search
# by hand, against `compare()`:

# %%
BUDGET = P.pick(100, 400)                       # lookups per discrete run
rs = RandomSearch(NB201, seed=SEED)
evaluate, log = my_oracle(truth, BUDGET, SEED)
while len(log) < BUDGET:
    arch = rs.ask()
    rs.tell(arch, evaluate(nb201.cell_index(arch)))
cells = np.array([c for c, _, _ in log])
vals = np.array([v for _, v, _ in log])
returned = np.array([cells[np.argmax(vals[:k + 1])] for k in range(BUDGET)])  # argmax: first max
my_regret = truth.regret(returned)
run0 = compare({"random": contenders.random_search()}, BUDGET, [SEED], truth=truth)
run0 = run0.runs["random"][0]
assert (run0.cells == cells).all() and np.allclose(run0.regret, my_regret)
assert np.allclose(run0.oracle_regret, np.minimum.accumulate(truth.regret(cells)))
print(f"random search, seed {SEED}: regret {100 * my_regret[-1]:.2f} points after {BUDGET} lookups "
      f"({100 * run0.oracle_regret[-1]:.2f} had it selected by test)")

# %% [markdown]
# **Random search has an exact expectation.** $n$ lookups of random search are $n$ distinct
# cells drawn uniformly. Rank all cells by the value the oracle answers ($k = 1$ the best);
# the best of the $n$ drawn has rank $k$ with probability
# $w_k = \binom{N-k}{n-1} / \binom{N}{n}$, so its expected regret is $\sum_k w_k r_k$ (ties:
# the tied cells' mean regret). `expected_random_regret` computes it; here it is checked
# against a direct computation with Python's exact binomials at one budget.

# %%
values = Oracle(truth, 1, SEED).values           # (15625,) what the oracle answers
n = 20
order = np.argsort(-values, kind="stable")
r_sorted = regret_all[order]
_, group = np.unique(-values[order], return_inverse=True)                # tie groups, best first
r_tied = (np.bincount(group, r_sorted) / np.bincount(group))[group]
w = np.array([comb(N - k, n - 1) for k in range(1, N - n + 2)], dtype=object)
exact = float(sum(w * r_tied[: len(w)]) / comb(N, n))
assert np.isclose(exact, expected_random_regret(values, regret_all, [n])[0])
print(f"expected regret of random search after {n} lookups: {100 * exact:.2f} points")

# %% [markdown]
# **Cost, and its units.** A discrete strategy pays each new cell's recorded training time:
# on the real table, seconds of NAS-Bench-201's 200-epoch cifar10-valid training on its GPUs.
# Its own compute (a controller's updates, fitting a surrogate) runs here and is added in wall
# seconds (`time_scale = 1`): minutes against the table's hours. A one-shot method trains a
# supernet on digits on this CPU: its cost is that wall time, a different unit from the
# table's GPU-seconds, so it is reported beside the others but not put on their time axis. (On
# our digits table `compare.calibrate_time` converts wall seconds into the table's own
# seconds, since we recorded its build; nothing can do that for NAS-Bench-201's GPUs.)

# %% [markdown]
# ## The contenders
#
# Every strategy of the course, behind one of two small interfaces (`naslib_mini.compare`):
# `Discrete(make)` for ask / tell / best strategies over the NAS-Bench-201 space, which one
# driver loop (`strategies.run`) runs against the oracle, and `OneShot(search)` for a method
# that returns one cell after training a supernet and never touches the table (its selection
# step uses supernet scores only). `compare.contenders` builds them from the package:
#
# | contender | notebook | what it does here |
# |---|---|---|
# | random search | 00 | uniform cells |
# | regularized evolution | 05 | tournament of S in a population of P, mutate one edge, oldest dies |
# | local search | (`strategies.evolution`) | best-improvement hill climbing over the 24 neighbours, random restarts |
# | REINFORCE | 02 | the NAS-RL LSTM controller over the 6 op choices |
# | NAO | 05 | encoder, predictor, decoder; gradient ascent in the embedding |
# | surrogate (PNAS-style) | 04 | fit an MLP ensemble on the cells seen, score neighbours of the best and random cells, look up the predicted top K |
# | DARTS, GDAS, PC-DARTS | 06, 07, 09 | a supernet with alphas over the 6 edges, trained on digits; the argmax cell |
# | SPOS, FairNAS | 11 | a single-path supernet (uniform or strictly fair paths) trained on digits, then evolution over inherited accuracy |
#
# The **PNAS-style surrogate search** is not PNAS proper: a NAS-Bench-201 cell has a fixed size,
# so there is no progressive growth block by block and no beam over cell sizes. What carries
# over is PNAS's loop: train a few, fit a surrogate ensemble, score many candidates (here the
# neighbours of the best cells plus random ones), train only the predicted best.
#
# Settings: the quick profile gives the cheap discrete strategies 50 seeds, the ones with a
# neural model (REINFORCE, NAO, the surrogate) 20, and the one-shot methods 2 seeds of tiny
# supernets (C = 8, a few epochs; with 2 seeds no interval and no verdict is given for them);
# the full profile's settings are in the second column of each `P.pick`, and for the one-shot
# methods their NAS-Bench-201 configs (`oneshot/config.py`: NAS-Bench-201's own settings for
# DARTS and GDAS, the benchmark's recipe for SPOS and FairNAS).

# %%
SEEDS = {"random search": P.pick(50, 200), "regularized evolution": P.pick(50, 200),
         "local search": P.pick(50, 200), "REINFORCE": P.pick(20, 50), "NAO": P.pick(20, 50),
         "surrogate (PNAS-style)": P.pick(20, 50),
         "DARTS": P.pick(2, 10), "GDAS": P.pick(2, 10), "PC-DARTS": P.pick(2, 10),
         "SPOS": P.pick(2, 10), "FairNAS": P.pick(2, 10)}
ONE_SHOT = {  # quick: C = 8 on the benchmark's one-cell network, alpha lr 1e-2 (notebooks 06-07)
    "DARTS": P.config(DARTSConfig.NB201_QUICK.replace(C=8, layers=1, stages=1, num_epochs=5),
                      DARTSConfig.NB201),
    "GDAS": P.config(GDASConfig.NB201_QUICK.replace(num_epochs=10), GDASConfig.NB201),
    "PC-DARTS": P.config(PCDARTSConfig.NB201_QUICK.replace(num_epochs=5), PCDARTSConfig.NB201),
    "SPOS": P.config(SPOSConfig.NB201_QUICK.replace(C=8, num_epochs=10), SPOSConfig.NB201),
    "FairNAS": P.config(FairNASConfig.NB201_QUICK.replace(C=8, num_epochs=4), FairNASConfig.NB201)}
CONTENDERS = {
    "random search": contenders.random_search(),
    "regularized evolution": contenders.regularized_evolution(P.pick(20, 50), P.pick(5, 10)),
    "local search": contenders.local_search(),
    "REINFORCE": contenders.reinforce(),
    "NAO": contenders.nao(n_init=20, top_k=20, eta=10.0, num_epochs=P.pick(15, 50), lr=1e-2,
                          batch_size=32),
    "surrogate (PNAS-style)": contenders.surrogate(n_init=20, K=20, n_models=P.pick(3, 5),
                                                   num_epochs=P.pick(30, 100)),
    "DARTS": contenders.gradient("darts", ONE_SHOT["DARTS"]),
    "GDAS": contenders.gradient("gdas", ONE_SHOT["GDAS"]),
    "PC-DARTS": contenders.gradient("pcdarts", ONE_SHOT["PC-DARTS"]),
    "SPOS": contenders.single_path("spos", ONE_SHOT["SPOS"]),
    "FairNAS": contenders.single_path("fairnas", ONE_SHOT["FairNAS"]),
}
print(f"budget {BUDGET} lookups per discrete run; seeds per contender:",
      ", ".join(f"{k} {v}" for k, v in SEEDS.items()))

# %% [markdown]
# ## The run
#
# `compare(strategies, budget, seeds)` runs every contender for every seed and returns the
# trajectories. Each run's wall time on this machine is kept: the first table below is the
# **measured cost per seed**, from which the quick profile's seed counts were chosen.

# %%
t0 = time.perf_counter()
res = compare(CONTENDERS, BUDGET, SEEDS, truth=truth)
board = res.leaderboard()  # one row per contender: seeds, wall_s, cost_s, lookups, regret, ...
print(f"all runs: {time.perf_counter() - t0:.0f} s of wall time")
print(f"{'contender':<24}{'seeds':>6}{'wall s / seed':>15}{'cost / seed':>24}{'lookups':>9}")
for row in sorted(board, key=lambda row: res.names.index(row["name"])):
    cost = (f"{row['cost_s']:.0f} s CPU (digits)" if row["kind"] == "oneshot"
            else f"{row['cost_s'] / 3600:.1f} GPU-hours")
    print(f"{row['name']:<24}{row['seeds']:>6}{row['wall_s']:>15.2f}{cost:>24}{row['lookups']:>9.0f}")

# %% [markdown]
# ### The leaderboard
#
# Regret in percentage points of CIFAR-10 test accuracy at the full budget, sorted by the mean;
# the 95% confidence interval of the mean is a percentile bootstrap over the seeds (it stays
# inside the range regret can take, never below 0; none below 5 seeds); "test-sel." is the
# mean regret had each run returned its seen cell of best test accuracy; "train s" is the
# simulated training time (GPU-seconds), "own s" the strategy's own compute (wall seconds
# here), "cost s" their sum. One-shot methods make no lookups: all their cost is their own, in
# CPU seconds on digits.

# %%
print(format_leaderboard(board))

# %%
grid = np.arange(1, BUDGET + 1)
draws = res.seeds("random search") if truth.val.shape[0] > 1 else [SEED]  # seed means: one draw
rs_values = [Oracle(truth, 1, s).values for s in draws]  # what each seed's oracle answers
rs_exact = np.mean([expected_random_regret(v, regret_all, grid) for v in rs_values], axis=0)
plot_regret(res, linthresh=0.1,
            reference={"random search, exact expectation": (grid, rs_exact)},
            title="CIFAR-10 test regret against lookups, mean and 95% CI (symlog below 0.1 points)")

# %%
names_by_mean = [row["name"] for row in board]
discrete_names = [n for n in names_by_mean if res.kind(n) != "oneshot"]
plot_regret(res, discrete_names, x="seconds", linthresh=0.1,
            title="regret against simulated seconds (NAS-Bench-201's GPU time + own compute)")

# %%
fig = plot_final_regret(res, names_by_mean)
fig.axes[0].set_xscale("symlog", linthresh=0.1)  # one-shot regrets are far from the rest
fig

# %% [markdown]
# ### Choose the budget and the strategies
#
# The widget redraws the curves and the box plot at any budget up to the one run (one-shot
# methods do not depend on it).

# %%
interact(lambda budget, shown: plot_showdown(res, list(shown), budget, linthresh=0.1),
         budget=IntSlider(BUDGET, 5, BUDGET, 5, description="budget"),
         shown=SelectMultiple(options=res.names, value=tuple(res.names), rows=6,
                              description="strategies"));

# %% [markdown]
# ## The lessons, from the data
#
# Each statement below is computed from this run's results on the real NAS-Bench-201; the
# numbers change with the profile, the seeds and the table, the code that states them does not.
#
# ### 1. How strong is random search at this budget?

# %%
discrete = [n for n in names_by_mean if res.kind(n) != "oneshot"]
final = {n: res.final(n) for n in res.names}
mean = {n: final[n].mean() for n in res.names}
top = discrete[0]
other = [n for n in discrete if n != "random search"][0]  # the best discrete one besides it
rs_final = final["random search"]
rs_lo, rs_hi = bootstrap_ci(rs_final)
n_match = lookups_to_reach(rs_values, regret_all, mean[other])  # metrics: exact, by bisection
exhaustive = np.mean([expected_random_regret(v, regret_all, [N])[0] for v in rs_values])
rs_vs_other, p_rs = verdict(other, final[other], "random search", rs_final), welch_p(rs_final, final[other])
if n_match:
    reach = (f"Random search would need about **{n_match:,}** lookups, in expectation, to match "
             f"{other}'s mean regret at {BUDGET}: a factor of {n_match / BUDGET:.2g} in budget.")
else:
    reach = (f"Random search would not match {other}'s mean regret in expectation even after "
             f"looking up all {N:,} cells: exhaustive search, selecting by validation "
             f"accuracy, has a regret of {100 * exhaustive:.2f} points, and {other}'s "
             f"mean is below it. Selecting by validation puts a floor under exhaustive "
             f"search that a method returning another cell can go under.")
display(Markdown(f"""
- Random search after {BUDGET} lookups: mean regret **{100 * rs_final.mean():.2f}** points
  (95% CI [{100 * rs_lo:.2f}, {100 * rs_hi:.2f}], {len(rs_final)} seeds); its exact expectation is
  {100 * rs_exact[-1]:.2f}.
- The best discrete strategy other than random search is **{other}**: {100 * mean[other]:.2f} points;
  random search's mean is **{100 * (rs_final.mean() - mean[other]):+.2f}** points from it: {rs_vs_other}
  (Welch's test p = {p_rs:.2g}; rank of random search among the {len(discrete)} discrete
  strategies: {discrete.index("random search") + 1}).
- {reach}
"""))

# %% [markdown]
# ### 2. How much seed variance, and how many seeds does a claim need?

# %%
second = discrete[1]
a, b = final[top], final[second]
pairs = (a[:, None] < b[None, :]).mean() + 0.5 * (a[:, None] == b[None, :]).mean()
need = seeds_needed(a, b)
need_txt = f"{need:.0f}" if np.isfinite(need) else "infinitely many (equal means)"
spread_methods = 100 * (mean[discrete[-1]] - mean[discrete[0]])
widths = {n: 50 * np.subtract(*bootstrap_ci(final[n])[::-1]) for n in res.names
          if np.isfinite(bootstrap_ci(final[n])[0])}                 # half-widths, points
widest = max(widths, key=widths.get)
top_vs_second, p_top = verdict(top, a, second, b), welch_p(a, b)
display(Markdown(f"""
- Between seeds, random search's final regret ranges from {100 * rs_final.min():.2f} to
  {100 * rs_final.max():.2f} points ({len(rs_final)} seeds); between strategies, the discrete
  strategies' means range over {spread_methods:.2f} points. With {len(rs_final)} seeds the 95% CI of
  random search's mean is about ± {widths['random search']:.2f} points; the widest interval is
  {widest}'s, about ± {widths[widest]:.2f} with {len(final[widest])} seeds.
- The top two discrete strategies, {top} ({100 * a.mean():.2f}) and {second} ({100 * b.mean():.2f}):
  {top_vs_second} (Welch's p = {p_top:.2g}). One seed of each ranks them the other way round with
  probability {1 - pairs:.2f} (the share of seed pairs in which {second} wins).
- To separate them at the 5% level with 80% power, if these means and spreads are the truth,
  takes about **{need_txt}** seeds per method
  (normal approximation, $n = (z_{{0.975}} + z_{{0.8}})^2 (s_a^2 + s_b^2) / \\Delta^2$).
"""))

# %% [markdown]
# ### 3. What does selecting by validation accuracy cost?
#
# A search sees the cifar10-valid validation accuracy (a network trained on half of CIFAR-10's
# training images, scored on the other half) and is judged on CIFAR-10's test set (a network
# trained on all of them): two trainings, two sets of images. On our digits table the second
# source of disagreement is seed noise, which the real table's seed means hide; it is measured
# on the digits table below (labelled).

# %%
test_sel = {n: res.final(n, selection="test").mean() for n in res.names}
gaps = {n: 100 * (mean[n] - test_sel[n]) for n in discrete}
val_real, test_real = truth.val[0], truth.test           # cifar10-valid validation, CIFAR-10 test
top1 = np.argsort(-val_real, kind="stable")[: N // 100]  # the top 1% by validation
best_val_cell = real.best("val_acc")[0]
d_val = digits.table("val_acc")
d_top1 = np.argsort(-d_val, kind="stable")[: N // 100]
d_noise = np.abs(digits.table("val_acc", seed=0) - digits.table("val_acc", seed=1))[d_top1].mean()
rho_all, rho_top = spearman(val_real, test_real), spearman(val_real[top1], test_real[top1])
gap_text = ", ".join(f"{n} {g:.2f}" for n, g in gaps.items())
display(Markdown(f"""
- Real table: rank agreement of validation and test accuracy, Spearman {rho_all:.3f} over all
  cells, {rho_top:.3f} among the top 1% by validation, where searches end.
- The best cell by validation accuracy has a CIFAR-10 test regret of {100 * truth.regret(best_val_cell):.2f}
  points (0 would mean that validation points at the test optimum).
- Had every run returned its seen cell of best **test** accuracy, the mean regret would drop by
  {gap_text} points: that much of the regret is not search, but selecting by the validation number.
- Digits table (ours, per-seed values): among its top 1% by validation, the two seeds of one
  cell differ by {100 * d_noise:.2f} points of validation accuracy on average, and an oracle on it
  answers one seed; the real table's seed means remove that noise from the search.
"""))
plot_selection_gap(res, discrete, title="what selecting by validation accuracy costs (real table)")

# %% [markdown]
# ### 4. Where do the one-shot methods land, and why?
#
# The one-shot methods searched on digits (their supernets trained on the embedded digits);
# the cells they handed over are judged on CIFAR (the regret above), and on the digits table
# they searched on (below, labelled). Two mechanisms from earlier notebooks, measured again.
# **The collapse** (notebook 06): gradient-based methods drift toward parameter-free ops
# (`none`, `skip_connect`, `avg_pool_3x3`), which train fastest inside a supernet; a uniformly
# random cell has 3/5 of its edges parameter-free. **The ranking** (notebook 11): single-path
# methods pick by inherited accuracy, only as good as its rank correlation with stand-alone
# accuracy; Kendall's tau between the inherited scores of the cells each selection step scored
# and their digits-table validation accuracy (the data the supernet trained on) and their real
# cifar10-valid validation accuracy (after the fact: the search saw neither).

# %%
oneshot = [n for n in res.names if res.kind(n) == "oneshot"]
rank = {n: [real.rank(int(r.returned[0]), "test_acc", dataset="cifar10") for r in res.runs[n]]
        for n in oneshot}
d_rank = {n: [digits.rank(int(r.returned[0]), "test_acc") for r in res.runs[n]] for n in oneshot}
print(f"{'method':<10}{'regret':>8}{'CIFAR-10 rank':>18}{'digits rank':>16}{'free ops':>10}"
      f"{'worth n RS lookups':>20}{'tau digits':>12}{'tau real':>10}")
tau, tau_real = {}, {}
for n in oneshot:
    runs = res.runs[n]
    free = np.mean([sum(op_share(nb201.index_to_ops(int(r.returned[0])), op) for op in nb201.FREE_OPS)
                    for r in runs])  # share of parameter-free edges in the returned cells
    worth = lookups_to_reach(rs_values, regret_all, mean[n])
    if "inherited" in runs[0].info:  # SPOS, FairNAS: their candidates and inherited scores
        tau[n] = [kendall_tau(r.info["inherited"], d_val[r.info["candidates"]]) for r in runs]
        tau_real[n] = [kendall_tau(r.info["inherited"], val_real[r.info["candidates"]]) for r in runs]
    print(f"{n:<10}{100 * mean[n]:>8.2f}{str(rank[n]):>18}{str(d_rank[n]):>16}{free:>10.2f}"
          f"{worth or '>' + str(N):>20}{np.mean(tau.get(n, np.nan)):>12.3f}"
          f"{np.mean(tau_real.get(n, np.nan)):>10.3f}")
print("\n'worth n RS lookups': the budget at which random search's exact expected regret equals "
      "the method's mean regret")

# %%
for n in oneshot:  # every cell a one-shot search handed over, judged on the real table
    for r in res.runs[n]:
        print(f"{n}, seed {r.seed}: " + judged_on_cifar(int(r.returned[0]), real))
skip = ("skip_connect",) * 6
print(f"\nNAS-Bench-201 reports DARTS (V1 and V2) collapsing to the all-skip_connect cell, "
      f"54.30% on CIFAR-10; this table: {100 * real.query(skip, 'test_acc', dataset='cifar10'):.2f}% "
      f"(rank {real.rank(skip, 'test_acc', dataset='cifar10'):,}).")

# %% [markdown]
# Read the table with the costs in the leaderboard (a one-shot search's "cost s" is CPU seconds
# on digits, the discrete searches' GPU-seconds of NAS-Bench-201's training), and the cell it
# hands over in *random-search lookups it is worth*. Where the share of free ops is well above
# 0.6, the drift toward parameter-free ops is in the data; where tau is near 0, the inherited
# scores the selection step ranks by carry little of the stand-alone ranking, whatever the
# selection step. A cell that ranks well on digits and badly on CIFAR is the proxy gap of
# notebook 01 at work.
#
# ## The same strategies on our digits table
#
# Do the verdicts above depend on the table? The discrete strategies that are cheap to rerun,
# on our digits table, with the same budget and 20 seeds each (REINFORCE is left out: on digits
# its controller soon repeats known cells and runs hundreds of free asks per search, too slow
# for the quick profile). Regret there is in points of *digits* test accuracy: compare orders
# and verdicts, not values.

# %%
ON_DIGITS = ["random search", "regularized evolution", "local search", "NAO", "surrogate (PNAS-style)"]
res_digits = compare({n: CONTENDERS[n] for n in ON_DIGITS}, BUDGET, P.pick(20, 50), bench=digits)
board_digits = {row["name"]: row for row in res_digits.leaderboard()}
order_real = [n for n in discrete if n in ON_DIGITS]
order_digits = list(board_digits)
print(f"{'strategy':<24}{'real: regret (CIFAR-10 pts)':>30}{'rank':>6}{'digits: regret (digits pts)':>30}{'rank':>6}")
for n in order_real:
    lo, hi = bootstrap_ci(final[n])
    row = board_digits[n]
    print(f"{n:<24}{100 * mean[n]:>13.2f} [{100 * lo:.2f}, {100 * hi:.2f}]{order_real.index(n) + 1:>6}"
          f"{100 * row['mean']:>13.2f} [{100 * row['ci_lo']:.2f}, {100 * row['ci_hi']:.2f}]"
          f"{order_digits.index(n) + 1:>6}")
a_r, b_r = order_real[:2]
a_d, b_d = order_digits[:2]
print(f"\nreal table:   {verdict(a_r, final[a_r], b_r, final[b_r])}")
print(f"digits table: {verdict(a_d, res_digits.final(a_d), b_d, res_digits.final(b_d))}")
print(f"order of the {len(order_real)} strategies: Kendall tau {kendall_tau(range(len(order_real)), [order_digits.index(n) for n in order_real]):.2f} "
      f"between the two tables")

# %% [markdown]
# ## Paper claims beside this run
#
# The three papers this notebook leans on, their findings (from their abstracts unless marked),
# and what this run measured on the real table. NAS-Bench-201's numbers are quoted as later
# papers quote them (the same values in several), **unverified** against the paper's own table
# here; the ones marked "not found" were not found in any source available here.

# %%
acc_random = truth.test.mean()                  # the average randomly sampled cell
ri = {n: 100 * ((truth.best - mean[n]) - acc_random) / acc_random for n in res.names}
fair_tau = np.mean(tau["FairNAS"]) if "FairNAS" in tau else float("nan")
spos_tau = np.mean(tau["SPOS"]) if "SPOS" in tau else float("nan")


def acc_ci(n):
    """CIFAR-10 test accuracy of the returned cells: mean [95% bootstrap CI], or the seeds' values."""
    acc = 100 * (truth.best - final[n])
    lo, hi = bootstrap_ci(acc)
    return (f"{acc.mean():.2f} [{lo:.2f}, {hi:.2f}]" if np.isfinite(lo)
            else f"{acc.mean():.2f} ({len(acc)} seeds: {', '.join(f'{v:.2f}' for v in acc)})")


skip_acc = 100 * real.query(skip, "test_acc", dataset="cifar10")
ri_text = ", ".join(f"{n} {ri[n]:+.1f}" for n in names_by_mean)
claims_table([
    ("random search is a competitive NAS baseline", "random search with early stopping at least as good "
     "as ENAS on PTB and CIFAR-10; with weight sharing, state of the art on PTB", "1902.07638, abstract",
     f"random search {100 * rs_final.mean():.2f} [{100 * rs_lo:.2f}, {100 * rs_hi:.2f}] points of regret; "
     f"best discrete ({top}) {100 * mean[top]:.2f}; {verdict(top, final[top], 'random search', rs_final)}"),
    ("many methods barely beat the average random architecture; RI = 100 (acc - acc_rand) / acc_rand",
     "many of 8 methods struggle to beat it significantly; seeds change rankings", "1912.12522, abstract",
     f"acc_rand = {100 * acc_random:.2f}%; RI: {ri_text}"),
    ("the seed has a considerable impact on rankings", "", "1912.12522, abstract",
     f"one seed ranks {top} and {second} the wrong way round with probability {1 - pairs:.2f}; "
     f"~{need_txt} seeds per method needed to separate them"),
    ("REA, CIFAR-10 test", "93.92 ± 0.30", "2001.00326 (not found; unverified)",
     f"regularized evolution {acc_ci('regularized evolution')}"),
    ("random search, CIFAR-10 test", "93.70 ± 0.36", "2001.00326 (unverified)", acc_ci("random search")),
    ("REINFORCE, CIFAR-10 test", "93.85 ± 0.37", "2001.00326 (unverified)", acc_ci("REINFORCE")),
    ("BOHB, CIFAR-10 test", "93.61 ± 0.52", "2001.00326 (not found; unverified)", "not run here"),
    ("DARTS (V1, V2), CIFAR-10 test", "54.30 ± 0.00, the all-skip_connect cell", "2001.00326 (unverified)",
     f"DARTS, searched on digits: {acc_ci('DARTS')} (the all-skip cell in the table: {skip_acc:.2f})"),
    ("GDAS, CIFAR-10 test", "93.61 ± 0.09", "2001.00326 (unverified)", f"GDAS, searched on digits: {acc_ci('GDAS')}"),
    ("PC-DARTS, SPOS, FairNAS on NAS-Bench-201", "not in NAS-Bench-201's table", "",
     f"searched on digits: PC-DARTS {acc_ci('PC-DARTS')}; SPOS {acc_ci('SPOS')}; FairNAS {acc_ci('FairNAS')}"),
    ("optimum of the space, CIFAR-10 test", "94.37", "2001.00326", f"{100 * truth.best:.2f}"),
    ("inherited weights rank cells (Kendall tau)", "FairNAS 0.9487, SPOS 0.6153", "1907.01845, fig. 1",
     f"among the cells each selection step scored, against the digits table: FairNAS {fair_tau:.3f}, "
     f"SPOS {spos_tau:.3f}"),
], run=f"this run ({P.name} profile, budget {BUDGET}, the real NAS-Bench-201)")


# %% [markdown]
# Why they differ. NAS-Bench-201's comparison ran on the same table, but gave every method a
# budget of simulated seconds rather than lookups, answered each query with one random
# training seed (our table holds seed means, so our searches see less noise) and reported the
# spread over many runs; the discrete numbers are therefore close in kind, not in protocol. Its
# one-shot methods searched on CIFAR-10 itself with NAS-Bench-201's full supernet for 50 or more
# epochs; ours search on 8×8 digits with tiny supernets (C = 8, a few epochs), so their cells
# are the cells that look good on digits, judged on CIFAR. Kendall tau here is measured among
# the cells the selection step chose to score (near the top, where ranking is hardest), not over
# a uniform sample as in notebook 11 and FairNAS's figure.
#
# ## The full profile
#
# `PROFILE = "full"` runs the same code with a budget of 400 lookups, 200 seeds for random
# search, evolution and local search, 50 for REINFORCE, NAO and the surrogate search, and 10
# seeds of each one-shot method at the digits table's width C = 16 with paper-like schedules:
# DARTS and PC-DARTS 50 epochs (PC-DARTS with K = 4 and alphas frozen for 15 epochs), GDAS 250,
# SPOS and FairNAS 100 epochs of supernet training and 1,000 cells scored by evolution
# (population 50, tournaments of 10); NAO and the surrogate search fit their models for 50 and
# 100 epochs a round. The answer key is the real NAS-Bench-201 in both profiles, and the
# one-shot supernets train on digits in both (their data is what this course can train on; a
# CIFAR-10 supernet is a GPU job of its own). Every count above grows (seeds 2.5 to 4 times, the budget 4 times,
# the one-shot epochs 10 times or more), so the full run takes far longer than the quick one;
# the supernets use a GPU when there is one (`device="auto"`), the discrete strategies' small
# models run on the CPU. The quick profile's settings are printed above.
#
# ## Summary
# - A fair comparison needs one oracle, one accounting (lookups, simulated seconds, own compute),
#   one judge (regret against the best cell, on data the search never saw) and many seeds.
# - Random search has an exact expected regret on a tabular benchmark: every other strategy's
#   curve can be read against it, in lookups it is worth.
# - Seed variance decides what a comparison can claim: a verdict needs an interval that excludes
#   no difference, and close methods need more seeds than papers usually run.
# - Selecting by validation accuracy leaves regret that no search can remove.
# - One-shot methods are cheap, and land where their supernet's ranking and their drift toward
#   parameter-free ops put them; searched on a proxy (digits), they are only as good as the
#   proxy's ranking of the real cells (notebook 01).
# - A cheap table can change the verdicts between strategies: check them on the real one.
#
# ## Exercises
# 1. **A strategy of your own.** Write a class with `ask()`, `tell(arch, score)` and `best()`
#    (or subclass `strategies.Strategy`, which keeps the history and gives `best()`)
#    and put it on the same plot: `compare({"mine": MyStrategy, "random search":
#    contenders.random_search()}, BUDGET, 10)`. A start, below: random search with a human
#    prior, never proposing a `none` edge ($4^6 = 4{,}096$ of the 15,625 cells). Does the prior
#    help, and by more than the CI? Then write one that learns from its tells. *Hint: a class
#    is a `make(seed)` callable; `ask` may return op tuples, indices or strings.*
# 2. **Noise off.** On our digits table, which has per-seed values, rerun the discrete
#    strategies with `compare(..., bench=digits)` and with `compare(..., bench=digits,
#    noise="mean")` (the oracle answers the seed-mean, as on the real table). How much of each
#    strategy's regret, and of the validation-vs-test gap, was seed noise? *Hint: compare the
#    "test-sel." column of both leaderboards.*
# 3. **Equal cost, not equal lookups.** On our digits table the costs share a unit
#    (`compare.calibrate_time(digits)` turns wall seconds into the table's seconds). Give random
#    search the budget in lookups that costs as many simulated seconds as a DARTS search, and
#    compare the two on `bench=digits`. Who wins now?
# 4. **How many seeds?** Rerun the leaderboard with seeds 0-2 only, then 3-5. Does the order of
#    the top three change? Compare with `seeds_needed` from lesson 2.
# 5. **Local search's restarts.** Local search's runs record `restarts` (`LocalSearch`); count the
#    local optima it hit per run and relate them to its regret. *Hint: make the strategy in a
#    closure that keeps the object.*

# %%
class NoNoneRandomSearch:
    """Exercise 1, a start: random search over the cells without a 'none' edge."""

    OPS = [op for op in nb201.OPS if op != "none"]

    def __init__(self, seed):
        self.rng, self.history = np.random.default_rng(seed), []

    def ask(self):
        return tuple(self.OPS[k] for k in self.rng.integers(len(self.OPS), size=len(nb201.EDGES)))

    def tell(self, arch, score):
        self.history.append((arch, score))

    def best(self):
        return max(self.history, key=lambda h: h[1])


own = compare({"no-none random search": NoNoneRandomSearch,
               "random search": contenders.random_search()}, BUDGET, P.pick(10, 30), truth=truth)
print(format_leaderboard(own.leaderboard()))
plot_regret(own, linthresh=0.1, title="a strategy of your own, on the same plot")
