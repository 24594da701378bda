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

`PCDARTS` is an Architect: alphas as DARTS, plus betas per cell type, all trained by one Adam
(official: lr 6e-4, betas (0.5, 0.999), weight decay 1e-3; alpha and beta 1e-3 * randn;
first order; alphas frozen for the first 15 of 50 epochs). Use it through search():

    search("darts", method=PCDARTS, data, supernet_kwargs={"K": 4}, warmup_epochs=15, ...)
    search("nb201", method=PCDARTS, data, supernet_kwargs={"K": 4}, ...)

K is the supernet's (K = 4 on CIFAR-10, 2 on ImageNet in the paper); method_kwargs=
{"edge_norm": False} switches the edge normalisation off (K alone). On NAS-Bench-201 every
edge is kept, and each edge's op is its argmax including 'none' (derive.nb201_cell): a
positive per-edge scale cannot change an argmax, so there betas shape the search but not the
derivation rule.
"""
from __future__ import annotations

import torch

from .architect import Architect
from .nb201_supernet import NB201SuperNet
from .search_cnn import darts_edges, edge_softmax


def node_sizes(supernet) -> tuple[int, int]:
    """(n_nodes, n_inputs) of a supernet's cell, for the per-node softmax of beta."""
    if isinstance(supernet, NB201SuperNet):
        return 3, 1  # nodes 1, 2, 3 read 1, 2, 3 edges (nb201.EDGES order)
    if hasattr(supernet, "n_nodes"):
        return supernet.n_nodes, 2
    raise TypeError(f"PC-DARTS needs a SearchCNN or NB201SuperNet, got {type(supernet).__name__}")


class PCDARTS(Architect):
    """PC-DARTS as a fit callback. Owns `alphas` ({cell type: (E, n_ops)}) and `betas`
    ({cell type: (E,)}), one Adam over both.

    edge_norm: True (PC-DARTS) multiplies each edge's output by softmax(beta) over the node's
        incoming edges; False leaves betas out (partial channels alone, for ablations).
    Every other argument is Architect's (order, arch_lr, warmup_epochs, ...).
    snapshots also carry "edge_weights" (softmax(beta), numpy) per epoch.
    """

    def __init__(self, supernet, val, *, edge_norm: bool = True, **kwargs):
        self.edge_norm = bool(edge_norm)
        self.n_nodes, self.n_inputs = node_sizes(supernet)
        super().__init__(supernet, val, **kwargs)

    def init_arch(self, generator: torch.Generator, init_scale: float) -> None:
        E = len(darts_edges(self.n_nodes, self.n_inputs))
        self.betas = ({name: (init_scale * torch.randn(E, generator=generator)).to(self.device)
                       .requires_grad_() for name in self.alphas} if self.edge_norm else {})

    def arch_parameters(self) -> list[torch.Tensor]:
        return super().arch_parameters() + list(self.betas.values())

    def edge_weights(self, detach: bool = False) -> dict:
        """softmax(beta) within each node's incoming edges, per cell type: {type: (E,)}."""
        return {name: edge_softmax(b.detach() if detach else b, self.n_nodes, self.n_inputs)
                for name, b in self.betas.items()}

    def mixing(self, detach: bool = True, training: bool = True) -> dict:
        mix = super().mixing(detach, training)
        if self.edge_norm:
            mix["edge_weights"] = self.edge_weights(detach)
        return mix

    def derive_inputs(self):
        """Op weights, and the edge weights the DARTS rule multiplies in before ranking edges
        (none on NAS-Bench-201, where every edge is kept: see the module docstring)."""
        if not self.edge_norm or isinstance(self.supernet, NB201SuperNet):
            return self.arch_weights(detach=True), None
        return self.arch_weights(detach=True), self.edge_weights(detach=True)

    def on_epoch_end(self, t, logs):
        super().on_epoch_end(t, logs)
        self.snapshots[-1]["edge_weights"] = {k: w.cpu().numpy()
                                              for k, w in self.edge_weights(True).items()}


def largest_batch(memory_at, budget: float, b1: int = 8, b2: int = 32, limit: int = 1 << 16) -> int:
    """The largest batch B <= limit with memory_at(B) <= budget, for memory that grows with B.

    memory_at(B) -> bytes for one step at batch B (saved-tensor bytes on a CPU, the CUDA peak
    on a GPU). Activation memory is close to affine in B, a + b B, so two measurements (at b1
    and b2) predict B; from there a galloping search and bisection find the exact answer,
    memory_at(B) <= budget < memory_at(B + 1), in a few more measurements. 0: not even one.
    """
    if not 0 < b1 < b2:
        raise ValueError(f"need 0 < b1 < b2, got {b1}, {b2}")
    m1, m2 = memory_at(b1), memory_at(b2)
    while m2 <= m1 and b2 < limit:  # no growth seen yet (allocator rounding): look further
        b2 = min(2 * b2, limit)
        m2 = memory_at(b2)
    slope = (m2 - m1) / (b2 - b1)
    B = limit if slope <= 0 else int(min(max((budget - m1) / slope + b1, 1), limit))
    fits = lambda b: b == 0 or (b <= limit and memory_at(b) <= budget)  # noqa: E731
    step = 1
    if fits(B):  # gallop up: lo fits, hi does not
        lo = B
        while lo + step <= limit and fits(lo + step):
            lo, step = lo + step, 2 * step
        hi = min(lo + step, limit + 1)
    else:        # gallop down
        hi = B
        while hi - step > 0 and not fits(hi - step):
            hi, step = hi - step, 2 * step
        lo = max(hi - step, 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
