"""ganbook.chapters.figure1_exercises and the two measures of figure1 its answers lean on
(the edges of G's range, the kernel-free JSD): checked on generators whose p_g is known."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from ganbook.base import theory as T
from ganbook.chapters import figure1 as F
from ganbook.chapters import figure1_exercises as X
from ganbook.chapters import toy
from ganbook.core.models import GAN
from ganbook.core.nets import Noise
from ganbook.core.train import Recipe, Run, Trainer

pytestmark = pytest.mark.usefixtures("one_thread")


class Kinked(nn.Module):
    """G(z) = 3 + 2 z + relu(z - 0.3) - 3 relu(z - 0.71): two bends in [0, 1]."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.0))

    def forward(self, z):
        return 3 + 2 * z + self.w * torch.relu(z - 0.3) - 3 * torch.relu(z - 0.71)


def uniform_trainer(G):
    pd = toy.p_data("gaussian")
    _, D = toy.scaled_nets(pd, hidden=4)
    return Trainer(Run(GAN(G, D, Noise(1, "uniform01")), pd, Recipe(m=16)))


def test_bends_counts_the_kinks_of_a_piecewise_linear_G():
    assert X.bends(Kinked()) == 2
    assert X.bends(toy.Affine(3.0, 2.0)) == 0
    assert X.bends(nn.Sequential(nn.Linear(1, 1), nn.LeakyReLU(0.2))) <= 1


def test_edges_of_a_uniform_G_and_the_mass_it_misses():
    e = F.edges(uniform_trainer(toy.Affine(3.0, 2.0)))      # G(z) = 3 + 2 z: p_g = U[3, 5]
    assert (e["G(0)"], e["G(1)"]) == (3.0, 5.0)
    phi = 0.5 * (1 + math.erf(-2 / math.sqrt(2)))            # P(N(4, 0.5^2) < 3) = Phi(-2)
    assert e["mass_below"] == pytest.approx(phi, rel=1e-9) and phi == pytest.approx(0.02275, abs=1e-5)
    assert e["mass_above"] == pytest.approx(phi, rel=1e-6)


def test_kernel_free_jsd_is_exact_for_a_uniform_p_g_and_the_kde_is_lower():
    t = uniform_trainer(toy.Affine(3.0, 2.0))
    x, dx = T.grid(0.0, 8.0, 800_001)
    exact = T.jsd(T.normalise(T.gaussian(x, 4.0, 0.5), dx),
                  T.normalise(((x >= 3) & (x <= 5)).astype(float), dx), dx=dx)
    assert exact == pytest.approx(0.04897, abs=1e-4)             # scipy.integrate.quad agrees
    assert F.kernel_free_jsd(t) == pytest.approx(exact, abs=1e-4)
    # the kernel rounds off p_g's hard edges, so the chapter's estimate is lower
    assert F.snapshot(t, keep_state=False).jsd < exact - 0.005
    assert F.snapshot(t, keep_state=False, h_scale=2).jsd < F.snapshot(t, keep_state=False).jsd
    with pytest.raises(ValueError, match="U\\[0, 1\\]"):
        F.kernel_free_jsd(F.make_trainer(noise="normal"))


def test_saturating_G_far_off_learns_nothing_until_it_switches():
    r = X.exercise_3(seeds=(0,), iterations=20)["from_5_sd"]
    assert r["jsd_after_200_saturating"] > 0.69 > 0.5 > r["jsd_10_later_non_saturating"]
    assert r["D_G_z_at_200"] < 0.01


def test_the_widget_exercises_train_as_the_widget_does():
    t = F.make_trainer(seed=0, **X.WIDGET)
    assert t.recipe.lr_decay == 1.0 and t.recipe.k == F.RECIPE["k"]
    out = X.exercise_1(n=10, presses=2)
    assert out["k=1"]["iteration"] == out["k=5"]["iteration"] == [10, 20]
    assert np.all(np.array(out["k=5"]["jsd"]) < 0.7)
