"""Speed benchmark: `python -m naslib_mini.speed [--quick] [--device auto|cpu|cuda]`.

Images per second of `train.fit` (data resident on the device, index-sliced batches)
against a plain PyTorch loop over a DataLoader (the textbook way), on the same model and
data, with each variant in a fresh process so its peak memory is its own: peak resident
memory (RSS) on CPU, peak allocated GPU memory on CUDA. A benchmark, not a test: the
figures depend on the machine, and the README records them with the command.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import resource
import time

CASES = {
    # name: (dataset, network, epochs)
    "digits / SmallCNN": ("digits", "small_cnn", 3),
    "synthetic 32x32 / DARTS_V2 8 cells C=16": ("synthetic", "darts_v2", 2),
}


def _build(network, splits):
    from .genotypes import DARTS_V2
    from .networks import CellNetwork, SmallCNN
    if network == "small_cnn":
        return SmallCNN(splits.in_channels, splits.num_classes, C=16, depth=2)
    return CellNetwork(DARTS_V2, C=16, layers=8, num_classes=splits.num_classes,
                       in_channels=splits.in_channels)


def _plain_loop(net, splits, epochs, batch_size, device):
    """The textbook loop: DataLoader over CPU tensors, copy each batch to the device."""
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset
    net.to(device)
    ds = TensorDataset(splits.train.X.cpu(), splits.train.y.cpu())
    dl = DataLoader(ds, batch_size=batch_size, shuffle=True)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=3e-4)
    for _ in range(epochs):
        net.train()
        for X, y in dl:
            X, y = X.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(net(X), y)
            loss.backward()
            opt.step()


def _worker(case, variant, device, batch_size, queue):
    """Measure in this process and put the result, or the error as text, on the queue."""
    try:
        queue.put(_measure_here(case, variant, device, batch_size))
    except BaseException as e:  # the parent re-raises it with the case named
        queue.put({"error": f"{type(e).__name__}: {e}"})
        raise


def _measure_here(case, variant, device, batch_size):
    import torch
    from . import data, train
    from .utils import resolve_device, seed_everything
    dataset, network, epochs = CASES[case]
    device = resolve_device(device)  # a clear DeviceUnavailableError for cuda without CUDA
    splits = data.load(dataset, device="cpu" if variant == "plain DataLoader loop" else device)
    seed_everything(0)
    net = _build(network, splits)
    run = (lambda n: train.fit(net, (splits.train, None), num_epochs=n, batch_size=batch_size,
                               device=device, progress=False)) if variant == "train.fit" else \
          (lambda n: _plain_loop(net, splits, n, batch_size, device))
    run(1)  # warm-up epoch: allocator, cudnn autotuning, first-call overheads
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    run(epochs)
    if device.type == "cuda":
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    seconds = time.perf_counter() - t0
    return {"case": case, "variant": variant, "device": str(device),
            "images_per_s": epochs * len(splits.train) / seconds, "peak_mib": peak}


def measure(case, variant, device="auto", batch_size=64, timeout: float = 3600.0):
    """One case and variant in a fresh process. A worker that fails (an error, CUDA asked
    for where there is none, out of memory, killed) raises here with its reason instead of
    leaving this process waiting forever; so does one still running after `timeout` s."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_worker, args=(case, variant, device, batch_size, q))
    p.start()
    end = time.monotonic() + timeout
    try:
        while True:
            try:
                result = q.get(timeout=1.0)
                break
            except queue.Empty:
                if not p.is_alive() and q.empty():
                    raise RuntimeError(f"speed worker for {case!r} / {variant!r} died with exit "
                                       f"code {p.exitcode} before reporting") from None
                if time.monotonic() > end:
                    raise TimeoutError(f"speed worker for {case!r} / {variant!r} still running "
                                       f"after {timeout:.0f} s") from None
    finally:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join()
    if "error" in result:
        raise RuntimeError(f"speed worker for {case!r} / {variant!r} failed: {result['error']}")
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--quick", action="store_true", help="only the digits case")
    a = ap.parse_args(argv)
    import platform

    import torch

    from .utils import resolve_device
    resolve_device(a.device)  # cuda without CUDA: one clear line before any worker starts
    cases = list(CASES)[:1] if a.quick else list(CASES)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{platform.processor() or platform.machine()}, batch {a.batch_size}")
    print("| case | loop | device | images/s | peak memory (MiB) |")
    print("|---|---|---|---:|---:|")
    for case in cases:
        for variant in ("train.fit", "plain DataLoader loop"):
            r = measure(case, variant, a.device, a.batch_size)
            mem = "peak GPU alloc" if r["device"].startswith("cuda") else "peak RSS"
            print(f"| {case} | {variant} | {r['device']} | {r['images_per_s']:,.0f} | "
                  f"{r['peak_mib']:,.0f} ({mem}) |", flush=True)


if __name__ == "__main__":
    main()
