"""Random search: sample architectures uniformly, keep the best (Li & Talwalkar 2019,
arXiv 1902.07638, found it a strong baseline)."""
from __future__ import annotations

import numpy as np

from .. import checks
from .base import Strategy


class RandomSearch(Strategy):
    """Every ask is `space.sample(rng)`, independent of the scores told."""

    def __init__(self, space, seed: int = 0):
        super().__init__(space)
        self.rng = np.random.default_rng(checks.integer("seed", seed, min=0))

    def ask(self):
        return self.space.sample(self.rng)
