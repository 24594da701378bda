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
from dataclasses import dataclass
from math import comb

import numpy as np

from .. import checks
from ..genotypes import DARTS_PRIMITIVES, Cell, GenotypeError
from ..networks import CellNetwork
from .base import Space, check_choices, check_names, register

DARTS_OPS = tuple(op for op in DARTS_PRIMITIVES if op != "none")


def count(n_nodes: int = 4, n_ops: int = 7, n_inputs: int = 2, k: int = 2) -> int:
    """Number of distinct discrete cells (ordered edge lists count once: the pair of
    predecessors is a set, and each predecessor gets its own op)."""
    total = 1
    for i in range(n_nodes):
        total *= comb(n_inputs + i, k) * n_ops ** k
    return total


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


@register("darts")
@dataclass(frozen=True)
class DartsSpace(Space):
    """One DARTS cell; `build` uses it as both the normal and the reduction cell (the tour's
    networks). An architecture is a `genotypes.Cell` with `k` edges per node."""

    n_nodes: int = 4                  # intermediate nodes (DARTS: 4)
    ops: tuple[str, ...] = DARTS_OPS  # candidate ops of a kept edge (DARTS: 7, 'none' dropped)
    n_inputs: int = 2                 # cell inputs: the outputs of the two previous cells
    k: int = 2                        # edges kept per node (DARTS: the 2 strongest)

    def __post_init__(self):
        checks.integer("darts n_nodes", self.n_nodes, min=1)
        checks.integer("darts n_inputs", self.n_inputs, min=1)
        checks.integer("darts k (edges per node)", self.k, min=1, max=self.n_inputs)
        object.__setattr__(self, "ops", check_names("darts ops", self.ops))

    @property
    def size(self) -> int:
        return count(self.n_nodes, len(self.ops), self.n_inputs, self.k)

    def sample(self, rng: np.random.Generator) -> Cell:
        return sample(rng, self.n_nodes, self.ops, self.n_inputs, self.k)

    def _cell(self, nodes) -> Cell:
        return Cell(tuple(tuple(sorted(n, key=lambda e: e[1])) for n in nodes), n_inputs=self.n_inputs,
                    primitives=self.ops, edges_per_node=self.k)

    def neighbours(self, cell: Cell) -> list[Cell]:
        """Every cell one change away: one edge gets another op, or another source not yet
        read by its node (`mutate` draws one of them)."""
        out = []
        for i, node in enumerate(cell.nodes):
            taken = {s for _, s in node}
            for j, (op, src) in enumerate(node):
                changes = [(o, src) for o in self.ops if o != op]
                changes += [(op, s) for s in range(self.n_inputs + i) if s not in taken]
                out += [self._cell(cell.nodes[:i] + (node[:j] + (e,) + node[j + 1:],) + cell.nodes[i + 1:])
                        for e in changes]
        return out

    def encode(self, cell: Cell) -> np.ndarray:
        """One-hot op per possible edge (node i, source s), zeros where the edge is absent:
        sum_i (n_inputs + i) * n_ops float32s (4 nodes, 7 ops: 98)."""
        rows = []
        for i, node in enumerate(cell.nodes):
            x = np.zeros((self.n_inputs + i, len(self.ops)), np.float32)  # (sources, ops)
            for op, src in node:
                x[src, self.ops.index(op)] = 1.0
            rows.append(x.ravel())
        return np.concatenate(rows)

    def _pairs(self, i: int) -> list[tuple[int, ...]]:
        """The sets of k sources node i may read, in a fixed order (C(n_inputs + i, k))."""
        return list(itertools.combinations(range(self.n_inputs + i), self.k))

    def token_steps(self) -> list[tuple[str, int]]:
        """Per node i: which k sources (one of C(n_inputs + i, k) sets), then an op for each,
        so that every token sequence is a cell (`count`'s product, decision by decision)."""
        return [step for i in range(self.n_nodes)
                for step in [("choice", comb(self.n_inputs + i, self.k))] + [("choice", len(self.ops))] * self.k]

    def to_tokens(self, cell: Cell) -> list[int]:
        return [t for i, node in enumerate(cell.nodes)
                for t in [self._pairs(i).index(tuple(src for _, src in node))] + [self.ops.index(op) for op, _ in node]]

    def from_tokens(self, tokens) -> Cell:
        t, n = check_choices(tokens, self.token_steps(), GenotypeError), 1 + self.k
        return self._cell([tuple((self.ops[o], src) for o, src in zip(t[n * i + 1:n * (i + 1)], self._pairs(i)[t[n * i]]))
                           for i in range(self.n_nodes)])

    def build(self, cell: Cell, **net) -> CellNetwork:
        """CellNetwork(cell, **net): the cell as normal and reduction cell (C, layers, ...)."""
        return CellNetwork(cell, **net)

    def from_string(self, s: str) -> Cell:
        return Cell.from_string(s, n_inputs=self.n_inputs, primitives=self.ops, edges_per_node=self.k)

    def to_cell(self, cell: Cell) -> Cell:
        return cell
