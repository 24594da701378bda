"""Search spaces, one module per paper's space: exact size formulas, sampling, mutation,
encodings, and the networks their architectures build into.

- darts:      the DARTS-style cell space (Liu et al. 2019)
- nb201:      the NAS-Bench-201 cell space (Dong & Yang 2020), behind the tabular benchmark
- zoph:       the NAS-RL CNN space with anchor-point skips (Zoph & Le 2017)
- nasnet:     NASNet cells of B blocks (Zoph et al. 2018); nasnet_net builds them
- pnas:       PNAS cells and their progressive expansion (Liu et al. 2018)
- densenas:   DenseNAS routing blocks of growing width (Fang et al. 2020); densenas_net builds them
- fairnas:    the FairNAS MBConv chain, 19 layers x 6 choices, and its supernet (Chu et al. 2019)

Every space offers the same five operations, with its settings bound by `get`:

    space = spaces.get("nb201")        # "darts", "zoph", "nasnet", "pnas", "fairnas", "densenas"
    space.size                         # the exact number of architectures, an int
    arch = space.sample(rng)           # rng: a numpy Generator
    child = space.mutate(arch, rng)    # one decision changed
    space.neighbours(arch)             # every architecture one decision away
    space.encode(arch)                 # a fixed-length float32 vector, for surrogates

so any strategy runs on any space: RegularizedEvolution(space.sample, space.mutate).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from .. import checks

NAMES = ("nb201", "darts", "zoph", "nasnet", "pnas", "fairnas", "densenas")


@dataclass(frozen=True)
class Space:
    """One search space with its settings bound (see the module docstring)."""
    name: str
    settings: dict
    size: int
    sample: Callable
    mutate: Callable
    neighbours: Callable
    encode: Callable


def get(name: str, **settings) -> Space:
    """The space `name` with its settings (defaults: each paper's):
    nb201: none; darts: n_nodes=4, ops, n_inputs=2, k=2; zoph: n_layers=6, strides=False;
    nasnet: B=5, ops, combiners=("add",); pnas: B=5, ops; fairnas: n_layers=19;
    densenas: space=densenas.DENSENAS_MBV2."""
    from importlib import import_module
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"unknown space {name!r}; choose one of {', '.join(NAMES)}")
    m = import_module(f"{__name__}.{name}")
    _check_settings(name, settings, m)
    p = functools.partial
    if name == "nb201":
        if settings:
            raise TypeError(f"nb201 has no settings, got {sorted(settings)}")
        return Space(name, {}, m.size(), m.sample, m.mutate, m.neighbours, m.encode)
    if name == "darts":
        s = dict(n_nodes=4, ops=m.DARTS_OPS, n_inputs=2, k=2) | settings
        return Space(name, s, m.size(**s), p(m.sample, **s), m.mutate, m.neighbours, m.encode)
    if name == "zoph":
        s = dict(n_layers=6, strides=False) | settings
        return Space(name, s, m.size(**s), p(m.sample, **s), m.mutate, m.neighbours, m.encode)
    if name in ("nasnet", "pnas"):
        s = dict(B=5, ops=m.NASNET_OPS if name == "nasnet" else m.PNAS_OPS) | settings
        extra = {k: s[k] for k in s if k != "B"}
        size = (m.count_cell(s["B"], len(s["ops"]), len(s.get("combiners", ("add",))))
                if name == "nasnet" else m.size(**s))
        return Space(name, s, size, p(m.sample, **s), p(m.mutate, **extra),
                     p(m.neighbours, **extra), p(m.encode, **extra))
    if name == "fairnas":
        s = dict(n_layers=len(m.LAYERS)) | settings
        return Space(name, s, m.count_space(s["n_layers"]), p(m.sample, **s), m.mutate,
                     m.neighbours, m.encode)
    s = dict(space=m.DENSENAS_MBV2) | settings
    return Space(name, s, m.size(**s), p(m.sample, **s), p(m.mutate, **s), p(m.neighbours, **s),
                 p(m.encode, **s))


SETTINGS = {"nb201": (), "darts": ("n_nodes", "ops", "n_inputs", "k"), "zoph": ("n_layers", "strides"),
            "nasnet": ("B", "ops", "combiners"), "pnas": ("B", "ops"), "fairnas": ("n_layers",),
            "densenas": ("space",)}


def _check_settings(name: str, s: dict, m) -> None:
    """Each setting known to the space and in its range, before any counting."""
    unknown = sorted(set(s) - set(SETTINGS[name]))
    if unknown:
        raise TypeError(f"space {name!r} has no setting {', '.join(unknown)}; "
                        + (f"its settings: {', '.join(SETTINGS[name])}" if SETTINGS[name]
                           else f"{name} has no settings"))
    for key in ("n_nodes", "n_inputs", "B", "n_layers"):
        if key in s:
            checks.integer(f"{name} {key}", s[key], min=1)
    if "k" in s:
        checks.integer("darts k (edges per node)", s["k"], min=1, max=s.get("n_inputs", 2))
    if name == "fairnas" and "n_layers" in s:
        checks.integer("fairnas n_layers", s["n_layers"], min=1, max=len(m.LAYERS))
    if "strides" in s:
        checks.flag("zoph strides", s["strides"])
    for key in ("ops", "combiners"):
        if key in s:
            v = s[key]
            if isinstance(v, str) or not hasattr(v, "__len__") or not len(v) \
                    or not all(isinstance(o, str) for o in v) or len(set(v)) != len(v):
                raise ValueError(f"{name} {key} must be a non-empty sequence of distinct names, "
                                 f"got {v!r}")
    if "space" in s and not isinstance(s["space"], m.DenseSpace):
        raise TypeError(f"densenas space must be a densenas.DenseSpace, got {type(s['space']).__name__}")
