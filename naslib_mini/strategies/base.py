"""The interface every discrete strategy shares, and the one loop that drives any of them.

    strategy = RegularizedEvolution(space, population_size=20, sample_size=5, seed=0)
    scores = run(strategy, evaluate, budget=100)   # ask -> evaluate -> tell, 100 times
    arch, score = strategy.best()

A strategy takes a search space (`spaces.get(...)`) and proposes that space's architectures:
`ask()` returns one, `tell(arch, score)` reports its score (higher is better), `best()` the
best (arch, score) told so far. What it learns from the scores is its own business; the loop
that evaluates is `run`, used by `compare`, NSGA-II, PNAS's beam and the notebooks alike.
"""
from __future__ import annotations

from typing import Callable

from tqdm.auto import tqdm

from .. import checks


class Strategy:
    """The shared part: `history`, a list of (arch, score) in the order told, and `best`."""

    def __init__(self, space, needs=("sample",)):
        """space: a search space (`spaces.get(name)`; any object with the methods in `needs`)."""
        missing = [m for m in needs if not callable(getattr(space, m, None))]
        if missing:
            raise TypeError(f"space must be a search space (spaces.get(name)) with "
                            f"{', '.join(needs)}; got {type(space).__name__} {space!r}")
        self.space = space
        self.history: list[tuple[object, float]] = []

    def ask(self):
        raise NotImplementedError

    def tell(self, arch, score: float) -> None:
        self.history.append((arch, checks.number("score", score)))

    def _unseen(self, n: int, seen, max_tries: int = 10_000) -> list:
        """Up to n new samples of the space (self.rng), none in `seen` nor drawn twice."""
        out = []
        for _ in range(max_tries):
            if len(out) >= n:
                break
            arch = self.space.sample(self.rng)
            if arch not in seen and arch not in out:
                out.append(arch)
        return out

    def best(self):
        """The (arch, score) with the highest score told so far (the first among ties)."""
        if not self.history:
            raise ValueError("no architecture has been scored yet")
        return max(self.history, key=lambda h: h[1])


def run(strategy, evaluate: Callable, budget: int, *, until: Callable[[], bool] | None = None,
        progress: bool = False, desc: str = "evaluations") -> list:
    """Ask, evaluate and tell `budget` times, or until `until()` is true (checked before each
    ask); return the scores in evaluation order. An error of `evaluate` (a budget refused, an
    interrupt) ends the loop and propagates; what was told stays told."""
    checks.integer("budget", budget, min=1)
    checks.function("evaluate", evaluate)
    checks.function("until", until, none=True)
    scores = []
    with tqdm(total=budget, desc=desc, disable=not progress) as bar:
        while len(scores) < budget and not (until is not None and until()):
            arch = strategy.ask()
            score = evaluate(arch)
            strategy.tell(arch, score)
            scores.append(score)
            bar.update(1)
    return scores
