"""The 2-D mixtures of the mode-collapse chapter (VEEGAN, Srivastava et al. 2017; PacGAN,
Lin et al. 2018): K equally weighted isotropic Gaussians N(mu_i, sigma^2 I);

  ring: K = 8, mu_i = (cos 2 pi i / 8, sin 2 pi i / 8), sigma = 0.01;
  grid: K = 25, mu on {-4, -2, 0, 2, 4}^2, sigma = 0.05;

and, for the playground, :func:`shape`: many small Gaussians along a curve ('spiral', 'moons')."""
import math

import torch


MIXTURES = {"ring": dict(k=8, sigma=0.01), "grid": dict(k=25, sigma=0.05)}


class Mixture:
    """One of :data:`MIXTURES` (or given ``means``, ``sigma``): a sampler f(m, generator)
    for the one loop, and the modes the measures refer to (ganbook.measures.modes)."""

    def __init__(self, name="ring", means=None, sigma=None):
        if means is None:
            if name not in MIXTURES:
                raise ValueError(f"unknown mixture {name!r}; use one of {sorted(MIXTURES)} "
                                 "or give means and sigma")
            means, sigma = _means(name), MIXTURES[name]["sigma"]
        self.name, self.means, self.sigma = name, torch.as_tensor(means, dtype=torch.float32), float(sigma)

    def __call__(self, m, generator=None):
        i = torch.randint(0, len(self.means), (m,), generator=generator)
        return self.means[i] + self.sigma * torch.randn(m, 2, generator=generator)



def _means(name):
    if name == "ring":
        a = 2 * math.pi * torch.arange(8) / 8
        return torch.stack([a.cos(), a.sin()], 1)
    v = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    return torch.cartesian_prod(v, v)


def _curve(name, k):
    """k points along a spiral (1.5 turns, radius 0.2 to 1.5) or on two interleaved moons."""
    t = torch.linspace(0, 1, k)
    if name == "spiral":
        a, r = 3 * math.pi * t, 0.2 + 1.3 * t
        return torch.stack([r * a.cos(), r * a.sin()], 1)
    a = math.pi * torch.linspace(0, 1, k // 2)
    upper = torch.stack([a.cos() - 0.5, a.sin() - 0.25], 1)
    return torch.cat([upper, torch.stack([0.5 - a.cos(), 0.25 - a.sin()], 1)])


SHAPES = {"spiral": dict(k=60, sigma=0.04), "moons": dict(k=60, sigma=0.04)}


def shape(name):
    """A mixture of :data:`SHAPES`: K equally weighted N(mu_i, sigma^2 I) with the mu_i spaced
    along a curve, so p_data is a blurred curve (no separated modes to count)."""
    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}; use one of {sorted(SHAPES)}")
    return Mixture(name, _curve(name, SHAPES[name]["k"]), SHAPES[name]["sigma"])
