"""ganbook.chapters.book_table: the book's one table reads every cell from a record, and counts
parameters by the architecture a record names."""
import json

import pytest

from ganbook.chapters import book_table as B


def test_parameters_of_the_papers_nets_by_hand():
    paper = {"spec": {"arch": "paper"}, "model": {"model": "gan"}}
    G = (100 * 1200 + 1200) + (1200 * 1200 + 1200) + (1200 * 784 + 784)
    D = (784 * 1200 + 1200) + (240 * 1200 + 1200) + (240 + 1)       # maxout: 240 units x 5 pieces
    assert B.parameters(paper) == G + D == 3_735_425
    vae = {"spec": {"d_z": 20, "hidden": 500}, "model": {"model": "vae"}}
    assert B.parameters(vae) == (784 * 500 + 500) + (500 * 40 + 40) + (20 * 500 + 500) + (500 * 784 + 784)
    nobn = B.parameters({"spec": {"arch": "dcgan-critic"}, "model": {"model": "gan"}})
    assert nobn < B.parameters({"spec": {"arch": "dcgan"}, "model": {"model": "gan"}})  # D's BN scales gone
    with pytest.raises(ValueError, match="no parameter count"):
        B.parameters({"spec": {"arch": "scaled"}, "model": {"model": "gan"}})


def _write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def test_rows_are_read_from_the_records(tmp_path):
    w, r = tmp_path / "weights", tmp_path / "runs"
    _write(w / "mnist-wgan.json", {"spec": {"arch": "paper"}, "model": {"model": "gan"},
                                   "run": "runs/mnist-wgan", "label": "WGAN (MLP)",
                                   "train_minutes": 28.4, "epoch": 40.0})
    _write(r / "mnist-wgan" / "parzen.json", {"mean": 123.4, "se": 2.1})
    (r / "mnist-wgan" / "metrics.csv").write_text("iteration,epoch,wall,W\n100,1.0,60.0,0.5\n200,2.0,1800.0,0.4\n")
    _write(r / "evaluation-mnist.json", {"rows": {"WGAN (MLP)": {
        "IS": 7.5, "FD": 30.25, "precision": 0.5, "recall": 0.75, "coverage": 0.4}}})
    for seed, modes in ((0, 25), (1, 23)):
        _write(r / "mixtures" / "grid" / "wgan" / f"seed{seed}" / "result.json",
               {"mixture": "grid", "variant": "wgan", "seed": seed, "iterations": 10, "train_minutes": 1.0,
                "final": {"modes": modes, "high_quality": 0.5, "reverse_kl": 0.1}})
    rows = B.rows(w, r)
    assert [row["model"] for row in rows] == ["WGAN, MLP"]          # the others ship no weights here
    row = rows[0]
    assert row["parzen"] == (123.4, 2.1) and row["run_minutes"] == 30.0 and row["minutes_to_G"] == 28.4
    assert (row["IS"], row["FD"], row["recall"]) == (7.5, 30.25, 0.75)
    assert row["grid_modes"] == (24.0, 1.0) and row["grid_seeds"] == 2 and row["grid_high_quality"][0] == 50.0
    md = B.markdown(rows)
    assert "| WGAN, MLP | 3,735,425 | 28 / 30 | 40 | 123.4 ± 2.1 | 7.50 | 30.2 |" in md
    assert "24.0 ± 1.0 (wgan, 2 seeds) | 50.0" in md
    (r / "mixtures" / "grid" / "wgan" / "seed0" / "result.json").unlink()
    (r / "mixtures" / "grid" / "wgan" / "seed1" / "result.json").unlink()
    assert "| not run (wgan) |  |" in B.markdown(B.rows(w, r))
