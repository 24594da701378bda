"""Bad input gets a clear error, never a wrong answer (issue 18).

Every case calls a public entry point the wrong way (a bad argument, a damaged file, a
checkpoint of another run) and asserts three things: the error type; that the message names
the culprit (the argument, the setting or the file); and that the error was raised by
naslib_mini itself, so no case can pass on a raw traceback from deep inside torch, numpy,
pickle or zipfile. Cases are plain data: (id, call, error type, culprit)."""
import gzip
import math
import os
import pickle
import struct

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from types import SimpleNamespace

from naslib_mini import augment, compare as cmp
from naslib_mini import data, spaces
from naslib_mini.checks import CorruptFileError
from naslib_mini.config import PROFILES, get_profile
from naslib_mini.genotypes import DARTS_V2, Cell, Genotype, GenotypeError
from naslib_mini.networks import CellNetwork, SmallCNN
from naslib_mini.oneshot import pdarts
from naslib_mini.oneshot.config import (DARTSConfig, DenseNASConfig, GDASConfig, PDARTSConfig,
                                        SPOSConfig)
from naslib_mini.oneshot.darts import DARTS
from naslib_mini.oneshot.densenas_search import DenseNAS
from naslib_mini.oneshot.nb201_supernet import NB201SuperNet
from naslib_mini.oneshot.search import search
from naslib_mini.oneshot.single_path import make_sampler
from naslib_mini.benchmarks import build as bb
from naslib_mini.spaces import nasnet, nb201, zoph
from naslib_mini.strategies import run
from naslib_mini.strategies.random_search import RandomSearch
from naslib_mini.strategies.evolution import LocalSearch, RegularizedEvolution
from naslib_mini.strategies.nsga2 import NSGA2
from naslib_mini.train import Callback, evaluate, fit


# ------------------------------------------------------------------ shared material
class Ctx:
    """Small data, nets and files every case may use (built once per module)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.d = data.load("digits", limit=48, device="cpu")          # X (48, 1, 8, 8)
        self.search_d = data.load("digits", limit=32, val_fraction=0.5, device="cpu")
        self.X, self.y = self.d.train.X, self.d.train.y
        self.val = (self.d.val.X[:16], self.d.val.y[:16])
        self.ck = str(tmp / "base.pt")
        fit(self.net(), self.d, checkpoint=self.ck, **self.FIT)       # a finished 1-epoch run
        self.ck_const = str(tmp / "const.pt")
        fit(self.net(), self.d, checkpoint=self.ck_const, **{**self.FIT, "scheduler": None,
                                                               "num_epochs": 2})
        self.truth = cmp.Truth(np.random.default_rng(0).random((2, 20)), np.ones((2, 20)),
                               np.random.default_rng(1).random(20))
        self.n = 0

    FIT = dict(num_epochs=1, batch_size=32, progress=False, device="cpu",
               augment=augment.crop(1))

    @staticmethod
    def net(C=4, in_channels=1, classes=10):
        torch.manual_seed(0)
        return SmallCNN(in_channels, classes, C=C, depth=1)

    def fit(self, data_=None, **kw):
        return fit(self.net(), self.d if data_ is None else data_, **{**self.FIT, **kw})

    def resume(self, net=None, data_=None, ck=None, **kw):
        return fit(net or self.net(), data_ or self.d, checkpoint=ck or self.ck, **{**self.FIT, **kw})

    def path(self, name):
        self.n += 1
        p = self.tmp / f"case{self.n}"
        p.mkdir()
        return p / name

    # ---- damaged copies of files -----------------------------------------------------
    def cifar(self, damage):
        """A fake CIFAR-10 root (4 images per batch); damage(folder) spoils one file."""
        root = self.path("cifar")
        folder = root / "cifar-10-batches-py"
        folder.mkdir(parents=True)
        rng = np.random.default_rng(0)
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            X = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
            with open(folder / name, "wb") as f:
                pickle.dump({b"data": X, b"labels": [0, 1, 2, 3]}, f)
        with open(folder / "batches.meta", "wb") as f:
            pickle.dump({b"label_names": [f"c{i}".encode() for i in range(10)]}, f)
        damage(folder)
        return lambda: data.load("cifar10", root=str(root), download=False, device="cpu")

    def fmnist(self, damage, gz=False):
        root = self.path("fm")
        raw = root / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        rng = np.random.default_rng(0)
        for part, n in (("train", 10), ("t10k", 4)):
            _idx(raw / f"{part}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), 2051, gz)
            _idx(raw / f"{part}-labels-idx1-ubyte", rng.integers(0, 10, n), 2049, gz)
        damage(raw)
        return lambda: data.load("fashion_mnist", root=str(root), download=False, device="cpu")

    def damaged_checkpoint(self, damage):
        p = self.path("run.pt")
        p.write_bytes(damage(open(self.ck, "rb").read()))
        return str(p)

    def build_dir(self, shards=1):
        """A tiny build's workdir with `shards` shards."""
        wd = str(self.path("build"))
        bb.build(wd, workers=1, max_chunks=shards, progress=False, device="cpu", cfg=TINY)
        return wd


TINY = bb.BuildConfig(num_epochs=1, chunk=2, seeds=(0, 1))


def _idx(path, array, magic, gz):
    payload = struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(str(path) + (".gz" if gz else ""), "wb") as f:
        f.write(payload)


def _rewrite_pickle(path, change):
    with open(path, "rb") as f:
        d = pickle.load(f)
    change(d)
    with open(path, "wb") as f:
        pickle.dump(d, f)


def _truncate(path, keep=0.5):
    b = open(path, "rb").read()
    open(path, "wb").write(b[:int(len(b) * keep)])


def _with(split, X=None, y=None):
    return (split.X if X is None else X, split.y if y is None else y)


def _nan(X, value=float("nan")):
    X = X.clone()
    X[3, 0, 2, 2] = value
    return X


class NotACallback:
    def on_epoch_end(self, t, logs): ...


# ------------------------------------------------------------------ the cases
DATA = [
    ("name-int", lambda c: data.load(3), TypeError, "name"),
    ("name-unknown", lambda c: data.load("cifar100"), ValueError, "cifar100"),
    ("val_fraction-negative", lambda c: data.load(val_fraction=-0.1), ValueError, "val_fraction"),
    ("val_fraction-one", lambda c: data.load(val_fraction=1.0), ValueError, "val_fraction"),
    ("val_fraction-str", lambda c: data.load(val_fraction="0.2"), TypeError, "val_fraction"),
    ("val_fraction-nan", lambda c: data.load(val_fraction=math.nan), ValueError, "val_fraction"),
    ("val_fraction-tiny", lambda c: data.load(val_fraction=0.001), ValueError, "val_fraction"),
    ("limit-zero", lambda c: data.load(limit=0), ValueError, "limit"),
    ("limit-negative", lambda c: data.load(limit=-5), ValueError, "limit"),
    ("limit-float", lambda c: data.load(limit=2.5), TypeError, "limit"),
    ("image_size-zero", lambda c: data.load(image_size=0), ValueError, "image_size"),
    ("image_size-float", lambda c: data.load(image_size=8.5), TypeError, "image_size"),
    ("seed-negative", lambda c: data.load(seed=-1), ValueError, "seed"),
    ("seed-str", lambda c: data.load(seed="0"), TypeError, "seed"),
    ("download-str", lambda c: data.load("cifar10", download="no"), TypeError, "download"),
    ("device-typo", lambda c: data.load(device="gpu0"), ValueError, "gpu0"),
    ("device-int", lambda c: data.load(device=5), TypeError, "device"),
    ("root-int", lambda c: data.load("cifar10", root=5), TypeError, "root"),
]

READERS = [
    ("cifar-one-label-short", lambda c: c.cifar(lambda f: _rewrite_pickle(
        f / "data_batch_2", lambda d: d.update({b"labels": d[b"labels"][:-1]})))(),
     CorruptFileError, "data_batch_2"),
    ("cifar-truncated", lambda c: c.cifar(lambda f: _truncate(f / "data_batch_1"))(),
     CorruptFileError, "data_batch_1"),
    ("cifar-empty-file", lambda c: c.cifar(lambda f: open(f / "data_batch_4", "wb").close())(),
     CorruptFileError, "data_batch_4"),
    ("cifar-not-a-pickle", lambda c: c.cifar(
        lambda f: (f / "data_batch_3").write_bytes(b"PK\x03\x04 not a pickle"))(),
     CorruptFileError, "data_batch_3"),
    ("cifar-no-labels-key", lambda c: c.cifar(lambda f: _rewrite_pickle(
        f / "data_batch_5", lambda d: d.pop(b"labels")))(), CorruptFileError, "data_batch_5"),
    ("cifar-label-out-of-range", lambda c: c.cifar(lambda f: _rewrite_pickle(
        f / "test_batch", lambda d: d.update({b"labels": [0, 1, 2, 10]})))(),
     CorruptFileError, "test_batch"),
    ("cifar-wrong-image-size", lambda c: c.cifar(lambda f: _rewrite_pickle(
        f / "data_batch_1", lambda d: d.update({b"data": d[b"data"][:, :3000]})))(),
     CorruptFileError, "data_batch_1"),
    ("cifar-a-list-not-a-dict", lambda c: c.cifar(
        lambda f: pickle.dump([1, 2], open(f / "data_batch_2", "wb")))(),
     CorruptFileError, "data_batch_2"),
    ("cifar-meta-truncated", lambda c: c.cifar(lambda f: _truncate(f / "batches.meta", 0.3))(),
     CorruptFileError, "batches.meta"),
    ("cifar-meta-no-names", lambda c: c.cifar(lambda f: _rewrite_pickle(
        f / "batches.meta", lambda d: d.pop(b"label_names")))(), CorruptFileError, "batches.meta"),
    ("fmnist-short-labels", lambda c: c.fmnist(lambda r: _idx(
        r / "train-labels-idx1-ubyte", np.zeros(9), 2049, False))(),
     CorruptFileError, "train-labels-idx1-ubyte"),
    ("fmnist-long-labels", lambda c: c.fmnist(lambda r: _idx(
        r / "t10k-labels-idx1-ubyte", np.zeros(5), 2049, False))(),
     CorruptFileError, "t10k-labels-idx1-ubyte"),
    ("fmnist-truncated-images", lambda c: c.fmnist(
        lambda r: _truncate(r / "train-images-idx3-ubyte", 0.7))(),
     CorruptFileError, "train-images-idx3-ubyte"),
    ("fmnist-bad-magic", lambda c: c.fmnist(lambda r: _idx(
        r / "t10k-images-idx3-ubyte", np.zeros((4, 28, 28)), 2049, False))(),
     CorruptFileError, "t10k-images-idx3-ubyte"),
    ("fmnist-header-cut", lambda c: c.fmnist(
        lambda r: (r / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00"))(),
     CorruptFileError, "train-labels-idx1-ubyte"),
    ("fmnist-label-out-of-range", lambda c: c.fmnist(lambda r: _idx(
        r / "t10k-labels-idx1-ubyte", np.full(4, 12), 2049, False))(),
     CorruptFileError, "t10k-labels-idx1-ubyte"),
    ("fmnist-gz-damaged", lambda c: c.fmnist(
        lambda r: _truncate(r / "train-images-idx3-ubyte.gz", 0.5), gz=True)(),
     CorruptFileError, "train-images-idx3-ubyte.gz"),
    ("fmnist-gz-not-gzip", lambda c: c.fmnist(
        lambda r: (r / "t10k-labels-idx1-ubyte.gz").write_bytes(b"plain bytes"), gz=True)(),
     CorruptFileError, "t10k-labels-idx1-ubyte.gz"),
]

FIT_SETTINGS = [
    ("num_epochs-zero", lambda c: c.fit(num_epochs=0), ValueError, "num_epochs"),
    ("num_epochs-negative", lambda c: c.fit(num_epochs=-1), ValueError, "num_epochs"),
    ("num_epochs-float", lambda c: c.fit(num_epochs=2.0), TypeError, "num_epochs"),
    ("num_epochs-bool", lambda c: c.fit(num_epochs=True), TypeError, "num_epochs"),
    ("num_epochs-none", lambda c: c.fit(num_epochs=None), TypeError, "num_epochs"),
    ("lr-zero", lambda c: c.fit(lr=0), ValueError, "lr"),
    ("lr-negative", lambda c: c.fit(lr=-0.1), ValueError, "lr"),
    ("lr-nan", lambda c: c.fit(lr=math.nan), ValueError, "lr"),
    ("lr-inf", lambda c: c.fit(lr=math.inf), ValueError, "lr"),
    ("lr-str", lambda c: c.fit(lr="0.1"), TypeError, "lr"),
    ("momentum-negative", lambda c: c.fit(momentum=-0.1), ValueError, "momentum"),
    ("momentum-one", lambda c: c.fit(momentum=1.0), ValueError, "momentum"),
    ("weight_decay-negative", lambda c: c.fit(weight_decay=-1e-4), ValueError, "weight_decay"),
    ("weight_decay-nan", lambda c: c.fit(weight_decay=math.nan), ValueError, "weight_decay"),
    ("batch_size-zero", lambda c: c.fit(batch_size=0), ValueError, "batch_size"),
    ("batch_size-negative", lambda c: c.fit(batch_size=-1), ValueError, "batch_size"),
    ("batch_size-float", lambda c: c.fit(batch_size=16.0), TypeError, "batch_size"),
    ("scheduler-unknown", lambda c: c.fit(scheduler="cos"), ValueError, "scheduler"),
    ("scheduler-step", lambda c: c.fit(scheduler="step"), ValueError, "scheduler"),
    ("grad_clip-negative", lambda c: c.fit(grad_clip=-1.0), ValueError, "grad_clip"),
    ("grad_clip-zero", lambda c: c.fit(grad_clip=0), ValueError, "grad_clip"),
    ("grad_clip-nan", lambda c: c.fit(grad_clip=math.nan), ValueError, "grad_clip"),
    ("optimizer-unknown", lambda c: c.fit(optimizer="lion"), ValueError, "lion"),
    ("augment-str", lambda c: c.fit(augment="crop"), TypeError, "augment"),
    ("loss_fn-str", lambda c: c.fit(loss_fn="ce"), TypeError, "loss_fn"),
    ("seed-negative", lambda c: c.fit(seed=-1), ValueError, "seed"),
    ("seed-float", lambda c: c.fit(seed=0.5), TypeError, "seed"),
    ("callbacks-not-a-callback", lambda c: c.fit(callbacks=[NotACallback()]), TypeError,
     "callbacks[0]"),
    ("checkpoint-int", lambda c: c.fit(checkpoint=5), TypeError, "checkpoint"),
    ("checkpoint-folder", lambda c: c.fit(checkpoint=str(c.tmp)), ValueError, "checkpoint"),
    ("progress-str", lambda c: c.fit(progress="no"), TypeError, "progress"),
    ("channels_last-int", lambda c: c.fit(channels_last=1), TypeError, "channels_last"),
    ("device-typo", lambda c: c.fit(device="gpu"), ValueError, "gpu"),
    ("data-str", lambda c: c.fit("digits"), TypeError, "data"),
    ("data-one-split", lambda c: c.fit((c.d.train,)), TypeError, "data"),
]

FIT_DATA = [
    ("X-numpy", lambda c: c.fit((_with(c.d.train, X=c.X.numpy()), None)), TypeError,
     "train split X"),
    ("y-list", lambda c: c.fit((_with(c.d.train, y=c.y.tolist()), None)), TypeError,
     "train split y"),
    ("more-images-than-labels", lambda c: c.fit((_with(c.d.train, y=c.y[:-1]), None)),
     ValueError, "labels"),
    ("more-labels-than-images", lambda c: c.fit((_with(c.d.train, X=c.X[:-2]), None)),
     ValueError, "labels"),
    ("empty-train", lambda c: c.fit(((c.X[:0], c.y[:0]), None)), ValueError, "train split"),
    ("X-uint8", lambda c: c.fit(((c.X.to(torch.uint8), c.y), None)), TypeError, "floating"),
    ("X-nan", lambda c: c.fit(((_nan(c.X), c.y), None)), ValueError, "train split X"),
    ("X-inf", lambda c: c.fit(((_nan(c.X, math.inf), c.y), None)), ValueError, "train split X"),
    ("y-float", lambda c: c.fit(((c.X, c.y.float()), None)), TypeError, "train split y"),
    ("y-2d", lambda c: c.fit(((c.X, c.y[:, None]), None)), TypeError, "train split y"),
    ("y-bool", lambda c: c.fit(((c.X, c.y > 4), None)), TypeError, "train split y"),
    ("y-negative", lambda c: c.fit(((c.X, c.y - 1), None)), ValueError, "negative label"),
    ("y-beyond-outputs", lambda c: c.fit(((c.X, c.y + 5), None)), ValueError, "label 14"),
    ("X-3d", lambda c: c.fit(((c.X[:, 0], c.y), None)), ValueError, "(N, C, H, W)"),
    ("X-wrong-channels", lambda c: c.fit(((c.X.repeat(1, 3, 1, 1), c.y), None)), ValueError,
     "C = 1"),
    ("val-empty", lambda c: c.fit((c.d.train, (c.X[:0], c.y[:0]))), ValueError,
     "validation split is empty"),
    ("val-nan", lambda c: c.fit((c.d.train, (_nan(c.X[:8]), c.y[:8]))), ValueError,
     "validation split X"),
    ("val-y-float", lambda c: c.fit((c.d.train, (c.X[:8], c.y[:8].float()))), TypeError,
     "validation split y"),
    ("val-label-beyond-outputs", lambda c: c.fit((c.d.train, (c.X[:8], c.y[:8] + 10))),
     ValueError, "label"),
    ("val-not-a-split", lambda c: c.fit((c.d.train, "val")), TypeError, "validation split"),
    ("evaluate-empty", lambda c: evaluate(c.net(), (c.X[:0], c.y[:0]), device="cpu"),
     ValueError, "empty"),
    ("evaluate-batch_size-zero", lambda c: evaluate(c.net(), c.d.val, batch_size=0),
     ValueError, "batch_size"),
    ("evaluate-label-beyond-outputs", lambda c: evaluate(c.net(classes=3), c.d.val, device="cpu"),
     ValueError, "outputs 3 classes"),
    ("evaluate-none", lambda c: evaluate(c.net(), None), TypeError, "split"),
    ("evaluate-X-nan", lambda c: evaluate(c.net(), (_nan(c.X), c.y), device="cpu"), ValueError,
     "split X"),
]

CHECKPOINTS = [
    ("truncated", lambda c: c.resume(ck=c.damaged_checkpoint(lambda b: b[:len(b) // 2])),
     CorruptFileError, "run.pt"),
    ("empty", lambda c: c.resume(ck=c.damaged_checkpoint(lambda b: b"")), CorruptFileError,
     "run.pt"),
    ("garbage", lambda c: c.resume(ck=c.damaged_checkpoint(lambda b: b"\x80\x04garbage" * 9)),
     CorruptFileError, "run.pt"),
    ("tail-cut", lambda c: c.resume(ck=c.damaged_checkpoint(lambda b: b[:-100])),
     CorruptFileError, "run.pt"),
    ("not-a-fit-checkpoint", lambda c: c.resume(ck=_saved(c, {"net": {}})), CorruptFileError,
     "missing"),
    ("a-list", lambda c: c.resume(ck=_saved(c, [1, 2, 3])), CorruptFileError, "not a checkpoint"),
    ("other-lr", lambda c: c.resume(lr=0.1), ValueError, "lr"),
    ("other-momentum", lambda c: c.resume(momentum=0.5), ValueError, "momentum"),
    ("other-weight_decay", lambda c: c.resume(weight_decay=1e-3), ValueError, "weight_decay"),
    ("other-batch_size", lambda c: c.resume(batch_size=16), ValueError, "batch_size"),
    ("other-seed", lambda c: c.resume(seed=1), ValueError, "seed"),
    ("other-optimizer", lambda c: c.resume(optimizer="adam"), ValueError, "optimizer"),
    ("other-scheduler", lambda c: c.resume(scheduler=None), ValueError, "scheduler"),
    ("other-grad_clip", lambda c: c.resume(grad_clip=5.0), ValueError, "grad_clip"),
    ("other-augment", lambda c: c.resume(augment=augment.crop(2)), ValueError, "augment"),
    ("no-augment", lambda c: c.resume(augment=None), ValueError, "augment"),
    ("other-loss_fn", lambda c: c.resume(loss_fn=F.nll_loss), ValueError, "loss_fn"),
    ("other-net", lambda c: c.resume(net=c.net(C=8)), ValueError, "net"),
    ("other-train-data", lambda c: c.resume(data_=(_with(c.d.train, X=c.X + 0.01), c.d.val)),
     ValueError, "train_data"),
    ("other-val-data", lambda c: c.resume(data_=(c.d.train, (c.d.val.X[:-1], c.d.val.y[:-1]))),
     ValueError, "val_data"),
    ("no-val-data", lambda c: c.resume(data_=(c.d.train, None)), ValueError, "val_data"),
    ("stateful-callback-added", lambda c: c.resume(callbacks=[_Stateful()]), ValueError,
     "callbacks"),
    ("extend-cosine", lambda c: c.resume(num_epochs=3), ValueError, "cosine"),
    ("shrink-below-done", lambda c: c.resume(ck=c.ck_const, scheduler=None, num_epochs=1),
     ValueError, "already holds 2 epochs"),
]


class _Stateful(Callback):
    def state_dict(self):
        return {"k": 1}


def _saved(c, obj):
    p = c.path("run.pt")
    torch.save(obj, p)
    return str(p)


NB201 = spaces.get("nb201")


SPACES = [
    ("darts-k-3", lambda c: spaces.get("darts", k=3), ValueError, "k"),
    ("darts-k-0", lambda c: spaces.get("darts", k=0), ValueError, "k"),
    ("darts-n_nodes-0", lambda c: spaces.get("darts", n_nodes=0), ValueError, "n_nodes"),
    ("darts-n_inputs-float", lambda c: spaces.get("darts", n_inputs=2.0), TypeError, "n_inputs"),
    ("darts-ops-empty", lambda c: spaces.get("darts", ops=()), ValueError, "ops"),
    ("darts-ops-one-string", lambda c: spaces.get("darts", ops="sep_conv_3x3"), ValueError, "ops"),
    ("darts-ops-duplicate", lambda c: spaces.get("darts", ops=("a", "a")), ValueError, "ops"),
    ("darts-unknown-setting", lambda c: spaces.get("darts", nodes=4), TypeError, "nodes"),
    ("zoph-n_layers-negative", lambda c: spaces.get("zoph", n_layers=-1), ValueError, "n_layers"),
    ("zoph-n_layers-float", lambda c: spaces.get("zoph", n_layers=2.5), TypeError, "n_layers"),
    ("zoph-strides-str", lambda c: spaces.get("zoph", strides="yes"), TypeError, "strides"),
    ("nasnet-B-zero", lambda c: spaces.get("nasnet", B=0), ValueError, "B"),
    ("nasnet-combiners-empty", lambda c: spaces.get("nasnet", combiners=()), ValueError,
     "combiners"),
    ("pnas-B-negative", lambda c: spaces.get("pnas", B=-1), ValueError, "B"),
    ("fairnas-n_layers-20", lambda c: spaces.get("fairnas", n_layers=20), ValueError, "n_layers"),
    ("densenas-lattice-int", lambda c: spaces.get("densenas", lattice=5), TypeError, "lattice"),
    ("nb201-any-setting", lambda c: spaces.get("nb201", n_nodes=3), TypeError, "n_nodes"),
    ("unknown-space", lambda c: spaces.get("nasbench101"), ValueError, "nasbench101"),
    ("space-none", lambda c: spaces.get(None), ValueError, "None"),
    ("nb201-index-too-big", lambda c: nb201.index_to_ops(15625), nb201.NB201Error, "15625"),
    ("nb201-index-negative", lambda c: nb201.index_to_ops(-1), nb201.NB201Error, "-1"),
    ("nb201-five-ops", lambda c: nb201.to_ops(["none"] * 5), nb201.NB201Error, "6 ops"),
    ("nb201-float", lambda c: nb201.to_ops(3.5), nb201.NB201Error, "float"),
    ("nb201-unknown-op", lambda c: nb201.to_ops(["conv"] + ["none"] * 5), nb201.NB201Error,
     "conv"),
    ("nb201-string-two-groups", lambda c: nb201.to_ops("|none~0|+|none~0|none~1|"),
     nb201.NB201Error, "3 groups"),
    ("cell-unknown-op", lambda c: Cell.from_string("|bad_op~0|sep_conv_3x3~1|"), GenotypeError,
     "bad_op"),
    ("cell-forward-input", lambda c: Cell.from_string("|sep_conv_3x3~0|sep_conv_3x3~2|"),
     GenotypeError, "node 2"),
    ("genotype-missing-reduce", lambda c: Genotype.from_string("normal=|skip_connect~0|"),
     GenotypeError, "reduce"),
    ("cellnetwork-layers-zero", lambda c: CellNetwork(DARTS_V2, layers=0), ValueError, "layers"),
    ("cellnetwork-C-zero", lambda c: CellNetwork(DARTS_V2, C=0), ValueError, "C"),
    ("cellnetwork-string", lambda c: CellNetwork(DARTS_V2.to_string()), TypeError, "genotype"),
    ("cellnetwork-reduction-out-of-range", lambda c: CellNetwork(DARTS_V2, layers=3,
                                                                 reductions=(5,)),
     ValueError, "reductions"),
    ("zoph-token-out-of-range", lambda c: spaces.get("zoph", n_layers=1).from_tokens([9, 0, 0, ()]),
     zoph.ZophError, "height token 9"),
    ("nasnet-token-out-of-range", lambda c: spaces.get("nasnet", B=1).from_tokens([0, 0, 99, 0]),
     nasnet.NasnetError, "token 2"),
    ("nasnet-token-negative", lambda c: spaces.get("nasnet", B=1).from_tokens([0, -1, 0, 0]),
     nasnet.NasnetError, "token 1"),
    ("nb201-token-5", lambda c: NB201.from_tokens([5, 0, 0, 0, 0, 0]), ValueError, "token 0"),
    ("nb201-token-negative", lambda c: NB201.from_tokens([0, 0, -1, 0, 0, 0]), ValueError,
     "token 2"),
    ("nb201-five-tokens", lambda c: NB201.from_tokens([0] * 5), nb201.NB201Error, "6 tokens"),
    ("darts-token-float", lambda c: spaces.get("darts").from_tokens([0.5] + [0] * 11),
     ValueError, "token 0"),
]

STRATEGIES = [
    ("run-budget-negative", lambda c: run(
        RandomSearch(NB201), lambda a: 0.5, -3), ValueError, "budget"),
    ("run-budget-zero", lambda c: run(
        RandomSearch(NB201), lambda a: 0.5, 0), ValueError, "budget"),
    ("run-budget-float", lambda c: run(
        RandomSearch(NB201), lambda a: 0.5, 2.5), TypeError, "budget"),
    ("run-evaluate-str", lambda c: run(
        RandomSearch(NB201), "f", 3), TypeError, "evaluate"),
    ("random-space-str", lambda c: RandomSearch("nb201"), TypeError, "space"),
    ("random-seed-negative", lambda c: RandomSearch(NB201, seed=-1), ValueError, "seed"),
    ("random-tell-nan", lambda c: RandomSearch(NB201).tell(0, math.nan), ValueError, "score"),
    ("random-tell-str", lambda c: RandomSearch(NB201).tell(0, "0.5"), TypeError, "score"),
    ("evolution-population-zero", lambda c: RegularizedEvolution(NB201, population_size=0),
     ValueError, "population_size"),
    ("evolution-sample_size-zero", lambda c: RegularizedEvolution(NB201, sample_size=0),
     ValueError, "sample_size"),
    ("evolution-mutate-int", lambda c: RegularizedEvolution(
        SimpleNamespace(sample=NB201.sample, mutate=5)), TypeError, "mutate"),
    ("evolution-tell-inf", lambda c: RegularizedEvolution(NB201).tell(0, math.inf), ValueError,
     "score"),
    ("local-max_tries-zero", lambda c: LocalSearch(NB201, max_tries=0), ValueError, "max_tries"),
    ("local-tell-nan", lambda c: LocalSearch(NB201).tell(0, math.nan), ValueError, "score"),
    ("nsga2-pop_size-one", lambda c: NSGA2(NB201, pop_size=1), ValueError, "pop_size"),
    ("nsga2-generations-negative", lambda c: NSGA2(NB201).run(lambda a: (0.0, 1.0), -1),
     ValueError, "generations"),
    ("nsga2-nan-objective", lambda c: _nsga2_tell(math.nan), ValueError, "objectives"),
    ("sampler-unknown", lambda c: make_sampler("fair", 6, 5), ValueError, "fair"),
    ("sampler-n_layers-zero", lambda c: make_sampler("spos", 0, 5), ValueError, "n_layers"),
    ("sampler-n_choices-float", lambda c: make_sampler("spos", 6, 5.0), TypeError, "n_choices"),
    ("single-path-sampler-unknown", lambda c: SPOSConfig.PAPER.replace(sampler="fair"), ValueError,
     "sampler"),
    ("single-path-selection-unknown", lambda c: SPOSConfig.PAPER.replace(selection="best"),
     ValueError, "selection"),
]


def _nsga2_tell(value):
    n = NSGA2(NB201)
    n.tell(n.ask(), (value, 1.0))


def _discrete(seed):
    return RandomSearch(NB201, seed=seed)


COMPARE = [
    ("budget-zero", lambda c: cmp.compare({"r": _discrete}, 0, truth=c.truth), ValueError, "budget"),
    ("budget-negative", lambda c: cmp.compare({"r": _discrete}, -1, truth=c.truth), ValueError,
     "budget"),
    ("budget-float", lambda c: cmp.compare({"r": _discrete}, 2.5, truth=c.truth), TypeError,
     "budget"),
    ("strategies-empty", lambda c: cmp.compare({}, 5, truth=c.truth), TypeError, "strategies"),
    ("strategies-list", lambda c: cmp.compare([_discrete], 5, truth=c.truth), TypeError,
     "strategies"),
    ("strategy-int", lambda c: cmp.compare({"r": 5}, 5, truth=c.truth), TypeError, "strategy"),
    ("noise-unknown", lambda c: cmp.compare({"r": _discrete}, 5, truth=c.truth, noise="median"),
     ValueError, "noise"),
    ("time_scale-zero", lambda c: cmp.compare({"r": _discrete}, 5, truth=c.truth, time_scale=0),
     ValueError, "time_scale"),
    ("max_asks-zero", lambda c: cmp.compare({"r": _discrete}, 5, truth=c.truth, max_asks=0),
     ValueError, "max_asks"),
    ("seeds-zero", lambda c: cmp.compare({"r": _discrete}, 5, 0, truth=c.truth), ValueError,
     "seeds"),
    ("seeds-negative", lambda c: cmp.compare({"r": _discrete}, 5, [-1], truth=c.truth),
     ValueError, "seeds[0]"),
    ("seeds-str", lambda c: cmp.compare({"r": _discrete}, 5, "3", truth=c.truth), TypeError,
     "seeds"),
    ("seeds-dict-missing", lambda c: cmp.compare({"r": _discrete, "s": _discrete}, 5,
                                                 {"r": 2}, truth=c.truth),
     ValueError, "no seeds given"),
    ("truth-str", lambda c: cmp.compare({"r": _discrete}, 5, truth="table"), TypeError, "truth"),
    ("truth-nan", lambda c: cmp.Truth([[0.5, math.nan]], [[1.0, 1.0]], [0.5, 0.6]), ValueError,
     "Truth.val"),
    ("truth-shapes", lambda c: cmp.Truth([[0.5, 0.4]], [[1.0]], [0.5, 0.6]), ValueError,
     "(S, N)"),
    ("oracle-budget-zero", lambda c: cmp.Oracle(c.truth, 0), ValueError, "budget"),
    ("oracle-seed-negative", lambda c: cmp.Oracle(c.truth, 5, seed=-1), ValueError, "seed"),
    ("oracle-cell-out-of-range", lambda c: cmp.Oracle(c.truth, 5)(25), IndexError, "25"),
]


NB = DARTSConfig.PAPER.replace(num_epochs=1, C=4, layers=1, order=1, batch_size=16)


def _search(c, method="darts", config=NB, **changes):
    return search("nb201", method, c.search_d, config.replace(**changes), progress=False,
                  device="cpu")


def _empty_val(c):  # noqa: ARG001
    s = data.load("digits", limit=32, val_fraction=0.5, device="cpu")
    s.val = data.Split(s.val.X[:0], s.val.y[:0])
    return s


def _nan_val(c):
    s = data.load("digits", limit=32, val_fraction=0.5, device="cpu")
    s.val = data.Split(_nan(s.val.X), s.val.y)
    return s


def _tiny_supernet():
    return NB201SuperNet(C=4, in_channels=1)


ONESHOT = [
    ("num_epochs-zero", lambda c: _search(c, num_epochs=0), ValueError, "num_epochs"),
    ("num_epochs-negative", lambda c: _search(c, num_epochs=-2), ValueError, "num_epochs"),
    ("warmup-equals-epochs", lambda c: _search(c, num_epochs=2, warmup_epochs=2), ValueError,
     "warmup_epochs"),
    ("warmup-negative", lambda c: _search(c, warmup_epochs=-1), ValueError, "warmup_epochs"),
    ("C-zero", lambda c: _search(c, C=0), ValueError, "C"),
    ("layers-zero", lambda c: _search(c, layers=0), ValueError, "layers"),
    ("space-unknown", lambda c: search("nb202", "darts", c.search_d, NB), ValueError, "nb202"),
    ("method-unknown", lambda c: search("nb201", "enas", c.search_d, NB), ValueError, "enas"),
    ("method-wrong-space", lambda c: search("nb201", "pdarts", c.search_d), ValueError, "darts"),
    ("config-of-another-method", lambda c: search("nb201", "gdas", c.search_d, NB), TypeError,
     "GDASConfig"),
    ("order-3", lambda c: _search(c, order=3), ValueError, "order"),
    ("arch_lr-zero", lambda c: _search(c, arch_lr=0), ValueError, "arch_lr"),
    ("tau_min-zero", lambda c: _search(c, "gdas", GDASConfig.PAPER, tau_min=0.0), ValueError,
     "tau_min"),
    ("tau_max-below-tau_min", lambda c: _search(c, "gdas", GDASConfig.PAPER, tau_max=0.05),
     ValueError, "tau_max"),
    ("data-empty-val", lambda c: search("nb201", "darts", _empty_val(c), NB), ValueError,
     "data.val is empty"),
    ("data-nan-val", lambda c: search("nb201", "darts", _nan_val(c), NB), ValueError,
     "data.val X"),
    ("data-str", lambda c: search("nb201", "darts", "digits", NB), TypeError, "data"),
    ("search-lr-negative", lambda c: _search(c, lr=-0.025), ValueError, "lr"),
    ("search-batch_size-zero", lambda c: _search(c, batch_size=0), ValueError, "batch_size"),
    ("search-seed-negative", lambda c: search("nb201", "darts", c.search_d, NB, seed=-1),
     ValueError, "seed"),
    ("darts-empty-val", lambda c: DARTS(_tiny_supernet(), (c.X[:0], c.y[:0]), NB), ValueError,
     "val is empty"),
    ("darts-order-true", lambda c: NB.replace(order=True), ValueError, "order"),
    ("darts-r-zero", lambda c: NB.replace(r=0), ValueError, "r"),
    ("darts-config-dict", lambda c: DARTS(_tiny_supernet(), c.val, {"order": 1}), TypeError,
     "DARTSConfig"),
    ("gdas-tau_min-negative", lambda c: GDASConfig.PAPER.replace(tau_min=-1), ValueError,
     "tau_min"),
    ("gdas-num_epochs-zero", lambda c: GDASConfig.PAPER.replace(num_epochs=0), ValueError,
     "num_epochs"),
    ("pdarts-no-stages", lambda c: PDARTSConfig.PAPER.replace(stages=()), TypeError, "stages"),
    ("pdarts-stage-layers-zero", lambda c: pdarts.Stage(0, 8), ValueError, "Stage.layers"),
    ("pdarts-stage-dropout-one", lambda c: pdarts.Stage(5, 8, 1.0), ValueError, "Stage.dropout"),
    ("pdarts-warmup-too-long", lambda c: PDARTSConfig.PAPER.replace(num_epochs=3, warmup_epochs=3),
     ValueError, "warmup_epochs"),
    ("densenas-wrong-supernet", lambda c: DenseNAS(_tiny_supernet(), c.val, DenseNASConfig.PAPER),
     TypeError, "supernet"),
    ("densenas-tau-one", lambda c: DenseNASConfig.PAPER.replace(tau=1.0), ValueError, "tau"),
]

BUILD = [
    ("workers-zero", lambda c: _build(c, workers=0), ValueError, "workers"),
    ("workers-negative", lambda c: _build(c, workers=-2), ValueError, "workers"),
    ("workers-float", lambda c: _build(c, workers=1.5), TypeError, "workers"),
    ("max_chunks-zero", lambda c: _build(c, max_chunks=0), ValueError, "max_chunks"),
    ("device-typo", lambda c: _build(c, device="gpu"), ValueError, "gpu"),
    ("cfg-str", lambda c: _build(c, cfg="tiny"), TypeError, "cfg"),
    ("progress-str", lambda c: _build(c, progress="yes"), TypeError, "progress"),
    ("workdir-int", lambda c: bb.build(5, workers=1, cfg=TINY), TypeError, "workdir"),
    ("workdir-is-a-file", lambda c: bb.build(str(_file(c)), workers=1, cfg=TINY), ValueError,
     "workdir"),
    ("cfg-num_epochs-zero", lambda c: bb.BuildConfig(num_epochs=0), ValueError, "num_epochs"),
    ("cfg-seeds-empty", lambda c: bb.BuildConfig(seeds=()), TypeError, "seeds"),
    ("cfg-seeds-list", lambda c: bb.BuildConfig(seeds=[0, 1]), TypeError, "seeds"),
    ("cfg-stages-4", lambda c: bb.BuildConfig(stages=4), ValueError, "stages"),
    ("cfg-lr-zero", lambda c: bb.BuildConfig(lr=0.0), ValueError, "lr"),
    ("cfg-chunk-zero", lambda c: bb.BuildConfig(chunk=0), ValueError, "chunk"),
    ("workdir-other-settings", lambda c: bb.build(c.build_dir(), workers=1, progress=False,
                                                  cfg=bb.BuildConfig(num_epochs=2, chunk=2)),
     ValueError, "num_epochs: 1 there, 2 now"),
    ("workdir-config-corrupt", lambda c: _corrupt_config(c), CorruptFileError, "config.json"),
    ("pack-no-build", lambda c: bb.pack(str(c.path("empty")), out=str(c.path("o.npz"))),
     FileNotFoundError, "config.json"),
    ("pack-truncated-shard", lambda c: _pack_damaged(c, lambda p: _truncate(p, 0.5)),
     CorruptFileError, "shard_00000.npz"),
    ("pack-garbage-shard", lambda c: _pack_damaged(c, lambda p: open(p, "wb").write(b"x" * 99)),
     CorruptFileError, "shard_00000.npz"),
    ("shard-of-other-jobs", lambda c: bb.read_shard(
        os.path.join(c.build_dir(), "shard_00000.npz"), bb.jobs(2)[2:4]), CorruptFileError,
     "other (class, seed)"),
]


def _build(c, **kw):
    wd = c.path("never")
    kw = {"workers": 1, "progress": False, "device": "cpu", "cfg": TINY, **kw}
    try:
        return bb.build(str(wd), **kw)
    finally:
        assert not wd.exists()  # refused before anything was written


def _file(c):
    p = c.path("afile")
    p.write_text("x")
    return p


def _corrupt_config(c):
    wd = c.path("build")
    wd.mkdir()
    (wd / "config.json").write_text('{"dataset": "dig')
    bb.build(str(wd), workers=1, progress=False, device="cpu", cfg=TINY)


def _pack_damaged(c, damage):
    wd = c.build_dir()
    damage(os.path.join(wd, "shard_00000.npz"))
    bb.pack(wd, out=str(c.path("o.npz")), allow_partial=True)


PROFILE = [
    ("name-medium", lambda c: PROFILES["quick"].replace(name="medium"), ValueError,
     "Profile.name"),
    ("num_epochs-negative", lambda c: PROFILES["quick"].replace(num_epochs=-1), ValueError,
     "Profile.num_epochs"),
    ("batch_size-zero", lambda c: PROFILES["quick"].replace(batch_size=0), ValueError,
     "Profile.batch_size"),
    ("C-zero", lambda c: PROFILES["quick"].replace(C=0), ValueError, "Profile.C"),
    ("layers-float", lambda c: PROFILES["quick"].replace(layers=2.0), ValueError,
     "Profile.layers"),
    ("seeds-zero", lambda c: PROFILES["full"].replace(seeds=0), ValueError, "Profile.seeds"),
    ("limit-zero", lambda c: PROFILES["quick"].replace(limit=0), ValueError, "Profile.limit"),
    ("image_size-negative", lambda c: PROFILES["full"].replace(image_size=-32), ValueError,
     "Profile.image_size"),
    ("dataset-int", lambda c: PROFILES["quick"].replace(dataset=5), TypeError, "Profile.dataset"),
    ("get-unknown", lambda c: get_profile("huge"), ValueError, "huge"),
]

LAYERS = {"data": DATA, "readers": READERS, "fit": FIT_SETTINGS, "fit-data": FIT_DATA,
          "checkpoint": CHECKPOINTS, "spaces": SPACES, "strategies": STRATEGIES,
          "compare": COMPARE, "oneshot": ONESHOT, "build": BUILD, "profile": PROFILE}
CASES = [pytest.param(call, exc, culprit, id=f"{layer}-{name}")
         for layer, cases in LAYERS.items() for name, call, exc, culprit in cases]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return Ctx(tmp_path_factory.mktemp("bad_inputs"))


def test_there_are_enough_cases():
    assert len(CASES) >= 150


@pytest.mark.parametrize("call, exc, culprit", CASES)
def test_bad_input_is_refused_with_the_culprit_named(ctx, call, exc, culprit):
    with pytest.raises(exc) as e:
        call(ctx)
    assert culprit in str(e.value), f"{culprit!r} not in: {e.value}"
    raised_in = str(e.traceback[-1].path)
    assert f"{os.sep}naslib_mini{os.sep}" in raised_in, \
        f"raised by {raised_in}, not by naslib_mini: {type(e.value).__name__}: {e.value}"


def test_the_cli_refuses_zero_workers_in_one_line(tmp_path, capsys):
    wd = tmp_path / "w"
    with pytest.raises(SystemExit) as e:
        bb.main(["build", "--workers", "0", "--workdir", str(wd), "--device", "cpu"])
    assert e.value.code == 2 and "workers" in capsys.readouterr().err and not wd.exists()
    with pytest.raises(SystemExit):
        bb.main(["build", "--device", "tpu", "--workdir", str(wd)])
    assert "invalid choice" in capsys.readouterr().err and not wd.exists()


def test_checkpoint_refusal_names_the_setting_and_both_values(ctx):
    with pytest.raises(ValueError) as e:
        ctx.resume(weight_decay=1e-3, momentum=0.5)
    msg = str(e.value)
    assert "weight_decay: 0.0003 there, 0.001 now" in msg and "momentum: 0.9 there, 0.5 now" in msg
    assert "lr:" not in msg  # only what differs
