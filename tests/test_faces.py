"""ganbook.data.faces: the TFD .mat reader (pylearn2's rule, clear errors), the paper's 5-fold
TFD protocol, FER-2013, and the face data sets in experiments / CLI / Table 1.

TFD is not public, so every TFD test writes a small .mat with TFD's four variables itself
(scipy.io.savemat).  FER-2013 tests use the real file and skip when it is absent.
"""
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.io import savemat

from ganbook.measures.parzen import tfd_protocol
from ganbook.chapters import mnist as E
from ganbook.data import faces
from ganbook.core import nets
from ganbook.cli.main import main
from ganbook.data.mnist import DataError
from ganbook.measures.parzen import parzen_protocol

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = Path(os.environ.get("GANBOOK_DATA") or REPO.parent / "shared" / "data")
FER = REAL_DATA / "faces" / "fer2013" / faces.FER2013_FILE
needs_fer = pytest.mark.skipif(not FER.exists(), reason=f"FER-2013 not found at {FER} "
                               "(set GANBOOK_DATA to the shared data folder)")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No data set is found unless a test puts it there; HOME is a throw-away folder."""
    for var in ("GANBOOK_DATA", "GANBOOK_TFD", "PYLEARN2_DATA_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


# --- a small TFD --------------------------------------------------------------------------

def tfd_variables(n_unlabeled=12, n_labeled=30, size=48, seed=0):
    """TFD's variables for a tiny data set: unlabelled images are 0 in every fold; each
    fold splits the labelled ones into train (1), valid (2) and test (3) differently."""
    rng = np.random.default_rng(seed)
    n = n_unlabeled + n_labeled
    folds = np.zeros((n, 5), dtype=np.uint8)
    for f in range(5):
        folds[n_unlabeled:, f] = np.roll(np.repeat([1, 2, 3], n_labeled // 3), 2 * f)
    labeled = np.arange(n) >= n_unlabeled
    return {
        "images": rng.integers(0, 256, (n, size, size)).astype(np.uint8),
        "folds": folds,
        "labs_ex": np.where(labeled, rng.integers(1, 8, n), -1).reshape(n, 1).astype(np.int16),
        "labs_id": np.where(labeled, rng.integers(0, 9, n), -1).reshape(n, 1).astype(np.int32),
    }


def write_mat(path, variables):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    savemat(path, variables)
    return path


@pytest.fixture
def tfd(tmp_path):
    v = tfd_variables()
    return write_mat(tmp_path / "TFD_48x48.mat", v), v


def test_load_tfd_follows_pylearn2s_rule(tfd):
    path, v = tfd
    codes = {"unlabeled": 0, "train": 1, "valid": 2, "test": 3}
    for fold in range(5):
        for which, code in codes.items():
            pick = v["folds"][:, fold] == code
            x = faces.load_tfd(which, fold, path=path)
            assert x.dtype == np.float32 and x.shape == (pick.sum(), 48 * 48)
            np.testing.assert_array_equal(x, v["images"][pick].reshape(-1, 2304) / np.float32(255))
        x, ex, ident = faces.load_tfd("full_train", fold, path=path, with_labels=True)
        pick = np.isin(v["folds"][:, fold], (1, 2))
        assert len(x) == pick.sum() == 20
        np.testing.assert_array_equal(ex, v["labs_ex"][pick, 0] - 1)   # expressions 0..6
        np.testing.assert_array_equal(ident, v["labs_id"][pick, 0])
    assert len(faces.load_tfd("unlabeled", 3, path=path)) == 12        # the same in every fold
    # row-major flattening: pixel (r, c) of an image is column 48 r + c
    assert faces.load_tfd("test", 0, path=path)[0, 48 * 5 + 7] == \
        v["images"][v["folds"][:, 0] == 3][0, 5, 7] / np.float32(255)


def test_tfd_is_found_by_env_var_data_folder_or_pylearn2_path(tfd, tmp_path, monkeypatch):
    path, _ = tfd
    monkeypatch.setenv("GANBOOK_TFD", str(path))
    assert faces.find_tfd() == path
    monkeypatch.setenv("GANBOOK_TFD", str(path.parent))        # a folder works too
    assert faces.find_tfd() == path
    monkeypatch.delenv("GANBOOK_TFD")
    data = write_mat(tmp_path / "data" / "faces" / "TFD" / "TFD_48x48.mat", tfd_variables())
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    assert faces.find_tfd() == data
    monkeypatch.delenv("GANBOOK_DATA")
    p2 = write_mat(tmp_path / "p2" / "faces" / "TFD" / "TFD_96x96.mat", tfd_variables(size=96))
    monkeypatch.setenv("PYLEARN2_DATA_PATH", str(tmp_path / "p2"))
    assert faces.find_tfd(size=96) == p2
    assert faces.load_tfd("valid", 1, size=96).shape == (10, 96 * 96)


def test_missing_tfd_is_a_clear_error():
    with pytest.raises(DataError, match=r"TFD not found.*GANBOOK_TFD.*'faces' data set"):
        faces.load_tfd()
    with pytest.raises(ValueError, match="48x48 and 96x96"):
        faces.find_tfd(size=64)


@pytest.mark.parametrize("change, message", [
    (lambda v: v.pop("folds"), r"has no variable 'folds' \(it has: images, labs_ex, labs_id\)"),
    (lambda v: v.update(images=v["images"].reshape(len(v["images"]), -1)),
     r"'images' has shape \(42, 2304\); expected \(N, 48, 48\)"),
    (lambda v: v.update(images=np.moveaxis(v["images"], 0, -1)), r"\(48, 48, N\)"),
    (lambda v: v.update(folds=v["folds"][:, :4]), r"'folds' has shape \(42, 4\); expected \(42, 5\)"),
    (lambda v: v.update(labs_ex=v["labs_ex"][:-1]), r"'labs_ex' has shape \(41, 1\); expected \(42, 1\)"),
    (lambda v: v.update(images=v["images"].astype(np.complex64)), r"'images' has dtype complex64"),
    (lambda v: v.update(labs_id=np.array(["x"] * 42)), r"'labs_id' has dtype <U1"),
    (lambda v: v.update(images=v["images"] / 255.0), r"'images' must hold whole numbers in 0..255.*fractions"),
    (lambda v: v.update(images=v["images"].astype(np.uint16) * 2), r"'images' must hold whole numbers in 0..255"),
    (lambda v: v["folds"].__setitem__((0, 0), 7), r"'folds' must hold whole numbers in 0..3"),
    (lambda v: v["labs_ex"].__setitem__((20, 0), 9), r"'labs_ex' must hold whole numbers in -1..7"),
])
def test_bad_tfd_files_are_clear_errors(tmp_path, change, message):
    v = tfd_variables()
    change(v)
    path = write_mat(tmp_path / "TFD_48x48.mat", v)
    with pytest.raises(DataError, match=message):
        faces.load_tfd(path=path)


def test_tfd_stored_as_doubles_reads_the_same(tmp_path, tfd):
    path, v = tfd
    doubles = write_mat(tmp_path / "d" / "TFD_48x48.mat", {k: a.astype(np.float64) for k, a in v.items()})
    for which in ("unlabeled", "test"):
        np.testing.assert_array_equal(faces.load_tfd(which, 2, path=doubles),
                                      faces.load_tfd(which, 2, path=path))


def test_other_tfd_problems_are_clear_errors(tmp_path, tfd):
    path, v = tfd
    junk = tmp_path / "junk" / "TFD_48x48.mat"
    junk.parent.mkdir()
    junk.write_bytes(b"not a mat file at all" * 10)
    with pytest.raises(DataError, match="not a readable MATLAB file"):
        faces.load_tfd(path=junk)
    big = write_mat(tmp_path / "big.mat", tfd_variables(size=96))
    with pytest.raises(DataError, match="holds 96x96 images, not 48x48; pass size=96"):
        faces.load_tfd(path=big)
    v["folds"][v["folds"][:, 4] == 2, 4] = 3          # fold 4 loses its valid set
    no_valid = write_mat(tmp_path / "nv.mat", v)
    with pytest.raises(DataError, match="fold 4 has no 'valid' images"):
        faces.load_tfd("valid", 4, path=no_valid)
    with pytest.raises(ValueError, match="unknown TFD set 'training'"):
        faces.load_tfd("training", path=path)
    with pytest.raises(ValueError, match="folds 0..4, not fold=5"):
        faces.load_tfd("test", 5, path=path)


def test_tfd_protocol_is_per_fold_sigma_then_mean_and_se_across_folds(tfd):
    path, v = tfd
    rng = np.random.default_rng(1)
    samples = rng.random((200, 2304), dtype=np.float32)
    sigmas = (0.2, 0.3, 0.5)
    res = tfd_protocol(samples, path=path, sigmas=sigmas)
    per_fold = [parzen_protocol(samples, faces.load_tfd("valid", f, path=path),
                                faces.load_tfd("test", f, path=path), sigmas, n_valid=None)
                for f in range(5)]
    means = np.array([r.mean for r in per_fold])
    assert [f["sigma"] for f in res.folds] == [r.sigma for r in per_fold]
    assert [f["n_valid"] for f in res.folds] == [10] * 5          # the whole valid set
    assert res.mean == pytest.approx(means.mean())
    assert res.se == pytest.approx(means.std(ddof=1) / math.sqrt(5))
    assert len(set(np.round(means, 6))) > 1                       # folds really differ
    assert "over 5 folds" in str(res)


# --- FER-2013 -------------------------------------------------------------------------------

@needs_fer
def test_fer2013_splits_counts_and_scaling(monkeypatch):
    monkeypatch.setenv("GANBOOK_DATA", str(REAL_DATA))
    train, valid, test = faces.splits("faces")
    assert [len(train), len(valid), len(test)] == [28709, 3589, 3589]
    for x in (train, valid, test):
        assert x.dtype == np.float32 and x.shape[1] == 2304 and x.min() == 0 and x.max() == 1
    _, y = faces.load_fer2013("Training", with_labels=True)
    assert np.bincount(y).tolist() == [3995, 436, 4097, 7215, 4830, 3171, 4965]   # README
    _, y = faces.load_fer2013("PublicTest", with_labels=True)
    assert len(set(y[:1000])) == 7                   # shuffled: a prefix has every expression
    _, y = faces.load_fer2013("PublicTest", with_labels=True, shuffle=False)
    assert set(y[:1000]) == {0, 1, 2}                # the file: sorted by expression name


def test_fer2013_missing_or_damaged_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(DataError, match=r"FER-2013 not found.*GANBOOK_DATA.*never redistributes"):
        faces.load_fer2013()
    fake = tmp_path / "data" / "faces" / "fer2013" / faces.FER2013_FILE
    fake.parent.mkdir(parents=True)
    np.savez(fake, images=np.zeros((3, 48, 48), np.uint8))
    with pytest.raises(DataError, match="wrong SHA256"):
        faces.load_fer2013()
    with pytest.raises(ValueError, match="unknown FER-2013 split 'test'"):
        faces.load_fer2013("test")


# --- nets, experiments, CLI, Table 1 --------------------------------------------------------

def test_tfd_G_is_the_authors_generator_shape():
    mean = torch.full((30,), 0.25)
    G = nets.tfd_G(d_data=30, d_z=5, hidden=40, p_data_mean=mean, sparse=7)
    kinds = [type(m).__name__ for m in G.net]
    assert kinds == ["Linear", "ReLU", "Linear", "Sigmoid", "Linear", "Sigmoid"]
    assert torch.all(G.net[2].bias == -2.0)
    assert ((G.net[4].weight != 0).sum(1) == 7).all()           # sparse_init: 7 inputs per unit
    assert torch.allclose(G.net[4].bias, torch.logit(mean))
    assert G(torch.zeros(3, 5)).shape == (3, 30)
    he = nets.tfd_G(d_data=300, d_z=100, hidden=400, init="he")
    assert he.net[0].weight.std().item() == pytest.approx(math.sqrt(2 / 100), rel=0.05)
    assert he.net[2].weight.std().item() == pytest.approx(math.sqrt(2 / 400), rel=0.05)
    assert he.net[4].weight.abs().max() <= 0.05 and torch.all(he.net[2].bias == -2.0)
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        nets.tfd_G(init="xavier")


def tiny_faces(n=(300, 120, 80), d=2304, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(rng.random((k, d), dtype=np.float32) for k in n)


@pytest.fixture
def small_archs(monkeypatch):
    monkeypatch.setitem(E.FACE_ARCHS, "scaled", {"G_hidden": 32, "D_units": 16})
    monkeypatch.setitem(E.FACE_ARCHS, "wide", {"G_hidden": 48, "D_units": 24})


@pytest.fixture
def tiny_data(use_splits):
    use_splits(tiny_faces())


def test_build_faces_uses_the_face_nets_and_tfd_recipe(small_archs):
    T = E.build("faces", splits=tiny_faces())
    assert T.recipe.lr_D == T.recipe.lr_G == 0.05
    assert T.G.net[0].out_features == 32 and T.G.net[4].out_features == 2304
    assert T.D.net[1].units == 16 and T.D.net[1].pieces == 5
    assert E.build("faces", splits=tiny_faces(), arch="wide", lr_G=0.01).recipe.lr_G == 0.01
    with pytest.raises(ValueError, match=r"unknown arch 'huge' for faces; use one of \('scaled', 'paper', 'wide', 'dcgan', 'dcgan-nobn', 'dcgan-critic'\)"):
        E.build("faces", splits=tiny_faces(), arch="huge")
    with pytest.raises(ValueError, match=r"unknown arch 'scaled' for mnist; use one of \('paper', 'dcgan', 'dcgan-nobn', 'dcgan-critic'\)"):
        E.build("mnist", splits=tiny_faces(d=784), arch="scaled")


def test_paper_arch_is_the_authors_tfd_nets():
    assert E.FACE_ARCHS["paper"] == {"G_hidden": 8000, "D_units": 1200}


def test_cli_faces_train_resume_parzen_baselines_table1(small_archs, tiny_data, tmp_path, capsys):
    run = tmp_path / "faces"
    main(["train", "faces", "--out", str(run), "--iterations", "3", "--arch", "wide"])
    assert json.loads((run / "config.json").read_text())["spec"]["arch"] == "wide"
    main(["train", "faces", "--out", str(run), "--iterations", "2", "--resume"])   # arch from config
    assert "resumed" in capsys.readouterr().out
    main(["parzen", str(run), "--samples", "200"])       # G of the best validation epoch
    assert json.loads((run / "parzen.json").read_text())["iteration"] == 3
    main(["parzen", str(run), "--samples", "200", "--checkpoint", "last"])
    r = json.loads((run / "parzen.json").read_text())
    assert r["dataset"] == "faces" and r["label"] == faces.FER2013_LABEL and r["iteration"] == 5
    assert r["n_valid"] == 120                     # sigma on the whole PublicTest, as TFD's valid
    b = tmp_path / "b.json"
    main(["baselines", "faces", "--k", "50", "--out", str(b)])
    assert {row["dataset"] for row in json.loads(b.read_text()).values()} == {"faces"}
    capsys.readouterr()
    main(["table1", str(tmp_path / "mnist"), str(run), "--baselines", str(b)])
    out = capsys.readouterr().out.splitlines()
    ours = next(line for line in out if "ours (faces)" in line)
    cell = f"{r['mean']:.0f} ± {r['se']:.0f}"
    mnist_col, tfd_col = ours[42:56], ours[56:70]
    assert mnist_col.strip() == "" and tfd_col.strip() == cell
    assert "FER-2013, not TFD — not comparable to 2057 ± 26" in ours
    assert sum("measured baseline on FER-2013, not TFD" in line for line in out) == 2
    assert any("ours (" in line and "not run" in line[42:56] for line in out)   # mnist: MNIST column


def test_cli_arch_for_mnist_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="unknown arch 'scaled' for mnist"):
        main(["train", "mnist", "--out", str(tmp_path / "r"), "--arch", "scaled", "--iterations", "1"])


def test_cli_faces_without_data_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="FER-2013 not found"):
        main(["train", "faces", "--out", str(tmp_path / "r"), "--iterations", "1"])
    with pytest.raises(SystemExit, match="TFD not found"):
        main(["train", "tfd", "--out", str(tmp_path / "t"), "--iterations", "1"])


def test_tfd_run_is_evaluated_over_five_folds(tmp_path, monkeypatch, small_archs):
    v = tfd_variables(n_unlabeled=150, n_labeled=60)
    monkeypatch.setenv("GANBOOK_TFD", str(write_mat(tmp_path / "TFD_48x48.mat", v)))
    train, valid, test = E.load_splits("tfd")
    assert (len(train), len(valid), len(test)) == (150, 20, 20)
    run = tmp_path / "tfd"
    T = E.build("tfd", out=run, m=50)
    T.train(iterations=2, progress=False)
    res = E.parzen_run(run, n_samples=100)
    r = json.loads((run / "parzen.json").read_text())
    assert len(r["folds"]) == 5 and r["mean"] == pytest.approx(res.mean)
    assert r["label"].startswith("TFD")
    text = E.table1([run], baselines=[])
    line = next(x for x in text.splitlines() if "ours (tfd)" in x)
    assert line[56:70].strip() == f"{res.mean:.0f} ± {res.se:.0f}" and "sigma per fold" in line
