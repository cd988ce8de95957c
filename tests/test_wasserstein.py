"""ganbook.chapters.wasserstein: W1 in closed form, and critics trained by the one loop that estimate
it, checked against answers known in advance."""
import math

import numpy as np
import pytest

from fakes import random_splits
from ganbook.base import theory as T
from ganbook.chapters import toy
from ganbook.chapters import wasserstein as W


def test_w1_of_shifted_and_scaled_gaussians():
    pd = toy.p_data("gaussian")                                  # N(4, 0.5^2)
    for shift in (0.0, 0.5, 3.0):
        w, j = W.exact(pd, 4.0 + shift, 0.5)
        assert w == pytest.approx(shift, abs=1e-4)               # a translation moves every unit of mass by |shift|
    # N(0, 1) vs N(0, 2^2): W1 = |s1 - s2| E|Z| = sqrt(2 / pi)
    x, dx = T.grid(-20, 20, 20001)
    assert W.w1_grid(T.gaussian(x, 0, 1), T.gaussian(x, 0, 2), dx) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-4)
    # the JSD saturates at log 2 once the two stop overlapping; W1 keeps growing
    far = [W.exact(pd, 4.0 + s, 0.5) for s in (5.0, 8.0)]
    assert far[0][1] == pytest.approx(math.log(2), abs=1e-6) and far[1][1] == pytest.approx(math.log(2), abs=1e-6)
    assert far[1][0] > far[0][0] + 2.9


def test_w1_of_samples_pairs_them_in_order():
    assert W.w1_samples([0, 1, 2], [3, 1, 2]) == pytest.approx(1.0)        # sorted: |0-1|+|1-2|+|2-3|
    rng = np.random.default_rng(0)
    assert W.w1_samples(rng.normal(0, 1, 20000), rng.normal(1, 1, 20000)) == pytest.approx(1.0, abs=0.03)
    with pytest.raises(ValueError, match="equally many"):
        W.w1_samples([0, 1], [0])


def test_gp_critic_estimates_w1_with_the_soft_penalty_bias():
    # a critic of slope -s over the shifted pair gains s W1 and pays lambda (s - 1)^2, so the
    # best s is 1 + W1 / (2 lambda) and the estimate W1 + W1^2 / (2 lambda): 2.2 for W1 = 2
    pd = toy.p_data("gaussian")
    est = W.critic_estimate(pd, 6.0, 0.5, "wgan_gp", steps=800, seed=0)
    assert est == pytest.approx(2.0 + 2.0 ** 2 / 20, rel=0.04)


def test_clipped_critic_is_monotone_but_only_k_times_w1():
    pd = toy.p_data("gaussian")
    est = [W.critic_estimate(pd, 4.0 + s, 0.5, "wgan", steps=300, seed=0) for s in (1.0, 3.0)]
    assert 0 < est[0] < est[1] < 0.1                   # clipped at 0.01: K is tiny
    with pytest.raises(ValueError, match="critic objective"):
        W.critic_estimate(pd, 6.0, 0.5, "minimax")




@pytest.mark.parametrize("objective, arch, optimizer, lr", [
    ("wgan", "paper", "rmsprop", 5e-5), ("wgan_gp", "paper", "adam", 1e-4),
    ("wgan", "dcgan", "rmsprop", 5e-5), ("wgan_gp", "dcgan-critic", "adam", 1e-4)])
def test_cli_trains_the_wasserstein_papers_recipes(tmp_path, monkeypatch, objective, arch,
                                                    optimizer, lr, use_splits):
    import json

    from ganbook.chapters import mnist as E
    from ganbook.store import records
    from ganbook.cli.main import main
    from ganbook.core.objectives import RECIPES
    use_splits(random_splits((640, 200, 100)))
    out = tmp_path / "run"
    main(["train", "mnist", "--objective", objective, "--arch", arch, "--out", str(out),
          "--epochs", "1", "--quiet"])
    r = json.loads((out / "config.json").read_text())["recipe"]
    assert (r["optimizer"], r["lr_D"], r["lr_G"], r["k"], r["m"], r["update"]) == \
        (optimizer, lr, lr, 5, 64, "alternating")
    assert all(r[k] == (list(v) if isinstance(v, tuple) else v) for k, v in RECIPES[objective].items())
    rows = records.read_metrics(out)
    trained = [row for row in rows if "W" in row]
    assert trained and all(np.isfinite(row["W"]) for row in trained)
    assert ("gp" in trained[0]) == (objective == "wgan_gp")
    # one epoch of 640 images at 5 x 64 per G step: the per-epoch critic estimate on valid
    epoch_rows = [row for row in rows if "valid_W" in row]
    assert len(epoch_rows) == 1 and np.isfinite(epoch_rows[0]["valid_W"])
    # the run resumes with its own objective, and the Parzen protocol loads it
    main(["train", "mnist", "--out", str(out), "--resume", "--epochs", "2", "--quiet"])
    assert len([row for row in records.read_metrics(out) if "valid_W" in row]) == 2
    assert np.isfinite(E.parzen_run(out, n_samples=100).mean)
    assert json.loads((out / "parzen.json").read_text())["recipe"]["objective"] == objective


def test_valid_W_is_the_critics_mean_gap_on_held_out_data():
    import torch

    from ganbook.chapters import mnist as E
    from ganbook.core.nets import eval_mode
    T = E.build("mnist", splits=random_splits((640, 200, 100)), objective="wgan", seed=0)
    got = W.valid_W(n=100, n_samples=50)(T)["valid_W"]
    g = torch.Generator().manual_seed(4321)
    with torch.no_grad(), eval_mode(T.D, T.G):
        fake = T.G(T.model.sample_z(50, g))
        want = T.D(torch.as_tensor(T.run.valid[:100])).mean() - T.D(fake).mean()
    assert got == pytest.approx(float(want), rel=1e-6)
    # a critic that adds c to every output estimates the same gap
    with torch.no_grad():
        T.D.net[-1].bias.add_(3.0)                          # the maxout D's output layer
    assert W.valid_W(n=100, n_samples=50)(T)["valid_W"] == pytest.approx(got, abs=1e-4)


def test_toy_curves_critic_tracks_w1_while_the_jsd_sits_at_log_2():
    # far apart (p_g a spike 8 sd left): the trained 2014 D reports log 2 - L_D = JSD = log 2;
    # the gradient-penalty critic reports about W1 + W1^2 / 2 lambda (the soft-penalty bias)
    start = W.toy_curves("minimax", iterations=0)
    assert start[0]["JSD"] == pytest.approx(math.log(2), abs=1e-3)
    assert start[0]["estimate"] == pytest.approx(math.log(2), abs=0.01)
    rows = W.toy_curves("wgan_gp", iterations=300, every=100)
    w1 = rows[0]["W1"]
    assert w1 == pytest.approx(4.0, abs=0.05)
    assert rows[0]["estimate"] == pytest.approx(w1 + w1 ** 2 / 20, rel=0.1)
    # G walks towards p_data: W1 falls by more than 1 while the JSD has not moved from log 2
    assert rows[-1]["W1"] < w1 - 1 and all(r["JSD"] > math.log(2) - 0.01 for r in rows)
    assert all(a["estimate"] > b["estimate"] for a, b in zip(rows, rows[1:]))
