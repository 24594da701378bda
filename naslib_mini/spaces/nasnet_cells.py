"""NASNet cells as data (Zoph, Vasudevan, Shlens & Le, CVPR 2018, arXiv 1707.07012, sec. 3):
blocks, cells, normal + reduction genotypes, their string form and the published NASNet-A.
The space (sampling, counting, tokens, the network) is `spaces.nasnet`; PNAS cells are the
same type (`spaces.pnas`).

A cell has B blocks. Hidden states are numbered as in ``genotypes.Cell`` (and DARTS):

    0 = h_{i-1} (the older cell input)    1 = h_i (the newer one)    2 + b = output of block b

Block b (0-based) reads two of the b + 2 states before it, applies one op to each, and
combines them, "add" or "concat" (along channels):

    s_{2+b} = combine(op1(s_in1), op2(s_in2))          each s: (batch, C, H, W)

Cell output (our rule, documented decision): the channel concat of the block outputs that no
block reads, ``unused()``; cell inputs are never concatenated by the rule. The DARTS code's
transcription of NASNet-A (quark0/darts cnn/genotypes.py) uses this rule. The official slim
code instead hard-codes the output per cell (``used_hiddenstates``), and for NASNet-A it
differs from the rule, so a cell may carry an explicit ``concat`` (see ``NASNET_A``).

String format (parsed without eval; spaces ignored): one ``combine(op~in,op~in)`` per block,
joined by ";", then ``;out(i,j,...)`` only when the output set is explicit:

    add(sep_conv_5x5~1,sep_conv_3x3~0);add(avg_pool_3x3~1,skip_connect~0);out(0,2,3)
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import checks
from ..genotypes import Cell, Genotype, GenotypeError
from ..utils import is_int

NASNET_OPS = ("skip_connect", "conv_1x3_3x1", "conv_1x7_7x1", "dil_conv_3x3", "avg_pool_3x3",
              "max_pool_3x3", "max_pool_5x5", "max_pool_7x7", "conv_1x1", "conv_3x3",
              "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7")  # paper's "identity" = skip_connect
assert len(NASNET_OPS) == 13
COMBINERS = ("add", "concat")
_FORMAT = "a cell string is blocks 'add(op~in,op~in)' joined by ';', then optionally ';out(i,j,...)'"
_STATES = "0 = h_{i-1}, 1 = h_i, 2+k = block k's output"


class NasnetError(GenotypeError):
    """A malformed NASNet block, cell or string: the message names the block at fault."""


def _check_name(kind: str, name, names, where: str) -> str:
    return str(checks.known(kind, name, names, where, NasnetError))


@dataclass(frozen=True)
class Block:
    """One block: s = combine(op1(s_in1), op2(s_in2)). Input ranges are checked by NasnetCell."""

    in1: int
    in2: int
    op1: str
    op2: str
    combine: str = "add"

    def __post_init__(self):
        for name in ("in1", "in2"):
            v = getattr(self, name)
            if not is_int(v) or v < 0:
                raise NasnetError(f"{name}={v!r} is out of range: inputs are hidden-state "
                                  f"numbers >= 0 ({_STATES})")
            object.__setattr__(self, name, int(v))
        for name in ("op1", "op2"):
            _check_name("op", getattr(self, name), NASNET_OPS, name)
        _check_name("combiner", self.combine, COMBINERS, "combine")

    def to_string(self) -> str:
        return f"{self.combine}({self.op1}~{self.in1},{self.op2}~{self.in2})"


def _as_block(x, b: int) -> Block:
    """A Block, or a tuple (in1, in2, op1, op2[, combine]) made into one; errors name block b."""
    if isinstance(x, Block):
        return x
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__") or len(x) not in (4, 5):
        raise NasnetError(f"block {b}: expected a Block or (in1, in2, op1, op2[, combine]), got {x!r}")
    try:
        return Block(*x)
    except NasnetError as err:
        raise NasnetError(f"block {b}: {err}") from None


@dataclass(frozen=True)
class NasnetCell:
    """A cell of B blocks; ``concat`` = the states concatenated into the cell output, in
    ascending order (None: the rule, ``unused()``; a tuple equal to it is stored as None)."""

    blocks: tuple[Block, ...]
    concat: tuple[int, ...] | None = None

    def __post_init__(self):
        if isinstance(self.blocks, (str, bytes)):
            raise NasnetError("blocks must be a sequence of Block; for a string use from_string")
        blocks = tuple(_as_block(x, b) for b, x in enumerate(self.blocks))
        if not blocks:
            raise NasnetError("empty cell: a cell needs at least one block")
        for b, blk in enumerate(blocks):
            for name in ("in1", "in2"):
                v = getattr(blk, name)
                if v > b + 1:
                    raise NasnetError(f"block {b}: {name}={v} is forward-pointing: block {b} may "
                                      f"read hidden states 0..{b + 1} ({_STATES})")
        object.__setattr__(self, "blocks", blocks)
        if self.concat is not None:
            c = self.concat
            if isinstance(c, (str, bytes)) or not hasattr(c, "__iter__") or not tuple(c):
                raise NasnetError(f"concat must be a non-empty sequence of state numbers, got {c!r}")
            c = tuple(c)
            bad = [s for s in c if not is_int(s) or not 0 <= s <= len(blocks) + 1]
            if bad or len(set(c)) != len(c):
                raise NasnetError(f"concat {list(c)}: states must be distinct numbers in "
                                  f"0..{len(blocks) + 1} ({_STATES})")
            c = tuple(sorted(int(s) for s in c))
            object.__setattr__(self, "concat", None if c == self.unused() else c)

    @property
    def B(self) -> int:
        return len(self.blocks)

    def used(self) -> tuple[int, ...]:
        """Hidden states read by at least one block (inputs included), ascending."""
        return tuple(sorted({i for blk in self.blocks for i in (blk.in1, blk.in2)}))

    def unused(self) -> tuple[int, ...]:
        """Block outputs (2..B+1) that no block reads: the rule's cell output. Never empty,
        since the last block is read by nobody."""
        used = set(self.used())
        return tuple(s for s in range(2, self.B + 2) if s not in used)

    @property
    def outputs(self) -> tuple[int, ...]:
        """The states the cell output concatenates: ``concat`` if given, else ``unused()``."""
        return self.unused() if self.concat is None else self.concat

    def canonical(self) -> "NasnetCell":
        """The same cell with each block's branches ordered by (input, op): equal for cells
        that differ only by branch swaps (the classes counted by eq. 2)."""
        def canon(k):
            (i1, o1), (i2, o2) = sorted([(k.in1, k.op1), (k.in2, k.op2)])
            return Block(i1, i2, o1, o2, k.combine)
        return NasnetCell(tuple(canon(k) for k in self.blocks), self.concat)

    def to_string(self) -> str:
        s = ";".join(blk.to_string() for blk in self.blocks)
        return s if self.concat is None else s + f";out({','.join(map(str, self.concat))})"

    @classmethod
    def from_string(cls, s: str) -> "NasnetCell":
        if not isinstance(s, str):
            raise NasnetError(f"expected a cell string, got {type(s).__name__}: {s!r}")
        parts, concat = "".join(s.split()).split(";"), None
        if parts[-1].startswith("out("):
            out = parts.pop()
            if not out.endswith(")") or not all(_digits(t) for t in out[4:-1].split(",")):
                raise NasnetError(f"bad output part {out!r}: expected 'out(i,j,...)' with "
                                  f"state numbers ({_STATES})")
            concat = tuple(int(t) for t in out[4:-1].split(","))
        return cls(tuple(_parse_block(p, b) for b, p in enumerate(parts)), concat)

    def to_cell(self) -> Cell:
        """A ``genotypes.Cell`` (n_inputs=2, edges_per_node=2, primitives=NASNET_OPS, concat =
        ``outputs``) for viz.cells.draw_cell and networks.CellNetwork; add combiners only."""
        concats = [b for b, blk in enumerate(self.blocks) if blk.combine != "add"]
        if concats:
            raise NasnetError(f"block {concats[0]} combines by 'concat': a genotypes.Cell node "
                              "sums its edges, so only all-'add' cells convert")
        nodes = tuple(((k.op1, k.in1), (k.op2, k.in2)) for k in self.blocks)
        return Cell(nodes, n_inputs=2, primitives=NASNET_OPS, edges_per_node=2, concat=self.outputs)

    @classmethod
    def from_slim(cls, operations, hiddenstate_indices, used_hiddenstates=None) -> "NasnetCell":
        """From the lists of the official TF-slim code (research/slim/nets/nasnet/nasnet_utils.py).
        There, state 0 is h_i (the ``net`` argument) and 1 is h_{i-1} (``prev_layer``): we swap
        them. 'none' is the identity; 'separable_KxK_2' is sep_conv_KxK (two stacked separable
        convs). The output is every state with used_hiddenstates[s] == 0."""
        ops, idx = list(operations), list(hiddenstate_indices)
        if len(ops) != len(idx) or len(ops) % 2:
            raise NasnetError("operations and hiddenstate_indices must have the same even length")
        op = lambda o: _SLIM_OPS.get(o, o)  # noqa: E731
        st = lambda i: {0: 1, 1: 0}.get(i, i)  # noqa: E731  (slim 0 = h_i -> our 1)
        blocks = tuple(Block(st(idx[j]), st(idx[j + 1]), op(ops[j]), op(ops[j + 1]))
                       for j in range(0, len(ops), 2))
        concat = None if used_hiddenstates is None else tuple(
            st(s) for s, u in enumerate(used_hiddenstates) if not u)
        return cls(blocks, concat)


_SLIM_OPS = {"none": "skip_connect", "separable_3x3_2": "sep_conv_3x3",
             "separable_5x5_2": "sep_conv_5x5", "separable_7x7_2": "sep_conv_7x7"}


def _digits(t: str) -> bool:
    return t.isascii() and t.isdigit()


def _parse_block(p: str, b: int) -> Block:
    """'add(op~in,op~in)' -> Block."""
    head, paren, rest = p.partition("(")
    args = rest[:-1].split(",") if rest.endswith(")") else []
    if not paren or len(args) != 2 or any(a.count("~") != 1 for a in args):
        raise NasnetError(f"block {b}: cannot parse {p!r}: {_FORMAT}")
    (o1, i1), (o2, i2) = (a.split("~") for a in args)
    if not (_digits(i1) and _digits(i2)):
        raise NasnetError(f"block {b}: inputs must be state numbers in {p!r} ({_STATES})")
    return _as_block((int(i1), int(i2), o1, o2, head), b)


@dataclass(frozen=True)
class NasnetGenotype:
    """A NASNet architecture: a normal cell and a reduction cell."""

    normal: NasnetCell
    reduce: NasnetCell

    def __post_init__(self):
        for name in ("normal", "reduce"):
            if not isinstance(getattr(self, name), NasnetCell):
                raise NasnetError(f"NasnetGenotype.{name} must be a NasnetCell, "
                                  f"got {type(getattr(self, name)).__name__}")

    def to_string(self) -> str:
        """'normal=<cell string> reduce=<cell string>'."""
        return f"normal={self.normal.to_string()} reduce={self.reduce.to_string()}"

    @classmethod
    def from_string(cls, s: str) -> "NasnetGenotype":
        parts = dict(tok.partition("=")[::2] for tok in str(s).split())
        if sorted(parts) != ["normal", "reduce"] or len(str(s).split()) != 2:
            raise NasnetError(f"expected 'normal=<cell string> reduce=<cell string>', got {s!r}")
        return cls(NasnetCell.from_string(parts["normal"]), NasnetCell.from_string(parts["reduce"]))

    def to_genotype(self) -> Genotype:
        """The ``genotypes.Genotype`` of both cells (see NasnetCell.to_cell)."""
        return Genotype(self.normal.to_cell(), self.reduce.to_cell())


# ---------------------------------------------------------------------- the published cells
# NASNet-A (paper Fig. 4), transcribed literally from the official TF-slim code,
# tensorflow/models research/slim/nets/nasnet/nasnet_utils.py, NasNetANormalCell and
# NasNetAReductionCell (operations, hiddenstate_indices, used_hiddenstates); all combiners add.
# The code's output sets differ from the unused() rule: the normal cell also concatenates
# h_{i-1} (6 states: 6 x 4 x 32 = 768 channels at the end of "6@768"), and the reduction cell
# also concatenates block 1, which block 3 reads (4 states). quark0/darts's NASNet genotype
# has the same 20 edges with the rule's outputs, concat (2..6) and (4, 5, 6).
NASNET_A = NasnetGenotype(
    normal=NasnetCell.from_slim(
        ["separable_5x5_2", "separable_3x3_2", "separable_5x5_2", "separable_3x3_2", "avg_pool_3x3",
         "none", "avg_pool_3x3", "avg_pool_3x3", "separable_3x3_2", "none"],
        [0, 1, 1, 1, 0, 1, 1, 1, 0, 0], used_hiddenstates=[1, 0, 0, 0, 0, 0, 0]),
    reduce=NasnetCell.from_slim(
        ["separable_5x5_2", "separable_7x7_2", "max_pool_3x3", "separable_7x7_2", "avg_pool_3x3",
         "separable_5x5_2", "none", "avg_pool_3x3", "separable_3x3_2", "max_pool_3x3"],
        [0, 1, 0, 1, 0, 1, 3, 2, 2, 0], used_hiddenstates=[1, 1, 1, 0, 0, 0, 0]),
)
