"""Shared fixtures."""
import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """Small toy runs: one torch thread is faster and leaves the other core free."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def use_splits(monkeypatch):
    """``use_splits(splits)``: every data set name loads ``splits`` for the rest of the test,
    through the one seam where the package reads data (ganbook.data.splits.load_splits)."""
    from ganbook.data import splits as data_splits

    def use(splits):
        monkeypatch.setattr(data_splits, "load_splits", lambda dataset: splits)
    return use

