"""Data: ``p_data`` for every chapter.

MNIST comes from the four canonical IDX files, looked up in ``$GANBOOK_DATA/mnist/``
then ``~/.cache/ganbook/mnist/``, downloaded (with a progress bar, verified, renamed
atomically) only when absent and a mirror answers.  Splits are the paper code's
(goodfeli/adversarial ``mnist.yaml``): train = training images 0..50,000,
valid = 50,000..60,000, test = the 10,000 t10k images; pixels in [0, 1].
"""
import gzip
import os
import struct
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from ganbook.base.files import atomic_path, sha256

MNIST_FILES = {  # name -> SHA256 of the .gz (same files torchvision checks)
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
IDX_MAGIC = {2049: 1, 2051: 3}  # labels: 1-d, images: 3-d, unsigned bytes


class DataError(RuntimeError):
    """A data file is missing or damaged; the message says which and what to do."""


def data_dirs(name):
    """Folders searched for data set ``name``, in order."""
    dirs = []
    if os.environ.get("GANBOOK_DATA"):
        dirs.append(Path(os.environ["GANBOOK_DATA"]).expanduser() / name)
    dirs.append(Path.home() / ".cache" / "ganbook" / name)
    return dirs


def read_idx(path):
    """Parse a gzipped IDX file into a uint8 array, checking magic number and size."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path} is not a complete gzip file ({e}); delete it and "
                        "download it again (or point GANBOOK_DATA at a good copy)") from e
    if len(raw) < 8:
        raise DataError(f"{path} is too short to be an IDX file; delete it and download it again")
    magic, n = struct.unpack(">II", raw[:8])
    if magic not in IDX_MAGIC:
        raise DataError(f"{path} has magic number {magic}, not an IDX label (2049) or image "
                        "(2051) file; is it the right file?")
    ndim = IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is too short to be an IDX file; delete it and download it again")
    dims = (n,) + struct.unpack(">" + "I" * (ndim - 1), raw[8:header])
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise DataError(f"{path} holds {len(raw) - header} data bytes but its header "
                        f"promises {expected} {dims}; delete it and download it again")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def download(url, dest, sha, progress=True):
    """Fetch ``url`` into ``dest`` through a temp file; keep it only if SHA256 matches."""
    from tqdm.auto import tqdm
    with atomic_path(dest) as tmp:
        with urllib.request.urlopen(url, timeout=30) as r, open(tmp, "wb") as f:
            total = int(r.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=Path(dest).name,
                      disable=not progress) as bar:
                for block in iter(lambda: r.read(1 << 16), b""):
                    f.write(block)
                    bar.update(len(block))
        if sha256(tmp) != sha:
            raise DataError(f"download of {url} has the wrong SHA256; nothing was kept")
    return Path(dest)


def find_mnist(download_missing=True, mirrors=MNIST_MIRRORS):
    """The folder holding all four verified MNIST files, downloading into the cache if needed."""
    for d in data_dirs("mnist"):
        if all((d / f).exists() for f in MNIST_FILES):
            for f, sha in MNIST_FILES.items():
                if sha256(d / f) != sha:
                    raise DataError(f"{d / f} has the wrong SHA256: it is damaged or not "
                                    "the canonical MNIST file; delete it (it will be "
                                    "downloaded again) or point GANBOOK_DATA at a good copy")
            return d
    cache = data_dirs("mnist")[-1]
    errors = []
    if download_missing:
        for f, sha in MNIST_FILES.items():
            if (cache / f).exists():
                continue
            for mirror in mirrors:
                try:
                    download(mirror + f, cache / f, sha)
                    break
                except (OSError, DataError) as e:
                    errors.append(f"{mirror}{f}: {e}")
        if all((cache / f).exists() for f in MNIST_FILES):
            return find_mnist(download_missing=False)
    searched = ", ".join(str(d) for d in data_dirs("mnist"))
    raise DataError(
        f"MNIST not found: need {', '.join(MNIST_FILES)} in one of: {searched}. "
        "Set GANBOOK_DATA to a folder that has them under mnist/ "
        "(in this project: GANBOOK_DATA=../shared/data), or connect to the network "
        "so they can be downloaded." + (f" Download errors: {errors[:2]}" if errors else ""))


def load_mnist(split="train", with_labels=False):
    """MNIST ``split`` in {'train', 'valid', 'test'} as float32 (N, 784) in [0, 1]."""
    ranges = {"train": ("train", 0, 50000), "valid": ("train", 50000, 60000),
              "test": ("t10k", 0, 10000)}
    if split not in ranges:
        raise ValueError(f"unknown MNIST split {split!r}; use one of {sorted(ranges)}")
    prefix, a, b = ranges[split]
    d = find_mnist()
    x = read_idx(d / f"{prefix}-images-idx3-ubyte.gz")[a:b]
    x = x.reshape(len(x), -1).astype(np.float32) / 255.0
    if not with_labels:
        return x
    y = read_idx(d / f"{prefix}-labels-idx1-ubyte.gz")[a:b].astype(np.int64)
    return x, y
