"""Neural Architecture Optimization (Luo, Tian, Qin, Chen, Liu, NeurIPS 2018, arXiv 1808.07233).

An architecture is a token sequence x = (x_1..x_T). Three parts are trained together:

  encoder    h_t = LSTM(emb(x_t)),  states normalised to unit length (as in the official code);
             e_x = mean_t h_t (then normalised)                          e (B, H), h (B, T, H)
  predictor  f(e_x) = sigmoid(MLP(e_x)) in [0, 1]                         (B,)
  decoder    an LSTM started from (e_x, e_x) that attends over h_1..h_T and rebuilds x token
             by token: P(x | e_x) = prod_t P(x_t | x_<t, e_x)              logits (B, T, vocab)

  L = lambda * L_pp + (1 - lambda) * L_rec,  L_pp = MSE(f(e_x), y),  L_rec = -log P(x | e_x)
  lambda = 0.8 (official code), Adam lr 1e-3.

Search moves in the continuous space and decodes back (paper eq. 4):

  h'_t = h_t + eta * df/dh_t,   e' = mean_t h'_t,   x' = decode(e', h')     eta in {10, 20, 30}

Since e = mean_t h_t, df/dh_t = (1/T) df/de: the step is e' = e + (eta/T) * grad_e f(e), i.e.
the brief's e' = e + eta grad_e f with eta rescaled by T; we keep the paper's (per-state) eta so
that its values carry over. To first order f(e') >= f(e) (also after re-normalising: the step
projected on the sphere still has a non-negative inner product with the gradient).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..train import Callback, fit
from .base import Strategy


class NAO(nn.Module):
    """Encoder + predictor + attention decoder over sequences of `seq_len` tokens in 0..vocab-1."""

    def __init__(self, vocab: int, seq_len: int, emb: int = 32, hidden: int = 64,
                 mlp_hidden: int = 64, lam: float = 0.8):
        super().__init__()
        self.vocab, self.seq_len, self.lam = vocab, seq_len, lam
        self.enc_emb = nn.Embedding(vocab, emb)
        self.enc_rnn = nn.LSTM(emb, hidden, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(hidden, mlp_hidden), nn.ReLU(), nn.Linear(mlp_hidden, 1))
        self.dec_emb = nn.Embedding(vocab + 1, emb)  # token `vocab` is <start>
        self.dec_rnn = nn.LSTM(emb, hidden, batch_first=True)
        self.attn_out = nn.Linear(2 * hidden, hidden)
        self.readout = nn.Linear(hidden, vocab)

    # ------------------------------------------------------------------ encoder / predictor
    @staticmethod
    def embed(states: torch.Tensor) -> torch.Tensor:
        """e = normalise(mean_t h_t): (B, T, H) -> (B, H)."""
        return F.normalize(states.mean(1), dim=-1)

    def encode(self, tokens: torch.Tensor):
        """tokens (B, T) long -> (e (B, H), states (B, T, H)); states unit-normalised."""
        out, _ = self.enc_rnn(self.enc_emb(tokens))  # (B, T, H)
        states = F.normalize(out, dim=-1)
        return self.embed(states), states

    def predict(self, e: torch.Tensor) -> torch.Tensor:
        """f(e) = sigmoid(MLP(e)): (B, H) -> (B,)."""
        return torch.sigmoid(self.mlp(e)).squeeze(-1)

    # ------------------------------------------------------------------ decoder
    def _logits(self, inputs, hc, states):
        """One LSTM pass with dot-product attention over `states`.
        inputs (B, L) long, states (B, T, H) -> logits (B, L, vocab), new (h, c)."""
        out, hc = self.dec_rnn(self.dec_emb(inputs), hc)  # (B, L, H)
        attn = torch.softmax(out @ states.transpose(1, 2), dim=-1)  # (B, L, T)
        ctx = attn @ states  # (B, L, H)
        mixed = torch.tanh(self.attn_out(torch.cat([out, ctx], -1)))  # (B, L, H)
        return self.readout(mixed), hc

    def _init(self, e):
        h0 = e.unsqueeze(0).contiguous()  # (1, B, H): the decoder starts from (e, e)
        return h0, h0.clone()

    def teacher_logits(self, e, states, tokens):
        """Teacher forcing: input at step t is x_{t-1} (<start> at t=1). -> (B, T, vocab)."""
        start = torch.full_like(tokens[:, :1], self.vocab)
        return self._logits(torch.cat([start, tokens[:, :-1]], 1), self._init(e), states)[0]

    @torch.no_grad()
    def decode(self, e, states, max_len: int | None = None) -> torch.Tensor:
        """Greedy decoding, x_t = argmax P(x_t | x_<t, e): e (B, H) -> tokens (B, max_len)."""
        x = torch.full((e.shape[0], 1), self.vocab, dtype=torch.long, device=e.device)
        hc, out = self._init(e), []
        for _ in range(max_len or self.seq_len):
            logits, hc = self._logits(x, hc, states)  # (B, 1, vocab)
            x = logits.argmax(-1)  # (B, 1)
            out.append(x)
        return torch.cat(out, 1)

    # ------------------------------------------------------------------ training
    def loss(self, tokens, y):
        """L = lam * MSE(f(e), y) + (1 - lam) * CE(decoder, tokens). -> (total, L_pp, L_rec)."""
        e, states = self.encode(tokens)
        l_pp = F.mse_loss(self.predict(e), y.float())
        logits = self.teacher_logits(e, states, tokens)  # (B, T, vocab)
        l_rec = F.cross_entropy(logits.reshape(-1, self.vocab), tokens.reshape(-1))
        return self.lam * l_pp + (1 - self.lam) * l_rec, l_pp, l_rec

    def fit(self, tokens, y, num_epochs: int, lr: float = 1e-3, batch_size: int = 32,
            seed: int = 0, optimizer=None) -> dict:
        """Adam on `loss` over shuffled mini-batches, through `train.fit` (its step is
        `_NAOStep`); returns fit's history, with the epoch means of L_pp ("predict") and
        L_rec ("reconstruct") beside the total ("train_loss"). Pass the same `optimizer` again
        to continue training with its state. The caller's torch RNG is left untouched."""
        tokens, y = torch.as_tensor(tokens, dtype=torch.long), torch.as_tensor(y, dtype=torch.float)
        with torch.random.fork_rng(devices=[]):
            history = fit(self, ((tokens, y), None), num_epochs=num_epochs, lr=lr, optimizer=optimizer or "adam",
                          weight_decay=0.0, scheduler=None, batch_size=batch_size, seed=seed,
                          loss_fn=F.mse_loss,  # L_pp's: a regression target, no label checks
                          device=next(self.parameters()).device, callbacks=[_NAOStep()], progress=False)
        self.eval()
        return history

    @torch.no_grad()
    def reconstruct(self, tokens) -> torch.Tensor:
        """decode(encode(x)): (B, T) -> (B, T); an autoencoder check."""
        e, states = self.encode(torch.as_tensor(tokens, dtype=torch.long))
        return self.decode(e, states, tokens.shape[1])

    def _ascent(self, tokens, eta: float, steps: int) -> list[torch.Tensor]:
        """The encoder states before and after each step: steps + 1 tensors (B, T, H)."""
        with torch.no_grad():
            _, states = self.encode(tokens)  # (B, T, H)
        path = [states]
        for _ in range(steps):
            s = states.detach().requires_grad_(True)
            with torch.enable_grad():
                (grad,) = torch.autograd.grad(self.predict(self.embed(s)).sum(), s)
            states = F.normalize(s.detach() + eta * grad, dim=-1)
            path.append(states)
        return path

    def ascend(self, tokens, eta: float, steps: int = 1):
        """h'_t = normalise(h_t + eta * df/dh_t), `steps` times; e' = embed(h'); x' = decode.
        tokens (B, T) -> (new_tokens (B, T), f(e) (B,), f(e') (B,))."""
        tokens = torch.as_tensor(tokens, dtype=torch.long)
        path = self._ascent(tokens, eta, steps)
        with torch.no_grad():
            f_before = self.predict(self.embed(path[0]))
            e = self.embed(path[-1])
            return self.decode(e, path[-1], tokens.shape[1]), f_before, self.predict(e)

    @torch.no_grad()
    def ascent_path(self, tokens, eta: float, steps: int) -> torch.Tensor:
        """The embeddings e, e', e'', ... visited by `ascend(tokens, eta, steps)`:
        tokens (B, T) -> (steps + 1, B, H); the last one is what `ascend` decodes."""
        path = self._ascent(torch.as_tensor(tokens, dtype=torch.long), eta, steps)
        return torch.stack([self.embed(s) for s in path])


class _NAOStep(Callback):
    """fit's step for NAO: the joint loss of `NAO.loss` (the tokens are both the input and
    the reconstruction target), and the epoch means of its two parts in the history."""

    def on_epoch_start(self, t):
        self.sums, self.n = torch.zeros(2), 0

    def train_step(self, t, X, y, loss_fn):
        total, l_pp, l_rec = t.net.loss(X, y)
        total.backward()
        self.sums += torch.stack([l_pp.detach(), l_rec.detach()]).cpu() * len(y)
        self.n += len(y)
        return total, total.new_zeros(len(y))  # no logits: accuracy does not apply

    def on_epoch_end(self, t, logs):
        logs["predict"], logs["reconstruct"] = (self.sums / self.n).tolist()


# ------------------------------------------------------------------ the search loop
class NAOSearch(Strategy):
    """NAO as an ask/tell strategy over the architectures of a space whose decisions are all
    choices (`space.token_steps()`): the model reads and writes their token sequences
    (`to_tokens` / `from_tokens`), vocabulary = the largest choice.

    Seed with `n_init` random architectures; then each round: fit the NAO model on all
    scored ones (scores min-max normalised to [0, 1] as in the official code), take the
    `top_k` by true score, ascend each with eta (then 2 eta, 3 eta, ... for `eta_tries` tries
    while too few are new), decode, keep the valid unseen ones; fill up to `top_k` with random
    unseen samples. Counters over decoded sequences: `proposed` (all decoded), `invalid` (not
    an architecture of the space), `duplicates` (valid but already asked or repeated),
    `accepted` (new, queued); `random` counts random fills. Never raises on a bad decode.
    """

    def __init__(self, space, n_init: int = 20, top_k: int = 10, eta: float = 10.0,
                 eta_tries: int = 3, num_epochs: int = 30, batch_size: int = 32, lr: float = 1e-3,
                 seed: int = 0, max_tries: int = 1000, **model_kwargs):
        super().__init__(space, ("sample", "token_steps", "to_tokens", "from_tokens"))
        steps = space.token_steps()
        if any(kind != "choice" for kind, _ in steps):
            raise ValueError(f"NAO reads sequences of choices; space {space.name!r} has anchor "
                             "steps (sets of inputs)")
        self.seq_len, vocab = len(steps), max(k for _, k in steps)
        self.n_init, self.top_k, self.eta, self.eta_tries = n_init, top_k, eta, eta_tries
        self.num_epochs, self.batch_size, self.seed, self.max_tries = num_epochs, batch_size, seed, max_tries
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self.model = NAO(vocab, self.seq_len, **model_kwargs)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.seen: set = set()
        self.queue: list = []
        self.rounds = self.proposed = self.invalid = self.duplicates = self.accepted = self.random = 0

    def _decoded(self, tokens):
        """The architecture of a decoded sequence, or None when it is not one."""
        try:
            return self.space.from_tokens(tokens)
        except (ValueError, TypeError):
            return None

    def _random(self, n: int) -> None:
        new = self._unseen(n, self.seen, self.max_tries)
        self.seen.update(new)
        self.queue += new
        self.random += len(new)
        if not self.queue:
            raise RuntimeError(f"no new architecture in {self.max_tries} random samples")

    def _round(self) -> None:
        archs, scores = zip(*self.history)
        y = np.asarray(scores, float)
        y = (y - y.min()) / (y.max() - y.min()) if y.max() > y.min() else np.full_like(y, 0.5)
        tokens = torch.tensor([self.space.to_tokens(a) for a in archs])  # (n, T)
        self.model.fit(tokens, torch.tensor(y), self.num_epochs, batch_size=self.batch_size,
                       seed=self.seed + self.rounds, optimizer=self.opt)
        top = tokens[np.argsort(-y, kind="stable")[: self.top_k].copy()]
        found = 0
        for k in range(1, self.eta_tries + 1):
            new_tokens, _, _ = self.model.ascend(top, self.eta * k)
            for arch in map(self._decoded, new_tokens.tolist()):
                self.proposed += 1
                if arch is None:
                    self.invalid += 1
                elif arch in self.seen:
                    self.duplicates += 1
                else:
                    self.seen.add(arch)
                    self.queue.append(arch)
                    self.accepted += 1
                    found += 1
            if found >= self.top_k:
                break
        self.rounds += 1
        self._random(self.top_k - found)

    def ask(self):
        if not self.queue:
            if len(self.history) < self.n_init:
                self._random(self.n_init - len(self.history))
            else:
                self._round()
        return self.queue.pop(0)

    def tell(self, arch, score: float) -> None:
        super().tell(arch, score)
        self.seen.add(arch)
