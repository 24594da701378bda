"""The NASNet search space (Zoph, Vasudevan, Shlens & Le, CVPR 2018, arXiv 1707.07012, sec. 3)
and NASNet's CIFAR network. The cells themselves (Block, NasnetCell, NasnetGenotype, their
string form, NASNet-A) are in `spaces.nasnet_cells`, re-exported here.

Block b (0-based) makes 5 predictions: input 1 and input 2 from the b + 2 states before it,
op 1 and op 2 from the 13 ``NASNET_OPS``, and a combiner, "add" or "concat".
Normal + reduction cell = 2 x 5B predictions. Exact size of one cell (ordered branches):

    |cell| = prod_{b=0}^{B-1} (b+2)^2 * n_ops^2 * n_combiners                       (1)

B=5, 13 ops, 2 combiners: 2,286,906,949,584,691,200 ~ 2.29e18; both cells ~ 5.23e36.
add and concat are symmetric (up to channel order), so swapping a block's two branches
gives the same network; counting each unordered pair of (input, op) once, m = (b+2) n_ops:

    |cell|_unordered = prod_{b=0}^{B-1} m (m+1) / 2 * n_combiners                   (2)

(PNAS's 136 = 16*17/2 one-block cells is (2) with B=1, 8 ops, add only.) Neither counts
graph isomorphisms beyond this branch swap.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .. import checks
from ..genotypes import Cell
from ..networks import CellNetwork
from ..utils import is_int
from .base import Space, check_choices, check_names, register
from .nasnet_cells import (COMBINERS, NASNET_A, NASNET_OPS, Block, NasnetCell, NasnetError,  # noqa: F401
                           NasnetGenotype)

# ---------------------------------------------------------------------- counting
def _check_counts(B, n_ops, n_combiners):
    for name, v in (("B", B), ("n_ops", n_ops), ("n_combiners", n_combiners)):
        if not is_int(v) or v < 1:
            raise NasnetError(f"{name} must be an integer >= 1, got {v!r}")


def count_cell(B: int = 5, n_ops: int = 13, n_combiners: int = 2) -> int:
    """Eq. (1): cells with ordered branches, prod_b (b+2)^2 n_ops^2 n_combiners."""
    _check_counts(B, n_ops, n_combiners)
    return math.prod(((b + 2) * n_ops) ** 2 * n_combiners for b in range(B))


def count_cell_unordered(B: int = 5, n_ops: int = 13, n_combiners: int = 2) -> int:
    """Eq. (2): cells up to branch swaps, prod_b m(m+1)/2 n_combiners with m = (b+2) n_ops."""
    _check_counts(B, n_ops, n_combiners)
    m = [(b + 2) * n_ops for b in range(B)]
    return math.prod(mb * (mb + 1) // 2 * n_combiners for mb in m)


def count_both(B: int = 5, n_ops: int = 13, n_combiners: int = 2, unordered: bool = False) -> int:
    """A normal and a reduction cell, chosen independently: count ** 2."""
    return (count_cell_unordered if unordered else count_cell)(B, n_ops, n_combiners) ** 2


def enumerate_cells(B: int = 1, ops=NASNET_OPS[:2], combiners=COMBINERS):
    """Every cell (ordered branches) of a small space, in a fixed order: for checking (1), (2)."""
    per_block = [[Block(i1, i2, o1, o2, c) for i1, i2, o1, o2, c in
                  itertools.product(range(b + 2), range(b + 2), ops, ops, combiners)]
                 for b in range(B)]
    for blocks in itertools.product(*per_block):
        yield NasnetCell(blocks)


# ------------------------------------------------------------------ the network
class NasnetNetwork(CellNetwork):
    """NASNet's CIFAR network (paper Fig. 2; TF-slim ``build_nasnet_cifar``), built by
    ``networks.CellNetwork(genotype.to_genotype(), layers=3N+2, reductions=(N, 2N+1))``:

        stem (conv 3x3, stem_multiplier * C, BN) -> N normal cells -> reduction -> N normal
        -> reduction -> N normal -> global average pool -> linear        (B, num_classes)

    genotype: a NasnetGenotype, or one NasnetCell used as both cells; add combiners only.
    C: filters F of the first stage (slim's num_conv_filters; the paper's CIFAR runs use 32),
    doubled at each reduction. N: normal cells per stage ("NASNet-A 6@768": N = 6, and
    6 x 4 x 32 = 768 channels before the pool, NASNet-A's normal cell concatenating 6 states).
    As slim: cell inputs brought to F channels by ReLU-conv1x1-BN (or a factorized reduction
    after a reduction cell), ops reading a cell input stride 2 in a reduction cell. Not here:
    slim's skipped 1x1 when shapes fit, its strided identity (ours: factorized reduction), the
    final ReLU, the auxiliary head, drop-path and dropout.
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
        checks.integer("N (normal cells per stage)", N, min=1)
        super().__init__(genotype.to_genotype(), C=C, layers=3 * N + 2, num_classes=num_classes,
                         in_channels=in_channels, stem_multiplier=stem_multiplier,
                         reductions=(N, 2 * N + 1))
        self.N = N


# ------------------------------------------------------------------ the space
class BlockCellSpace(Space):
    """Cells of B blocks (NASNet's and PNAS's); a subclass sets the fields B and ops and the
    combiners. An architecture is one `NasnetCell`, which `build` uses as both the normal and
    the reduction cell (pass a NasnetGenotype to `build` for two different cells).

    The controller's steps (`token_steps`), per block b (0-based): in1, in2 (b + 2 states
    each), op1, op2 (len(ops) each), and the combiner when there is more than one."""

    combiners: tuple[str, ...] = ("add",)

    @property
    def size(self) -> int:
        """Eq. (1) with ordered branches: prod_b (b+2)^2 n_ops^2 n_combiners."""
        return count_cell(self.B, len(self.ops), len(self.combiners))

    def sample(self, rng) -> NasnetCell:
        """Every prediction uniform and independent."""
        pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
        return NasnetCell(tuple(Block(int(rng.integers(b + 2)), int(rng.integers(b + 2)), pick(self.ops),
                                      pick(self.ops), pick(self.combiners)) for b in range(self.B)))

    def neighbours(self, cell: NasnetCell) -> list[NasnetCell]:
        """Every cell one prediction away (one input, op or combiner of one block changed);
        the cell keeps its explicit concat only if it had none."""
        out = []
        for b, k in enumerate(cell.blocks):
            new = [Block(i, k.in2, k.op1, k.op2, k.combine) for i in range(b + 2) if i != k.in1]
            new += [Block(k.in1, i, k.op1, k.op2, k.combine) for i in range(b + 2) if i != k.in2]
            new += [Block(k.in1, k.in2, o, k.op2, k.combine) for o in self.ops if o != k.op1]
            new += [Block(k.in1, k.in2, k.op1, o, k.combine) for o in self.ops if o != k.op2]
            new += [Block(k.in1, k.in2, k.op1, k.op2, c) for c in self.combiners if c != k.combine]
            out += [NasnetCell(cell.blocks[:b] + (blk,) + cell.blocks[b + 1:]) for blk in new]
        return out

    def mutate(self, cell: NasnetCell, rng) -> NasnetCell:
        """One uniformly chosen neighbour: one of the cell's predictions set to another value."""
        if not self.neighbours(cell):
            raise NasnetError("nothing to mutate: every prediction has a single option")
        return super().mutate(cell, rng)

    def _options(self, b: int):
        return (range(b + 2), range(b + 2), self.ops, self.ops) + ((self.combiners,) if len(self.combiners) > 1 else ())

    def encode(self, cell: NasnetCell) -> np.ndarray:
        """Per block b: one-hot in1 and in2 (b + 2 states each), op1 and op2 (len(ops) each),
        and the combiner (len(combiners)); float32, a fixed length for B."""
        parts = []
        for b, blk in enumerate(cell.blocks):
            for value, options in zip((blk.in1, blk.in2, blk.op1, blk.op2, blk.combine),
                                      self._options(b)[:4] + (self.combiners,)):
                if value not in options:
                    raise NasnetError(f"block {b}: {value!r} is not one of {tuple(options)}; "
                                      "a cell of another space")
                parts.append(np.eye(len(options), dtype=np.float32)[list(options).index(value)])
        return np.concatenate(parts)

    def token_steps(self) -> list[tuple[str, int]]:
        return [("choice", len(o)) for b in range(self.B) for o in self._options(b)]

    def to_tokens(self, cell: NasnetCell) -> list[int]:
        values = lambda k: (k.in1, k.in2, k.op1, k.op2, k.combine)  # noqa: E731
        return [list(o).index(v) for b, k in enumerate(cell.blocks) for v, o in zip(values(k), self._options(b))]

    def from_tokens(self, tokens) -> NasnetCell:
        """Tokens -> a cell (the one combiner when there is only one); NasnetError names the
        token out of range."""
        t, n = check_choices(tokens, self.token_steps(), NasnetError), len(self._options(0))
        return NasnetCell(tuple(Block(t[n * b], t[n * b + 1], self.ops[t[n * b + 2]], self.ops[t[n * b + 3]],
                                      self.combiners[t[n * b + 4]] if n == 5 else self.combiners[0])
                                for b in range(self.B)))

    def build(self, arch, **net) -> NasnetNetwork:
        """NasnetNetwork(arch, **net): C, N, num_classes, in_channels."""
        return NasnetNetwork(arch, **net)

    def from_string(self, s: str) -> NasnetCell:
        return NasnetCell.from_string(s)

    def to_cell(self, cell: NasnetCell) -> Cell:
        return cell.to_cell()


@register("nasnet")
@dataclass(frozen=True)
class NasnetSpace(BlockCellSpace):
    """NASNet's cell (sec. 3): B blocks, 13 ops, the combiners searched."""

    B: int = 5                            # blocks per cell (NASNet: 5)
    ops: tuple[str, ...] = NASNET_OPS     # the 13 candidate ops
    combiners: tuple[str, ...] = ("add",)  # the paper's ("add", "concat"); NASNet-A adds only

    def __post_init__(self):
        checks.integer("nasnet B", self.B, min=1)
        object.__setattr__(self, "ops", check_names("nasnet ops", self.ops))
        object.__setattr__(self, "combiners", check_names("nasnet combiners", self.combiners))
