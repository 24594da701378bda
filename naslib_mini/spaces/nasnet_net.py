"""NASNet's CIFAR network (Zoph et al. 2018, arXiv 1707.07012, Fig. 2; TF-slim nasnet.py,
``build_nasnet_cifar`` / ``_build_nasnet_base``), built by ``networks.CellNetwork``:

    image (B, in_channels, H, W)
    -> stem: conv 3x3 (stem_multiplier * C filters) + BN
    -> N normal cells -> reduction -> N normal cells -> reduction -> N normal cells
    -> global average pool -> linear                                 -> (B, num_classes)

Cell k reads the outputs of cells k-1 (h_i) and k-2 (h_{i-1}); the first cell reads the stem
twice. A cell's ops have F filters, F = C in the first stage and doubled at each reduction;
its output concatenates ``len(cell.outputs)`` states, so NASNet-A's normal cell gives 6F
channels ("NASNet-A 6@768": N = 6, 6 x 4 x 32 = 768 channels before the pool).

As slim does: h_i gets ReLU-conv1x1-BN; h_{i-1} too, or ReLU + factorized reduction when the
cell before halved the resolution; ops reading a cell input stride 2 in a reduction cell.
Differences from slim, all small: slim skips the 1x1 on h_{i-1} when its shape already fits
(never the case for NASNet-A, whose cell outputs have 4F or 6F channels), strides an identity
with a 1x1 conv (ours: factorized reduction; NASNet-A has none), applies a ReLU before the
final pool; no auxiliary head, no drop-path, no dropout here.
"""
from __future__ import annotations

from ..networks import CellNetwork
from .nasnet import NasnetCell, NasnetError, NasnetGenotype


class NasnetNetwork(CellNetwork):
    """CellNetwork(genotype.to_genotype(), layers=3N+2, reductions=(N, 2N+1)).

    genotype: a NasnetGenotype, or one NasnetCell used as both cells; add combiners only.
    C: filters F of the first stage (slim's num_conv_filters; the paper's CIFAR runs use 32).
    N: normal cells per stage (6 in "NASNet-A 6@768").
    """

    def __init__(self, genotype: NasnetGenotype | NasnetCell, C: int = 32, N: int = 6,
                 num_classes: int = 10, in_channels: int = 3, stem_multiplier: int = 3):
        if isinstance(genotype, NasnetCell):
            genotype = NasnetGenotype(genotype, genotype)
        if not isinstance(genotype, NasnetGenotype):
            raise NasnetError(f"expected a NasnetGenotype or NasnetCell, got {type(genotype).__name__}")
        if {0, 1} & set(genotype.reduce.outputs):
            raise NasnetError("the reduction cell's output concatenates a cell input "
                              f"(outputs {genotype.reduce.outputs}), which has twice its "
                              "resolution: CellNetwork cannot reduce it (slim adds a factorized "
                              "reduction there)")
        if N < 1:
            raise NasnetError(f"N must be >= 1 normal cells per stage, got {N}")
        super().__init__(genotype.to_genotype(), C=C, layers=3 * N + 2, num_classes=num_classes,
                         in_channels=in_channels, stem_multiplier=stem_multiplier,
                         reductions=(N, 2 * N + 1))
        self.N = N
