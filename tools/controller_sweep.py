"""How the REINFORCE controller's learning rate and entropy bonus decide whether it beats
random search on the tabular benchmark (the choice behind notebook 02, part b).

    python tools/controller_sweep.py [--seeds 5] [--episodes 300]

Prints the mean best-so-far validation accuracy after 50, 100 and all episodes.
"""
import argparse

import numpy as np
import torch

from naslib_mini import spaces
from naslib_mini.benchmarks.digits import Benchmark
from naslib_mini.strategies import run
from naslib_mini.strategies.controller import Controller
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.strategies.reinforce import Reinforce


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--episodes", type=int, default=300)
    args = ap.parse_args()
    bench = Benchmark()

    space = spaces.get("nb201")

    def reward(cell):
        return bench.query(cell, "val_acc")

    def controller(seed, lr, entropy):
        torch.manual_seed(seed)
        return Reinforce(Controller(space.token_steps(), hidden=35, num_layers=2), lr=lr,
                         baseline_decay=0.95, entropy_weight=entropy, seed=seed, space=space)

    def random(seed):
        return RandomSearch(space, seed=seed)

    at = [n - 1 for n in (50, 100, args.episodes) if n <= args.episodes]
    print(f"mean best-so-far after {[n + 1 for n in at]} lookups, {args.seeds} seeds")
    rows = {"random search": [random(s) for s in range(args.seeds)]}
    for lr, ent in ((0.02, 1e-3), (5e-3, 1e-3), (0.02, 1e-2), (2e-3, 1e-3)):
        rows[f"REINFORCE lr {lr:g}, entropy {ent:g}"] = [controller(s, lr, ent)
                                                         for s in range(args.seeds)]
    for name, agents in rows.items():
        best = np.maximum.accumulate(np.array([run(a, reward, args.episodes) for a in agents]), 1)
        print(f"{name:34s} " + "  ".join(f"{best[:, k].mean():.4f}" for k in at))


if __name__ == "__main__":
    main()
