"""Datasets as tensors on the device: ``load(name) -> Splits`` (train / val / test).

Datasets (``KNOWN``):

- ``digits`` (default): scikit-learn's 1797 handwritten digits, 8x8 grey, 10 classes. Shipped
  inside scikit-learn, so it never downloads; the whole course runs on it on a laptop CPU.
- ``cifar10``: 60,000 32x32 colour images, 10 classes (50,000 train, 10,000 test), read from
  ``<root>/cifar-10-batches-py/`` (the python-pickle release; only open files you trust).
- ``fashion_mnist``: 70,000 28x28 grey images of clothes, 10 classes, read from torchvision's
  layout ``<root>/FashionMNIST/raw/*-idx?-ubyte[.gz]``.
- ``synthetic``: standard-normal noise shaped like CIFAR-10 with random labels, for speed tests.

Files go under ``root``: the argument, else $NASLIB_MINI_DATA, else ``~/naslib_mini_data``.
Missing files are downloaded through torchvision when ``download=True``; offline,
``DatasetNotFoundError`` says which folder and files to provide by hand.

Every split is float32 (N, C, H, W), normalised per channel with the train split's mean and std,
labels int64 (N,), all on ``resolve_device(device)``. Validation data is always carved out of the
training data; the test split is the dataset's own test set (digits: a held-out 20%).
"""
from __future__ import annotations

import difflib
import gzip
import os
import pickle
import struct
import zlib
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from . import checks
from .checks import corrupt
from .utils import resolve_device

KNOWN = ("digits", "cifar10", "fashion_mnist", "synthetic")
ENV_VAR = "NASLIB_MINI_DATA"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
FMNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FMNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
FMNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class DatasetNotFoundError(FileNotFoundError):
    """The dataset's files are missing and could not be downloaded (offline, or download=False)."""


@dataclass
class Split:
    """One split: images X (N, C, H, W) float32, normalised, and labels y (N,) int64."""
    X: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        return f"Split(N={len(self)}, X={tuple(self.X.shape)}, device={self.X.device})"


@dataclass
class Splits:
    """train / val / test of one dataset, plus what a network needs to know about it."""
    name: str
    train: Split
    val: Split
    test: Split
    num_classes: int
    in_channels: int
    image_size: int
    classes: list[str]
    mean: tuple[float, ...] = ()  # per-channel train mean and std used to normalise:
    std: tuple[float, ...] = ()   # pixel in [0, 1] = X * std + mean (for plotting)

    @property
    def device(self) -> torch.device:
        return self.train.X.device

    def to(self, device) -> "Splits":
        """A new Splits with every tensor on `device` ("auto", "cpu", "cuda", ...)."""
        d = resolve_device(device)
        train, val, test = (Split(s.X.to(d), s.y.to(d)) for s in (self.train, self.val, self.test))
        return replace(self, train=train, val=val, test=test)

    def __repr__(self) -> str:
        c = self.classes
        shown = c if len(c) <= 5 else c[:3] + ["...", c[-1]]
        return (f"Splits({self.name!r}: train {len(self.train)}, val {len(self.val)}, "
                f"test {len(self.test)}; X ({self.in_channels}, {self.image_size}, "
                f"{self.image_size}); {self.num_classes} classes [{', '.join(shown)}]; "
                f"device {self.device})")


def default_root() -> str:
    """$NASLIB_MINI_DATA if set, else ~/naslib_mini_data."""
    return os.environ.get(ENV_VAR) or os.path.expanduser("~/naslib_mini_data")


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name (str), one of {', '.join(KNOWN)}; got "
                        f"{type(name).__name__} {name!r}")
    key = name.strip().lower().replace("-", "_")
    if key in KNOWN:
        return key
    close = difflib.get_close_matches(key, KNOWN, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(KNOWN)}.{hint}")


def _stratified_split(idx: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """(kept, held_out) indices of `idx`, held_out a stratified `fraction` of it, both sorted."""
    from sklearn.model_selection import train_test_split
    if fraction == 0:
        return np.sort(idx), idx[:0]
    kept, held = train_test_split(idx, test_size=fraction, stratify=y[idx], random_state=seed)
    return np.sort(kept), np.sort(held)


def _as_split(X: np.ndarray, y: np.ndarray, scale: float) -> Split:
    """uint8/float numpy (N, C, H, W) -> float32 tensor in [0, 1]; labels -> int64."""
    return Split(torch.from_numpy(np.array(X, dtype=np.float32)).div_(scale),
                 torch.from_numpy(np.array(y, dtype=np.int64)))


def _ensure(folder: str, files: list[str], download: bool, fetch, what: str, how: str) -> None:
    """Every file in `files` (name or name.gz) in `folder`, else fetch() or DatasetNotFoundError."""
    def missing():
        return [f for f in files if not any(os.path.exists(os.path.join(folder, f + gz))
                                            for gz in ("", ".gz"))]
    if not missing():
        return
    message = (f"{what} not found. Expected the folder {folder} with the files "
               f"{', '.join(files)} (missing: {', '.join(missing())}). {how} Or pass root=... "
               f"to load(), or set the environment variable {ENV_VAR} to the data root.")
    if not download:
        raise DatasetNotFoundError(message + " (download=False, so nothing was fetched.)")
    try:
        fetch()
    except Exception as e:  # URLError, OSError, RuntimeError (bad checksum), ...
        raise DatasetNotFoundError(f"{message} The download failed: {e!r}") from e
    if missing():
        raise DatasetNotFoundError(message + " (A download ran but the files are still missing.)")


def _unpickle(path: str, keys: tuple[str, ...]) -> dict:
    """A CIFAR batch file (a Python 2 pickle of a dict), keys as str; CorruptFileError names
    the file when it cannot be read or lacks one of `keys`."""
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
    except Exception as e:  # noqa: BLE001 (truncated, not a pickle, ...)
        raise corrupt(path, f"not a readable CIFAR-10 batch ({type(e).__name__}: {e})",
                      _CIFAR_TODO) from e
    if not isinstance(d, dict):
        raise corrupt(path, f"holds a {type(d).__name__}, not a CIFAR-10 batch (a dict)", _CIFAR_TODO)
    d = {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}
    missing = [k for k in keys if k not in d]
    if missing:
        raise corrupt(path, f"has no {', '.join(map(repr, missing))} entry", _CIFAR_TODO)
    return d


_CIFAR_TODO = f"delete it and download CIFAR-10 again ({CIFAR_URL})"


def _cifar_batch(path: str, n_classes: int):
    """(X (N, 3, 32, 32) uint8, y (N,)) of one batch file, checked image for label."""
    d = _unpickle(path, ("data", "labels"))
    X, y = np.asarray(d["data"]), np.asarray(d["labels"])
    if X.ndim != 2 or X.shape[1] != 3 * 32 * 32 or X.dtype != np.uint8:
        raise corrupt(path, f"its images are {X.dtype} of shape {X.shape}, expected uint8 "
                      "(N, 3072)", _CIFAR_TODO)
    if y.shape != (len(X),):
        raise corrupt(path, f"{len(X)} images but {y.size} labels, so labels would be matched "
                      "to the wrong images", _CIFAR_TODO)
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes):
        raise corrupt(path, f"labels outside 0..{n_classes - 1}", _CIFAR_TODO)
    return X.reshape(-1, 3, 32, 32), y  # (N, 3072) -> (N, C, H, W)


def _read_cifar(root: str, download: bool):
    folder = os.path.join(root, "cifar-10-batches-py")
    how = (f"Download {CIFAR_URL} and extract it into {root} (it unpacks to cifar-10-batches-py/).")

    def fetch():
        import torchvision
        torchvision.datasets.CIFAR10(root, train=True, download=True)
    _ensure(folder, CIFAR_FILES, download, fetch, "CIFAR-10", how)
    meta = os.path.join(folder, "batches.meta")
    names = _unpickle(meta, ("label_names",))["label_names"]
    classes = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    if not classes:
        raise corrupt(meta, "lists no class names", _CIFAR_TODO)
    train = [_cifar_batch(os.path.join(folder, f"data_batch_{i}"), len(classes))
             for i in range(1, 6)]
    X_test, y_test = _cifar_batch(os.path.join(folder, "test_batch"), len(classes))
    X = np.concatenate([b[0] for b in train])  # (50000, 3, 32, 32) uint8
    y = np.concatenate([b[1] for b in train])
    return X, y, X_test, y_test, classes


def _read_idx(path: str, magic: int) -> np.ndarray:
    """An idx file (big-endian header: magic, then one uint32 per dim; uint8 data), .gz or plain."""
    if not os.path.exists(path):
        path += ".gz"
    todo = f"delete it and download Fashion-MNIST again ({FMNIST_URL})"
    try:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:  # a truncated or damaged .gz
        raise corrupt(path, f"cannot be read ({type(e).__name__}: {e})", todo) from e
    found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
    if found != magic:
        raise corrupt(path, f"magic number {found}, expected {magic} (not an idx file of this "
                      "kind)", todo)
    ndim = magic & 0xFF
    if len(raw) < 4 + 4 * ndim:
        raise corrupt(path, "its header is cut off", todo)
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    size = int(np.prod(shape))
    if len(raw) - 4 - 4 * ndim != size:
        raise corrupt(path, f"its header announces {shape} = {size} bytes of data, the file "
                      f"holds {len(raw) - 4 - 4 * ndim} (truncated or damaged)", todo)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _read_fashion_mnist(root: str, download: bool):
    folder = os.path.join(root, "FashionMNIST", "raw")
    how = (f"Download the four .gz files from {FMNIST_URL} (e.g. {FMNIST_URL}{FMNIST_FILES[0]}.gz) "
           f"into {folder}.")

    def fetch():
        import torchvision
        torchvision.datasets.FashionMNIST(root, train=True, download=True)
    _ensure(folder, FMNIST_FILES, download, fetch, "Fashion-MNIST", how)
    X, y, X_test, y_test = (_read_idx(os.path.join(folder, f), 2049 if "labels" in f else 2051)
                            for f in FMNIST_FILES)  # images (N, 28, 28), labels (N,)
    for images, labels, f in ((X, y, FMNIST_FILES[1]), (X_test, y_test, FMNIST_FILES[3])):
        if len(images) != len(labels):
            raise corrupt(os.path.join(folder, f), f"{len(labels)} labels for {len(images)} "
                          "images in the matching images file", "delete both files and "
                          f"download Fashion-MNIST again ({FMNIST_URL})")
        if labels.size and labels.max() >= len(FMNIST_CLASSES):
            raise corrupt(os.path.join(folder, f), f"a label {labels.max()} outside 0..9",
                          f"delete it and download Fashion-MNIST again ({FMNIST_URL})")
    return X[:, None], y, X_test[:, None], y_test, list(FMNIST_CLASSES)  # (N, 1, 28, 28)


def _digits(val_fraction: float, seed: int):
    from sklearn.datasets import load_digits
    d = load_digits()
    X, y = d.images[:, None], d.target  # (1797, 1, 8, 8) in 0..16, (1797,)
    rest, test = _stratified_split(np.arange(len(y)), y, 0.2, seed)
    try:
        train, val = _stratified_split(rest, y, val_fraction, seed)
    except ValueError as e:  # too few images on one side for a stratified split
        raise ValueError(f"val_fraction={val_fraction} leaves too few digits on one side: a "
                         f"stratified split of {len(rest)} images needs at least one per class "
                         "in each part") from e
    parts = [_as_split(X[i], y[i], 16.0) for i in (train, val, test)]
    return parts, [str(c) for c in range(10)]


def _from_files(reader, root: str, download: bool, val_fraction: float, seed: int):
    X, y, X_test, y_test, classes = reader(root, download)
    perm = np.random.default_rng(seed).permutation(len(y))  # seeded random val, file order kept
    n_val = int(round(val_fraction * len(y)))
    train, val = np.sort(perm[n_val:]), np.sort(perm[:n_val])
    parts = [_as_split(X[train], y[train], 255.0), _as_split(X[val], y[val], 255.0),
             _as_split(X_test, y_test, 255.0)]
    return parts, classes


def _synthetic(n_train: int, seed: int):
    g = torch.Generator().manual_seed(seed)

    def make(n):
        X = torch.randn(n, 3, 32, 32, generator=g)  # (N, 3, 32, 32)
        return Split(X, torch.randint(0, 10, (n,), generator=g))
    return [make(n_train), make(256), make(256)], [str(c) for c in range(10)]


def _resize(s: Split, size: int) -> Split:
    if tuple(s.X.shape[-2:]) == (size, size):
        return s
    X = F.interpolate(s.X, size=(size, size), mode="bilinear", align_corners=False)
    return Split(X, s.y)  # (N, C, size, size)


def _normalise(train: Split, val: Split, test: Split):
    """Per-channel (mean, std) of the train split, subtracted / divided in place from all three."""
    mean = train.X.mean(dim=(0, 2, 3))  # (C,)
    std = train.X.std(dim=(0, 2, 3), unbiased=False).clamp_min(1e-6)  # (C,)
    for s in (train, val, test):
        s.X.sub_(mean.view(1, -1, 1, 1)).div_(std.view(1, -1, 1, 1))
    return mean, std


def load(name: str = "digits", *, root: str | None = None, image_size: int | None = None,
         val_fraction: float = 0.2, seed: int = 0, device="auto", download: bool = True,
         limit: int | None = None) -> Splits:
    """Load `name` (one of KNOWN) as train / val / test tensors on the device.

    root: data folder (default: default_root()); unused by digits and synthetic.
    image_size: resize to image_size x image_size (bilinear) when it differs from the native size.
    val_fraction: share of the training data held out for validation (0 allowed: empty val);
        digits first holds out a stratified 20% of all images as test. Ignored by synthetic.
    seed: fixes the split (and the synthetic data).
    limit: keep only the first `limit` training examples after the split (synthetic: make so many).
    download: fetch missing cifar10 / fashion_mnist files through torchvision.
    """
    name = _check_name(name)
    checks.number("val_fraction", val_fraction, min=0, max=1, max_open=True)
    if limit is not None:
        checks.integer("limit (a number of training examples)", limit, min=1)
    if image_size is not None:
        checks.integer("image_size", image_size, min=1)
    checks.integer("seed", seed, min=0)
    checks.flag("download", download)
    checks.device("device", device)
    checks.path("root", root, none=True, file=False)
    root = os.path.expanduser(os.fspath(root)) if root is not None else default_root()
    if name == "digits":
        parts, classes = _digits(val_fraction, seed)
    elif name == "synthetic":
        parts, classes = _synthetic(limit or 1024, seed)
    else:
        reader = _read_cifar if name == "cifar10" else _read_fashion_mnist
        parts, classes = _from_files(reader, root, download, val_fraction, seed)
    train, val, test = parts
    if limit is not None:
        train = Split(train.X[:limit].clone(), train.y[:limit].clone())  # frees the rest
    if image_size is not None:
        train, val, test = (_resize(s, int(image_size)) for s in (train, val, test))
    C = train.X.shape[1]
    mean, std = ((torch.zeros(C), torch.ones(C)) if name == "synthetic"  # already N(0, 1)
                 else _normalise(train, val, test))
    out = Splits(name, train, val, test, num_classes=len(classes), in_channels=C,
                 image_size=train.X.shape[-1], classes=classes,
                 mean=tuple(mean.tolist()), std=tuple(std.tolist()))
    return out.to(device)
