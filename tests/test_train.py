"""The training loop: it learns, it repeats, it resumes exactly, it fails clearly."""
import pytest
import torch

from naslib_mini import data
from naslib_mini.networks import SmallCNN
from naslib_mini.train import Callback, evaluate, fit
from naslib_mini.utils import seed_everything


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", device="cpu")


def _net(seed=0):
    seed_everything(seed)
    return SmallCNN(1, 10, C=8, depth=2)


def test_loss_falls_on_digits(digits):
    net = _net()
    before = evaluate(net, digits.val)
    h = fit(net, digits, num_epochs=3, progress=False)
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert h["val_acc"][-1] > before[1] + 0.3  # chance is 0.1
    assert set(h) >= {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "time"}
    assert all(len(v) == 3 for v in h.values())


def test_same_seed_same_run(digits):
    a, b = _net(), _net()
    ha = fit(a, digits, num_epochs=2, progress=False, seed=3)
    hb = fit(b, digits, num_epochs=2, progress=False, seed=3)
    assert ha["val_loss"] == hb["val_loss"]
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


class StopAfter(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, t, logs):
        if t.epoch == self.epoch:
            t.stop = True


class InterruptAt(Callback):
    """Raise KeyboardInterrupt in the middle of an epoch, like Jupyter's stop button."""

    def __init__(self, step):
        self.step = step

    def on_batch_end(self, t, loss):
        if t.step == self.step:
            raise KeyboardInterrupt


def _same(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.mark.parametrize("how", ["stop", "keyboard_interrupt"])
def test_resume_reproduces_uninterrupted_run(digits, tmp_path, how, capsys):
    from naslib_mini import augment
    kw = dict(num_epochs=4, progress=False, seed=1, augment=augment.crop(1))
    full = _net()
    h_full = fit(full, digits, **kw)

    ck = tmp_path / "run.pt"
    first = _net()
    if how == "stop":
        fit(first, digits, checkpoint=ck, callbacks=[StopAfter(2)], **kw)
    else:
        steps_per_epoch = -(-len(digits.train) // 64)
        with pytest.raises(KeyboardInterrupt):
            fit(first, digits, checkpoint=ck, callbacks=[InterruptAt(2 * steps_per_epoch + 3)], **kw)
        assert "rerun with checkpoint=" in capsys.readouterr().out
    resumed = _net(seed=99)  # a different init: everything must come from the checkpoint
    h_res = fit(resumed, digits, checkpoint=ck, **kw)
    assert _same(full, resumed)
    for key in ("train_loss", "val_loss", "val_acc", "lr"):
        assert h_res[key] == h_full[key]


def test_finished_checkpoint_is_not_retrained(digits, tmp_path):
    ck = tmp_path / "run.pt"
    net = _net()
    fit(net, digits, num_epochs=1, checkpoint=ck, progress=False)
    h = fit(_net(5), digits, num_epochs=1, checkpoint=ck, progress=False)
    assert h["epoch"] == [1]


def test_checkpoint_of_another_run_is_refused(digits, tmp_path):
    ck = tmp_path / "run.pt"
    fit(_net(), digits, num_epochs=1, checkpoint=ck, progress=False)
    with pytest.raises(ValueError, match="another run"):
        fit(_net(), digits, num_epochs=1, checkpoint=ck, progress=False, lr=0.1)


def test_callback_hooks_and_extra_logs(digits):
    seen = []

    class Spy(Callback):
        def on_fit_start(self, t): seen.append("fit_start")
        def on_epoch_start(self, t): seen.append("epoch_start")
        def on_batch_start(self, t, X, y): seen.append(("batch", tuple(X.shape[1:])))
        def on_epoch_end(self, t, logs):
            logs["extra"] = t.epoch * 10
        def on_fit_end(self, t): seen.append("fit_end")

    h = fit(_net(), (digits.train, None), num_epochs=2, progress=False, callbacks=[Spy()])
    assert seen[0] == "fit_start" and seen[-1] == "fit_end"
    assert ("batch", (1, 8, 8)) in seen
    assert h["extra"] == [10, 20] and "val_acc" not in h


def test_evaluate_accepts_pairs(digits):
    net = _net()
    loss, acc = evaluate(net, (digits.test.X, digits.test.y))
    assert loss > 0 and 0 <= acc <= 1


def test_unknown_optimizer(digits):
    with pytest.raises(ValueError, match="unknown optimizer"):
        fit(_net(), digits, num_epochs=1, optimizer="lion", progress=False)


class PlainStep(Callback):
    """The default forward/backward written as a train_step: must give the identical run."""

    def __init__(self):
        self.calls = 0

    def train_step(self, t, X, y, loss_fn):
        self.calls += 1
        with t.autocast():
            logits = t.net(X)
            loss = loss_fn(logits.float(), y)
        loss.backward()
        return loss, logits


def test_train_step_hook_replaces_the_batch_step(digits):
    a, b = _net(), _net()
    ha = fit(a, digits, num_epochs=1, progress=False)
    step = PlainStep()
    hb = fit(b, digits, num_epochs=1, progress=False, callbacks=[step])
    assert step.calls == -(-len(digits.train.y) // 64)
    assert ha["val_loss"] == hb["val_loss"] and _same(a, b)


def test_two_train_steps_are_refused(digits):
    with pytest.raises(ValueError, match="at most one callback"):
        fit(_net(), digits, num_epochs=1, progress=False, callbacks=[PlainStep(), PlainStep()])
