"""Accuracy predictors from a cell's tokens: PNAS's MLP and LSTM surrogates and their ensemble
(Liu et al., Progressive Neural Architecture Search, ECCV 2018, arXiv 1712.00559, sec. 3.3).

A cell of b blocks is a list of 4b tokens (in1, in2, op1, op2 per block; see
``spaces.pnas.encode_tokens``, vocabulary ``vocab_size``). Batches mix lengths: they are
padded with the token ``vocab_size`` (an extra, zero embedding row) and masked (MLP) or packed
(LSTM) inside, so both models handle cells of any number of blocks.

    MLP:   e_b = [E(in1); E(in2); E(op1); E(op2)]  (4D)   x = mean_{b} e_b   (D = 100)
           f(cell) = W3 relu(W2 relu(W1 x)) + c            (two hidden layers of 100)
    LSTM:  h_t = LSTM(E(token_t), h_{t-1}),  t = 1..4b     (D = hidden = 100)
           f(cell) = w^T h_{4b} + c

Trained with L1 loss |f(cell) - y| and Adam, through `train.fit`. The paper passes f through a sigmoid and starts
c at 1.8 (sigmoid(1.8) = 0.86, the mean accuracy of its 1-block models); here f is linear in
the target's own units and c starts at mean(y), the same idea without assuming y in (0, 1).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .metrics import kendall_tau, spearman
from .spaces.pnas import vocab_size as _pnas_vocab
from .train import fit

__all__ = ["MLPSurrogate", "LSTMSurrogate", "Ensemble", "pad_tokens", "l1_loss", "rank_correlations"]
DEFAULT_VOCAB = _pnas_vocab()  # 15: states 0..6 of B_max = 5 blocks, then the 8 PNAS ops


def pad_tokens(cells: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token lists of lengths L_i (multiples of 4) -> (tokens (N, max L) long padded with
    `pad`, lengths (N,) long)."""
    lengths = [len(c) for c in cells]
    if not cells or min(lengths) == 0 or any(n % 4 for n in lengths):
        raise ValueError(f"expected non-empty token lists of 4 tokens per block, got lengths "
                         f"{sorted(set(lengths))}")
    X = torch.full((len(cells), max(lengths)), pad, dtype=torch.long)
    for i, c in enumerate(cells):
        t = torch.as_tensor(list(c), dtype=torch.long)
        if t.min() < 0 or t.max() >= pad:
            raise ValueError(f"cell {i}: tokens must lie in 0..{pad - 1} (vocab_size={pad}), "
                             f"got {list(c)}")
        X[i, :len(c)] = t
    return X, torch.as_tensor(lengths, dtype=torch.long)


class MLPSurrogate(nn.Module):
    """PNAS's MLP: embed each token (D), concatenate a block's 4 embeddings (4D), average over
    the cell's blocks, two hidden ReLU layers, linear head -> scalar."""

    def __init__(self, vocab_size: int = DEFAULT_VOCAB, embed_dim: int = 100, hidden: int = 100):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size + 1, embed_dim, padding_idx=vocab_size)
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)  # PNAS: uniform in [-0.1, 0.1]
        with torch.no_grad():
            self.embed.weight[vocab_size].zero_()
        self.body = nn.Sequential(nn.Linear(4 * embed_dim, hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 1)

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """X (N, L) tokens padded with vocab_size, lengths (N,) (None: counted) -> (N,)."""
        lengths = (X != self.vocab_size).sum(1) if lengths is None else lengths
        N, L = X.shape
        e = self.embed(X).reshape(N, L // 4, -1)  # (N, blocks, 4D); pad blocks are zeros
        x = e.sum(1) / (lengths // 4).unsqueeze(1).to(e.dtype)  # (N, 4D) mean over real blocks
        return self.head(self.body(x)).squeeze(1)  # (N,)


class LSTMSurrogate(nn.Module):
    """PNAS's LSTM: reads the 4b tokens in1, in2, op1, op2 of each block in turn (the paper's
    order), one layer; the last hidden state h_{4b} -> linear -> scalar."""

    def __init__(self, vocab_size: int = DEFAULT_VOCAB, embed_dim: int = 100, hidden: int = 100):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size + 1, embed_dim, padding_idx=vocab_size)
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """X (N, L) tokens padded with vocab_size, lengths (N,) (None: counted) -> (N,)."""
        lengths = (X != self.vocab_size).sum(1) if lengths is None else lengths
        e = self.embed(X)  # (N, L, D)
        packed = pack_padded_sequence(e, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)  # h: (1, N, hidden), each at its own last real token
        return self.head(h[-1]).squeeze(1)  # (N,)


_KINDS = {"mlp": MLPSurrogate, "lstm": LSTMSurrogate}
_LR = {"mlp": 0.01, "lstm": 0.002}  # our defaults: a few seconds of CPU for ~1000 cells


class Ensemble:
    """n_models surrogates of one kind (PNAS: 5). Model k is trained on the data less fold k
    of n_models folds (PNAS trains each predictor on 4/5 of the data) with its own seed
    `seed + k`; predict returns the ensemble's mean and standard deviation.

    kind: "mlp" or "lstm"; subset: "fold" (as above), "bootstrap" (n draws with replacement)
    or "all"; model_kwargs go to the model (vocab_size, embed_dim, hidden).
    """

    def __init__(self, kind: str = "mlp", n_models: int = 5, seed: int = 0,
                 subset: str = "fold", **model_kwargs):
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}")
        if subset not in ("fold", "bootstrap", "all"):
            raise ValueError(f"subset must be 'fold', 'bootstrap' or 'all', got {subset!r}")
        self.kind, self.n_models, self.seed, self.subset = kind, n_models, seed, subset
        self.model_kwargs = model_kwargs
        self.models: list[nn.Module] = []
        self.history: list[list[float]] = []  # per model: mean L1 loss per epoch

    def _indices(self, rng: np.random.Generator, n: int) -> list[np.ndarray]:
        if self.subset == "all" or (self.subset == "fold" and (self.n_models == 1 or n < 2)):
            return [np.arange(n)] * self.n_models
        if self.subset == "bootstrap":
            return [rng.integers(n, size=n) for _ in range(self.n_models)]
        folds = np.array_split(rng.permutation(n), self.n_models)
        return [np.setdiff1d(np.arange(n), f) for f in folds]

    def fit(self, cells: Sequence[Sequence[int]], y, num_epochs: int = 100, lr: float | None = None,
            batch_size: int = 128) -> "Ensemble":
        """Train fresh models with `train.fit`: Adam on the L1 loss mean_i |f(cell_i) - y_i|,
        the head's bias initialised to mean(y) over the model's subset, model k shuffled with
        seed + k. Deterministic in `seed`; the caller's torch RNG is left untouched."""
        y = torch.as_tensor(np.asarray(y, dtype=np.float32))
        if len(cells) != len(y):
            raise ValueError(f"{len(cells)} cells but {len(y)} targets")
        lr = _LR[self.kind] if lr is None else lr
        rng = np.random.default_rng(self.seed)
        self.models, self.history = [], []
        for k, idx in enumerate(self._indices(rng, len(cells))):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed + k)
                model = _KINDS[self.kind](**self.model_kwargs)
                X, _ = pad_tokens([cells[i] for i in idx], model.vocab_size)
                yk = y[torch.as_tensor(idx)]
                with torch.no_grad():
                    model.head.bias.fill_(float(yk.mean()))
                h = fit(model, ((X, yk), None), num_epochs=num_epochs, lr=lr, optimizer="adam",
                        weight_decay=0.0, scheduler=None, batch_size=batch_size, loss_fn=l1_loss,
                        seed=self.seed + k, device="cpu", progress=False) if num_epochs else {}
            model.eval()
            self.models.append(model)
            self.history.append(h.get("train_loss", []))
        return self

    @torch.no_grad()
    def predict(self, cells: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """-> (mean, std) over the models, each (N,) numpy float arrays (std with ddof=0)."""
        if not self.models:
            raise RuntimeError("call fit before predict")
        X, lengths = pad_tokens(cells, self.models[0].vocab_size)
        P = torch.stack([m(X, lengths) for m in self.models]).numpy()  # (n_models, N)
        return P.mean(0), P.std(0)


def l1_loss(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """mean_i |pred_i - y_i|: (N,), (N,) -> a scalar."""
    return (pred - y).abs().mean()


def rank_correlations(pred, true) -> dict[str, float]:
    """{'spearman': rho, 'kendall': tau_b} between predicted and true values."""
    return {"spearman": spearman(pred, true), "kendall": kendall_tau(pred, true)}
