"""DenseNAS latency: a lookup table measured on this machine, the expected latency of a supernet
as a differentiable function of alpha and beta, and the latency-aware loss (Fang et al. 2020,
arXiv 1906.09607, the Method section; official run_apis/latency_measure.py, models/dropped_model.py,
run_apis/optimizer.py).

The table times every layer at every shape it appears at: a key is

    (name, C_in, C_out, H_in, stride)      name: an op of ops.OPS, or "stem", "final_1x1", "classifier"

and its value is the median time (seconds) of one forward of a batch, in eval mode, on one
device with a fixed thread count. Keys are timed round-robin (one forward of each key per
round), so a burst of load on a shared machine spreads over all keys instead of a few. On the
CPU with one thread the clock is the thread's CPU time (see time_modules): on a shared machine,
wall time counts the milliseconds other processes hold the core, which hit a long forward
(a whole network) far more often than a short one (one layer).

Chained cost estimation, as the paper calls it. A layer's expected latency is sum_o w_o * LUT(o); a
block's stacked layers add up to stack(j); the head layer from i into j costs head(i, j).
With E(n) = 0 at the final block, and from the last block back to block 0,

    E(i) = sum_{j in out(i)} p_ij * ( head(i, j) + stack(j) + E(j) )           [chain]
    latency = stem + classifier + E(0)

A stacked skip_connect costs 0 (derived networks drop it). E(0) is exactly the expectation over paths drawn block by block with probabilities p_ij (the
path distribution the betas define), of the sum of the expected layer latencies on the path;
the tests check it against that sum over an enumeration of the paths. The loss is

    L = CE + lambda * log_tau(latency) = CE + lambda * ln(latency) / ln(tau)   [loss]

with the latency in milliseconds: tau = 15, lambda = 0.1 (the official code's
configs/search_config.py: log_base 15, sub_loss_factor 0.1; its ImageNet MBV2 search config,
imagenet_search_cfg_mbv2.yaml, uses sub_loss_factor 0.15).
"""
from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from ..spaces.densenas import HEAD_OPS, STACK_OPS, DenseArch, DenseSpace
from ..spaces.densenas_net import make_layer, network_pieces
from ..utils import resolve_device

Key = tuple  # (name, C_in, C_out, H_in, stride)


@contextlib.contextmanager
def num_threads(n: int | None):
    """Run the body with torch.set_num_threads(n) (None: leave it), then restore."""
    old = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@torch.no_grad()
def time_modules(modules: dict, batch_size: int = 32, reps: int = 15, warmup: int = 3,
                 device="cpu", threads: int | None = 1, clock: str | None = None) -> dict:
    """Median forward time (seconds) of each module, timed round-robin.

    modules: {name: (module, (C, H, W))}. Every module runs in eval mode on `device` with a
    batch of `batch_size` random inputs; `warmup` rounds are discarded, then `reps` rounds timed.
    clock: "wall" (time.perf_counter; CUDA is synchronised around each forward) or "thread"
    (time.thread_time: the CPU time of this thread, so the time other processes take the core
    away is not counted; the latency on an idle core). None: "thread" on the CPU with
    threads=1 (all the work then runs in this thread) where that clock is fine-grained, else
    "wall".
    """
    device = resolve_device(device)
    if clock is None:  # thread time needs a fine clock (Windows' ticks every 15.6 ms)
        fine = time.get_clock_info("thread_time").resolution <= 1e-6
        clock = "thread" if device.type == "cpu" and threads == 1 and fine else "wall"
    if clock not in ("wall", "thread") or (clock == "thread" and (device.type != "cpu" or threads != 1)):
        raise ValueError(f"clock must be 'wall', or 'thread' on the CPU with threads=1; got {clock!r}")
    now = time.thread_time if clock == "thread" else time.perf_counter
    runs = {}
    for name, (mod, shape) in modules.items():
        was = mod.training
        runs[name] = (mod.to(device).eval(), torch.randn(batch_size, *shape, device=device), was)
    times = {name: [] for name in runs}
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    with num_threads(threads if device.type == "cpu" else None):
        for r in range(warmup + reps):
            for name, (mod, x, _) in runs.items():
                sync()
                t0 = now()
                mod(x)
                sync()
                if r >= warmup:
                    times[name].append(now() - t0)
    for mod, _, was in runs.values():
        mod.train(was)
    return {name: statistics.median(ts) for name, ts in times.items()}


@dataclass
class LatencyTable:
    """Measured latencies: {key: median seconds} and how they were measured."""

    entries: dict = field(default_factory=dict)
    device: str = "cpu"
    batch_size: int = 32
    threads: int | None = 1

    def __getitem__(self, key: Key) -> float:
        try:
            return self.entries[tuple(key)]
        except KeyError:
            raise KeyError(f"no latency measured for {key}; measure_table() every key you "
                           f"need (densenas_keys lists a space's)") from None

    def __len__(self) -> int:
        return len(self.entries)

    def ms(self, key: Key) -> float:
        return 1e3 * self[key]

    def estimate(self, pieces: Sequence[Key]) -> float:
        """Sum of the table's latencies of `pieces` (seconds): a network's estimate."""
        return sum(self[k] for k in pieces)


def measure_table(keys: Sequence[Key], batch_size: int = 32, reps: int = 15, warmup: int = 3,
                  device="cpu", threads: int | None = 1, clock: str | None = None) -> LatencyTable:
    """Time every key's layer (built by densenas_net.make_layer) at its shape; see time_modules."""
    keys = list(dict.fromkeys(tuple(k) for k in keys))  # unique, in order
    mods = {k: (make_layer(k[0], k[1], k[2], k[4]), (k[1], k[3], k[3])) for k in keys}
    med = time_modules(mods, batch_size, reps, warmup, device, threads, clock)
    return LatencyTable(med, str(resolve_device(device)), batch_size, threads)


def measure_network(net, input_shape, batch_size: int = 32, reps: int = 15, warmup: int = 3,
                    device="cpu", threads: int | None = 1, clock: str | None = None) -> float:
    """Median forward time (seconds) of a whole network, measured like the table's layers."""
    return time_modules({"net": (net, tuple(input_shape))}, batch_size, reps, warmup, device,
                        threads, clock)["net"]


def densenas_keys(space: DenseSpace, num_classes: int, in_channels: int,
                  head_ops: Sequence[str] = HEAD_OPS, stack_ops: Sequence[str] = STACK_OPS) -> list:
    """Every (name, C_in, C_out, H_in, stride) that a network of `space` can contain. A stacked
    skip_connect is not among them: derived networks drop it, so it costs 0."""
    s, W = space, space.widths
    keys = [("stem", in_channels, W[0], s.image_size, s.image_size // s.sizes[0]),
            ("classifier", s.last_C, num_classes, s.size(s.last), 1)]
    for i, j in s.edges:
        if j == s.last:
            keys.append(("final_1x1", W[i], s.last_C, s.size(i), s.stride(i, j)))
        else:
            keys += [(op, W[i], W[j], s.size(i), s.stride(i, j)) for op in head_ops]
    for j in range(1, s.n_blocks):
        if s.layers[j]:
            keys += [(op, W[j], W[j], s.size(j), 1) for op in stack_ops if op != "skip_connect"]
    return list(dict.fromkeys(keys))


class LatencyModel:
    """The expected latency (ms) of a DenseNAS supernet, [chain], from a LatencyTable.

    expected(w): w has .head[j] (n_in, n_head), .stack[j] (L, n_stack), .paths[i] (n_out,)
    (an oneshot.densenas.ArchWeights) -> a scalar tensor, differentiable in all of them.
    of_arch(arch): the table's estimate of one architecture's network (ms, a float).
    """

    def __init__(self, space: DenseSpace, table: LatencyTable, num_classes: int, in_channels: int,
                 head_ops: Sequence[str] = HEAD_OPS, stack_ops: Sequence[str] = STACK_OPS):
        self.space, self.table = space, table
        self.num_classes, self.in_channels = num_classes, in_channels
        s, W, ms = space, space.widths, table.ms
        self.const = (ms(("stem", in_channels, W[0], s.image_size, s.image_size // s.sizes[0]))
                      + ms(("classifier", s.last_C, num_classes, s.size(s.last), 1)))
        t = lambda rows: torch.tensor(rows, dtype=torch.float32)  # noqa: E731
        self.head = {(i, j): t([ms((op, W[i], W[j], s.size(i), s.stride(i, j))) for op in head_ops])
                     for i, j in s.edges if j != s.last}                                  # (n_head,)
        self.final = {i: ms(("final_1x1", W[i], s.last_C, s.size(i), s.stride(i, s.last)))
                      for i in s.incoming(s.last)}
        self.stack = [t([[0.0 if op == "skip_connect" else ms((op, W[j], W[j], s.size(j), 1))
                          for op in stack_ops]] * s.layers[j])
                      if j and s.layers[j] else torch.zeros(0, len(stack_ops))
                      for j in range(s.n_blocks)]                                         # (L, n_stack)

    def to(self, device) -> "LatencyModel":
        self.head = {e: v.to(device) for e, v in self.head.items()}
        self.stack = [v.to(device) for v in self.stack]
        return self

    def expected(self, w) -> torch.Tensor:
        s = self.space
        stack = [(w.stack[j] * self.stack[j]).sum() if j else 0.0 for j in range(s.n_blocks)]
        E = {s.last: 0.0}
        for i in reversed(range(s.n_blocks)):                  # [chain], back to front
            E[i] = 0.0
            for k, j in enumerate(s.outgoing(i)):
                if j == s.last:
                    cost = self.final[i]
                else:
                    m = s.incoming(j).index(i)
                    cost = (w.head[j][m] * self.head[i, j]).sum() + stack[j]
                E[i] = E[i] + w.paths[i][k] * (cost + E[j])
        return self.const + E[0]

    def of_arch(self, arch: DenseArch) -> float:
        return 1e3 * self.table.estimate(network_pieces(self.space, arch.validate(self.space),
                                                        self.num_classes, self.in_channels))


def latency_loss(ce: torch.Tensor, latency_ms: torch.Tensor, lam: float = 0.1,
                 tau: float = 15.0) -> torch.Tensor:
    """[loss]: CE + lambda * log_tau(latency). lambda = 0 gives the plain cross-entropy."""
    if tau <= 1:
        raise ValueError(f"tau is a logarithm's base and must be > 1, got {tau}")
    return ce + lam * torch.log(latency_ms) / math.log(tau)
