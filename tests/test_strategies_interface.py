"""One test over every strategy through the one driver, `strategies.run`: ask / tell / best,
seeded, on a toy objective, each strategy taking a search space (NSGA-II, multi-objective, is
driven by the same loop in its own tests)."""
import numpy as np
import pytest
import torch

from naslib_mini import spaces
from naslib_mini.strategies import Strategy, run
from naslib_mini.strategies.controller import Controller
from naslib_mini.strategies.evolution import LocalSearch, RegularizedEvolution
from naslib_mini.strategies.nao import NAOSearch
from naslib_mini.strategies.progressive import ProgressiveSearch
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.strategies.reinforce import Reinforce
from naslib_mini.strategies.surrogate_search import SurrogateSearch

NB201 = spaces.get("nb201")
PNAS = spaces.get("pnas", B=3, ops=spaces.pnas.PNAS_OPS[:2])


def _conv_count(cell) -> float:
    """A toy objective on NAS-Bench-201 cells: convolutions on the cell."""
    return float(sum("conv" in op for op in cell))


def _reinforce(seed):
    torch.manual_seed(seed)
    return Reinforce(Controller(NB201.token_steps(), hidden=16, num_layers=1), lr=0.05, seed=seed,
                     space=NB201)


STRATEGIES = {
    "random": (lambda s: RandomSearch(NB201, seed=s), _conv_count),
    "evolution": (lambda s: RegularizedEvolution(NB201, 10, 3, seed=s), _conv_count),
    "local": (lambda s: LocalSearch(NB201, seed=s), _conv_count),
    "reinforce": (_reinforce, _conv_count),
    "nao": (lambda s: NAOSearch(NB201, n_init=10, top_k=5, num_epochs=3, seed=s), _conv_count),
    "surrogate": (lambda s: SurrogateSearch(NB201, n_init=8, K=4, n_random=20, num_epochs=3, seed=s),
                  _conv_count),
    "progressive": (lambda s: ProgressiveSearch(PNAS, K=3, n_models=2, num_epochs=5, seed=s),
                    lambda cell: float(sum((b.op1 == "sep_conv_3x3") + (b.op2 == "sep_conv_3x3")
                                           for b in cell.blocks))),
}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_ask_tell_best_and_seeds(name):
    make, objective = STRATEGIES[name]
    budget = 16  # = the models ProgressiveSearch(B=3, K=3, 2 ops) trains: 10 + 3 + 3
    a, b = make(0), make(0)
    assert isinstance(a, Strategy)
    scores = run(a, objective, budget)
    assert len(scores) == budget and len(a.history) == budget
    arch, best = a.best()
    assert best == max(scores) and objective(arch) == best
    assert all(isinstance(arch, tuple) for arch, _ in a.history) or name == "progressive"
    assert run(b, objective, budget) == scores  # the same seed repeats the same search


def test_run_stops_when_told_to_and_keeps_what_was_told():
    rs = RandomSearch(NB201, seed=0)
    assert len(run(rs, _conv_count, 50, until=lambda: len(rs.history) >= 7)) == 7

    def failing(cell):
        if len(rs.history) == 9:
            raise KeyboardInterrupt
        return 0.0
    with pytest.raises(KeyboardInterrupt):
        run(rs, failing, 50)
    assert len(rs.history) == 9


def test_a_strategy_refuses_what_is_not_a_space():
    with pytest.raises(TypeError, match="search space"):
        RandomSearch(NB201.sample)
    with pytest.raises(TypeError, match="mutate"):
        RegularizedEvolution(type("Only", (), {"sample": lambda self, rng: 0})())


@pytest.mark.parametrize("name", ["darts", "fairnas", "pnas"])
def test_token_strategies_run_on_other_spaces(name):
    space = spaces.get(name, **({"n_layers": 4} if name == "fairnas" else {}))
    torch.manual_seed(0)
    for strategy in (NAOSearch(space, n_init=6, top_k=3, num_epochs=2),
                     Reinforce(Controller(space.token_steps(), hidden=8, num_layers=1), space=space)):
        scores = run(strategy, lambda a: float(space.encode(a).sum()), 9)
        assert len(scores) == 9 and strategy.best()[1] == max(scores)
        assert all(space.from_string(space.to_string(a)) == a for a, _ in strategy.history)
    assert np.isfinite(scores).all()
