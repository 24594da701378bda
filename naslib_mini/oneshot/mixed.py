"""The mixed op: one edge of a supernet holding every candidate op.

DARTS (Liu et al. 2019, arXiv 1806.09055, eq. 2) relaxes the choice of one op o in O on an
edge (i, j) into a weighted sum,

    o_bar(x) = sum_{o in O} w_o * o(x),        w = softmax(alpha_(i,j))     w: (|O|,)

GDAS (Dong & Yang 2019, arXiv 1910.04465) draws a one-hot w with a straight-through gradient
and runs only the chosen op; SPOS and FairNAS run one op with no weight at all. `MixedOp`
does all three, by what `forward` is given.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..ops import make_op


class MixedOp(nn.Module):
    """Every op of `primitives` from C_in to C_out channels at `stride`.

    forward(x, weights=None, index=None):
      weights only        soft mixing: sum_o weights[o] * op_o(x)                (DARTS)
      index only          a single path: op_index(x), no weight                 (SPOS, FairNAS)
      weights and index   hard sample: weights is one-hot in value but carries a gradient;
                          only op `index` runs, and the other weights are added as (zero)
                          scalars so that every alpha still gets its gradient       (GDAS)
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

    def forward(self, x, weights: torch.Tensor | None = None, index: int | None = None):
        n = len(self.ops)
        if index is not None and not 0 <= int(index) < n:
            raise IndexError(f"op index {index} outside 0..{n - 1} ({', '.join(self.primitives)})")
        if weights is not None and weights.shape != (n,):
            raise ValueError(f"weights must have shape ({n},), one per op, got {tuple(weights.shape)}")
        if weights is None:
            if index is None:
                raise ValueError("MixedOp needs weights (soft mixing), an index (single path) or both")
            return self.ops[int(index)](x)
        if index is None:
            return sum(w * op(x) for w, op in zip(weights, self.ops))
        index = int(index)
        out = weights[index] * self.ops[index](x)
        others = [weights[k] for k in range(n) if k != index]
        return out + sum(others) if others else out  # values 0: gradients only
