"""One test over every one-shot method through the same interface, search(space, method, data,
config, callbacks): each of the seven methods, on each space it searches, runs a tiny search
(its quick preset, smoke-sized), derives an architecture of the space's type, resumes from a
checkpoint interrupted mid-run with nothing lost, and never converts a tensor to NumPy
implicitly (as a CUDA tensor would refuse to)."""
from types import SimpleNamespace

import pytest
import torch

from naslib_mini import data
from naslib_mini.data import Split
from naslib_mini.genotypes import Genotype
from naslib_mini.oneshot import config as oc
from naslib_mini.oneshot.densenas import DenseSuperNet
from naslib_mini.oneshot.densenas_latency import LatencyModel, LatencyTable, densenas_keys
from naslib_mini.oneshot.fairnas_supernet import FairNASSuperNet
from naslib_mini.oneshot.method import METHODS, OneShotMethod
from naslib_mini.oneshot.search import search
from naslib_mini.spaces import nb201
from naslib_mini.spaces.densenas import DenseArch, DenseSpace
from naslib_mini.train import Callback

DENSE = DenseSpace(widths=(4, 6, 8), sizes=(8, 4, 4), layers=(0, 1, 1), M=2, last_C=8, image_size=8)
FAIRNAS = dict(layers=((4, 1), (6, 2)), stem=4, first=4, head=8, stem_stride=1)
STAGES = (oc.Stage(3, 4, 0.1), oc.Stage(3, 3, 0.4))
OPS4 = ("none", "skip_connect", "sep_conv_3x3", "max_pool_3x3")

CASES = {  # (method, space): its tiny config, smoke-sized (2 epochs, 1 of them warm-up if any)
    ("darts", "darts"): oc.DARTSConfig.QUICK.replace(C=2, batch_size=16).smoke(),
    ("darts", "nb201"): oc.DARTSConfig.NB201_QUICK.replace(C=2, layers=1, batch_size=16).smoke(),
    ("gdas", "darts"): oc.GDASConfig.QUICK.replace(C=2, batch_size=16).smoke(),
    ("gdas", "nb201"): oc.GDASConfig.NB201_QUICK.replace(C=4, batch_size=16).smoke(),
    ("pcdarts", "darts"): oc.PCDARTSConfig.QUICK.replace(batch_size=16, warmup_epochs=1).smoke(),
    ("pcdarts", "nb201"): oc.PCDARTSConfig.NB201_QUICK.replace(C=4, batch_size=16).smoke(),
    ("pdarts", "darts"): oc.PDARTSConfig.QUICK.replace(stages=STAGES, primitives=OPS4, C=2,
                                                       batch_size=16).smoke(),
    ("densenas", "densenas"): oc.DenseNASConfig.QUICK.replace(batch_size=16, weight_sample=1,
                                                              lam=1.0).smoke(),
    ("spos", "nb201"): oc.SPOSConfig.NB201_QUICK.replace(C=4, batch_size=16, n_candidates=3).smoke(),
    ("spos", "fairnas"): oc.SPOSConfig.NB201_QUICK.replace(batch_size=16, n_candidates=3).smoke(),
    ("fairnas", "nb201"): oc.FairNASConfig.NB201_QUICK.replace(C=4, batch_size=16,
                                                               n_candidates=3).smoke(),
    ("fairnas", "fairnas"): oc.FairNASConfig.NB201_QUICK.replace(batch_size=16,
                                                                 n_candidates=3).smoke(),
}


def test_every_registered_method_is_covered():
    assert set(METHODS) == {m for m, _ in CASES} == {
        "darts", "gdas", "pcdarts", "pdarts", "densenas", "spos", "fairnas"}
    assert all(issubclass(cls, OneShotMethod) for cls in METHODS.values())


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", val_fraction=0.5, device="cpu", limit=48)  # 3 steps an epoch


def _supernet(space, splits):
    """The supernets search() cannot build from a config: a tiny DenseNAS lattice with a
    (random) latency table, a tiny FairNAS chain. None: search builds it."""
    torch.manual_seed(0)
    if space == "densenas":
        g = torch.Generator().manual_seed(0)
        keys = densenas_keys(DENSE, splits.num_classes, splits.in_channels)
        table = LatencyTable({k: float(torch.rand(1, generator=g)) * 1e-3 for k in keys})
        return DenseSuperNet(DENSE, splits.num_classes, splits.in_channels,
                             latency=LatencyModel(DENSE, table, splits.num_classes, splits.in_channels))
    if space == "fairnas":
        return FairNASSuperNet(**FAIRNAS, num_classes=splits.num_classes, in_channels=splits.in_channels)
    return None


def _is_an_arch_of(space, arch, supernet):
    if space == "darts":
        return isinstance(arch, Genotype)
    if space == "nb201":
        return len(arch) == 6 and all(op in nb201.OPS for op in arch)
    if space == "fairnas":
        return len(arch) == supernet.n_layers and all(0 <= c < 6 for c in arch)
    return isinstance(arch, DenseArch) and arch.validate(DENSE) == arch


class InterruptAt(Callback):
    """Ctrl-C after `step` batches (counted across P-DARTS' stages too)."""

    def __init__(self, step):
        self.step, self.seen = step, 0

    def on_batch_end(self, t, loss):
        self.seen += 1
        if self.seen == self.step:
            raise KeyboardInterrupt


def _same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("method, space", list(CASES), ids=[f"{m}-{s}" for m, s in CASES])
def test_search_derives_and_resumes_through_one_interface(method, space, digits, tmp_path,
                                                          no_implicit_numpy):
    cfg = CASES[method, space]
    assert cfg.smoke() == cfg  # smoke-sized
    run = dict(seed=1, evaluate=False, progress=False, device="cpu")
    full = search(space, method, digits, cfg, supernet=_supernet(space, digits), **run)
    assert full.method == method and full.config is cfg and full.seconds > 0
    assert _is_an_arch_of(space, full.arch, full.supernet), full.arch
    assert len(full.history["train_loss"]) == cfg.num_epochs

    ck = tmp_path / ("stages" if method == "pdarts" else "run.pt")
    if method == "pdarts":
        ck.mkdir()
    stop = 4  # in the second epoch (3 steps an epoch; P-DARTS: its first stage's second epoch)
    with pytest.raises(KeyboardInterrupt):
        search(space, method, digits, cfg, [InterruptAt(stop)], checkpoint=ck,
               supernet=_supernet(space, digits), **run)
    resumed = search(space, method, digits, cfg, checkpoint=ck, supernet=_supernet(space, digits),
                     **run)
    assert resumed.arch == full.arch
    same = lambda x, y: x == y or (x != x and y != y)  # noqa: E731  (NaN: no arch step yet)
    assert all(len(resumed.history[k]) == len(v) and all(map(same, resumed.history[k], v))
               for k, v in full.history.items() if k != "time")
    assert _same_state(resumed.supernet, full.supernet)
    a, b = resumed.searcher, full.searcher
    assert all(torch.equal(x, y) for x, y in zip(a.arch_parameters(), b.arch_parameters(), strict=True))
    assert [s["arch"] for s in a.snapshots] == [s["arch"] for s in b.snapshots]
    if method in ("spos", "fairnas"):
        assert a.candidates == b.candidates and (a.counts == b.counts).all()


def test_a_checkpoint_of_other_method_settings_is_refused(digits, tmp_path):
    cfg = CASES["darts", "nb201"]
    ck, run = tmp_path / "run.pt", dict(seed=1, evaluate=False, progress=False, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        search("nb201", "darts", digits, cfg, [InterruptAt(4)], checkpoint=ck, **run)
    with pytest.raises(ValueError, match=r"arch_lr: 0.01 there, 0.02 now"):
        search("nb201", "darts", digits, cfg.replace(arch_lr=0.02), checkpoint=ck, **run)
