"""Where the nats go: per-digit Parzen deficit and nearest-sample distance (chapters.missing_nats)."""
import numpy as np
import pytest
import torch

from ganbook.chapters.missing_nats import as_json, nearest_distance, plot, where_the_nats_go
from ganbook.core.models import Classifier
from ganbook.measures.parzen import parzen_log_likelihood


def _data(n=200, d=16, seed=0):
    centres = np.random.default_rng(99).normal(size=(3, d)) * 3    # the same for every draw
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return (centres[y] + rng.normal(size=(n, d))).astype(np.float32), y, centres


def test_nearest_distance_is_the_brute_force_minimum():
    x, _, _ = _data(50)
    ref, _, _ = _data(80, seed=1)
    brute = np.sqrt(((x[:, None, :].astype(np.float64) - ref[None]) ** 2).sum(2)).min(1)
    np.testing.assert_allclose(nearest_distance(x, ref, block=7), brute, rtol=1e-4)


def test_same_samples_as_real_give_no_deficit_and_the_protocols_numbers():
    x, y, _ = _data()
    s, _, _ = _data(300, seed=1)
    r = where_the_nats_go(s, s, x, y, sigma=1.0, classes=3)
    assert r["deficit"] == 0 and np.all(r["deficit_by_class"] == 0)
    assert r["ll_G"] == pytest.approx(parzen_log_likelihood(x, s, [1.0])[0].mean())
    np.testing.assert_allclose(r["test_share_by_class"], np.bincount(y, minlength=3) / len(y))


def test_a_G_that_misses_one_class_loses_its_nats_there():
    x, y, centres = _data(300)
    real, ry, _ = _data(600, seed=1)
    rng = np.random.default_rng(2)
    # G draws classes 0 and 1 as real ones are drawn, and class 2 off its centre
    g = real.copy()
    g[ry == 2] += rng.normal(size=(int((ry == 2).sum()), real.shape[1])).astype(np.float32) * 2
    r = where_the_nats_go(g, real, x, y, sigma=1.0, classes=3)
    assert r["deficit_by_class"][2] > 5 and np.abs(r["deficit_by_class"][:2]).max() < 1e-4
    assert r["distance_G_by_class"][2] > r["distance_real_by_class"][2]


def test_unequal_sample_counts_are_refused():
    x, y, _ = _data()
    with pytest.raises(ValueError, match="equal numbers"):
        where_the_nats_go(x[:10], x[:20], x, y, sigma=1.0)


def test_class_shares_and_the_figure(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((40, 784), dtype=np.float32)
    y = np.arange(40) % 10
    r = where_the_nats_go(x[:20], x[20:], x, y, sigma=0.3, clf=Classifier().eval())
    assert r["sample_share_by_class"].sum() == pytest.approx(1.0)
    ax = plot({"G": as_json(r)})
    assert ax[0].get_ylabel().startswith("nats below real") and len(ax[0].patches) == 10


def test_a_run_s_kept_G_is_measured_and_merged_into_the_record(tmp_path):
    """A G given by path (here the shipped seed 0, as a run's best-G is given) is measured
    like one given by name, and the record keeps the rows already in it."""
    import json
    from pathlib import Path
    import test_data
    from ganbook.chapters.missing_nats import measure_shipped
    if test_data.REAL is None:
        pytest.skip("real MNIST not found")
    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "missing-nats.json"
    out.write_text(json.dumps({"older": {"ll_G": 1.0}}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANBOOK_DATA", str(test_data.REAL))
        rows = measure_shipped([str(repo / "weights" / "mnist-paper-seed0")], out=out, n=300,
                               say=lambda *a: None)
    (name, row), = rows.items()
    record = json.loads(out.read_text())
    assert set(record) == {"older", name} and record[name]["n_samples"] == 300
    assert record[name]["deficit"] == pytest.approx(record[name]["ll_real"] - record[name]["ll_G"])
