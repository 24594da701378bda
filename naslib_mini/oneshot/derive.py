"""From continuous mixing weights to a discrete cell (Liu et al. 2019, arXiv 1806.09055,
section 2.4; official code cnn/model_search.py, `genotype`).

DARTS rule, for every intermediate node j:
  1. on each incoming edge (i, j), its strongest op other than 'none': s_ij = max_{o != none} w_ij,o;
  2. keep the k = 2 incoming edges with the largest s_ij; they come from distinct
     predecessors because each edge is one predecessor;
  3. each kept edge carries its strongest non-'none' op.
PC-DARTS ranks edges by edge_weight_ij * w_ij,o instead (`edge_weights`); the op choice on an
edge is unchanged by that scale. Ties go to the lower index, as in the official code.
The edges of a node are listed by source (the official code lists them by strength: the
same cell).

NAS-Bench-201 rule: on each of the 6 edges the strongest op, 'none' included
(`nb201_cell`, as NAS-Bench-201's own search code does).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

from ..genotypes import DARTS_PRIMITIVES, Cell, GenotypeError, Genotype
from ..spaces import nb201
from .supernet import per_edge


def darts_edges(n_nodes: int = 4, n_inputs: int = 2) -> tuple[tuple[int, int], ...]:
    """Every edge (src, dst) of a search cell, in weight-row order; states numbered globally
    (inputs 0..n_inputs-1, then the intermediate nodes). 14 edges for the DARTS cell."""
    return tuple((i, n_inputs + j) for j in range(n_nodes) for i in range(n_inputs + j))


def _rows(weights) -> list[list[float]]:
    """(E, n) tensor / array or a list of 1-D tensors -> list of python float lists."""
    return [torch.as_tensor(w).detach().float().cpu().tolist() for w in weights]


def darts_cell(weights, primitives=DARTS_PRIMITIVES, *, n_nodes: int = 4, n_inputs: int = 2,
               k: int = 2, edge_weights=None) -> Cell:
    """The discrete cell of the DARTS rule from mixing weights (E, n_ops) (or a list of E
    1-D tensors when edges have different candidates; then `primitives` is one op list per
    edge). edge_weights (E,): PC-DARTS' edge normalisation, multiplied in before ranking."""
    edges = darts_edges(n_nodes, n_inputs)
    W = _rows(weights)
    if len(W) != len(edges):
        raise ValueError(f"expected weights for {len(edges)} edges ({n_nodes} nodes, "
                         f"{n_inputs} inputs), got {len(W)}")
    ops_of = per_edge(primitives, len(edges))
    scale = [1.0] * len(edges) if edge_weights is None else _rows([edge_weights])[0]
    nodes, e = [], 0
    for j in range(n_nodes):
        best = []  # (strength, src, op) of each incoming edge
        for src in range(n_inputs + j):
            ops, w = ops_of[e], W[e]
            if len(ops) != len(w):
                raise ValueError(f"edge {e} ({src}->{n_inputs + j}) has {len(ops)} ops {ops} "
                                 f"but {len(w)} weights")
            cands = [(w[o], o) for o in range(len(ops)) if ops[o] != "none"]
            if cands:
                top = max(cands, key=lambda c: (c[0], -c[1]))  # first maximum, as the official code
                best.append((scale[e] * top[0], src, ops[top[1]]))
            e += 1
        if len(best) < k:
            raise GenotypeError(f"node {n_inputs + j}: only {len(best)} incoming edges have an op "
                                f"other than 'none', need {k}")
        kept = sorted(best, key=lambda b: (-b[0], b[1]))[:k]
        nodes.append(tuple((op, src) for _, src, op in sorted(kept, key=lambda b: b[1])))
    vocab = tuple(dict.fromkeys(op for ops in ops_of for op in ops))
    return Cell(tuple(nodes), n_inputs=n_inputs, primitives=vocab, edges_per_node=k)


def nb201_cell(weights, primitives: Sequence[str] = nb201.OPS) -> tuple[str, ...]:
    """The NAS-Bench-201 cell: the strongest op on each edge, argmax over (6, |O|) weights
    or alphas, 'none' included (as NAS-Bench-201's own search code derives this space)."""
    weights = torch.as_tensor(weights)
    if tuple(weights.shape) != (len(nb201.EDGES), len(primitives)):
        raise ValueError(f"expected ({len(nb201.EDGES)}, {len(primitives)}) weights, got "
                         f"{tuple(weights.shape)}")
    return tuple(primitives[int(k)] for k in weights.argmax(-1))


def op_share(arch, op: str = "skip_connect", cell: str = "normal") -> float:
    """Share of the edges of a derived cell that carry `op`: a Genotype's `cell` ("normal" or
    "reduce"), a Cell, or a NAS-Bench-201 op tuple (its 'none' edges count as edges)."""
    if isinstance(arch, Genotype):
        arch = getattr(arch, cell)
    ops = [o for _, _, o in arch.edges] if isinstance(arch, Cell) else list(arch)
    return sum(o == op for o in ops) / len(ops)
