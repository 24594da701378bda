"""PC-DARTS: Partial Channel Connections for Memory-Efficient Architecture Search (Xu et al.,
ICLR 2020, arXiv 1907.05737; official code yuhuixu1993/PC-DARTS, model_search.py and
train_search.py).

Two changes to DARTS, both in the supernet's forward pass:

1. Partial channel connections (section 3.2, eq. 2). On edge (i, j) a mask S_ij keeps 1/K of
   the channels of x_i for the mixed op; the rest bypass it:

       f_ij^PC(x_i; S_ij) = sum_o softmax(alpha_ij)_o * o(S_ij * x_i) + (1 - S_ij) * x_i

   then the C channels are shuffled in K groups, so the next edge sends other channels
   through its ops. The ops hold C/K channels: K times less memory per edge, and a larger
   batch fits. The supernet does this: SearchCNN(K=...) and NB201SuperNet(K=...).
2. Edge normalisation (section 3.3, eq. 3). Each node weights its incoming edges by a
   softmax over edge parameters beta, one per edge:

       x_j^PC = sum_{i<j} softmax_{i'<j}(beta_i'j)_i * f_ij^PC(x_i; S_ij)

   The final cell keeps, per node, the 2 edges with the largest
   softmax(beta)_ij * max_{o != none} softmax(alpha_ij)_o (derive.darts_cell, edge_weights);
   the op of each edge is its strongest, as in DARTS. beta is shared by the masks of all
   steps, so the choice of edges depends less on which channels were sampled.

`PCDARTS` is DARTS' first-order method (darts.DARTS) with betas beside the alphas, one Adam
over both (official: lr 6e-4, betas (0.5, 0.999), weight decay 1e-3; alpha and beta
1e-3 * randn; alphas frozen for the first 15 of 50 epochs): PCDARTSConfig. The supernet does
the rest: SearchCNN(K=...) or NB201SuperNet(K=...) for partial channels, and its
`edge_groups()` for the softmax of beta per node. Through search():

    search("darts", "pcdarts", data, PCDARTSConfig.PAPER)      # K = 4, batch 256, ...
    search("nb201", "pcdarts", data, PCDARTSConfig.NB201_QUICK)

K = 4 on CIFAR-10, 2 on ImageNet in the paper; edge_norm=False switches the edge
normalisation off (K alone). On NAS-Bench-201 every edge is kept, and each edge's op is its
argmax including 'none' (NB201SuperNet.derive): a positive per-edge scale cannot change an
argmax, so there betas shape the search but not the derivation rule.
"""
from __future__ import annotations

from .config import PCDARTSConfig
from .darts import DARTS
from .method import register


@register("pcdarts")
class PCDARTS(DARTS):
    """PC-DARTS as a one-shot method. Owns `alphas` ({cell type: (E, n_ops)}) and `betas`
    ({cell type: (E,)}) when config.edge_norm, one Adam over both; snapshots also carry
    "edge_weights" (softmax(beta) per node, numpy) per epoch."""

    Config = PCDARTSConfig

    def uses_betas(self) -> bool:
        return self.config.edge_norm
