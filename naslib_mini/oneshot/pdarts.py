"""P-DARTS: Progressive Differentiable Architecture Search (Chen, Xie, Wu & Tian, ICCV 2019,
arXiv 1904.12760; official code chenxin061/pdarts, train_search.py and model_search.py).

DARTS searches in a shallow network (8 cells) and evaluates in a deep one (20 cells): the
*depth gap*. P-DARTS closes it in stages. Each stage is a DARTS search (first order) in a
deeper network over fewer candidate ops per edge; between stages, each edge keeps only its
strongest ops by softmax(alpha):

    stage        1      2      3      final
    cells        5     11     17      (evaluation: 20)
    ops/edge     8      5      3      1 (the DARTS rule: strongest op, 2 edges per node)
    alphas     224    140     84      (14 edges x ops x 2 cell types)

As in the official code:
- between stages every op can be dropped, 'none' included, by its weight (get_min_k); the
  final step drops 'none' first (get_min_k_no_zero), which is the DARTS rule that never
  picks 'none' (derive.darts_cell);
- every stage builds a new network: weights and alphas are re-initialised (alpha = 1e-3
  randn); only the surviving op sets carry over;
- 25 epochs per stage, alphas frozen for the first 10; SGD 0.025 cosine to 0, batch 96;
  alpha Adam lr 6e-4 (betas (0.5, 0.999), weight decay 1e-3): PDARTSConfig. One difference:
  the official code also clips the alphas' gradient norm at 5; here only the weights' are
  clipped;
- search-space regularisation (section 3.3): dropout on the output of every stride-1
  skip_connect, initial rate 0.1 / 0.4 / 0.7 per stage (CIFAR-10, the README's command),
  decaying within a stage (`skip_dropout_rate`); and at the end the normal cell keeps at
  most M = 2 skip_connects (`cap_skips`).

`PDARTS` is DARTS (darts.DARTS) with the skip dropout schedule; its `run` runs the stages,
each one `fit` in a new network, through search.search(space="darts", method="pdarts").
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from ..genotypes import DARTS_PRIMITIVES, Cell, Genotype, GenotypeError
from ..utils import seed_everything
from .config import PAPER_STAGES, PDARTSConfig, Stage  # noqa: F401  (P-DARTS' names, here too)
from .darts import DARTS
from .derive import darts_cell, darts_edges
from .method import register
from .profiling import step_cost
from .supernet import per_edge


def skip_dropout_rate(rate: float, epoch: int, num_epochs: int, warmup_epochs: int,
                      decay: float = 0.2) -> float:
    """The official schedule within a stage (epoch counts from 0):
    while the alphas are frozen (epoch < warmup_epochs): rate * (num_epochs - epoch - 1) / num_epochs;
    after:                                               rate * exp(-decay * (epoch - warmup_epochs)).
    (The rate steps back up to `rate` when the alphas start to train.)"""
    if epoch < warmup_epochs:
        return rate * (num_epochs - epoch - 1) / num_epochs
    return rate * math.exp(-decay * (epoch - warmup_epochs))


def drop_ops(weights, primitives, n_keep: int) -> list[tuple[str, ...]]:
    """Each edge keeps its n_keep strongest ops: weights (E, n) or E 1-D rows (softmax(alpha)),
    primitives one op list per edge (or one shared list). 'none' competes like any op. The
    official code drops the weakest op one at a time (np.argmin: on ties the lower index goes
    first); the kept ops stay in their order."""
    rows = [np.asarray(w, dtype=float) for w in weights]
    ops_of = per_edge(primitives, len(rows))
    out = []
    for e, (w, ops) in enumerate(zip(rows, ops_of)):
        if len(w) != len(ops):
            raise ValueError(f"edge {e}: {len(ops)} ops {ops} but {len(w)} weights")
        if not 1 <= n_keep <= len(ops):
            raise ValueError(f"edge {e}: cannot keep {n_keep} of its {len(ops)} ops")
        order = sorted(range(len(ops)), key=lambda k: (w[k], k))  # weakest first
        dropped = set(order[:len(ops) - n_keep])
        out.append(tuple(op for k, op in enumerate(ops) if k not in dropped))
    return out


def expand_weights(weights, primitives, vocab=DARTS_PRIMITIVES) -> np.ndarray:
    """Per-edge weights over per-edge op lists -> one (E, len(vocab)) array, NaN where an
    edge no longer offers an op (for heatmaps in the vocabulary's order)."""
    out = np.full((len(primitives), len(vocab)), np.nan)
    for e, (w, ops) in enumerate(zip(weights, primitives)):
        for v, op in zip(np.asarray(w, dtype=float), ops):
            out[e, list(vocab).index(op)] = v
    return out


def arch_param_count(spec: dict) -> int:
    """Number of alphas of an arch_spec ({cell type: ops per edge}): 224 for DARTS."""
    return int(sum(sum(sizes) for sizes in spec.values()))


def count_cells(primitives, n_nodes: int = 4, n_inputs: int = 2, k: int = 2) -> int:
    """Discrete cells the DARTS rule can derive when edge e offers primitives[e]: per node,
    a set of k incoming edges, each with one of its ops other than 'none'. With the same 8
    ops on every edge this is spaces.darts.count()."""
    edges = darts_edges(n_nodes, n_inputs)
    choices = [sum(op != "none" for op in ops) for ops in per_edge(primitives, len(edges))]
    total, e = 1, 0
    for j in range(n_nodes):
        incoming = choices[e:e + n_inputs + j]
        total *= sum(math.prod(c) for c in combinations(incoming, k))
        e += n_inputs + j
    return total


def cap_skips(weights, primitives, M: int = 2, *, n_nodes: int = 4) -> Cell:
    """The normal cell with at most M skip_connects (section 3.3; official train_search.py,
    delete_min_sk_prob / keep_1_on / keep_2_branches): derive by the DARTS rule; while the
    cell has more than M skip_connects, set the weight of the weakest skip_connect in the
    cell to 0 and derive again (the edge then takes its next op, or loses its place)."""
    W = [list(np.asarray(w, dtype=float)) for w in weights]
    ops_of = per_edge(primitives, len(W))
    index = {edge: e for e, edge in enumerate(darts_edges(n_nodes))}
    cell = darts_cell(W, ops_of, n_nodes=n_nodes)
    while True:
        skips = [index[(src, dst)] for src, dst, op in cell.edges if op == "skip_connect"]
        if len(skips) <= M:
            return cell
        weakest = min(skips, key=lambda e: (W[e][ops_of[e].index("skip_connect")], e))
        k = ops_of[weakest].index("skip_connect")
        if W[weakest][k] == 0.0:
            raise GenotypeError(f"edge {weakest} keeps skip_connect at weight 0: it has no other op")
        W[weakest][k] = 0.0
        cell = darts_cell(W, ops_of, n_nodes=n_nodes)


@dataclass
class StageRecord:
    """What one stage leaves: its settings, the op sets it searched, its final softmax(alpha)
    (numpy, per cell type), the cell the DARTS rule derives from them, the alphas' count,
    the number of discrete cells its op sets allow (count_cells, per cell type), the cost
    of one search step (profiling.step_cost; None when config.cost_repeats = 0) and fit's history."""
    stage: Stage
    primitives: dict
    weights: dict
    genotype: Genotype
    n_arch_params: int
    space_size: dict
    cost: dict | None
    seconds: float
    history: dict


def _per_type(primitives) -> dict:
    E = len(darts_edges())
    if isinstance(primitives, dict):
        return {t: [tuple(p) for p in primitives[t]] for t in ("normal", "reduce")}
    return {t: [tuple(primitives)] * E for t in ("normal", "reduce")}


@register("pdarts")
class PDARTS(DARTS):
    """DARTS (first order by default) with dropout on every stride-1 skip_connect output,
    set at the start of every epoch by `skip_dropout_rate` (the history gets "skip_dropout";
    the rate depends on the epoch only, so resuming works). dropout: the stage's initial rate.
    After `run`: `stages` (a StageRecord each) and `uncapped` (the final cells without the
    cap of M skip_connects)."""

    Config = PDARTSConfig
    spaces = ("darts",)

    def __init__(self, supernet, val, config, *, seed: int = 0, device="auto", dropout: float = 0.0):
        super().__init__(supernet, val, config, seed=seed, device=device)
        self.dropout, self.p = dropout, 0.0
        self.stages, self.uncapped = [], None

    def on_epoch_start(self, t):
        super().on_epoch_start(t)
        c = self.config
        self.p = skip_dropout_rate(self.dropout, t.epoch, c.num_epochs, c.warmup_epochs, c.dropout_decay)
        self.supernet.set_skip_dropout(self.p)

    def on_epoch_end(self, t, logs):
        super().on_epoch_end(t, logs)
        logs["skip_dropout"] = self.p

    @classmethod
    def run(cls, build, splits, config, callbacks, run):
        """The stages: each a new network of stage.layers cells over the surviving ops, one
        `fit`; between stages drop_ops keeps stages[s + 1].n_ops ops per edge; at the end the
        normal cell keeps at most config.M skip_connects. run.checkpoint: a folder; stage s
        checkpoints to stage{s}.pt there and resumes."""
        prims, records = _per_type(config.primitives), []
        for s, stage in enumerate(config.stages):
            for t, p in prims.items():
                bad = [e for e, ops in enumerate(p) if len(ops) != stage.n_ops]
                if bad:
                    raise ValueError(f"stage {s + 1} expects {stage.n_ops} ops per edge; {t} edge "
                                     f"{bad[0]} has {len(p[bad[0]])}: {p[bad[0]]}")
            net_kw = {"layers": stage.layers, "primitives": prims["normal"],
                      "primitives_reduce": prims["reduce"]}
            seed_everything(run.seed)
            method = cls(build(**net_kw), splits.val, config, seed=run.seed, device=run.device,
                         dropout=stage.dropout)
            t0 = time.perf_counter()
            history = method.fit(splits if run.evaluate else (splits.train, None), callbacks,
                                 replace(run, desc=f"P-DARTS stage {s + 1}"),
                                 None if run.checkpoint is None else f"{run.checkpoint}/stage{s}.pt")
            seconds = time.perf_counter() - t0
            weights = {t: [w.detach().cpu().numpy() for w in ws]  # off the search device, once
                       for t, ws in method.arch_weights(detach=True).items()}
            cost = None
            if config.cost_repeats:  # on a fresh network of the same stage
                other = cls(build(**net_kw).to(run.device), splits.val, config, device=run.device,
                            dropout=stage.dropout)
                other.supernet.set_skip_dropout(stage.dropout)
                b = config.batch_size
                cost = step_cost(other, splits.train.X[:b].to(run.device),
                                 splits.train.y[:b].to(run.device), repeats=config.cost_repeats)
            records.append(StageRecord(
                stage, {t: list(p) for t, p in prims.items()}, weights, method.derive(),
                arch_param_count(method.supernet.arch_spec()),
                {t: count_cells(p) for t, p in prims.items()}, cost, seconds, history))
            if s + 1 < len(config.stages):
                n_next = config.stages[s + 1].n_ops
                prims = {t: drop_ops(weights.get(t, weights["normal"]), p, n_next)
                         for t, p in prims.items()}
        last = records[-1]
        method.stages, method.uncapped = records, last.genotype
        normal = cap_skips(last.weights["normal"], prims["normal"], config.M)
        return method, last.history, Genotype(normal, last.genotype.reduce)
