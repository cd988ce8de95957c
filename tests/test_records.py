"""ganbook.store.records: metrics.csv round-trips, per-epoch means, and a replay that finds a run
equal to its record, and finds the first difference once the record is changed."""
import numpy as np
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
    lines = (run / "metrics.csv").read_text().splitlines()
    head = lines[0].split(",")
    cells = lines[2].split(",")                      # the row of iteration 20
    i = head.index("loss_G")
    cells[i] = repr(float(cells[i]) + 1e-12)
    lines[2] = ",".join(cells)
    (run / "metrics.csv").write_text("\n".join(lines) + "\n")
    r = E.replay(run, 30, splits=E.fake_splits(), collapse_every=10)
    assert not r["equal"] and r["first_difference"] == {"iteration": 20.0, "fields": ["loss_G"]}
