"""ganbook.measures.collapse: the definition on nets with known answers, and the detector in the loop."""
import pytest
import torch
from torch import nn

from ganbook.measures import collapse
from ganbook.core import nets
from ganbook.core.models import GAN
from ganbook.core.recipe import Recipe
from ganbook.core.train import Run, Trainer


class ConstG(nn.Module):
    """G(z) = one fixed image (plus ``spread`` z-dependence)."""

    def __init__(self, d=16, spread=0.0):
        super().__init__()
        self.img = nn.Parameter(torch.linspace(0.1, 0.9, d))
        self.spread = spread

    def forward(self, z):
        return (self.img + self.spread * z[:, :1]).clamp(0, 1)


class ConstD(nn.Module):
    def __init__(self, logit):
        super().__init__()
        self.logit = nn.Parameter(torch.tensor(float(logit)))

    def forward(self, x):
        return self.logit + 0.0 * x.sum(1)     # constant, but on the graph for G's gradient


@pytest.mark.parametrize("spread, logit, collapsed", [
    (0.0, -5.0, True),     # one image, rejected: collapse
    (0.0, 0.0, True),      # one image, D fooled: still one mode, collapse
    (0.5, -5.0, False),    # rejected but spread out (sd ~0.29 per pixel): not collapse
    (0.1, -5.0, False),    # sd ~0.058, just above SD_MIN
])
def test_definition(spread, logit, collapsed):
    st = collapse.collapse_stats(ConstG(spread=spread), ConstD(logit), nets.Noise(2))
    assert st["collapsed"] is collapsed
    assert st["D_G_z_eval"] == pytest.approx(torch.sigmoid(torch.tensor(logit)).item(), rel=1e-5)
    if spread == 0:
        assert st["G_sd"] == 0.0


def test_checking_does_not_change_the_run():
    def run(check):
        torch.manual_seed(0)
        T = Trainer(Run(GAN(nets.MLP([2, 8, 16], out="sigmoid"), nets.MaxoutD(16, 4, 2), nets.Noise(2)),
                        torch.rand(64, 16), Recipe(m=8)))
        T.train(iterations=20, every=[collapse.detector(5, say=lambda s: None)] if check else [],
                progress=False)
        return torch.cat([p.flatten() for p in T.model.parameters()])
    assert torch.equal(run(True), run(False))


def collapsed_trainer(out=None):
    model = GAN(ConstG(), ConstD(-6.0), nets.Noise(2))
    return Trainer(Run(model, torch.rand(64, 16), Recipe(m=8, lr_D=1e-6, lr_G=1e-6), out))


def test_detector_logs_says_and_stops():
    said = []
    T = collapsed_trainer()
    T.train(iterations=40, every=[collapse.detector(5, stop=True, patience=3, after=0, say=said.append)],
            progress=False)
    assert T.stopped and "3 checks in a row" in T.stopped
    assert T.iteration == 15                          # checks at 5, 10, 15
    rows = [r for r in T.history if "collapsed" in r]
    assert [r["collapsed"] for r in rows] == [1, 1, 1]
    assert len(said) == 1 and "G collapsed" in said[0] and "--paper-recipe" in said[0]


def test_detector_waits_for_its_warm_up():
    T = collapsed_trainer()
    T.train(iterations=20, every=[collapse.detector(5, stop=True, after=15, say=lambda s: None)],
            progress=False)
    rows = [r for r in T.history if "G_sd" in r]
    assert [("collapsed" in r) for r in rows] == [False, False, True, True]
    assert T.stopped is None


def test_detector_without_stop_only_records():
    T = collapsed_trainer()
    T.train(iterations=12, every=[collapse.detector(4, after=0, say=lambda s: None)], progress=False)
    assert T.stopped is None and T.iteration == 12
    assert [r["collapsed"] for r in T.history if "collapsed" in r] == [1, 1, 1]


def test_resumed_run_stops_where_an_uninterrupted_one_does(tmp_path):
    quiet = dict(say=lambda s: None, stop=True, patience=3, after=0)
    a = collapsed_trainer()
    a.train(iterations=40, every=[collapse.detector(5, **quiet)], progress=False)
    b = collapsed_trainer(tmp_path)
    b.train(iterations=10, every=[collapse.detector(5, **quiet)], progress=False)   # 2 checks
    c = collapsed_trainer(tmp_path).load()
    c.train(iterations=30, every=[collapse.detector(5, **quiet)], progress=False)
    assert c.iteration == a.iteration == 15


def test_cli_reports_collapse_and_stops(tmp_path, capsys):
    from ganbook.cli.main import main
    # lr 0 is refused, so a tiny D-favouring recipe on 'fake': D learns, G barely moves
    main(["train", "fake", "--out", str(tmp_path / "r"), "--iterations", "400", "--m", "20",
          "--lr-G", "1e-7", "--lr-D", "0.5", "--G-init", "paper", "--collapse-every", "20",
          "--collapse-after", "40", "--stop-on-collapse", "--quiet"])
    out = capsys.readouterr().out
    assert "iteration 40: G collapsed: every z gives nearly one image (per-pixel sd" in out
    assert "stopped: collapsed at 5 checks in a row (iteration 120)" in out
    csv = (tmp_path / "r" / "metrics.csv").read_text().splitlines()
    assert "collapsed" in csv[0].split(",")
