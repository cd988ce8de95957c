"""Binarised MNIST, the data of the explicit-density models (PixelCNN, the binary VAE).

* Training: *dynamic* binarisation -- each pixel of each minibatch drawn afresh as
  Bernoulli(intensity) (the training step does it with the run's generator, so a seed fixes
  it).  A model never sees the same binary image twice, which regularises it.
* Validation and test: binarised *once*, with fixed seeds, so every model is scored on the
  same binary images; the SHA256 of the binarised test set (:func:`checksum`) goes into
  every record scored on it.
"""
import hashlib

import numpy as np
import torch

SEEDS = {"valid": 2016, "test": 2017}   # the fixed binarisation of each held-out split
# SHA256 (:func:`checksum`) of MNIST's fixed binarisations: every model of binary images is
# scored on exactly these bits, checked each time they are made (:func:`splits`).
MNIST_SHA256 = {"valid": "a96ebe3594ed6957189bac3c65690e0e32566e6dd2df36caeb3109fd06b8680a",
                "test": "9967ca695ac399106f0fac28c0c06958995fa7758fad0a4a80ded213832ca57c"}


def binarize(x, generator=None):
    """Bernoulli(x) per pixel: a float tensor of 0s and 1s of x's shape (x in [0, 1])."""
    return torch.bernoulli(torch.as_tensor(x, dtype=torch.float32), generator=generator)


def fixed(x, split):
    """``split`` ('valid' or 'test') binarised once with its fixed seed, float32 in {0, 1}."""
    if split not in SEEDS:
        raise ValueError(f"unknown split {split!r}; the fixed binarisations are {sorted(SEEDS)}")
    return binarize(x, torch.Generator().manual_seed(SEEDS[split])).numpy()


def checksum(xb):
    """SHA256 of a binary image set (its bits, row-major), as hex."""
    xb = np.asarray(xb)
    if not np.isin(xb, (0, 1)).all():
        raise ValueError("checksum of binarised images: the array holds values other than 0 and 1")
    return hashlib.sha256(np.packbits(xb.astype(np.uint8), axis=None).tobytes()).hexdigest()


def splits(grey, dataset=None):
    """(train, valid, test) for a binary model: train stays grey (binarised per minibatch),
    valid and test binarised once (:func:`fixed`); for MNIST's full splits (``dataset``
    'mnist'), each checked against :data:`MNIST_SHA256`."""
    train, valid, test = grey
    out = {"valid": fixed(valid, "valid"), "test": fixed(test, "test")}
    if dataset == "mnist" and len(valid) == len(test) == 10000:
        for split, xb in out.items():
            if checksum(xb) != MNIST_SHA256[split]:
                raise ValueError(f"MNIST's {split} set binarised with seed {SEEDS[split]} is not the book's "
                                 f"(SHA256 {checksum(xb)[:16]}..., want {MNIST_SHA256[split][:16]}...): "
                                 "this torch draws other bits; install the pinned torch (make venv)")
    return train, out["valid"], out["test"]
