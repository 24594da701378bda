"""The mixed op: one edge of a supernet holding every candidate op, and partial channels.

DARTS (Liu et al. 2019, arXiv 1806.09055, eq. 2) relaxes the choice of one op o in O on an
edge (i, j) into a weighted sum,

    o_bar(x) = sum_{o in O} w_o * o(x),        w = softmax(alpha_(i,j))     w: (|O|,)

GDAS (Dong & Yang 2019, arXiv 1910.04465) draws a one-hot w with a straight-through gradient
and runs only the chosen op; SPOS and FairNAS run one op with no weight at all; DenseNAS
(arXiv 1906.09607) runs a few drawn ops. `MixedOp` does all of them, by what `forward` is
given. PC-DARTS (arXiv 1907.05737, eq. 2) sends only C/K channels through the mixed op
(`PartialEdge`); every supernet that offers partial channels uses this one class.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..ops import make_op
from ..utils import is_int


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H, W) with channel g * (C / groups) + k moved to k * groups + g."""
    B, C, H, W = x.shape
    return x.view(B, groups, C // groups, H, W).transpose(1, 2).reshape(B, C, H, W)


def group_softmax(beta: torch.Tensor, sizes: Sequence[int]) -> torch.Tensor:
    """softmax of beta (E,) within consecutive groups of `sizes` edges (PC-DARTS: the edges
    into each node; DenseNAS: the edges out of each block). Returns (E,) weights."""
    if beta.shape != (sum(sizes),):
        raise ValueError(f"beta must have shape ({sum(sizes)},), one per edge, got {tuple(beta.shape)}")
    return torch.cat([b.softmax(0) for b in beta.split(list(sizes))])


class MixedOp(nn.Module):
    """Every op of `primitives` from C_in to C_out channels at `stride`.

    forward(x, weights=None, index=None):
      weights only        soft mixing: sum_o weights[o] * op_o(x)                (DARTS)
      index only          a single path: op_index(x), no weight                 (SPOS, FairNAS)
      weights and index   only the ops in `index` (an int, or a tuple of ints) run, weighted:
                          sum_{o in index} weights[o] * op_o(x); the other weights are added
                          as scalars (zero in value: GDAS' one-hot, DenseNAS' drawn ops) so
                          that every alpha still gets its gradient           (GDAS, DenseNAS)
    x: (B, C_in, H, W) -> (B, C_out, H / stride, W / stride).
    affine=False: the BatchNorms of the candidates have no scale and shift, as in the DARTS
    and NAS-Bench-201 supernets (the mixing weights play that role).
    """

    def __init__(self, C_in: int, C_out: int, stride: int, primitives: Sequence[str],
                 affine: bool = False):
        super().__init__()
        if isinstance(primitives, str) or not len(primitives):
            raise ValueError(f"primitives must be a non-empty sequence of op names, got {primitives!r}")
        self.primitives = tuple(primitives)
        self.ops = nn.ModuleList(make_op(p, C_in, C_out, stride, affine) for p in self.primitives)

    def forward(self, x, weights: torch.Tensor | None = None, index=None):
        n = len(self.ops)
        if weights is not None and weights.shape != (n,):
            raise ValueError(f"weights must have shape ({n},), one per op, got {tuple(weights.shape)}")
        if index is None:
            if weights is None:
                raise ValueError("MixedOp needs weights (soft mixing), an index (single path) or both")
            return sum(w * op(x) for w, op in zip(weights, self.ops))
        run = (int(index),) if is_int(index) else tuple(int(k) for k in index)
        bad = [k for k in run if not 0 <= k < n]
        if bad or not run:
            raise IndexError(f"op index {index} outside 0..{n - 1} ({', '.join(self.primitives)})")
        if weights is None:
            if len(run) > 1:
                raise ValueError(f"{len(run)} ops to run need their weights")
            return self.ops[run[0]](x)
        out = sum(weights[k] * self.ops[k](x) for k in run)
        others = [weights[k] for k in range(n) if k not in run]
        return out + sum(others) if others else out  # values 0: gradients only


class PartialEdge(nn.Module):
    """PC-DARTS' partial channel connection around a mixed op (Xu et al. 2020, eq. 2):

        f(x) = shuffle_K( concat( mixed(x[:, :C/K]), bypass(x[:, C/K:]) ) )

    The mixed op holds ops for C/K channels; the other channels pass by (max-pooled when the
    edge halves the resolution, as the official code) and a channel shuffle in K groups sends
    other channels through the ops on the next edge. K = 1 is the mixed op alone.
    forward(x, weights=None, index=None) as MixedOp: (B, C, H, W) -> (B, C, H/stride, W/stride).
    """

    def __init__(self, mixed: nn.Module, K: int = 1, stride: int = 1):
        super().__init__()
        self.mixed, self.K = mixed, K
        self.bypass = nn.MaxPool2d(2, 2, ceil_mode=True) if K > 1 and stride == 2 else None

    @property
    def primitives(self) -> tuple[str, ...]:
        return self.mixed.primitives

    def forward(self, x, weights=None, index=None):
        if self.K == 1:
            return self.mixed(x, weights, index)
        C_op = x.shape[1] // self.K
        y = self.mixed(x[:, :C_op], weights, index)              # (B, C/K, H', W')
        rest = x[:, C_op:] if self.bypass is None else self.bypass(x[:, C_op:])
        return channel_shuffle(torch.cat([y, rest], dim=1), self.K)  # (B, C, H', W')


def check_partial(C: int, K, error=ValueError) -> int:
    """K must be an integer >= 1 that divides C."""
    if not is_int(K) or K < 1 or C % K:
        raise error(f"partial channels need C divisible by K >= 1, got C={C}, K={K}")
    return int(K)
