"""REINFORCE with a moving-average baseline (Williams 1992; Zoph & Le 2017, arXiv
1611.01578, section 3.2), behind the ask / tell / best interface of every strategy.

The controller's parameters theta maximise J(theta) = E_{P(a_{1:T}; theta)}[R]. With m
architectures per update and a baseline b (eq. 2 of the paper):

    grad J ~ 1/m sum_{k=1}^m sum_{t=1}^T grad log P(a_t | a_{(t-1):1}; theta) (R_k - b)

so the loss minimised here, per batch of `batch_size` tells, is

    loss = -mean_k[(R_k - b) * log P(a^k_{1:T})] - entropy_weight * mean_k[H(P(. ; theta))_k]

followed by one Adam step (paper: lr 6e-4). b is an exponential moving average of past
rewards, b <- decay * b + (1 - decay) * R, applied after the step to each reward of the batch
in order; the first reward initialises b (so the very first advantage is 0), unless you set
`strategy.baseline` yourself beforehand.
"""
from __future__ import annotations

import torch

from .. import checks
from .base import Strategy


class Reinforce(Strategy):
    """ask() samples from the controller, tell(arch, reward) learns from it, best() returns
    the best (arch, reward) told so far.

    controller:      a `strategies.controller.Controller` (its parameters are trained), e.g.
                     Controller(space.token_steps()).
    lr:              Adam learning rate (paper: 6e-4).
    baseline_decay:  EMA decay of the baseline (ENAS uses 0.95-0.99).
    entropy_weight:  bonus on the summed per-decision entropy; keeps the policy exploring.
    batch_size:      tells per update (the paper's m; 1 = update after every tell).
    seed:            seeds the torch.Generator that ask() samples with.
    space:           a search space whose `token_steps` the controller follows: ask() then
                     returns its architectures (`space.from_tokens`); None: token lists.
    `episodes` records per tell: tokens, reward, baseline, advantage, log_prob, entropy.
    """

    def __init__(self, controller, lr: float = 6e-4, baseline_decay: float = 0.95,
                 entropy_weight: float = 1e-4, batch_size: int = 1, seed: int = 0, space=None):
        if space is None:
            self.space, self.history = None, []
        else:
            super().__init__(space, ("to_tokens", "from_tokens"))
        checks.integer("batch_size", batch_size, min=1)
        self.controller = controller
        self.optimizer = torch.optim.Adam(controller.parameters(), lr=lr)
        self.baseline_decay, self.entropy_weight = baseline_decay, entropy_weight
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.baseline: float | None = None
        self.episodes: list[dict] = []
        self._batch: list[tuple[float, float, torch.Tensor, torch.Tensor]] = []

    def ask(self):
        """Sample one architecture (a token sequence) from the current policy (no graph kept)."""
        with torch.no_grad():
            tokens, _, _ = self.controller.sample(self.generator)
        return tokens if self.space is None else self.space.from_tokens(tokens)

    def tell(self, arch, reward: float) -> None:
        """Record (arch, reward); after every `batch_size` tells, take one Adam step on the
        loss above and then move the baseline. The log-probability is recomputed here by
        teacher forcing: the weights only change at the end of a batch, so it equals the
        one at sampling time (and architectures from elsewhere can be told too)."""
        tokens = list(arch) if self.space is None else self.space.to_tokens(arch)
        super().tell(arch, reward)
        reward = self.history[-1][1]
        if self.baseline is None:
            self.baseline = reward
        log_prob, entropy = self.controller.log_prob(tokens)  # scalars with graphs
        advantage = reward - self.baseline
        self._batch.append((reward, advantage, log_prob, entropy))
        self.episodes.append({"tokens": list(tokens), "reward": reward, "baseline": self.baseline,
                              "advantage": advantage, "log_prob": log_prob.item(),
                              "entropy": entropy.item()})
        if len(self._batch) == self.batch_size:
            self._update()

    def _update(self) -> None:
        rewards, advantages, log_probs, entropies = zip(*self._batch)
        loss = reinforce_loss(advantages, torch.stack(log_probs), torch.stack(entropies),
                              self.entropy_weight)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        for r in rewards:
            self.baseline = self.baseline_decay * self.baseline + (1 - self.baseline_decay) * r
        self._batch = []


def reinforce_loss(advantages, log_probs: torch.Tensor, entropies: torch.Tensor,
                   entropy_weight: float) -> torch.Tensor:
    """-mean_k[(R_k - b) log P(a^k)] - entropy_weight * mean_k[H_k]: advantages (m,) floats,
    log_probs and entropies (m,) tensors with graphs -> a scalar to minimise."""
    adv = torch.as_tensor(advantages, dtype=log_probs.dtype, device=log_probs.device)
    return -(adv * log_probs).mean() - entropy_weight * entropies.mean()
