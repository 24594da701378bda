"""Discrete search strategies over any search space, behind one interface (`base`): ask() ->
architecture, tell(architecture, score), best() -> (architecture, score); `run(strategy,
evaluate, budget)` drives any of them.

- base:             the Strategy base class and the driver loop `run`
- random_search:    uniform sampling (the baseline every method must beat)
- evolution:        regularized (ageing) evolution and local search
- controller, reinforce: the NAS-RL / NASNet controller RNN trained with REINFORCE
- nao:              Neural Architecture Optimization (encoder, predictor, decoder, gradient ascent)
- surrogate_search: a PNAS-style loop on a fixed-size space: fit surrogates, train the predicted best
- progressive:      PNAS's beam search over cells of growing size, steered by surrogate ensembles
- nsga2:            NSGA-II, multi-objective (non-dominated sorting, crowding distance, elitism)
"""
from .base import Strategy, run  # noqa: F401
