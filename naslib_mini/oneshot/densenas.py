"""The DenseNAS supernet and how an architecture is read off it (Fang et al. 2020,
arXiv 1906.09607, the Method section; official models/dropped_model.py, run_apis/derive_arch.py).

Relaxation at two levels. Inside a layer l, the ops are mixed by alpha, as in DARTS:

    o_bar_l(x) = sum_o w_lo * o(x),           w_l = softmax(alpha_l)             alpha_l: (|O|,)

Between blocks, each block i has one beta per outgoing edge, and the path probabilities are

    p_ij = softmax(beta_i)_j                  over the blocks j that i feeds      beta_i: (|out(i)|,)

Routing block j sums its head layers, one per incoming edge, weighted by the source's p:

    x_j = stack_j( sum_{i -> j} p_ij * head_ij(x_i) )

The architecture parameters live in the search callback (`densenas_search.DenseNASSearch`), not
here: `DenseSuperNet.forward(x, w)` takes an `ArchWeights` of mixing weights. As in the
official code, a forward may run only some ops of each layer (`sample_ops`): one op drawn from
softmax(alpha) for a weight step, two for an architecture step, with softmax renormalised over
the drawn ops. Paths are never sampled: every head layer runs.

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


def _active(active, j, m):
    return None if active is None or active[j] is None else active[j][m]


def _mix(layer: MixedOp, x, w, active):
    """A layer's output: soft mixing (MixedOp) over every op, or over the active ops only."""
    if active is None:
        return layer(x, w)
    if len(active) == 1 and not w.requires_grad:
        return layer(x, index=active[0])  # its weight is exactly 1
    return sum(w[k] * layer.ops[k](x) for k in active)


class DenseSuperNet(nn.Module):
    """Every head layer (a MixedOp over HEAD_OPS per edge into a routing block) and every stacked
    layer (a MixedOp over STACK_OPS) of a DenseSpace, plus the stem and the final block.

    forward(x, w): x (B, in_channels, image_size, image_size), w an ArchWeights -> (B, num_classes).
    affine=False: BatchNorms without scale and shift, as in the official supernet.
    """

    def __init__(self, space: DenseSpace, num_classes: int = 10, in_channels: int = 3,
                 head_ops: Sequence[str] = HEAD_OPS, stack_ops: Sequence[str] = STACK_OPS,
                 affine: bool = False):
        super().__init__()
        self.space, self.head_ops, self.stack_ops = space, tuple(head_ops), tuple(stack_ops)
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

    def forward(self, x, w: ArchWeights | None = None):
        if not isinstance(w, ArchWeights):
            raise ValueError("DenseSuperNet.forward needs an ArchWeights (op weights and path "
                             "probabilities); the search callback makes one from alpha and beta")
        s, k = self.space, self._k
        outs = [self.stem(x)]                                  # block 0: (B, widths[0], H0, W0)
        for j in range(1, s.n_blocks):
            h = 0
            for m, i in enumerate(s.incoming(j)):              # head layers: (B, widths[j], Hj, Wj)
                act = _active(w.head_active, j, m)
                h = h + w.paths[i][k[i, j]] * _mix(self.heads[j][m], outs[i], w.head[j][m], act)
            for l, layer in enumerate(self.stacks[j]):         # stacked layers keep the shape
                act = _active(w.stack_active, j, l)
                h = _mix(layer, h, w.stack[j][l], act)
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


def derive(space: DenseSpace, alpha_head, alpha_stack, beta, head_ops: Sequence[str] = HEAD_OPS,
           stack_ops: Sequence[str] = STACK_OPS) -> DenseArch:
    """The derived architecture: the Viterbi path over softmax(beta), then argmax alpha per layer.

    alpha_head[j]: (len(incoming(j)), n_head); alpha_stack[j]: (layers[j], n_stack);
    beta[i]: (len(outgoing(i)),). Stacked layers whose argmax is skip_connect stay in the
    DenseArch (so it is a point of the space); DenseNASNetwork drops them.
    """
    path, _ = viterbi(space, [F.softmax(b.detach(), -1) for b in beta])
    heads, stacks = [], []
    for i, j in zip(path[:-2], path[1:-1]):          # routing block j, entered from i
        m = space.incoming(j).index(i)
        heads.append(head_ops[int(alpha_head[j][m].argmax())])
        stacks.append(tuple(stack_ops[int(a.argmax())] for a in alpha_stack[j]))
    return DenseArch(path, tuple(heads), tuple(stacks)).validate(space)
