"""The FairNAS search space (Chu, Zhang, Xu & Li 2019, arXiv 1907.01845).

A MobileNetV2-like chain: a fixed stem, then 19 searchable layers, each one of 6 MBConv
choice blocks (inverted residuals, `ops.MBConv`): kernel 3, 5 or 7 by expansion 3 or 6,

    |space| = 6 ** 19 = 609,359,740,010,496  (about 6.1e14)

The layer table (output channels, stride of the first layer of each stage), as in the
configuration of the FairNAS search network in the UniNAS library (cogsys-tuebingen/uninas,
"fairnas.run_config", which reproduces the official xiaomi-automl/FairNAS models):

    stem      conv 3x3, 32, stride 2 -> BN -> ReLU6
    first     separable conv 3x3 (depthwise 32 -> BN -> ReLU6 -> pointwise 16 -> BN)
    searched  32 x2 (s2) | 40 x4 (s2) | 80 x4 (s2) | 96 x4 (s1) | 192 x4 (s2) | 320 x1 (s1)
    head      conv 1x1, 1280 -> BN -> ReLU6 -> global average pool -> linear

It is checked by rebuilding FairNAS-A, B and C from their genes (choice indices in
`CHOICES` order, expansion-major) and counting 388M / 345M / 321M multiply-adds at 224x224,
the paper's figures (see tests/test_fairnas.py and notebook 11).

`FairNASNetwork(gene)` builds one architecture; the supernet that holds all 6 choices in every
layer is oneshot.fairnas_supernet.FairNASSuperNet. `SMALL_LAYERS` is a scaled-down table for
8x8 digits.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import checks
from ..genotypes import Cell
from ..ops import MBConv
from ..utils import is_int
from .base import Space, check_choices, register

# Choice order of the official genes: expansion-major (e3: k3, k5, k7; then e6: k3, k5, k7).
CHOICES: tuple[str, ...] = tuple(f"mbconv_k{k}_e{e}" for e in (3, 6) for k in (3, 5, 7))
_KE = tuple((k, e) for e in (3, 6) for k in (3, 5, 7))

LAYERS: tuple[tuple[int, int], ...] = (      # (C_out, stride) of the 19 searchable layers
    (32, 2), (32, 1),
    (40, 2), (40, 1), (40, 1), (40, 1),
    (80, 2), (80, 1), (80, 1), (80, 1),
    (96, 1), (96, 1), (96, 1), (96, 1),
    (192, 2), (192, 1), (192, 1), (192, 1),
    (320, 1),
)
STEM, FIRST, HEAD = 32, 16, 1280  # stem channels (stride 2), separable conv out, 1x1 head

# The three published architectures, as genes over CHOICES (from UniNAS' super_configs.py,
# which cites xiaomi-automl/FairNAS models/FairNAS_{A,B,C}.py).
FAIRNAS_A = (2, 0, 2, 3, 5, 0, 0, 5, 5, 1, 3, 1, 1, 3, 3, 5, 3, 5, 4)
FAIRNAS_B = (1, 0, 1, 0, 3, 1, 2, 0, 3, 1, 0, 3, 2, 0, 5, 4, 5, 3, 4)
FAIRNAS_C = (1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 5, 5, 3, 3, 4)

# A scaled-down table for 8x8 digits: 4 layers, small widths, one reduction (6^4 = 1296 paths).
SMALL_LAYERS: tuple[tuple[int, int], ...] = ((8, 2), (8, 1), (16, 2), (16, 1))
SMALL = dict(layers=SMALL_LAYERS, stem=16, first=8, head=64, stem_stride=1)


def count_space(n_layers: int = len(LAYERS), n_choices: int = len(CHOICES)) -> int:
    """n_choices ** n_layers: every layer picks one choice block independently."""
    if n_layers < 0 or n_choices < 1:
        raise ValueError(f"need n_layers >= 0 and n_choices >= 1, got {n_layers}, {n_choices}")
    return n_choices ** n_layers


@register("fairnas")
@dataclass(frozen=True)
class FairNASSpace(Space):
    """The first `n_layers` searchable layers of the table; an architecture is a gene, one
    choice index (into CHOICES) per layer. `build` makes the stand-alone FairNASNetwork."""

    n_layers: int = len(LAYERS)   # searchable layers, the first n of LAYERS (FairNAS: 19)

    def __post_init__(self):
        checks.integer("fairnas n_layers", self.n_layers, min=1, max=len(LAYERS))

    @property
    def size(self) -> int:
        return count_space(self.n_layers)

    def sample(self, rng) -> tuple[int, ...]:
        """A uniformly random gene: one choice index per layer."""
        return tuple(int(g) for g in rng.integers(len(CHOICES), size=self.n_layers))

    def neighbours(self, gene) -> list[tuple[int, ...]]:
        """Every gene that differs in one layer's choice: n_layers x 5."""
        gene = check_gene(gene, self.n_layers)
        return [gene[:k] + (c,) + gene[k + 1:] for k in range(len(gene))
                for c in range(len(CHOICES)) if c != gene[k]]

    def encode(self, gene) -> np.ndarray:
        """One-hot choice per layer, (n_layers, 6) flattened to float32s."""
        return np.eye(len(CHOICES), dtype=np.float32)[list(check_gene(gene, self.n_layers))].ravel()

    def token_steps(self) -> list[tuple[str, int]]:
        return [("choice", len(CHOICES))] * self.n_layers

    def to_tokens(self, gene) -> list[int]:
        return list(check_gene(gene, self.n_layers))

    def from_tokens(self, tokens) -> tuple[int, ...]:
        return tuple(check_choices(tokens, self.token_steps()))

    def build(self, gene, **net) -> "FairNASNetwork":
        """FairNASNetwork(gene, LAYERS[:n_layers], **net): stem, first, head, num_classes, ..."""
        return FairNASNetwork(gene, LAYERS[:self.n_layers], **net)

    def to_string(self, gene) -> str:
        return gene_to_string(gene)

    def from_string(self, s: str) -> tuple[int, ...]:
        """Inverse of `gene_to_string`: 'k3e6 k5e3 ...' -> the gene."""
        names = {f"k{k}e{e}": g for g, (k, e) in enumerate(_KE)}
        bad = [t for t in str(s).split() if t not in names]
        if bad:
            raise ValueError(f"unknown choice {bad[0]!r}: a gene string is one of {', '.join(names)} per layer")
        return check_gene([names[t] for t in str(s).split()], self.n_layers)

    def to_cell(self, gene) -> Cell:
        """For drawing: a chain, node l + 1 = layer l, its edge labelled with the choice."""
        gene = check_gene(gene, self.n_layers)
        return Cell(tuple(((CHOICES[g], l),) for l, g in enumerate(gene)), n_inputs=1,
                    primitives=CHOICES, edges_per_node=1, concat=(len(gene),))


def gene_to_string(gene) -> str:
    """'k7e3 k3e3 | ...': one 'k{k}e{e}' per layer."""
    return " ".join(f"k{_KE[g][0]}e{_KE[g][1]}" for g in check_gene(gene, len(gene)))


def check_gene(gene, n_layers: int) -> tuple[int, ...]:
    """A gene is n_layers choice indices in 0..5; raise ValueError otherwise."""
    gene = tuple(gene)
    if len(gene) != n_layers:
        raise ValueError(f"a gene has one choice per layer ({n_layers}), got {len(gene)}")
    bad = [g for g in gene if not is_int(g) or not 0 <= int(g) < len(CHOICES)]
    if bad:
        raise ValueError(f"choices must be ints in 0..{len(CHOICES) - 1} ({', '.join(CHOICES)}), "
                         f"got {bad}")
    return tuple(int(g) for g in gene)


def make_stem(in_channels, stem, first, stride):
    """conv 3x3 (stride) -> BN -> ReLU6 -> separable conv to `first` channels (no residual)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, stem, 3, stride, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU6(),
        nn.Conv2d(stem, stem, 3, 1, 1, groups=stem, bias=False), nn.BatchNorm2d(stem), nn.ReLU6(),
        nn.Conv2d(stem, first, 1, bias=False), nn.BatchNorm2d(first))


def make_head(C_in, head, num_classes):
    """conv 1x1 to `head` channels -> BN -> ReLU6 -> global average pool -> linear."""
    return nn.Sequential(nn.Conv2d(C_in, head, 1, bias=False), nn.BatchNorm2d(head), nn.ReLU6(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(head, num_classes))


class FairNASNetwork(nn.Module):
    """One architecture of the space: the chosen MBConv block in every layer (stand-alone).
    (B, in_channels, H, W) -> (B, num_classes). FairNASNetwork(FAIRNAS_A) is FairNAS-A."""

    def __init__(self, gene, layers: Sequence[tuple[int, int]] = LAYERS, *, stem: int = STEM,
                 first: int = FIRST, head: int = HEAD, num_classes: int = 1000,
                 in_channels: int = 3, stem_stride: int = 2):
        super().__init__()
        layers = tuple(tuple(layer) for layer in layers)
        self.gene = check_gene(gene, len(layers))
        self.stem = make_stem(in_channels, stem, first, stem_stride)
        blocks, C = [], first
        for (C_out, stride), g in zip(layers, self.gene):
            k, e = _KE[g]
            blocks.append(MBConv(C, C_out, k, e, stride))
            C = C_out
        self.layers = nn.Sequential(*blocks)
        self.head = make_head(C, head, num_classes)

    def forward(self, x: torch.Tensor):
        return self.head(self.layers(self.stem(x)))
