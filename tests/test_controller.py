"""The controller RNN and REINFORCE: valid sequences, log-probabilities that agree three ways,
seeded repeatability, a policy-gradient step in the right direction, and a toy task learned."""
import math

import numpy as np
import pytest
import torch

from naslib_mini.spaces import zoph
from naslib_mini.strategies.controller import Controller, nb201_steps
from naslib_mini.strategies.random_search import run
from naslib_mini.strategies.reinforce import Reinforce

ZOPH_STEPS = zoph.decisions(4, strides=True)


def _check_valid(steps, tokens):
    assert len(tokens) == len(steps)
    for (kind, n), tok in zip(steps, tokens):
        if kind == "choice":
            assert isinstance(tok, int) and 0 <= tok < n
        else:
            assert isinstance(tok, tuple) and len(tok) == n and set(tok) <= {0, 1}


@pytest.mark.parametrize("steps", [nb201_steps(), ZOPH_STEPS])
def test_samples_are_valid_and_log_probs_agree(steps):
    torch.manual_seed(0)
    c = Controller(steps)
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        tokens, lp, ent = c.sample(gen)
        _check_valid(steps, tokens)
        assert lp.requires_grad and lp.shape == () and ent.item() > 0
        lp2, ent2 = c.log_prob(tokens)
        assert abs(lp.item() - lp2.item()) < 1e-5 and abs(ent.item() - ent2.item()) < 1e-5
        dists = c.step_distributions(tokens)
        total, total_ent = 0.0, 0.0
        for (kind, n), tok, p in zip(steps, tokens, dists):
            assert p.shape == (n,)
            if kind == "choice":
                assert abs(p.sum().item() - 1) < 1e-5
                total += math.log(p[tok].item())
                total_ent -= (p * p.log()).sum().item()
            else:
                for b, pj in zip(tok, p.tolist()):
                    total += math.log(pj if b else 1 - pj)
                    total_ent -= pj * math.log(pj) + (1 - pj) * math.log(1 - pj)
        assert abs(total - lp.item()) < 1e-5 and abs(total_ent - ent.item()) < 1e-5
    if steps == ZOPH_STEPS:  # every sampled sequence is an architecture of the space
        assert len(zoph.tokens_to_arch(tokens, 4, strides=True)) == 4


def test_seeded_sampling_repeats_and_init_range():
    torch.manual_seed(0)
    c = Controller(ZOPH_STEPS)
    assert all(p.abs().max() <= 0.08 for p in c.parameters())
    a = [c.sample(torch.Generator().manual_seed(3))[0] for _ in range(2)]
    assert a[0] == a[1]
    r1, r2 = Reinforce(c, seed=5), Reinforce(c, seed=5)
    assert [r1.ask() for _ in range(3)] == [r2.ask() for _ in range(3)]


def test_bad_steps_and_tokens_are_rejected():
    with pytest.raises(ValueError, match="anchor of layer 1"):
        Controller([("anchor", 1)])
    with pytest.raises(ValueError, match="kind must be"):
        Controller([("pick", 3)])
    c = Controller(nb201_steps())
    with pytest.raises(ValueError, match="expected 6 tokens"):
        c.log_prob([0] * 5)
    with pytest.raises(ValueError, match="int in 0..4"):
        c.log_prob([0] * 5 + [5])
    c = Controller(zoph.decisions(2))
    with pytest.raises(ValueError, match="0/1 tuple of length 1"):
        c.log_prob([0, 0, 0, (), 0, 0, 0, (1, 1)])


@pytest.mark.parametrize("steps", [nb201_steps(), ZOPH_STEPS])
def test_positive_advantage_raises_log_prob(steps):
    torch.manual_seed(1)
    c = Controller(steps)
    tokens = c.sample(torch.Generator().manual_seed(0))[0]
    r = Reinforce(c, lr=1e-3, entropy_weight=0.0)
    r.baseline = 0.0
    before = c.log_prob(tokens)[0].item()
    for _ in range(3):
        r.tell(tokens, 1.0)
    assert c.log_prob(tokens)[0].item() > before
    assert [h["advantage"] for h in r.history][0] == 1.0


def test_baseline_ema_and_batching():
    torch.manual_seed(0)
    c = Controller(nb201_steps())
    r = Reinforce(c, baseline_decay=0.9, batch_size=2)
    w0 = [p.detach().clone() for p in c.parameters()]
    r.tell(r.ask(), 0.5)
    assert r.baseline == 0.5 and r.history[0]["advantage"] == 0.0  # first reward initialises b
    assert all(torch.equal(a, b) for a, b in zip(w0, c.parameters()))  # no step mid-batch
    r.tell(r.ask(), 1.0)
    assert r.history[1]["baseline"] == 0.5 and r.history[1]["advantage"] == 0.5
    assert any(not torch.equal(a, b) for a, b in zip(w0, c.parameters()))  # one step per batch
    assert r.baseline == pytest.approx(0.9 * (0.9 * 0.5 + 0.1 * 0.5) + 0.1 * 1.0)  # EMA, in order
    assert r.best()[1] == 1.0
    with pytest.raises(ValueError, match="no architecture"):
        Reinforce(c).best()


def test_reinforce_learns_toy_task():
    """reward = fraction of zero tokens over the NAS-Bench-201 steps (optimum: all zeros).
    lr=0.01: over seeds 0-4 last-50 minus first-50 was 0.4-0.7; lr=0.05 sometimes collapses
    early onto a wrong token (advantage 0 -> no gradient) and stalls."""
    torch.manual_seed(0)
    strategy = Reinforce(Controller(nb201_steps()), lr=0.01, seed=0)
    rewards = run(strategy, lambda tokens: float(np.mean([t == 0 for t in tokens])), 300)
    first, last = np.mean(rewards[:50]), np.mean(rewards[-50:])
    assert last > first + 0.2, (first, last)
    assert strategy.best()[1] == max(rewards)
