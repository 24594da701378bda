"""Networks built from genotypes: a stem, stacked cells, a classifier.

`CellNetwork` is the DARTS evaluation network (Liu et al. 2019, section 2.1 and code
cnn/model.py): cell k reads the outputs of cells k-2 and k-1, each brought to C channels
by a 1x1 ReLU-Conv-BN (or a FactorizedReduce when the previous cell halved the
resolution); the channels double and the resolution halves at each reduction cell.
It builds any `genotypes.Cell`, so NASNet, PNAS and the tour's small cells use it too.
"""
from __future__ import annotations

import torch
from torch import nn

from . import checks
from .genotypes import Cell, Genotype
from .ops import FactorizedReduce, ReLUConvBN, make_op


class CellModule(nn.Module):
    """One cell: every intermediate node sums op(src) over its edges; the output concatenates
    the cell's output nodes. Inputs: the last `n_inputs` states, each (B, C_prev_i, H, W)."""

    def __init__(self, cell: Cell, C_prevs: list[int], C: int, reduction: bool,
                 reduction_prev: bool):
        super().__init__()
        self.cell, self.reduction = cell, reduction
        n_in = cell.n_inputs
        pre = []
        for i, C_p in enumerate(C_prevs[-n_in:]):
            # the oldest input saw one reduction fewer when the previous cell reduced
            older = i < n_in - 1
            pre.append(FactorizedReduce(C_p, C) if older and reduction_prev
                       else ReLUConvBN(C_p, C, 1, 1, 0))
        self.pre = nn.ModuleList(pre)
        self.edges = nn.ModuleList()
        for node in cell.nodes:
            for op, src in node:
                stride = 2 if reduction and src < n_in else 1
                self.edges.append(make_op(op, C, C, stride))
        self.C_out = C * len(cell.output_nodes)

    def forward(self, *inputs):
        states = [p(x) for p, x in zip(self.pre, inputs[-len(self.pre):])]  # each (B, C, H, W)
        k = 0
        for node in self.cell.nodes:
            total = 0
            for _op, src in node:
                total = total + self.edges[k](states[src])
                k += 1
            states.append(total)
        out = [states[i] for i in self.cell.output_nodes]
        return out[0] if len(out) == 1 else torch.cat(out, dim=1)  # (B, C_out, H', W')


class CellNetwork(nn.Module):
    """Stem -> `layers` cells (reduction cells at 1/3 and 2/3 of the depth) -> pool -> linear.

    genotype: a Genotype (normal and reduction cells) or a single Cell used for both roles.
    reductions: indices of the reduction cells; None = DARTS' (layers // 3, 2 * layers // 3)
    when layers >= 3, else no reduction (tiny networks on 8x8 digits).
    """

    def __init__(self, genotype: Genotype | Cell, *, C: int = 16, layers: int = 8,
                 num_classes: int = 10, in_channels: int = 3, stem_multiplier: int = 3,
                 reductions: tuple[int, ...] | None = None):
        super().__init__()
        if not isinstance(genotype, (Genotype, Cell)):
            raise TypeError(f"genotype must be a genotypes.Genotype or Cell, got "
                            f"{type(genotype).__name__} (parse strings with Genotype.from_string)")
        for name, v in (("C", C), ("layers", layers), ("num_classes", num_classes),
                        ("in_channels", in_channels), ("stem_multiplier", stem_multiplier)):
            checks.integer(name, v, min=1)
        normal, reduce = ((genotype.normal, genotype.reduce) if isinstance(genotype, Genotype)
                          else (genotype, genotype))
        if reductions is None:
            reductions = (layers // 3, 2 * layers // 3) if layers >= 3 else ()
        if any(not isinstance(r, int) or not 0 <= r < layers for r in reductions):
            raise ValueError(f"reductions {tuple(reductions)} must be cell indices 0..{layers - 1}")
        C_stem = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C_stem, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(C_stem))
        self.n_keep = max(normal.n_inputs, reduce.n_inputs)
        C_prevs, C_curr, reduction_prev = [C_stem] * self.n_keep, C, False
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in reductions
            if reduction:
                C_curr *= 2
            cell = CellModule(reduce if reduction else normal, C_prevs, C_curr, reduction,
                              reduction_prev)
            self.cells.append(cell)
            C_prevs = (C_prevs + [cell.C_out])[-self.n_keep:]
            reduction_prev = reduction
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prevs[-1], num_classes)

    def forward(self, x):  # (B, in_channels, H, W) -> (B, num_classes)
        s = self.stem(x)
        states = [s] * self.n_keep
        for cell in self.cells:
            states = (states + [cell(*states)])[-self.n_keep:]
        return self.classifier(self.pool(states[-1]).flatten(1))


class SmallCNN(nn.Sequential):
    """A plain baseline: (conv 3x3, BN, ReLU) x depth, widths doubling, max-pool between."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, C: int = 16, depth: int = 2):
        layers, C_in = [], in_channels
        for d in range(depth):
            C_out = C * 2 ** d
            layers += [nn.Conv2d(C_in, C_out, 3, padding=1, bias=False), nn.BatchNorm2d(C_out),
                       nn.ReLU()]
            if d < depth - 1:
                layers.append(nn.MaxPool2d(2))
            C_in = C_out
        super().__init__(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(C_in, num_classes))
