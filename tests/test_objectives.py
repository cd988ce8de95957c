"""ganbook.core.objectives: each objective against its closed form, and in a short training run."""
import math

import pytest
import torch
from torch import nn

from fakes import small_gan
from ganbook.core import nets
from ganbook.core.models import GAN
from ganbook.core.objectives import WGAN, WGANGP, LeastSquares, Minimax, objective
from ganbook.core.recipe import Recipe
from ganbook.core.train import Run, Trainer

REAL, FAKE = torch.tensor([2.0, -1.0, 0.3]), torch.tensor([0.5, -3.0, 1.0])


def test_minimax_losses_are_the_papers():
    Dx, DGz = torch.sigmoid(REAL), torch.sigmoid(FAKE)
    loss, stats = Minimax().D_loss(REAL, FAKE)
    assert torch.allclose(loss, 0.5 * (-torch.log(Dx).mean() - torch.log(1 - DGz).mean()))
    assert torch.allclose(stats["D_x"], Dx.mean()) and torch.allclose(stats["D_G_z"], DGz.mean())
    assert torch.allclose(Minimax("non_saturating").G_loss(FAKE), -torch.log(DGz).mean())
    assert torch.allclose(Minimax("saturating").G_loss(FAKE), torch.log(1 - DGz).mean())
    a = 0.9   # one-sided label smoothing: BCE(a, D(x)) on data
    smooth = 0.5 * (-(a * torch.log(Dx) + (1 - a) * torch.log(1 - Dx)).mean() - torch.log(1 - DGz).mean())
    assert torch.allclose(Minimax(real_label=a).D_loss(REAL, FAKE)[0], smooth)


def test_minimax_at_D_half_is_log_4_over_2():
    # D = 1/2 everywhere: V = log 1/2 + log 1/2 = -log 4, and d_obj = -V / 2.
    loss, _ = Minimax().D_loss(torch.zeros(5), torch.zeros(5))
    assert loss.item() == pytest.approx(math.log(4) / 2)


def test_least_squares_closed_form():
    loss, _ = LeastSquares().D_loss(REAL, FAKE)
    assert torch.allclose(loss, 0.5 * ((REAL - 1) ** 2).mean() + 0.5 * (FAKE ** 2).mean())
    assert torch.allclose(LeastSquares().G_loss(FAKE), 0.5 * ((FAKE - 1) ** 2).mean())


def test_wgan_losses_and_estimate():
    loss, stats = WGAN().D_loss(REAL, FAKE)
    w = REAL.mean() - FAKE.mean()
    assert torch.allclose(stats["W"], w) and torch.allclose(loss, -w)
    assert torch.allclose(WGAN().G_loss(FAKE), -FAKE.mean())


def test_clipped_weights_stay_within_c():
    torch.manual_seed(0)
    D = nets.MLP([4, 16, 1])
    with torch.no_grad():
        for p in D.parameters():
            p.mul_(100)
    WGAN(clip=0.01).after_D_step(D)
    for p in D.parameters():
        assert p.abs().max().item() <= 0.01
        assert (p.abs() == 0.01).any()          # the large ones sit on the boundary


def test_clipping_holds_through_training():
    torch.manual_seed(0)
    x = torch.rand(64, 4)
    T = Trainer(Run(GAN(nets.MLP([2, 8, 4]), nets.MLP([4, 8, 1]), nets.Noise(2)), x,
                    Recipe(objective="wgan", k=5, m=16, optimizer="rmsprop", lr_D=0.05, lr_G=5e-3,
                           clip=0.02, lr_decay=1.0)))
    T.train(iterations=10, progress=False)
    assert T.updates == 50
    assert max(p.abs().max().item() for p in T.D.parameters()) <= 0.02
    row = T.log_row()
    assert set(row) >= {"loss_D", "loss_G", "W", "grad_D", "grad_G"} and math.isfinite(row["W"])


class Linear(nn.Module):
    def __init__(self, w, b=0.3):
        super().__init__()
        self.lin = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([w]))
            self.lin.bias.fill_(b)

    def forward(self, x):
        return self.lin(x).squeeze(-1)


@pytest.mark.parametrize("w", [[3.0, 4.0], [0.6, 0.8], [0.1, 0.0]])
def test_gradient_penalty_of_a_linear_critic_is_its_closed_form(w):
    # grad_x (w.x + b) = w everywhere, so the penalty is lambda (||w|| - 1)^2 exactly.
    D = Linear(w)
    x, fake = torch.rand(7, 2), torch.rand(7, 2)
    pen, stats = WGANGP(gp_lambda=10.0).penalty(D, x, fake, torch.Generator().manual_seed(0))
    norm = math.hypot(*w)
    assert pen.item() == pytest.approx(10.0 * (norm - 1) ** 2, rel=1e-5, abs=1e-6)
    assert stats["gp"].item() == pytest.approx((norm - 1) ** 2, rel=1e-5, abs=1e-6)


def test_gradient_penalty_is_differentiable_in_the_critic():
    D = Linear([3.0, 4.0])
    pen, _ = WGANGP(1.0).penalty(D, torch.rand(5, 2), torch.rand(5, 2), torch.Generator().manual_seed(0))
    pen.backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 2 * 4 * (0.6, 0.8)
    assert torch.allclose(D.lin.weight.grad, torch.tensor([[4.8, 6.4]]), atol=1e-5)


def test_objective_names():
    assert isinstance(objective(Recipe(objective="wgan_gp", gp_lambda=3.0)), WGANGP)
    assert objective(Recipe(objective="wgan", clip=0.5)).clip == 0.5
    with pytest.raises(ValueError, match="not a two-player game"):
        objective(Recipe(objective="vae"))


@pytest.mark.parametrize("name", ["minimax", "least_squares", "wgan", "wgan_gp"])
@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_every_objective_trains_and_resumes_exactly(tmp_path, name, update):
    def make(out=None):
        torch.manual_seed(1)
        x = torch.rand(80, 6)
        r = Recipe(objective=name, update=update, m=10, k=2, optimizer="adam", lr_D=1e-3, lr_G=1e-3)
        return small_gan(x, D=nets.MaxoutD(6, units=4, pieces=2), recipe=r, out=out)
    a = make()
    a.train(iterations=12, progress=False, log_every=4)
    b = make(tmp_path)
    b.train(iterations=5, progress=False, log_every=4)
    c = make(tmp_path).load()
    c.train(iterations=7, progress=False, log_every=4)
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), c.model.parameters()))
    assert a.history == [dict(r, wall=a.history[i]["wall"]) for i, r in enumerate(c.history)]
