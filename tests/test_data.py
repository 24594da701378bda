"""naslib_mini.data: split sizes, disjointness, determinism, file readers, the offline contract."""
import gzip
import os
import pickle
import struct
import urllib.error
from collections import Counter

import numpy as np
import pytest
import torch
import torchvision

from naslib_mini import data


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", device="cpu")


def _raw(splits, split):
    """Undo the normalisation: pixel values back in [0, 1], (N, C, H, W)."""
    mean = torch.tensor(splits.mean).view(1, -1, 1, 1)
    std = torch.tensor(splits.std).view(1, -1, 1, 1)
    return split.X * std + mean


# ------------------------------------------------------------------ digits

def test_digits_shapes_dtypes_sizes(digits):
    s = digits
    assert (s.name, s.num_classes, s.in_channels, s.image_size) == ("digits", 10, 1, 8)
    assert s.classes == [str(c) for c in range(10)]
    assert len(s.train) + len(s.val) + len(s.test) == 1797
    # 20% of all is test, then 20% of the rest is val (sklearn rounds up: 360 and 288)
    assert abs(len(s.test) - 0.2 * 1797) < 1 and abs(len(s.val) - 0.2 * (1797 - len(s.test))) < 1
    for split in (s.train, s.val, s.test):
        assert split.X.dtype == torch.float32 and split.y.dtype == torch.int64
        assert split.X.shape == (len(split), 1, 8, 8) and split.y.shape == (len(split),)
        assert set(split.y.tolist()) == set(range(10))  # stratified: every class everywhere
    assert s.device == torch.device("cpu")
    assert "digits" in repr(s) and f"train {len(s.train)}" in repr(s) and "cpu" in repr(s)


def test_digits_splits_partition_the_data(digits):
    from sklearn.datasets import load_digits
    d = load_digits()  # its 1797 images are pairwise distinct, so a row identifies an example

    def key(img, label):
        return (np.round(np.asarray(img) * 16).astype(np.int64).tobytes(), int(label))
    seen = Counter(key(img, lab) for split in (digits.train, digits.val, digits.test)
                   for img, lab in zip(_raw(digits, split).numpy(), split.y.numpy()))
    assert seen == Counter(key(img[None] / 16, lab) for img, lab in zip(d.images, d.target))
    assert max(seen.values()) == 1  # no example in two splits


def test_digits_normalised_on_train(digits):
    X = digits.train.X
    assert abs(X.mean().item()) < 1e-4 and abs(X.std(unbiased=False).item() - 1) < 1e-3
    assert abs(digits.test.X.mean().item()) < 0.2  # same statistics applied, roughly centred


def test_digits_seed_determinism(digits):
    again = data.load("digits", device="cpu")
    for a, b in zip((digits.train, digits.val, digits.test), (again.train, again.val, again.test)):
        assert torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    other = data.load("digits", seed=1, device="cpu")
    assert len(other.test) == len(digits.test)
    assert not torch.equal(other.test.X, digits.test.X)


def test_digits_image_size_limit_and_val_fraction():
    s = data.load("digits", image_size=16, device="cpu")
    assert s.image_size == 16
    assert all(t.X.shape[1:] == (1, 16, 16) for t in (s.train, s.val, s.test))
    assert abs(s.train.X.mean().item()) < 1e-4
    small = data.load("digits", limit=100, val_fraction=0.5, device="cpu")
    assert len(small.train) == 100 and abs(len(small.val) - 0.5 * 1437) < 1
    whole = data.load("digits", val_fraction=0, device="cpu")
    assert (len(whole.train), len(whole.val), len(whole.test)) == (1437, 0, 360)


def test_to_returns_new_splits(digits):
    moved = digits.to("cpu")
    assert moved is not digits and moved.device == torch.device("cpu")
    assert torch.equal(moved.train.X, digits.train.X) and moved.classes == digits.classes


def test_unknown_name_suggests_closest():
    with pytest.raises(ValueError) as e:
        data.load("cifar1O")
    msg = str(e.value)
    assert "cifar1O" in msg and "Did you mean 'cifar10'" in msg
    assert all(k in msg for k in data.KNOWN)
    with pytest.raises(ValueError, match="known datasets"):
        data.load("imagenet")


def test_default_root_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NASLIB_MINI_DATA", str(tmp_path))
    assert data.default_root() == str(tmp_path)
    monkeypatch.delenv("NASLIB_MINI_DATA")
    assert data.default_root() == os.path.expanduser("~/naslib_mini_data")


# ------------------------------------------------------------------ cifar10 (tiny files)

def _write_cifar(root, per_batch=20):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        X = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, 10, per_batch)]
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": X, b"labels": y, b"batch_label": name.encode()}, f)
        written[name] = (X, y)
    names = [f"class{i}".encode() for i in range(10)]
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": names, b"num_vis": 3072}, f)
    return written


def test_cifar10_reads_the_pickle_format(tmp_path):
    written = _write_cifar(tmp_path)
    s = data.load("cifar10", root=str(tmp_path), download=False, device="cpu")
    assert (s.num_classes, s.in_channels, s.image_size) == (10, 3, 32)
    assert s.classes == [f"class{i}" for i in range(10)]
    assert (len(s.train), len(s.val), len(s.test)) == (80, 20, 20)
    assert s.train.X.shape == (80, 3, 32, 32) and s.train.X.dtype == torch.float32
    train_labels = sum((written[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    got = s.train.y.tolist() + s.val.y.tolist()
    assert Counter(got) == Counter(train_labels)
    X_test, y_test = written["test_batch"]
    assert s.test.y.tolist() == y_test
    pixels = torch.from_numpy(X_test[0].reshape(3, 32, 32).astype(np.float32)) / 255
    assert torch.allclose(_raw(s, s.test)[0], pixels, atol=1e-5)
    assert s.train.X.mean(dim=(0, 2, 3)).abs().max() < 1e-4  # per channel


def test_cifar10_val_fraction_zero_keeps_file_order_and_limit(tmp_path):
    written = _write_cifar(tmp_path)
    s = data.load("cifar10", root=str(tmp_path), val_fraction=0, limit=30, image_size=16,
                  download=False, device="cpu")
    assert len(s.train) == 30 and len(s.val) == 0 and s.train.X.shape[1:] == (3, 16, 16)
    assert s.train.y.tolist() == (written["data_batch_1"][1] + written["data_batch_2"][1])[:30]


# ------------------------------------------------------------------ fashion_mnist (tiny idx files)

def _write_idx(path, array, magic, gz):
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)  # big-endian magic, dims
    payload = header + array.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(str(path) + (".gz" if gz else ""), "wb") as f:
        f.write(payload)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_fashion_mnist_reads_idx_files(tmp_path, gz):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(1)
    images = {"train": rng.integers(0, 256, (50, 28, 28)),
              "t10k": rng.integers(0, 256, (10, 28, 28))}
    labels = {"train": rng.integers(0, 10, 50), "t10k": rng.integers(0, 10, 10)}
    for part in ("train", "t10k"):
        _write_idx(raw / f"{part}-images-idx3-ubyte", images[part], 2051, gz)
        _write_idx(raw / f"{part}-labels-idx1-ubyte", labels[part], 2049, gz)
    s = data.load("fashion_mnist", root=str(tmp_path), download=False, device="cpu")
    assert (len(s.train), len(s.val), len(s.test)) == (40, 10, 10)
    assert s.train.X.shape == (40, 1, 28, 28) and (s.in_channels, s.image_size) == (1, 28)
    assert s.classes[0] == "T-shirt/top" and s.classes[-1] == "Ankle boot" and s.num_classes == 10
    assert s.test.y.tolist() == labels["t10k"].tolist()
    pixels = torch.from_numpy(images["t10k"][3].astype(np.float32))[None] / 255
    assert torch.allclose(_raw(s, s.test)[3], pixels, atol=1e-5)
    assert Counter(s.train.y.tolist() + s.val.y.tolist()) == Counter(labels["train"].tolist())


# ------------------------------------------------------------------ offline contract

@pytest.mark.parametrize("name, cls, folder", [
    ("cifar10", "CIFAR10", "cifar-10-batches-py"),
    ("fashion_mnist", "FashionMNIST", os.path.join("FashionMNIST", "raw")),
])
def test_offline_raises_clear_error(tmp_path, monkeypatch, name, cls, folder):
    calls = []

    def offline(*args, **kwargs):
        calls.append((args, kwargs))
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(torchvision.datasets, cls, offline)
    with pytest.raises(data.DatasetNotFoundError) as e:
        data.load(name, root=str(tmp_path), download=True)
    msg = str(e.value)
    assert str(tmp_path / folder) in msg and "NASLIB_MINI_DATA" in msg and "http" in msg
    assert isinstance(e.value.__cause__, urllib.error.URLError) and len(calls) == 1
    assert isinstance(e.value, FileNotFoundError)

    with pytest.raises(data.DatasetNotFoundError, match="download=False"):
        data.load(name, root=str(tmp_path), download=False)
    assert len(calls) == 1  # the downloader was not tried again


def test_cifar_error_names_url_and_files(tmp_path):
    with pytest.raises(data.DatasetNotFoundError) as e:
        data.load("cifar10", root=str(tmp_path), download=False)
    msg = str(e.value)
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in msg
    assert all(f in msg for f in ["data_batch_1", "data_batch_5", "test_batch", "batches.meta"])


# ------------------------------------------------------------------ synthetic

def test_synthetic_shapes_and_determinism():
    a = data.load("synthetic", limit=64, seed=3, device="cpu")
    assert (len(a.train), len(a.val), len(a.test)) == (64, 256, 256)
    assert a.train.X.shape == (64, 3, 32, 32) and a.train.X.dtype == torch.float32
    assert a.train.y.dtype == torch.int64 and 0 <= a.train.y.min() and a.train.y.max() < 10
    assert (a.num_classes, a.in_channels, a.image_size) == (10, 3, 32)
    b = data.load("synthetic", limit=64, seed=3, device="cpu")
    assert torch.equal(a.train.X, b.train.X) and torch.equal(a.test.y, b.test.y)
    c = data.load("synthetic", limit=64, seed=4, device="cpu")
    assert not torch.equal(a.train.X, c.train.X)
    assert len(data.load("synthetic", device="cpu").train) == 1024
