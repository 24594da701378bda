"""What a run on a GPU does differently, exercised on the CPU (issue: the CUDA paths).

Each test here would have caught a failure that only a GPU run met before: an implicit
tensor-to-NumPy conversion between P-DARTS stages, GDAS looping forever on a NaN alpha, the
speed script waiting forever on a dead worker, CUDA asked for where there is none, training
on a NaN loss, and the second-order DARTS step leaking into bf16 under autocast.
"""
import threading

import pytest
import torch
import torch.nn.functional as F

from naslib_mini import data
from naslib_mini.config import FullProfileOnCPUWarning, get_profile
from naslib_mini.networks import SmallCNN
from naslib_mini.oneshot.config import DARTSConfig, GDASConfig, PDARTSConfig, Stage
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.gdas import gumbel_softmax_sample
from naslib_mini.oneshot.method import SearchModel
from naslib_mini.oneshot.search import search
from naslib_mini.speed import measure
from naslib_mini.train import Callback, NonFiniteLossError, fit
from naslib_mini.utils import DeviceUnavailableError, resolve_device


def test_pdarts_moves_alphas_off_the_device_before_dropping_ops(no_implicit_numpy):
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=16)
    ops = ("none", "skip_connect", "sep_conv_3x3", "max_pool_3x3")
    cfg = PDARTSConfig.PAPER.replace(stages=(Stage(3, 4, 0.1), Stage(3, 3, 0.4)), primitives=ops,
                                     C=2, num_epochs=1, warmup_epochs=0, batch_size=16,
                                     cost_repeats=0)
    r = search("darts", "pdarts", d, cfg, progress=False, evaluate=False, device="cpu")
    assert all(len(p) == 3 for p in r.searcher.stages[1].primitives["normal"])


def _within(seconds, fn):
    """Run fn in a thread; fail (not hang) if it is still running after `seconds`."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # handed to the test
            out["error"] = e
    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), f"still running after {seconds} s"
    return out


def test_gdas_sampling_on_a_nan_alpha_raises_instead_of_looping():
    alpha = torch.zeros(6, 5)
    alpha[2, 1] = float("nan")
    out = _within(10, lambda: gumbel_softmax_sample(alpha, tau=1.0))
    assert isinstance(out.get("error"), FloatingPointError)
    assert "non-finite" in str(out["error"])


class _PoisonWeights(Callback):
    """Sets one weight of the network to NaN at the start of epoch `at` (0-based)."""

    def __init__(self, at=1):
        self.at = at

    def on_epoch_start(self, t):
        if t.epoch == self.at:
            with torch.no_grad():
                next(p for p in t.net.parameters() if p.requires_grad).view(-1)[0] = float("nan")


def test_fit_stops_with_a_clear_error_on_a_nonfinite_loss(tmp_path):
    d = data.load("digits", device="cpu", limit=64)
    net = SmallCNN(1, 10, C=4, depth=1)
    ck = tmp_path / "run.pt"
    with pytest.raises(NonFiniteLossError, match="epoch 2"):
        fit(net, d, num_epochs=3, callbacks=[_PoisonWeights(1)], checkpoint=ck, progress=False,
            device="cpu")
    assert torch.load(ck, weights_only=False)["epoch"] == 1  # the last finite epoch is kept


@pytest.mark.parametrize("method", ["darts", "gdas"])
def test_a_search_stops_with_a_clear_error_when_it_diverges(method):
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=64)
    cfg = {"darts": DARTSConfig.PAPER.replace(order=1), "gdas": GDASConfig.PAPER}[method].replace(
        num_epochs=3, C=4, layers=1, batch_size=32)
    out = _within(60, lambda: search("nb201", method, d, cfg, [_PoisonWeights(1)], evaluate=False,
                                     progress=False, device="cpu"))
    assert isinstance(out.get("error"), FloatingPointError), out


def test_cuda_where_there_is_none_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailableError, match="sees no CUDA") as e:
        resolve_device("cuda")
    assert "\n" not in str(e.value)
    assert resolve_device("auto").type == "cpu"


def test_full_profile_on_a_cpu_warns(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(FullProfileOnCPUWarning, match="GPU"):
        get_profile("full")


def test_speed_worker_failure_is_raised_not_waited_on():
    with pytest.raises(RuntimeError, match="failed: KeyError"):
        measure("no such case", "train.fit", "cpu", timeout=120)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_speed_with_cuda_asked_for_and_none_present_fails_fast():
    with pytest.raises(RuntimeError, match="DeviceUnavailableError"):
        measure("digits / SmallCNN", "train.fit", "cuda", timeout=120)


def _dtypes_by_phase(net, run):
    """Output dtypes of every Conv2d forward, split by whether an arch step was running."""
    seen, phase = {"arch": set(), "weights": set()}, ["weights"]
    hooks = [m.register_forward_hook(lambda m, i, o: seen[phase[0]].add(o.dtype))
             for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    original = DARTS.arch_step

    def arch_step(self, *a, **k):
        phase[0] = "arch"
        try:
            return original(self, *a, **k)
        finally:
            phase[0] = "weights"
    try:
        DARTS.arch_step = arch_step
        run()
    finally:
        DARTS.arch_step = original
        for h in hooks:
            h.remove()
    return seen


def test_cuda_recipe_on_the_cpu_bf16_for_weights_full_precision_for_second_order():
    """fit(amp=True, channels_last=True) is the CUDA recipe on the CPU: the weight step runs
    in bf16, the unrolled second-order step in float32 (its finite difference needs it)."""
    from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
    d = data.load("digits", val_fraction=0.5, device="cpu", limit=64)
    torch.manual_seed(0)
    net = NB201SuperNet(C=4, num_classes=10, in_channels=1)
    arch = DARTS(net, d.val, DARTSConfig.PAPER.replace(order=2, num_epochs=1, batch_size=32),
                 device="cpu")
    model = SearchModel(arch)
    seen = _dtypes_by_phase(net, lambda: fit(
        model, (d.train, None), num_epochs=1, batch_size=32, callbacks=[arch], amp=True,
        channels_last=True, progress=False, device="cpu"))
    assert seen["weights"] == {torch.bfloat16}
    assert seen["arch"] == {torch.float32}


def test_cuda_recipe_on_the_cpu_trains_like_full_precision():
    d = data.load("digits", device="cpu", limit=256)
    losses = {}
    for amp in (False, True):
        torch.manual_seed(0)
        net = SmallCNN(1, 10, C=8, depth=2)
        h = fit(net, d, num_epochs=3, amp=amp, channels_last=amp, progress=False, device="cpu")
        losses[amp] = h["train_loss"]
    assert all(torch.isfinite(torch.tensor(losses[True])))
    assert losses[True][-1] < losses[True][0]
    assert abs(losses[True][-1] - losses[False][-1]) < 0.1 * losses[False][0]


def test_loss_fn_under_amp_sees_float32_logits():
    """fit casts logits to float32 before the loss, so cross-entropy never runs in bf16."""
    d = data.load("digits", device="cpu", limit=64)
    seen = set()

    def loss_fn(logits, y, **kw):
        seen.add(logits.dtype)
        return F.cross_entropy(logits, y, **kw)
    fit(SmallCNN(1, 10, C=4, depth=1), d, num_epochs=1, amp=True, loss_fn=loss_fn,
        progress=False, device="cpu")
    assert seen == {torch.float32}


def test_fit_gives_the_same_numbers_whatever_the_thread_count_was_before():
    """fit pins torch's CPU threads (utils.set_threads), so a run does not depend on the cores."""
    d = data.load("digits", device="cpu", limit=256)
    runs = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        net = SmallCNN(1, 10, C=8, depth=2)
        runs.append(fit(net, d, num_epochs=2, progress=False, device="cpu")["train_loss"])
    assert runs[0] == runs[1]
