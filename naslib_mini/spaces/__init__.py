"""Search spaces, one module per paper's space: exact size formulas, sampling, mutation,
encodings, and the networks their architectures build into.

- darts:      the DARTS-style cell space (Liu et al. 2019)
- nb201:      the NAS-Bench-201 cell space (Dong & Yang 2020), behind the tabular benchmark
- zoph:       the NAS-RL CNN space with anchor-point skips (Zoph & Le 2017)
- nasnet:     NASNet cells of B blocks (Zoph et al. 2018); nasnet_net builds them
- pnas:       PNAS cells and their progressive expansion (Liu et al. 2018)
- densenas:   DenseNAS routing blocks of growing width (Fang et al. 2020); densenas_net builds them
- fairnas:    the FairNAS MBConv chain, 19 layers x 6 choices, and its supernet (Chu et al. 2019)
"""
