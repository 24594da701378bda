"""The NAS-Bench-201 cell space (Dong & Yang 2020, arXiv 2001.00326, section 2.1).

A cell is a DAG of 4 nodes: node 0 is the cell input, node 3 the cell output. Every pair
i < j is joined by one edge carrying one of 5 ops, and

    node_j = sum_{i < j} op_ij(node_i)        every node (B, C, H, W)

so there are 5^6 = 15,625 cells. Edges are always listed in ``EDGES`` order,
(0,1), (0,2), (1,2), (0,3), (1,3), (2,3): grouped by target node, as in the canonical string

    |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|

(group k lists the incoming edges of node k as "op~source", sources 0..k-1 in order).

Index convention (ours, not the row number of the official NAS-Bench-201 file): a cell's
index is its 6 op ids (positions in ``OPS``) read as a base-5 number, first edge (0,1) the
most significant digit: index = sum_e OPS.index(op_e) * 5 ** (5 - e). Index 0 is the
all-'none' cell, 15,624 the all-'avg_pool_3x3' cell.

Equivalence ("cells that compute the same function"), as implemented by ``canonical``:
  1. drop every 'none' edge (it adds zero);
  2. drop every edge not on a path from node 0 to node 3 through the remaining edges (its
     source unreachable from node 0, or its target unable to reach node 3);
  3. two cells are equivalent when the remaining labelled graphs, sets of (src, dst, op),
     are isomorphic with nodes 0 and 3 fixed: only nodes 1 and 2 may swap.
  The key is the min over the identity and the 1<->2 swap of the sorted edge tuple. Every
  cell with no 0 -> 3 path prunes to the empty graph, so they form one class (key ``()``).
  skip_connect stays an edge like any other (it is not merged away as the identity).

  Step 2 assumes that an op applied to a node that computes zero gives zero. That holds for
  skip_connect and avg_pool_3x3, and for nor_conv (ReLU -> conv -> BN) only while BatchNorm's
  shift is zero: ReLU(0) = 0 and conv(0) = 0, but BN(0) = beta in training mode (and
  beta - gamma * mean / sqrt(var + eps) in eval mode), a learned constant. A conv whose input
  node is zero and whose output reaches node 3 therefore adds that constant to the cell's
  output (``bn_shift_edges``): at initialisation (beta = 0) the cells of a class compute the
  same function, once BN's shift is trained they need not. ``bn_shift_cells()`` finds them:
  2,140 cells in 85 of our classes (tests/test_nb201_facts.py builds such a cell and checks
  that its output moves by exactly the shift).

NAS-Bench-201's own key is a different partition, not a coarser one. Its code
(D-X-Y/AutoDL-Projects, xautodl/models/cell_searchs/genotypes.py, ``Structure.to_unique_str``,
ported as ``unique_str``) writes each node as the sorted sum of its incoming terms, treats
skip_connect as the identity (a conv behind a skip edge, conv(skip(x)), gives the same term
as a conv on x itself) and, with ``consider_zero=True`` (the setting behind its 6,466 unique
cells), writes a zero term ``#`` for a 'none' edge but keeps it in the sum. The two
partitions are not nested (``compare_partitions``, computed by enumerating all 15,625 cells):
its strings keep the zero terms, so they split every one of our 685 classes with more than one
cell, while treating skip_connect as the identity makes 1,299 of its strings span several of
our classes. With the zero terms dropped (``unique_str(..., drop_zeros=True)``) it has 5,390
classes, and ours (8,765) refine those: every class of ours lies inside one of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from .. import checks
from ..genotypes import Cell, GenotypeError
from ..ops import ReLUConvBN, make_op
from .base import Space, check_choices, register

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
N_NODES = 4
NUM_CELLS = len(OPS) ** len(EDGES)  # 15,625
_OP_ID = {op: k for k, op in enumerate(OPS)}
FREE_OPS = ("none", "skip_connect", "avg_pool_3x3")  # the parameter-free ops (3/5 of a random cell)
TOKEN_STEPS = [("choice", len(OPS))] * len(EDGES)  # one op choice per edge
_SWAP = (0, 2, 1, 3)  # node relabelling that exchanges the two intermediate nodes


class NB201Error(ValueError):
    """A cell that is not in the NAS-Bench-201 space (bad index, op list or string)."""


# ------------------------------------------------------------------ cell <-> index / string
def _check_ops(ops) -> tuple[str, ...]:
    ops = tuple(ops)
    if len(ops) != len(EDGES):
        raise NB201Error(f"a cell has {len(EDGES)} ops (one per edge, in EDGES order "
                         f"{EDGES}), got {len(ops)}: {ops!r}")
    for op, (i, j) in zip(ops, EDGES):
        checks.known("op", op, OPS, f"edge {i}->{j}", NB201Error, "NAS-Bench-201 ops")
    return tuple(str(op) for op in ops)


def index_to_ops(index: int) -> tuple[str, ...]:
    """The 6 op names (EDGES order) of cell `index`: its base-5 digits, edge (0,1) first."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise NB201Error(f"a cell index is an int, got {type(index).__name__}: {index!r}")
    index = int(index)
    if not 0 <= index < NUM_CELLS:
        raise NB201Error(f"cell index {index} outside 0..{NUM_CELLS - 1}")
    n = len(EDGES)
    return tuple(OPS[index // len(OPS) ** (n - 1 - e) % len(OPS)] for e in range(n))


def ops_to_index(ops) -> int:
    """Inverse of `index_to_ops`: sum_e OPS.index(op_e) * 5 ** (5 - e)."""
    index = 0
    for op in _check_ops(ops):
        index = index * len(OPS) + _OP_ID[op]
    return index


def ops_to_string(ops) -> str:
    """The canonical NAS-Bench-201 string, e.g. '|nor_conv_3x3~0|+|...~0|...~1|+|...|'."""
    ops = _check_ops(ops)
    groups = [[f"{op}~{i}" for op, (i, j) in zip(ops, EDGES) if j == node]
              for node in range(1, N_NODES)]
    return "+".join("|" + "|".join(g) + "|" for g in groups)


def to_ops(cell) -> tuple[str, ...]:
    """Any cell description -> 6 op names: an index, an op tuple/list, a canonical string or
    a `genotypes.Cell` of the NAS-Bench-201 form (`to_cell`'s)."""
    if isinstance(cell, str):
        return _parse(cell)
    if isinstance(cell, (int, np.integer)) and not isinstance(cell, bool):
        return index_to_ops(cell)
    if isinstance(cell, (tuple, list, np.ndarray)):
        return _check_ops(cell)
    if isinstance(cell, Cell):
        if cell.n_inputs != 1 or cell.output_nodes != (N_NODES - 1,):
            raise NB201Error(f"a NAS-Bench-201 Cell has one input and node {N_NODES - 1} as its "
                             f"output, got n_inputs={cell.n_inputs}, outputs {cell.output_nodes}")
        return _parse(cell.to_string())
    raise NB201Error(f"expected a cell index, op tuple, string or Cell, got {type(cell).__name__}")


def _parse(s: str) -> tuple[str, ...]:
    """A canonical string -> 6 op names: `genotypes.Cell.from_string` (plain string
    operations, never eval) with NAS-Bench-201's form: 3 nodes, one edge from every earlier node."""
    if s.strip().count("+") != N_NODES - 2:
        raise NB201Error(f"a cell string has {N_NODES - 1} groups joined by '+' (the incoming "
                         f"edges of nodes 1..{N_NODES - 1}), got {s.strip().count('+') + 1} in {s!r}")
    try:
        cell = Cell.from_string(s, n_inputs=1, primitives=OPS, edges_per_node="all")
    except GenotypeError as e:
        raise NB201Error(f"{e} (in {s!r}; NAS-Bench-201 ops: {', '.join(OPS)})") from None
    return tuple(op for _, _, op in cell.edges)  # node by node: EDGES order


def to_cell(cell) -> Cell:
    """The general `genotypes.Cell` of a NAS-Bench-201 cell (for drawing and CellNetwork):
    one input, three nodes, one edge from every earlier node, node 3 the output."""
    ops = to_ops(cell)
    groups, k = [], 0
    for j in range(1, N_NODES):
        groups.append(tuple((ops[k + i], i) for i in range(j)))
        k += j
    return Cell(tuple(groups), n_inputs=1, primitives=OPS, edges_per_node="all", concat=(N_NODES - 1,))


@lru_cache(maxsize=1 << 16)
def _index_of(cell) -> int:  # strings and op tuples: parsed once, then a dict lookup
    return ops_to_index(to_ops(cell))


def cell_index(cell) -> int:
    """Any cell description (index, 6 op names, string, Cell) -> its index 0..15624, checked."""
    if isinstance(cell, (int, np.integer)) and not isinstance(cell, bool):
        if not 0 <= cell < NUM_CELLS:
            raise NB201Error(f"cell index {int(cell)} outside 0..{NUM_CELLS - 1}")
        return int(cell)
    if isinstance(cell, (list, np.ndarray)):
        cell = tuple(cell)
    try:
        return _index_of(cell)
    except TypeError:  # unhashable: let the parser name the problem
        return ops_to_index(to_ops(cell))


# ------------------------------------------------------------------ equivalence
def _pruned(ops: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Steps 1-2 of the equivalence: the (src, dst, op) edges on some 0 -> 3 path."""
    live = [(i, j, op) for (i, j), op in zip(EDGES, ops) if op != "none"]
    reach = {0}  # EDGES is sorted by target, so one forward pass settles reachability
    for i, j, _ in live:
        if i in reach:
            reach.add(j)
    coreach = {N_NODES - 1}  # and one backward pass settles "can reach node 3"
    for i, j, _ in reversed(live):
        if j in coreach:
            coreach.add(i)
    return [(i, j, op) for i, j, op in live if i in reach and j in coreach]


def _key(ops: tuple[str, ...]) -> tuple:
    edges = _pruned(ops)
    same = tuple(sorted(edges))
    swapped = tuple(sorted((_SWAP[i], _SWAP[j], op) for i, j, op in edges))
    return min(same, swapped)


@lru_cache(maxsize=None)
def _tables():
    """(class id per cell (15625,), members per class, key per class); built once (~0.3 s)."""
    members: dict[tuple, list[int]] = {}
    for index in range(NUM_CELLS):  # increasing, so classes come out sorted by first member
        members.setdefault(_key(index_to_ops(index)), []).append(index)
    class_id = np.empty(NUM_CELLS, np.int64)
    for k, idx in enumerate(members.values()):
        class_id[idx] = k
    class_id.flags.writeable = False
    return class_id, tuple(tuple(m) for m in members.values()), tuple(members)


def canonical(cell) -> tuple:
    """The equivalence-class key: a sorted tuple of (src, dst, op); () when disconnected."""
    class_id, _, keys = _tables()
    return keys[class_id[cell_index(cell)]]


def equivalence_classes() -> list[list[int]]:
    """All 15,625 indices grouped by `canonical`; each class sorted, classes by first member."""
    return [list(m) for m in _tables()[1]]


def class_id(cell) -> int:
    """Position of the cell's class in `equivalence_classes()`."""
    return int(_tables()[0][cell_index(cell)])


def class_of(cell) -> list[int]:
    """The indices of all cells equivalent to `cell` (itself included), sorted."""
    class_ids, members, _ = _tables()
    return list(members[class_ids[cell_index(cell)]])


def num_unique() -> int:
    """The number of equivalence classes (distinct functions) in the space."""
    return len(_tables()[1])


def is_connected(cell) -> bool:
    """Does a path of non-'none' edges lead from node 0 to node 3?"""
    return len(_pruned(to_ops(cell))) > 0


# ------------------------------------------------------------------ where the equivalence stops
CONVS = ("nor_conv_1x1", "nor_conv_3x3")  # ReLU -> conv -> BN: BN(0) = its shift, not 0


def bn_shift_edges(cell) -> list[tuple[int, int, str]]:
    """The conv edges (src, dst, op) that read a node computing zero (no path of non-'none'
    edges from node 0 reaches it) and write into a node that reaches node 3. Each adds its
    BatchNorm's shift to the cell's output, a constant that `canonical` (which drops such
    edges as zero) ignores; empty for most cells."""
    ops = to_ops(cell)
    live = [(i, j, op) for (i, j), op in zip(EDGES, ops) if op != "none"]
    reach = {0}
    for i, j, _ in live:  # EDGES is sorted by target: one forward pass
        if i in reach:
            reach.add(j)
    coreach = {N_NODES - 1}
    for i, j, _ in reversed(live):
        if j in coreach:
            coreach.add(i)
    return [(i, j, op) for i, j, op in live if op in CONVS and i not in reach and j in coreach]


def bn_shift_cells() -> np.ndarray:
    """Indices (sorted) of the cells with at least one `bn_shift_edges` edge: the cells whose
    function differs from the rest of their class once BatchNorm's shift is non-zero."""
    return np.array([k for k in range(NUM_CELLS) if bn_shift_edges(index_to_ops(k))], np.int64)


# ------------------------------------------------------------------ NAS-Bench-201's own key
def unique_str(cell, consider_zero: bool | None = False, drop_zeros: bool = False) -> str:
    """NAS-Bench-201's canonical string of a cell: a port of ``Structure.to_unique_str`` in
    D-X-Y/AutoDL-Projects (xautodl/models/cell_searchs/genotypes.py).

    Node 0 is '0'; node j is the '+'-join of the sorted terms of its incoming edges, where an
    edge op from node i gives
      consider_zero=None : '(' + node_i + ')@' + op for every op ('none' and skip included);
      consider_zero=False: node_i for skip_connect (the identity), else '(' + node_i + ')@' + op;
      consider_zero=True : '#' (zero) for 'none' or when node_i is '#', node_i for
                           skip_connect, else '(' + node_i + ')@' + op.
    The string of node 3 is returned. consider_zero=True gives NAS-Bench-201's 6,466 classes
    (NATS-Bench's "unique string" column). Its '#' terms stay in the sum, so a cell with a dead
    edge differs from the same cell without it; drop_zeros=True (ours, not in their code)
    removes them: a 'none' edge or any op on a zero node adds no term, a node with no term is
    zero."""
    if consider_zero not in (None, False, True):
        raise ValueError(f"consider_zero must be None, False or True, got {consider_zero!r}")
    if drop_zeros and consider_zero is not True:
        raise ValueError("drop_zeros=True drops the zero terms of consider_zero=True; pass "
                         f"consider_zero=True (got {consider_zero!r})")
    ops = to_ops(cell)
    nodes = {0: "0"}
    for j in range(1, N_NODES):
        terms = []
        for (i, t), op in zip(EDGES, ops):
            if t != j:
                continue
            src = nodes[i]
            if consider_zero is None:
                terms.append(f"({src})@{op}")
            elif consider_zero and (op == "none" or src == "#" or (drop_zeros and src is None)):
                if not drop_zeros:
                    terms.append("#")
            elif op == "skip_connect":
                terms.append(src)
            else:
                terms.append(f"({src})@{op}")
        nodes[j] = "+".join(sorted(terms)) if terms or not drop_zeros else None
    return nodes[N_NODES - 1] if nodes[N_NODES - 1] is not None else "#"


def compare_partitions(consider_zero: bool | None = True, drop_zeros: bool = False) -> dict:
    """Our classes against the classes of `unique_str(consider_zero, drop_zeros)`, by
    enumerating all 15,625 cells: {"ours", "theirs": number of classes; "ours_split": our
    classes whose cells get several of its strings; "theirs_spanning": its strings whose cells
    fall in several of our classes; "ours_refine": every class of ours inside one of its}."""
    ours = _tables()[0]
    theirs = [unique_str(index_to_ops(k), consider_zero, drop_zeros) for k in range(NUM_CELLS)]
    per_ours: dict[int, set] = {}
    per_theirs: dict[str, set] = {}
    for k, s in enumerate(theirs):
        per_ours.setdefault(int(ours[k]), set()).add(s)
        per_theirs.setdefault(s, set()).add(int(ours[k]))
    split = sum(len(v) > 1 for v in per_ours.values())
    return {"ours": len(per_ours), "theirs": len(per_theirs), "ours_split": split,
            "theirs_spanning": sum(len(v) > 1 for v in per_theirs.values()),
            "ours_refine": split == 0}


# ------------------------------------------------------------------ tokens
def to_tokens(cell) -> list[int]:
    """The controller's and NAO's view: 6 op ids (positions in OPS), EDGES order."""
    return [_OP_ID[op] for op in to_ops(cell)]


def from_tokens(tokens) -> tuple[str, ...]:
    """6 op ids -> 6 op names; NB201Error names a token outside 0..4."""
    return tuple(OPS[t] for t in check_choices(tokens, TOKEN_STEPS, NB201Error))


# ------------------------------------------------------------------ networks
class NB201Cell(nn.Module):
    """node_j = sum_{i<j} op_ij(node_i); every op is make_op(op, C, C, 1). (B,C,H,W) -> same."""

    def __init__(self, cell, C: int):
        super().__init__()
        self.ops = to_ops(cell)
        self.edges = nn.ModuleList(make_op(op, C, C, 1) for op in self.ops)

    def forward(self, x):  # (B, C, H, W)
        nodes = [x]
        for j in range(1, N_NODES):
            nodes.append(sum(self.edges[e](nodes[i]) for e, (i, t) in enumerate(EDGES) if t == j))
        return nodes[-1]  # (B, C, H, W)

    def extra_repr(self) -> str:
        return ops_to_string(self.ops)


class ResBlock(nn.Module):
    """NAS-Bench-201's ResNetBasicblock: out = b(a(x)) + shortcut(x).

    a = ReLUConvBN(C_in, C_out, 3, stride, 1), b = ReLUConvBN(C_out, C_out, 3, 1, 1);
    shortcut at stride 2 = AvgPool2d(2, 2) -> Conv2d(C_in, C_out, 1) (ceil_mode so odd sizes
    match the conv; identical to the original on even sizes). (B, C_in, H, W) -> (B, C_out, H/2, W/2).
    """

    def __init__(self, C_in: int, C_out: int, stride: int = 2):
        super().__init__()
        self.a = ReLUConvBN(C_in, C_out, 3, stride, 1)
        self.b = ReLUConvBN(C_out, C_out, 3, 1, 1)
        if stride == 2:
            self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2, ceil_mode=True),
                                          nn.Conv2d(C_in, C_out, 1, bias=False))
        elif C_in != C_out:
            self.shortcut = ReLUConvBN(C_in, C_out, 1, 1, 0)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        return self.b(self.a(x)) + self.shortcut(x)


class NB201Network(nn.Module):
    """NAS-Bench-201's macro skeleton with one cell repeated everywhere:

    stem (conv3x3 + BN, C) -> N cells (C) -> ResBlock (2C, /2) -> N cells (2C)
    -> ResBlock (4C, /2) -> N cells (4C) -> BN, ReLU, global avg pool -> Linear(4C, classes).
    (B, in_channels, H, W) -> logits (B, num_classes). The paper uses C=16, N=5 on 32x32.
    stages < 3 keeps only the first stages (stages=1: stem, N cells, head; no reduction), so
    that on tiny images the cells, not the residual blocks, hold the network's capacity.
    """

    def __init__(self, cell, C: int = 16, N: int = 5, num_classes: int = 10, in_channels: int = 3,
                 stages: int = 3):
        super().__init__()
        self.ops = to_ops(cell)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(C))
        if stages not in (1, 2, 3):
            raise NB201Error(f"stages must be 1, 2 or 3, got {stages}")
        widths = (C, 2 * C, 4 * C)[:stages]
        layers = []
        for stage, C_stage in enumerate(widths):
            if stage:
                layers.append(ResBlock(C_stage // 2, C_stage, 2))
            layers.extend(NB201Cell(self.ops, C_stage) for _ in range(N))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(widths[-1]), nn.ReLU(inplace=False))
        self.classifier = nn.Linear(widths[-1], num_classes)

    def forward(self, x):  # (B, in_channels, H, W)
        x = self.lastact(self.cells(self.stem(x)))  # (B, widths[-1], H', W')
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


@register("nb201")
@dataclass(frozen=True)
class NB201Space(Space):
    """The NAS-Bench-201 cell space (no settings). An architecture is a tuple of 6 op names
    in EDGES order; every method accepts any cell description `to_ops` reads."""

    size = NUM_CELLS
    to_tokens = staticmethod(to_tokens)
    from_tokens = staticmethod(from_tokens)
    to_string = staticmethod(ops_to_string)
    from_string = staticmethod(to_ops)
    to_cell = staticmethod(to_cell)

    def sample(self, rng: np.random.Generator) -> tuple[str, ...]:
        """A uniformly random cell (each edge's op drawn independently)."""
        return tuple(OPS[k] for k in rng.integers(len(OPS), size=len(EDGES)))

    def mutate(self, ops, rng: np.random.Generator) -> tuple[str, ...]:
        """Change one uniformly chosen edge to a uniformly chosen different op."""
        ops = list(to_ops(ops))
        e = int(rng.integers(len(EDGES)))
        ops[e] = [op for op in OPS if op != ops[e]][int(rng.integers(len(OPS) - 1))]
        return tuple(ops)

    def neighbours(self, ops) -> list[tuple[str, ...]]:
        """All 6 * 4 = 24 cells that differ from `ops` on exactly one edge."""
        ops = to_ops(ops)
        return [ops[:e] + (op,) + ops[e + 1:] for e in range(len(EDGES)) for op in OPS if op != ops[e]]

    def encode(self, ops) -> np.ndarray:
        """One-hot (edge, op) matrix (6, 5) flattened to 30 float32s, for surrogate models."""
        x = np.zeros((len(EDGES), len(OPS)), np.float32)
        x[np.arange(len(EDGES)), to_tokens(ops)] = 1.0
        return x.ravel()

    def token_steps(self) -> list[tuple[str, int]]:
        return list(TOKEN_STEPS)

    def build(self, arch, **net) -> NB201Network:
        """NB201Network(arch, **net): C, N, num_classes, in_channels, stages."""
        return NB201Network(arch, **net)
