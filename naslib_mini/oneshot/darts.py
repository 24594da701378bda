"""DARTS: the alternating search step (Liu et al. 2019, arXiv 1806.09055, section 2.3 and
Algorithm 1; official code cnn/architect.py).

    while not converged:
        1. update alpha by descending grad_alpha L_val(w - xi grad_w L_train(w, alpha), alpha)
           (xi = 0: first order; xi = the weights' learning rate: second order, see bilevel.py)
        2. update w by descending grad_w L_train(w, alpha)

`DARTS` is a one-shot method (method.OneShotMethod: the alphas, their Adam, the validation
batches, the record): its `train_step` hook does step 1 on a batch of the validation split,
then the forward/backward of step 2 on the training batch; `fit` takes the weight step. So a
search is one call of `fit` (search.search), with checkpoints and exact resume. Mixing weights
are softmax(alpha) per edge (eq. 2); the settings are DARTSConfig's (oneshot/config.py).
"""
from __future__ import annotations

import contextlib

from .bilevel import first_order_grad, second_order_grad
from .config import DARTSConfig
from .method import OneShotMethod, accuracy, register


@register("darts")
class DARTS(OneShotMethod):
    """DARTS, first or second order (config.order). Owns `alphas` ({cell type: (E, n_ops)}).

    fit's history gets "arch" (as text), "arch_val_loss" and "arch_val_acc" (means over the
    epoch's architecture steps, on their validation batches: a free estimate of the supernet's
    validation accuracy); `snapshots` keeps softmax(alpha) and the derived architecture per epoch.
    """

    Config = DARTSConfig

    def arch_step(self, X, y, Xv, yv, loss_fn, weight_optimizer=None, autocast=contextlib.nullcontext):
        """Step 1 of Algorithm 1: one Adam step on alpha. X, y: the training batch (second
        order only); Xv, yv: a validation batch; weight_optimizer: the weights' SGD, whose
        learning rate (xi), momentum buffers and weight decay define the unrolled step."""
        arch, seen = self.arch_parameters(), []

        def val_loss(precision=autocast):
            with precision():
                logits = self.logits(Xv, detach=False).float()  # (B, num_classes)
                loss = loss_fn(logits, yv)
            seen.append((loss.detach(), accuracy(logits.detach(), yv)))
            return loss

        if getattr(self.config, "order", 1) == 1:
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
                group.get("weight_decay", 0.0), self.config.r)
        self.apply(grads)
        self.record(*seen[0])  # the first validation pass: at w (first order) or w' (second order)

    def train_step(self, t, X, y, loss_fn):
        """fit's hook: the architecture step on a validation batch, then the weights'
        forward/backward on the training batch (fit then takes the SGD step)."""
        if t.epoch >= self.config.warmup_epochs:
            Xv, yv = self.next_val_batch(t.device)
            self.arch_step(X, y, Xv, yv, loss_fn, t.optimizer, t.autocast)
        return super().train_step(t, X, y, loss_fn)
