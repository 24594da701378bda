"""The controller RNN of NAS-RL (Zoph & Le 2017, arXiv 1611.01578, sections 3.1 and 3.3).

An LSTM emits an architecture one decision at a time; each sampled token is embedded and fed
back as the next input, so every decision is conditioned on all earlier ones:

    x_0 = g (a learned start vector),   h_t = LSTM(x_t, state_{t-1})          h_t: (1, hidden)
    choice step (k options):  p_t = softmax(W_t h_t) (k,),   a_t ~ p_t,   x_{t+1} = E_t[a_t]
    anchor step of layer i:   for every earlier layer j < i, independently,
        P(layer j feeds layer i) = sigmoid(v^T tanh(W_prev h_j + W_curr h_i))       (sec. 3.3)
    where h_j is the hidden state at layer j's anchor step; the next input is the mean of a
    learned anchor vector and the chosen h_j (as in ENAS' macro controller, 1802.03268):
        x_{t+1} = (e_anchor + sum_{j: a_ij = 1} h_j) / (1 + sum_j a_ij)

A sequence's log-probability log P(a_{1:T}; theta) = sum_t log P(a_t | a_{1:t-1}; theta) is
what REINFORCE differentiates (eq. 1-2, see reinforce.py).

Steps are ("choice", k) or ("anchor", i), a search space's `token_steps()`; the anchor of
layer i must be the (i+1)-th anchor step, so it can look back at the i anchors before it. Tokens are ints for choice steps and
0/1 tuples of length i for anchor steps.
"""
from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F
from torch import nn


def _check_steps(steps) -> list[tuple[str, int]]:
    out, n_anchors = [], 0
    for t, step in enumerate(steps):
        if not isinstance(step, (tuple, list)) or len(step) != 2:
            raise ValueError(f"step {t} {step!r} must be ('choice', k) or ('anchor', i)")
        kind, n = step
        if not isinstance(n, numbers.Integral) or isinstance(n, bool):
            raise ValueError(f"step {t} {step!r}: the count must be an int")
        if kind == "choice" and n < 1:
            raise ValueError(f"step {t} {step!r}: a choice needs k >= 1 options")
        elif kind == "anchor":
            if n != n_anchors:
                raise ValueError(f"step {t} {step!r}: the anchor of layer {n} must follow exactly "
                                 f"{n} earlier anchor steps, found {n_anchors}")
            n_anchors += 1
        elif kind != "choice":
            raise ValueError(f"step {t} {step!r}: kind must be 'choice' or 'anchor'")
        out.append((kind, int(n)))
    if not out:
        raise ValueError("a controller needs at least one step")
    return out


class Controller(nn.Module):
    """An autoregressive policy over `steps` (see the module docstring).

    steps:      list of ("choice", k) or ("anchor", i).
    hidden:     LSTM units = embedding size (paper: 35).
    num_layers: stacked LSTM layers (paper: 2).
    init_range: every weight starts U(-init_range, init_range) (paper: 0.08).
    """

    def __init__(self, steps: list, hidden: int = 35, num_layers: int = 2,
                 init_range: float = 0.08):
        super().__init__()
        self.steps = _check_steps(steps)
        self.hidden = hidden
        self.start = nn.Parameter(torch.empty(1, hidden))  # g: the first input (1, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers)
        # one softmax head W_t and one embedding E_t per choice step, keyed by step index
        self.heads = nn.ModuleDict({str(t): nn.Linear(hidden, k)
                                    for t, (kind, k) in enumerate(self.steps) if kind == "choice"})
        self.embeds = nn.ModuleDict({str(t): nn.Embedding(k, hidden)
                                     for t, (kind, k) in enumerate(self.steps) if kind == "choice"})
        if any(kind == "anchor" for kind, _ in self.steps):
            self.w_prev = nn.Linear(hidden, hidden, bias=False)
            self.w_curr = nn.Linear(hidden, hidden, bias=False)
            self.v = nn.Linear(hidden, 1, bias=False)
            self.anchor_emb = nn.Parameter(torch.empty(1, hidden))
        for p in self.parameters():
            nn.init.uniform_(p, -init_range, init_range)

    # -------------------------------------------------------------- public API
    def sample(self, generator: torch.Generator | None = None):
        """Draw a sequence. Returns (tokens, log_prob, entropy): log_prob = sum of the log
        probabilities of every decision (scalar, differentiable), entropy = sum of the
        per-decision entropies (scalar, differentiable)."""
        tokens, log_prob, entropy, _ = self._run(None, generator)
        return tokens, log_prob, entropy

    def log_prob(self, tokens) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced (log_prob, entropy) of a given sequence, both differentiable."""
        _, log_prob, entropy, _ = self._run(self._check_tokens(tokens), None)
        return log_prob, entropy

    @torch.no_grad()
    def step_distributions(self, tokens) -> list[torch.Tensor]:
        """Per step, teacher-forced on `tokens`: a choice step's softmax (k,), an anchor
        step's P(j feeds i) for j < i (i,). Detached, for heatmaps."""
        return [d.detach() for d in self._run(self._check_tokens(tokens), None)[3]]

    def extra_repr(self) -> str:
        return f"steps={len(self.steps)}"

    # -------------------------------------------------------------- internals
    def _check_tokens(self, tokens) -> list:
        tokens = list(tokens)
        if len(tokens) != len(self.steps):
            raise ValueError(f"expected {len(self.steps)} tokens (one per step), got {len(tokens)}")
        for t, ((kind, n), tok) in enumerate(zip(self.steps, tokens)):
            if kind == "choice":
                if not isinstance(tok, numbers.Integral) or isinstance(tok, bool) or not 0 <= tok < n:
                    raise ValueError(f"token {t} {tok!r}: step {t} is a {n}-way choice, "
                                     f"expected an int in 0..{n - 1}")
                tokens[t] = int(tok)
            else:
                bits = tuple(int(b) for b in tok) if isinstance(tok, (tuple, list)) else None
                if bits is None or len(bits) != n or any(b not in (0, 1) for b in bits):
                    raise ValueError(f"token {t} {tok!r}: step {t} is the anchor of layer {n}, "
                                     f"expected a 0/1 tuple of length {n}")
                tokens[t] = bits
        return tokens

    def _run(self, tokens, generator):
        """Walk the steps, sampling (tokens=None) or teacher-forcing. Returns
        (tokens, log_prob (), entropy (), per-step probability vectors)."""
        x, state = self.start, None                       # (1, hidden)
        h_anchor, q_anchor = [], []                       # h_j and W_prev h_j, each (1, hidden)
        log_prob = entropy = self.start.new_zeros(())
        out_tokens, dists = [], []
        for t, (kind, n) in enumerate(self.steps):
            out, state = self.lstm(x.unsqueeze(0), state)  # (seq=1, batch=1, hidden)
            h = out[0]                                     # (1, hidden)
            if kind == "choice":
                logp = F.log_softmax(self.heads[str(t)](h)[0], -1)  # (k,)
                p = logp.exp()
                if tokens is None:
                    tok = int(torch.multinomial(p.detach().cpu(), 1, generator=generator))
                else:
                    tok = tokens[t]
                log_prob = log_prob + logp[tok]
                entropy = entropy - (p * logp).sum()
                x = self.embeds[str(t)].weight[tok].unsqueeze(0)    # (1, hidden)
            elif n == 0:  # the first anchor: nothing to look back at, only remember h_0
                tok, p, x = (), h.new_zeros(0), self.anchor_emb
            else:
                q = torch.cat(q_anchor)                             # (n, hidden)
                logits = self.v(torch.tanh(q + self.w_curr(h)))[:, 0]  # (n,)
                p = torch.sigmoid(logits)
                if tokens is None:
                    u = torch.rand(n, generator=generator)
                    tok = tuple(int(b) for b in (u < p.detach().cpu()))
                else:
                    tok = tokens[t]
                a = torch.tensor(tok, dtype=h.dtype, device=h.device)  # (n,)
                log_sig, log_1m = F.logsigmoid(logits), F.logsigmoid(-logits)
                log_prob = log_prob + (a * log_sig + (1 - a) * log_1m).sum()
                entropy = entropy - (p * log_sig + (1 - p) * log_1m).sum()
                x = (self.anchor_emb + a @ torch.cat(h_anchor)) / (1 + a.sum())  # (1, hidden)
            if kind == "anchor":
                h_anchor.append(h)
                q_anchor.append(self.w_prev(h))
            out_tokens.append(tok)
            dists.append(p)
        return out_tokens, log_prob, entropy, dists
