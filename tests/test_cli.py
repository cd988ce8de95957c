"""``python -m ganbook``: clear errors, and train -> parzen -> table1 on the real data."""
import json

import pytest

from fakes import random_splits
from ganbook.cli.main import main

def test_unknown_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="unknown dataset 'cifar'"):
        main(["train", "cifar", "--out", str(tmp_path / "r"), "--iterations", "1"])


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no checkpoint"):
        main(["train", "mnist", "--out", str(tmp_path / "r"), "--resume", "--iterations", "1"])


def test_bad_learning_rate_is_a_clear_error(tmp_path, monkeypatch, use_splits):
    use_splits(random_splits())
    with pytest.raises(SystemExit, match="argument --lr: 0: it must be finite and > 0; e.g. --lr 0.1"):
        main(["train", "mnist", "--out", str(tmp_path / "r"), "--lr", "0", "--iterations", "1"])
    assert not list(tmp_path.iterdir())




def test_train_resume_parzen_table1_end_to_end(tmp_path, monkeypatch, capsys, use_splits):
    # Tiny random "MNIST" so the pipeline is tested without the real files.
    use_splits(random_splits())
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
def test_train_defaults_are_the_books_recipe(tmp_path, monkeypatch, flags, init, update, use_splits):
    use_splits(random_splits())
    main(["train", "mnist", "--out", str(tmp_path / "r"), "--iterations", "1"] + flags)
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())
    assert (cfg["spec"]["G_init"], cfg["recipe"]["update"]) == (init, update)
    assert cfg["spec"]["bias_clip"] == (1e-3 if "--bias-clip" in flags else 1e-7)
    assert cfg["spec"]["noise"] == "uniform"


@pytest.mark.parametrize("flags", [["--lr-G", "0.02"], ["--update", "simultaneous"], ["--seed", "3"],
                                   ["--paper-recipe"], ["--noise", "normal"]])
def test_resume_refuses_recipe_flags_and_keeps_the_record(tmp_path, monkeypatch, flags, use_splits):
    use_splits(random_splits())
    run = tmp_path / "r"
    main(["train", "mnist", "--out", str(run), "--iterations", "2", "--m", "50"])
    before = (run / "config.json").read_text()
    with pytest.raises(SystemExit, match="--resume continues .* with the recipe in its checkpoint"):
        main(["train", "mnist", "--out", str(run), "--iterations", "1", "--resume"] + flags)
    assert (run / "config.json").read_text() == before


def test_config_json_is_the_checkpoints_config(tmp_path, monkeypatch, use_splits):
    from ganbook.core import checkpoint
    use_splits(random_splits())
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


def _tree(root):
    """{relative path: bytes or None (folder)} of everything under ``root``."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("argv, flag, value", [
    (["train", "fake", "--epochs", "-1", "--out", "X"], "--epochs", "-1"),
    (["train", "fake", "--epochs", "0", "--out", "X"], "--epochs", "0"),
    (["train", "fake", "--minutes", "0", "--out", "X"], "--minutes", "0"),
    (["train", "fake", "--iterations", "0", "--out", "X"], "--iterations", "0"),
    (["train", "fake", "--iterations", "1.5", "--out", "X"], "--iterations", "1.5"),
    (["train", "fake", "--k", "0", "--out", "X"], "--k", "0"),
    (["train", "fake", "--m", "-1", "--out", "X"], "--m", "-1"),
    (["train", "fake", "--lr", "nan", "--out", "X"], "--lr", "nan"),
    (["train", "fake", "--lr-D", "inf", "--out", "X"], "--lr-D", "inf"),
    (["train", "fake", "--lr-G", "-0.1", "--out", "X"], "--lr-G", "-0.1"),
    (["train", "fake", "--lr-decay", "0.99", "--out", "X"], "--lr-decay", "0.99"),
    (["train", "fake", "--G-ema", "1", "--out", "X"], "--G-ema", "1"),
    (["train", "fake", "--G-ema", "-0.5", "--out", "X"], "--G-ema", "-0.5"),
    (["train", "fake", "--clip", "0", "--out", "X"], "--clip", "0"),
    (["train", "fake", "--real-label", "0.5", "--out", "X"], "--real-label", "0.5"),
    (["train", "fake", "--bias-clip", "0", "--out", "X"], "--bias-clip", "0"),
    (["train", "fake", "--seed", "-1", "--out", "X"], "--seed", "-1"),
    (["train", "fake", "--parzen-every", "0", "--out", "X"], "--parzen-every", "0"),
    (["train", "fake", "--collapse-every", "0", "--out", "X"], "--collapse-every", "0"),
    (["train", "fake", "--collapse-after", "-3", "--out", "X"], "--collapse-after", "-3"),
    (["train", "fake", "--checkpoint-every", "0", "--out", "X"], "--checkpoint-every", "0"),
    (["sample", "weights/mnist-paper-seed0", "--n", "0"], "--n", "0"),
    (["sample", "weights/mnist-paper-seed0", "--n", "-5"], "--n", "-5"),
    (["evaluate", "weights/mnist-paper-seed0", "--n", "0"], "--n", "0"),
    (["evaluate", "weights/mnist-paper-seed0", "--draws", "0"], "--draws", "0"),
    (["parzen", "X", "--samples", "0"], "--samples", "0"),
    (["parzen", "X", "--z-seed", "-1"], "--z-seed", "-1"),
    (["baselines", "mnist", "--k", "0", "--out", "b.json"], "--k", "0"),
    (["classifier", "--epochs", "-2", "--out", "c"], "--epochs", "-2"),
    (["sweep", "paper", "--seeds", "5-2", "--out", "s"], "--seeds", "5-2"),
    (["sweep", "paper", "--epochs", "0", "--out", "s"], "--epochs", "0"),
    (["mixtures", "ring", "--iterations", "0", "--out", "m"], "--iterations", "0"),
    (["mixtures", "ring", "--hidden-G", "0", "--out", "m"], "--hidden-G", "0"),
    (["mixtures", "ring", "--seeds", "x", "--out", "m"], "--seeds", "x"),
    (["rejection", "R", "--steps", "0"], "--steps", "0"),
    (["rejection", "R", "--m", "0"], "--m", "0"),
    (["rejection", "R", "--lr-D", "0"], "--lr-D", "0"),
    (["rejection", "R", "--ceiling", "0"], "--ceiling", "0"),
])
def test_bad_numbers_are_refused_in_one_line_before_anything_is_written(tmp_path, monkeypatch,
                                                                        argv, flag, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(argv)
    msg = str(e.value.code)
    assert "\n" not in msg and f"argument {flag}: {value}:" in msg and f"e.g. {flag} " in msg, msg
    assert _tree(tmp_path) == {}


def test_out_that_is_a_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "F").write_text("mine")
    for out in ("F", "F/sub"):
        with pytest.raises(SystemExit, match=f"--out {out}: a file, not a folder"):
            main(["train", "fake", "--out", out, "--iterations", "1"])
    assert _tree(tmp_path) == {"F": b"mine"}


def test_out_of_another_run_is_refused_unless_resumed(tmp_path, monkeypatch, use_splits):
    use_splits(random_splits())
    monkeypatch.chdir(tmp_path)
    main(["train", "fake", "--out", "D", "--iterations", "2", "--quiet"])
    (tmp_path / "M").mkdir()                      # a mixtures run folder: no config.json
    (tmp_path / "M" / "result.json").write_text("{}")
    before = _tree(tmp_path)
    for argv, match in [(["mnist", "--out", "D"], "--out D: a run on fake .*, not mnist"),
                        (["mnist", "--out", "D", "--resume"], "--out D: a run on fake .*, not mnist"),
                        (["fake", "--out", "D"], "pass --resume"),
                        (["mnist", "--out", "M"], "--out M: the folder holds files but no config.json"),
                        (["fake", "--out", "M", "--resume"], "--out M: the folder holds files")]:
        with pytest.raises(SystemExit, match=match):
            main(["train", *argv, "--iterations", "1", "--quiet"])
    assert _tree(tmp_path) == before
    main(["train", "fake", "--out", "D", "--iterations", "1", "--quiet", "--resume"])   # its own run
    assert json.loads((tmp_path / "D" / "config.json").read_text())["spec"]["dataset"] == "fake"


def test_resume_past_its_epochs_writes_nothing(tmp_path, capsys):
    run = tmp_path / "r"
    main(["train", "fake", "--out", str(run), "--iterations", "10", "--m", "50", "--quiet"])
    before = _tree(tmp_path)
    main(["train", "fake", "--out", str(run), "--epochs", "1", "--resume", "--quiet"])
    assert "nothing to train" in capsys.readouterr().out and _tree(tmp_path) == before


def test_log_settings_are_saved_kept_on_resume_and_changes_refused(tmp_path, monkeypatch):
    from ganbook.core import checkpoint
    from ganbook.core.train import Trainer
    seen = []
    train = Trainer.train
    def spy(self, *a, **k):                       # config.json as the loop starts
        seen.append(json.loads((self.out / "config.json").read_text()))
        return train(self, *a, **k)
    monkeypatch.setattr(Trainer, "train", spy)
    run = tmp_path / "r"
    main(["train", "fake", "--out", str(run), "--iterations", "12", "--m", "50", "--quiet",
          "--parzen-every", "2", "--collapse-every", "5", "--collapse-after", "0", "--stop-on-collapse"])
    log = {"parzen_every": 2, "collapse_every": 5, "collapse_after": 0, "stop_on_collapse": True}
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["log"] == log and seen[0] == cfg
    assert json.loads(json.dumps(checkpoint.load(run / "checkpoint.pt")["config"])) == cfg
    before = _tree(tmp_path)
    for flags in (["--parzen-every", "1"], ["--collapse-every", "250"], ["--collapse-after", "3"]):
        with pytest.raises(SystemExit, match=f"{flags[0]} {flags[1]} would change how its metrics.csv"):
            main(["train", "fake", "--out", str(run), "--iterations", "1", "--resume"] + flags)
    assert _tree(tmp_path) == before
    main(["train", "fake", "--out", str(run), "--iterations", "3", "--resume", "--quiet",
          "--parzen-every", "2"])                 # the same value: fine
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["log"] == log == seen[1]["log"]
    assert json.loads(json.dumps(checkpoint.load(run / "checkpoint.pt")["config"])) == cfg


def test_the_average_of_G_gets_its_own_table1_row(tmp_path, capsys, use_splits):
    use_splits(random_splits())
    run = tmp_path / "mnist-x"
    main(["train", "mnist", "--out", str(run), "--iterations", "9", "--G-ema", "0.9", "--noise", "normal",
          "--lr-decay", "1.0001", "--quiet"])
    main(["parzen", str(run), "--samples", "300"])
    main(["parzen", str(run), "--samples", "300", "--checkpoint", "best-avg"])
    rec = json.loads((run / "parzen-avg.json").read_text())
    assert rec["checkpoint"].endswith("running average of G")
    capsys.readouterr()
    main(["table1", str(run), "--baselines"])
    out = capsys.readouterr().out
    assert "z ~ N(0, I); lr annealed to 1e-06 by epoch" in out
    assert "the same run's average of G" in out.splitlines()[-1]
    # an independent re-measurement: fresh z, its own record, the protocol's record untouched
    main(["parzen", str(run), "--samples", "300", "--checkpoint", "best-avg", "--z-seed", "7"])
    again = json.loads((run / "parzen-avg-z7.json").read_text())
    assert json.loads((run / "parzen-avg.json").read_text()) == rec and rec["z_seed"] == 1234
    assert again["z_seed"] == 7 and again["iteration"] == rec["iteration"] and again["mean"] != rec["mean"]
    plain = tmp_path / "mnist-plain"
    main(["train", "mnist", "--out", str(plain), "--iterations", "3", "--quiet"])
    with pytest.raises(SystemExit, match="kept no average of G"):
        main(["parzen", str(plain), "--samples", "300", "--checkpoint", "best-avg"])


def test_table1_keeps_its_columns_for_a_long_run_name(tmp_path):
    from ganbook.chapters import mnist as E
    run = tmp_path / "mnist-paper-normal-seed0-with-a-long-name"
    run.mkdir()
    (run / "parzen.json").write_text(json.dumps({"mean": 186.66, "se": 2.33, "sigma": 0.1668, "epoch": 231.0,
                                                 "train_minutes": 227.0, "dataset": "mnist"}))
    rows = E.table1([run], baselines=[]).splitlines()[1:]
    end = rows[0].index("MNIST") + len("MNIST")              # the MNIST column's right edge
    assert rows[5][:end].endswith("225 ± 2") and rows[-1][:end].endswith("187 ± 2")
    assert rows[-1].startswith(f"Adversarial nets, ours ({run.name})")
