"""ganbook.store.weights: shipped generators load only when their SHA256 matches, and sample."""
import json

import pytest
import torch

from ganbook.chapters import mnist as E
from ganbook.store import weights
from ganbook.cli.main import main


@pytest.fixture
def exported(tmp_path):
    T = E.build("fake", seed=0)
    T.train(iterations=5, progress=False)
    meta = weights.export(T, tmp_path / "fake-seed0", valid_parzen=1.5)
    return T, meta


def test_export_load_round_trip(exported):
    T, meta = exported
    model, record = weights.load(meta)
    assert record["iteration"] == 5 and record["valid_parzen"] == 1.5
    assert record["spec"]["dataset"] == "fake" and record["recipe"]["seed"] == 0
    for a, b in zip(T.G.parameters(), model.G.parameters()):
        assert torch.equal(a, b)
    g = lambda: torch.Generator().manual_seed(7)
    assert torch.equal(model.sample(10, g()), T.model.sample(10, g()))
    assert meta.with_suffix(".safetensors").stat().st_size < weights.MAX_MB * 2 ** 20


def test_checksum_mismatch_is_a_clear_error(exported):
    _, meta = exported
    f = meta.with_suffix(".safetensors")
    data = bytearray(f.read_bytes())
    data[-10] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="does not match .* recorded in fake-seed0.json"):
        weights.load(meta)
    with pytest.raises(SystemExit, match="does not match"):
        main(["sample", str(meta.with_suffix(""))])


def test_missing_weights_are_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no shipped weights"):
        weights.load(tmp_path / "nothing")


def test_sample_cli_from_shipped_weights(exported, tmp_path, capsys):
    _, meta = exported
    main(["sample", str(meta.with_suffix("")), "--n", "9", "--png", str(tmp_path / "g.png")])
    assert (tmp_path / "g.png").stat().st_size > 0
    assert "9 samples" in capsys.readouterr().out


def test_ship_copies_a_runs_best_G_with_its_record(tmp_path, capsys):
    run = tmp_path / "run"
    main(["train", "fake", "--out", str(run), "--epochs", "3", "--m", "100", "--quiet"])
    main(["ship", str(run), str(tmp_path / "weights" / "fake-seed0")])
    model, record = weights.load(tmp_path / "weights" / "fake-seed0")
    best = json.loads((run / "best-G.json").read_text())
    assert record["valid_parzen"] == best["valid_parzen"] and record["run"] == str(run)
    assert record["sha256"] == best["sha256"] and record["file"] == "fake-seed0.safetensors"
    assert "label" not in record
    main(["ship", str(run), str(tmp_path / "weights" / "fake-named"), "--label", "GAN, fake (seed 0)"])
    assert json.loads((tmp_path / "weights" / "fake-named.json").read_text())["label"] == "GAN, fake (seed 0)"
    from ganbook.chapters import scoreboard
    assert "GAN, fake (seed 0)" in scoreboard.shipped_generators(tmp_path / "weights", dataset="fake")
    (run / "best-G.safetensors").write_bytes(b"broken")
    with pytest.raises(SystemExit, match="does not match"):
        main(["ship", str(run), str(tmp_path / "weights" / "again")])


def test_best_G_of_a_big_model_is_kept_but_not_shipped(tmp_path, monkeypatch):
    """keep_best records G whatever its size (the faces G is over MAX_MB); ship refuses it."""
    from ganbook.chapters import mnist as E
    from ganbook.store import weights
    monkeypatch.setattr(weights, "MAX_MB", 0.001)
    T = E.build("fake", out=tmp_path / "run", seed=0)
    T.train(iterations=2, progress=False, checkpoint=False)
    T.history.append({"valid_parzen": 1.0, "valid_sigma": 0.2})
    E.keep_best(T)
    assert (tmp_path / "run" / "best-G.safetensors").exists()
    with pytest.raises(ValueError, match="over the 0.001 MB a shipped model may"):
        weights.export(T, tmp_path / "w")
    with pytest.raises(ValueError, match="stays in its run folder"):
        weights.ship(tmp_path / "run", tmp_path / "shipped")
    assert not (tmp_path / "shipped.json").exists()


def test_shipped_folder_is_the_repositorys():
    from pathlib import Path
    assert weights.SHIPPED == Path(__file__).resolve().parents[1] / "weights"
    assert (weights.SHIPPED / "mnist-classifier.json").exists()
