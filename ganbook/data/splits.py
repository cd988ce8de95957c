"""The paper's splits of each data set the trainer uses: (train, valid, test) arrays in [0, 1]."""
import torch

from ganbook.data import mnist


DATASETS = ("mnist", "faces", "tfd", "fake")


FACES = ("faces", "tfd")   # FER-2013 (everyone) and the Toronto Face Database (holders)


def fake_splits(n=600, side=8, seed=0):
    """A small synthetic data set (bars on side x side images, in [0, 1]) for smoke
    tests and the kill -9 campaign: the CLI and the loop run without any download."""
    g = torch.Generator().manual_seed(seed)
    img = torch.zeros(n, side, side)
    rows, cols = torch.randint(0, side, (n,), generator=g), torch.randint(0, side, (n,), generator=g)
    horizontal = torch.rand(n, generator=g) < 0.5
    img[horizontal, rows[horizontal], :] = 1.0
    img[~horizontal, :, cols[~horizontal]] = 1.0
    x = (img.flatten(1) * 0.9 + 0.1 * torch.rand(n, side * side, generator=g)).numpy()
    a, b = int(0.8 * n), int(0.9 * n)
    return x[:a], x[a:b], x[b:]


def load_splits(dataset):
    """(train, valid, test) float32 arrays in [0, 1], the paper's splits."""
    if dataset == "mnist":
        return tuple(mnist.load_mnist(s) for s in ("train", "valid", "test"))
    if dataset in FACES:
        from ganbook.data import faces
        return faces.splits(dataset)
    if dataset == "fake":
        return fake_splits()
    raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")
