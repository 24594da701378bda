"""The NAS-RL CNN space (Zoph & Le 2017, arXiv 1611.01578, section 3).

A network is a chain of L conv layers. Layer i (0-based) picks

    filter height in {1,3,5,7}, filter width in {1,3,5,7}, number of filters in {24,36,48,64},
    a stride in {1,2,3} (only when strides=True; fixed 1 otherwise),
    its inputs: any subset of the earlier layers j < i (2^i choices; the paper's "anchor
    points", section 3.3). A layer with no inputs takes the image.

Exact size (the paper gives no CNN count; this closed form is ours):

    |space| = (heights * widths * filters * (n_strides if strides else 1))^L * 2^(L(L-1)/2)

L=15, fixed stride: 64^15 * 2^105 ~ 5.0e58.

The controller emits one token per decision, per layer in this order (see `ZophSpace.token_steps`):

    height (4), width (4), filters (4), [stride (3)], anchor i (a 0/1 tuple of length i,
    entry j = 1 when layer j feeds layer i)
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import checks
from ..genotypes import Cell
from ..utils import is_int
from .base import Space, register

HEIGHTS: tuple[int, ...] = (1, 3, 5, 7)
WIDTHS: tuple[int, ...] = (1, 3, 5, 7)
FILTERS: tuple[int, ...] = (24, 36, 48, 64)
STRIDES: tuple[int, ...] = (1, 2, 3)


class ZophError(ValueError):
    """An architecture or token sequence outside the NAS-RL space; the message names the layer."""


def count(n_layers: int, strides: bool = False, heights: int = 4, widths: int = 4,
          filters: int = 4, n_strides: int = 3) -> int:
    """(heights*widths*filters*(n_strides if strides else 1))^L * 2^(L(L-1)/2), an exact int."""
    per_layer = heights * widths * filters * (n_strides if strides else 1)
    return per_layer ** n_layers * 2 ** (n_layers * (n_layers - 1) // 2)


# ------------------------------------------------------------------ typed architecture
@dataclass(frozen=True)
class Layer:
    """One conv layer: kernel (height x width), `filters` output channels, `stride`, and the
    earlier layers it reads (`inputs`, increasing; () = the image)."""
    height: int
    width: int
    filters: int
    stride: int = 1
    inputs: tuple[int, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "inputs", tuple(self.inputs))  # lists become hashable


@dataclass(frozen=True)
class Arch:
    """L layers of the space; `strides` says which space (False: every stride is 1).
    Constructing one validates it, so an `Arch` in hand is always in the space."""
    layers: tuple[Layer, ...]
    strides: bool = False

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        validate(self)

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, i) -> Layer:
        return self.layers[i]

    def to_string(self) -> str:
        """'3x5x36 | 1x7x24<0 | 5x5x48s2<0,1': height x width x filters [s stride] per
        layer, '<' and the layers it reads; layers joined by ' | '."""
        return " | ".join(f"{l.height}x{l.width}x{l.filters}" + (f"s{l.stride}" if self.strides else "")
                          + ("<" + ",".join(map(str, l.inputs)) if l.inputs else "") for l in self)

    @classmethod
    def from_string(cls, s: str, strides: bool = False) -> "Arch":
        if not isinstance(s, str):
            raise ZophError(f"expected an architecture string, got {type(s).__name__}: {s!r}")
        layers = []
        for i, part in enumerate(s.split("|")):
            m = re.fullmatch(r"(\d+)x(\d+)x(\d+)(?:s(\d+))?(?:<([\d,]+))?", part.strip())
            if not m or bool(m[4]) != strides:
                raise ZophError(f"layer {i}: cannot parse {part.strip()!r}; write it as 'HxWxF"
                                f"{'sS' if strides else ''}' then optionally '<j,k' (the layers it reads)")
            inputs = tuple(int(j) for j in m[5].split(",")) if m[5] else ()
            layers.append(Layer(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 1), inputs))
        return cls(tuple(layers), strides)


def validate(arch: Arch) -> None:
    """Raise ZophError unless every option is allowed and every layer i reads distinct
    earlier layers 0 <= j < i, listed in increasing order."""
    if not arch.layers:
        raise ZophError("an architecture needs at least one layer")
    for i, layer in enumerate(arch.layers):
        if not isinstance(layer, Layer):
            raise ZophError(f"layer {i} is a {type(layer).__name__}, expected zoph.Layer")
        for name, allowed in (("height", HEIGHTS), ("width", WIDTHS), ("filters", FILTERS),
                              ("stride", STRIDES if arch.strides else (1,))):
            value = getattr(layer, name)
            if not is_int(value) or value not in allowed:
                extra = (" (this space has strides=False, so every stride is 1; build the "
                         "Arch with strides=True)" if name == "stride" and value in STRIDES else "")
                raise ZophError(f"layer {i}: {name} {value!r} is not one of {allowed}{extra}")
        for j in layer.inputs:
            if not is_int(j):
                raise ZophError(f"layer {i}: input {j!r} is not a layer index")
            if not 0 <= j < i:
                raise ZophError(f"layer {i}: input {j} is out of range; layer {i} may read only "
                                f"earlier layers 0..{i - 1}" if i else
                                f"layer 0: input {j} is out of range; layer 0 reads only the image")
        if len(set(layer.inputs)) != len(layer.inputs):
            raise ZophError(f"layer {i}: duplicate input in {layer.inputs}; each earlier layer "
                            f"feeds it at most once")
        if list(layer.inputs) != sorted(layer.inputs):
            raise ZophError(f"layer {i}: inputs {layer.inputs} must be listed in increasing order")


def enumerate_archs(n_layers: int, strides: bool = False, heights=HEIGHTS, widths=WIDTHS,
                    filters=FILTERS, stride_options=STRIDES):
    """Every architecture with the given (sub)lists of options, for checking `count` by brute
    force on tiny spaces."""
    per_layer = []
    for i in range(n_layers):
        opts = itertools.product(heights, widths, filters, stride_options if strides else (1,),
                                 itertools.product((0, 1), repeat=i))
        per_layer.append([Layer(h, w, f, s, tuple(j for j in range(i) if bits[j]))
                          for h, w, f, s, bits in opts])
    for layers in itertools.product(*per_layer):
        yield Arch(layers, strides)


# ------------------------------------------------------------------ network
def _pad_cat(xs: list[torch.Tensor]) -> torch.Tensor:
    """Zero-pad every (B, C_k, H_k, W_k) at the bottom/right to the largest H and W, then
    concatenate channels: -> (B, sum C_k, max H, max W)."""
    H, W = max(x.shape[2] for x in xs), max(x.shape[3] for x in xs)
    xs = [F.pad(x, (0, W - x.shape[3], 0, H - x.shape[2])) for x in xs]
    return xs[0] if len(xs) == 1 else torch.cat(xs, 1)


class ZophNet(nn.Module):
    """The child network of an architecture (section 3.3):

    x_i = ReLU(BN(Conv_{h_i x w_i, stride s_i}(pad_cat(x_j for j in inputs_i))))   or of the
    image when inputs_i = (); padding (h//2, w//2) makes every output ceil(H/s) x ceil(W/s),
    so no size reaches 0. The outputs no later layer reads are pad-concatenated, globally
    average pooled and classified: (B, in_channels, H, W) -> logits (B, num_classes).
    """

    def __init__(self, arch: Arch, in_channels: int = 3, num_classes: int = 10):
        super().__init__()
        if not isinstance(arch, Arch):
            raise ZophError(f"ZophNet needs a zoph.Arch, got {type(arch).__name__}")
        self.arch = arch
        self.convs = nn.ModuleList()
        for layer in arch:
            C_in = sum(arch[j].filters for j in layer.inputs) if layer.inputs else in_channels
            self.convs.append(nn.Sequential(
                nn.Conv2d(C_in, layer.filters, (layer.height, layer.width), layer.stride,
                          padding=(layer.height // 2, layer.width // 2), bias=False),
                nn.BatchNorm2d(layer.filters), nn.ReLU(inplace=False)))
        used = {j for layer in arch for j in layer.inputs}
        self.leaves = tuple(i for i in range(len(arch)) if i not in used)  # includes L-1
        self.classifier = nn.Linear(sum(arch[i].filters for i in self.leaves), num_classes)

    def forward(self, x):  # (B, in_channels, H, W)
        outs = []
        for layer, conv in zip(self.arch, self.convs):
            inp = _pad_cat([outs[j] for j in layer.inputs]) if layer.inputs else x
            outs.append(conv(inp))  # (B, filters_i, ceil(H_in/s), ceil(W_in/s))
        z = _pad_cat([outs[i] for i in self.leaves])  # (B, sum of leaf filters, H', W')
        return self.classifier(z.mean((2, 3)))  # (B, num_classes)


# ------------------------------------------------------------------ the space
@register("zoph")
@dataclass(frozen=True)
class ZophSpace(Space):
    """Chains of `n_layers` conv layers with anchor-point skips; an architecture is an `Arch`.

    The controller's steps, per layer (see `token_steps`): height (4), width (4), filters (4),
    [stride (3)], then the anchor of layer i, a 0/1 tuple of length i (j feeds i when 1)."""

    n_layers: int = 6       # conv layers (the paper's CIFAR-10 runs grow to 15)
    strides: bool = False   # also predict each layer's stride in {1, 2, 3}

    def __post_init__(self):
        checks.integer("zoph n_layers", self.n_layers, min=1)
        checks.flag("zoph strides", self.strides)

    @property
    def size(self) -> int:
        return count(self.n_layers, self.strides)

    def sample(self, rng: np.random.Generator) -> Arch:
        """Every option uniform; every earlier layer j feeds layer i with probability 1/2."""
        layers = []
        for i in range(self.n_layers):
            h, w, f = (int(opts[rng.integers(len(opts))]) for opts in (HEIGHTS, WIDTHS, FILTERS))
            s = int(STRIDES[rng.integers(len(STRIDES))]) if self.strides else 1
            inputs = tuple(int(j) for j in np.flatnonzero(rng.random(i) < 0.5))
            layers.append(Layer(h, w, f, s, inputs))
        return Arch(tuple(layers), self.strides)

    def neighbours(self, arch: Arch) -> list[Arch]:
        """Every architecture one decision away: an option of one layer set to another value,
        or one skip connection (j feeds i) flipped (`mutate` draws one of them)."""
        tokens, out = self.to_tokens(arch), []
        for t, (kind, k) in enumerate(self.token_steps()):
            if kind == "choice":
                changed = [v for v in range(k) if v != tokens[t]]
            else:  # anchor of layer k: flip each input bit
                changed = [tuple(1 - b if j == m else b for m, b in enumerate(tokens[t])) for j in range(k)]
            out += [self.from_tokens(tokens[:t] + [v] + tokens[t + 1:]) for v in changed]
        return out

    def encode(self, arch: Arch) -> np.ndarray:
        """One-hot of every option plus the 0/1 skip bits, in `token_steps` order (float32)."""
        return np.concatenate([np.eye(k, dtype=np.float32)[tok] if kind == "choice"
                               else np.asarray(tok, np.float32)
                               for (kind, k), tok in zip(self.token_steps(), self.to_tokens(arch))])

    def token_steps(self) -> list[tuple[str, int]]:
        """Per layer ("choice", 4) x 3, [("choice", 3)], ("anchor", i)."""
        per = [("choice", len(HEIGHTS)), ("choice", len(WIDTHS)), ("choice", len(FILTERS))]
        per += [("choice", len(STRIDES))] if self.strides else []
        return [step for i in range(self.n_layers) for step in per + [("anchor", i)]]

    def to_tokens(self, arch: Arch) -> list:
        """Option indices and 0/1 input masks, in `token_steps` order."""
        tokens = []
        for i, layer in enumerate(arch):
            tokens += [HEIGHTS.index(layer.height), WIDTHS.index(layer.width), FILTERS.index(layer.filters)]
            tokens += [STRIDES.index(layer.stride)] if arch.strides else []
            tokens.append(tuple(int(j in layer.inputs) for j in range(i)))
        return tokens

    def from_tokens(self, tokens) -> Arch:
        """Inverse of `to_tokens`; ZophError names the layer of a malformed token."""
        tokens, per, n = list(tokens), 5 if self.strides else 4, self.n_layers
        if len(tokens) != per * n:
            raise ZophError(f"{n} layers (strides={self.strides}) take {per * n} tokens, "
                            f"{per} per layer, got {len(tokens)}")
        opts, layers = (HEIGHTS, WIDTHS, FILTERS, STRIDES)[:per - 1], []
        for i in range(n):
            chunk = tokens[per * i: per * (i + 1)]
            for name, k, opt in zip(("height", "width", "filters", "stride"), chunk, opts):
                if not is_int(k) or not 0 <= k < len(opt):
                    raise ZophError(f"layer {i}: {name} token {k!r} is not in 0..{len(opt) - 1}")
            mask = tuple(chunk[-1]) if isinstance(chunk[-1], (tuple, list, np.ndarray)) else None
            if mask is None or len(mask) != i or any(b not in (0, 1) for b in mask):
                raise ZophError(f"layer {i}: the anchor token must be a 0/1 tuple of length {i}, "
                                f"got {chunk[-1]!r}")
            v = [opt[k] for opt, k in zip(opts, chunk)]
            layers.append(Layer(v[0], v[1], v[2], v[3] if self.strides else 1,
                                tuple(j for j in range(i) if mask[j])))
        return Arch(tuple(layers), self.strides)

    def build(self, arch: Arch, **net) -> "ZophNet":
        """ZophNet(arch, **net): in_channels, num_classes."""
        return ZophNet(arch, **net)

    def from_string(self, s: str) -> Arch:
        return Arch.from_string(s, self.strides)

    def to_cell(self, arch: Arch) -> Cell:
        """For drawing: node 0 the image, node 1 + i layer i, each edge labelled with the conv
        of the layer it enters; the output concatenates the layers no layer reads."""
        label = lambda l: f"conv{l.height}x{l.width}_{l.filters}" + (f"_s{l.stride}" if arch.strides else "")  # noqa: E731
        nodes = tuple(tuple((label(l), 1 + j) for j in l.inputs) or ((label(l), 0),) for l in arch)
        used = {j for l in arch for j in l.inputs}
        return Cell(nodes, n_inputs=1, primitives=tuple(dict.fromkeys(label(l) for l in arch)),
                    edges_per_node=None, concat=tuple(1 + i for i in range(len(arch)) if i not in used))
