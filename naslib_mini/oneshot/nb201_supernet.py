"""The NAS-Bench-201 cell space as a supernet (Dong & Yang 2020, arXiv 2001.00326, section 2.1).

Every edge (i, j) of the 4-node cell holds a MixedOp over the space's ops, so one network
holds the weights of all 15,625 cells. One architecture is shared by every cell of the
network, so the mixing is given once per edge, as one cell type "cell" (supernet.Mixing):

    weights (6, |O|): node_j = sum_{i<j} sum_o weights[e(i,j), o] * op_o(node_i)   (DARTS)
    index (6,) ints:  node_j = sum_{i<j} op_{index[e(i,j)]}(node_i)                 (SPOS)
    both:             GDAS' hard sample (see MixedOp)

Edges are in `spaces.nb201.EDGES` order, ops in `primitives` order (default nb201.OPS), so
argmax over the weights gives a cell the tabular benchmark can look up (`derive`).
The macro skeleton is NB201Network's, with the same defaults as the benchmark's build
(one stage, C = 16, one cell): weights inherited from the supernet can be compared with the
stand-alone accuracies the benchmark recorded for the same network.

PC-DARTS (Xu et al. 2020, arXiv 1907.05737) on this space, both off by default:
- K > 1: partial channels, C/K channels of every edge's input go through the mixed op, the
  rest pass by, then the channels are shuffled in K groups (mixed.PartialEdge);
- edge_weights (6,): node_j = sum_{i<j} edge_weights[e(i,j)] * mixed_ij(node_i), the edge
  normalisation (search_cnn.edge_softmax(beta, n_nodes=3, n_inputs=1) makes them).
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..spaces import nb201
from ..spaces.nb201 import EDGES, N_NODES, NB201Error, ResBlock
from .derive import nb201_cell
from .mixed import MixedOp, PartialEdge, check_partial
from .supernet import Mixing, Supernet, check_mixing

weights_to_ops = nb201_cell  # the benchmark's cell from (6, |O|) weights or alphas


class NB201SearchCell(nn.Module):
    """One cell with a MixedOp on each of the 6 edges. (B, C, H, W) -> (B, C, H, W).
    K > 1: each MixedOp sees C/K channels (PC-DARTS partial channels, mixed.PartialEdge)."""

    def __init__(self, C: int, primitives: Sequence[str] = nb201.OPS, affine: bool = False,
                 K: int = 1):
        super().__init__()
        K = check_partial(C, K, NB201Error)
        self.edges = nn.ModuleList(PartialEdge(MixedOp(C // K, C // K, 1, primitives, affine), K)
                                   for _ in EDGES)

    def forward(self, x, mixing: Mixing):
        w, index, ew = mixing.weights, mixing.index, mixing.edge_weights
        nodes = [x]
        for j in range(1, N_NODES):
            total = 0
            for e, (i, t) in enumerate(EDGES):
                if t == j:
                    out = self.edges[e](nodes[i], None if w is None else w[e],
                                        None if index is None else index[e])
                    total = total + (out if ew is None else ew[e] * out)
            nodes.append(total)
        return nodes[-1]


class NB201SuperNet(Supernet):
    """stem -> [N search cells (C), ResBlock] x stages -> BN, ReLU, pool -> linear.

    forward(x, {"cell": Mixing}): x (B, in_channels, H, W) -> logits (B, num_classes); the
    Mixing's weights (6, len(primitives)) and/or index (6 op indices) as in the module
    docstring; edge_weights (6,) scale each edge (PC-DARTS), None = plain sum.
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

    def arch_spec(self) -> dict[str, list[int]]:
        return {"cell": [len(self.primitives)] * len(EDGES)}

    def edge_groups(self) -> dict[str, list[int]]:
        """PC-DARTS: nodes 1, 2, 3 read 1, 2, 3 edges (nb201.EDGES order)."""
        return {"cell": [j for j in range(1, N_NODES)]}

    def derive(self, weights: dict, edge_weights: dict | None = None) -> tuple[str, ...]:
        """Argmax per edge, 'none' included. Every edge is kept, so edge weights (a positive
        scale per edge, PC-DARTS) cannot change the cell: they are not used."""
        return nb201_cell(weights["cell"], self.primitives)

    def to_string(self, arch) -> str:
        return nb201.ops_to_string(arch)

    def path_of(self, cell) -> tuple[int, ...]:
        """The path (op indices into `primitives`) of a cell given as index, ops or string."""
        ops = nb201.to_ops(cell)
        missing = [op for op in ops if op not in self.primitives]
        if missing:
            raise NB201Error(f"ops {missing} are not in this supernet's primitives {self.primitives}")
        return tuple(self.primitives.index(op) for op in ops)

    def forward(self, x, mixing: dict[str, Mixing] | None = None):
        m = check_mixing(self, mixing)["cell"]
        x = self.stem(x)  # (B, C, H, W)
        for layer in self.layers:
            x = layer(x, m) if isinstance(layer, NB201SearchCell) else layer(x)
        x = self.lastact(x)
        return self.classifier(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1))
