"""P-DARTS: the stage schedule and its alpha counts, op dropping between stages, the skip
dropout schedule, the M skip cap (against a literal port of the official code's rule), the
cell count per stage (by enumeration), and the driver end to end on a tiny setting."""
import copy
import itertools
import math

import numpy as np
import pytest
import torch

from naslib_mini import data
from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.oneshot.config import PDARTSConfig
from naslib_mini.oneshot.derive import darts_cell
from naslib_mini.oneshot.pdarts import (PAPER_STAGES, PDARTS, Stage, arch_param_count, cap_skips,
                                        count_cells, drop_ops, expand_weights, skip_dropout_rate)
from naslib_mini.oneshot.search import search
from naslib_mini.oneshot.search_cnn import SearchCNN, SkipDropout, darts_edges
from naslib_mini.spaces import darts as darts_space


def test_paper_stages_and_their_alpha_counts():
    assert [s.layers for s in PAPER_STAGES] == [5, 11, 17]
    assert [s.n_ops for s in PAPER_STAGES] == [8, 5, 3]
    assert [s.dropout for s in PAPER_STAGES] == [0.1, 0.4, 0.7]
    counts = []
    for stage in PAPER_STAGES:
        net = SearchCNN(C=2, layers=stage.layers, in_channels=1,
                        primitives=[DARTS_PRIMITIVES[:stage.n_ops]] * 14)
        assert len(net.cells) == stage.layers and sum(c.reduction for c in net.cells) == 2
        counts.append(arch_param_count(net.arch_spec()))
    assert counts == [224, 140, 84]  # 14 edges x ops x 2 cell types


def test_drop_ops_keeps_the_strongest_in_order():
    rng = np.random.default_rng(0)
    W = rng.dirichlet(np.ones(8), size=14)
    kept = drop_ops(W, DARTS_PRIMITIVES, 5)
    for w, ops in zip(W, kept):
        assert len(ops) == 5 and list(ops) == [o for o in DARTS_PRIMITIVES if o in ops]  # order kept
        k_in = [DARTS_PRIMITIVES.index(o) for o in ops]
        k_out = [k for k in range(8) if k not in k_in]
        assert min(w[k_in]) >= max(w[k_out])
    # 'none' competes like any op between stages (official get_min_k)
    w = np.array([0.9, 0.01, 0.02, 0.03, 0.01, 0.01, 0.01, 0.01])
    assert "none" in drop_ops([w] * 14, DARTS_PRIMITIVES, 3)[0]
    # ties: the lower index is dropped first (np.argmin)
    assert drop_ops([np.full(4, 0.25)] * 14, ("a", "b", "c", "d"), 2)[0] == ("c", "d")
    W_kept = [w[[DARTS_PRIMITIVES.index(o) for o in ops]] for w, ops in zip(W, kept)]
    M = expand_weights(W_kept, kept)  # back to (14, 8), NaN where dropped
    assert M.shape == (14, 8) and np.isnan(M).sum() == 14 * 3
    assert np.allclose(np.nansum(M, 1), [w.sum() for w in W_kept])
    with pytest.raises(ValueError, match="cannot keep"):
        drop_ops(W, DARTS_PRIMITIVES, 9)
    with pytest.raises(ValueError, match="8 ops"):
        drop_ops(W[:, :7], DARTS_PRIMITIVES, 3)


def _official_final(probs, switches):
    """The official last step (train_search.py): probabilities of the stage-3 ops, 'none'
    zeroed; each edge keeps its strongest remaining op (get_min_k_no_zero drops 'none' and
    the weakest), each node its 2 strongest edges (sorted ascending, last two)."""
    probs = [list(p) for p in probs]
    for i in range(14):
        if switches[i][0]:  # 'none' is on: it is local index 0
            probs[i][0] = 0.0
    strength = [max(p) for p in probs]
    keep, start, n = [0, 1], 2, 3
    for _ in range(3):
        edge = sorted(range(n), key=lambda x: strength[start + x])
        keep += [edge[-1] + start, edge[-2] + start]
        start, n = start + n, n + 1
    edges = darts_edges()
    out = set()
    for i in keep:
        on = [k for k in range(8) if switches[i][k]]
        local = max(range(len(on)), key=lambda k: probs[i][k])
        out.add((edges[i][0], edges[i][1], DARTS_PRIMITIVES[on[local]]))
    return out, probs


def _official_cap(probs, switches, M):
    """delete_min_sk_prob / keep_1_on / keep_2_branches, ported literally: zero the weakest
    skip_connect of the current cell, re-derive, until at most M are left."""
    cell, probs = _official_final(probs, switches)
    sk = DARTS_PRIMITIVES.index("skip_connect")
    while sum(op == "skip_connect" for *_, op in cell) > M:
        index = {e: i for i, e in enumerate(darts_edges())}
        sk_prob = [1.0] * 14
        for s, d, op in cell:
            if op == "skip_connect":
                i = index[(s, d)]
                sk_prob[i] = probs[i][sum(switches[i][:sk])]  # local index of skip_connect
        d_idx = int(np.argmin(sk_prob))
        probs = copy.deepcopy(probs)
        probs[d_idx][sum(switches[d_idx][:sk])] = 0.0
        cell, probs = _official_final(probs, switches)
    return cell


def _stage3(rng, skip_bias):
    """Random stage-3 op sets (3 of the 8 ops per edge; skip_connect on most edges, 'none' on
    some) and softmax weights with skip_connect favoured by skip_bias."""
    switches, prims, probs = [], [], []
    for _ in range(14):
        others = rng.choice([0, 1, 2, 4, 5, 6, 7], size=2, replace=False)
        on = sorted({3, *others.tolist()}) if rng.random() < 0.85 else sorted(
            rng.choice([0, 1, 2, 4, 5, 6, 7], size=3, replace=False).tolist())
        switches.append([k in on for k in range(8)])
        prims.append(tuple(DARTS_PRIMITIVES[k] for k in on))
        logits = rng.normal(size=3) + np.array([skip_bias if k == 3 else 0.0 for k in on])
        probs.append(np.exp(logits) / np.exp(logits).sum())
    return switches, prims, probs


def test_final_step_and_skip_cap_match_the_official_rule():
    rng = np.random.default_rng(0)
    for trial in range(60):
        switches, prims, probs = _stage3(rng, skip_bias=rng.uniform(0, 3))
        uncapped = darts_cell(probs, prims)
        assert set(uncapped.edges) == _official_final(probs, switches)[0]
        for M in (0, 1, 2, 3):
            capped = cap_skips(probs, prims, M)
            assert set(capped.edges) == _official_cap(probs, switches, M), (trial, M)
            assert sum(op == "skip_connect" for *_, op in capped.edges) <= M
        assert cap_skips(probs, prims, 8) == uncapped  # nothing to cap


def test_skip_cap_keeps_the_strongest_skip_connects():
    prims = ("skip_connect", "sep_conv_3x3")
    W = [[0.9 - 0.05 * e, 0.1 + 0.05 * e] for e in range(14)]  # skip wins on edges 0..7
    cell = darts_cell(W, prims)
    assert sum(op == "skip_connect" for *_, op in cell.edges) == 6  # nodes 0, 1, 2: both edges
    capped = cap_skips(W, prims, 2)
    skips = {(s, d) for s, d, op in capped.edges if op == "skip_connect"}
    assert skips == {(0, 2), (1, 2)}  # edges 0 and 1: the strongest two skip weights


def test_skip_dropout_schedule_is_the_official_one():
    N, warm = 25, 10
    assert skip_dropout_rate(0.4, 0, N, warm) == pytest.approx(0.4 * 24 / 25)
    assert skip_dropout_rate(0.4, 9, N, warm) == pytest.approx(0.4 * 15 / 25)
    assert skip_dropout_rate(0.4, 10, N, warm) == pytest.approx(0.4)  # back up when alphas train
    assert skip_dropout_rate(0.4, 15, N, warm) == pytest.approx(0.4 * math.exp(-1.0))
    rates = [skip_dropout_rate(0.7, e, N, warm) for e in range(N)]
    assert all(a > b for a, b in zip(rates[:9], rates[1:10]))
    assert all(a > b for a, b in zip(rates[10:], rates[11:]))

    class T:  # what the method reads from fit's Trainer
        epoch = 12

    net = SearchCNN(C=2, layers=3, in_channels=1)
    cb = PDARTS(net, None, PDARTSConfig.PAPER.replace(num_epochs=N, warmup_epochs=warm), dropout=0.7)
    cb.on_epoch_start(T)
    ps = {m.p for m in net.modules() if isinstance(m, SkipDropout)}
    assert len(ps) == 1 and ps.pop() == pytest.approx(0.7 * math.exp(-0.4))
    logs = {}
    cb.on_epoch_end(T, logs)
    assert logs["skip_dropout"] == pytest.approx(0.7 * math.exp(-0.4))


def test_count_cells_by_enumeration():
    assert count_cells(DARTS_PRIMITIVES) == darts_space.count()
    rng = np.random.default_rng(1)
    ops = ("none", "skip_connect", "sep_conv_3x3", "max_pool_3x3")
    prims = [tuple(o for o in ops if rng.random() < 0.7) or ("skip_connect",) for _ in range(5)]
    prims = [p if any(o != "none" for o in p) else p + ("skip_connect",) for p in prims]
    listed, edges = set(), darts_edges(2)
    for pair0 in itertools.combinations([0, 1], 2):
        for pair1 in itertools.combinations([2, 3, 4], 2):
            choice = [[o for o in prims[e] if o != "none"] for e in pair0 + pair1]
            for o in itertools.product(*choice):
                listed.add(tuple(zip(pair0 + pair1, o)))
    assert count_cells(prims, n_nodes=2) == len(listed)
    for _ in range(50):  # every cell the DARTS rule derives is one of them
        W = [rng.dirichlet(np.ones(len(p))) for p in prims]
        cell = darts_cell(W, prims, n_nodes=2)
        key = tuple(sorted(((edges.index((s, d)), op) for s, d, op in cell.edges)))
        assert key in listed


def test_pdarts_search_runs_the_stages():
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=16)
    ops = ("none", "skip_connect", "sep_conv_3x3", "max_pool_3x3")
    stages = (Stage(3, 4, 0.1), Stage(3, 3, 0.4), Stage(3, 2, 0.7))
    cfg = PDARTSConfig.PAPER.replace(stages=stages, primitives=ops, C=2, num_epochs=2,
                                     warmup_epochs=1, batch_size=16, arch_lr=0.05, cost_repeats=1)
    res = search("darts", "pdarts", d, cfg, progress=False, evaluate=False, device="cpu")
    r = res.searcher
    assert [s.n_arch_params for s in r.stages] == [2 * 14 * n for n in (4, 3, 2)]
    for prev, nxt in zip(r.stages, r.stages[1:]):
        for t in ("normal", "reduce"):
            assert nxt.primitives[t] == drop_ops(prev.weights[t], prev.primitives[t], nxt.stage.n_ops)
            assert all(set(b) <= set(a) for a, b in zip(prev.primitives[t], nxt.primitives[t]))
    for s in r.stages:
        assert s.history["skip_dropout"][-1] > 0 and s.cost["saved_bytes"] > 0
        assert all(op in ops for *_, op in s.genotype.normal.edges)
        assert s.space_size["normal"] == count_cells(s.primitives["normal"])
    last = r.stages[-1]
    assert r.uncapped == last.genotype
    assert res.arch.normal == cap_skips(last.weights["normal"], last.primitives["normal"], 2)
    assert sum(op == "skip_connect" for *_, op in res.arch.normal.edges) <= 2
    with pytest.raises(ValueError, match="expects 3 ops per edge"):
        search("darts", "pdarts", d, cfg.replace(stages=(Stage(3, 3),), num_epochs=1,
                                                 warmup_epochs=0), progress=False)
    assert torch.is_tensor(d.train.X)
