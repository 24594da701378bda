"""The primitives: one registry for every paper's candidate operations.

``OPS[name](C_in, C_out, stride, affine)`` builds an ``nn.Module`` that maps
(B, C_in, H, W) -> (B, C_out, H / stride, W / stride). Definitions follow the official
DARTS code (quark0/darts, cnn/operations.py) and NAS-Bench-201 (D-X-Y/AutoDL-Projects):

- DARTS (1806.09055): none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3,
  sep_conv_5x5, dil_conv_3x3, dil_conv_5x5.
- NASNet (1707.07012) and PNAS (1712.00559) add: sep_conv_7x7, conv_1x7_7x1,
  conv_1x3_3x1, conv_1x1, conv_3x3, max_pool_5x5, max_pool_7x7.
- NAS-Bench-201 (2001.00326): none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3.
- MobileNetV2's inverted residual (Sandler et al. 2018, arXiv 1801.04381), the choice blocks of
  FairNAS (1907.01845), SPOS-style supernets and DenseNAS (1906.09607): mbconv_k{3,5,7}_e{3,6}.
"""
from __future__ import annotations

import torch
from torch import nn

from . import checks


class Zero(nn.Module):
    """The 'none' op: a zero tensor of the output shape (no parameters, no gradient to x)."""

    def __init__(self, C_in: int, C_out: int, stride: int):
        super().__init__()
        self.C_out, self.stride = C_out, stride

    def forward(self, x):  # (B, C_in, H, W) -> (B, C_out, H/s, W/s)
        B, _, H, W = x.shape
        s = self.stride
        return x.new_zeros(B, self.C_out, (H + s - 1) // s, (W + s - 1) // s)


class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv(k x k) -> BN: the 'nor_conv' of NAS-Bench-201 and DARTS' preprocessing."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, affine=True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride, padding, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class DilConv(nn.Sequential):
    """ReLU -> depthwise dilated conv -> pointwise conv -> BN."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, dilation, affine=True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride, padding, dilation=dilation, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_out, 1, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class SepConv(nn.Sequential):
    """Two stacked (ReLU, depthwise conv, pointwise conv, BN); only the first one strides."""

    def __init__(self, C_in, C_out, kernel_size, stride, padding, affine=True):
        super().__init__(
            DilConv(C_in, C_in, kernel_size, stride, padding, 1, affine),
            DilConv(C_in, C_out, kernel_size, 1, padding, 1, affine),
        )


class FactorizedConv(nn.Sequential):
    """ReLU -> (1 x k) conv -> (k x 1) conv -> BN: NASNet's '1x7 then 7x1'."""

    def __init__(self, C_in, C_out, k, stride, affine=True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, (1, k), stride=(1, stride), padding=(0, k // 2), bias=False),
            nn.Conv2d(C_in, C_out, (k, 1), stride=(stride, 1), padding=(k // 2, 0), bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class FactorizedReduce(nn.Module):
    """Halve H and W with two offset stride-2 1x1 convs, concatenated (skip_connect at stride 2)."""

    def __init__(self, C_in, C_out, affine=True):
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even C_out, got {C_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, bias=False)
        self.conv2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine)

    def forward(self, x):  # (B, C_in, H, W) -> (B, C_out, H/2, W/2)
        x = self.relu(x)
        y = self.conv2(x[:, :, 1:, 1:]) if x.shape[-1] > 1 else self.conv2(x)
        a = self.conv1(x)
        if y.shape[-2:] != a.shape[-2:]:  # odd sizes: pad the shifted branch back
            y = nn.functional.pad(y, (0, a.shape[-1] - y.shape[-1], 0, a.shape[-2] - y.shape[-2]))
        return self.bn(torch.cat([a, y], dim=1))


class Pool(nn.Module):
    """A 3x3 (or k x k) pool; a ReLUConvBN 1x1 first when the channel count changes."""

    def __init__(self, kind, C_in, C_out, stride, k=3, affine=True):
        super().__init__()
        self.pre = None if C_in == C_out else ReLUConvBN(C_in, C_out, 1, 1, 0, affine)
        if kind == "avg":
            self.pool = nn.AvgPool2d(k, stride, k // 2, count_include_pad=False)
        else:
            self.pool = nn.MaxPool2d(k, stride, k // 2)

    def forward(self, x):
        return self.pool(x if self.pre is None else self.pre(x))


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand to e*C_in -> BN -> ReLU6 -> k x k depthwise (stride)
    -> BN -> ReLU6 -> 1x1 project to C_out -> BN, plus x when stride 1 and C_in == C_out.
    (B, C_in, H, W) -> (B, C_out, H/stride, W/stride)."""

    def __init__(self, C_in, C_out, kernel_size, expansion, stride, affine=True):
        super().__init__()
        C_mid = C_in * expansion
        self.residual = stride == 1 and C_in == C_out
        self.body = nn.Sequential(
            nn.Conv2d(C_in, C_mid, 1, bias=False), nn.BatchNorm2d(C_mid, affine=affine),
            nn.ReLU6(inplace=False),
            nn.Conv2d(C_mid, C_mid, kernel_size, stride, kernel_size // 2, groups=C_mid, bias=False),
            nn.BatchNorm2d(C_mid, affine=affine), nn.ReLU6(inplace=False),
            nn.Conv2d(C_mid, C_out, 1, bias=False), nn.BatchNorm2d(C_out, affine=affine),
        )

    def forward(self, x):
        y = self.body(x)  # (B, C_out, H/stride, W/stride)
        return x + y if self.residual else y


def _mbconv(k, e):
    return lambda C_in, C_out, stride, affine=True: MBConv(C_in, C_out, k, e, stride, affine)


MBCONV_OPS = tuple(f"mbconv_k{k}_e{e}" for k in (3, 5, 7) for e in (3, 6))


def _skip(C_in, C_out, stride, affine):
    if stride == 1 and C_in == C_out:
        return nn.Identity()
    if stride == 1:
        return ReLUConvBN(C_in, C_out, 1, 1, 0, affine)
    return FactorizedReduce(C_in, C_out, affine)


OPS = {
    "none": lambda C_in, C_out, stride, affine=True: Zero(C_in, C_out, stride),
    "skip_connect": _skip,
    "avg_pool_3x3": lambda C_in, C_out, stride, affine=True: Pool("avg", C_in, C_out, stride, 3, affine),
    "max_pool_3x3": lambda C_in, C_out, stride, affine=True: Pool("max", C_in, C_out, stride, 3, affine),
    "max_pool_5x5": lambda C_in, C_out, stride, affine=True: Pool("max", C_in, C_out, stride, 5, affine),
    "max_pool_7x7": lambda C_in, C_out, stride, affine=True: Pool("max", C_in, C_out, stride, 7, affine),
    "sep_conv_3x3": lambda C_in, C_out, stride, affine=True: SepConv(C_in, C_out, 3, stride, 1, affine),
    "sep_conv_5x5": lambda C_in, C_out, stride, affine=True: SepConv(C_in, C_out, 5, stride, 2, affine),
    "sep_conv_7x7": lambda C_in, C_out, stride, affine=True: SepConv(C_in, C_out, 7, stride, 3, affine),
    "dil_conv_3x3": lambda C_in, C_out, stride, affine=True: DilConv(C_in, C_out, 3, stride, 2, 2, affine),
    "dil_conv_5x5": lambda C_in, C_out, stride, affine=True: DilConv(C_in, C_out, 5, stride, 4, 2, affine),
    "conv_1x7_7x1": lambda C_in, C_out, stride, affine=True: FactorizedConv(C_in, C_out, 7, stride, affine),
    "conv_1x3_3x1": lambda C_in, C_out, stride, affine=True: FactorizedConv(C_in, C_out, 3, stride, affine),
    "conv_1x1": lambda C_in, C_out, stride, affine=True: ReLUConvBN(C_in, C_out, 1, stride, 0, affine),
    "conv_3x3": lambda C_in, C_out, stride, affine=True: ReLUConvBN(C_in, C_out, 3, stride, 1, affine),
    "nor_conv_1x1": lambda C_in, C_out, stride, affine=True: ReLUConvBN(C_in, C_out, 1, stride, 0, affine),
    "nor_conv_3x3": lambda C_in, C_out, stride, affine=True: ReLUConvBN(C_in, C_out, 3, stride, 1, affine),
    **{f"mbconv_k{k}_e{e}": _mbconv(k, e) for k in (3, 5, 7) for e in (3, 6)},
}


def make_op(name: str, C_in: int, C_out: int, stride: int = 1, affine: bool = True) -> nn.Module:
    """Build the op called `name`; an unknown name raises ValueError listing the known ones."""
    checks.known("op", name, sorted(OPS), listed="Known ops")
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride}")
    return OPS[name](C_in, C_out, stride, affine)
