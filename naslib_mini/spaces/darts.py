"""The DARTS-style cell space (Liu et al. 2019, arXiv 1806.09055, section 2.1).

A cell has `n_inputs` inputs (the two previous cells) and `n_nodes` intermediate nodes;
node i picks `k` distinct earlier states (inputs or nodes before it) and one op for each
chosen edge; the cell output concatenates the intermediate nodes. 'none' is never chosen
in a discrete cell (DARTS drops it when deriving), so ops come from the rest.

Exact size of one cell:  prod_{i=0}^{n_nodes-1} C(n_inputs + i, k) * n_ops^k
(DARTS, 4 nodes, 7 ops: 1,037,664,180 ~ 1e9 per cell, ~1e18 for a normal and a reduction cell).
"""
from __future__ import annotations

import itertools
from math import comb

import numpy as np

from ..genotypes import DARTS_PRIMITIVES, Cell

DARTS_OPS = tuple(op for op in DARTS_PRIMITIVES if op != "none")


def count(n_nodes: int = 4, n_ops: int = 7, n_inputs: int = 2, k: int = 2) -> int:
    """Number of distinct discrete cells (ordered edge lists count once: the pair of
    predecessors is a set, and each predecessor gets its own op)."""
    total = 1
    for i in range(n_nodes):
        total *= comb(n_inputs + i, k) * n_ops ** k
    return total


def size(n_nodes: int = 4, ops=DARTS_OPS, n_inputs: int = 2, k: int = 2) -> int:
    """`count` for the interface every space shares (`spaces.get`)."""
    return count(n_nodes, len(ops), n_inputs, k)


def sample(rng: np.random.Generator, n_nodes: int = 4, ops=DARTS_OPS, n_inputs: int = 2,
           k: int = 2) -> Cell:
    """A uniformly random cell of the space."""
    nodes = []
    for i in range(n_nodes):
        srcs = sorted(rng.choice(n_inputs + i, size=k, replace=False).tolist())
        nodes.append(tuple((ops[rng.integers(len(ops))], s) for s in srcs))
    return Cell(tuple(nodes), n_inputs=n_inputs, primitives=tuple(ops), edges_per_node=k)


def enumerate_cells(n_nodes: int = 2, ops=DARTS_OPS, n_inputs: int = 2, k: int = 2):
    """Every cell of a small space, in a fixed order (for checking `count` by brute force)."""
    per_node = []
    for i in range(n_nodes):
        choices = []
        for srcs in itertools.combinations(range(n_inputs + i), k):
            for op_tuple in itertools.product(ops, repeat=k):
                choices.append(tuple(zip(op_tuple, srcs)))
        per_node.append(choices)
    for nodes in itertools.product(*per_node):
        yield Cell(tuple(nodes), n_inputs=n_inputs, primitives=tuple(ops), edges_per_node=k)


def mutate(cell: Cell, rng: np.random.Generator) -> Cell:
    """Change one random edge: either its op or its source (kept distinct within the node)."""
    nodes = [list(node) for node in cell.nodes]
    i = int(rng.integers(len(nodes)))
    j = int(rng.integers(len(nodes[i])))
    op, src = nodes[i][j]
    ops = [o for o in cell.primitives if o != "none"]
    if rng.random() < 0.5 and len(ops) > 1:
        op = rng.choice([o for o in ops if o != op]).item()
    else:
        taken = {s for _, s in nodes[i]}
        free = [s for s in range(cell.n_inputs + i) if s not in taken]
        if free:
            src = int(rng.choice(free))
    nodes[i][j] = (op, src)
    nodes[i].sort(key=lambda e: e[1])
    return Cell(tuple(tuple(n) for n in nodes), n_inputs=cell.n_inputs,
                primitives=cell.primitives, edges_per_node=cell.edges_per_node)


def neighbours(cell: Cell) -> list[Cell]:
    """Every cell one change away: one edge gets another op, or another source not yet read
    by its node (the same two kinds of change as `mutate`)."""
    ops = [o for o in cell.primitives if o != "none"]
    out = []
    for i, node in enumerate(cell.nodes):
        taken = {s for _, s in node}
        for j, (op, src) in enumerate(node):
            changes = [(o, src) for o in ops if o != op]
            changes += [(op, s) for s in range(cell.n_inputs + i) if s not in taken]
            for edge in changes:
                new = sorted(node[:j] + (edge,) + node[j + 1:], key=lambda e: e[1])
                nodes = cell.nodes[:i] + (tuple(new),) + cell.nodes[i + 1:]
                out.append(Cell(nodes, n_inputs=cell.n_inputs, primitives=cell.primitives,
                                edges_per_node=cell.edges_per_node))
    return out


def encode(cell: Cell) -> np.ndarray:
    """One-hot op per possible edge (node i, source s), zeros where the edge is absent:
    sum_i (n_inputs + i) * n_ops float32s (4 nodes, 7 ops: 98)."""
    ops = [o for o in cell.primitives if o != "none"]
    rows = []
    for i, node in enumerate(cell.nodes):
        x = np.zeros((cell.n_inputs + i, len(ops)), np.float32)  # (sources, ops)
        for op, src in node:
            x[src, ops.index(op)] = 1.0
        rows.append(x.ravel())
    return np.concatenate(rows)
