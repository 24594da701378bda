import pytest
import torch

from naslib_mini import augment
from naslib_mini.config import get_profile


def test_profiles(monkeypatch):
    monkeypatch.delenv("NASLIB_MINI_PROFILE", raising=False)
    assert get_profile().name == "quick"
    monkeypatch.setenv("NASLIB_MINI_PROFILE", "full")
    assert get_profile().name == "full" and get_profile().dataset == "cifar10"
    assert get_profile("quick").pick(1, 2) == 1 and get_profile("full").pick(1, 2) == 2
    with pytest.raises(ValueError, match="quick"):
        get_profile("medium")


def test_augmentations_keep_shape_and_repeat():
    X = torch.randn(6, 3, 8, 8)
    fn = augment.compose(augment.crop(2), augment.hflip(), augment.cutout(3))
    a = fn(X, torch.Generator().manual_seed(0))
    b = fn(X, torch.Generator().manual_seed(0))
    assert a.shape == X.shape and torch.equal(a, b)


def test_crop_is_a_translation():
    X = torch.arange(16.0).reshape(1, 1, 4, 4)
    out = augment.crop(1)(X, torch.Generator().manual_seed(3))
    # every non-padding value of the output appears in the input, in the same row order
    vals = out[out != 0]
    assert torch.all(torch.isin(vals, X))
