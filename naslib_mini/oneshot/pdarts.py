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
  alpha Adam lr 6e-4 (betas (0.5, 0.999), weight decay 1e-3). One difference: the official
  code also clips the alphas' gradient norm at 5; here only the weights' are clipped;
- search-space regularisation (section 3.3): dropout on the output of every stride-1
  skip_connect, initial rate 0.1 / 0.4 / 0.7 per stage (CIFAR-10, the README's command),
  decaying within a stage (`skip_dropout_rate`); and at the end the normal cell keeps at
  most M = 2 skip_connects (`cap_skips`).
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .. import checks
from .. import data as data_mod
from ..genotypes import DARTS_PRIMITIVES, Cell, Genotype, GenotypeError
from ..train import Callback
from ..utils import resolve_device
from .architect import Architect
from .cost import step_cost
from .derive import darts_cell
from .search import make_supernet, search
from .search_cnn import darts_edges


@dataclass(frozen=True)
class Stage:
    """One P-DARTS stage."""
    layers: int             # cells in the search network (paper: 5, 11, 17)
    n_ops: int              # candidate ops on every edge during this stage (paper: 8, 5, 3)
    dropout: float = 0.0    # initial skip_connect dropout rate (paper, CIFAR-10: 0.1, 0.4, 0.7)

    def __post_init__(self):
        checks.integer("Stage.layers", self.layers, min=1)
        checks.integer("Stage.n_ops", self.n_ops, min=1)
        checks.number("Stage.dropout", self.dropout, min=0, max=1, max_open=True)


PAPER_STAGES = (Stage(5, 8, 0.1), Stage(11, 5, 0.4), Stage(17, 3, 0.7))


def skip_dropout_rate(rate: float, epoch: int, num_epochs: int, warmup_epochs: int,
                      decay: float = 0.2) -> float:
    """The official schedule within a stage (epoch counts from 0):
    while the alphas are frozen (epoch < warmup_epochs): rate * (num_epochs - epoch - 1) / num_epochs;
    after:                                               rate * exp(-decay * (epoch - warmup_epochs)).
    (The rate steps back up to `rate` when the alphas start to train.)"""
    if epoch < warmup_epochs:
        return rate * (num_epochs - epoch - 1) / num_epochs
    return rate * math.exp(-decay * (epoch - warmup_epochs))


class SkipDropoutSchedule(Callback):
    """Sets the supernet's skip_connect dropout at the start of every epoch (fit callback);
    the history gets "skip_dropout". The rate depends on the epoch only, so resuming works."""

    def __init__(self, rate: float, num_epochs: int, warmup_epochs: int, decay: float = 0.2):
        self.rate, self.num_epochs, self.warmup, self.decay = rate, num_epochs, warmup_epochs, decay
        self.p = 0.0

    def on_epoch_start(self, t):
        self.p = skip_dropout_rate(self.rate, t.epoch, self.num_epochs, self.warmup, self.decay)
        t.net.supernet.set_skip_dropout(self.p)

    def on_epoch_end(self, t, logs):
        logs["skip_dropout"] = self.p


def drop_ops(weights, primitives, n_keep: int) -> list[tuple[str, ...]]:
    """Each edge keeps its n_keep strongest ops: weights (E, n) or E 1-D rows (softmax(alpha)),
    primitives one op list per edge (or one shared list). 'none' competes like any op. The
    official code drops the weakest op one at a time (np.argmin: on ties the lower index goes
    first); the kept ops stay in their order."""
    rows = [np.asarray(w, dtype=float) for w in weights]
    per_edge = ([tuple(primitives)] * len(rows) if all(isinstance(p, str) for p in primitives)
                else [tuple(p) for p in primitives])
    if len(per_edge) != len(rows):
        raise ValueError(f"{len(rows)} weight rows for {len(per_edge)} per-edge op lists")
    out = []
    for e, (w, ops) in enumerate(zip(rows, per_edge)):
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
    per_edge = ([tuple(primitives)] * len(edges) if all(isinstance(p, str) for p in primitives)
                else [tuple(p) for p in primitives])
    choices = [sum(op != "none" for op in ops) for ops in per_edge]
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
    per_edge = ([tuple(primitives)] * len(W) if all(isinstance(p, str) for p in primitives)
                else [tuple(p) for p in primitives])
    index = {edge: e for e, edge in enumerate(darts_edges(n_nodes))}
    cell = darts_cell(W, per_edge, n_nodes=n_nodes)
    while True:
        skips = [index[(src, dst)] for src, dst, op in cell.edges if op == "skip_connect"]
        if len(skips) <= M:
            return cell
        weakest = min(skips, key=lambda e: (W[e][per_edge[e].index("skip_connect")], e))
        k = per_edge[weakest].index("skip_connect")
        if W[weakest][k] == 0.0:
            raise GenotypeError(f"edge {weakest} keeps skip_connect at weight 0: it has no other op")
        W[weakest][k] = 0.0
        cell = darts_cell(W, per_edge, n_nodes=n_nodes)


@dataclass
class StageRecord:
    """What one stage leaves: its settings, the op sets it searched, its final softmax(alpha)
    (numpy, per cell type), the cell the DARTS rule derives from them, the alphas' count,
    the number of discrete cells its op sets allow (count_cells, per cell type), the cost
    of one search step (cost.step_cost) and fit's history."""
    stage: Stage
    primitives: dict
    weights: dict
    genotype: Genotype
    n_arch_params: int
    space_size: dict
    cost: dict | None
    seconds: float
    history: dict


@dataclass
class PDARTSResult:
    """genotype: the final cells with the skip cap (M); genotype_uncapped: without it."""
    stages: list[StageRecord]
    genotype: Genotype
    genotype_uncapped: Genotype
    M: int
    seconds: float
    settings: dict = field(default_factory=dict)


def _per_type(primitives) -> dict:
    E = len(darts_edges())
    if isinstance(primitives, dict):
        return {t: [tuple(p) for p in primitives[t]] for t in ("normal", "reduce")}
    return {t: [tuple(primitives)] * E for t in ("normal", "reduce")}


def pdarts_search(data=None, *, stages: Sequence[Stage] = PAPER_STAGES, C: int = 16,
                  num_epochs: int = 25, warmup_epochs: int = 10, batch_size: int = 96,
                  lr: float = 0.025, arch_lr: float = 6e-4, M: int = 2,
                  primitives=DARTS_PRIMITIVES, seed: int = 0, measure_cost: bool = True,
                  cost_batch: int | None = None, cost_repeats: int = 3, evaluate: bool = False,
                  checkpoint=None, progress: bool = True, device="auto",
                  **search_kwargs) -> PDARTSResult:
    """Run the P-DARTS stages; each is one `search("darts", "darts", ...)`, i.e. one `fit`.

    primitives: the ops of the first stage (every edge), or {"normal": [...], "reduce": [...]}
    with one op list per edge (to continue from a stage's op sets). Stage s must find
    stages[s].n_ops ops on every edge. data: a data.Splits (default digits, half of the
    training images as validation). measure_cost: time and memory of one search step per
    stage, on a fresh network of the same stage (cost_batch images, default batch_size).
    checkpoint: a folder; stage s checkpoints to stage{s}.pt there and resumes. More keyword
    arguments go to search() (momentum, weight_decay, grad_clip, order, ...).
    """
    if not isinstance(stages, (list, tuple)) or not stages \
            or not all(isinstance(st, Stage) for st in stages):
        raise TypeError(f"stages must be a non-empty sequence of pdarts.Stage, got {stages!r}")
    checks.integer("num_epochs", num_epochs, min=1)
    checks.integer("warmup_epochs", warmup_epochs, min=0, max=num_epochs - 1)
    checks.integer("M (skip_connects kept)", M, min=0)
    checks.integer("cost_repeats", cost_repeats, min=1)
    device = resolve_device(checks.device("device", device))
    splits = data if data is not None else data_mod.load("digits", val_fraction=0.5, device=device)
    prims, records, t0 = _per_type(primitives), [], time.perf_counter()
    for s, stage in enumerate(stages):
        for t, p in prims.items():
            bad = [e for e, ops in enumerate(p) if len(ops) != stage.n_ops]
            if bad:
                raise ValueError(f"stage {s + 1} expects {stage.n_ops} ops per edge; {t} edge "
                                 f"{bad[0]} has {len(p[bad[0]])}: {p[bad[0]]}")
        net_kw = {"primitives": prims["normal"], "primitives_reduce": prims["reduce"]}
        res = search("darts", "darts", splits, num_epochs=num_epochs, seed=seed, C=C,
                     layers=stage.layers, batch_size=batch_size, lr=lr, arch_lr=arch_lr,
                     warmup_epochs=warmup_epochs, supernet_kwargs=net_kw, evaluate=evaluate,
                     callbacks=[SkipDropoutSchedule(stage.dropout, num_epochs, warmup_epochs)],
                     checkpoint=None if checkpoint is None else f"{checkpoint}/stage{s}.pt",
                     progress=progress, device=device, desc=f"P-DARTS stage {s + 1}",
                     **search_kwargs)
        weights = {t: [w.detach().cpu().numpy() for w in ws]  # off the search device, once
                   for t, ws in res.searcher.arch_weights(detach=True).items()}
        cost = None
        if measure_cost:
            net = make_supernet("darts", num_classes=splits.num_classes,
                                in_channels=splits.in_channels, C=C, layers=stage.layers, **net_kw)
            net.to(device).set_skip_dropout(stage.dropout)
            b = cost_batch or batch_size
            cost = step_cost(Architect(net, splits.val, batch_size=b, device=device),
                             splits.train.X[:b].to(device), splits.train.y[:b].to(device),
                             repeats=cost_repeats)
        records.append(StageRecord(
            stage, {t: list(p) for t, p in prims.items()},
            weights, res.arch,
            arch_param_count(res.supernet.arch_spec()),
            {t: count_cells(p) for t, p in prims.items()}, cost,
            res.seconds, res.history))
        if s + 1 < len(stages):
            n_next = stages[s + 1].n_ops
            prims = {t: drop_ops(weights.get(t, weights["normal"]), p, n_next)
                     for t, p in prims.items()}
    last = records[-1]
    normal = cap_skips(last.weights["normal"], prims["normal"], M)
    capped = Genotype(normal, last.genotype.reduce)
    settings = dict(C=C, num_epochs=num_epochs, warmup_epochs=warmup_epochs, batch_size=batch_size,
                    lr=lr, arch_lr=arch_lr, seed=seed, stages=list(stages))
    return PDARTSResult(records, capped, last.genotype, M, time.perf_counter() - t0, settings)

