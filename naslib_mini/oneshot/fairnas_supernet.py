"""The FairNAS / SPOS single-path supernet (Chu et al. 2019, arXiv 1907.01845; Guo et al.
2019, arXiv 1904.00420) over the FairNAS space (spaces/fairnas.py).

Every searchable layer holds all 6 MBConv choice blocks as a MixedOp; a path (one choice per
layer, the space's gene) runs one block per layer, exactly the stand-alone FairNASNetwork of
that gene with shared weights. One cell type, "layers":

    forward(x, {"layers": Mixing(index=gene)})           single path (SPOS, FairNAS)
    forward(x, {"layers": Mixing(weights=(L, 6))})       soft mixing (a DARTS-style search)
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ..spaces.fairnas import (CHOICES, FIRST, HEAD, LAYERS, STEM, check_gene, gene_to_string,
                              make_head, make_stem)
from .mixed import MixedOp
from .supernet import Mixing, Supernet, check_mixing


class FairNASSuperNet(Supernet):
    """Every layer holds all len(CHOICES) MBConv blocks (a MixedOp).

    x (B, in_channels, H, W) -> logits (B, num_classes). Defaults: the full FairNAS space at
    ImageNet size; `FairNASSuperNet(**fairnas.SMALL, ...)` is the scaled-down one for digits.
    """

    def __init__(self, layers: Sequence[tuple[int, int]] = LAYERS, *, stem: int = STEM,
                 first: int = FIRST, head: int = HEAD, num_classes: int = 1000,
                 in_channels: int = 3, stem_stride: int = 2):
        super().__init__()
        self.layer_table = tuple(tuple(layer) for layer in layers)
        self.stem = make_stem(in_channels, stem, first, stem_stride)
        self.layers = nn.ModuleList()
        C = first
        for C_out, stride in self.layer_table:
            self.layers.append(MixedOp(C, C_out, stride, CHOICES, affine=True))
            C = C_out
        self.head = make_head(C, head, num_classes)

    @property
    def n_layers(self) -> int:
        return len(self.layer_table)

    def arch_spec(self) -> dict[str, list[int]]:
        return {"layers": [len(CHOICES)] * self.n_layers}

    def derive(self, weights: dict, edge_weights: dict | None = None) -> tuple[int, ...]:
        """The gene: the strongest choice of every layer."""
        return tuple(int(k) for k in weights["layers"].argmax(-1))

    def to_string(self, gene) -> str:
        return gene_to_string(gene)

    def path_of(self, gene) -> tuple[int, ...]:
        return check_gene(gene, self.n_layers)

    def forward(self, x, mixing: dict[str, Mixing] | None = None):
        m = check_mixing(self, mixing)["layers"]
        x = self.stem(x)                                    # (B, first, H/s, W/s)
        for l, layer in enumerate(self.layers):
            x = layer(x, None if m.weights is None else m.weights[l],
                      None if m.index is None else m.index[l])  # (B, C_out, H', W')
        return self.head(x)                                 # (B, num_classes)
