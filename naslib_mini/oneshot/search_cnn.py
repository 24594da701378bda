"""The DARTS search network (Liu et al. 2019, arXiv 1806.09055, sections 2.1-2.2; official
code cnn/model_search.py): every edge of every cell holds a mixed op over the candidates.

A search cell has two inputs (the outputs of the two previous cells, c_{k-2} and c_{k-1}),
`n_nodes` intermediate nodes and an output that concatenates them. Node j reads every
earlier state, so the cell has n_inputs * n_nodes + n_nodes (n_nodes - 1) / 2 edges
(14 for 2 inputs and 4 nodes), listed node after node, sources in increasing order
(`darts_edges`). With mixing weights w (E, |O|) (DARTS: softmax(alpha), eq. 2),

    node_j = sum_{i < j} mixed_ij(state_i),      mixed_ij(x) = sum_o w[e(i,j), o] * o(x)

The weights are given to `forward`, once per cell type: every normal cell shares one set and
every reduction cell another, so alphas can drive a network of any depth (P-DARTS grows the
same search from 5 to 11 to 17 cells). The network never owns alphas.

Extensions used by later methods, all off by default (K=1, no edge weights, no dropout is
exactly the DARTS search network):
- per-edge candidates (P-DARTS, arXiv 1904.12760): `primitives` may list one op list per
  edge; weights are then a list of 1-D tensors (or (E, n) when every edge has n ops);
- partial channels (PC-DARTS, arXiv 1907.05737): K > 1 sends C/K channels through the mixed
  op, passes the rest by (max-pooled at stride 2), then shuffles channels in K groups;
- edge normalisation (PC-DARTS): edge_weights (E,) scale each edge's output,
  node_j = sum_i edge_weights[e(i,j)] * mixed_ij(state_i); `edge_softmax(beta)` makes them;
- skip dropout (P-DARTS): `set_skip_dropout(p)` drops out the outputs of skip_connect.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..genotypes import DARTS_PRIMITIVES
from ..ops import FactorizedReduce, ReLUConvBN
from .mixed import MixedOp

CELL_TYPES = ("normal", "reduce")


def darts_edges(n_nodes: int = 4, n_inputs: int = 2) -> tuple[tuple[int, int], ...]:
    """Every edge (src, dst) of a search cell, in weight-row order; states numbered globally
    (inputs 0..n_inputs-1, then the intermediate nodes). 14 edges for the DARTS cell."""
    return tuple((i, n_inputs + j) for j in range(n_nodes) for i in range(n_inputs + j))


def edge_softmax(beta: torch.Tensor, n_nodes: int = 4, n_inputs: int = 2) -> torch.Tensor:
    """PC-DARTS edge normalisation: softmax of beta (E,) within each node's incoming edges.
    Returns (E,) weights that sum to 1 over the edges into each node."""
    sizes = [n_inputs + j for j in range(n_nodes)]
    if beta.shape != (sum(sizes),):
        raise ValueError(f"beta must have shape ({sum(sizes)},), one per edge, got {tuple(beta.shape)}")
    return torch.cat([b.softmax(0) for b in beta.split(sizes)])


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H, W) with channel g * (C / groups) + k moved to k * groups + g."""
    B, C, H, W = x.shape
    return x.view(B, groups, C // groups, H, W).transpose(1, 2).reshape(B, C, H, W)


class SkipDropout(nn.Module):
    """skip_connect with dropout on its output (P-DARTS); p = 0 (the default) is the identity."""

    def __init__(self, op: nn.Module, p: float = 0.0):
        super().__init__()
        self.op, self.p = op, p

    def forward(self, x):
        x = self.op(x)
        return F.dropout(x, self.p, self.training) if self.p > 0 else x


class SearchEdge(nn.Module):
    """One edge: a MixedOp over `primitives`, built as in the DARTS search code (pools followed
    by a BatchNorm without affine parameters), optionally on a 1/K slice of the channels.

    forward(x, weights=None, index=None) as MixedOp: (B, C, H, W) -> (B, C, H/stride, W/stride).
    """

    def __init__(self, C: int, stride: int, primitives: Sequence[str], K: int = 1,
                 affine: bool = False):
        super().__init__()
        if K < 1 or C % K:
            raise ValueError(f"partial channels need C divisible by K >= 1, got C={C}, K={K}")
        C_op = C // K
        self.K, self.stride = K, stride
        self.mixed = MixedOp(C_op, C_op, stride, primitives, affine)
        for k, name in enumerate(self.mixed.primitives):
            if "pool" in name:
                self.mixed.ops[k] = nn.Sequential(self.mixed.ops[k], nn.BatchNorm2d(C_op, affine=False))
            elif name == "skip_connect" and stride == 1:
                self.mixed.ops[k] = SkipDropout(self.mixed.ops[k])
        self.bypass = nn.MaxPool2d(2, 2, ceil_mode=True) if K > 1 and stride == 2 else None

    @property
    def primitives(self) -> tuple[str, ...]:
        return self.mixed.primitives

    def forward(self, x, weights=None, index=None):
        if self.K == 1:
            return self.mixed(x, weights, index)
        C_op = x.shape[1] // self.K
        y = self.mixed(x[:, :C_op], weights, index)              # (B, C/K, H', W')
        rest = x[:, C_op:] if self.bypass is None else self.bypass(x[:, C_op:])
        return channel_shuffle(torch.cat([y, rest], dim=1), self.K)  # (B, C, H', W')


def _per_edge(primitives, n_edges: int, what: str) -> tuple[tuple[str, ...], ...]:
    """One op list per edge from a shared list or a list of per-edge lists."""
    if isinstance(primitives, str) or not len(primitives):
        raise ValueError(f"{what}: expected a sequence of op names or one per edge, got {primitives!r}")
    if all(isinstance(p, str) for p in primitives):
        return (tuple(primitives),) * n_edges
    if len(primitives) != n_edges:
        raise ValueError(f"{what}: {len(primitives)} per-edge op lists for {n_edges} edges")
    return tuple(tuple(p) for p in primitives)


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
        prims = _per_edge(primitives, len(self.edge_list), "primitives")
        self.edges = nn.ModuleList(
            SearchEdge(C, 2 if reduction and src < 2 else 1, prims[e], K, affine)
            for e, (src, _dst) in enumerate(self.edge_list))
        self.C_out = n_nodes * C

    def forward(self, s0, s1, weights=None, index=None, edge_weights=None):
        states = [self.pre0(s0), self.pre1(s1)]  # each (B, C, H, W)
        e = 0
        for _ in range(self.n_nodes):
            total = 0
            for state in list(states):  # node j reads every earlier state
                out = self.edges[e](state, None if weights is None else weights[e],
                                    None if index is None else index[e])
                total = total + (out if edge_weights is None else edge_weights[e] * out)
                e += 1
            states.append(total)
        return torch.cat(states[2:], dim=1)  # (B, n_nodes * C, H', W')


class SearchCNN(nn.Module):
    """Stem -> `layers` search cells (reductions at 1/3 and 2/3 of the depth) -> pool -> linear.

    primitives / primitives_reduce: the candidates of normal / reduction cells, one shared op
    list or one list per edge (primitives_reduce=None: the same as primitives).
    K: partial channels (1 = plain DARTS). reductions: None = (layers // 3, 2 * layers // 3)
    when layers >= 3, else none (as networks.CellNetwork).

    forward(x, weights_normal, weights_reduce, *, index_normal=None, index_reduce=None,
            edge_weights_normal=None, edge_weights_reduce=None) -> logits (B, num_classes)
      weights_*: (E, n_ops) tensor or a list of E 1-D tensors (per-edge op counts), the
                 mixing weights of that cell type (DARTS: softmax(alpha)); None with index_*
                 runs one path (SPOS). index_*: E op indices (GDAS hard sample or one path).
      edge_weights_*: (E,) per-edge scale (PC-DARTS edge normalisation).
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
            "normal": _per_edge(primitives, n_edges, "primitives"),
            "reduce": _per_edge(primitives if primitives_reduce is None else primitives_reduce,
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

    # ------------------------------------------------------------------ what the alphas look like
    @property
    def n_edges(self) -> int:
        return len(darts_edges(self.n_nodes))

    @property
    def cell_types(self) -> tuple[str, ...]:
        """The cell types present: ("normal", "reduce"), or ("normal",) without reductions."""
        return CELL_TYPES if self.reductions else ("normal",)

    def arch_spec(self) -> dict[str, list[int]]:
        """Number of candidate ops on each edge, per cell type: the shapes alphas must have."""
        return {t: [len(p) for p in self.primitives[t]] for t in self.cell_types}

    def set_skip_dropout(self, p: float) -> None:
        """Dropout probability on every stride-1 skip_connect output (P-DARTS)."""
        for m in self.modules():
            if isinstance(m, SkipDropout):
                m.p = float(p)

    # ------------------------------------------------------------------ forward
    def _check(self, weights, index, edge_weights, kind: str):
        sizes = [len(p) for p in self.primitives[kind]]
        E = len(sizes)
        if weights is None and index is None:
            raise ValueError(f"the {kind} cells need mixing weights (E, n_ops), an index or both")
        if weights is not None:
            if len(weights) != E:
                raise ValueError(f"weights_{kind} must have {E} rows (one per edge), "
                                 f"got {len(weights)}")
            bad = [e for e in range(E) if tuple(weights[e].shape) != (sizes[e],)]
            if bad:
                e = bad[0]
                raise ValueError(f"weights_{kind}: edge {e} has {sizes[e]} ops "
                                 f"{self.primitives[kind][e]}, got weights of shape "
                                 f"{tuple(weights[e].shape)}")
        if index is not None and len(index) != E:
            raise ValueError(f"index_{kind} must have {E} entries (one per edge), got {len(index)}")
        if edge_weights is not None and tuple(edge_weights.shape) != (E,):
            raise ValueError(f"edge_weights_{kind} must have shape ({E},), "
                             f"got {tuple(edge_weights.shape)}")

    def forward(self, x, weights_normal=None, weights_reduce=None, *, index_normal=None,
                index_reduce=None, edge_weights_normal=None, edge_weights_reduce=None):
        given = {"normal": (weights_normal, index_normal, edge_weights_normal),
                 "reduce": (weights_reduce, index_reduce, edge_weights_reduce)}
        for kind in self.cell_types:
            self._check(*given[kind], kind)
        s0 = s1 = self.stem(x)  # (B, stem_multiplier * C, H, W)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, *given["reduce" if cell.reduction else "normal"])
        return self.classifier(self.pool(s1).flatten(1))  # (B, num_classes)

    def forward_arch(self, x, weights=None, index=None, edge_weights=None):
        """forward with per-cell-type dicts {"normal": ..., "reduce": ...} (the one-shot
        methods' common interface, see architect.forward_arch)."""
        kw = {}
        for name, d in (("weights", weights), ("index", index), ("edge_weights", edge_weights)):
            for kind in CELL_TYPES:
                kw[f"{name}_{kind}"] = None if d is None else d.get(kind)
        return self(x, kw.pop("weights_normal"), kw.pop("weights_reduce"), **kw)
