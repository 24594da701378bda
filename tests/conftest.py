"""Fixtures shared by the test files."""
import pytest
import torch


@pytest.fixture
def no_implicit_numpy(monkeypatch):
    """Tensors refuse np.asarray, as a CUDA tensor does: code must call .cpu() explicitly
    (tests/test_cuda_paths.py, tests/test_oneshot_interface.py)."""
    def refuse(self, *args, **kwargs):
        raise TypeError("can't convert device tensor to numpy implicitly (stand-in for "
                        "cuda:0); use .cpu().numpy()")
    monkeypatch.setattr(torch.Tensor, "__array__", refuse)
