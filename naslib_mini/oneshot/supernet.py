"""The supernet protocol: what every supernet answers, so that one method base drives them all.

A supernet holds every candidate op of a space on every edge. Its edges come in groups, one
per cell type ("normal" and "reduce" for DARTS cells, "cell" for NAS-Bench-201, "layers" for
the FairNAS chain, "head" and "stack" for DenseNAS). The architecture parameters live in the
method (`method.OneShotMethod`), never here; each forward pass is told how to mix, per cell
type, by a `Mixing`:

    weights       (E, n) or E rows   w[e, o]: the weight of op o on edge e
                                     (DARTS: softmax(alpha); GDAS: a one-hot sample)
    index         E entries          the op(s) that run on edge e: an int, or a tuple of ints
                                     (GDAS' sample, a single path, DenseNAS' drawn ops);
                                     None: every op runs
    edge_weights  (E',)              a scale per edge (PC-DARTS' softmax(beta) per node;
                                     DenseNAS' path probabilities)

and a method reads off the supernet what its parameters look like:

    arch_spec()    {cell type: ops on each edge}          -> alphas, one row per edge
    edge_groups()  {cell type: sizes of the edge groups}  -> betas, a softmax per group
    forward(x, {cell type: Mixing})                       -> logits (B, num_classes)
    derive(weights, edge_weights)                         -> the space's architecture
    path_of(arch) / path_mixing(path)                     -> a single path and back
    to_string(arch)                                       -> the architecture as text

A *path* (SPOS, FairNAS) is one op index per edge over every cell type, in arch_spec order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Mixing:
    """How one forward pass mixes the candidates of one cell type (see the module docstring)."""
    weights: object = None        # (E, n) tensor, or a list of E 1-D tensors
    index: Sequence | None = None  # E entries: int or tuple of ints
    edge_weights: object = None   # (E',) tensor


class Supernet(nn.Module):
    """Base of the four supernets: SearchCNN, NB201SuperNet, FairNASSuperNet, DenseSuperNet."""

    def arch_spec(self) -> dict[str, list[int]]:
        """Number of candidate ops on each edge, per cell type: the shapes alphas must have."""
        raise NotImplementedError

    def edge_groups(self) -> dict[str, list[int]]:
        """Per cell type, the sizes of the groups of edges whose betas share a softmax
        (PC-DARTS, DenseNAS); {} when the supernet has no edge weights."""
        return {}

    def derive(self, weights: dict, edge_weights: dict | None = None):
        """The discrete architecture that mixing weights {type: (E, n)} stand for."""
        raise NotImplementedError

    def to_string(self, arch) -> str:
        return arch.to_string()

    def path_mixing(self, path: Sequence[int]) -> dict[str, Mixing]:
        """One op index per edge over every cell type -> the Mixing that runs that path."""
        spec = self.arch_spec()
        if len(path) != sum(map(len, spec.values())):
            raise ValueError(f"a path has one op index per edge ({sum(map(len, spec.values()))}), "
                             f"got {len(path)}")
        out, k = {}, 0
        for name, sizes in spec.items():
            out[name] = Mixing(index=tuple(int(c) for c in path[k:k + len(sizes)]))
            k += len(sizes)
        return out

    def path_of(self, arch) -> tuple[int, ...]:
        """The path (op indices) of an architecture of the space."""
        raise NotImplementedError


def init_alphas(spec: dict[str, list[int]], scale: float = 1e-3, generator=None, device="cpu"):
    """scale * randn per cell type: one (E, n) tensor when every edge has n ops, else a list
    of E 1-D tensors. Leaves with requires_grad."""
    out = {}
    for name, sizes in spec.items():
        if len(set(sizes)) == 1:
            out[name] = (scale * torch.randn(len(sizes), sizes[0], generator=generator)
                         ).to(device).requires_grad_()
        else:
            out[name] = [(scale * torch.randn(n, generator=generator)).to(device).requires_grad_()
                         for n in sizes]
    return out


def flat(tensors: dict) -> list[torch.Tensor]:
    """Every tensor of {type: tensor or list of tensors}, in order."""
    return [t for a in tensors.values() for t in (a if isinstance(a, list) else [a])]


def softmax_per_edge(alpha, detach: bool = False):
    """softmax over the ops of each edge: (E, n) -> (E, n), or a list of 1-D tensors."""
    if isinstance(alpha, list):
        return [(a.detach() if detach else a).softmax(-1) for a in alpha]
    return (alpha.detach() if detach else alpha).softmax(-1)


def per_edge(primitives, n_edges: int, what: str = "primitives") -> tuple[tuple[str, ...], ...]:
    """One op list per edge from a shared list of op names or a list of per-edge lists."""
    if isinstance(primitives, str) or not len(primitives):
        raise ValueError(f"{what}: expected a sequence of op names or one per edge, got {primitives!r}")
    if all(isinstance(p, str) for p in primitives):
        return (tuple(primitives),) * n_edges
    if len(primitives) != n_edges:
        raise ValueError(f"{what}: {len(primitives)} per-edge op lists for {n_edges} edges")
    return tuple(tuple(p) for p in primitives)


def check_mixing(net: Supernet, mixing) -> dict:
    """The mixing of a forward pass, checked against the supernet's arch_spec and edge_groups
    (once per forward: a few shape comparisons), with an error that names the culprit."""
    spec, groups = net.arch_spec(), net.edge_groups()
    mixing = {} if mixing is None else mixing
    if not isinstance(mixing, dict):
        raise TypeError(f"{type(net).__name__}.forward takes {{cell type: Mixing}}, got "
                        f"{type(mixing).__name__}")
    for name, sizes in spec.items():
        m, E = mixing.get(name), len(sizes)
        if m is None or (m.weights is None and m.index is None):
            raise ValueError(f"{type(net).__name__}.forward needs mixing weights for each cell "
                             f"type {list(spec)}: the {name!r} edges need mixing weights "
                             f"(E, n_ops), a path or both")
        if m.weights is not None:
            shape = f"({E}, {sizes[0]})" if len(set(sizes)) == 1 else "one row per edge"
            if len(m.weights) != E:
                raise ValueError(f"weights of {name!r} must have {E} rows (one per edge), "
                                 f"got {len(m.weights)}")
            bad = [e for e in range(E) if tuple(m.weights[e].shape) != (sizes[e],)]
            if bad:
                e = bad[0]
                raise ValueError(f"weights of {name!r} must have shape {shape}: edge {e} has "
                                 f"{sizes[e]} ops, got weights of shape {tuple(m.weights[e].shape)}")
        if m.index is not None and len(m.index) != E:
            raise ValueError(f"the index of {name!r} has one entry per edge ({E}), got {len(m.index)}")
    for name, sizes in groups.items():
        ew = getattr(mixing.get(name), "edge_weights", None)
        if ew is not None and tuple(ew.shape) != (sum(sizes),):
            raise ValueError(f"edge_weights of {name!r} must have shape ({sum(sizes)},), one "
                             f"per edge, got {tuple(ew.shape)}")
    return mixing
