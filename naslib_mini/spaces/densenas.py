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

The architecture type, `DenseArch`, with its string form, is in `spaces.densenas_arch`; the
network of one architecture in `spaces.densenas_net`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..genotypes import Cell
from ..ops import MBCONV_OPS
from ..utils import is_int
from .base import Space, check_choices, register
from .densenas_arch import HEAD_OPS, STACK_OPS, DenseArch, DenseNASError
from .densenas_net import DenseNASNetwork

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


# ------------------------------------------------------------------ the space
@register("densenas")
@dataclass(frozen=True)
class DenseNASSpace(Space):
    """The architectures (`DenseArch`) of one lattice of routing blocks. `size` counts skips as
    choices (`count_archs`: distinct encodings; `count_networks` counts distinct networks)."""

    lattice: DenseSpace = DENSENAS_MBV2   # the routing blocks (official MBV2-based space)

    def __post_init__(self):
        if not isinstance(self.lattice, DenseSpace):
            raise TypeError(f"densenas lattice must be a densenas.DenseSpace, got "
                            f"{type(self.lattice).__name__}")

    @property
    def size(self) -> int:
        return count_archs(self.lattice)

    def _ops(self, rng, j: int):
        return (HEAD_OPS[int(rng.integers(len(HEAD_OPS)))],
                tuple(STACK_OPS[int(rng.integers(len(STACK_OPS)))] for _ in range(self.lattice.layers[j])))

    def sample(self, rng) -> DenseArch:
        """A random walk from block 0 (each step uniform over the outgoing edges, so not
        uniform over paths), every op uniform."""
        path = [0]
        while path[-1] != self.lattice.last:
            out = self.lattice.outgoing(path[-1])
            path.append(out[int(rng.integers(len(out)))])
        picked = [self._ops(rng, j) for j in path[1:-1]]
        return DenseArch(tuple(path), tuple(h for h, _ in picked), tuple(s for _, s in picked))

    def _rebuilt(self, arch: DenseArch, path) -> DenseArch:
        """`arch` on another path: blocks kept keep their ops; a new block takes the head op
        of the block it replaces (or the first) and skip_connect on every stacked layer."""
        old = dict(zip(arch.path[1:-1], zip(arch.head_ops, arch.stack_ops)))
        heads, stacks = [], []
        for b, j in enumerate(path[1:-1]):
            h, s = old.get(j, (arch.head_ops[min(b, len(arch.head_ops) - 1)] if arch.head_ops
                               else HEAD_OPS[0], ("skip_connect",) * self.lattice.layers[j]))
            heads.append(h)
            stacks.append(s)
        return DenseArch(tuple(path), tuple(heads), tuple(stacks))

    def neighbours(self, arch: DenseArch) -> list[DenseArch]:
        """One op (a head or a stacked layer) set to another candidate, or the path changed at
        one place: a block replaced, inserted or removed (a block new to the path starts as
        its head op and skips). Op changes are symmetric; path changes are not always: a block
        that leaves the path takes its ops with it, so the move back gives it fresh skips."""
        arch.validate(self.lattice)
        out, heads, stacks = [], arch.head_ops, arch.stack_ops
        for b in range(len(heads)):
            out += [DenseArch(arch.path, heads[:b] + (h,) + heads[b + 1:], stacks)
                    for h in HEAD_OPS if h != heads[b]]
            for k, op in enumerate(stacks[b]):
                out += [DenseArch(arch.path, heads, stacks[:b] + (stacks[b][:k] + (s,) + stacks[b][k + 1:],)
                                  + stacks[b + 1:]) for s in STACK_OPS if s != op]
        p, ok, paths = arch.path, self.lattice.allowed, set()
        for b in range(1, len(p) - 1):  # replace or remove p[b]
            paths.update(p[:b] + (j,) + p[b + 1:] for j in range(p[b - 1] + 1, p[b + 1])
                         if j != p[b] and ok(p[b - 1], j) and ok(j, p[b + 1]))
            if ok(p[b - 1], p[b + 1]):
                paths.add(p[:b] + p[b + 1:])
        for b in range(len(p) - 1):  # insert between p[b] and p[b + 1]
            paths.update(p[:b + 1] + (j,) + p[b + 1:] for j in range(p[b] + 1, p[b + 1])
                         if ok(p[b], j) and ok(j, p[b + 1]))
        return out + [self._rebuilt(arch, q) for q in sorted(paths)]

    def encode(self, arch: DenseArch) -> np.ndarray:
        """Per routing block 1..n_blocks-1: on the path (1 bit), one-hot head op, one-hot op per
        stacked layer (zeros off the path); float32, a fixed length for the lattice."""
        on, parts = dict(zip(arch.validate(self.lattice).path[1:-1], zip(arch.head_ops, arch.stack_ops))), []
        for j in range(1, self.lattice.n_blocks):
            x = np.zeros(1 + len(HEAD_OPS) + self.lattice.layers[j] * len(STACK_OPS), np.float32)
            if j in on:
                h, stack = on[j]
                x[[0, 1 + HEAD_OPS.index(h)] + [1 + len(HEAD_OPS) + k * len(STACK_OPS) + STACK_OPS.index(s)
                                                 for k, s in enumerate(stack)]] = 1.0
            parts.append(x)
        return np.concatenate(parts)

    def token_steps(self) -> list[tuple[str, int]]:
        """Per routing block j: on the path or not, its head op, one op per stacked layer."""
        return [step for j in range(1, self.lattice.n_blocks) for step in
                [("choice", 2), ("choice", len(HEAD_OPS))] + [("choice", len(STACK_OPS))] * self.lattice.layers[j]]

    def to_tokens(self, arch: DenseArch) -> list[int]:
        """The choices of `token_steps` (0 for the ops of a block off the path)."""
        on = dict(zip(arch.validate(self.lattice).path[1:-1], zip(arch.head_ops, arch.stack_ops)))
        tokens = []
        for j in range(1, self.lattice.n_blocks):
            h, stack = on.get(j, (HEAD_OPS[0], (STACK_OPS[0],) * self.lattice.layers[j]))
            tokens += [int(j in on), HEAD_OPS.index(h)] + [STACK_OPS.index(s) for s in stack]
        return tokens

    def from_tokens(self, tokens) -> DenseArch:
        """The blocks marked on the path, in order, with their ops; DenseNASError when the
        path breaks the lattice's edge rule (a controller's choice can)."""
        t, path, heads, stacks, k = check_choices(tokens, self.token_steps(), DenseNASError), [0], [], [], 0
        for j in range(1, self.lattice.n_blocks):
            n = self.lattice.layers[j]
            if t[k]:
                path.append(j)
                heads.append(HEAD_OPS[t[k + 1]])
                stacks.append(tuple(STACK_OPS[s] for s in t[k + 2:k + 2 + n]))
            k += 2 + n
        return DenseArch(tuple(path) + (self.lattice.last,), tuple(heads), tuple(stacks)).validate(self.lattice)

    def build(self, arch: DenseArch, **net) -> DenseNASNetwork:
        """DenseNASNetwork(lattice, arch, **net): num_classes, in_channels."""
        return DenseNASNetwork(self.lattice, arch, **net)

    def from_string(self, s: str) -> DenseArch:
        return DenseArch.from_string(s).validate(self.lattice)

    def to_cell(self, arch: DenseArch) -> Cell:
        """For drawing: a chain of the network's searched layers (head layer, then the
        stacked ones of each routing block on the path), each edge labelled with its op."""
        ops = [op for _, _, h, stack in arch.validate(self.lattice).blocks() for op in (h,) + stack]
        return Cell(tuple(((op, l),) for l, op in enumerate(ops)), n_inputs=1, primitives=STACK_OPS,
                    edges_per_node=1, concat=(len(ops),))
