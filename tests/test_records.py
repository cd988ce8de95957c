"""ganbook.store.records: metrics.csv round-trips, per-epoch means, and a replay that finds a run
equal to its record, and finds the first difference once the record is changed."""
import pytest

from ganbook.store import records
from ganbook.core.checkpoint import write_metrics
from ganbook.cli.main import main


def test_metrics_round_trip_and_per_epoch(tmp_path):
    rows = [{"iteration": 50, "epoch": 0.5, "loss_D": 0.1}, {"iteration": 100, "epoch": 1.0, "loss_D": 0.3},
            {"iteration": 100, "epoch": 1.0, "valid_parzen": -5.25},
            {"iteration": 150, "epoch": 1.5, "loss_D": 1 / 3}]
    write_metrics(tmp_path, rows)
    back = records.read_metrics(tmp_path)
    assert back == [{k: float(v) for k, v in r.items()} for r in rows]     # floats exact
    e, m = records.per_epoch(back, "loss_D")
    assert list(e) == [1, 2] and m == pytest.approx([0.2, 1 / 3])
    e, m = records.per_epoch(back, "valid_parzen")
    assert list(e) == [1] and m[0] == -5.25
    assert records.per_epoch(back, "absent")[0].size == 0


def test_replay_reproduces_a_run_and_catches_a_changed_record(tmp_path):
    run = tmp_path / "run"
    main(["train", "fake", "--out", str(run), "--iterations", "30", "--m", "20", "--quiet",
          "--collapse-every", "10"])
    from ganbook.chapters import mnist as E
    r = E.replay(run, 30, splits=E.fake_splits(), collapse_every=10)
    assert r["equal"] and r["rows"] == 4, r      # 10, 20, 24 (epoch 1: valid Parzen), 30
    assert r["equal_rows"] == 4
    lines = (run / "metrics.csv").read_text().splitlines()
    head = lines[0].split(",")
    cells = lines[2].split(",")                      # the row of iteration 20
    i = head.index("loss_G")
    cells[i] = repr(float(cells[i]) + 1e-12)
    lines[2] = ",".join(cells)
    (run / "metrics.csv").write_text("\n".join(lines) + "\n")
    r = E.replay(run, 30, splits=E.fake_splits(), collapse_every=10)
    first = r["first_difference"]
    assert not r["equal"] and (first["iteration"], first["fields"]) == (20.0, ["loss_G"])
    assert 0 < first["relative"] < 1e-10 and r["equal_rows"] == 1     # one cell, altered by 1e-12


def _replay_equal(run, iterations, **log):
    from ganbook.chapters import mnist as E
    r = E.replay(run, iterations, splits=E.fake_splits(), **log)
    assert r["equal"], r
    return records.read_metrics(run)


def test_replay_of_a_vae_run_equals_its_record(tmp_path):
    run = tmp_path / "vae"
    main(["train", "fake", "--model", "vae", "--out", str(run), "--iterations", "110", "--m", "50",
          "--quiet", "--parzen-every", "4"])
    rows = _replay_equal(run, 110)
    assert any("elbo" in r for r in rows) and any("valid_elbo" in r for r in rows)
    assert not any("G_sd" in r for r in rows)            # no collapse detector for a VAE


def test_replay_of_a_wgan_run_equals_its_record(tmp_path):
    run = tmp_path / "wgan"
    main(["train", "fake", "--objective", "wgan", "--out", str(run), "--iterations", "12", "--quiet",
          "--parzen-every", "4"])                          # k = 5, m = 64: about an epoch a step
    rows = _replay_equal(run, 12)
    assert any("loss_D" in r for r in rows) and any("valid_W" in r for r in rows)
    assert not any("G_sd" in r for r in rows)            # the collapse detector is minimax's


def test_replay_follows_the_runs_log_settings(tmp_path):
    from ganbook.chapters import mnist as E
    run = tmp_path / "run"
    main(["train", "fake", "--out", str(run), "--iterations", "40", "--m", "50", "--quiet",
          "--parzen-every", "2", "--collapse-every", "10"])
    rows = _replay_equal(run, 40)
    assert [r["iteration"] for r in rows if "G_sd" in r] == [10, 20, 30, 40]
    assert [int(r["epoch"]) for r in rows if "valid_parzen" in r] == [2, 4]
    r = E.replay(run, 40, splits=E.fake_splits(), parzen_every=1)
    assert not r["equal"]                                # the settings shape the record


def test_a_run_without_a_log_section_replays_and_resumes_with_the_old_defaults(tmp_path):
    """Run folders and checkpoints made before config.json had "log" (as run then)."""
    import json
    from ganbook.chapters import mnist as E
    from ganbook.core import checkpoint
    from ganbook.measures.collapse import AFTER, detector
    run = tmp_path / "old"
    T = E.build("fake", out=run, m=5)
    T.train(iterations=260, every=[detector(250, say=lambda *a: None)],
            on_epoch=E.epoch_callbacks(T, parzen_every=1), progress=False)
    assert "log" not in json.loads((run / "config.json").read_text())
    assert "log" not in checkpoint.load(run / "checkpoint.pt")["config"]
    _replay_equal(run, 260)
    main(["train", "fake", "--out", str(run), "--iterations", "10", "--resume", "--quiet"])
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["log"] == {"parzen_every": 1, "collapse_every": 250, "collapse_after": AFTER,
                          "stop_on_collapse": False}
    assert json.loads(json.dumps(checkpoint.load(run / "checkpoint.pt")["config"])) == cfg
    rows = _replay_equal(run, 270)
    assert [r["iteration"] for r in rows if "G_sd" in r] == [250]
