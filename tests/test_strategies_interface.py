"""One test over every single-objective strategy: ask / tell / best through the same `run`,
seeded, on a toy objective (NSGA-II, multi-objective, has its own tests)."""
import numpy as np
import pytest
import torch

from naslib_mini.spaces import nb201, pnas
from naslib_mini.strategies.controller import Controller, nb201_steps
from naslib_mini.strategies.evolution import LocalSearch, RegularizedEvolution
from naslib_mini.strategies.nao import NAOSearch, nb201_sample
from naslib_mini.strategies.progressive import ProgressiveSearch
from naslib_mini.strategies.random_search import RandomSearch, run
from naslib_mini.strategies.reinforce import Reinforce


def _conv_count(arch) -> float:
    """A toy objective for any encoding of an NAS-Bench-201 cell: convolutions on the cell."""
    ops = [nb201.OPS[t] for t in arch] if isinstance(arch[0], (int, np.integer)) else arch
    return float(sum("conv" in op for op in ops))


def _reinforce(seed):
    torch.manual_seed(seed)
    return Reinforce(Controller(nb201_steps(), hidden=16, num_layers=1), lr=0.05, seed=seed)


STRATEGIES = {
    "random": (lambda s: RandomSearch(nb201.sample, seed=s), _conv_count),
    "evolution": (lambda s: RegularizedEvolution(nb201.sample, nb201.mutate, 10, 3, seed=s), _conv_count),
    "local": (lambda s: LocalSearch(nb201.sample, nb201.neighbours, seed=s), _conv_count),
    "reinforce": (_reinforce, _conv_count),
    "nao": (lambda s: NAOSearch(nb201_sample, len(nb201.OPS), len(nb201.EDGES), n_init=10, top_k=5,
                                epochs=3, seed=s), _conv_count),
    "progressive": (lambda s: ProgressiveSearch(B=3, K=3, ops=pnas.PNAS_OPS[:2], n_models=2,
                                                surrogate_epochs=5, seed=s),
                    lambda cell: float(sum((b.op1 == "sep_conv_3x3") + (b.op2 == "sep_conv_3x3")
                                           for b in cell.blocks))),
}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_ask_tell_best_and_seeds(name):
    make, objective = STRATEGIES[name]
    budget = 16  # = the models ProgressiveSearch(B=3, K=3, 2 ops) trains: 10 + 3 + 3
    a, b = make(0), make(0)
    scores = run(a, objective, budget)
    assert len(scores) == budget
    arch, best = a.best()
    assert best == max(scores) and objective(arch) == best
    assert run(b, objective, budget) == scores  # the same seed repeats the same search
