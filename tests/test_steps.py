"""ganbook.core.steps through the one loop: the VAE and the classifier steps, BatchNorm in D."""
import math

import pytest
import torch
from torch import nn

from ganbook.core import nets
from ganbook.core.models import GAN, VAE, Classifier
from ganbook.core.recipe import Recipe
from ganbook.core.steps import GANStep, batch_dependent
from ganbook.core.train import Run, Trainer


def test_vae_kl_term_is_the_closed_form():
    torch.manual_seed(0)
    vae = VAE(d_x=6, d_z=2, hidden=5)
    x = torch.rand(4, 6)
    mu, logvar = vae.encoder(x).chunk(2, dim=1)
    _, _, kl = vae.elbo(x, torch.Generator().manual_seed(0))
    # KL(N(mu, s^2) || N(0, 1)) per coordinate = log(1/s) + (s^2 + mu^2)/2 - 1/2
    s = torch.exp(0.5 * logvar)
    assert torch.allclose(kl, (torch.log(1 / s) + (s ** 2 + mu ** 2) / 2 - 0.5).sum(1), atol=1e-6)


def test_vae_elbo_is_below_the_exact_log_likelihood_of_a_tiny_model():
    # d_z = 1, 2 pixels: log p(x) = log E_{z~N(0,1)} p(x|z) by quadrature; ELBO <= it for any q.
    torch.manual_seed(0)
    vae = VAE(d_x=2, d_z=1, hidden=3)
    x = torch.tensor([[1.0, 0.0]])
    z = torch.linspace(-8, 8, 20001)[:, None]
    logits = vae.decoder(z)
    logpxz = -nn.functional.binary_cross_entropy_with_logits(logits, x.expand(len(z), 2),
                                                             reduction="none").sum(1)
    logpz = -0.5 * z[:, 0] ** 2 - 0.5 * math.log(2 * math.pi)
    log_px = torch.logsumexp(logpxz + logpz, 0) + math.log(16 / 20000)
    elbos = torch.stack([vae.elbo(x, torch.Generator().manual_seed(s))[0] for s in range(2000)])
    assert elbos.mean().item() <= log_px.item() + 0.01


def test_vae_trains_through_the_loop_and_the_elbo_rises(tmp_path):
    torch.manual_seed(0)
    x = (torch.rand(400, 16) < torch.linspace(0.1, 0.9, 16)).float()
    vae = VAE(d_x=16, d_z=2, hidden=32)
    T = Trainer(Run(vae, x, Recipe(objective="vae", optimizer="adam", lr=3e-3, m=40), tmp_path))
    T.train(iterations=300, log_every=50, progress=False)
    elbo = [r["elbo"] for r in T.history if "elbo" in r]
    p = torch.linspace(0.1, 0.9, 16)
    best = (p * p.log() + (1 - p) * (1 - p).log()).sum().item()   # -sum H(p_i): independent pixels
    assert elbo[-1] > elbo[0] + 0.5 and elbo[-1] > best - 1.0
    assert set(T.history[-1]) >= {"elbo", "rec", "kl"}
    assert all(abs(r["elbo"] - (r["rec"] - r["kl"])) < 1e-4 for r in T.history if "elbo" in r)
    assert vae.sample(5, torch.Generator().manual_seed(0)).shape == (5, 16)
    again = Trainer(Run(VAE(d_x=16, d_z=2, hidden=32), x, Recipe(objective="vae"), tmp_path)).load()
    assert again.iteration == 300 and again.recipe.lr == 3e-3    # the checkpoint's recipe


def test_classifier_step_learns_a_separable_problem():
    torch.manual_seed(0)
    y = torch.randint(0, 10, (600,))
    x = torch.rand(600, 784) * 0.1
    x[torch.arange(600), y * 70] = 1.0                       # class k lights pixel 70 k
    clf = Classifier()
    T = Trainer(Run(clf, (x, y), Recipe(objective="classifier", optimizer="adam", lr=3e-3, m=50)))
    T.train(iterations=120, log_every=40, progress=False)
    assert T.history[-1]["acc"] > 0.9 and T.history[-1]["loss"] < T.history[0]["loss"]
    clf.eval()
    assert (clf(x).argmax(1) == y).float().mean() > 0.95
    assert clf.features(x[:3]).shape == (3, 128)


class BN_D(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def test_D_with_batchnorm_sees_real_and_fake_in_separate_passes():
    torch.manual_seed(0)
    model = GAN(nets.MLP([2, 4]), BN_D(), nets.Noise(2))
    step = GANStep(model, Recipe())
    assert batch_dependent(model.D) and not step.joint
    assert GANStep(GAN(nets.MLP([2, 4]), nets.MaxoutD(4, 3, 2), nets.Noise(2)), Recipe()).joint
    x = torch.randn(8, 4)
    fake = x + 3.0
    real_out, fake_out = step.D_outputs(x, fake)
    # each batch normalised by its own statistics: a batch and the same batch shifted give the
    # same outputs; one mixed batch would tell the halves apart
    assert torch.allclose(real_out, fake_out, atol=1e-4)
    mixed = model.D(torch.cat([x, fake]))
    assert (mixed[:8] - mixed[8:]).abs().max() > 1e-2


def test_bad_data_for_the_loop_is_a_clear_error():
    with pytest.raises(ValueError, match="objective='gan'"):
        Trainer(Run(VAE(4, 2, 3), torch.rand(10, 4), Recipe(objective="gan")))
    with pytest.raises(TypeError, match="p_data must be"):
        Trainer(Run(VAE(4, 2, 3), "data.csv", Recipe(objective="vae")))
