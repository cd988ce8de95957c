"""ganbook.chapters.mixture_plots: the pictures of the mode-collapse runs show what the run files hold."""
import json

import numpy as np
import pytest
import torch

from ganbook.chapters import mixture_plots as P
from ganbook.chapters import mixture_runs as R
from ganbook.chapters import mixtures as M

SMALL = dict(hidden_G=16, hidden_D=16)


def test_plot_over_training_shows_the_kept_samples(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    r = R.run("grid", "gan", 1, 30, out=tmp_path, n=200, **SMALL)
    fig = P.plot_over_training(tmp_path / "grid" / "gan" / "seed1", shots=3)
    axes = fig.axes
    assert [a.get_title().split("\n")[0] for a in axes] == ["iteration 3", "iteration 15", "iteration 30"]
    last = np.load(tmp_path / "grid" / "gan" / "seed1" / "samples.npz")["it30"]
    assert np.allclose(axes[2].collections[1].get_offsets(), last)       # G's samples, as kept
    assert len(axes[2].collections[0].get_offsets()) == 25                # the grid's modes
    assert f"{r['checks'][-1]['modes']} modes" in axes[2].get_title()


def test_plot_checks_draws_a_line_per_seed(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    R.run_many(["ring"], ["gan"], [0, 1], 20, out=tmp_path, say=lambda _: None, **SMALL)
    R.run_many(["ring"], ["saturating"], [0], 20, out=tmp_path, say=lambda _: None, **SMALL)
    ax = P.plot_checks(tmp_path, "ring", ["gan", "saturating"]).axes[0]
    assert len(ax.lines) == 3
    r = json.loads((tmp_path / "ring" / "gan" / "seed1" / "result.json").read_text())
    assert list(ax.lines[1].get_ydata()) == [100 * c["high_quality"] for c in r["checks"]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gan (2 seeds)", "saturating (1 seed)"]


def test_plot_zoom_shows_the_last_checks_around_a_mode(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    R.run("ring", "gan", 0, 30, out=tmp_path, n=200, **SMALL)
    run = tmp_path / "ring" / "gan" / "seed0"
    fig = P.plot_zoom([run, run], mode=2, checks=3)
    assert len(fig.axes) == 6
    r = json.loads((run / "result.json").read_text())
    last = r["checks"][-1]["iteration"]
    s = np.load(run / "samples.npz")[f"it{last}"]
    mix = M.Mixture("ring")
    med = np.median(torch.cdist(torch.as_tensor(s), mix.means).min(1).values.numpy()) / mix.sigma
    ax = fig.axes[2]
    assert ax.get_title().endswith(f"median distance {med:.1f} sigma") and f"it. {last:,}" in ax.get_title()
    x = float(mix.means[2, 0])
    assert ax.get_xlim() == pytest.approx((x - 0.15, x + 0.15))


def test_plot_quality_splits_the_kept_samples_by_the_high_quality_test(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    R.run("grid", "gan", 0, 20, out=tmp_path, n=200, **SMALL)
    run = tmp_path / "grid" / "gan" / "seed0"
    ax = P.plot_quality([run, run], titles=["plain", "again"]).axes[0]
    s = np.load(run / "samples.npz")["it20"]
    near = torch.cdist(torch.as_tensor(s), M.Mixture("grid").means).min(1).values.numpy()
    off, good = ax.collections[0].get_offsets(), ax.collections[1].get_offsets()
    assert np.allclose(good, s[near < 0.15]) and np.allclose(off, s[near >= 0.15])
    assert ax.get_title().startswith("plain, it. 20\n")
    assert f"{100 * (near < 0.15).mean():.0f} % of 500 kept samples" in ax.get_title()


def test_plot_D_zoom_maps_D_s_logit_around_the_mode(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from ganbook.chapters.rejection import logits
    R.run("grid", "gan", 0, 20, out=tmp_path, n=200, keep_weights=True, **SMALL)
    run = tmp_path / "grid" / "gan" / "seed0"
    fig = P.plot_D_zoom([run], mode=6, half=0.4, res=20, n=300)
    ax = fig.axes[0]
    img = ax.get_images()[0]
    mu = M.Mixture("grid").means[6]
    m0, m1 = float(mu[0]), float(mu[1])
    assert list(img.get_extent()) == pytest.approx([m0 - 0.4, m0 + 0.4, m1 - 0.4, m1 + 0.4])
    T = R.load_model(run)
    c = torch.linspace(-0.4, 0.4, 20)
    corner = logits(T.D, torch.stack([c[[0, -1]], c[[0, 0]]], 1) + mu)    # row 0: the bottom
    a = np.asarray(img.get_array())
    assert a.shape == (20, 20) and a[0, 0] == pytest.approx(float(corner[0]), abs=1e-5)
    assert a[0, -1] == pytest.approx(float(corner[1]), abs=1e-5)
    assert len(ax.collections[0].get_offsets()) == 300 and ax.get_title() == "gan seed 0"
    with pytest.raises(FileNotFoundError, match="--keep-weights"):
        R.run("grid", "gan", 1, 20, out=tmp_path, n=200, **SMALL)
        P.plot_D_zoom([tmp_path / "grid" / "gan" / "seed1"])
