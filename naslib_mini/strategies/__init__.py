"""Discrete search strategies. Each proposes architectures and learns from their scores through
one interface: ask() -> architecture, tell(architecture, score), best() -> (architecture, score);
`random_search.run(strategy, evaluate, budget)` drives any of them.

- random_search: uniform sampling (the baseline every method must beat)
- controller, reinforce: the NAS-RL / NASNet controller RNN trained with REINFORCE
- nao: Neural Architecture Optimization (encoder, predictor, decoder, gradient ascent)
- nsga2: NSGA-II, multi-objective (non-dominated sorting, crowding distance, elitist selection)
- evolution: regularized (ageing) evolution and local search, generic over sample/mutate/neighbours
- progressive: PNAS's beam search over cells of growing size, steered by surrogate ensembles
"""
