"""One-shot (weight-sharing) NAS: a supernet holds every candidate op on every edge, and a
method decides how the candidates are mixed or sampled on each forward pass.

One search for all seven methods: `search.search(space, method, data, config, callbacks)`.

- supernet:          the supernet protocol (Mixing per cell type, arch_spec, edge_groups,
                     derive, path_of); the four supernets implement it.
- mixed:             MixedOp (soft, sampled, single path or a few drawn ops) and PartialEdge
                     (PC-DARTS' partial channels, written once).
- search_cnn:        the DARTS search network (SearchCNN): per-edge candidates, partial
                     channels, edge weights, skip dropout for P-DARTS and PC-DARTS.
- nb201_supernet:    the NAS-Bench-201 cell space as a supernet, judged by the tabular benchmark.
- fairnas_supernet:  the FairNAS MBConv chain as a supernet (SPOS, FairNAS).
- densenas:          DenseNAS' routing-block supernet and its Viterbi path.
- method:            OneShotMethod, the architecture state owned once (alphas, betas, their
                     Adam, validation batches, snapshots, checkpoints) and the registry.
- darts, gdas, pcdarts, pdarts, densenas_search, single_path:  the seven methods (SPOS and
                     FairNAS in single_path), each a OneShotMethod; single_path also holds the
                     inherited-accuracy scoring and the selection step.
- bilevel:           DARTS' hypergradients: first order, and second order with the
                     finite-difference Hessian-vector product.
- derive:            from mixing weights to a discrete cell (DARTS rule, NAS-Bench-201 argmax).
- config:            one commented config per method with PAPER and QUICK presets; TrainConfig.
- search:            search(), the supernets by space name, retrain(), benchmark_truth().
- profiling:         time and memory of one search step; the largest batch within a budget.
- densenas_latency:  DenseNAS' latency table, chained expected latency and latency loss.

Architecture parameters (alpha, beta) never live in the supernet: the supernet takes mixing
weights or a path in `forward`, and each method owns its parameters and exposes them.
"""
