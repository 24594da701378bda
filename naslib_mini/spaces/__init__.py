"""Search spaces, one module per space: exact size, sample, mutate, neighbours, encode, network.

- ``darts``: the DARTS-style cell space (Liu et al. 2019, arXiv 1806.09055).
- ``nb201``: the NAS-Bench-201 cell space (Dong & Yang 2020, arXiv 2001.00326).

Import the module you need (``from naslib_mini.spaces import nb201``); nothing is re-exported here.
"""
