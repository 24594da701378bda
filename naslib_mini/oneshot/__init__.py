"""One-shot (weight-sharing) NAS: a supernet holds every candidate op on every edge, and a
method decides how the candidates are mixed or sampled on each forward pass.

- mixed:           MixedOp, one edge with all its candidate ops: soft mixing (DARTS),
                   a hard straight-through sample (GDAS), or a single path (SPOS, FairNAS).
- nb201_supernet:  the NAS-Bench-201 cell space as a supernet, so that a one-shot search can
                   be judged against the tabular benchmark's ground truth.
- search_cnn:      the DARTS search network (SearchCNN), with per-edge candidates, partial
                   channels, edge weights and skip dropout for P-DARTS and PC-DARTS.
- bilevel:         DARTS' hypergradients: first order, and second order with the
                   finite-difference Hessian-vector product.
- architect:       DARTS' Architect (alphas, their Adam, the search step as a fit callback).
- gdas:            Gumbel-softmax sampling, the tau schedule, and GDAS as an Architect.
- derive:          from mixing weights to a discrete cell (DARTS rule, NAS-Bench-201 argmax).
- search:          search(space, method, ...) in one call; retrain; benchmark_truth.
- cost:            time and memory of one search step.
- single_path:     SPOS / FairNAS samplers and supernet training with one path (or m) per step.
- inherited:       scoring paths with inherited weights, BatchNorm recalibrated per path.
- pdarts:          P-DARTS' stages (deeper networks, fewer ops per edge), op dropping,
                   skip_connect dropout schedule and the cap of M skip connections.
- pcdarts:         PC-DARTS as an Architect (alphas and edge betas); partial channels live in
                   the supernets (K); the largest batch that fits a memory budget.
- densenas, densenas_search:  DenseNAS' routing-block supernet, Viterbi path, latency-aware search.

Architecture parameters (alpha, beta) never live in the supernet: the supernet takes mixing
weights or a path in `forward`, and each method owns its parameters and exposes them.
"""
