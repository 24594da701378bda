"""The DenseNAS supernet and how an architecture is read off it (Fang et al. 2020,
arXiv 1906.09607, the Method section; official models/dropped_model.py, run_apis/derive_arch.py).

Relaxation at two levels. Inside a layer l, the ops are mixed by alpha, as in DARTS:

    o_bar_l(x) = sum_o w_lo * o(x),           w_l = softmax(alpha_l)             alpha_l: (|O|,)

Between blocks, each block i has one beta per outgoing edge, and the path probabilities are

    p_ij = softmax(beta_i)_j                  over the blocks j that i feeds      beta_i: (|out(i)|,)

Routing block j sums its head layers, one per incoming edge, weighted by the source's p:

    x_j = stack_j( sum_{i -> j} p_ij * head_ij(x_i) )

The architecture parameters live in the method (`densenas_search.DenseNAS`), not here. As a
supernet (supernet.py) it has two cell types of alphas, "head" (every head layer, block after
block) and "stack" (every stacked layer), and one group of betas, "paths" (one per lattice
edge, a softmax over the edges out of each block); `ArchWeights` is the same mixing viewed
block by block. As in the official code, a forward may run only some ops of each layer
(`sample_ops`): one op drawn from softmax(alpha) for a weight step, two for an architecture
step, with softmax renormalised over the drawn ops. Paths are never sampled: every head layer
runs.

Deriving: the path that maximises prod p_ij, found by the Viterbi algorithm
(`viterbi`), then argmax alpha in every layer on it; a stacked layer whose argmax is
skip_connect is dropped, which is how the search makes a block shallower.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..spaces.densenas import HEAD_OPS, STACK_OPS, DenseArch, DenseNASError, DenseSpace
from ..spaces.densenas_net import Classifier, Final1x1, Stem
from .mixed import MixedOp
from .supernet import Mixing, Supernet, check_mixing


def _split(rows, sizes):
    """A list of len(sizes) consecutive pieces of rows (a tensor or a list)."""
    if torch.is_tensor(rows):
        return list(rows.split(list(sizes)))
    out, k = [], 0
    for n in sizes:
        out.append(list(rows[k:k + n]))
        k += n
    return out


@dataclass
class ArchWeights:
    """Mixing weights for one forward, indexed by block (entry 0 is empty for head and stack):

    head[j]:  (len(incoming(j)), n_head) op weights of block j's head layers (rows sum to 1)
    stack[j]: (layers[j], n_stack) op weights of block j's stacked layers
    paths[i]: (len(outgoing(i)),) path probabilities p_ij of block i (sums to 1)
    head_active[j][m], stack_active[j][l]: the op indices that run (None at any level: every op)
    """

    head: list
    stack: list
    paths: list
    head_active: list | None = None
    stack_active: list | None = None

    @classmethod
    def from_mixing(cls, space: DenseSpace, mixing: dict) -> "ArchWeights":
        """The block-by-block view of {"head": Mixing, "stack": Mixing, "paths": Mixing}."""
        n_in = [len(space.incoming(j)) if j else 0 for j in range(space.n_blocks)]
        h, s = mixing["head"], mixing["stack"]
        act = lambda m, sizes: None if m.index is None else _split(m.index, sizes)  # noqa: E731
        return cls(_split(h.weights, n_in), _split(s.weights, space.layers),
                   _split(mixing["paths"].edge_weights, [len(space.outgoing(i)) for i in range(space.n_blocks)]),
                   act(h, n_in), act(s, space.layers))

    def to_mixing(self) -> dict[str, Mixing]:
        flat = lambda act: None if act is None else [a for block in act for a in block]  # noqa: E731
        return {"head": Mixing(torch.cat(list(self.head)), flat(self.head_active)),
                "stack": Mixing(torch.cat(list(self.stack)), flat(self.stack_active)),
                "paths": Mixing(edge_weights=torch.cat(list(self.paths)))}


def sample_ops(alpha: torch.Tensor, k: int | None = None, gen: torch.Generator | None = None,
               policy: str = "prob"):
    """Op weights of layers (L, n_ops) from alpha (L, n_ops), and which ops run.

    k=None (or >= n_ops): w = softmax(alpha), every op runs (the relaxation).
    k ops drawn per layer without replacement, by softmax(alpha) ("prob") or uniformly
    ("uniform", the official warm-up): w = softmax over the drawn alphas, 0 elsewhere.
    Returns (w (L, n_ops), active: list of L sorted index tuples, or None).
    """
    if policy not in ("prob", "uniform"):
        raise ValueError(f"policy must be 'prob' or 'uniform', got {policy!r}")
    L, n = alpha.shape
    if k is None or k >= n:
        return F.softmax(alpha, -1), None
    if L == 0:
        return alpha.new_zeros(0, n), []
    probs = F.softmax(alpha.detach().float().cpu(), -1) if policy == "prob" else torch.ones(L, n)
    idx = torch.multinomial(probs, k, replacement=False, generator=gen).sort(-1).values  # (L, k)
    keep = torch.zeros(L, n, dtype=torch.bool).scatter_(1, idx, True).to(alpha.device)
    w = F.softmax(alpha.masked_fill(~keep, float("-inf")), -1)  # exactly 0 off the drawn ops
    return w, [tuple(row) for row in idx.tolist()]


class DenseSuperNet(Supernet):
    """Every head layer (a MixedOp over HEAD_OPS per edge into a routing block) and every stacked
    layer (a MixedOp over STACK_OPS) of a DenseSpace, plus the stem and the final block.

    forward(x, {"head": Mixing, "stack": Mixing, "paths": Mixing(edge_weights=p)}):
    x (B, in_channels, image_size, image_size) -> (B, num_classes); see ArchWeights.
    latency: the space's densenas_latency.LatencyModel (the search's latency term needs it).
    affine=False: BatchNorms without scale and shift, as in the official supernet.
    """

    def __init__(self, space: DenseSpace, num_classes: int = 10, in_channels: int = 3,
                 head_ops: Sequence[str] = HEAD_OPS, stack_ops: Sequence[str] = STACK_OPS,
                 affine: bool = False, latency=None):
        super().__init__()
        self.space, self.head_ops, self.stack_ops = space, tuple(head_ops), tuple(stack_ops)
        self.latency = latency
        s, W = space, space.widths
        self.stem = Stem(in_channels, W[0], s.image_size // s.sizes[0], affine)
        self.heads = nn.ModuleList(nn.ModuleList(
            MixedOp(W[i], W[j], s.stride(i, j), self.head_ops, affine) for i in s.incoming(j))
            if j else nn.ModuleList() for j in range(s.n_blocks))
        self.stacks = nn.ModuleList(nn.ModuleList(
            MixedOp(W[j], W[j], 1, self.stack_ops, affine) for _ in range(s.layers[j]))
            for j in range(s.n_blocks))
        self.finals = nn.ModuleList(Final1x1(W[i], s.last_C, s.stride(i, s.last), affine)
                                    for i in s.incoming(s.last))
        self.classifier = Classifier(s.last_C, num_classes)
        self._k = {(i, j): k for i in range(s.n_blocks) for k, j in enumerate(s.outgoing(i))}

    def arch_spec(self) -> dict[str, list[int]]:
        s = self.space
        n_heads = sum(len(s.incoming(j)) for j in range(1, s.n_blocks))
        return {"head": [len(self.head_ops)] * n_heads, "stack": [len(self.stack_ops)] * sum(s.layers)}

    def edge_groups(self) -> dict[str, list[int]]:
        return {"paths": [len(self.space.outgoing(i)) for i in range(self.space.n_blocks)]}

    def derive(self, weights: dict, edge_weights: dict | None = None) -> DenseArch:
        """The Viterbi path over the path probabilities, then argmax per layer (`derive`)."""
        if not edge_weights or "paths" not in edge_weights:
            raise DenseNASError("DenseNAS derives its path from path probabilities: pass "
                                "edge_weights={'paths': softmax(beta) per block}")
        w = ArchWeights.from_mixing(self.space, {"head": Mixing(weights["head"]),
                                                 "stack": Mixing(weights["stack"]),
                                                 "paths": Mixing(edge_weights=edge_weights["paths"])})
        return derive(self.space, w.head, w.stack, w.paths, self.head_ops, self.stack_ops)

    def forward(self, x, mixing: dict[str, Mixing] | None = None):
        mixing = check_mixing(self, mixing)
        if getattr(mixing.get("paths"), "edge_weights", None) is None:
            raise ValueError("DenseSuperNet.forward needs path probabilities: "
                             "mixing['paths'] = Mixing(edge_weights=p), one per lattice edge")
        w, s, k = ArchWeights.from_mixing(self.space, mixing), self.space, self._k
        act = lambda a, j, m: None if a is None or a[j] is None else a[j][m]  # noqa: E731
        outs = [self.stem(x)]                                  # block 0: (B, widths[0], H0, W0)
        for j in range(1, s.n_blocks):
            h = 0
            for m, i in enumerate(s.incoming(j)):              # head layers: (B, widths[j], Hj, Wj)
                head = self.heads[j][m](outs[i], w.head[j][m], act(w.head_active, j, m))
                h = h + w.paths[i][k[i, j]] * head
            for l, layer in enumerate(self.stacks[j]):         # stacked layers keep the shape
                h = layer(h, w.stack[j][l], act(w.stack_active, j, l))
            outs.append(h)
        last = s.last
        h = sum(w.paths[i][k[i, last]] * f(outs[i])            # (B, last_C, H, W)
                for f, i in zip(self.finals, s.incoming(last)))
        return self.classifier(h)                              # (B, num_classes)
    def modules_of(self, arch: DenseArch) -> list[nn.Module]:
        """The supernet's modules that make up arch's network, in the order of
        `densenas_net.network_pieces` (weights shared, not copied)."""
        s = self.space
        arch.validate(s)
        mods = [self.stem]
        for i, j, head, stack in arch.blocks():
            mods.append(self.heads[j][s.incoming(j).index(i)].ops[self.head_ops.index(head)])
            mods += [self.stacks[j][l].ops[self.stack_ops.index(op)]
                     for l, op in enumerate(stack) if op != "skip_connect"]
        mods.append(self.finals[s.incoming(s.last).index(arch.path[-2])])
        return mods + [self.classifier]


def viterbi(space: DenseSpace, paths: Sequence[torch.Tensor]) -> tuple[tuple[int, ...], float]:
    """The path 0 -> final block with the largest prod p_ij, by dynamic programming:

        score(0) = 0,   score(j) = max_{i -> j} score(i) + log p_ij,   back(j) = the argmax i

    then follow back() from the final block. paths[i]: (len(outgoing(i)),) probabilities.
    Returns (path, its probability). O(|edges|), against O(|paths|) for enumeration.
    """
    if len(paths) != space.n_blocks:
        raise DenseNASError(f"need path probabilities for {space.n_blocks} blocks, got {len(paths)}")
    score, back = [0.0] + [-math.inf] * space.last, [None] * (space.last + 1)
    for j in range(1, space.last + 1):
        for i in space.incoming(j):
            p = float(paths[i][space.outgoing(i).index(j)])
            cand = score[i] + (math.log(p) if p > 0 else -math.inf)
            if back[j] is None or cand > score[j]:
                score[j], back[j] = cand, i
    path = [space.last]
    while path[-1] != 0:
        path.append(back[path[-1]])
    return tuple(reversed(path)), math.exp(score[-1])


def path_probability(space: DenseSpace, paths: Sequence[torch.Tensor], path: Sequence[int]) -> float:
    """prod over the edges (i, j) of path of p_ij."""
    return math.prod(float(paths[i][space.outgoing(i).index(j)]) for i, j in zip(path, path[1:]))


def derive(space: DenseSpace, head, stack, paths, head_ops: Sequence[str] = HEAD_OPS,
           stack_ops: Sequence[str] = STACK_OPS) -> DenseArch:
    """The derived architecture: the Viterbi path over the path probabilities, then the
    strongest op per layer.

    head[j]: (len(incoming(j)), n_head) op weights (or alphas); stack[j]: (layers[j], n_stack);
    paths[i]: (len(outgoing(i)),) probabilities p_ij. Stacked layers whose argmax is
    skip_connect stay in the DenseArch (so it is a point of the space); DenseNASNetwork drops them.
    """
    path, _ = viterbi(space, [p.detach() for p in paths])
    heads, stacks = [], []
    for i, j in zip(path[:-2], path[1:-1]):          # routing block j, entered from i
        m = space.incoming(j).index(i)
        heads.append(head_ops[int(head[j][m].argmax())])
        stacks.append(tuple(stack_ops[int(a.argmax())] for a in stack[j]))
    return DenseArch(path, tuple(heads), tuple(stacks)).validate(space)
