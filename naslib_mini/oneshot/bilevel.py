"""DARTS' bilevel optimisation, the maths only (Liu et al. 2019, arXiv 1806.09055, section 2.3).

    min_alpha L_val(w*(alpha), alpha)   s.t.   w*(alpha) = argmin_w L_train(w, alpha)   (eq. 3, 4)

w* is replaced by one step of the weight optimizer, w' = w - xi grad_w L_train(w, alpha)
(eq. 6); the official code takes the step exactly as its SGD would, with momentum and weight
decay: w' = w - xi (mu * m + grad_w L_train(w, alpha) + lambda * w). The chain rule gives

    grad_alpha L_val(w', alpha) - xi grad^2_{alpha,w} L_train(w, alpha) grad_w' L_val(w', alpha)   (eq. 7)

and the second term's Hessian-vector product is a central finite difference (eq. 8):

    grad^2_{alpha,w} L_train(w, alpha) v
        ~= [grad_alpha L_train(w+, alpha) - grad_alpha L_train(w-, alpha)] / (2 eps)
    w+- = w +- eps v,   v = grad_w' L_val(w', alpha),   eps = 0.01 / ||v||

Note the parentheses: `/ (2 * eps)`. A widely copied port wrote `/ 2. * eps`, which is
(... / 2) * eps, off by a factor eps^2; tests/test_darts.py checks this module against an
exact autograd computation and shows that the misplaced parentheses fail it.
First order (xi = 0) keeps only grad_alpha L_val(w, alpha).

Losses are passed as closures `loss() -> scalar` that read the weights' current values, so
w can be swapped in place (no copy of the network).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import torch

Loss = Callable[[], torch.Tensor]


def grads_or_zeros(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """d loss / d params, zeros for params the loss does not use."""
    gs = torch.autograd.grad(loss, list(params), allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(gs, params)]


@contextlib.contextmanager
def swapped(params: Sequence[torch.Tensor], values: Sequence[torch.Tensor]):
    """Temporarily give `params` the `values` (in place); restore the exact originals after."""
    saved = [p.detach().clone() for p in params]
    try:
        with torch.no_grad():
            for p, v in zip(params, values):
                p.copy_(v)
        yield
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)


def unrolled_weights(weights, grads, lr: float, momentum_buffers=None, momentum: float = 0.0,
                     weight_decay: float = 0.0) -> list[torch.Tensor]:
    """One SGD step: w' = w - lr * (momentum * buf + grad + weight_decay * w), per tensor
    (buf None = no momentum yet, as on the first step)."""
    bufs = momentum_buffers if momentum_buffers is not None else [None] * len(weights)
    out = []
    for w, g, b in zip(weights, grads, bufs):
        step = g + weight_decay * w
        if b is not None:
            step = step + momentum * b
        out.append((w - lr * step).detach())
    return out


def arch_grads_at_offsets(train_loss: Loss, weights, arch, vector, r: float = 1e-2):
    """grad_alpha L_train at w + eps v and at w - eps v, and eps = r / ||v||."""
    norm = torch.cat([v.flatten() for v in vector]).norm()
    eps = r / norm
    w0 = [w.detach() for w in weights]
    with swapped(weights, [w + eps * v for w, v in zip(w0, vector)]):
        g_pos = grads_or_zeros(train_loss(), arch)
    with swapped(weights, [w - eps * v for w, v in zip(w0, vector)]):
        g_neg = grads_or_zeros(train_loss(), arch)
    return g_pos, g_neg, eps


def finite_difference_hvp(train_loss: Loss, weights, arch, vector, r: float = 1e-2) -> list[torch.Tensor]:
    """grad^2_{alpha,w} L_train(w, alpha) v by the central difference of eq. 8, eps = r / ||v||.
    Returns one tensor per arch parameter (zeros when v = 0)."""
    if all(not v.any() for v in vector):
        return [torch.zeros_like(a) for a in arch]
    g_pos, g_neg, eps = arch_grads_at_offsets(train_loss, weights, arch, vector, r)
    return [(p - n) / (2 * eps) for p, n in zip(g_pos, g_neg)]


def second_order_grad(train_loss: Loss, val_loss: Loss, weights, arch, lr: float,
                      momentum_buffers=None, momentum: float = 0.0, weight_decay: float = 0.0,
                      r: float = 1e-2) -> list[torch.Tensor]:
    """The DARTS hypergradient of eq. 7 with the finite difference of eq. 8.

    weights: the network's parameters (changed in place during the call, restored after);
    arch: the architecture parameters; lr, momentum_buffers, momentum, weight_decay: the
    weight optimizer's step (xi = lr). Returns grad_alpha, one tensor per arch parameter.
    """
    weights, arch = list(weights), list(arch)
    g_train = [g.detach() for g in grads_or_zeros(train_loss(), weights)]
    w_prime = unrolled_weights([w.detach() for w in weights], g_train, lr, momentum_buffers,
                               momentum, weight_decay)
    with swapped(weights, w_prime):
        gs = grads_or_zeros(val_loss(), arch + weights)
    d_alpha, v = gs[:len(arch)], [g.detach() for g in gs[len(arch):]]
    hvp = finite_difference_hvp(train_loss, weights, arch, v, r)
    return [(da - lr * h).detach() for da, h in zip(d_alpha, hvp)]


def first_order_grad(val_loss: Loss, arch) -> list[torch.Tensor]:
    """xi = 0: grad_alpha L_val(w, alpha) at the current weights."""
    return [g.detach() for g in grads_or_zeros(val_loss(), list(arch))]


def exact_hvp(train_loss: Loss, weights, arch, vector) -> list[torch.Tensor]:
    """grad^2_{alpha,w} L_train(w, alpha) v exactly: grad_alpha <grad_w L_train(w, alpha), v>
    by double backward (create_graph=True). The quantity eq. 8 approximates; with it,
    grad_alpha L_val(w', alpha) - xi * exact_hvp is the exact hypergradient of eq. 7 (autograd
    through the unrolled step). Zeros for arch parameters the loss does not reach."""
    weights, arch = list(weights), list(arch)
    g = torch.autograd.grad(train_loss(), weights, create_graph=True, allow_unused=True)
    dot = sum((gi * v).sum() for gi, v in zip(g, vector) if gi is not None)
    if not isinstance(dot, torch.Tensor) or not dot.requires_grad:
        return [torch.zeros_like(a) for a in arch]
    return [h.detach() for h in grads_or_zeros(dot, arch)]


def _norm(ts) -> float:
    return float(torch.cat([t.flatten() for t in ts]).norm())


def fd_hypergradient_error(train_loss: Loss, val_loss: Loss, weights, arch, lr: float,
                           rs=(1e-1, 1e-2, 1e-3, 1e-4), momentum_buffers=None,
                           momentum: float = 0.0, weight_decay: float = 0.0) -> list[dict]:
    """How far eq. 8's finite difference lies from the exact Hessian-vector term, for each
    r in `rs` (eps = r / ||v||; DARTS' official r = 0.01).

    At w, with w' the unrolled step and v = grad_w' L_val(w', alpha) (as second_order_grad):
      hvp_error  = ||fd_hvp - exact_hvp|| / ||exact_hvp||
      grad_error = ||g_fd - g_exact|| / ||g_exact||,  g = grad_alpha L_val(w', alpha) - lr * hvp
    The difference is O(eps^2) for a twice-differentiable loss, plus rounding (use float64 to
    see the first alone). A ReLU or max-pool whose input changes sign inside w +- eps v
    breaks that: the difference then measures an average slope over the step, not the
    derivative at w. Returns one dict per r: r, eps, hvp_error, grad_error, exact_norm
    (||exact_hvp||), fd_norm, hypergrad_norm (||g_exact||). Weights are restored after."""
    weights, arch = list(weights), list(arch)
    rs = list(rs)
    if not rs or any(not (isinstance(r, (int, float)) and r > 0) for r in rs):
        raise ValueError(f"rs must be positive numbers (DARTS: 0.01), got {rs!r}")
    g_train = [g.detach() for g in grads_or_zeros(train_loss(), weights)]
    w_prime = unrolled_weights([w.detach() for w in weights], g_train, lr, momentum_buffers,
                               momentum, weight_decay)
    with swapped(weights, w_prime):
        gs = grads_or_zeros(val_loss(), arch + weights)
    d_alpha, v = [g.detach() for g in gs[:len(arch)]], [g.detach() for g in gs[len(arch):]]
    exact = exact_hvp(train_loss, weights, arch, v)
    g_exact = [da - lr * h for da, h in zip(d_alpha, exact)]
    n_exact, n_grad = _norm(exact), _norm(g_exact)
    out = []
    for r in rs:
        fd = finite_difference_hvp(train_loss, weights, arch, v, r)
        diff = _norm([f - e for f, e in zip(fd, exact)])
        out.append({"r": float(r), "eps": float(r) / _norm(v), "exact_norm": n_exact,
                    "fd_norm": _norm(fd), "hypergrad_norm": n_grad,
                    "hvp_error": diff / n_exact if n_exact else float("nan"),
                    "grad_error": lr * diff / n_grad if n_grad else float("nan")})
    return out
