"""DenseNAS networks: the parts every DenseNAS network shares, and the derived network of one
architecture (Fang et al. 2020, arXiv 1906.09607; official models/model_derived.py).

    image (B, in_channels, image_size, image_size)
    -> stem: conv 3x3 (stride 1 or 2) + BN + ReLU6, MBConv k3 e1          block 0 (B, widths[0], sizes[0]^2)
    -> for each routing block j on the path, entered from block i:
         head layer  (B, widths[i], sizes[i]^2) -> (B, widths[j], sizes[j]^2)   stride 1 or 2
         stacked layers (skip_connect dropped: skip shortens the block)
    -> final block: conv 1x1 to last_C + BN + ReLU6                      (B, last_C, H, W)
    -> classifier: global average pool, linear                           (B, num_classes)

`make_layer(name, C_in, C_out, stride)` builds any of these pieces by name ("stem",
"final_1x1", "classifier" or an op of ops.OPS), so the latency table can time every piece on
its own (oneshot.densenas_latency) and the supernet (oneshot.densenas) reuses the same modules.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from ..ops import MBConv, make_op
from .densenas_arch import DenseArch, DenseNASError

if TYPE_CHECKING:  # annotations only: spaces.densenas imports this module
    from .densenas import DenseSpace

FIXED_LAYERS = ("stem", "final_1x1", "classifier")


class Stem(nn.Sequential):
    """Block 0: conv 3x3 (stride) + BN + ReLU6, then MBConv k3 e1 (the official input block and
    head block). (B, C_in, H, W) -> (B, C_out, H / stride, W / stride)."""

    def __init__(self, C_in: int, C_out: int, stride: int = 1, affine: bool = True):
        super().__init__(
            nn.Conv2d(C_in, C_out, 3, stride, 1, bias=False), nn.BatchNorm2d(C_out, affine=affine),
            nn.ReLU6(inplace=False), MBConv(C_out, C_out, 3, 1, 1, affine))


class Final1x1(nn.Sequential):
    """The final block's branch from one input: conv 1x1 + BN + ReLU6 (official Conv1_1_Branch;
    stride 2 only where an input has twice the final size, which the official space never has).
    (B, C_in, H, W) -> (B, C_out, H / stride, W / stride)."""

    def __init__(self, C_in: int, C_out: int, stride: int = 1, affine: bool = True):
        super().__init__(nn.Conv2d(C_in, C_out, 1, stride, bias=False),
                         nn.BatchNorm2d(C_out, affine=affine),
                         nn.ReLU6(inplace=False))


class Classifier(nn.Module):
    """Global average pool and a linear layer. (B, C_in, H, W) -> (B, C_out)."""

    def __init__(self, C_in: int, C_out: int):
        super().__init__()
        self.linear = nn.Linear(C_in, C_out)

    def forward(self, x):
        return self.linear(x.mean((2, 3)))  # (B, C_in) -> (B, C_out)


def make_layer(name: str, C_in: int, C_out: int, stride: int = 1, affine: bool = True) -> nn.Module:
    """A piece of a DenseNAS network by name: a fixed layer (FIXED_LAYERS) or an op of ops.OPS."""
    if name == "stem":
        return Stem(C_in, C_out, stride, affine)
    if name == "final_1x1":
        return Final1x1(C_in, C_out, stride, affine)
    if name == "classifier":
        return Classifier(C_in, C_out)
    return make_op(name, C_in, C_out, stride, affine)


class DenseNASNetwork(nn.Module):
    """The stand-alone network of one DenseArch; trains with `train.fit`.

    forward(x): (B, in_channels, image_size, image_size) -> logits (B, num_classes).
    `pieces` lists (name, C_in, C_out, H_in, stride) of every layer, in order: the latency
    table's keys, so the table's estimate of this network is a sum over `pieces`.
    """

    def __init__(self, space: DenseSpace, arch: DenseArch | str, num_classes: int = 10,
                 in_channels: int = 3):
        super().__init__()
        if isinstance(arch, str):
            arch = DenseArch.from_string(arch)
        if not isinstance(arch, DenseArch):
            raise DenseNASError(f"expected a DenseArch or its string, got {type(arch).__name__}")
        self.arch = arch.validate(space)
        self.pieces = network_pieces(space, arch, num_classes, in_channels)
        self.layers = nn.Sequential(*(make_layer(name, C_in, C_out, stride)
                                      for name, C_in, C_out, _, stride in self.pieces))

    def forward(self, x):
        return self.layers(x)  # (B, in_channels, H, W) -> (B, num_classes)


def network_pieces(space: DenseSpace, arch: DenseArch, num_classes: int, in_channels: int):
    """(name, C_in, C_out, H_in, stride) of every layer of arch's network, input to output."""
    stem_stride = space.image_size // space.sizes[0]
    pieces = [("stem", in_channels, space.widths[0], space.image_size, stem_stride)]
    for i, j, head, stack in arch.blocks():
        pieces.append((head, space.widths[i], space.widths[j], space.size(i), space.stride(i, j)))
        pieces += [(op, space.widths[j], space.widths[j], space.size(j), 1)
                   for op in stack if op != "skip_connect"]
    i = arch.path[-2]
    pieces.append(("final_1x1", space.widths[i], space.last_C, space.size(i), space.stride(i, space.last)))
    pieces.append(("classifier", space.last_C, num_classes, space.size(space.last), 1))
    return pieces
