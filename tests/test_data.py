"""ganbook.data.mnist: IDX parsing, look-up, download and the paper's MNIST splits.

Every test except the last group writes its own tiny IDX files under ``tmp_path``,
so the suite runs on a machine without ``../shared``.  HOME and GANBOOK_DATA are
redirected for every test, so the real ``~/.cache/ganbook`` is never touched.
"""
import gzip
import hashlib
import os
import struct
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from ganbook.data import mnist as data
from ganbook.data.mnist import DataError

REPO = Path(__file__).resolve().parents[1]


# --- helpers: tiny IDX files ---------------------------------------------------------------

def idx_bytes(array, magic=None):
    """Raw (uncompressed) IDX bytes of a uint8 array: magic, dims, data."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = {1: 2049, 3: 2051}[array.ndim]
    return struct.pack(">I", magic) + struct.pack(">" + "I" * array.ndim, *array.shape) \
        + array.tobytes()


def write_gz(path, payload):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload))
    return path


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tiny_mnist(folder, n_train=6, n_test=3):
    """Four tiny files with MNIST's names; returns {name: sha256} to patch MNIST_FILES with."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.arange(n_test) % 10,
    }
    return {name: sha(write_gz(Path(folder) / name, idx_bytes(a))) for name, a in arrays.items()}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No GANBOOK_DATA and a throw-away HOME, so the cache is ``tmp_path/home/.cache``."""
    monkeypatch.delenv("GANBOOK_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def cache_dir(tmp_path):
    return tmp_path / "home" / ".cache" / "ganbook" / "mnist"


# --- read_idx --------------------------------------------------------------------------------

def test_round_trip_images_and_labels(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    labels = np.array([7, 3], dtype=np.uint8)
    got_images = data.read_idx(write_gz(tmp_path / "i.gz", idx_bytes(images)))
    got_labels = data.read_idx(write_gz(tmp_path / "l.gz", idx_bytes(labels)))
    assert got_images.dtype == np.uint8 and got_images.shape == (2, 28, 28)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_truncated_gzip_names_the_file(tmp_path):
    good = gzip.compress(idx_bytes(np.zeros((4, 28, 28))))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="not a complete gzip file") as e:
        data.read_idx(path)
    assert str(path) in str(e.value) and "download it again" in str(e.value)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"this is not gzip at all" * 10)
    with pytest.raises(DataError, match="not a complete gzip file") as e:
        data.read_idx(path)
    assert str(path) in str(e.value)


def test_flipped_bytes_inside_the_deflate_stream(tmp_path):
    raw = bytearray(gzip.compress(idx_bytes(np.arange(200) % 10)))
    for i in range(12, len(raw) - 8):  # keep the 10-byte header and the CRC/size trailer
        raw[i] ^= 0xFF
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="gzip") as e:
        data.read_idx(path)
    assert str(path) in str(e.value)


def test_wrong_magic_number(tmp_path):
    path = write_gz(tmp_path / "x.gz", idx_bytes(np.zeros(5), magic=2050))
    with pytest.raises(DataError, match="magic number 2050") as e:
        data.read_idx(path)
    assert str(path) in str(e.value)


def test_size_mismatch(tmp_path):
    payload = idx_bytes(np.zeros((3, 28, 28)))[:-10]  # header promises 3 images
    path = write_gz(tmp_path / "x.gz", payload)
    with pytest.raises(DataError, match=r"holds 2342 data bytes .* promises 2352") as e:
        data.read_idx(path)
    assert str(path) in str(e.value)


@pytest.mark.parametrize("payload", [b"", b"\x00\x00\x08", struct.pack(">II", 2051, 1) + b"\x00"])
def test_too_short_for_a_header(tmp_path, payload):
    path = write_gz(tmp_path / "short.gz", payload)
    with pytest.raises(DataError, match="too short") as e:
        data.read_idx(path)
    assert str(path) in str(e.value)


# --- find_mnist: look-up order and checksums -------------------------------------------------

def test_finds_files_under_ganbook_data(tmp_path, monkeypatch):
    shas = tiny_mnist(tmp_path / "data" / "mnist")
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    assert data.find_mnist(download_missing=False) == tmp_path / "data" / "mnist"


def test_ganbook_data_comes_before_the_cache(tmp_path, monkeypatch):
    shas = tiny_mnist(tmp_path / "data" / "mnist")
    tiny_mnist(cache_dir(tmp_path))
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    assert data.data_dirs("mnist") == [tmp_path / "data" / "mnist", cache_dir(tmp_path)]
    assert data.find_mnist(download_missing=False) == tmp_path / "data" / "mnist"


def test_falls_back_to_the_cache(tmp_path, monkeypatch):
    shas = tiny_mnist(cache_dir(tmp_path))
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "empty"))
    assert data.find_mnist(download_missing=False) == cache_dir(tmp_path)


def test_wrong_checksum_names_the_file(tmp_path, monkeypatch):
    shas = tiny_mnist(tmp_path / "data" / "mnist")
    shas["t10k-labels-idx1-ubyte.gz"] = "0" * 64
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(DataError, match="wrong SHA256") as e:
        data.find_mnist(download_missing=False)
    assert str(tmp_path / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz") in str(e.value)
    assert "GANBOOK_DATA" in str(e.value)


def test_missing_files_error_names_files_folders_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    tiny_mnist(tmp_path / "data" / "mnist")
    (tmp_path / "data" / "mnist" / "train-labels-idx1-ubyte.gz").unlink()  # 3 of 4 is not enough
    with pytest.raises(DataError) as e:
        data.find_mnist(mirrors=())
    message = str(e.value)
    for name in data.MNIST_FILES:
        assert name in message
    assert str(tmp_path / "data" / "mnist") in message
    assert str(cache_dir(tmp_path)) in message
    assert "GANBOOK_DATA" in message


def test_real_checksums_are_the_canonical_ones():
    # The SHA256s of the canonical gzipped files (see ../shared/data/mnist/README.md).
    assert data.MNIST_FILES["train-images-idx3-ubyte.gz"].startswith("440fcabf73cc546f")
    assert data.MNIST_FILES["t10k-labels-idx1-ubyte.gz"].startswith("f7ae60f92e00ec6d")
    assert len(data.MNIST_FILES) == 4


# --- download: a local file:// mirror --------------------------------------------------------

def test_download_from_a_file_mirror(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shas = tiny_mnist(mirror)
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    found = data.find_mnist(mirrors=(mirror.as_uri() + "/",))
    assert found == cache_dir(tmp_path)
    assert sorted(p.name for p in found.iterdir()) == sorted(shas)  # no temp files left
    for name in shas:
        assert (found / name).read_bytes() == (mirror / name).read_bytes()


def test_download_tries_the_next_mirror(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shas = tiny_mnist(mirror)
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    dead = (tmp_path / "no-such-mirror").as_uri() + "/"
    assert data.find_mnist(mirrors=(dead, mirror.as_uri() + "/")) == cache_dir(tmp_path)


def test_download_with_wrong_checksum_keeps_nothing(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shas = tiny_mnist(mirror)
    shas["train-images-idx3-ubyte.gz"] = "f" * 64  # the mirror serves a different file
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    with pytest.raises(DataError, match="wrong SHA256") as e:
        data.find_mnist(mirrors=(mirror.as_uri() + "/",))
    assert "train-images-idx3-ubyte.gz" in str(e.value)
    left = sorted(p.name for p in cache_dir(tmp_path).iterdir())
    assert "train-images-idx3-ubyte.gz" not in left
    assert not [n for n in left if n.endswith(".tmp")], left  # no partial file
    assert len(left) == 3  # the three good files were kept, verified


def test_download_interrupted_midway_leaves_no_partial_file(tmp_path, monkeypatch):
    payload = gzip.compress(idx_bytes(np.zeros((50, 28, 28)))) + b"x" * 200_000

    class Broken:
        headers = {"Content-Length": str(len(payload))}

        def __init__(self):
            self.sent = False

        def read(self, n):
            if self.sent:
                raise ConnectionResetError("connection lost")
            self.sent = True
            return payload[:n]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: Broken())
    dest = cache_dir(tmp_path) / "t10k-images-idx3-ubyte.gz"
    with pytest.raises(ConnectionResetError):
        data.download("https://mirror.invalid/x.gz", dest, "0" * 64, progress=False)
    assert list(dest.parent.iterdir()) == []


def test_download_keeps_a_good_file(tmp_path):
    src = write_gz(tmp_path / "src.gz", idx_bytes(np.arange(10)))
    dest = cache_dir(tmp_path) / "labels.gz"
    assert data.download(src.as_uri(), dest, sha(src), progress=False) == dest
    assert dest.read_bytes() == src.read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == ["labels.gz"]


# --- splits ----------------------------------------------------------------------------------

def test_splits_on_tiny_files(tmp_path, monkeypatch):
    """Pixels scaled to [0, 1] as float32 rows of 784, labels as int64; bad names refused."""
    shas = tiny_mnist(tmp_path / "data" / "mnist", n_train=6, n_test=3)
    monkeypatch.setattr(data, "MNIST_FILES", shas)
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    x, y = data.load_mnist("test", with_labels=True)
    assert x.shape == (3, 784) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    raw = data.read_idx(tmp_path / "data" / "mnist" / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_allclose(x * 255.0, raw.reshape(3, -1), atol=1e-4)
    np.testing.assert_array_equal(y, [0, 1, 2])
    with pytest.raises(ValueError, match="unknown MNIST split"):
        data.load_mnist("validation")


# --- the real data (../shared/data), when present ---------------------------------------------

# The caller's GANBOOK_DATA, read at import, before the autouse fixture removes it.
CALLER_DATA = os.environ.get("GANBOOK_DATA")


def real_data_dir():
    """GANBOOK_DATA as the caller set it, else ../shared/data beside the repository."""
    candidates = [Path(CALLER_DATA)] if CALLER_DATA else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if all((c / "mnist" / f).exists() for f in data.MNIST_FILES):
            return c
    return None


REAL = real_data_dir()
needs_real = pytest.mark.skipif(
    REAL is None,
    reason="real MNIST not found: neither $GANBOOK_DATA/mnist/ nor ../shared/data/mnist/ "
           "holds the four IDX files")

# Class counts published with the data (../shared/data/mnist/README.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def real_splits():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANBOOK_DATA", str(REAL))
        return {s: data.load_mnist(s, with_labels=True) for s in ("train", "valid", "test")}


@needs_real
def test_real_split_shapes_and_range(real_splits):
    sizes = {s: len(x) for s, (x, y) in real_splits.items()}
    assert sizes == {"train": 50000, "valid": 10000, "test": 10000}
    for s, (x, y) in real_splits.items():
        assert x.shape[1] == 784 and x.dtype == np.float32, s
        assert x.min() == 0.0 and x.max() == 1.0, s
        assert y.shape == (len(x),) and set(np.unique(y)) == set(range(10)), s


@needs_real
def test_real_label_counts(real_splits):
    train_and_valid = np.concatenate([real_splits["train"][1], real_splits["valid"][1]])
    assert np.bincount(train_and_valid, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(real_splits["test"][1], minlength=10).tolist() == TEST_COUNTS


@needs_real
def test_real_valid_is_the_tail_of_the_training_file(real_splits):
    raw = data.read_idx(REAL / "mnist" / "train-images-idx3-ubyte.gz")
    np.testing.assert_allclose(real_splits["train"][0][-1] * 255, raw[49999].reshape(-1), atol=1e-4)
    np.testing.assert_allclose(real_splits["valid"][0][0] * 255, raw[50000].reshape(-1), atol=1e-4)
