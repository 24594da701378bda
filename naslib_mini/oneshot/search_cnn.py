"""The DARTS search network (Liu et al. 2019, arXiv 1806.09055, sections 2.1-2.2; official
code cnn/model_search.py): every edge of every cell holds a mixed op over the candidates.

A search cell has two inputs (the outputs of the two previous cells, c_{k-2} and c_{k-1}),
`n_nodes` intermediate nodes and an output that concatenates them. Node j reads every
earlier state, so the cell has n_inputs * n_nodes + n_nodes (n_nodes - 1) / 2 edges
(14 for 2 inputs and 4 nodes), listed node after node, sources in increasing order
(`darts_edges`). With mixing weights w (E, |O|) (DARTS: softmax(alpha), eq. 2),

    node_j = sum_{i < j} mixed_ij(state_i),      mixed_ij(x) = sum_o w[e(i,j), o] * o(x)

The weights are given to `forward` as a Mixing per cell type (supernet.py): every normal cell shares one set and
every reduction cell another, so alphas can drive a network of any depth (P-DARTS grows the
same search from 5 to 11 to 17 cells). The network never owns alphas.

Extensions used by later methods, all off by default (K=1, no edge weights, no dropout is
exactly the DARTS search network):
- per-edge candidates (P-DARTS, arXiv 1904.12760): `primitives` may list one op list per
  edge; weights are then a list of 1-D tensors (or (E, n) when every edge has n ops);
- partial channels (PC-DARTS, arXiv 1907.05737): K > 1 sends C/K channels through the mixed
  op, passes the rest by (max-pooled at stride 2), then shuffles channels in K groups
  (mixed.PartialEdge);
- edge normalisation (PC-DARTS): edge_weights (E,) scale each edge's output,
  node_j = sum_i edge_weights[e(i,j)] * mixed_ij(state_i); `edge_softmax(beta)` makes them;
- skip dropout (P-DARTS): `set_skip_dropout(p)` drops out the outputs of skip_connect.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..genotypes import DARTS_PRIMITIVES, Genotype
from ..ops import FactorizedReduce, ReLUConvBN
from .derive import darts_cell, darts_edges
from .mixed import MixedOp, PartialEdge, channel_shuffle, check_partial, group_softmax
from .supernet import Mixing, Supernet, check_mixing, per_edge

__all__ = ["SearchCNN", "SearchCell", "SearchEdge", "SkipDropout", "channel_shuffle",
           "darts_edges", "edge_softmax", "node_sizes"]
CELL_TYPES = ("normal", "reduce")


def node_sizes(n_nodes: int = 4, n_inputs: int = 2) -> list[int]:
    """Edges into each intermediate node: [2, 3, 4, 5] for the DARTS cell."""
    return [n_inputs + j for j in range(n_nodes)]


def edge_softmax(beta: torch.Tensor, n_nodes: int = 4, n_inputs: int = 2) -> torch.Tensor:
    """PC-DARTS edge normalisation: softmax of beta (E,) within each node's incoming edges.
    Returns (E,) weights that sum to 1 over the edges into each node."""
    return group_softmax(beta, node_sizes(n_nodes, n_inputs))


class SkipDropout(nn.Module):
    """skip_connect with dropout on its output (P-DARTS); p = 0 (the default) is the identity."""

    def __init__(self, op: nn.Module, p: float = 0.0):
        super().__init__()
        self.op, self.p = op, p

    def forward(self, x):
        x = self.op(x)
        return F.dropout(x, self.p, self.training) if self.p > 0 else x


class SearchEdge(PartialEdge):
    """One edge: a MixedOp over `primitives`, built as in the DARTS search code (pools followed
    by a BatchNorm without affine parameters, skip_connect with P-DARTS' dropout), on a 1/K
    slice of the channels (mixed.PartialEdge).

    forward(x, weights=None, index=None) as MixedOp: (B, C, H, W) -> (B, C, H/stride, W/stride).
    """

    def __init__(self, C: int, stride: int, primitives: Sequence[str], K: int = 1,
                 affine: bool = False):
        C_op = C // check_partial(C, K)
        mixed = MixedOp(C_op, C_op, stride, primitives, affine)
        for k, name in enumerate(mixed.primitives):
            if "pool" in name:
                mixed.ops[k] = nn.Sequential(mixed.ops[k], nn.BatchNorm2d(C_op, affine=False))
            elif name == "skip_connect" and stride == 1:
                mixed.ops[k] = SkipDropout(mixed.ops[k])
        super().__init__(mixed, K, stride)


class SearchCell(nn.Module):
    """One search cell: (s0, s1) -> concat of the n_nodes intermediate nodes.

    s0 (B, C_pp, H0, W0), s1 (B, C_p, H, W) -> (B, n_nodes * C, H / stride, W / stride).
    The inputs are first brought to C channels as in networks.CellModule: a 1x1 ReLU-Conv-BN,
    or a FactorizedReduce for s0 when the previous cell halved the resolution.
    """

    def __init__(self, C_pp: int, C_p: int, C: int, reduction: bool, reduction_prev: bool,
                 primitives, n_nodes: int = 4, K: int = 1, affine: bool = False):
        super().__init__()
        self.reduction, self.n_nodes = reduction, n_nodes
        self.edge_list = darts_edges(n_nodes)
        self.pre0 = (FactorizedReduce(C_pp, C, affine) if reduction_prev
                     else ReLUConvBN(C_pp, C, 1, 1, 0, affine))
        self.pre1 = ReLUConvBN(C_p, C, 1, 1, 0, affine)
        prims = per_edge(primitives, len(self.edge_list))
        self.edges = nn.ModuleList(
            SearchEdge(C, 2 if reduction and src < 2 else 1, prims[e], K, affine)
            for e, (src, _dst) in enumerate(self.edge_list))
        self.C_out = n_nodes * C

    def forward(self, s0, s1, mixing: Mixing):
        w, index, ew = mixing.weights, mixing.index, mixing.edge_weights
        states = [self.pre0(s0), self.pre1(s1)]  # each (B, C, H, W)
        e = 0
        for _ in range(self.n_nodes):
            total = 0
            for state in list(states):  # node j reads every earlier state
                out = self.edges[e](state, None if w is None else w[e],
                                    None if index is None else index[e])
                total = total + (out if ew is None else ew[e] * out)
                e += 1
            states.append(total)
        return torch.cat(states[2:], dim=1)  # (B, n_nodes * C, H', W')


class SearchCNN(Supernet):
    """Stem -> `layers` search cells (reductions at 1/3 and 2/3 of the depth) -> pool -> linear.

    primitives / primitives_reduce: the candidates of normal / reduction cells, one shared op
    list or one list per edge (primitives_reduce=None: the same as primitives).
    K: partial channels (1 = plain DARTS). reductions: None = (layers // 3, 2 * layers // 3)
    when layers >= 3, else none (as networks.CellNetwork).

    forward(x, {"normal": Mixing, "reduce": Mixing}) -> logits (B, num_classes): every normal
    cell mixes by the "normal" Mixing, every reduction cell by "reduce" (supernet.py).
    """

    def __init__(self, C: int = 16, layers: int = 8, num_classes: int = 10, in_channels: int = 3,
                 primitives=DARTS_PRIMITIVES, primitives_reduce=None, n_nodes: int = 4,
                 K: int = 1, stem_multiplier: int = 3, reductions: tuple[int, ...] | None = None,
                 affine: bool = False):
        super().__init__()
        if reductions is None:
            reductions = (layers // 3, 2 * layers // 3) if layers >= 3 else ()
        if any(not 0 <= r < layers for r in reductions):
            raise ValueError(f"reductions {reductions} must be cell indices 0..{layers - 1}")
        self.n_nodes, self.K, self.layers, self.reductions = n_nodes, K, layers, tuple(reductions)
        n_edges = len(darts_edges(n_nodes))
        self.primitives = {
            "normal": per_edge(primitives, n_edges),
            "reduce": per_edge(primitives if primitives_reduce is None else primitives_reduce,
                               n_edges, "primitives_reduce")}
        C_stem = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C_stem, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(C_stem))
        C_pp, C_p, C_curr, reduction_prev = C_stem, C_stem, C, False
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in self.reductions
            C_curr = 2 * C_curr if reduction else C_curr
            cell = SearchCell(C_pp, C_p, C_curr, reduction, reduction_prev,
                              self.primitives["reduce" if reduction else "normal"], n_nodes, K, affine)
            self.cells.append(cell)
            C_pp, C_p, reduction_prev = C_p, cell.C_out, reduction
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_p, num_classes)

    @property
    def cell_types(self) -> tuple[str, ...]:
        """The cell types present: ("normal", "reduce"), or ("normal",) without reductions."""
        return CELL_TYPES if self.reductions else ("normal",)

    def arch_spec(self) -> dict[str, list[int]]:
        return {t: [len(p) for p in self.primitives[t]] for t in self.cell_types}

    def edge_groups(self) -> dict[str, list[int]]:
        """PC-DARTS: each node's incoming edges share a softmax over their betas."""
        return {t: node_sizes(self.n_nodes) for t in self.cell_types}

    def derive(self, weights: dict, edge_weights: dict | None = None) -> Genotype:
        """The DARTS rule per cell type (edge_weights: PC-DARTS ranks edges by them); without
        reduction cells the Genotype's reduction cell is the normal one."""
        ew = edge_weights or {}
        cells = {t: darts_cell(weights[t], self.primitives[t], n_nodes=self.n_nodes,
                               edge_weights=ew.get(t)) for t in self.cell_types}
        return Genotype(cells["normal"], cells.get("reduce", cells["normal"]))

    def set_skip_dropout(self, p: float) -> None:
        """Dropout probability on every stride-1 skip_connect output (P-DARTS)."""
        for m in self.modules():
            if isinstance(m, SkipDropout):
                m.p = float(p)

    def forward(self, x, mixing: dict[str, Mixing] | None = None):
        mixing = check_mixing(self, mixing)
        s0 = s1 = self.stem(x)  # (B, stem_multiplier * C, H, W)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, mixing["reduce" if cell.reduction else "normal"])
        return self.classifier(self.pool(s1).flatten(1))  # (B, num_classes)
