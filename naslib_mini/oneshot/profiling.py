"""What one search step costs: wall time, and memory measured two ways; and the largest batch
that fits a memory budget.

- saved_bytes: the bytes of the tensors autograd keeps for the backward pass during one
  forward of the weight step (every op's inputs it needs to differentiate). That is the
  memory a supernet spends per batch, and it is the same on any device: DARTS keeps the
  activations of every op on every edge, GDAS only those of the sampled op.
- cuda_peak_bytes: torch.cuda.max_memory_allocated over whole steps, on a GPU only.

A step runs exactly as in train.fit's loop: zero the gradients, the method's train_step,
the optimizer's step, then on_batch_end. `largest_batch` finds the largest batch whose
memory stays within a budget (PC-DARTS' point: partial channels let a larger batch fit).
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from ..train import Trainer
from .method import SearchModel


def saved_tensor_bytes(fn):
    """Run fn() and count the bytes autograd saves for backward (each storage once).
    Returns (fn's result, bytes)."""
    seen, total = set(), [0]

    def pack(t):
        key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
        if key not in seen:
            seen.add(key)
            total[0] += key[1]
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return out, total[0]


def step_cost(method, X, y, *, lr: float = 0.025, momentum: float = 0.9,
              weight_decay: float = 3e-4, repeats: int = 3, warmup: int = 1,
              loss_fn=F.cross_entropy, amp: bool | None = None) -> dict:
    """Median wall time of one search step of `method` (a one-shot method, after its warm-up:
    the architecture step included) on the batch
    (X, y), the bytes saved for backward by one forward of its weight step, and the CUDA
    peak when on a GPU. The supernet's weights change: measure on a throwaway network.
    amp: bf16 autocast as in fit (None: on CUDA only)."""
    model = SearchModel(method)
    device = X.device
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    t = Trainer(model, opt, None, device, torch.Generator().manual_seed(0), [method], amp)
    t.epoch = getattr(method.config, "warmup_epochs", 0)  # a step after the warm-up: the
    model.train()                                         # architecture step included

    def step():
        opt.zero_grad(set_to_none=True)
        loss, _ = method.train_step(t, X, y, loss_fn)
        opt.step()
        t.step += 1
        method.on_batch_end(t, loss)

    cuda = device.type == "cuda"
    for _ in range(warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    _, saved = saved_tensor_bytes(lambda: method.logits(X))
    opt.zero_grad(set_to_none=True)
    return {"time_s": float(np.median(times)), "saved_bytes": int(saved), "cuda_peak_bytes": peak,
            "device": device.type}


def largest_batch(memory_at, budget: float, b1: int = 8, b2: int = 32, limit: int = 1 << 16) -> int:
    """The largest batch B <= limit with memory_at(B) <= budget, for memory that grows with B.

    memory_at(B) -> bytes for one step at batch B (saved-tensor bytes on a CPU, the CUDA peak
    on a GPU). Activation memory is close to affine in B, a + b B, so two measurements (at b1
    and b2) predict B; from there a galloping search and bisection find the exact answer,
    memory_at(B) <= budget < memory_at(B + 1), in a few more measurements. 0: not even one.
    """
    if not 0 < b1 < b2:
        raise ValueError(f"need 0 < b1 < b2, got {b1}, {b2}")
    m1, m2 = memory_at(b1), memory_at(b2)
    while m2 <= m1 and b2 < limit:  # no growth seen yet (allocator rounding): look further
        b2 = min(2 * b2, limit)
        m2 = memory_at(b2)
    slope = (m2 - m1) / (b2 - b1)
    B = limit if slope <= 0 else int(min(max((budget - m1) / slope + b1, 1), limit))
    fits = lambda b: b == 0 or (b <= limit and memory_at(b) <= budget)  # noqa: E731
    step = 1
    if fits(B):  # gallop up: lo fits, hi does not
        lo = B
        while lo + step <= limit and fits(lo + step):
            lo, step = lo + step, 2 * step
        hi = min(lo + step, limit + 1)
    else:        # gallop down
        hi = B
        while hi - step > 0 and not fits(hi - step):
            hi, step = hi - step, 2 * step
        lo = max(hi - step, 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
