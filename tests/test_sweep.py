"""ganbook.chapters.sweep on the synthetic data set: a run's record, the summary and its table."""
import json

from ganbook.chapters import sweep
from ganbook.cli.main import main


def test_sweep_run_records_checks_and_the_summary_applies_the_definition(tmp_path, capsys):
    for v in ("paper", "book"):
        r = sweep.run(v, 0, out=tmp_path, epochs=5, check_every=8, dataset="fake")  # m=100: 4.8 steps an epoch
        assert r["iterations"] == 24 and len(r["checks"]) == 3
        rec = json.loads((tmp_path / v / "seed0" / "result.json").read_text())
        assert rec["build"] == sweep.VARIANTS[v] and rec["dataset"] == "fake"
        assert (tmp_path / v / "seed0" / "samples.png").exists()
    # a record whose last check meets the definition counts as collapsed, whatever it says
    f = tmp_path / "book" / "seed0" / "result.json"
    rec = json.loads(f.read_text())
    rec["collapsed"] = False
    rec["checks"][-1].update(D_G_z_eval=0.01, G_sd=0.01)
    f.write_text(json.dumps(rec))
    s = sweep.summary(tmp_path)
    assert list(s) == ["paper", "book"]
    assert s["book"]["collapsed"] == 1 and s["book"]["rate"] == 1.0
    assert s["book"]["ever"] == 0          # every check of this short run is before collapse.AFTER
    main(["sweep", "--summary", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "book" in out and "100%" in out


def test_paper_variant_is_the_authors_recipe():
    assert sweep.VARIANTS["paper"] == {"G_init": "paper", "update": "simultaneous",
                                       "bias_clip": 1e-7, "noise": "uniform"}
    for name, kw in sweep.VARIANTS.items():   # every variant is one change from its base
        base = sweep.VARIANTS["paper" if name.startswith("paper") else "book"]
        assert len({k for k in set(kw) | set(base) if kw.get(k) != base.get(k)}) <= 1, name


def test_trace_logs_every_step_and_plots(tmp_path):
    import csv
    import matplotlib
    matplotlib.use("Agg")
    from ganbook.chapters import plots
    path = sweep.trace("book", 0, out=tmp_path, iterations=60, dense=20, dataset="fake")
    rows = list(csv.DictReader(open(path)))
    assert [int(r["iteration"]) for r in rows] == list(range(1, 61))
    dense = [int(r["iteration"]) for r in rows if r["preact_max"]]
    assert dense == list(range(1, 21)) + list(range(30, 61, 10))
    assert [int(r["iteration"]) for r in rows if r["G_sd"]] == [50]
    assert all(float(r["grad_G"]) > 0 for r in rows)
    fig = plots.collapse_trace(rows, "book, seed 0")
    assert len(fig.axes) == 4 and all(a.get_xlabel() == "step (iteration)" for a in fig.axes)


def test_variants_build_what_the_committed_sweep_records_say():
    """A variant's definition may not drift from the runs already recorded under its name."""
    import json
    from pathlib import Path
    records = sorted(Path(__file__).parent.parent.glob("runs/sweep/*/seed*/result.json"))
    assert records, "the collapse sweep's records are committed in runs/sweep"
    for path in records:
        r = json.loads(path.read_text())
        assert r["build"] == sweep.VARIANTS[r["variant"]], path
