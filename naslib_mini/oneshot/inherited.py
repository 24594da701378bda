"""Scoring architectures with weights inherited from a supernet.

The one-shot bet (SPOS, arXiv 1904.00420; FairNAS, arXiv 1907.01845): after the supernet is
trained, a path run with the supernet's weights, with no training of its own, ranks like the
stand-alone network it stands for. Scoring a path is an eval-mode forward pass on the
validation split:

    inherited_acc(path) = accuracy of net(X_val, path=path)            X_val: (N, C, H, W)

BatchNorm recalibration (used by SPOS and FairNAS before scoring): a BN layer's running mean and
variance were averaged over every path that used it, so they fit no single path. Before
scoring a path, reset them and re-estimate them on a few training batches run through that
path in train mode, without gradients (momentum=None: an exact average over the batches).
`score_paths` puts every BN buffer back afterwards, so scoring never changes the supernet.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..train import evaluate


class PathNet(nn.Module):
    """A supernet with one fixed path: forward(x) = net(x, path=path). Shares its weights."""

    def __init__(self, net: nn.Module, path):
        super().__init__()
        self.net, self.path = net, tuple(int(c) for c in path)

    def forward(self, x):  # (B, C, H, W) -> (B, num_classes)
        return self.net(x, path=self.path)


def _batchnorms(net):
    return [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
            and m.track_running_stats]


@torch.no_grad()
def recalibrate_bn(net: nn.Module, path, X: torch.Tensor, batch_size: int = 256,
                   n_batches: int = 2) -> None:
    """Reset every BN's running statistics and re-estimate them with `path` on the first
    n_batches batches of X (train mode, no gradients, cumulative average). BNs off the path
    are left reset; `score_paths` restores everything when it is done."""
    if n_batches < 1:
        raise ValueError(f"n_batches must be >= 1, got {n_batches}")
    bns = _batchnorms(net)
    momenta = [bn.momentum for bn in bns]
    was_training = net.training
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None                      # running stats = mean over the batches seen
    net.train()
    try:
        for i in range(n_batches):
            Xb = X[i * batch_size:(i + 1) * batch_size]  # (B, C, H, W)
            if not len(Xb):
                break
            net(Xb, path=tuple(path))
    finally:
        for bn, m in zip(bns, momenta):
            bn.momentum = m
        net.train(was_training)


def score_paths(net: nn.Module, paths, val, *, calib=None, n_batches: int = 2,
                batch_size: int = 256, seed: int = 0, channels_last: bool | None = None,
                progress: bool = False, desc: str = "scoring"):
    """Inherited validation accuracy and loss of every path: two arrays of shape (len(paths),).

    val: the split to score on (.X, .y or an (X, y) pair). calib: None = no recalibration
    (the running statistics left by training); a split (normally the training split) =
    recalibrate the BNs per path on n_batches of batch_size images of it, the same images
    (a fixed shuffle, `seed`) for every path.
    """
    device = next(net.parameters()).device
    saved = None
    if calib is not None:
        Xc = (calib.X if hasattr(calib, "X") else calib[0]).to(device)
        g = torch.Generator().manual_seed(seed)
        Xc = Xc[torch.randperm(len(Xc), generator=g)[:n_batches * batch_size].to(device)]
        if channels_last if channels_last is not None else device.type == "cuda":
            Xc = Xc.contiguous(memory_format=torch.channels_last)
        saved = [{k: v.clone() for k, v in bn.state_dict().items()} for bn in _batchnorms(net)]
    accs, losses = np.empty(len(paths)), np.empty(len(paths))
    try:
        for i, path in enumerate(tqdm(paths, desc=desc, disable=not progress, leave=False)):
            if calib is not None:
                recalibrate_bn(net, path, Xc, batch_size, n_batches)
            losses[i], accs[i] = evaluate(PathNet(net, path), val, device=device,
                                          channels_last=channels_last)
    finally:
        if saved is not None:
            for bn, s in zip(_batchnorms(net), saved):
                bn.load_state_dict(s)
    return accs, losses


def inherited_accuracies(net: nn.Module, cells, splits, *, recalibrate: bool = True,
                         n_batches: int = 2, batch_size: int = 256, seed: int = 0,
                         channels_last: bool | None = None, progress: bool = False) -> np.ndarray:
    """Inherited accuracy on splits.val of every cell (anything `net.path_of` accepts: for the
    NAS-Bench-201 supernet an index, op tuple or string), BNs recalibrated on splits.train
    unless recalibrate=False. Returns (len(cells),) floats."""
    paths = [net.path_of(c) for c in cells]
    accs, _ = score_paths(net, paths, splits.val, calib=splits.train if recalibrate else None,
                          n_batches=n_batches, batch_size=batch_size, seed=seed,
                          channels_last=channels_last, progress=progress)
    return accs
