"""Search spaces: one class per paper's space, registered by name (`spaces.base` says what
every space answers). A module per space holds its exact counts, its architecture type and
its network:

- nb201:      the NAS-Bench-201 cell space (Dong & Yang 2020), behind the tabular benchmarks
- darts:      the DARTS-style cell space (Liu et al. 2019)
- zoph:       the NAS-RL CNN space with anchor-point skips (Zoph & Le 2017)
- nasnet:     NASNet cells of B blocks (Zoph et al. 2018; the cells as data: nasnet_cells)
- pnas:       PNAS cells and their progressive expansion (Liu et al. 2018)
- fairnas:    the FairNAS MBConv chain, 19 layers x 6 choices (Chu et al. 2019)
- densenas:   DenseNAS routing blocks of growing width (Fang et al. 2020; densenas_arch,
              densenas_net: the architecture and its network)

    space = spaces.get("nb201")        # or get("darts", n_nodes=3), ...; NAMES lists them
    arch = space.sample(rng)
    RegularizedEvolution(space), RandomSearch(space), NAOSearch(space), ...   # any strategy
"""
from . import nb201, darts, zoph, nasnet, pnas, fairnas, densenas  # noqa: F401, I001 (registers each, in this order)
from .base import REGISTRY, Space, get, names, register  # noqa: F401

NAMES = names()
