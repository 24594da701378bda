"""The NAS-Bench-201 cell space as a supernet (Dong & Yang 2020, arXiv 2001.00326, section 2.1).

Every edge (i, j) of the 4-node cell holds a MixedOp over the space's ops, so one network
holds the weights of all 15,625 cells. One architecture is shared by every cell of the
network, so the mixing is given once per edge:

    weights (6, |O|): node_j = sum_{i<j} sum_o weights[e(i,j), o] * op_o(node_i)   (DARTS)
    path (6,) ints:   node_j = sum_{i<j} op_{path[e(i,j)]}(node_i)                  (SPOS)
    both:             GDAS' hard sample (see MixedOp)

Edges are in `spaces.nb201.EDGES` order, ops in `primitives` order (default nb201.OPS), so
argmax over the weights gives a cell the tabular benchmark can look up (`weights_to_ops`).
The macro skeleton is NB201Network's, with the same defaults as the benchmark's build
(one stage, C = 16, one cell): weights inherited from the supernet can be compared with the
stand-alone accuracies the benchmark recorded for the same network.

PC-DARTS (Xu et al. 2020, arXiv 1907.05737) on this space, both off by default:
- K > 1: partial channels, C/K channels of every edge's input go through the mixed op, the
  rest pass by, then the channels are shuffled in K groups (as search_cnn.SearchEdge);
- edge_weights (6,): node_j = sum_{i<j} edge_weights[e(i,j)] * mixed_ij(node_i), the edge
  normalisation (search_cnn.edge_softmax(beta, n_nodes=3, n_inputs=1) makes them).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..spaces import nb201
from ..spaces.nb201 import EDGES, N_NODES, NB201Error, ResBlock
from ..utils import is_int
from .mixed import MixedOp
from .search_cnn import channel_shuffle


class NB201SearchCell(nn.Module):
    """One cell with a MixedOp on each of the 6 edges. (B, C, H, W) -> (B, C, H, W).
    K > 1: each MixedOp sees C/K channels (PC-DARTS partial channels)."""

    def __init__(self, C: int, primitives: Sequence[str] = nb201.OPS, affine: bool = False,
                 K: int = 1):
        super().__init__()
        if not is_int(K) or K < 1 or C % K:
            raise NB201Error(f"partial channels need C divisible by K >= 1, got C={C}, K={K}")
        self.K = K
        self.edges = nn.ModuleList(MixedOp(C // K, C // K, 1, primitives, affine) for _ in EDGES)

    def _edge(self, e, x, weights, path):
        w, p = None if weights is None else weights[e], None if path is None else path[e]
        if self.K == 1:
            return self.edges[e](x, w, p)
        C_op = x.shape[1] // self.K
        y = self.edges[e](x[:, :C_op], w, p)                               # (B, C/K, H, W)
        return channel_shuffle(torch.cat([y, x[:, C_op:]], dim=1), self.K)  # (B, C, H, W)

    def forward(self, x, weights=None, path=None, edge_weights=None):
        nodes = [x]
        for j in range(1, N_NODES):
            nodes.append(sum(
                self._edge(e, nodes[i], weights, path) if edge_weights is None
                else edge_weights[e] * self._edge(e, nodes[i], weights, path)
                for e, (i, t) in enumerate(EDGES) if t == j))
        return nodes[-1]


class NB201SuperNet(nn.Module):
    """stem -> [N search cells (C), ResBlock] x stages -> BN, ReLU, pool -> linear.

    forward(x, weights=None, path=None, edge_weights=None): x (B, in_channels, H, W) ->
    logits (B, num_classes); weights (6, len(primitives)) and/or path (6 op indices) as in the
    module docstring; edge_weights (6,) scale each edge (PC-DARTS), None = plain sum.
    K: partial channels in every search cell (1 = all channels, the plain supernet).
    """

    def __init__(self, C: int = 16, N: int = 1, stages: int = 1, num_classes: int = 10,
                 in_channels: int = 1, primitives: Sequence[str] = nb201.OPS, affine: bool = False,
                 K: int = 1):
        super().__init__()
        if stages not in (1, 2, 3):
            raise NB201Error(f"stages must be 1, 2 or 3, got {stages}")
        self.primitives = tuple(primitives)
        unknown = [p for p in self.primitives if p not in nb201.OPS]
        if unknown:
            raise NB201Error(f"ops {unknown} are not NAS-Bench-201 ops ({', '.join(nb201.OPS)})")
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(C))
        widths = (C, 2 * C, 4 * C)[:stages]
        self.layers = nn.ModuleList()
        for stage, C_stage in enumerate(widths):
            if stage:
                self.layers.append(ResBlock(C_stage // 2, C_stage, 2))
            self.layers.extend(NB201SearchCell(C_stage, self.primitives, affine, K) for _ in range(N))
        self.K = K
        self.lastact = nn.Sequential(nn.BatchNorm2d(widths[-1]), nn.ReLU(inplace=False))
        self.classifier = nn.Linear(widths[-1], num_classes)

    @property
    def n_edges(self) -> int:
        return len(EDGES)

    def forward(self, x, weights: torch.Tensor | None = None, path: Sequence[int] | None = None,
                edge_weights: torch.Tensor | None = None):
        if weights is None and path is None:
            raise ValueError("NB201SuperNet.forward needs mixing weights (6, n_ops), a path "
                             "(6 op indices) or both")
        if weights is not None and tuple(weights.shape) != (len(EDGES), len(self.primitives)):
            raise ValueError(f"weights must have shape ({len(EDGES)}, {len(self.primitives)}), "
                             f"got {tuple(weights.shape)}")
        if path is not None and len(path) != len(EDGES):
            raise ValueError(f"a path has one op index per edge ({len(EDGES)}), got {len(path)}")
        if edge_weights is not None and tuple(edge_weights.shape) != (len(EDGES),):
            raise ValueError(f"edge_weights must have shape ({len(EDGES)},), one per edge, "
                             f"got {tuple(edge_weights.shape)}")
        x = self.stem(x)  # (B, C, H, W)
        for layer in self.layers:
            x = (layer(x, weights, path, edge_weights) if isinstance(layer, NB201SearchCell)
                 else layer(x))
        x = self.lastact(x)
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))

    def forward_arch(self, x, weights=None, index=None, edge_weights=None):
        """forward with the one-shot methods' per-cell-type dicts (architect.forward_arch);
        this space has one cell type, "cell"."""
        pick = lambda d: None if d is None else d.get("cell")  # noqa: E731
        return self(x, weights=pick(weights), path=pick(index), edge_weights=pick(edge_weights))

    def path_of(self, cell) -> tuple[int, ...]:
        """The path (op indices into `primitives`) of a cell given as index, ops or string."""
        ops = nb201.to_ops(cell)
        missing = [op for op in ops if op not in self.primitives]
        if missing:
            raise NB201Error(f"ops {missing} are not in this supernet's primitives {self.primitives}")
        return tuple(self.primitives.index(op) for op in ops)


def weights_to_ops(weights: torch.Tensor, primitives: Sequence[str] = nb201.OPS) -> tuple[str, ...]:
    """The discrete cell: the strongest op on each edge, argmax over (6, |O|) weights or alphas
    ('none' included, as in NAS-Bench-201's own derivation for this space)."""
    if tuple(weights.shape) != (len(EDGES), len(primitives)):
        raise ValueError(f"expected ({len(EDGES)}, {len(primitives)}) weights, got {tuple(weights.shape)}")
    return tuple(primitives[int(k)] for k in weights.argmax(-1))
