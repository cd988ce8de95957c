"""``python -m ganbook``: clear errors, and train -> parzen -> table1 on the real data."""
import json

import pytest

from ganbook.data import splits as data_splits
from ganbook.cli.main import main

def test_unknown_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="unknown dataset 'cifar'"):
        main(["train", "cifar", "--out", str(tmp_path / "r"), "--iterations", "1"])


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no checkpoint"):
        main(["train", "mnist", "--out", str(tmp_path / "r"), "--resume", "--iterations", "1"])


def test_bad_learning_rate_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(data_splits, "load_splits", lambda name: _tiny_splits())
    with pytest.raises(SystemExit, match="lr_D=0.0"):
        main(["train", "mnist", "--out", str(tmp_path / "r"), "--lr", "0", "--iterations", "1"])


def _tiny_splits():
    import numpy as np
    rng = np.random.default_rng(0)
    return tuple(rng.random((n, 784), dtype=np.float32) for n in (300, 200, 100))


def test_train_resume_parzen_table1_end_to_end(tmp_path, monkeypatch, capsys):
    # Tiny random "MNIST" so the pipeline is tested without the real files.
    monkeypatch.setattr(data_splits, "load_splits", lambda name: _tiny_splits())
    run = tmp_path / "mnist"
    main(["train", "mnist", "--out", str(run), "--iterations", "4", "--m", "50"])
    with pytest.raises(SystemExit, match="pass --resume"):
        main(["train", "mnist", "--out", str(run), "--iterations", "1"])
    main(["train", "mnist", "--out", str(run), "--iterations", "3", "--resume"])
    assert "resumed" in capsys.readouterr().out
    assert sorted(p.name for p in (run / "samples").iterdir())[:1] == ["epoch0001.png"]
    main(["parzen", str(run), "--samples", "500", "--checkpoint", "last"])
    r = json.loads((run / "parzen.json").read_text())
    assert r["iteration"] == 7 and r["n_samples"] == 500 and r["n_test"] == 100
    assert r["checkpoint"] == "last"
    # by default: G at the epoch of the best validation Parzen (here the only whole epoch)
    main(["parzen", str(run), "--samples", "500"])
    r = json.loads((run / "parzen.json").read_text())
    best = json.loads((run / "best-G.json").read_text())
    assert r["checkpoint"] == "best by validation Parzen" and r["iteration"] == 6 == best["iteration"]
    assert r["valid_parzen"] == best["valid_parzen"] and r["last_epoch"] == 7 / 6
    assert r["n_valid"] == 200 and r["sigma"] in r["sigmas"]
    main(["table1", str(run), "--baselines", str(tmp_path / "none.json")])
    out = capsys.readouterr().out
    assert "225 ± 2" in out and "2057 ± 26" in out
    assert f"{r['mean']:.0f} ± {r['se']:.0f}" in out


@pytest.mark.parametrize("flags, init, update", [
    ([], "paper", "simultaneous"),                               # the book's default: mnist.yaml
    (["--paper-recipe"], "paper", "simultaneous"),               # mnist.yaml as is
    (["--update", "alternating"], "paper", "alternating"),       # a flag beats the default
    (["--G-init", "he", "--bias-clip", "1e-3"], "he", "simultaneous"),
])
def test_train_defaults_are_the_books_recipe(tmp_path, monkeypatch, flags, init, update):
    monkeypatch.setattr(data_splits, "load_splits", lambda name: _tiny_splits())
    main(["train", "mnist", "--out", str(tmp_path / "r"), "--iterations", "1"] + flags)
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())
    assert (cfg["spec"]["G_init"], cfg["recipe"]["update"]) == (init, update)
    assert cfg["spec"]["bias_clip"] == (1e-3 if "--bias-clip" in flags else 1e-7)
    assert cfg["spec"]["noise"] == "uniform"


@pytest.mark.parametrize("flags", [["--lr-G", "0.02"], ["--update", "simultaneous"], ["--seed", "3"],
                                   ["--paper-recipe"], ["--noise", "normal"]])
def test_resume_refuses_recipe_flags_and_keeps_the_record(tmp_path, monkeypatch, flags):
    monkeypatch.setattr(data_splits, "load_splits", lambda name: _tiny_splits())
    run = tmp_path / "r"
    main(["train", "mnist", "--out", str(run), "--iterations", "2", "--m", "50"])
    before = (run / "config.json").read_text()
    with pytest.raises(SystemExit, match="--resume continues .* with the recipe in its checkpoint"):
        main(["train", "mnist", "--out", str(run), "--iterations", "1", "--resume"] + flags)
    assert (run / "config.json").read_text() == before


def test_config_json_is_the_checkpoints_config(tmp_path, monkeypatch):
    from ganbook.core import checkpoint
    monkeypatch.setattr(data_splits, "load_splits", lambda name: _tiny_splits())
    run = tmp_path / "r"
    main(["train", "mnist", "--out", str(run), "--iterations", "3", "--m", "50", "--lr-G", "0.05"])
    main(["train", "mnist", "--out", str(run), "--iterations", "3", "--resume"])
    cfg = json.loads((run / "config.json").read_text())
    state = checkpoint.load(run / "checkpoint.pt")
    assert cfg == json.loads(json.dumps(state["config"]))
    assert cfg["recipe"]["lr_G"] == 0.05 and state["counters"]["iteration"] == 6


def test_fake_dataset_trains_without_data_and_samples(tmp_path, capsys):
    run = tmp_path / "f"
    main(["train", "fake", "--out", str(run), "--iterations", "5", "--m", "20", "--quiet"])
    main(["sample", str(run), "--n", "16", "--png", str(tmp_path / "g.png")])
    assert (tmp_path / "g.png").stat().st_size > 0
    assert "16 samples" in capsys.readouterr().out


def test_G_average_is_scored_every_epoch_and_kept_at_its_best(tmp_path):
    run = tmp_path / "r"
    main(["train", "fake", "--out", str(run), "--iterations", "30", "--G-ema", "0.9",
          "--lr-decay", "1.001", "--quiet"])
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["recipe"]["G_ema"] == 0.9 and cfg["recipe"]["lr_decay"] == 1.001
    rows = (run / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    scored = [r.split(",") for r in rows[1:] if r.split(",")[header.index("valid_parzen_avg")]]
    assert len(scored) == 6                                  # 30 minibatches of 100 over 480 examples: 6 epochs
    best = max(float(r[header.index("valid_parzen_avg")]) for r in scored)
    rec = json.loads((run / "best-G-avg.json").read_text())
    assert rec["valid_parzen"] == best and rec["G"].startswith("running average")
    with pytest.raises(SystemExit, match="--G-ema"):
        main(["train", "fake", "--out", str(run), "--resume", "--G-ema", "0.5", "--iterations", "1"])
