"""The DenseNAS search space: densely connected routing blocks (Fang, Sun, Zhang, Zhang, Liu &
Wang, "Densely Connected Search Space for More Flexible Neural Architecture Search", CVPR 2020,
arXiv 1906.09607, the Method section; official code JaminFong/DenseNAS, models/search_space_base.py).

Blocks are numbered 0..n, with n = len(widths):

    block 0          the fixed input block (stem), widths[0] channels at sizes[0] x sizes[0]
    blocks 1..n-1    routing blocks of growing width and shrinking resolution
    block n          the final block: a 1x1 conv to `last_C` channels, then pool and classifier

Block i connects to block j (an edge, a "path" between blocks) when

    1 <= j - i <= M,   sizes[i] / sizes[j] in {1, 2},   stages[j] - stages[i] <= 1      [edge rule]

(M = 4 in the paper; the stage rule is the official code's). A routing block j has one **head
layer** per incoming edge i -> j, which brings block i's output (widths[i], sizes[i]) to block
j's width and resolution (stride 2 when the size halves), then `layers[j]` **stacked layers**
at (widths[j], sizes[j]). Head layers choose among HEAD_OPS (MBConv k in {3,5,7} x expansion in
{3,6}); stacked layers also allow skip_connect, which lets the search shorten a block.

An architecture (`DenseArch`) is a path 0 -> ... -> n through the lattice and, for each routing
block on it, a head op and one op per stacked layer. Exactly,

    paths:   N(0) = 1,  N(j) = sum_{i -> j} N(i),                        |paths| = N(n)
    archs:   A(0) = 1,  A(j) = sum_{i -> j} A(i) * |HEAD| * |STACK|^layers[j]  (routing j),
             A(n) = sum_{i -> n} A(i)                                     (the 1x1 is fixed)
    networks (skips dropped, so only the sequence of MBConvs left in a block matters):
             the same with |STACK|^L replaced by sum_{k=0}^{L} |MBCONV|^k

String format (parsed without eval): blocks joined by " -> ", a routing block written as
``j(head_op; stack_op, stack_op, ...)``:

    0 -> 2(mbconv_k3_e6; mbconv_k5_e3, skip_connect) -> 3(mbconv_k3_e3; mbconv_k7_e6) -> 4
"""
from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

import numpy as np

from ..ops import MBCONV_OPS
from ..utils import is_int

HEAD_OPS = MBCONV_OPS                       # 6 head-layer candidates (paper, official config)
STACK_OPS = MBCONV_OPS + ("skip_connect",)  # 7 stacked-layer candidates


class DenseNASError(ValueError):
    """A malformed DenseNAS space, architecture or architecture string."""


@dataclass(frozen=True)
class DenseSpace:
    """A lattice of routing blocks; see the module docstring for the rules and the counts."""

    widths: tuple[int, ...]   # channels of block 0 (the stem's output), then of each routing block
    sizes: tuple[int, ...]    # H = W of each block's output: non-increasing, x1 or /2 per step
    layers: tuple[int, ...]   # stacked layers of each block after its head layer (block 0: 0)
    M: int = 4                # each block connects to the next M blocks (paper: 4)
    last_C: int = 1984        # channels of the final 1x1-conv block (official MBV2 space: 1984)
    image_size: int = 224     # input H = W; the stem strides image_size / sizes[0] (1 or 2)
    stages: tuple[int, ...] | None = None  # one per block plus the final block; None: no stage rule

    def __post_init__(self):
        for name in ("widths", "sizes", "layers") + (("stages",) if self.stages is not None else ()):
            v = getattr(self, name)
            if isinstance(v, (str, bytes)) or not all(is_int(x) for x in v):
                raise DenseNASError(f"{name} must be a sequence of integers, got {v!r}")
            object.__setattr__(self, name, tuple(int(x) for x in v))
        n = len(self.widths)
        if n < 2 or len(self.sizes) != n or len(self.layers) != n:
            raise DenseNASError(f"widths, sizes and layers need one entry per block (block 0 and at "
                                f"least one routing block), got {len(self.widths)}, "
                                f"{len(self.sizes)}, {len(self.layers)}")
        if self.stages is not None and len(self.stages) != n + 1:
            raise DenseNASError(f"stages needs {n + 1} entries (every block and the final one), "
                                f"got {len(self.stages)}")
        if min(self.widths) < 1 or min(self.sizes) < 1 or min(self.layers) < 0 or self.layers[0]:
            raise DenseNASError("widths and sizes must be >= 1, layers >= 0, and block 0 (the stem) "
                                f"has no stacked layers; got layers={self.layers}")
        if not (is_int(self.M) and self.M >= 1 and is_int(self.last_C) and self.last_C >= 1):
            raise DenseNASError(f"M and last_C must be positive integers, got {self.M}, {self.last_C}")
        if self.image_size not in (self.sizes[0], 2 * self.sizes[0]):
            raise DenseNASError(f"the stem strides 1 or 2: image_size {self.image_size} must be "
                                f"sizes[0] = {self.sizes[0]} or twice it")
        for j in range(1, n + 1):
            if not self.allowed(j - 1, j):
                raise DenseNASError(f"block {j - 1} must connect to block {j} (every block on some "
                                    f"path): sizes may only stay or halve, stages rise by <= 1")
        out = tuple(tuple(j for j in range(i + 1, n + 1) if self.allowed(i, j)) for i in range(n + 1))
        inc = tuple(tuple(i for i in range(j) if self.allowed(i, j)) for j in range(n + 1))
        object.__setattr__(self, "_out", out)  # cached: outgoing and incoming are hot in loops
        object.__setattr__(self, "_in", inc)

    @property
    def n_blocks(self) -> int:
        """Blocks before the final one: block 0 and the routing blocks."""
        return len(self.widths)

    @property
    def last(self) -> int:
        """Index of the final (1x1-conv) block."""
        return len(self.widths)

    def size(self, j: int) -> int:
        return self.sizes[min(j, self.n_blocks - 1)]  # the final block keeps the last size

    def allowed(self, i: int, j: int) -> bool:
        """The edge rule of the module docstring: is there an edge i -> j?"""
        if not (0 <= i < j <= self.last and j - i <= self.M):
            return False
        if self.stages is not None and self.stages[j] - self.stages[i] > 1:
            return False
        return self.size(i) in (self.size(j), 2 * self.size(j))

    def stride(self, i: int, j: int) -> int:
        return self.size(i) // self.size(j)

    def outgoing(self, i: int) -> tuple[int, ...]:
        """Blocks j that block i feeds; beta of block i has one entry per j, in this order."""
        return self._out[i]

    def incoming(self, j: int) -> tuple[int, ...]:
        """Blocks i feeding block j; block j has one head layer per i, in this order."""
        return self._in[j]

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return tuple((i, j) for i in range(self.n_blocks) for j in self.outgoing(i))


def _count(space: DenseSpace, per_block) -> int:
    """Sum over paths of the product of per_block(j) over the routing blocks j on the path."""
    A = [1] + [0] * space.last
    for j in range(1, space.last + 1):
        A[j] = sum(A[i] for i in space.incoming(j)) * (per_block(j) if j < space.last else 1)
    return A[-1]


def count_paths(space: DenseSpace) -> int:
    """Paths 0 -> final block through the lattice (exact, by dynamic programming)."""
    return _count(space, lambda j: 1)


def count_archs(space: DenseSpace, n_head: int = len(HEAD_OPS), n_stack: int = len(STACK_OPS)) -> int:
    """Architectures: a path, a head op per routing block on it, an op per stacked layer."""
    return _count(space, lambda j: n_head * n_stack ** space.layers[j])


def count_networks(space: DenseSpace, n_head: int = len(HEAD_OPS),
                   n_mbconv: int = len(MBCONV_OPS)) -> int:
    """Distinct derived networks: skip layers dropped, so a block keeps a sequence of 0..L MBConvs."""
    return _count(space, lambda j: n_head * sum(n_mbconv ** k for k in range(space.layers[j] + 1)))


def enumerate_paths(space: DenseSpace):
    """Every path (0, ..., final block), in lexicographic order."""
    def walk(path):
        if path[-1] == space.last:
            yield path
            return
        for j in space.outgoing(path[-1]):
            yield from walk(path + (j,))
    yield from walk((0,))


def enumerate_archs(space: DenseSpace, head_ops=HEAD_OPS, stack_ops=STACK_OPS):
    """Every DenseArch of `space` with these op lists (for checking the counts on small spaces)."""
    for path in enumerate_paths(space):
        routing = path[1:-1]
        choices = [itertools.product(head_ops, itertools.product(stack_ops, repeat=space.layers[j]))
                   for j in routing]
        for picked in itertools.product(*choices):
            yield DenseArch(path, tuple(h for h, _ in picked), tuple(s for _, s in picked))


def _check_op(name, known, where):
    if name not in known:
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DenseNASError(f"{where}: unknown op {name!r}.{hint} Known: {', '.join(known)}")


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
            _check_op(h, HEAD_OPS, f"block {self.path[b + 1]} head")
            for s in stack:
                _check_op(s, STACK_OPS, f"block {self.path[b + 1]} stack")

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


# The official MobileNetV2-based space (configs/imagenet_search_cfg_mbv2.yaml): 16 routing
# blocks after a 16-channel input block, 3 stacked layers in the first 13, M = 4, stages.
DENSENAS_MBV2 = DenseSpace(
    widths=(16, 24, 32, 40, 48, 56, 64, 72, 96, 112, 128, 160, 176, 192, 320, 352, 384),
    sizes=(112, 56, 28, 28, 28, 14, 14, 14, 14, 14, 14, 7, 7, 7, 7, 7, 7),
    layers=(0,) + (3,) * 13 + (0, 0, 0), M=4, last_C=1984, image_size=224,
    stages=(0, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7))

# The same lattice for 32 x 32 images (CIFAR-10): the stem does not stride, and every later
# size is the ImageNet one / 7 * 2 (112 -> 32, 56 -> 32, 28 -> 16, 14 -> 8, 7 -> 4).
DENSENAS_MBV2_CIFAR = DenseSpace(
    widths=DENSENAS_MBV2.widths, sizes=(32, 32, 16, 16, 16, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 4),
    layers=DENSENAS_MBV2.layers, M=4, last_C=1280, image_size=32, stages=DENSENAS_MBV2.stages)


# ------------------------------------------------------------------ the interface of every space
def size(space: DenseSpace) -> int:
    """`count_archs` (skips counted as choices, so distinct encodings) for `spaces.get`."""
    return count_archs(space)


def _ops_for(rng, space: DenseSpace, j: int):
    return (HEAD_OPS[int(rng.integers(len(HEAD_OPS)))],
            tuple(STACK_OPS[int(rng.integers(len(STACK_OPS)))] for _ in range(space.layers[j])))


def sample(rng, space: DenseSpace) -> DenseArch:
    """A random architecture: a random walk from block 0 (each step uniform over the
    outgoing edges, so not uniform over paths) and every op uniform."""
    path = [0]
    while path[-1] != space.last:
        out = space.outgoing(path[-1])
        path.append(out[int(rng.integers(len(out)))])
    picked = [_ops_for(rng, space, j) for j in path[1:-1]]
    return DenseArch(tuple(path), tuple(h for h, _ in picked), tuple(s for _, s in picked))


def _rebuilt(arch: DenseArch, path, space: DenseSpace) -> DenseArch:
    """`arch` on another path: blocks kept keep their ops; a new block takes the head op of
    the block it replaces (or the first) and skip_connect on every stacked layer."""
    old = dict(zip(arch.path[1:-1], zip(arch.head_ops, arch.stack_ops)))
    heads, stacks = [], []
    for b, j in enumerate(path[1:-1]):
        if j in old:
            h, s = old[j]
        else:
            h = arch.head_ops[min(b, len(arch.head_ops) - 1)] if arch.head_ops else HEAD_OPS[0]
            s = ("skip_connect",) * space.layers[j]
        heads.append(h)
        stacks.append(s)
    return DenseArch(tuple(path), tuple(heads), tuple(stacks))


def neighbours(arch: DenseArch, space: DenseSpace) -> list[DenseArch]:
    """Every architecture one change away: one op (a head layer or a stacked layer) set to
    another candidate, or the path changed at one place: a block replaced, inserted or
    removed (a block new to the path starts as its head op and skips, see `_rebuilt`).
    Op changes are symmetric; path changes are not always: a block that leaves the path
    takes its ops with it, so the move back gives the block fresh skips."""
    arch.validate(space)
    out = []
    for b in range(len(arch.head_ops)):
        for h in HEAD_OPS:
            if h != arch.head_ops[b]:
                out.append(DenseArch(arch.path, arch.head_ops[:b] + (h,) + arch.head_ops[b + 1:],
                                     arch.stack_ops))
        for k, op in enumerate(arch.stack_ops[b]):
            for s in STACK_OPS:
                if s != op:
                    stack = arch.stack_ops[b][:k] + (s,) + arch.stack_ops[b][k + 1:]
                    out.append(DenseArch(arch.path, arch.head_ops,
                                         arch.stack_ops[:b] + (stack,) + arch.stack_ops[b + 1:]))
    p = arch.path
    paths = set()
    for b in range(1, len(p) - 1):  # replace or remove p[b]
        paths.update(p[:b] + (j,) + p[b + 1:] for j in range(p[b - 1] + 1, p[b + 1])
                     if j != p[b] and space.allowed(p[b - 1], j) and space.allowed(j, p[b + 1]))
        if space.allowed(p[b - 1], p[b + 1]):
            paths.add(p[:b] + p[b + 1:])
    for b in range(len(p) - 1):  # insert between p[b] and p[b + 1]
        paths.update(p[:b + 1] + (j,) + p[b + 1:] for j in range(p[b] + 1, p[b + 1])
                     if space.allowed(p[b], j) and space.allowed(j, p[b + 1]))
    out += [_rebuilt(arch, q, space) for q in sorted(paths)]
    return out


def mutate(arch: DenseArch, rng, space: DenseSpace) -> DenseArch:
    """One uniformly chosen neighbour."""
    options = neighbours(arch, space)
    return options[int(rng.integers(len(options)))]


def encode(arch: DenseArch, space: DenseSpace):
    """Per routing block 1..n_blocks-1: on the path (1 bit), one-hot head op, one-hot op per
    stacked layer (zeros off the path); float32, fixed length for the space."""
    arch.validate(space)
    on = dict(zip(arch.path[1:-1], zip(arch.head_ops, arch.stack_ops)))
    parts = []
    for j in range(1, space.n_blocks):
        x = np.zeros(1 + len(HEAD_OPS) + space.layers[j] * len(STACK_OPS), np.float32)
        if j in on:
            h, stack = on[j]
            x[0] = 1.0
            x[1 + HEAD_OPS.index(h)] = 1.0
            for k, s in enumerate(stack):
                x[1 + len(HEAD_OPS) + k * len(STACK_OPS) + STACK_OPS.index(s)] = 1.0
        parts.append(x)
    return np.concatenate(parts)
