"""The one training loop: `fit` and `evaluate`, extended through callbacks.

Every notebook trains through `fit`; a method that needs more than plain SGD (the DARTS
architect, a GDAS temperature, a sampled path) is a `Callback`, never a copy of the loop.

- device="auto": CUDA when present (bf16 autocast, channels_last, cudnn.benchmark), else CPU.
  amp=True and channels_last=True run the CUDA recipe on the CPU too (to test it there).
- A non-finite training loss stops the run with `NonFiniteLossError` (after the epoch in
  which it appeared), instead of training on NaN for hours.
- Data stays on the device as tensors; batches are index slices, so small datasets never
  wait on loader workers.
- Seeded: shuffling and augmentation draw from one torch.Generator, so a CPU run repeats.
- checkpoint="run.pt": the state is saved atomically after every epoch; calling `fit` again
  with the same path resumes after the last finished epoch and ends exactly where an
  uninterrupted run would have. A checkpoint of other settings or other data is refused
  (naslib_mini.checkpoint says what must match).
- Checked: every argument and the data (shapes, label types, NaN) before any work, with an
  error that names the culprit (naslib_mini.checks).
- Any model, any loss: `loss_fn(net(X), y)` (default: cross-entropy); accuracy is logged
  only where it applies, logits (B, K) and integer labels (B,). A regression predictor (NAO's,
  PNAS's surrogates) trains here too; a callback's `train_step` computes a loss of its own.
- Returns the history as plain data: {"epoch": [...], "train_loss": [...], ...}.
"""
from __future__ import annotations

import contextlib
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from . import checks
from .utils import atomic_save, resolve_device, set_threads

OPTIMIZERS = ("sgd", "adam")
SCHEDULERS = (None, "cosine")


class Callback:
    """Hooks into `fit`. `t` is the Trainer: t.net, t.optimizer, t.epoch, t.step, t.device,
    t.history, t.gen (the loop's generator); set t.stop = True to end after this epoch."""

    def on_fit_start(self, t): ...
    def on_epoch_start(self, t): ...
    def on_batch_start(self, t, X, y): ...
    def on_batch_end(self, t, loss): ...
    def on_epoch_end(self, t, logs: dict): ...   # may add keys to logs; they enter the history
    def on_fit_end(self, t): ...
    def state_dict(self) -> dict: return {}
    def load_state_dict(self, state: dict) -> None: ...

    # A callback may also define `train_step(self, t, X, y, loss_fn) -> (loss, logits)`: it then
    # replaces the plain forward/backward of every batch (the loop still zeroes the gradients
    # before it and takes the optimizer step after it). One-shot methods use it: the DARTS
    # architect step before the weight step, FairNAS's m paths accumulated into one update.
    # At most one callback of a fit may define it. Run the forward under `t.autocast()`.


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite: the run stops instead of going on."""


def _autocast(device, amp: bool | None = None):
    """bf16 autocast: amp=None means on CUDA only; True on any device; False never."""
    if amp is None:
        amp = device.type == "cuda"
    if amp:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _as_xy(split, device, channels_last=None):
    X, y = checks.pair("split", split)
    X, y = X.to(device), y.to(device)
    if (device.type == "cuda" if channels_last is None else channels_last) and X.dim() == 4:
        X = X.contiguous(memory_format=torch.channels_last)
    return X, y


def evaluate(net, split, *, batch_size: int = 1024, device="auto", loss_fn=F.cross_entropy,
             channels_last: bool | None = None, amp: bool | None = None):
    """Mean loss and accuracy of `net` on a split (anything with .X and .y, or an (X, y) pair);
    the accuracy is NaN where it does not apply (see `hits`)."""
    checks.integer("batch_size", batch_size, min=1)
    checks.function("loss_fn", loss_fn)
    device = resolve_device(checks.device("device", device))
    classify = loss_fn is F.cross_entropy
    _, y = checks.split("split", split, net, classify=classify)
    if classify:
        loss_fn = checks.label_check(loss_fn, int(y.max()), "split")
    return _evaluate(net, split, batch_size, device, loss_fn, channels_last, amp, classify)


def hits(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
    """How many argmax predictions are right, where accuracy applies: logits (B, K) and
    integer labels (B,); None otherwise (a regression, a sequence loss)."""
    if logits.dim() != 2 or y.dim() != 1 or y.is_floating_point() or len(y) != len(logits):
        return None
    return (logits.argmax(1) == y).sum()


@torch.no_grad()
def _evaluate(net, split, batch_size, device, loss_fn, channels_last, amp=None, classify=True):
    X, y = _as_xy(split, device, channels_last)
    was_training = net.training
    net.eval()
    loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    with _autocast(device, amp):
        for i in range(0, len(y), batch_size):
            logits, yb = net(X[i:i + batch_size]).float(), y[i:i + batch_size]
            # cross-entropy sums exactly; any other loss is taken as a batch mean
            loss_sum += loss_fn(logits, yb, reduction="sum") if classify else loss_fn(logits, yb) * len(yb)
            h = hits(logits, yb)
            correct = correct + h if h is not None and correct is not None else None
    net.train(was_training)
    return loss_sum.item() / len(y), (correct.item() / len(y) if correct is not None else float("nan"))


class Trainer:
    """The state of one `fit` call, handed to every callback."""

    def __init__(self, net, optimizer, scheduler, device, gen, callbacks, amp=None):
        self.net, self.optimizer, self.scheduler = net, optimizer, scheduler
        self.amp = amp
        self.device, self.gen, self.callbacks = device, gen, list(callbacks)
        self.epoch, self.step, self.stop = 0, 0, False
        self.history: dict[str, list] = {}
        steppers = [cb for cb in self.callbacks if callable(getattr(cb, "train_step", None))]
        if len(steppers) > 1:
            raise ValueError("at most one callback may define train_step, got "
                             + ", ".join(type(cb).__name__ for cb in steppers))
        self.stepper = steppers[0] if steppers else None

    def autocast(self):
        """The mixed-precision context of this run (bf16 on CUDA, nothing on the CPU unless
        fit(amp=True)). Full-precision work (DARTS' second-order step) stays outside it."""
        return _autocast(self.device, self.amp)

    def call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(self, *args)

    def state_dict(self):
        return {
            "net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "epoch": self.epoch, "step": self.step, "history": self.history,
            "gen": self.gen.get_state(), "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "numpy_rng": np.random.get_state(), "python_rng": random.getstate(),
            "callbacks": [st for st in (cb.state_dict() for cb in self.callbacks) if st],
        }

    def load_state_dict(self, s):
        self.net.load_state_dict(s["net"])
        self.optimizer.load_state_dict(s["optimizer"])
        if self.scheduler and s["scheduler"]:
            self.scheduler.load_state_dict(s["scheduler"])
        self.epoch, self.step, self.history = s["epoch"], s["step"], s["history"]
        self.gen.set_state(s["gen"])
        torch.set_rng_state(s["torch_rng"])
        if s["cuda_rng"] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(s["cuda_rng"])
        np.random.set_state(s["numpy_rng"])
        random.setstate(s["python_rng"])
        stateful = [cb for cb in self.callbacks if cb.state_dict()]  # as saved: in order
        for cb, state in zip(stateful, s["callbacks"], strict=True):
            cb.load_state_dict(state)


def make_optimizer(net, name="sgd", lr=0.05, momentum=0.9, weight_decay=3e-4):
    params = [p for p in net.parameters() if p.requires_grad]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; choose 'sgd' or 'adam'")


def _check_settings(num_epochs, lr, optimizer, momentum, weight_decay, batch_size, scheduler,
                    grad_clip, augment, loss_fn, seed, callbacks, checkpoint, progress,
                    channels_last):
    checks.integer("num_epochs", num_epochs, min=1)
    checks.number("lr", lr, min=0, min_open=True)
    if not isinstance(optimizer, torch.optim.Optimizer) and optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose 'sgd', 'adam' or pass a "
                         "torch.optim.Optimizer")
    checks.number("momentum", momentum, min=0, max=1, max_open=True)
    checks.number("weight_decay", weight_decay, min=0)
    checks.integer("batch_size", batch_size, min=1)
    checks.choice("scheduler", scheduler, SCHEDULERS)
    if grad_clip is not None:
        checks.number("grad_clip", grad_clip, min=0, min_open=True)
    checks.function("augment", augment, none=True)
    checks.function("loss_fn", loss_fn)
    checks.integer("seed", seed, min=0)
    checks.path("checkpoint", checkpoint, none=True)
    checks.flag("progress", progress)
    if channels_last is not None:
        checks.flag("channels_last", channels_last)
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}] must be a train.Callback (subclass it), got "
                            f"{type(cb).__name__}")


def fit(net, data, *, num_epochs: int, lr: float = 0.05, optimizer: str = "sgd",
        momentum: float = 0.9, weight_decay: float = 3e-4, batch_size: int = 64,
        scheduler: str | None = "cosine", grad_clip: float | None = None, augment=None,
        loss_fn=F.cross_entropy, seed: int = 0, device="auto", callbacks=(),
        checkpoint: str | os.PathLike | None = None, progress: bool = True,
        desc: str = "epochs", channels_last: bool | None = None,
        amp: bool | None = None) -> dict:
    """Train `net` with minibatch SGD (or Adam) and return the history.

    data: a naslib_mini.data.Splits (train and val are used), or a (train, val) pair where
    each is an object with .X (N, C, H, W) and .y (N,) or an (X, y) tuple; val may be None.
    channels_last: None = on CUDA only; True also speeds up small convs on CPU (~25% here).
    amp: bf16 autocast; None = on CUDA only, True also on the CPU (the CUDA recipe, testable
    without a GPU; torch's CPU bf16 kernels are slower and some are wrong, so not a default).
    scheduler: "cosine" (to 0 over num_epochs) or None (constant lr).
    optimizer: "sgd" or "adam" (built with lr, momentum, weight_decay), or a torch.optim
    optimizer over net's parameters, used as it is: a second fit continues with its state.
    loss_fn(output, y) -> scalar: any loss (the accuracy is logged only where `hits` applies).
    """
    callbacks = list(callbacks)
    checks.device("device", device)
    if amp not in (None, True, False):
        raise TypeError(f"amp must be None (bf16 on CUDA only), True or False, got {amp!r}")
    _check_settings(num_epochs, lr, optimizer, momentum, weight_decay, batch_size, scheduler,
                    grad_clip, augment, loss_fn, seed, callbacks, checkpoint, progress,
                    channels_last)
    train_split, val_split = _train_val(data)
    classify = loss_fn is F.cross_entropy
    X0, y0 = checks.split("train split", train_split, net, classify)
    if val_split is not None:
        if not len(checks.pair("validation split", val_split)[1]):
            raise ValueError("the validation split is empty (0 examples); pass (train, None) "
                             "as data to train without validation")
        _, yv = checks.split("validation split", val_split, net, classify)
    device = resolve_device(device)
    if device.type == "cpu":
        set_threads()  # CPU results depend on the thread count: pin it (utils.set_threads)
    config = None
    if checkpoint is not None:  # before any work: who this run is
        config = ckpt.run_identity(
            net, (X0, y0), None if val_split is None else checks.pair("val", val_split),
            callbacks=callbacks, num_epochs=num_epochs, lr=lr, momentum=momentum,
            weight_decay=weight_decay, batch_size=batch_size, scheduler=scheduler,
            grad_clip=grad_clip, optimizer=optimizer, seed=seed, augment=augment,
            loss_fn=loss_fn, amp=amp)
        for tmp in ckpt.remove_stale(checkpoint):
            print(f"removed {tmp}, a temporary file left by an interrupted save")
    if classify:  # after the run's identity, which records the user's loss_fn
        top = max(int(y0.max()), int(yv.max()) if val_split is not None else 0)
        loss_fn = checks.label_check(loss_fn, top, "the data")
    if channels_last is None:
        channels_last = device.type == "cuda"
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    if channels_last:
        net.to(device, memory_format=torch.channels_last)
    else:
        net.to(device)
    X, y = _as_xy(train_split, device, channels_last)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    torch.manual_seed(seed)
    opt = (optimizer if isinstance(optimizer, torch.optim.Optimizer)
           else make_optimizer(net, optimizer, lr, momentum, weight_decay))
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, num_epochs) if scheduler == "cosine"
             else None)
    t = Trainer(net, opt, sched, device, gen, callbacks, amp)
    if checkpoint is not None and os.path.exists(checkpoint):
        state = ckpt.load(checkpoint)
        ckpt.check_resumable(checkpoint, state, config)
        t.load_state_dict(state)
    t.call("on_fit_start")
    saved = t.epoch  # epochs finished (and in the checkpoint, when there is one)
    bar = tqdm(total=num_epochs, initial=t.epoch, desc=desc, disable=not progress, leave=True)
    try:
        while t.epoch < num_epochs and not t.stop:
            logs = _train_epoch(t, X, y, batch_size, augment, loss_fn, grad_clip)
            if val_split is not None:
                logs["val_loss"], acc = _evaluate(net, val_split, 1024, device, loss_fn,
                                                  channels_last, amp, classify)
                if acc == acc:  # not NaN: the accuracy applies
                    logs["val_acc"] = acc
            t.call("on_epoch_end", logs)
            for k, v in logs.items():
                t.history.setdefault(k, []).append(v)
            if checkpoint is not None:
                atomic_save({"config": config, **t.state_dict()}, checkpoint)
            saved = t.epoch
            bar.update(1)
            bar.set_postfix({k: f"{logs[k]:.3f}" for k in ("train_loss", "val_acc") if k in logs})
    except KeyboardInterrupt:
        where = (f" (the checkpoint holds them); rerun with checkpoint={os.fspath(checkpoint)!r} "
                 "to resume" if checkpoint else "")
        print(f"Interrupted during epoch {saved + 1}; {saved} epochs were finished{where}.")
        raise
    finally:
        bar.close()
    t.call("on_fit_end")
    return t.history


def _train_val(data):
    """(train, val) of fit's `data`: a Splits (or anything with .train and .val) or a pair."""
    if hasattr(data, "train") and hasattr(data, "val"):
        return data.train, data.val
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    raise TypeError(f"data must be a data.Splits or a (train, val) pair, got {type(data).__name__}")


def _train_epoch(t, X, y, batch_size, augment, loss_fn, grad_clip):
    net, opt, device = t.net, t.optimizer, t.device
    start = time.perf_counter()
    t.call("on_epoch_start")
    net.train()
    perm = torch.randperm(len(y), generator=t.gen).to(device)
    loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    for i in range(0, len(y), batch_size):
        idx = perm[i:i + batch_size]
        Xb, yb = X[idx], y[idx]                       # (B, C, H, W), (B,)
        if augment is not None:
            Xb = augment(Xb, t.gen)
        t.call("on_batch_start", Xb, yb)
        opt.zero_grad(set_to_none=True)
        if t.stepper is not None:
            loss, logits = t.stepper.train_step(t, Xb, yb, loss_fn)
        else:
            with t.autocast():
                logits = net(Xb)                      # (B, num_classes), or any output
                loss = loss_fn(logits.float(), yb)
            loss.backward()
        if grad_clip:
            torch.nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
        opt.step()
        t.step += 1
        loss_sum += loss.detach() * len(yb)
        h = hits(logits.detach(), yb)
        correct = correct + h if h is not None and correct is not None else None
        t.call("on_batch_end", loss)
    lr = opt.param_groups[0]["lr"]
    if t.scheduler is not None:
        t.scheduler.step()
    t.epoch += 1
    n = len(y)
    if not torch.isfinite(loss_sum):  # one check an epoch: no per-step GPU sync
        raise NonFiniteLossError(
            f"the training loss became {loss_sum.item() / n} in epoch {t.epoch} (step {t.step}); "
            "stopping instead of training on. Usual causes: a learning rate too high, NaN or "
            "inf in the data, or bf16 on a kernel that overflows (try amp=False)")
    logs = {"epoch": t.epoch, "lr": lr, "train_loss": loss_sum.item() / n}
    if correct is not None:
        logs["train_acc"] = correct.item() / n
    return logs | {"time": time.perf_counter() - start}
