"""ganbook.chapters.rejection: keeping G's draws with probability exp(a - a_max) turns p_g into
p_data when D's logit a is log p_data / p_g (Proposition 1), and the row it writes."""
import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from ganbook.chapters import mixture_runs as R
from ganbook.chapters import mixtures as M
from ganbook.chapters import rejection as J


class Logit(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


class Known(nn.Module):
    """p_g = N(0, 1) in 1-D, p_data = N(1, 1): D's logit is log p_data / p_g = x - 1/2."""
    def __init__(self):
        super().__init__()
        self.D, self.G = Logit(lambda x: x - 0.5), nn.Identity()

    def sample(self, n, generator=None):
        return torch.randn(n, 1, generator=generator)


def test_exact_logits_turn_p_g_into_p_data():
    x, st = J.sample(Known(), 20000, torch.Generator().manual_seed(0), reference=20000)
    # kept draws follow N(1, 1) but for the tail above the reference's largest logit
    assert abs(float(x.mean()) - 1) < 0.05 and abs(float(x.std()) - 1) < 0.05
    # acceptance = E_pg[exp(a - a_max)] = exp(-a_max) E_pg[p_data / p_g] = exp(-a_max)
    assert st["acceptance"] == pytest.approx(math.exp(-st["a_max"]), rel=0.05)
    assert st["drawn"] % 10000 == 0 and len(x) == 20000


def test_a_batch_judging_D_is_refused():
    D = M.D_2d(hidden=8, pack=2)
    with pytest.raises(ValueError, match="one sample at a time"):
        J.logits(D, torch.zeros(4, 2))


def test_a_D_that_rejects_everything_stops_with_advice():
    m, calls = Known(), []

    def high_once(x):           # one reference draw far above every later one
        calls.append(len(x))
        return torch.full((len(x),), 0.0 if len(calls) > 1 else 50.0)
    m.D = Logit(high_once)
    with pytest.raises(RuntimeError, match="refine D for fewer steps"):
        J.sample(m, 10, torch.Generator().manual_seed(0), reference=100, chunk=100, max_draws=1000)


def test_refining_D_moves_only_D_and_the_row_is_recorded(tmp_path):
    R.run("grid", "gan", 0, 30, out=tmp_path, n=300, keep_weights=True, hidden_G=16, hidden_D=16)
    base = tmp_path / "grid/gan/seed0"
    before = R.load_model(base).model.state_dict()
    res = J.run(base, steps=30, checks=3, n=300)
    f = tmp_path / "grid/gan+rejection/seed0"
    assert json.loads((f / "result.json").read_text()) == json.loads(json.dumps(res))
    assert [c["refine_steps"] for c in res["rejection_checks"]] == [0, 10, 20, 30]
    assert res["final"]["modes"] == res["rejection_checks"][-1]["modes"]
    after = R.load_model(f).model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("G."))
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("D."))
    assert np.load(f / "samples.npz")["it30"].shape == (min(300, R.KEEP), 2)
    s = R.summary(tmp_path)
    assert s[("grid", "gan+rejection")]["runs"] == 1 and s[("grid", "gan+rejection")]["iterations"] == [30]


def test_cli_refines_each_seed_and_asks_for_kept_weights(tmp_path, capsys):
    from ganbook.cli.main import main
    for s in (0, 1):
        R.run("grid", "gan", s, 20, out=tmp_path, n=300, keep_weights=s == 0, hidden_G=16, hidden_D=16)
    main(["rejection", str(tmp_path / "grid/gan"), "--seeds", "0", "--steps", "10", "--checks", "2"])
    said = capsys.readouterr().out
    assert "seed 0, D refined 10 steps:" in said and "| grid | gan+rejection | 20 | 1 |" in said
    with pytest.raises(SystemExit, match="seed1 has no kept weights.*--keep-weights"):
        main(["rejection", str(tmp_path / "grid/gan"), "--seeds", "0-1", "--steps", "10"])
    main(["rejection", str(tmp_path / "grid/gan"), "--seeds", "0", "--steps", "10", "--checks", "1",
          "--fourier", "1", "--lr-D", "2e-3", "--m", "100", "--ceiling", "0.99"])
    assert "| grid | gan+fourier_rejection | 20 | 1 |" in capsys.readouterr().out
    r = json.loads((tmp_path / "grid/gan+fourier_rejection/seed0/result.json").read_text())
    assert r["refine"] == {"D": "fresh", "fourier": 1.0, "lr_D": 2e-3, "m": 100, "ceiling": 0.99}


def test_a_fresh_fourier_D_makes_its_own_row_and_leaves_G_alone(tmp_path):
    from ganbook.core.nets import FourierFeatures
    R.run("grid", "gan", 2, 30, out=tmp_path, n=300, keep_weights=True, hidden_G=16, hidden_D=16)
    base = tmp_path / "grid/gan/seed2"
    before = R.load_model(base).model.state_dict()
    res = J.run(base, steps=20, checks=2, n=300, fourier=1.0, lr_D=2e-3, m=200)
    f = tmp_path / "grid/gan+fourier_rejection/seed2"
    assert J.folder(base, 1.0) == f and res["variant"] == "gan+fourier_rejection"
    assert res["refine"] == {"D": "fresh", "fourier": 1.0, "lr_D": 2e-3, "m": 200}
    assert res["spec"]["fourier"] == 1.0 and res["recipe"] == json.loads((base / "result.json").read_text())["recipe"]
    T = R.load_model(f)                           # the row's nets come back from its spec
    assert isinstance(T.D.net[0], FourierFeatures)
    after = T.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("G."))
    assert not (tmp_path / "grid/gan+rejection").exists()
    # the trained D's row records how it was refined
    plain = J.run(base, steps=10, checks=1, n=300)
    assert plain["refine"]["D"] == "as trained" and "fourier" not in plain["spec"]


def test_a_fresh_D_is_trained_at_its_own_rate_and_minibatch(tmp_path):
    R.run("grid", "gan", 0, 20, out=tmp_path, n=300, keep_weights=True, hidden_G=16, hidden_D=16)
    T = J.fresh_D(R.load_model(tmp_path / "grid/gan/seed0"), fourier=0.5, lr_D=3e-3, m=40, seed=1)
    assert T.recipe.lr_D == 3e-3 and T.recipe.m == 40 and T.recipe.lr_decay == 1.0 and T.updates == 0
    assert T.opt["D"].param_groups[0]["params"][0] is next(T.D.parameters())
    J.refine_D(T, 5)
    assert T.updates == 5 and T.opt["D"].param_groups[0]["lr"] == 3e-3


def test_contrast_is_the_logit_s_fall_from_a_mode_to_r_away():
    D = Logit(lambda x: -(x ** 2).sum(1, keepdim=True) * 8)     # a = -8 |x|^2, one mode at 0
    assert J.contrast(D, [[0.0, 0.0]], 0.5) == pytest.approx(2.0, rel=1e-5)
    shifted = Logit(lambda x: -((x - torch.tensor([3.0, 0.0])) ** 2).sum(1, keepdim=True))
    # two modes: at (3, 0) the fall is r^2; at (0, 0), a = -9 at the centre and -(9 + r^2) on average
    assert J.contrast(shifted, [[3.0, 0.0], [0.0, 0.0]], 1.0, directions=64) == pytest.approx(1.0, rel=1e-5)


def test_a_ceiling_below_one_keeps_every_draw_above_that_quantile():
    # a = x - 1/2, x ~ N(0, 1); ceiling 0.5: a_max = the median of a = -1/2, so a draw is kept
    # with probability min(1, e^x): acceptance = P(x > 0) + E[e^x; x < 0] = 1/2 + e^{1/2} Phi(-1)
    x, st = J.sample(Known(), 20000, torch.Generator().manual_seed(1), reference=20000, ceiling=0.5)
    assert st["a_max"] == pytest.approx(-0.5, abs=0.03)
    phi = 0.5 * math.erfc(1 / math.sqrt(2))
    assert st["acceptance"] == pytest.approx(0.5 + math.exp(0.5) * phi, abs=0.01)
    assert float((x > 0).float().mean()) == pytest.approx(0.5 / st["acceptance"], abs=0.02)
