"""The 2-D mode-collapse benchmarks (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

p_data is a mixture of K equally weighted isotropic Gaussians N(mu_i, sigma^2 I):

  ring: K = 8, mu_i = (cos 2 pi i / 8, sin 2 pi i / 8), sigma = 0.01;
  grid: K = 25, mu on {-4, -2, 0, 2, 4}^2, sigma = 0.05.

Measures of n samples g_1..g_n (the papers use n = 2,500), with i(g) = argmin_i ||g - mu_i||:

  high quality:  ||g - mu_i(g)|| < 3 sigma;   share of high-quality samples;
  modes covered: #{i : i = i(g) for at least one high-quality g};
  reverse KL:    KL(q || u) = sum_i q_i log(K q_i), q the histogram of i(g) over the
                 high-quality samples, u uniform on the K modes (PacGAN's "reverse KL";
                 0 log 0 = 0, so missed modes add nothing but raise the others' q_i).

Also the nets of a 2-D GAN: an MLP G (ReLU, optional BatchNorm) and a maxout D, and the two
D-side fixes of the chapter: PacGAN's packing (D judges m samples at once) and the minibatch
standard deviation feature (Karras et al. 2018).
"""
import math

import torch
from torch import nn

from .nets import Maxout

MIXTURES = {"ring": dict(k=8, sigma=0.01), "grid": dict(k=25, sigma=0.05)}


class Mixture:
    """One of :data:`MIXTURES` (or given ``means``, ``sigma``): a sampler f(m, generator)
    for the one loop, and the modes the measures refer to."""

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

    def measures(self, samples):
        """{'modes', 'high_quality', 'reverse_kl'} of (n, 2) samples (see the module doc)."""
        return measures(samples, self.means, self.sigma)


def _means(name):
    if name == "ring":
        a = 2 * math.pi * torch.arange(8) / 8
        return torch.stack([a.cos(), a.sin()], 1)
    v = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    return torch.cartesian_prod(v, v)


def measures(samples, means, sigma):
    g = torch.as_tensor(samples, dtype=torch.float32)
    d = torch.cdist(g, torch.as_tensor(means, dtype=torch.float32))
    dist, nearest = d.min(1)
    good = dist < 3 * sigma
    k = len(means)
    counts = torch.bincount(nearest[good], minlength=k).double()
    kl = float("nan")
    if counts.sum() > 0:
        q = counts[counts > 0] / counts.sum()
        kl = float((q * torch.log(k * q)).sum())
    return {"modes": int((counts > 0).sum()), "high_quality": float(good.double().mean()),
            "reverse_kl": kl}


def G_2d(d_z=2, hidden=400, layers=4, batchnorm=True):
    """z -> [Linear, (BatchNorm), ReLU] x layers -> Linear -> R^2."""
    mods, d = [], d_z
    for _ in range(layers):
        mods += [nn.Linear(d, hidden)] + ([nn.BatchNorm1d(hidden)] if batchnorm else []) + [nn.ReLU()]
        d = hidden
    return nn.Sequential(*mods, nn.Linear(d, 2))


class MinibatchStd(nn.Module):
    """Karras et al. 2018: append to each example the mean over features of the standard
    deviation over the minibatch, s = mean_j sd_i(h_ij), so D can see a batch without
    variety."""
    batch_dependent = True

    def forward(self, h):
        s = h.std(0, unbiased=False).mean().expand(len(h), 1)
        return torch.cat([h, s], 1)


class D_2d(nn.Module):
    """Maxout D for points in R^``d_x``, returning a logit.  ``pack`` > 1 (PacGAN): D sees
    the concatenation of ``pack`` samples, all real or all from G, and gives one logit per
    pack; ``minibatch_std``: the feature of :class:`MinibatchStd` before the last layer."""

    def __init__(self, d_x=2, hidden=200, layers=3, pieces=5, pack=1, minibatch_std=False):
        super().__init__()
        self.pack, self.d_x = pack, d_x
        mods, d = [], d_x * pack
        for _ in range(layers):
            mods.append(Maxout(d, hidden, pieces))
            d = hidden
        if minibatch_std:
            mods.append(MinibatchStd())
            d += 1
        self.net = nn.Sequential(*mods, nn.Linear(d, 1))
        self.batch_dependent = pack > 1 or minibatch_std

    def forward(self, x):
        if len(x) % self.pack:
            raise ValueError(f"PacGAN D with pack {self.pack} needs a minibatch divisible by "
                             f"{self.pack}, not {len(x)}: choose m as a multiple of the pack")
        return self.net(x.reshape(len(x) // self.pack, self.d_x * self.pack))


# -- the benchmark's runs --------------------------------------------------------------------
# Our own setup (the papers' differ, and the results depend on it): Adam 1e-4, m = 100, z ~
# N(0, I_2), Algorithm 1's alternating update; one change per variant.
RECIPE = dict(optimizer="adam", lr=1e-4, betas=(0.5, 0.999), m=100, update="alternating")
VARIANTS = {
    "gan": {},                                               # non-saturating -log D(G(z))
    "saturating": dict(g_loss="saturating"),                 # log(1 - D(G(z))), as in V(D, G)
    "k5": dict(k=5),                                         # k = 5 steps of D per step of G
    "pacgan4": dict(pack=4),                                 # D judges packs of 4 (Lin et al.)
    "minibatch_std": dict(minibatch_std=True),               # Karras et al. 2018
    "wgan_gp": dict(objective="wgan_gp", betas=(0.5, 0.9), k=5),   # Gulrajani et al. 2017
}


def build(mixture="ring", variant="gan", seed=0, hidden_G=400, hidden_D=200, d_z=2, **recipe):
    """A Trainer of the one loop for ``variant`` on ``mixture`` (a name of MIXTURES)."""
    from .models import GAN
    from .nets import Noise
    from .recipe import Recipe
    from .train import Run, Trainer
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; use one of {sorted(VARIANTS)}")
    kw = dict(VARIANTS[variant])
    pack, mbstd = kw.pop("pack", 1), kw.pop("minibatch_std", False)
    torch.manual_seed(seed)
    model = GAN(G_2d(d_z, hidden_G), D_2d(hidden=hidden_D, pack=pack, minibatch_std=mbstd),
                Noise(d_z, "normal"))
    spec = {"dataset": f"mixture-{mixture}", "variant": variant, "hidden_G": hidden_G,
            "hidden_D": hidden_D, "d_z": d_z}
    return Trainer(Run(model, Mixture(mixture), Recipe(**{**RECIPE, **kw, **recipe, "seed": seed}),
                       spec=spec))


def evaluate(trainer, n=2500, seed=0):
    """The measures of n samples of the trainer's G (z seeded, so a check changes nothing)."""
    s = trainer.model.sample(n, torch.Generator().manual_seed(seed))
    return trainer.run.p_data.measures(s)
