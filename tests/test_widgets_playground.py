"""ganbook.widgets.playground: the 2-D playground does what its controls say, without a browser."""
import json
import math
import threading
import time

import pytest
import torch
import torch.nn.functional as F

from ganbook.chapters import mixtures as M
from ganbook.widgets import record
from ganbook.widgets.playground import BUTTONS, CSS, LIVE, REBUILD, Playground
from ganbook.widgets.playground import record as record_playground

pytestmark = pytest.mark.usefixtures("one_thread")

SMALL = dict(n_show=100, n_arrows=40, n_measure=500, n_hist=1000, res=12, mesh=5, bins=20)


def small(**settings):
    return Playground(**SMALL, **{"hidden_G": 16, "hidden_D": 16, "chunk": 5, **settings})


@pytest.fixture
def pg():
    return small()


def test_every_control_has_its_css_class_and_the_frame_is_json(pg):
    widgets = {**pg.controls, **pg.buttons, "canvas": pg.canvas, "readout": pg.readout}
    assert set(widgets) == set(CSS) == set(LIVE + REBUILD + BUTTONS + ("canvas", "readout"))
    for name, w in widgets.items():
        assert CSS[name] in w._dom_classes and CSS[name].startswith("ganbook-pg-")
    assert [b.description for b in pg.buttons.values()] == ["Play", "Pause", "Step", "Reset", "Clear"]
    f = pg.frame()
    json.dumps(f, allow_nan=False)                     # what the kernel sends the canvas
    assert pg.canvas.frame == f and len(f["heat"]) == 12 * 12 and len(f["samples"]) == 100
    assert "iteration 0 " in pg.readout.value and pg.buttons["pause"].disabled


def test_step_runs_one_chunk_through_the_one_loop(pg):
    pg.controls["k"].value = 2
    n = pg.step()
    assert n["iteration"] == pg.trainer.iteration == 5
    assert pg.trainer.updates == 10                    # k = 2 D updates per iteration
    assert pg.frame()["iteration"] == 5 and "iteration 5 " in pg.readout.value
    assert n["loss_D"] == pytest.approx(pg.trainer.history[-1]["loss_D"])
    pg.controls["chunk"].value = 3
    assert pg.step()["iteration"] == 8


def test_same_seed_and_presses_give_the_same_frames_and_another_seed_does_not():
    a, b = small(seed=3), small(seed=3)
    for _ in range(3):
        a.step(), b.step()
    assert a.frame() == b.frame() and a.frame()["numbers"]["kl"] is not None
    b.controls["seed"].value = 4                       # a new run, then the same presses
    for _ in range(3):
        b.step()
    assert b.frame()["iteration"] == 15 and b.frame()["samples"] != a.frame()["samples"]
    b.controls["seed"].value = 3
    for _ in range(3):
        b.step()
    assert b.frame() == a.frame()                      # Reset by seed: the same run again


def test_loss_and_optimiser_controls_change_the_running_trainer(pg):
    pg.step()
    trainer = pg.trainer
    pg.controls["loss"].value = "wgan_gp"
    assert pg.trainer is trainer and trainer.iteration == 5       # the same run goes on
    assert (trainer.recipe.objective, pg.frame()["heat_label"]) == ("wgan_gp", "critic D(x)")
    pg.step()
    assert "gp" in trainer.history[-1] and trainer.iteration == 10
    pg.controls["loss"].value = "saturating"
    assert (trainer.recipe.objective, trainer.recipe.g_loss) == ("minimax", "saturating")
    pg.controls["optimizer"].value = "sgd"
    pg.controls["lr_G"].value = 1e-2
    assert isinstance(trainer.opt["G"], torch.optim.SGD) and trainer.recipe.lr_G == 1e-2
    pg.step()
    assert trainer.opt["G"].param_groups[0]["lr"] == pytest.approx(1e-2)   # lr_decay = 1
    pg.controls["hidden_G"].value = 32                 # a rebuild setting: a new run
    assert pg.trainer is not trainer and pg.trainer.iteration == 0
    assert pg.trainer.G[0].out_features == 32 and pg.trainer.recipe.objective == "minimax"


def test_drawn_points_become_p_data_and_its_modes():
    pg = small(dataset="drawn")
    assert "draw some points" in pg.message and pg.canvas.drawing
    pts = [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)]
    pg.add_points(pts[:2])
    pg.canvas._handle_custom_msg({"type": "points", "xy": [list(pts[2])]}, [])   # from the page
    assert pg.points == pts and pg.frame()["points"] == [list(p) for p in pts]
    x = pg.trainer.p_data(3000, torch.Generator().manual_seed(0))
    d, i = torch.cdist(x, torch.tensor(pts)).min(1)
    assert d.max() < 6 * 0.03                          # p_data = mixture of N(point, 0.03^2 I)
    assert torch.bincount(i, minlength=3).div(3000).sub(1 / 3).abs().max() < 0.03
    assert pg.numbers()["K"] == 3
    # a G that puts every sample on the second point: 1 mode of 3 covered, all high quality
    last = pg.trainer.G[-1]
    with torch.no_grad():
        last.weight.zero_(), last.bias.copy_(torch.tensor(pts[1]))
    pg.clear_points(), pg.add_points(pts)
    n = pg.numbers()
    assert (n["modes"], n["K"], n["high_quality"]) == (1, 3, 1.0)
    assert n["reverse_kl"] == pytest.approx(math.log(3))     # KL(q || u), q all on one of 3
    pg.step()
    assert pg.trainer.iteration == 5
    pg.clear_points()
    assert pg.step()["iteration"] == 5 and "draw some points" in pg.readout.value


def test_heat_map_is_D_on_the_grid(pg):
    pg.step()
    for loss, squash in (("non_saturating", torch.sigmoid), ("wgan_gp", lambda v: v)):
        pg.controls["loss"].value = loss
        f, res = pg.frame(), 12
        lo, hi = f["lim"]
        c = (torch.arange(res) + 0.5) * (hi - lo) / res
        ys, xs = torch.meshgrid(hi - c, lo + c, indexing="ij")   # row 0 at the top
        with torch.no_grad():
            want = squash(pg.trainer.D(torch.stack([xs, ys], -1).reshape(-1, 2))).reshape(res, res)
        got = torch.tensor(f["heat"], dtype=torch.float64).reshape(res, res)
        assert torch.allclose(got, want.double(), atol=1e-4)
        assert f["heat_range"] == ([0.0, 1.0] if loss == "non_saturating" else
                                   pytest.approx([want.min().item(), want.max().item()], abs=1e-6))


@pytest.mark.parametrize("loss", ["non_saturating", "saturating"])
def test_arrows_are_minus_the_gradient_of_Gs_loss_at_the_samples(loss):
    pg = small(loss=loss)
    pg.step()
    a = torch.tensor(pg.frame()["arrows"], dtype=torch.float32)
    assert a.shape == (40, 4) and torch.equal(a[:, :2], torch.tensor(pg.frame()["samples"][:40]))
    x = a[:, :2].clone().requires_grad_(True)
    logit = pg.trainer.D(x).squeeze(1)
    per_sample = F.softplus(-logit) if loss == "non_saturating" else -F.softplus(logit)
    g, = torch.autograd.grad(per_sample.sum(), x)      # l = -log D(x) or log(1 - D(x))
    assert torch.allclose(a[:, 2:], -g, atol=2e-4)
    # by hand: -dl/dx = (1 - D) grad logit (non-saturating), D grad logit (saturating)
    x = x.detach().requires_grad_(True)
    grad_logit, = torch.autograd.grad(pg.trainer.D(x).sum(), x)
    D = torch.sigmoid(logit.detach())[:, None]
    assert torch.allclose(a[:, 2:], ((1 - D) if loss == "non_saturating" else D) * grad_logit, atol=2e-4)


def test_grid_divergences_zero_for_identical_sets_and_a_hand_computed_case():
    x = torch.randn(500, 2)
    assert M.divergences(x, x.clone(), (-3, 3)) == {"kl": 0.0, "js": 0.0}
    p = torch.tensor([[0.5, 0.5]] * 4)                 # 2 x 2 bins over [0, 2]^2: all in bin 0
    q = torch.tensor([[0.5, 0.5], [0.2, 0.9], [0.5, 1.5], [0.1, 1.9]])   # 2 in bin 0, 2 in bin 1
    r = M.divergences(p, q, (0, 2), bins=2, alpha=0)
    js = 0.5 * math.log(1 / 0.75) + 0.5 * (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25))
    assert r["kl"] == pytest.approx(math.log(2)) and r["js"] == pytest.approx(js)
    r = M.divergences(p, q, (0, 2), bins=2, alpha=1)   # P = (5, 1, 1, 1)/8, Q = (3, 3, 1, 1)/8
    assert r["kl"] == pytest.approx(5 / 8 * math.log(5 / 3) + 1 / 8 * math.log(1 / 3))


def test_pause_stops_the_thread_within_a_second(pg):
    pg.play()
    assert pg.playing and pg.buttons["play"].disabled and not pg.buttons["pause"].disabled
    deadline = time.monotonic() + 20
    while pg.trainer.iteration < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pg.trainer.iteration >= 10                  # frames came from the thread
    t0 = time.monotonic()
    pg.buttons["pause"].click()
    assert time.monotonic() - t0 < 1.0 and not pg.playing
    assert not any(t.name == "ganbook-playground" for t in threading.enumerate())
    it = pg.trainer.iteration
    time.sleep(0.2)
    assert pg.trainer.iteration == it and it % 5 == 0 and pg.numbers()["iteration"] == it
    assert not pg.buttons["play"].disabled and pg.buttons["pause"].disabled


def test_bad_settings_give_a_message_not_a_traceback(pg):
    pg.controls["pack"].value = 3                      # m = 100 is not a multiple of 3
    assert pg.step()["iteration"] == 0
    assert "not divisible by the pack 3" in pg.message and "pack 3" in pg.readout.value
    pg.play()
    assert not pg.playing
    pg.controls["m"].value = 99
    assert pg.step()["iteration"] == 5
    with torch.no_grad():                              # a D that outputs inf: the step refuses
        pg.trainer.D.net[0].linear.weight.fill_(float("inf"))
    pg.step()
    assert "diverged" in pg.message and "Press Reset" in pg.readout.value
    json.dumps(pg.frame(), allow_nan=False)
    pg.buttons["reset"].click()
    assert pg.step()["iteration"] == 5


def test_record_drives_the_playground_it_shows(pg):
    out = record_playground(pg, frames=2, fps=4)
    assert pg.trainer.iteration == 10
    assert out.count("data:image/png;base64") == 3 and 'src="http' not in out
    png = record.playground_png(pg.frame())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_prior_in_pieces_is_offered_and_reaches_the_trainer():
    pg = Playground(dataset="grid", seed=0)
    assert ("100 clusters", "clusters") in [tuple(o) for o in pg.controls["prior"].options]
    pg.controls["prior"].value = "clusters"                 # a new run, z from the clusters
    assert pg.trainer.p_z.kind == "clusters" and pg.trainer.run.spec["prior"] == "clusters"
    pg.step()
    assert pg.trainer.iteration > 0
