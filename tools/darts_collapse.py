"""Does DARTS collapse on the tabular benchmark's space? It depends on the supernet.

    python tools/darts_collapse.py [one-stage deep quick deep5 ...]

For each setting, runs DARTS (first order) on the NAS-Bench-201 space and prints, every
epoch, the number of skip_connect and parameter-free edges in the derived cell and that
cell's test accuracy in the shipped benchmark. "one-stage" is the benchmark's own network
as the supernet; the others use NAS-Bench-201's skeleton (3 stages joined by residual
blocks), where NAS-Bench-201 reported the collapse. Minutes per setting on a 2-core CPU.
"""
import sys
import time

from naslib_mini import data
from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.oneshot.config import DARTSConfig
from naslib_mini.oneshot.search import benchmark_truth, search

BASE = DARTSConfig.NB201_QUICK  # first order, batch 64, weight decay 3e-4; 3 stages
SETTINGS = {
    "one-stage": BASE.replace(num_epochs=60, C=8, layers=1, stages=1),
    "quick": BASE,  # notebook 06, quick: 10 epochs, 3 stages of 3 cells, C = 4
    "deep": BASE.replace(num_epochs=30, C=8),
    "deep5": BASE.replace(num_epochs=30, C=8, layers=5, arch_lr=3e-4),
}
FREE = ("none", "skip_connect", "avg_pool_3x3")


def main(names):
    bench = Benchmark()
    digits = data.load("digits", val_fraction=0.5, seed=0)
    for name in names or ["one-stage", "quick"]:
        t0 = time.perf_counter()
        r = search("nb201", "darts", digits, SETTINGS[name], seed=0, evaluate=False,
                   progress=False)
        print(f"{name}: {SETTINGS[name].diff(BASE) or 'notebook 06, quick'}, "
              f"{time.perf_counter() - t0:.0f} s")
        for epoch, cell in enumerate(r.archs, 1):
            print(f"  epoch {epoch:3d}: skip_connect {cell.count('skip_connect')}, "
                  f"parameter-free {sum(cell.count(o) for o in FREE)}, "
                  f"benchmark test accuracy {benchmark_truth(bench, cell)['test_acc']:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
