"""Cell genotypes: which op sits on which edge of a cell, checked and written as a string.

One `Cell` type serves every cell-based paper of the course. Nodes are numbered globally:
the cell inputs first, then the intermediate nodes in the order they are computed.

    DARTS (n_inputs=2, 4 nodes, edges_per_node=2):

        inputs          intermediate nodes             output
        c_{k-2} = 0     2 reads 2 of {0, 1}
        c_{k-1} = 1     3 reads 2 of {0, 1, 2}         c_{k} = concat(2, 3, 4, 5)
                        4 reads 2 of {0, 1, 2, 3}
                        5 reads 2 of {0, ..., 4}

    NAS-Bench-201 (n_inputs=1, 3 nodes, edges_per_node="all", concat=(3,)):

        in = 0 ---> 1 ---> 2 ---> 3 = output     plus 0->2, 0->3, 1->3: every node sums
                                                 one edge from each earlier node

Intermediate node i (counting from 0) is number n_inputs + i and may read only the numbers
before it: 0 <= src < n_inputs + i. `nodes[i]` lists its incoming edges as (op, src).

String format (the NAS-Bench-201 convention, used for all cells): one group per intermediate
node, joined by "+", each group "|op~src|op~src|", e.g. the NAS-Bench-201 cell

    |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|

Strings are parsed with plain string operations, never eval().
"""
from __future__ import annotations

from dataclasses import dataclass

from . import checks
from .utils import is_int


class GenotypeError(ValueError):
    """A cell or genotype that is malformed: the message names the node and edge at fault."""


DARTS_PRIMITIVES = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                    "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")

_FORMAT = "a cell string is groups joined by '+', each group '|op~src|op~src|'"


@dataclass(frozen=True)
class Cell:
    """A discrete cell: `nodes[i]` = the incoming edges (op, src) of intermediate node i.

    n_inputs:       number of cell inputs (DARTS: 2, c_{k-2} and c_{k-1}; NAS-Bench-201: 1).
    primitives:     the allowed op names (the vocabulary).
    edges_per_node: an int (exactly that many edges per node); "all" (exactly one edge from
                    every earlier node, sources in increasing order, as in NAS-Bench-201);
                    None (any number >= 1).
    concat:         global numbers of the nodes concatenated into the cell output; None means
                    all intermediate nodes (an explicit tuple equal to that is stored as None,
                    so equal cells compare equal).
    """

    nodes: tuple[tuple[tuple[str, int], ...], ...]
    n_inputs: int = 2
    primitives: tuple[str, ...] = DARTS_PRIMITIVES
    edges_per_node: int | str | None = 2
    concat: tuple[int, ...] | None = None

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        if not is_int(self.n_inputs) or self.n_inputs < 1:
            raise GenotypeError(f"n_inputs must be an integer >= 1, got {self.n_inputs!r}")
        set_("n_inputs", int(self.n_inputs))
        if isinstance(self.primitives, str):
            raise GenotypeError("primitives must be a sequence of op names, not one string")
        set_("primitives", tuple(self.primitives))
        k = self.edges_per_node
        if not (k is None or k == "all" or (is_int(k) and k >= 1)):
            raise GenotypeError(f"edges_per_node must be an int >= 1, 'all' or None, got {k!r}")
        if is_int(k):
            set_("edges_per_node", int(k))
        if isinstance(self.nodes, (str, bytes)):
            raise GenotypeError("nodes must be a sequence of nodes; for a string use Cell.from_string")
        set_("nodes", tuple(self._check_node(i, node) for i, node in enumerate(self.nodes)))
        if not self.nodes:
            raise GenotypeError("empty cell: a cell needs at least one intermediate node")
        set_("concat", self._check_concat())

    # ------------------------------------------------------------------ validation
    def _where(self, i: int, j: int | None = None) -> str:
        s = f"node {self.n_inputs + i} (intermediate node {i})"
        return s if j is None else f"{s}, edge {j}"

    def _check_node(self, i, node) -> tuple:
        if isinstance(node, (str, bytes)) or not hasattr(node, "__iter__"):
            raise GenotypeError(f"{self._where(i)}: expected a sequence of (op, src) edges, got {node!r}")
        node = tuple(node)
        n_before = self.n_inputs + i  # this node may read numbers 0 .. n_before-1
        if not node:
            raise GenotypeError(f"{self._where(i)} has no edges: every node needs at least one input")
        k = self.edges_per_node
        want = n_before if k == "all" else k
        if want is not None and len(node) != want:
            why = f"one from every earlier node 0..{n_before - 1}" if k == "all" else f"edges_per_node={k}"
            raise GenotypeError(f"wrong number of edges: {self._where(i)} has {len(node)} "
                                f"edge{'' if len(node) == 1 else 's'}, "
                                f"expected {want} ({why})")
        edges = tuple(self._check_edge(i, j, e) for j, e in enumerate(node))
        if k == "all" and [s for _, s in edges] != list(range(n_before)):
            raise GenotypeError(f"{self._where(i)}: with edges_per_node='all' the sources must be "
                                f"0..{n_before - 1} in increasing order, got {[s for _, s in edges]}")
        return edges

    def _check_edge(self, i, j, edge) -> tuple[str, int]:
        where = self._where(i, j)
        if isinstance(edge, (str, bytes)) or not hasattr(edge, "__len__") or len(edge) != 2:
            raise GenotypeError(f"{where}: expected an (op, src) pair, got {edge!r}")
        op, src = edge
        checks.known("op", op, self.primitives, where, GenotypeError, "Known ops")
        n = self.n_inputs + i
        if not is_int(src) or src < 0:
            raise GenotypeError(f"{where}: dangling input {src!r} is not a node. Sources are "
                                f"integers: 0..{self.n_inputs - 1} are the cell inputs, "
                                f"{self.n_inputs}.. the intermediate nodes")
        if src == n:
            raise GenotypeError(f"{where}: forward-pointing input: node {n} reads itself")
        if src > n:
            raise GenotypeError(f"{where}: forward-pointing input: node {n} reads node {src}, "
                                f"which is computed after it (node {n} may read 0..{n - 1})")
        return str(op), int(src)

    def _check_concat(self):
        if self.concat is None:
            return None
        if isinstance(self.concat, (str, bytes)) or not hasattr(self.concat, "__iter__"):
            raise GenotypeError(f"concat must be a sequence of node numbers, got {self.concat!r}")
        concat, last = tuple(self.concat), self.n_inputs + self.n_nodes - 1
        if not concat:
            raise GenotypeError("concat is empty: the cell output needs at least one node")
        for c in concat:
            if not is_int(c) or not 0 <= c <= last:
                raise GenotypeError(f"concat: dangling output {c!r} is not a node "
                                    f"(this cell's nodes are 0..{last})")
        if len(set(concat)) != len(concat):
            raise GenotypeError(f"concat lists a node twice: {list(concat)}")
        concat = tuple(int(c) for c in concat)
        return None if concat == tuple(range(self.n_inputs, last + 1)) else concat

    # ------------------------------------------------------------------ views
    @property
    def n_nodes(self) -> int:
        """Number of intermediate nodes."""
        return len(self.nodes)

    @property
    def edges(self) -> list[tuple[int, int, str]]:
        """Every edge as (src, dst, op), global numbering, in node order."""
        return [(src, self.n_inputs + i, op) for i, node in enumerate(self.nodes) for op, src in node]

    @property
    def output_nodes(self) -> tuple[int, ...]:
        """Global numbers of the nodes whose outputs form the cell output (concat resolved)."""
        if self.concat is not None:
            return self.concat
        return tuple(range(self.n_inputs, self.n_inputs + self.n_nodes))

    # ------------------------------------------------------------------ formats
    def to_string(self) -> str:
        """'|op~src|op~src|+|...|', one group per intermediate node."""
        return "+".join("|" + "|".join(f"{op}~{src}" for op, src in node) + "|" for node in self.nodes)

    @classmethod
    def from_string(cls, s: str, **spec) -> "Cell":
        """Parse `to_string`'s format; spec (n_inputs, primitives, edges_per_node, concat) goes
        to the constructor. Never evaluates the string."""
        if not isinstance(s, str):
            raise GenotypeError(f"expected a cell string, got {type(s).__name__}: {s!r}")
        s = s.strip()
        if not s:
            raise GenotypeError(f"empty cell string: {_FORMAT}")
        return cls(tuple(_parse_group(g, i) for i, g in enumerate(s.split("+"))), **spec)

    @classmethod
    def from_darts(cls, pairs, n_inputs: int = 2, edges_per_node: int | str = 2,
                   primitives=DARTS_PRIMITIVES, concat=None) -> "Cell":
        """From the official DARTS flat list [(op, src), ...]: edges_per_node consecutive pairs
        per node (with "all": n_inputs + i pairs for node i)."""
        pairs = list(pairs)
        if edges_per_node is None:
            raise GenotypeError("from_darts needs edges_per_node (an int or 'all') to split the "
                                "flat list into nodes")
        nodes, start, i = [], 0, 0
        while start < len(pairs):
            size = n_inputs + i if edges_per_node == "all" else edges_per_node
            if not is_int(size) or size < 1:
                raise GenotypeError(f"edges_per_node must be an int >= 1 or 'all', got {edges_per_node!r}")
            if start + size > len(pairs):
                raise GenotypeError(f"wrong number of edges: {len(pairs)} pairs do not split into "
                                    f"nodes of edges_per_node={edges_per_node!r}; the last node "
                                    f"(intermediate node {i}) has only {len(pairs) - start}")
            nodes.append(tuple(pairs[start:start + size]))
            start, i = start + size, i + 1
        return cls(tuple(nodes), n_inputs=n_inputs, primitives=primitives,
                   edges_per_node=edges_per_node, concat=concat)

    def to_darts(self) -> list[tuple[str, int]]:
        """The official DARTS flat list [(op, src), ...], node after node."""
        return [edge for node in self.nodes for edge in node]


def _parse_group(group: str, i: int) -> tuple[tuple[str, int], ...]:
    """'|op~src|op~src|' -> ((op, src), ...): group i holds the edges of intermediate node i."""
    if not group:
        raise GenotypeError(f"empty group {i} (two '+' in a row, or a '+' at an end): {_FORMAT}")
    if len(group) < 2 or group[0] != "|" or group[-1] != "|":
        raise GenotypeError(f"group {i} {group!r} must start and end with '|': {_FORMAT}")
    inner = group[1:-1]
    if not inner:
        raise GenotypeError(f"empty group {i} {group!r}: a node needs at least one 'op~src' edge")
    edges = []
    for j, tok in enumerate(inner.split("|")):
        if tok.count("~") != 1:
            raise GenotypeError(f"group {i}, edge {j}: expected 'op~src' with one '~', got {tok!r} "
                                f"(in {group!r})")
        op, src = tok.split("~")
        digits = src[1:] if src.startswith("-") else src
        if not op or not (digits.isascii() and digits.isdigit()):
            what = "an op name" if not op else "an integer source"
            raise GenotypeError(f"group {i}, edge {j}: expected 'op~src' with {what}, got {tok!r} "
                                f"(in {group!r})")
        edges.append((op, int(src)))
    return tuple(edges)


@dataclass(frozen=True)
class Genotype:
    """A DARTS/NASNet-style architecture: a normal cell and a reduction cell."""

    normal: Cell
    reduce: Cell

    def __post_init__(self):
        for name in ("normal", "reduce"):
            if not isinstance(getattr(self, name), Cell):
                raise GenotypeError(f"Genotype.{name} must be a Cell, got {type(getattr(self, name)).__name__}")

    def to_string(self) -> str:
        """'normal=<cell string> reduce=<cell string>'."""
        return f"normal={self.normal.to_string()} reduce={self.reduce.to_string()}"

    @classmethod
    def from_string(cls, s: str, **spec) -> "Genotype":
        """Parse `to_string`'s format; spec goes to both cells (see Cell.from_string)."""
        if not isinstance(s, str):
            raise GenotypeError(f"expected a genotype string, got {type(s).__name__}: {s!r}")
        parts = {}
        for tok in s.split():
            name, eq, cell = tok.partition("=")
            if not eq or name not in ("normal", "reduce"):
                raise GenotypeError(f"unexpected part {tok!r}: expected 'normal=<cell string> "
                                    "reduce=<cell string>'")
            if name in parts:
                raise GenotypeError(f"the {name} cell is given twice in {s!r}")
            parts[name] = cell
        missing = [n for n in ("normal", "reduce") if n not in parts]
        if missing:
            raise GenotypeError(f"the {' and '.join(missing)} cell is missing: expected "
                                f"'normal=<cell string> reduce=<cell string>', got {s!r}")
        return cls(Cell.from_string(parts["normal"], **spec), Cell.from_string(parts["reduce"], **spec))


# DARTS (second order), the published CIFAR-10 cells (Liu et al. 2019, arXiv 1806.09055, fig. 4):
# DARTS_V2 from the official DARTS code, cnn/genotypes.py (github.com/quark0/darts),
# normal_concat = reduce_concat = [2, 3, 4, 5].
DARTS_V2 = Genotype(
    normal=Cell.from_darts([("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0),
                            ("sep_conv_3x3", 1), ("sep_conv_3x3", 1), ("skip_connect", 0),
                            ("skip_connect", 0), ("dil_conv_3x3", 2)], concat=(2, 3, 4, 5)),
    reduce=Cell.from_darts([("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2),
                            ("max_pool_3x3", 1), ("max_pool_3x3", 0), ("skip_connect", 2),
                            ("skip_connect", 2), ("max_pool_3x3", 1)], concat=(2, 3, 4, 5)),
)
