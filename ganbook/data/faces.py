"""Faces: the Toronto Face Database (TFD) for those who hold it, FER-2013 for everyone.

TFD, the paper's second data set (Table 1: 2057 ± 26 nats), is not public.  Holders read
``TFD_48x48.mat`` (or ``TFD_96x96.mat``) exactly as the paper's code did, through pylearn2's
``TFD``: variables ``images`` (N, 48, 48) grey levels 0..255, ``folds`` (N, 5) with codes
0 = unlabeled, 1 = train, 2 = valid, 3 = test per official fold, ``labs_ex`` (expression
1..7, -1 unlabelled) and ``labs_id`` (identity, -1 unknown); a set is
``folds[:, fold] == code``, pixels are scaled by /255.

Everyone else gets FER-2013 (35,887 real 48x48 faces; official split Training /
PublicTest / PrivateTest), used like TFD: Training is the training pool, PublicTest
chooses the Parzen sigma, PrivateTest is the test set.  Its licence is unclear (web
images, research use): the book loads it from ``$GANBOOK_DATA/faces/fer2013/`` and never
redistributes it.  Every number on it carries :data:`FER2013_LABEL`.
"""
import functools
import os
from pathlib import Path

import numpy as np

from ganbook.base.files import sha256
from ganbook.data.mnist import DataError, data_dirs

FER2013_FILE = "fer2013_48x48.npz"
FER2013_SHA256 = "b55d793d3e71c87642529368a178e0395c6efb5b56bdebe1277a72ffc15baa1f"
FER2013_SPLITS = ("Training", "PublicTest", "PrivateTest")   # the file's usage codes 0, 1, 2
FER2013_EXPRESSIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FER2013_LABEL = "FER-2013, not TFD — not comparable to 2057 ± 26"
FER2013_SEED = 2013   # the file is sorted by expression: a fixed shuffle makes prefixes fair

TFD_SETS = {"unlabeled": 0, "train": 1, "valid": 2, "test": 3}   # pylearn2's fold codes
TFD_VARIABLES = ("images", "folds", "labs_ex", "labs_id")
TFD_FOLDS = 5
SHAPE = (48, 48)


# --- FER-2013 ----------------------------------------------------------------------------

def find_fer2013():
    """The verified ``fer2013_48x48.npz``, looked up like MNIST (``faces/fer2013/``)."""
    for d in data_dirs("faces/fer2013"):
        path = d / FER2013_FILE
        if path.exists():
            _check_sha(path)
            return path
    searched = ", ".join(str(d) for d in data_dirs("faces/fer2013"))
    raise DataError(f"FER-2013 not found: need {FER2013_FILE} in one of: {searched}. Set "
                    "GANBOOK_DATA to a folder that has it under faces/fer2013/ (in this project: "
                    "GANBOOK_DATA=../shared/data). It is not downloaded: its licence is unclear, "
                    "so the book never redistributes it.")


@functools.lru_cache(maxsize=4)
def _sha_ok(path, size, mtime_ns):
    return sha256(path) == FER2013_SHA256


def _check_sha(path):
    st = Path(path).stat()
    if not _sha_ok(str(path), st.st_size, st.st_mtime_ns):
        raise DataError(f"{path} has the wrong SHA256 (expected {FER2013_SHA256[:12]}...): it is "
                        "damaged or a different export of FER-2013; replace it with the file "
                        "described in ../shared/data/faces/fer2013/README.md")


@functools.lru_cache(maxsize=1)
def _fer2013_arrays(path, size, mtime_ns):
    with np.load(path, allow_pickle=False) as z:
        return z["images"], z["labels"].astype(np.int64), z["usage"]


def load_fer2013(split="Training", with_labels=False, shuffle=True):
    """FER-2013 ``split`` (Training, PublicTest or PrivateTest) as float32 (N, 2304) in [0, 1].

    ``shuffle``: a fixed permutation (the file is sorted by expression, so without it the
    first 1,000 images would all be angry, disgusted or afraid).  Labels 0..6 index
    :data:`FER2013_EXPRESSIONS`.
    """
    if split not in FER2013_SPLITS:
        raise ValueError(f"unknown FER-2013 split {split!r}; use one of {FER2013_SPLITS}")
    path = find_fer2013()
    st = path.stat()
    images, labels, usage = _fer2013_arrays(str(path), st.st_size, st.st_mtime_ns)
    idx = np.flatnonzero(usage == FER2013_SPLITS.index(split))
    if shuffle:
        idx = idx[np.random.default_rng(FER2013_SEED).permutation(len(idx))]
    x = images[idx].reshape(len(idx), -1).astype(np.float32) / 255.0
    return (x, labels[idx]) if with_labels else x


# --- TFD ---------------------------------------------------------------------------------

def find_tfd(path=None, size=48):
    """``TFD_<size>x<size>.mat``: ``path`` (file or folder), else ``$GANBOOK_TFD``, else
    ``faces/TFD/`` under ``$GANBOOK_DATA``, ``~/.cache/ganbook`` or ``$PYLEARN2_DATA_PATH``."""
    if size not in (48, 96):
        raise ValueError(f"TFD comes in 48x48 and 96x96, not size={size}")
    name = f"TFD_{size}x{size}.mat"
    if path is not None:
        candidates = [Path(path).expanduser()]
    else:
        candidates = [Path(os.environ["GANBOOK_TFD"]).expanduser()] if os.environ.get("GANBOOK_TFD") else []
        candidates += data_dirs("faces/TFD")
        if os.environ.get("PYLEARN2_DATA_PATH"):
            candidates.append(Path(os.environ["PYLEARN2_DATA_PATH"]).expanduser() / "faces" / "TFD")
    for c in candidates:
        f = c / name if c.is_dir() else c
        if f.is_file():
            return f
    raise DataError(f"TFD not found: looked for {name} at " + ", ".join(map(str, candidates))
                    + ". The Toronto Face Database is not public; if you hold it, set "
                    "GANBOOK_TFD to the .mat file (or its folder). Otherwise use the 'faces' "
                    "data set (FER-2013).")


def _read_mat(path):
    """The variables of a MATLAB file, as scipy.io.loadmat gives them (h5py for v7.3)."""
    from scipy.io import loadmat
    try:
        return loadmat(path)
    except NotImplementedError:   # scipy: "Please use HDF reader for matlab v7.3 files"
        try:
            import h5py
        except ImportError:
            raise DataError(f"{path} is a MATLAB v7.3 (HDF5) file; install h5py "
                            "(.venv/bin/pip install h5py) to read it") from None
        with h5py.File(path, "r") as f:   # HDF5 stores MATLAB arrays transposed
            return {k: np.asarray(f[k]).T for k in f.keys() if k in TFD_VARIABLES}
    except Exception as e:
        raise DataError(f"{path} is not a readable MATLAB file ({e}); is it TFD_48x48.mat?") from e


def _whole(a, name, path, lo, hi):
    """``a`` as int64 if its dtype is numeric and every value is a whole number in [lo, hi]."""
    if a.dtype.kind not in "iuf":
        raise DataError(f"{path}: variable '{name}' has dtype {a.dtype}; TFD stores numbers "
                        "(uint8 or double); is this the right file?")
    whole = a.dtype.kind != "f" or (np.isfinite(a).all() and (a == np.round(a)).all())
    if a.size and (not whole or a.min() < lo or a.max() > hi):
        raise DataError(f"{path}: variable '{name}' must hold whole numbers in {lo}..{hi}, "
                        f"but has values in {a.min()}..{a.max()}"
                        + ("" if whole else " with fractions") + "; is this the right file?")
    return a.astype(np.int64, copy=False) if a.dtype.kind == "f" else a


def validate_tfd(mat, path="TFD", size=None):
    """Check TFD's four variables (names, shapes, dtypes, values); return clean arrays:
    images uint8 (N, s, s), folds int64 (N, 5), labs_ex and labs_id int64 (N,)."""
    missing = [v for v in TFD_VARIABLES if v not in mat]
    if missing:
        have = sorted(k for k in mat if not k.startswith("__"))
        raise DataError(f"{path} has no variable {', '.join(map(repr, missing))} (it has: "
                        f"{', '.join(have) or 'nothing'}); TFD_48x48.mat holds "
                        f"{', '.join(TFD_VARIABLES)}. Is this the right file?")
    images = np.asarray(mat["images"])
    if images.ndim != 3 or images.shape[1] != images.shape[2] or images.shape[1] not in (48, 96):
        raise DataError(f"{path}: 'images' has shape {images.shape}; expected (N, 48, 48) or "
                        "(N, 96, 96), one square grey image per row (a file read from HDF5 "
                        "without transposing would give (48, 48, N))")
    if size is not None and images.shape[1] != size:
        raise DataError(f"{path} holds {images.shape[1]}x{images.shape[1]} images, not "
                        f"{size}x{size}; pass size={images.shape[1]} or the other file")
    n = len(images)
    images = _whole(images, "images", path, 0, 255).astype(np.uint8, copy=False)
    folds = np.asarray(mat["folds"])
    if folds.shape != (n, TFD_FOLDS):
        raise DataError(f"{path}: 'folds' has shape {folds.shape}; expected ({n}, {TFD_FOLDS}), "
                        "one column per official fold")
    folds = _whole(folds, "folds", path, 0, 3)
    labels = {}
    for name, lo, hi in (("labs_ex", -1, 7), ("labs_id", -1, np.inf)):
        a = np.asarray(mat[name])
        if a.shape not in ((n,), (n, 1), (1, n)):
            raise DataError(f"{path}: '{name}' has shape {a.shape}; expected ({n}, 1), one "
                            "label per image")
        labels[name] = _whole(a.reshape(n), name, path, lo, hi).astype(np.int64)
    return {"images": images, "folds": folds, **labels}


@functools.lru_cache(maxsize=1)
def _read_tfd(path, mtime_ns, size):
    return validate_tfd(_read_mat(path), path, size)


def load_tfd(which_set="unlabeled", fold=0, path=None, size=48, with_labels=False):
    """TFD ``which_set`` of ``fold`` as float32 (N, size*size) in [0, 1], by pylearn2's rule
    ``folds[:, fold] == {'unlabeled': 0, 'train': 1, 'valid': 2, 'test': 3}[which_set]``
    ('full_train' = train or valid).  With labels: (x, expression 0..6, identity)."""
    sets = (*TFD_SETS, "full_train")
    if which_set not in sets:
        raise ValueError(f"unknown TFD set {which_set!r}; use one of {sets}")
    if fold not in range(TFD_FOLDS):
        raise ValueError(f"TFD has folds 0..{TFD_FOLDS - 1}, not fold={fold!r}")
    f = find_tfd(path, size)
    d = _read_tfd(str(f), f.stat().st_mtime_ns, size)
    col = d["folds"][:, fold]
    pick = (col == 1) | (col == 2) if which_set == "full_train" else col == TFD_SETS[which_set]
    if not pick.any():
        raise DataError(f"{f}: fold {fold} has no '{which_set}' images (no folds[:, {fold}] == "
                        f"{TFD_SETS.get(which_set, '1 or 2')}); is the 'folds' variable right?")
    x = d["images"][pick].reshape(int(pick.sum()), -1).astype(np.float32) / 255.0
    if not with_labels:
        return x
    return x, d["labs_ex"][pick] - 1, d["labs_id"][pick]


# --- the splits the trainer uses -----------------------------------------------------------

def splits(dataset="faces", tfd_path=None):
    """(train, valid, test) for ``'faces'`` (FER-2013: Training, PublicTest, PrivateTest) or
    ``'tfd'`` (unlabeled, fold 0's valid and test; the paper trains on unlabeled)."""
    if dataset == "faces":
        return tuple(load_fer2013(s) for s in FER2013_SPLITS)
    if dataset == "tfd":
        return (load_tfd("unlabeled", 0, tfd_path), load_tfd("valid", 0, tfd_path),
                load_tfd("test", 0, tfd_path))
    raise ValueError(f"unknown face data set {dataset!r}; use 'faces' (FER-2013) or 'tfd'")


def label(dataset):
    """What a number measured on ``dataset`` may be compared with."""
    return {"faces": FER2013_LABEL, "tfd": "TFD, 5 folds (paper protocol)"}.get(dataset, "")
