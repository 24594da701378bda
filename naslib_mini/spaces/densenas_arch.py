"""A DenseNAS architecture (Fang et al. 2020, arXiv 1906.09607): a path through the lattice of
routing blocks (`spaces.densenas.DenseSpace`) with a head op and the stacked ops of every
routing block on it.

String format (parsed without eval): blocks joined by " -> ", a routing block written as
``j(head_op; stack_op, stack_op, ...)``:

    0 -> 2(mbconv_k3_e6; mbconv_k5_e3, skip_connect) -> 3(mbconv_k3_e3; mbconv_k7_e6) -> 4
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import checks
from ..ops import MBCONV_OPS
from ..utils import is_int

HEAD_OPS = MBCONV_OPS                       # 6 head-layer candidates (paper, official config)
STACK_OPS = MBCONV_OPS + ("skip_connect",)  # 7 stacked-layer candidates

if TYPE_CHECKING:  # annotations only: spaces.densenas imports this module
    from .densenas import DenseSpace


class DenseNASError(ValueError):
    """A malformed DenseNAS space, architecture or architecture string."""


@dataclass(frozen=True)
class DenseArch:
    """One architecture of a DenseSpace.

    path:      block indices 0 = path[0] < ... < path[-1] = the final block
    head_ops:  one HEAD_OPS name per routing block on the path (path[1:-1])
    stack_ops: per routing block on the path, one STACK_OPS name per stacked layer
    """

    path: tuple[int, ...]
    head_ops: tuple[str, ...]
    stack_ops: tuple[tuple[str, ...], ...]

    def __post_init__(self):
        object.__setattr__(self, "path", tuple(self.path))
        object.__setattr__(self, "head_ops", tuple(self.head_ops))
        object.__setattr__(self, "stack_ops", tuple(tuple(s) for s in self.stack_ops))
        if not self.path or self.path[0] != 0 or any(not is_int(b) for b in self.path):
            raise DenseNASError(f"a path is block indices starting at 0, got {self.path}")
        k = len(self.path) - 2
        if k < 0 or len(self.head_ops) != k or len(self.stack_ops) != k:
            raise DenseNASError(f"path {self.path} has {max(k, 0)} routing blocks but "
                                f"{len(self.head_ops)} head ops and {len(self.stack_ops)} stacks")
        for b, (h, stack) in enumerate(zip(self.head_ops, self.stack_ops)):
            checks.known("op", h, HEAD_OPS, f"block {self.path[b + 1]} head", DenseNASError)
            for s in stack:
                checks.known("op", s, STACK_OPS, f"block {self.path[b + 1]} stack", DenseNASError)

    def validate(self, space: DenseSpace) -> "DenseArch":
        """Raise DenseNASError unless this is an architecture of `space`; return self."""
        if self.path[-1] != space.last:
            raise DenseNASError(f"path {self.path} must end at the final block {space.last}")
        for i, j in zip(self.path, self.path[1:]):
            if not space.allowed(i, j):
                raise DenseNASError(f"no edge {i} -> {j} in this space (outgoing of {i}: "
                                    f"{space.outgoing(i)})")
        for j, stack in zip(self.path[1:-1], self.stack_ops):
            if len(stack) != space.layers[j]:
                raise DenseNASError(f"block {j} has {space.layers[j]} stacked layers, got {len(stack)} ops")
        return self

    def blocks(self):
        """(i, j, head_op, stack_ops) for each routing block j on the path, entered from i."""
        return [(self.path[b], self.path[b + 1], self.head_ops[b], self.stack_ops[b])
                for b in range(len(self.head_ops))]

    def depth(self) -> int:
        """Layers of the derived network (head layers and non-skip stacked layers)."""
        return sum(1 + sum(op != "skip_connect" for op in s) for s in self.stack_ops)

    def to_string(self) -> str:
        parts = ["0"] + [f"{j}({h}; {', '.join(s)})" for _, j, h, s in self.blocks()]
        return " -> ".join(parts + [str(self.path[-1])])

    @classmethod
    def from_string(cls, text: str) -> "DenseArch":
        parts = [p.strip() for p in text.split("->")]
        if len(parts) < 2 or parts[0] != "0" or not parts[-1].isdigit():
            raise DenseNASError(f"an architecture string is '0 -> j(head; ops) -> ... -> n', got {text!r}")
        path, heads, stacks = [0], [], []
        for p in parts[1:-1]:
            m = re.fullmatch(r"(\d+)\(\s*([\w]+)\s*;\s*([\w\s,]*)\)", p)
            if not m:
                raise DenseNASError(f"bad routing block {p!r}: write it as 'j(head_op; op, op, ...)'")
            path.append(int(m[1]))
            heads.append(m[2])
            stacks.append(tuple(s.strip() for s in m[3].split(",") if s.strip()))
        return cls(tuple(path) + (int(parts[-1]),), tuple(heads), tuple(stacks))
