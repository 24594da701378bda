"""The interface every search space answers, and the registry that names them.

A space is a frozen dataclass whose fields are its settings (each with the paper's default
and a comment), registered by name, as torchvision registers its models:

    @register("nb201")
    @dataclass(frozen=True)
    class NB201Space(Space): ...

    space = spaces.get("darts", n_nodes=3)   # an instance; unknown settings are refused
    space.size                               # the exact number of architectures, an int
    arch = space.sample(rng)                 # rng: a numpy Generator
    space.mutate(arch, rng)                  # one decision changed
    space.neighbours(arch)                   # every architecture one decision away
    space.encode(arch)                       # fixed-length float32 vector (surrogates)
    space.token_steps()                      # the decisions, [("choice", k) | ("anchor", i)]
    space.to_tokens(arch), space.from_tokens(tokens)   # the controller's and NAO's view
    space.build(arch, **net)                 # the network of an architecture, an nn.Module
    space.to_string(arch), space.from_string(s)        # one line of text, parsed without eval
    space.to_cell(arch)                      # a genotypes.Cell, for viz.cells.draw_cell

Each space has one architecture type (an op tuple, a Cell, an Arch, ...) and every method
takes and returns that type, so any strategy runs on any space.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

REGISTRY: dict[str, type] = {}


def register(name: str):
    """Class decorator: make `cls` the space called `name` (``get(name)`` builds it)."""
    def wrap(cls):
        if name in REGISTRY:
            raise ValueError(f"a space named {name!r} is registered already ({REGISTRY[name].__name__})")
        cls.name = name
        REGISTRY[name] = cls
        return cls
    return wrap


def names() -> tuple[str, ...]:
    """The registered spaces, in registration order."""
    return tuple(REGISTRY)


def get(name: str, **settings) -> "Space":
    """The space `name` with `settings` (the others at the paper's defaults; see each class)."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ValueError(f"unknown space {name!r}; choose one of {', '.join(REGISTRY)}")
    cls = REGISTRY[name]
    known = [f.name for f in fields(cls)]
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise TypeError(f"space {name!r} has no setting {', '.join(unknown)}; "
                        + (f"its settings: {', '.join(known)}" if known else f"{name} has no settings"))
    return cls(**settings)


@dataclass(frozen=True)
class Space:
    """The shared part. A subclass sets its settings as fields (checked in __post_init__) and
    implements every method of the module docstring; `mutate` defaults to a uniformly chosen
    neighbour and `to_string` to the architecture's own."""

    name = "space"

    @property
    def settings(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def mutate(self, arch, rng: np.random.Generator):
        """One uniformly chosen neighbour."""
        options = self.neighbours(arch)
        return options[int(rng.integers(len(options)))]

    def to_string(self, arch) -> str:
        return arch.to_string()


def check_choices(tokens, steps, error=ValueError) -> list[int]:
    """Choice tokens against ("choice", k) steps: as many, each an int in 0..k-1; the error
    names the token at fault."""
    tokens = [int(t) if hasattr(t, "item") and np.ndim(t) == 0 else t for t in tokens]
    if len(tokens) != len(steps):
        raise error(f"expected {len(steps)} tokens (one per decision), got {len(tokens)}: {tokens}")
    for t, (tok, (_, k)) in enumerate(zip(tokens, steps)):
        if isinstance(tok, bool) or not isinstance(tok, (int, np.integer)) or not 0 <= tok < k:
            raise error(f"token {t} is {tok!r}, outside 0..{k - 1} (decision {t} has {k} options)")
    return [int(t) for t in tokens]


def check_names(name: str, v) -> tuple[str, ...]:
    """A setting that lists names (ops, combiners): a non-empty sequence of distinct strings."""
    if isinstance(v, str) or not hasattr(v, "__len__") or not len(v) \
            or not all(isinstance(o, str) for o in v) or len(set(v)) != len(v):
        raise ValueError(f"{name} must be a non-empty sequence of distinct names, got {v!r}")
    return tuple(v)
