"""Random search: sample architectures uniformly, keep the best (Li & Talwalkar 2019,
arXiv 1902.07638, found it a strong baseline). The interface every strategy shares:
`ask()` proposes an architecture, `tell(arch, score)` reports its score, `best()` returns
the best (arch, score) seen."""
from __future__ import annotations

import numpy as np

from .. import checks


class RandomSearch:
    def __init__(self, sample, seed: int = 0):
        """sample: a function rng -> architecture (e.g. spaces.darts.sample)."""
        checks.function("sample", sample)
        checks.integer("seed", seed, min=0)
        self.sample, self.rng = sample, np.random.default_rng(seed)
        self.history: list[tuple[object, float]] = []

    def ask(self):
        return self.sample(self.rng)

    def tell(self, arch, score: float) -> None:
        self.history.append((arch, checks.number("score", score)))

    def best(self):
        if not self.history:
            raise ValueError("no architecture has been scored yet")
        return max(self.history, key=lambda h: h[1])


def run(strategy, evaluate, budget: int) -> list[float]:
    """Ask, evaluate and tell `budget` times; return the scores in evaluation order."""
    checks.integer("budget", budget, min=1)
    checks.function("evaluate", evaluate)
    scores = []
    for _ in range(budget):
        arch = strategy.ask()
        score = evaluate(arch)
        strategy.tell(arch, score)
        scores.append(score)
    return scores
