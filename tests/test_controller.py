"""The controller RNN and REINFORCE: valid sequences, log-probabilities that agree three ways,
seeded repeatability, a policy-gradient step in the right direction, and a toy task learned."""
import math

import numpy as np
import pytest
import torch

from naslib_mini import spaces
from naslib_mini.strategies import run
from naslib_mini.strategies.controller import Controller
from naslib_mini.strategies.reinforce import Reinforce, reinforce_loss

NB201_STEPS = spaces.get("nb201").token_steps()
ZOPH_STEPS = spaces.get("zoph", n_layers=4, strides=True).token_steps()


def _check_valid(steps, tokens):
    assert len(tokens) == len(steps)
    for (kind, n), tok in zip(steps, tokens):
        if kind == "choice":
            assert isinstance(tok, int) and 0 <= tok < n
        else:
            assert isinstance(tok, tuple) and len(tok) == n and set(tok) <= {0, 1}


@pytest.mark.parametrize("steps", [NB201_STEPS, ZOPH_STEPS])
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
        assert len(spaces.get("zoph", n_layers=4, strides=True).from_tokens(tokens)) == 4


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
    c = Controller(NB201_STEPS)
    with pytest.raises(ValueError, match="expected 6 tokens"):
        c.log_prob([0] * 5)
    with pytest.raises(ValueError, match="int in 0..4"):
        c.log_prob([0] * 5 + [5])
    c = Controller(spaces.get("zoph", n_layers=2).token_steps())
    with pytest.raises(ValueError, match="0/1 tuple of length 1"):
        c.log_prob([0, 0, 0, (), 0, 0, 0, (1, 1)])


@pytest.mark.parametrize("steps", [NB201_STEPS, ZOPH_STEPS])
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
    assert [h["advantage"] for h in r.episodes][0] == 1.0


def test_baseline_ema_and_batching():
    torch.manual_seed(0)
    c = Controller(NB201_STEPS)
    r = Reinforce(c, baseline_decay=0.9, batch_size=2)
    w0 = [p.detach().clone() for p in c.parameters()]
    r.tell(r.ask(), 0.5)
    assert r.baseline == 0.5 and r.episodes[0]["advantage"] == 0.0  # first reward initialises b
    assert all(torch.equal(a, b) for a, b in zip(w0, c.parameters()))  # no step mid-batch
    r.tell(r.ask(), 1.0)
    assert r.episodes[1]["baseline"] == 0.5 and r.episodes[1]["advantage"] == 0.5
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
    strategy = Reinforce(Controller(NB201_STEPS), lr=0.01, seed=0)
    rewards = run(strategy, lambda tokens: float(np.mean([t == 0 for t in tokens])), 300)
    first, last = np.mean(rewards[:50]), np.mean(rewards[-50:])
    assert last > first + 0.2, (first, last)
    assert strategy.best()[1] == max(rewards)


def test_one_update_is_an_adam_step_on_the_written_out_loss():
    """tell() x m = one Adam step on -mean_k[(R_k - b) log P(a^k)] - w mean_k[H_k], written here."""
    torch.manual_seed(0)
    c = Controller(NB201_STEPS, hidden=8, num_layers=1)
    twin = Controller(NB201_STEPS, hidden=8, num_layers=1)
    twin.load_state_dict(c.state_dict())
    r = Reinforce(c, lr=0.01, entropy_weight=0.1, batch_size=3, seed=0)
    r.baseline = 0.5
    tokens, rewards = [r.ask() for _ in range(3)], [0.2, 0.9, 0.6]
    lp, ent = zip(*(twin.log_prob(t) for t in tokens))
    adv = [R - 0.5 for R in rewards]  # the baseline moves only after the step
    loss = -(torch.tensor(adv) * torch.stack(lp)).mean() - 0.1 * torch.stack(ent).mean()
    assert torch.allclose(loss, reinforce_loss(adv, torch.stack(lp), torch.stack(ent), 0.1))
    opt = torch.optim.Adam(twin.parameters(), lr=0.01)
    loss.backward()
    opt.step()
    for t, R in zip(tokens, rewards):
        r.tell(t, R)
    assert all(torch.allclose(a, b) for a, b in zip(c.parameters(), twin.parameters()))


def test_with_a_space_reinforce_asks_and_is_told_architectures():
    space = spaces.get("zoph", n_layers=3)
    torch.manual_seed(0)
    r = Reinforce(Controller(space.token_steps(), hidden=8, num_layers=1), space=space)
    arch = r.ask()
    assert isinstance(arch, spaces.zoph.Arch)
    r.tell(arch, 0.3)
    assert r.best() == (arch, 0.3) and r.episodes[0]["tokens"] == space.to_tokens(arch)
