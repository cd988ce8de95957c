"""ganbook.chapters.scoreboard: the evaluation chapter's sources, scores and table; the evaluate CLI."""
import json

import numpy as np
import pytest
import torch

from ganbook.chapters import classifier as C
from ganbook.chapters import scoreboard
from ganbook.store import weights
from ganbook.cli.main import main
from test_classifier import separable


@pytest.fixture(scope="module")
def clf():
    T = C.train(out=None, epochs=3, splits=(separable(600, 0), separable(200, 1)), progress=False,
                shift=0, lr=3e-3, m=50)
    return T


def test_baseline_sources():
    train = np.random.default_rng(0).random((100, 784), dtype=np.float32)
    src = scoreboard.baseline_sources(train, n=30, draws=3, kmeans_iterations=2)
    real, draws = src["real training images"]
    assert draws == 3
    blocks = [real(i) for i in range(3)]
    assert all(len(b) == 30 for b in blocks) and np.array_equal(blocks[0], train[-30:])
    assert not set(map(bytes, blocks[0])) & set(map(bytes, blocks[1]))      # disjoint draws
    mean, one = src["mean training image, repeated"]
    assert one == 1 and np.allclose(mean(0), train.mean(0)) and len(mean(0)) == 30
    noise, _ = src["pixel-wise Gaussian noise"]
    assert noise(0).min() >= 0 and noise(0).max() <= 1 and not np.array_equal(noise(0), noise(1))
    centres, one = src["k-means centroids (k = 30)"]
    assert one == 1 and centres(0).shape == (30, 784) and centres(0) is centres(1)  # computed once
    with pytest.raises(ValueError, match="need 120 training images"):
        scoreboard.baseline_sources(train, n=40, draws=3)


def test_score_ranks_real_above_collapse_and_table(clf):
    real_like = separable(300, 7)[0]
    test, valid = separable(300, 3)[0], separable(100, 4)[0]
    good = scoreboard.score((lambda i: separable(300, 20 + i)[0], 2), test, valid, clf.model)
    one = scoreboard.score((lambda i: real_like[:1].repeat(300, 0), 1), test, valid, clf.model)
    assert good["draws"] == 2 and one["draws"] == 1 and one["parzen_sd"] == 0.0
    assert good["FD"] < one["FD"] and good["recall"] > one["recall"] and one["classes_covered"] == 1
    assert good["parzen"] > one["parzen"] and np.isfinite(good["parzen_se"])
    text = scoreboard.table({"good": good, "collapsed": one})
    lines = text.splitlines()
    assert lines[0].startswith("| samples | IS | FD |") and len(lines) == 4
    assert f"{good['FD']:.2f} ± {good['FD_sd']:.2f}" in lines[2]
    assert "±" not in lines[3] and f"{one['parzen']:.0f}" in lines[3]     # one draw: no spread


def _row(fd, n=100, draws=3):
    return {"FD": fd, "n_samples": n, "draws": draws}


def test_merge_record_keeps_other_chapters_rows_and_refuses_another_n(tmp_path):
    path = tmp_path / "evaluation.json"
    scoreboard.merge_record(path, {"real": _row(1.5), "k-means": _row(12.0, draws=1), "GAN": _row(20.0)},
                            n=100, draws=3, chapter="evaluation", minutes=2.0)
    scoreboard.merge_record(path, {"DCGAN": _row(37.0)}, n=100, draws=3, chapter="dcgan")
    r = scoreboard.merge_record(path, {"GAN": _row(18.0), "WGAN": _row(400.0)}, n=100, draws=3,
                                chapter="later")
    assert json.loads(path.read_text()) == r
    assert list(r["rows"]) == ["real", "k-means", "GAN", "DCGAN", "WGAN"]
    assert r["rows"]["GAN"]["FD"] == 18.0 and r["rows"]["DCGAN"]["FD"] == 37.0     # replaced; kept
    assert r["chapters"]["evaluation"] == {"rows": ["real", "k-means", "GAN"], "minutes": 2.0}
    assert r["chapters"]["later"]["rows"] == ["GAN", "WGAN"]
    with pytest.raises(ValueError, match="not 3 of 1000"):           # the record's n
        scoreboard.merge_record(path, {"X": _row(1.0, n=1000)}, n=1000, draws=3, chapter="x")
    with pytest.raises(ValueError, match="not 2 of 100"):            # the record's draws
        scoreboard.merge_record(path, {"X": _row(1.0, draws=2)}, n=100, draws=2, chapter="x")
    with pytest.raises(ValueError, match="row 'X' has 3 draws of 50"):      # a row's own n
        scoreboard.merge_record(path, {"X": _row(1.0, n=50)}, n=100, draws=3, chapter="x")
    with pytest.raises(ValueError, match="row 'X' has 2 draws"):
        scoreboard.merge_record(path, {"X": _row(1.0, draws=2)}, n=100, draws=3, chapter="x")
    assert json.loads(path.read_text()) == r                                # a refusal writes nothing


def test_parzen_vs_n_rises_with_real_samples():
    rng = np.random.default_rng(0)
    centres = rng.random((5, 20), dtype=np.float32)
    pool = centres[rng.integers(0, 5, 2000)] + 0.05 * rng.standard_normal((2000, 20), dtype=np.float32)
    test = centres[rng.integers(0, 5, 200)] + 0.05 * rng.standard_normal((200, 20), dtype=np.float32)
    rows = scoreboard.parzen_vs_n(pool, [10, 100, 2000], test[:100], test[100:])
    assert [r["n"] for r in rows] == [10, 100, 2000]
    assert rows[0]["mean"] < rows[1]["mean"] < rows[2]["mean"]
    with pytest.raises(ValueError, match="more than the 2000 samples"):
        scoreboard.parzen_vs_n(pool, [3000], test, test)


def _tiny_mnist(split, with_labels=False):
    x, y = separable({"train": 300, "valid": 100, "test": 200}[split], {"train": 0, "valid": 1, "test": 2}[split])
    return (x, y) if with_labels else x


def test_evaluate_cli_writes_every_measure(tmp_path, monkeypatch, clf, capsys, use_splits):
    use_splits(tuple(_tiny_mnist(s) for s in ("train", "valid", "test")))
    monkeypatch.setattr("ganbook.data.mnist.load_mnist", _tiny_mnist)
    run = tmp_path / "run"
    main(["train", "mnist", "--out", str(run), "--iterations", "2", "--m", "50", "--quiet"])
    weights.export(clf, tmp_path / "clf")
    main(["evaluate", str(run), "--n", "150", "--draws", "2", "--classifier", str(tmp_path / "clf")])
    r = json.loads((run / "evaluation.json").read_text())
    printed = capsys.readouterr().out
    assert r["draws"] == 2 and r["n_samples"] == 150
    for key, label, _ in scoreboard.COLUMNS:
        assert np.isfinite(r[key]) and key + "_sd" in r
        assert f"{label:<16}{r[key]:10.4f}" in printed
    # the same seeds give the same numbers: a seed fixes an evaluation
    main(["evaluate", str(run), "--n", "150", "--draws", "2", "--classifier", str(tmp_path / "clf")])
    assert json.loads((run / "evaluation.json").read_text()) == r


def test_shipped_generators_lists_gans_not_the_classifier(tmp_path, clf):
    from ganbook.chapters import mnist as E
    T = E.build("fake", seed=0)
    T.train(iterations=1, progress=False)
    weights.export(T, tmp_path / "fake-a", label="a fake GAN")
    weights.export(clf, tmp_path / "fake-classifier")
    assert scoreboard.shipped_generators(tmp_path, "fake") == {"a fake GAN": tmp_path / "fake-a"}
    objective = json.loads((tmp_path / "fake-a.json").read_text())["recipe"]["objective"]
    assert scoreboard.shipped_generators(tmp_path, "fake", objectives=(objective,)) != {}
    assert scoreboard.shipped_generators(tmp_path, "fake", objectives=("wgan",)) == {}
    assert scoreboard.shipped_generators(tmp_path, "fake", archs=("no such arch",)) == {}
    model, _ = weights.load(tmp_path / "fake-a")
    draw, draws = scoreboard.generator_source(model, n=7, draws=2)
    assert draws == 2 and draw(0).shape == (7, 64) and np.array_equal(draw(1), draw(1))
    assert not np.array_equal(draw(0), draw(1))
    assert torch.is_tensor(model.sample(1))


def test_class_histograms_one_titled_panel_per_scored_row(clf):
    import matplotlib
    matplotlib.use("Agg")
    from ganbook.chapters import plots
    test, valid = separable(200, 3)[0], separable(100, 4)[0]
    rows = {"good": scoreboard.score((lambda i: separable(200, 20 + i)[0], 2), test, valid, clf.model),
            "DCGAN": None}
    fig = plots.class_histograms(rows, cols=2)
    shown = [a for a in fig.axes if a.axison]
    assert len(shown) == 1 and shown[0].get_title().startswith("good\n10.0 classes")
    assert shown[0].get_xlabel() and shown[0].get_ylabel() == "share of samples"
