"""The PNAS search space (Liu, Zoph, Neumann, Shlens, Hua, Li, Fei-Fei, Yuille, Huang & Murphy,
Progressive Neural Architecture Search, ECCV 2018, arXiv 1712.00559, sec. 3.1-3.2).

A PNAS cell is a NASNet cell (``nasnet.NasnetCell``) with the add combiner only and 8 ops.
Block b (1-based, as in the paper) reads two inputs from I_b = {h_{i-1}, h_i, H_1..H_{b-1}},
i.e. hidden states 0..b in ``nasnet``'s numbering (0 = h_{i-1}, 1 = h_i, 1 + b = block b), and
applies one op from O to each:

    H_b = O_1(I_1) + O_2(I_2),      I_1, I_2 in I_b,  |I_b| = b + 1,  O_1, O_2 in O,  |O| = 8

    |B_b|      = |I_b|^2 |O|^2 = (b + 1)^2 n_ops^2                                   (1)
    |B_1|      = 2^2 8^2 = 256
    |B_{1:B}|  = prod_{b=1}^{B} (b + 1)^2 n_ops^2                                    (2)
               = 556,627,761,561,600 ~ 5.6e14 for B = 5, n_ops = 8

The same cell is used as normal and reduction cell (stride 2 on the cell inputs), so (2) is
the size of the whole space. Up to branch swaps (add is symmetric), there are
m (m + 1) / 2 one-block cells, m = |I_1| |O| = 16: the paper's 136 models trained first.
Progressive search (sec. 3.2) expands each of the K = 256 kept cells of b - 1 blocks by every
block b: (b + 1)^2 n_ops^2 children each (256 x 3^2 x 8^2 = 147,456 at b = 2), keeps the K
best by the surrogate, trains them; models trained = 136 + (B - 1) K = 1,160.

Token encoding for the surrogates (``encode_tokens``), one shared vocabulary of size
``vocab_size(B_max, n_ops) = B_max + 2 + n_ops``:

    input state s in 0..B_max+1  -> token s
    op j (index in ``ops``)      -> token B_max + 2 + j

A cell of b blocks is 4b tokens (in1, in2, op1, op2 per block), as the paper's LSTM reads it
("a sequence of length 4b, representing I_1, I_2, O_1 and O_2 for each block").
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .. import checks
from ..utils import is_int
from .base import check_names, register
from .nasnet import BlockCellSpace
from .nasnet_cells import Block, NasnetCell, NasnetError

PNAS_OPS = ("sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7", "conv_1x7_7x1", "skip_connect",
            "avg_pool_3x3", "max_pool_3x3", "dil_conv_3x3")  # paper's "identity" = skip_connect
assert len(PNAS_OPS) == 8
B_MAX = 5  # the paper's B: cells grow to 5 blocks; the default token vocabulary covers them


def _check(**kw):
    for name, v in kw.items():
        if not is_int(v) or v < 1:
            raise NasnetError(f"{name} must be an integer >= 1, got {v!r}")


# ---------------------------------------------------------------------- exact counts
def block_choices(b: int, n_ops: int = 8) -> int:
    """Eq. (1): |B_b| = (b + 1)^2 n_ops^2 choices for block b (1-based); |B_1| = 256."""
    _check(b=b, n_ops=n_ops)
    return (b + 1) ** 2 * n_ops ** 2


def unique_first_blocks(n_ops: int = 8, n_inputs: int = 2) -> int:
    """One-block cells up to branch swap: unordered pairs (with repetition) of the
    m = n_inputs n_ops (input, op) choices, m (m + 1) / 2 = 136 for the paper."""
    _check(n_ops=n_ops, n_inputs=n_inputs)
    m = n_inputs * n_ops
    return m * (m + 1) // 2


def children_per_cell(b: int, n_ops: int = 8) -> int:
    """Ways to add block b to a cell of b - 1 blocks (``expand``): (b + 1)^2 n_ops^2 = |B_b|.
    Block 2: 9 x 64 = 576, so 256 kept cells give 256 x 576 = 147,456 children."""
    return block_choices(b, n_ops)


def space_size(B: int = 5, n_ops: int = 8) -> int:
    """Eq. (2): cells of B blocks (ordered branches), prod_{b=1}^{B} (b + 1)^2 n_ops^2."""
    _check(B=B, n_ops=n_ops)
    return math.prod(block_choices(b, n_ops) for b in range(1, B + 1))


def models_trained(B: int = 5, K: int = 256, n_ops: int = 8) -> int:
    """Networks PNAS trains: all unique one-block cells, then K per later block:
    m (m + 1) / 2 + (B - 1) K = 136 + 4 x 256 = 1,160."""
    _check(B=B, K=K, n_ops=n_ops)
    return unique_first_blocks(n_ops) + (B - 1) * K


# ---------------------------------------------------------------------- cells
def _block_options(b: int, ops) -> list[Block]:
    """Every block b (1-based): inputs 0..b, ops from `ops`, add combiner, in a fixed order."""
    return [Block(i1, i2, o1, o2, "add") for i1, i2, o1, o2 in
            itertools.product(range(b + 1), range(b + 1), ops, ops)]


def _dedupe(cells: list[NasnetCell]) -> list[NasnetCell]:
    """One cell per canonical form (branch swaps identified), the first met, order kept."""
    seen, out = set(), []
    for c in cells:
        key = c.canonical()
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def expand(cell: NasnetCell, ops=PNAS_OPS, unique: bool = False) -> list[NasnetCell]:
    """Every cell with one more block than `cell` (PNAS sec. 3.2, the beam's expansion step):
    children_per_cell(cell.B + 1, len(ops)) cells, or fewer with unique=True (one per
    canonical form: the new block's branch swap identified, m (m + 1) / 2, m = (b + 1) n_ops)."""
    if not isinstance(cell, NasnetCell):
        raise NasnetError(f"expected a NasnetCell, got {type(cell).__name__}")
    if cell.concat is not None:
        raise NasnetError("PNAS cells use the default output (unused block outputs); "
                          f"this cell has an explicit concat {cell.concat}")
    kids = [NasnetCell(cell.blocks + (blk,)) for blk in _block_options(cell.B + 1, ops)]
    return _dedupe(kids) if unique else kids


def first_cells(ops=PNAS_OPS, unique: bool = True) -> list[NasnetCell]:
    """All one-block cells: 136 with unique=True (PNAS's first step), 256 without."""
    cells = [NasnetCell((blk,)) for blk in _block_options(1, ops)]
    return _dedupe(cells) if unique else cells


# ---------------------------------------------------------------------- encodings
def vocab_size(B_max: int = B_MAX, n_ops: int = 8) -> int:
    """Tokens of the shared vocabulary: B_max + 2 input states, then n_ops ops."""
    return B_max + 2 + n_ops


def encode_blocks(cell: NasnetCell, ops=PNAS_OPS) -> list[tuple[int, int, int, int]]:
    """Per block (in1, in2, op1, op2): input states (0 = h_{i-1}, 1 = h_i, 1 + b = block b)
    and op indices into `ops`."""
    index = {o: j for j, o in enumerate(ops)}
    out = []
    for b, blk in enumerate(cell.blocks):
        if blk.combine != "add" or blk.op1 not in index or blk.op2 not in index:
            raise NasnetError(f"block {b}: not a PNAS block (add combiner, ops from {list(ops)}): "
                              f"{blk.to_string()}")
        out.append((blk.in1, blk.in2, index[blk.op1], index[blk.op2]))
    return out


def encode_tokens(cell: NasnetCell, ops=PNAS_OPS, B_max: int = B_MAX) -> list[int]:
    """4b tokens (in1, in2, op1, op2 per block) in the shared vocabulary of
    ``vocab_size(B_max, len(ops))``: input s -> s, op j -> B_max + 2 + j."""
    if cell.B > B_max:
        raise NasnetError(f"cell has {cell.B} blocks, more than B_max={B_max}: "
                          "raise B_max (and the surrogate's vocab_size)")
    off = B_max + 2
    return [t for i1, i2, o1, o2 in encode_blocks(cell, ops) for t in (i1, i2, off + o1, off + o2)]


# ---------------------------------------------------------------------- the space
@register("pnas")
@dataclass(frozen=True)
class PnasSpace(BlockCellSpace):
    """PNAS's cells of B blocks (add only, 8 ops): NASNet's space with one combiner, so the
    same sampling, neighbours, encoding and tokens (`BlockCellSpace`); |space| = eq. (2)."""

    B: int = 5                          # blocks per cell (the paper grows cells to 5)
    ops: tuple[str, ...] = PNAS_OPS     # the 8 candidate ops

    def __post_init__(self):
        checks.integer("pnas B", self.B, min=1)
        object.__setattr__(self, "ops", check_names("pnas ops", self.ops))
