"""The one-shot method base: the architecture state, owned once, and the registry of methods.

A one-shot method is a `train.Callback` that owns the architecture and drives the supernet
(supernet.py) through `fit`: its `train_step` hook replaces each batch's plain step. The state
every method shares lives here, so that DARTS, GDAS, PC-DARTS, P-DARTS, DenseNAS, SPOS and
FairNAS (the subclasses) write only what is their own:

    alphas        {cell type: (E, n)}   op logits, init_scale * randn      (supernet.arch_spec)
    betas         {cell type: (E',)}    edge logits, softmax per group     (supernet.edge_groups)
    optimizer     Adam over alphas (arch_lr) and betas (beta_lr)
    the validation cursor               batches of the val split, without replacement,
                                        reshuffled at each pass (its own generator)
    snapshots     per epoch: {"epoch", "arch", "weights" (softmax, numpy), "edge_weights"}
    state_dict    all of the above: `fit(..., checkpoint=...)` resumes exactly

Methods are registered by name (`register`, `get`; torchvision's register_model style), so
`search.search(space, "gdas", ...)` needs no if-chain.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import augment as aug
from .. import checks
from ..train import Callback, fit
from ..utils import resolve_device
from .mixed import group_softmax
from .supernet import Mixing, flat, init_alphas, softmax_per_edge

METHODS: dict[str, type] = {}


def register(name: str):
    """Class decorator: `@register("darts")` makes the method reachable by name."""
    def add(cls):
        if name in METHODS:
            raise ValueError(f"a one-shot method called {name!r} is registered already")
        METHODS[name] = cls
        cls.name = name
        return cls
    return add


def get(method) -> type:
    """A registered method by name, or a OneShotMethod subclass itself."""
    if isinstance(method, type) and issubclass(method, OneShotMethod):
        return method
    if isinstance(method, str) and method in METHODS:
        return METHODS[method]
    raise ValueError(f"unknown method {method!r}; choose one of {sorted(METHODS)} or pass a "
                     "OneShotMethod subclass")


def augmentation(config):
    """A training batch's augmentation from a config's crop / hflip / cutout fields (absent or
    0: none), as augment.compose; None when there is none."""
    crop, hflip, cutout = (getattr(config, f, 0) for f in ("crop", "hflip", "cutout"))
    parts = ([aug.crop(crop)] if crop else []) + ([aug.hflip()] if hflip else []) \
        + ([aug.cutout(cutout)] if cutout else [])
    return None if not parts else parts[0] if len(parts) == 1 else aug.compose(*parts)


def _numpy(w):
    return [x.detach().cpu().numpy() for x in w] if isinstance(w, list) else w.detach().cpu().numpy()


def accuracy(logits, y) -> torch.Tensor:
    """Top-1 accuracy of class logits (B, K) against labels (B,); NaN for other tasks."""
    if logits.dim() == 2 and y.dim() == 1 and not y.is_floating_point():
        return (logits.argmax(1) == y).float().mean()
    return torch.tensor(float("nan"))


class SearchModel(nn.Module):
    """What `fit` trains: the supernet's weights, mixed by the method's current architecture.
    The alphas are not parameters of this module, so fit's SGD never touches them."""

    def __init__(self, method: "OneShotMethod"):
        super().__init__()
        self.supernet = method.supernet
        self.method = method  # a Callback, not a Module: not registered, not saved with the net

    def forward(self, x):  # (B, C, H, W) -> (B, num_classes)
        return self.method.logits(x, training=self.training)


class OneShotMethod(Callback):
    """The architecture state of a one-shot search (module docstring); subclasses add the step.

    supernet: a supernet.Supernet; val: the split the architecture is trained on (.X, .y or
    an (X, y) pair, None for methods without an architecture step); config: the method's
    config (oneshot/config.py); seed: alphas and betas (seed), the validation batches
    (seed + 1); a subclass's own draws use seed + 2.
    """

    name = "one-shot"
    Config = None                      # the config class; set by each subclass
    spaces = ("darts", "nb201", "fairnas")  # the supernets (search.SUPERNETS) it can drive
    uses_alphas = True                 # False: no architecture parameters (SPOS, FairNAS)

    def __init__(self, supernet, val, config, *, seed: int = 0, device="auto"):
        if self.Config is not None and not isinstance(config, self.Config):
            raise TypeError(f"{type(self).__name__} takes a {self.Config.__name__}, got "
                            f"{type(config).__name__}")
        checks.integer("seed", seed, min=0)
        if val is not None:
            checks.split("val", val, classify=False)
        self.supernet, self.val, self.config, self.seed = supernet, val, config, seed
        self.device = resolve_device(device)
        gen = torch.Generator().manual_seed(seed)
        self.alphas = (init_alphas(supernet.arch_spec(), config.init_scale, gen, self.device)
                       if self.uses_alphas else {})
        self.betas = ({name: (config.init_scale * torch.randn(sum(sizes), generator=gen))
                       .to(self.device).requires_grad_() for name, sizes in supernet.edge_groups().items()}
                      if self.uses_betas() else {})
        groups = [{"params": flat(self.alphas), "lr": getattr(config, "arch_lr", 0.0)}]
        if self.betas:
            groups.append({"params": list(self.betas.values()), "lr": getattr(config, "beta_lr", config.arch_lr)})
        self.optimizer = (torch.optim.Adam(groups, betas=tuple(config.arch_betas),
                                           weight_decay=config.arch_weight_decay)
                          if self.arch_parameters() else None)
        self._val_cache, self._val_gen = None, torch.Generator().manual_seed(seed + 1)
        self._val_perm, self._val_pos = None, 0
        self._arch_loss = [0.0, 0.0, 0]
        self.snapshots: list[dict] = []

    # ------------------------------------------------------------------ the architecture
    def uses_betas(self) -> bool:
        """Whether the method has edge parameters (PC-DARTS with edge_norm, DenseNAS)."""
        return False

    def arch_parameters(self) -> list[torch.Tensor]:
        """Every tensor the architecture optimizer updates, in a fixed order (alphas, then
        betas). Checkpoints save and restore exactly these."""
        return flat(self.alphas) + list(self.betas.values())

    def arch_weights(self, detach: bool = False) -> dict:
        """Op weights softmax(alpha) per edge, per cell type."""
        return {name: softmax_per_edge(a, detach) for name, a in self.alphas.items()}

    def edge_weights(self, detach: bool = False) -> dict:
        """Edge weights, softmax(beta) within each group of edges, per cell type."""
        groups = self.supernet.edge_groups()
        return {name: group_softmax(b.detach() if detach else b, groups[name])
                for name, b in self.betas.items()}

    def load_alphas(self, alphas: dict) -> None:
        """Copy alphas in place (shapes must match), keeping the optimizer's references."""
        with torch.no_grad():
            for name, a in self.alphas.items():
                src = alphas[name]
                pairs = zip(a if isinstance(a, list) else [a], src if isinstance(src, list) else [src])
                for dst, s in pairs:
                    dst.copy_(torch.as_tensor(s).to(dst))

    def mixing(self, detach: bool = True, training: bool = True) -> dict[str, Mixing]:
        """How the next forward pass mixes, per cell type: softmax(alpha) and softmax(beta)."""
        mix = {name: Mixing(w) for name, w in self.arch_weights(detach).items()}
        for name, ew in self.edge_weights(detach).items():
            mix.setdefault(name, Mixing()).edge_weights = ew
        return mix

    def logits(self, X, *, detach: bool = True, training: bool = True):
        """The supernet's logits with the current architecture (detach: no gradient to alpha)."""
        return self.supernet(X, self.mixing(detach, training))

    def derive(self):
        """The discrete architecture the alphas (and betas) stand for now."""
        return self.supernet.derive(self.arch_weights(detach=True),
                                    self.edge_weights(detach=True) or None)

    # ------------------------------------------------------------------ the step's parts
    def next_val_batch(self, device=None):
        """The next validation batch (X (B, C, H, W), y (B,)), on `device`."""
        device = resolve_device(device or self.device)
        if self._val_cache is None or self._val_cache[0].device != device:
            X, y = (self.val.X, self.val.y) if hasattr(self.val, "X") else self.val
            X = X.to(device)
            if getattr(self.config, "channels_last", False) and X.dim() == 4:
                X = X.contiguous(memory_format=torch.channels_last)  # as fit's training batches
            self._val_cache = (X, y.to(device))
        X, y = self._val_cache
        n, bs = len(y), min(self.config.batch_size, len(y))
        if self._val_perm is None or self._val_pos + bs > n:
            self._val_perm, self._val_pos = torch.randperm(n, generator=self._val_gen), 0
        idx = self._val_perm[self._val_pos:self._val_pos + bs].to(device)
        self._val_pos += bs
        return X[idx], y[idx]

    def apply(self, grads) -> None:
        """One step of the architecture optimizer on these gradients (one per arch tensor)."""
        self.optimizer.zero_grad(set_to_none=True)
        for a, g in zip(self.arch_parameters(), grads):
            a.grad = torch.zeros_like(a) if g is None else g
        self.optimizer.step()

    def record(self, loss, acc) -> None:
        """Add one architecture step's validation loss and accuracy to the epoch's means."""
        self._arch_loss[0] += float(loss)
        self._arch_loss[1] += float(acc)
        self._arch_loss[2] += 1

    def train_step(self, t, X, y, loss_fn):
        """The plain weight step with the current architecture (alpha detached); subclasses
        add their architecture step around it."""
        with t.autocast():
            logits = self.logits(X)  # (B, num_classes)
            loss = loss_fn(logits.float(), y)
        loss.backward()
        return loss, logits

    # ------------------------------------------------------------------ record and state
    def on_epoch_start(self, t):
        self._arch_loss = [0.0, 0.0, 0]

    def on_epoch_end(self, t, logs):
        if not self.uses_alphas:
            return
        arch = self.derive()
        snap = {"epoch": t.epoch, "arch": arch,
                "weights": {k: _numpy(w) for k, w in self.arch_weights(True).items()}}
        if self.betas:
            snap["edge_weights"] = {k: _numpy(w) for k, w in self.edge_weights(True).items()}
        self.snapshots.append(snap)
        logs["arch"] = self.supernet.to_string(arch)
        loss, acc, n = self._arch_loss
        logs["arch_val_loss"] = loss / n if n else float("nan")
        logs["arch_val_acc"] = acc / n if n else float("nan")

    def extra_state(self) -> dict:
        """A subclass's own state for checkpoints (generators, schedules)."""
        return {}

    def load_extra_state(self, state: dict) -> None: ...

    def state_dict(self) -> dict:
        return {"arch": [a.detach().clone() for a in self.arch_parameters()],
                "optimizer": None if self.optimizer is None else self.optimizer.state_dict(),
                "val_gen": self._val_gen.get_state(), "val_perm": self._val_perm,
                "val_pos": self._val_pos, "arch_loss": list(self._arch_loss),
                "snapshots": list(self.snapshots), "extra": self.extra_state(),
                "config": self.config}

    def load_state_dict(self, state: dict) -> None:
        diff = {k: v for k, v in self.config.diff(state["config"]).items() if k != "num_epochs"}
        if diff:  # fit checks its own settings; the method's are here (num_epochs: fit's rule)
            raise ValueError("the checkpoint belongs to a search with other settings (" + "; ".join(
                f"{k}: {saved!r} there, {now!r} now" for k, (now, saved) in diff.items())
                + "); delete it or pass another checkpoint path")
        with torch.no_grad():
            for a, saved in zip(self.arch_parameters(), state["arch"], strict=True):
                a.copy_(saved)
        if self.optimizer is not None:
            self.optimizer.load_state_dict(state["optimizer"])
        self._val_gen.set_state(state["val_gen"])
        self._val_perm, self._val_pos = state["val_perm"], state["val_pos"]
        self._arch_loss = list(state["arch_loss"])
        self.snapshots = list(state["snapshots"])
        self.load_extra_state(state["extra"])

    # ------------------------------------------------------------------ one search
    @classmethod
    def run(cls, build, splits, config, callbacks, run):
        """Search: one `fit` of the supernet with the method as its callback (P-DARTS and
        SPOS / FairNAS override this). build(**overrides) -> the supernet; `run` holds
        search.search's run options (seed, device, checkpoint, progress, evaluate, desc).
        Returns (the method, fit's history, the derived architecture)."""
        method = cls(build(), splits.val, config, seed=run.seed, device=run.device)
        history = method.fit(splits if run.evaluate else (splits.train, None), callbacks, run)
        return method, history, method.derive()

    def fit(self, data, callbacks, run, checkpoint=None):
        """train.fit of SearchModel(self) with the config's weight settings."""
        c = self.config
        return fit(SearchModel(self), data, num_epochs=c.num_epochs, lr=c.lr, momentum=c.momentum,
                   weight_decay=c.weight_decay, batch_size=c.batch_size, grad_clip=c.grad_clip,
                   seed=run.seed, device=run.device, callbacks=[self, *callbacks],
                   checkpoint=run.checkpoint if checkpoint is None else checkpoint,
                   progress=run.progress, desc=run.desc, augment=augmentation(c),
                   channels_last=getattr(c, "channels_last", None))

