"""The DARTS architect: alphas, their optimizer, and the alternating search step (Liu et al.
2019, arXiv 1806.09055, section 2.3 and Algorithm 1; official code cnn/architect.py).

    while not converged:
        1. update alpha by descending grad_alpha L_val(w - xi grad_w L_train(w, alpha), alpha)
           (xi = 0: first order; xi = the weights' learning rate: second order, see bilevel.py)
        2. update w by descending grad_w L_train(w, alpha)

`Architect` is a train.Callback: its `train_step` hook does step 1 on a batch of the
validation split and then the forward/backward of step 2 on the training batch; `fit` takes
the weight step. So a search is one call of `fit` (see search.search), with checkpoints and
resume: the callback's state carries the alphas, their Adam state, the validation-batch
generator and the per-epoch record.

Settings of the official code: alpha = 1e-3 * randn, Adam(lr 3e-4, betas (0.5, 0.999),
weight decay 1e-3). Mixing weights are softmax(alpha) per edge (eq. 2).

Supernets: anything with `arch_spec() -> {cell type: [ops per edge]}` and
`forward_arch(x, weights, index, edge_weights)` taking per-cell-type dicts (SearchCNN), and
NAS-Bench-201's NB201SuperNet (one cell type, "cell").
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from .. import checks
from ..spaces import nb201
from ..train import Callback
from ..utils import resolve_device
from .bilevel import first_order_grad, second_order_grad
from .derive import derive
from .nb201_supernet import NB201SuperNet


def arch_spec(supernet) -> dict[str, list[int]]:
    """{cell type: number of candidate ops on each edge}: the shapes of the alphas."""
    if hasattr(supernet, "arch_spec"):
        return supernet.arch_spec()
    if isinstance(supernet, NB201SuperNet):
        return {"cell": [len(supernet.primitives)] * supernet.n_edges}
    raise TypeError(f"{type(supernet).__name__} is not a supernet: give it arch_spec() and "
                    "forward_arch()")


def forward_arch(supernet, x, weights=None, index=None, edge_weights=None):
    """Logits of a supernet under per-cell-type mixing: weights {type: (E, n)}, index
    {type: E op indices}, edge_weights {type: (E,)}; each None when unused."""
    if hasattr(supernet, "forward_arch"):
        return supernet.forward_arch(x, weights, index, edge_weights)
    if isinstance(supernet, NB201SuperNet):
        if edge_weights:
            raise ValueError("NB201SuperNet sums every edge: no edge weights")
        return supernet(x, weights=None if weights is None else weights["cell"],
                        path=None if index is None else index["cell"])
    raise TypeError(f"{type(supernet).__name__} is not a supernet: give it arch_spec() and "
                    "forward_arch()")


def init_alphas(spec: dict[str, list[int]], scale: float = 1e-3, generator=None, device="cpu"):
    """scale * randn per cell type: one (E, n) tensor when every edge has n ops, else a list
    of E 1-D tensors. Leaves with requires_grad."""
    out = {}
    for name, sizes in spec.items():
        if len(set(sizes)) == 1:
            out[name] = (scale * torch.randn(len(sizes), sizes[0], generator=generator)
                         ).to(device).requires_grad_()
        else:
            out[name] = [(scale * torch.randn(n, generator=generator)).to(device).requires_grad_()
                         for n in sizes]
    return out


def _flat(alphas: dict) -> list[torch.Tensor]:
    return [t for a in alphas.values() for t in (a if isinstance(a, list) else [a])]


def softmax_per_edge(alpha, detach: bool = False):
    """softmax over the ops of each edge: (E, n) -> (E, n), or a list of 1-D tensors."""
    if isinstance(alpha, list):
        return [(a.detach() if detach else a).softmax(-1) for a in alpha]
    return (alpha.detach() if detach else alpha).softmax(-1)


def _numpy(w):
    return [x.detach().cpu().numpy() for x in w] if isinstance(w, list) else w.detach().cpu().numpy()


def _accuracy(logits, y) -> torch.Tensor:
    """Top-1 accuracy of class logits (B, K) against labels (B,); NaN for other tasks."""
    if logits.dim() == 2 and y.dim() == 1 and not y.is_floating_point():
        return (logits.argmax(1) == y).float().mean()
    return torch.tensor(float("nan"))


def arch_string(arch) -> str:
    """A derived architecture as text: a Genotype's string or a NAS-Bench-201 cell string."""
    return arch.to_string() if hasattr(arch, "to_string") else nb201.ops_to_string(arch)


class SearchModel(nn.Module):
    """What `fit` trains: the supernet's weights, mixed by the method's current architecture.
    The alphas are not parameters of this module, so fit's SGD never touches them."""

    def __init__(self, method: "Architect"):
        super().__init__()
        self.supernet = method.supernet
        self.method = method  # a Callback, not a Module: not registered, not saved with the net

    def forward(self, x):  # (B, C, H, W) -> (B, num_classes)
        return self.method.logits(x, training=self.training)


class Architect(Callback):
    """DARTS. Owns `alphas` ({cell type: (E, n_ops)}) and their Adam `optimizer`.

    supernet: SearchCNN, NB201SuperNet or any supernet with arch_spec / forward_arch.
    val: the split the alphas are trained on (.X, .y or an (X, y) pair); batches of
        `batch_size` are drawn from it without replacement, reshuffled at each pass.
    order: 1 (xi = 0) or 2 (unrolled, xi = the weight optimizer's learning rate).
    warmup_epochs: epochs of weight training before alphas move (P-/PC-DARTS use it).
    num_epochs: the search length, for schedules (GDAS' tau); DARTS does not need it.
    alphas: start from these (e.g. another search's), else init_scale * randn.
    The record of the search: `snapshots`, one per epoch: {"epoch", "weights" (softmax,
    numpy), "arch" (the derived architecture)}; fit's history gets "arch" (as text),
    "arch_val_loss" and "arch_val_acc" (means over the epoch's architecture steps, on
    their validation batches: a free estimate of the supernet's validation accuracy).
    """

    def __init__(self, supernet, val, *, order: int = 1, arch_lr: float = 3e-4,
                 arch_betas=(0.5, 0.999), arch_weight_decay: float = 1e-3,
                 init_scale: float = 1e-3, batch_size: int = 64, r: float = 1e-2,
                 warmup_epochs: int = 0, num_epochs: int | None = None, seed: int = 0,
                 device="auto", alphas=None):
        if not isinstance(order, int) or isinstance(order, bool) or order not in (1, 2):
            raise ValueError(f"order must be 1 (first order) or 2 (unrolled), got {order!r}")
        checks.integer("batch_size", batch_size, min=1)
        checks.integer("warmup_epochs", warmup_epochs, min=0)
        if num_epochs is not None:
            checks.integer("num_epochs", num_epochs, min=1)
        checks.number("arch_lr", arch_lr, min=0, min_open=True)
        checks.number("arch_weight_decay", arch_weight_decay, min=0)
        checks.number("init_scale", init_scale, min=0)
        checks.number("r", r, min=0, min_open=True)
        checks.integer("seed", seed, min=0)
        checks.split("val", val, classify=False)
        self.supernet, self.order, self.r = supernet, order, r
        self.batch_size, self.warmup_epochs, self.num_epochs = batch_size, warmup_epochs, num_epochs
        self.device = resolve_device(device)
        gen = torch.Generator().manual_seed(seed)
        self.alphas = init_alphas(arch_spec(supernet), init_scale, gen, self.device)
        if alphas is not None:
            self.load_alphas(alphas)
        self.init_arch(gen, init_scale)
        self.optimizer = torch.optim.Adam(self.arch_parameters(), lr=arch_lr, betas=tuple(arch_betas),
                                          weight_decay=arch_weight_decay)
        self.val = val
        self._val_cache = None
        self._val_gen = torch.Generator().manual_seed(seed + 1)
        self._val_perm, self._val_pos = None, 0
        self._arch_loss = [0.0, 0.0, 0]
        self.snapshots: list[dict] = []

    # ------------------------------------------------------------------ architecture
    def init_arch(self, generator: torch.Generator, init_scale: float) -> None:
        """Hook for subclasses: create more architecture tensors (PC-DARTS' betas) here; it
        runs after the alphas and before the optimizer is built over arch_parameters()."""

    def arch_parameters(self) -> list[torch.Tensor]:
        """Every tensor the architecture optimizer updates, in a fixed order (the alphas;
        subclasses append theirs). Checkpoints save and restore exactly these."""
        return _flat(self.alphas)

    def load_alphas(self, alphas: dict) -> None:
        """Copy alphas in place (shapes must match), keeping the optimizer's references."""
        with torch.no_grad():
            for name, a in self.alphas.items():
                src = alphas[name]
                pairs = zip(a if isinstance(a, list) else [a], src if isinstance(src, list) else [src])
                for dst, s in pairs:
                    dst.copy_(torch.as_tensor(s).to(dst))

    def arch_weights(self, detach: bool = False) -> dict:
        """Mixing weights softmax(alpha), per cell type."""
        return {name: softmax_per_edge(a, detach) for name, a in self.alphas.items()}

    def mixing(self, detach: bool = True, training: bool = True) -> dict:
        """The keyword arguments of forward_arch for one forward pass."""
        return {"weights": self.arch_weights(detach)}

    def logits(self, X, *, detach: bool = True, training: bool = True):
        """The supernet's logits with the current architecture (detach: no gradient to alpha)."""
        return forward_arch(self.supernet, X, **self.mixing(detach, training))

    def derive_inputs(self) -> tuple[dict, dict | None]:
        """(weights, edge_weights) that the derivation rule ranks."""
        return self.arch_weights(detach=True), None

    def derive(self):
        """The discrete architecture now: a Genotype (SearchCNN) or 6 ops (NB201SuperNet)."""
        return derive(self.supernet, *self.derive_inputs())

    # ------------------------------------------------------------------ one search step
    def next_val_batch(self, device=None):
        """The next validation batch (X (B, C, H, W), y (B,)), on `device`."""
        device = resolve_device(device or self.device)
        if self._val_cache is None or self._val_cache[0].device != device:
            X, y = (self.val.X, self.val.y) if hasattr(self.val, "X") else self.val
            self._val_cache = (X.to(device), y.to(device))
        X, y = self._val_cache
        n, bs = len(y), min(self.batch_size, len(y))
        if self._val_perm is None or self._val_pos + bs > n:
            self._val_perm, self._val_pos = torch.randperm(n, generator=self._val_gen), 0
        idx = self._val_perm[self._val_pos:self._val_pos + bs].to(device)
        self._val_pos += bs
        return X[idx], y[idx]

    def arch_step(self, X, y, Xv, yv, loss_fn, weight_optimizer=None, autocast=contextlib.nullcontext):
        """Step 1 of Algorithm 1: one Adam step on alpha. X, y: the training batch (second
        order only); Xv, yv: a validation batch; weight_optimizer: the weights' SGD, whose
        learning rate (xi), momentum buffers and weight decay define the unrolled step."""
        arch = self.arch_parameters()
        record = []

        def val_loss(precision=autocast):
            with precision():
                logits = self.logits(Xv, detach=False).float()  # (B, num_classes)
                loss = loss_fn(logits, yv)
            record.append((loss.detach(), _accuracy(logits.detach(), yv)))
            return loss

        if self.order == 1:
            grads = first_order_grad(val_loss, arch)
        else:  # full precision: the finite difference needs it
            if weight_optimizer is None:
                raise ValueError("the second-order step needs the weights' optimizer (its lr is xi)")
            weights = [p for p in self.supernet.parameters() if p.requires_grad]
            group = weight_optimizer.param_groups[0]
            bufs = [weight_optimizer.state.get(p, {}).get("momentum_buffer") for p in weights]
            grads = second_order_grad(
                lambda: loss_fn(self.logits(X, detach=False).float(), y),
                lambda: val_loss(contextlib.nullcontext),
                weights, arch, group["lr"], bufs, group.get("momentum", 0.0),
                group.get("weight_decay", 0.0), self.r)
        self.optimizer.zero_grad(set_to_none=True)
        for a, g in zip(arch, grads):
            a.grad = g
        self.optimizer.step()
        if record:  # the first validation pass: at w (first order) or w' (second order)
            self._arch_loss[0] += float(record[0][0])
            self._arch_loss[1] += float(record[0][1])
            self._arch_loss[2] += 1

    def train_step(self, t, X, y, loss_fn):
        """fit's hook: the architecture step on a validation batch, then the weights'
        forward/backward on the training batch (fit then takes the SGD step)."""
        if t.epoch >= self.warmup_epochs:
            Xv, yv = self.next_val_batch(t.device)
            self.arch_step(X, y, Xv, yv, loss_fn, t.optimizer, t.autocast)
        with t.autocast():
            logits = self.logits(X)  # (B, num_classes), alphas detached
            loss = loss_fn(logits.float(), y)
        loss.backward()
        return loss, logits

    # ------------------------------------------------------------------ record and state
    def on_epoch_start(self, t):
        self._arch_loss = [0.0, 0.0, 0]

    def on_epoch_end(self, t, logs):
        arch = self.derive()
        self.snapshots.append({"epoch": t.epoch, "arch": arch,
                               "weights": {k: _numpy(w) for k, w in self.arch_weights(True).items()}})
        logs["arch"] = arch_string(arch)
        loss, acc, n = self._arch_loss
        logs["arch_val_loss"] = loss / n if n else float("nan")
        logs["arch_val_acc"] = acc / n if n else float("nan")

    def state_dict(self) -> dict:
        return {"arch": [a.detach().clone() for a in self.arch_parameters()],
                "optimizer": self.optimizer.state_dict(), "val_gen": self._val_gen.get_state(),
                "val_perm": self._val_perm, "val_pos": self._val_pos,
                "arch_loss": list(self._arch_loss), "snapshots": list(self.snapshots)}

    def load_state_dict(self, state: dict) -> None:
        with torch.no_grad():
            for a, saved in zip(self.arch_parameters(), state["arch"], strict=True):
                a.copy_(saved)
        self.optimizer.load_state_dict(state["optimizer"])
        self._val_gen.set_state(state["val_gen"])
        self._val_perm, self._val_pos = state["val_perm"], state["val_pos"]
        self._arch_loss = list(state["arch_loss"])
        self.snapshots = list(state["snapshots"])
