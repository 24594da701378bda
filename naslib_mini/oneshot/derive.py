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
from .nb201_supernet import NB201SuperNet, weights_to_ops
from .search_cnn import SearchCNN, darts_edges


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
    per_edge = ([tuple(primitives)] * len(edges) if all(isinstance(p, str) for p in primitives)
                else [tuple(p) for p in primitives])
    scale = [1.0] * len(edges) if edge_weights is None else _rows([edge_weights])[0]
    nodes, e = [], 0
    for j in range(n_nodes):
        best = []  # (strength, src, op) of each incoming edge
        for src in range(n_inputs + j):
            ops, w = per_edge[e], W[e]
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
    vocab = tuple(dict.fromkeys(op for ops in per_edge for op in ops))
    return Cell(tuple(nodes), n_inputs=n_inputs, primitives=vocab, edges_per_node=k)


def darts_genotype(weights_normal, weights_reduce, primitives=DARTS_PRIMITIVES,
                   primitives_reduce=None, *, n_nodes: int = 4, edge_weights_normal=None,
                   edge_weights_reduce=None) -> Genotype:
    """Normal and reduction cells by the DARTS rule (see darts_cell)."""
    reduce_prims = primitives if primitives_reduce is None else primitives_reduce
    return Genotype(
        darts_cell(weights_normal, primitives, n_nodes=n_nodes, edge_weights=edge_weights_normal),
        darts_cell(weights_reduce, reduce_prims, n_nodes=n_nodes, edge_weights=edge_weights_reduce))


def nb201_cell(weights: torch.Tensor, primitives: Sequence[str] = nb201.OPS) -> tuple[str, ...]:
    """The NAS-Bench-201 cell: argmax per edge over (6, n_ops) weights, 'none' included."""
    return weights_to_ops(torch.as_tensor(weights), primitives)


def derive(supernet, weights: dict, edge_weights: dict | None = None):
    """The discrete architecture a supernet's mixing weights stand for.

    SearchCNN: weights {"normal": (14, n), "reduce": (14, n)} -> genotypes.Genotype (a network
    without reduction cells gives a Genotype whose reduction cell is the normal one).
    NB201SuperNet: weights {"cell": (6, n)} -> a 6-op tuple, the benchmark's cell format.
    """
    if isinstance(supernet, SearchCNN):
        ew = edge_weights or {}
        cells = {t: darts_cell(weights[t], supernet.primitives[t], n_nodes=supernet.n_nodes,
                               edge_weights=ew.get(t)) for t in supernet.cell_types}
        return Genotype(cells["normal"], cells.get("reduce", cells["normal"]))
    if isinstance(supernet, NB201SuperNet):
        if edge_weights:
            raise ValueError("the NAS-Bench-201 cell sums every edge: no edge weights")
        return nb201_cell(weights["cell"], supernet.primitives)
    if hasattr(supernet, "derive"):
        return supernet.derive(weights, edge_weights)
    raise TypeError(f"no derivation rule for {type(supernet).__name__}; give it a "
                    "derive(weights, edge_weights) method")


def op_share(arch, op: str = "skip_connect", cell: str = "normal") -> float:
    """Share of the edges of a derived cell that carry `op`: a Genotype's `cell` ("normal" or
    "reduce"), a Cell, or a NAS-Bench-201 op tuple (its 'none' edges count as edges)."""
    if isinstance(arch, Genotype):
        arch = getattr(arch, cell)
    ops = [o for _, _, o in arch.edges] if isinstance(arch, Cell) else list(arch)
    return sum(o == op for o in ops) / len(ops)
