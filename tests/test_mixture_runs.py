"""ganbook.chapters.mixture_runs: a run writes what it measured (and the samples behind its
pictures), finished runs are skipped, and the table is mean ± standard error over seeds."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbook.chapters import mixture_runs as R
from ganbook.chapters import mixtures as M
from ganbook.cli.main import main
from ganbook.base.files import sha256
from ganbook.measures.modes import of_mixture

SMALL = dict(hidden_G=16, hidden_D=16)


def test_run_records_checks_and_samples(tmp_path):
    r = R.run("ring", "gan", 0, 40, out=tmp_path, n=300, **SMALL)
    f = tmp_path / "ring" / "gan" / "seed0"
    assert json.loads((f / "result.json").read_text()) == r
    assert [c["iteration"] for c in r["checks"]] == list(range(4, 41, 4))      # CHECKS = 10
    assert r["final"] == r["checks"][-1] and r["iterations"] == 40
    assert r["spec"]["hidden_G"] == 16 and r["recipe"]["seed"] == 0
    kept = np.load(f / "samples.npz")
    assert sorted(kept.files, key=lambda k: int(k[2:])) == [f"it{i}" for i in range(4, 41, 4)]
    assert kept["it40"].shape == (R.KEEP, 2)
    again = R.run("ring", "gan", 0, 40, out=tmp_path / "again", n=300, **SMALL)
    assert again["checks"] == r["checks"]                   # a seed fixes a run


def test_summary_is_mean_and_standard_error_over_seeds(tmp_path):
    said = []
    R.run_many(["ring"], ["gan"], [0, 1, 2], 20, out=tmp_path, say=said.append, **SMALL)
    assert len(said) == 3
    R.run_many(["ring"], ["gan"], [0, 1, 2], 20, out=tmp_path, say=said.append, **SMALL)
    assert len(said) == 3                                    # all done: nothing re-run
    # overwrite the finals with known values: modes 8, 6, 7; high quality 1.0, 0.5, 0.75
    for s, (m, hq) in enumerate([(8, 1.0), (6, 0.5), (7, 0.75)]):
        p = tmp_path / "ring" / "gan" / f"seed{s}" / "result.json"
        r = json.loads(p.read_text())
        r["final"] |= {"modes": m, "high_quality": hq, "reverse_kl": 0.1 * s}
        p.write_text(json.dumps(r))
    t = R.summary(tmp_path)[("ring", "gan")]
    assert t["runs"] == 3 and t["modes"] == pytest.approx((7.0, 1 / math.sqrt(3)))
    assert t["high_quality"] == pytest.approx((75.0, 25 / math.sqrt(3)))
    assert t["reverse_kl"][0] == pytest.approx(0.1) and not t["all_modes"] and t["min_high_quality"] == 50
    text = R.table(R.summary(tmp_path))
    assert "| ring | gan | 20 | 3 | 7.0 ± 0.6 | 75.0 ± 14.4 | 0.10 ± 0.06 | no |" in text
    assert "| ring | GAN (PacGAN's Table 1) | | 10 (cited) | 6.3 ± 0.5 | 98.2 |" in text


def test_summary_puts_a_filtered_row_after_its_variant(tmp_path):
    base = json.loads(json.dumps({"mixture": "grid", "iterations": 10, "train_minutes": 1.0,
                                  "final": {"modes": 25, "high_quality": 0.9, "reverse_kl": 0.0}}))
    for v in ("saturating", "gan+rejection", "gan", "gan+fourier_rejection", "clustered_z", "zz"):
        f = tmp_path / "grid" / v / "seed0"
        f.mkdir(parents=True)
        (f / "result.json").write_text(json.dumps({**base, "variant": v}))
    assert [v for _, v in R.summary(tmp_path)] == [
        "gan", "gan+fourier_rejection", "gan+rejection", "saturating", "clustered_z", "zz"]


def test_cli_refuses_unknown_names(capsys):
    with pytest.raises(SystemExit, match="unknown"):
        main(["mixtures", "spiral", "--variants", "gan"])


def test_cli_runs_and_records_the_net_sizes(tmp_path, capsys):
    main(["mixtures", "ring", "--variants", "gan", "--seeds", "0", "--iterations", "10",
          "--hidden-G", "8", "--hidden-D", "8", "--out", str(tmp_path)])
    r = json.loads((tmp_path / "ring" / "gan" / "seed0" / "result.json").read_text())
    assert (r["spec"]["hidden_G"], r["spec"]["hidden_D"], r["iterations"]) == (8, 8, 10)
    assert "| ring | gan | 10 | 1 |" in capsys.readouterr().out


def test_budget_table_reads_the_last_check_of_each_run(tmp_path):
    cfg = lambda sweep, name, seed, **b: dict(sweep=sweep, name=name, mixture="grid", variant="gan",
                                              seed=seed, iterations=100, build=dict(hidden_G=8, hidden_D=8, **b))
    chk = lambda sweep, name, seed, it, modes, hq: dict(sweep=sweep, name=name, mixture="grid", seed=seed,
                                                         it=it, modes=modes, hq=hq)
    rec = {"configs": [cfg(1, "a", 0), cfg(1, "a", 1), cfg(2, "b", 0), cfg(2, "slow", 0, lr_decay=10 ** 0.01),
                       dict(cfg(1, "ring", 0), mixture="ring")],
           "checks": [chk(1, "a", 0, 50, 20, 10.0), chk(1, "a", 0, 100, 25, 40.0), chk(1, "a", 1, 100, 24, 30.0),
                      chk(2, "b", 0, 100, 25, 40.0),          # the same setting and seed again
                      chk(2, "slow", 0, 50, 22, 55.5), chk(1, "ring", 0, 100, 8, 99.0)]}
    (tmp_path / "s.json").write_text(json.dumps(rec))
    lines = R.budget_table(tmp_path / "s.json").splitlines()
    assert lines[2] == "| gan, nets 8/8, lr falls 10x over 100 iterations | 50 | 0: 22 / 55.5 |"   # best first
    assert lines[3] == "| gan, nets 8/8 | 100 | 0: 25 / 40.0; 1: 24 / 30.0 |" and len(lines) == 4
    rec = {"configs": [cfg(1, "p", 0, prior="clusters", clusters=100, spread=0.03, d_z=8, norm="layer"),
                       cfg(1, "floor", 0, lr_decay=10 ** 0.02, lr_min=1e-5)],      # 100x, floored at 10x
           "checks": [chk(1, "p", 0, 100, 25, 95.0), chk(1, "floor", 0, 100, 25, 90.0)]}
    (tmp_path / "p.json").write_text(json.dumps(rec))
    assert R.budget_table(tmp_path / "p.json").splitlines()[2] == (
        "| gan, nets 8/8, norm layer, z in 100 clusters (s 0.03) in R^8 | 100 | 0: 25 / 95.0 |")
    assert R.budget_table(tmp_path / "p.json").splitlines()[3] == (
        "| gan, nets 8/8, lr falls 10x over 50 iterations | 100 | 0: 25 / 90.0 |")


def test_a_broken_run_resumes_from_its_checkpoint_to_the_unbroken_result(tmp_path, monkeypatch):
    whole = R.run("grid", "gan", 0, 40, out=tmp_path / "whole", n=300, **SMALL)
    calls, evaluate = [], M.evaluate

    def breaks_at_the_fifth_check(T, n):
        calls.append(T.iteration)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return evaluate(T, n)
    monkeypatch.setattr(R.M, "evaluate", breaks_at_the_fifth_check)
    with pytest.raises(KeyboardInterrupt):
        R.run("grid", "gan", 0, 40, out=tmp_path / "broken", n=300, **SMALL)
    monkeypatch.setattr(R.M, "evaluate", evaluate)
    f = tmp_path / "broken" / "grid" / "gan" / "seed0"
    assert sorted(p.name for p in f.iterdir()) == ["checkpoint.pt"]       # no result yet
    with pytest.raises(ValueError, match="not 80.*--iterations 40"):      # another budget: refused
        R.run("grid", "gan", 0, 80, out=tmp_path / "broken", n=300, **SMALL)
    resumed = R.run("grid", "gan", 0, 40, out=tmp_path / "broken", n=300, **SMALL)
    assert resumed["checks"] == whole["checks"]
    assert sorted(p.name for p in f.iterdir()) == ["result.json", "samples.npz"]   # checkpoint gone
    kept_w, kept_r = np.load(tmp_path / "whole/grid/gan/seed0/samples.npz"), np.load(f / "samples.npz")
    assert all(np.array_equal(kept_w[k], kept_r[k]) for k in kept_w.files)


def test_load_model_gives_back_the_final_nets(tmp_path):
    r = R.run("ring", "gan", 1, 20, out=tmp_path, n=300, keep_weights=True, **SMALL)
    T = R.load_model(tmp_path / "ring/gan/seed1")
    again = M.evaluate(T, 300)
    assert {k: again[k] for k in ("modes", "high_quality")} == {k: r["final"][k] for k in ("modes", "high_quality")}
    assert json.loads(json.dumps(T.recipe.to_dict())) == r["recipe"] and T.run.spec == r["spec"]
    R.run("ring", "gan", 2, 20, out=tmp_path, n=300, **SMALL)
    with pytest.raises(FileNotFoundError, match="--keep-weights"):
        R.load_model(tmp_path / "ring/gan/seed2")
    f = tmp_path / "ring/gan/seed1"
    assert json.loads((f / "result.json").read_text())["sha256"] == sha256(f / "model.safetensors")
    data = bytearray((f / "model.safetensors").read_bytes())
    data[-1] ^= 1                                   # one bit of the last tensor flipped
    (f / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="model.safetensors: SHA256 .* recorded in result.json.*restore it"):
        R.load_model(f)
    r = json.loads((f / "result.json").read_text())
    del r["sha256"]
    (f / "result.json").write_text(json.dumps(r))
    with pytest.raises(ValueError, match="result.json records no SHA256 of model.safetensors"):
        R.load_model(f)


def test_every_shipped_run_s_nets_match_their_checksum():
    shipped = sorted((Path(__file__).parent.parent / "runs").glob("mixtures/*/*/seed*/model.safetensors"))
    assert len(shipped) >= 25                       # grid gan, gan+rejection, clustered_z, ... kept nets
    for f in shipped:
        assert sha256(f) == json.loads((f.parent / "result.json").read_text())["sha256"], f
    assert not list((Path(__file__).parent.parent / "runs").glob("mixtures*/*/*/seed*/model.sha256"))


def test_minibatch_effect_is_nil_without_batch_norm_and_not_with_it(tmp_path):
    for variant, norm in (("gan", "batch"), ("gan", "layer")):
        R.run("grid", variant, 0, 30, out=tmp_path / norm, n=300, keep_weights=True, norm=norm, **SMALL)
    bn = R.minibatch_effect(tmp_path / "batch/grid/gan/seed0", m=10, n=200)
    ln = R.minibatch_effect(tmp_path / "layer/grid/gan/seed0", m=10, n=200)
    mh = lambda r: (r["modes"], r["high_quality"])         # (the reverse KL is nan with no good sample)
    assert mh(ln["eval"]) == mh(ln["train, m = 10"])
    T = R.load_model(tmp_path / "batch/grid/gan/seed0")
    z = T.p_z(200, torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert mh(bn["eval"]) == mh(of_mixture(T.G(z), T.run.p_data))
        T.G.train()
        x = torch.cat([T.G(z[i:i + 10]) for i in range(0, 200, 10)])
        assert not torch.allclose(x, T.G(z))                 # batch statistics: the minibatch matters
    assert mh(bn["train, m = 10"]) == mh(of_mixture(x, T.run.p_data))
