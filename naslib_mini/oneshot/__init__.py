"""One-shot (weight-sharing) NAS: a supernet holds every candidate op on every edge, and a
method decides how the candidates are mixed or sampled on each forward pass.

- mixed:           MixedOp, one edge with all its candidate ops: soft mixing (DARTS),
                   a hard straight-through sample (GDAS), or a single path (SPOS, FairNAS).
- nb201_supernet:  the NAS-Bench-201 cell space as a supernet, so that a one-shot search can
                   be judged against the tabular benchmark's ground truth.

Architecture parameters (alpha, beta) never live in the supernet: the supernet takes mixing
weights or a path in `forward`, and each method owns its parameters and exposes them.
"""
