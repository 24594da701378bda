"""Data augmentation on tensors already on the device (no loader workers needed).

Each factory returns `fn(X, gen) -> X` for a batch X of shape (B, C, H, W); `gen` is the
torch.Generator of the training loop, so augmented runs repeat exactly and resume exactly.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _rand(gen, *shape, device):
    # draw on the generator's device, then move: works for CPU generators with CUDA data
    return torch.rand(*shape, generator=gen, device=gen.device).to(device)


def crop(pad: int = 4):
    """Random translation by up to `pad` pixels (zero padding, then a random crop)."""
    def fn(X, gen):
        B, C, H, W = X.shape
        Xp = F.pad(X, (pad, pad, pad, pad))  # (B, C, H + 2p, W + 2p)
        dx = (_rand(gen, B, device=X.device) * (2 * pad + 1)).long()
        dy = (_rand(gen, B, device=X.device) * (2 * pad + 1)).long()
        rows = (dy[:, None] + torch.arange(H, device=X.device)[None])  # (B, H)
        cols = (dx[:, None] + torch.arange(W, device=X.device)[None])  # (B, W)
        Xp = Xp[torch.arange(B, device=X.device)[:, None, None, None],
                torch.arange(C, device=X.device)[None, :, None, None],
                rows[:, None, :, None], cols[:, None, None, :]]
        return Xp
    return fn


def hflip():
    """Mirror half of the images left-right (not for digits: a mirrored 2 is no 2)."""
    def fn(X, gen):
        flip = _rand(gen, X.shape[0], device=X.device) < 0.5
        return torch.where(flip[:, None, None, None], X.flip(-1), X)
    return fn


def cutout(length: int):
    """Zero a random length x length square in each image (DeVries & Taylor 2017)."""
    def fn(X, gen):
        B, _, H, W = X.shape
        cy = (_rand(gen, B, device=X.device) * H).long()[:, None, None]
        cx = (_rand(gen, B, device=X.device) * W).long()[:, None, None]
        ys = torch.arange(H, device=X.device)[None, :, None]
        xs = torch.arange(W, device=X.device)[None, None, :]
        mask = ((ys - cy).abs() <= length // 2) & ((xs - cx).abs() <= length // 2)  # (B, H, W)
        return X * (~mask)[:, None].to(X.dtype)
    return fn


def compose(*fns):
    """Apply augmentations in order."""
    def fn(X, gen):
        for f in fns:
            X = f(X, gen)
        return X
    return fn
