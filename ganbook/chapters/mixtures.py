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

For the playground (ganbook.widgets.playground), :func:`shape` gives two more mixtures of many
small Gaussians along a curve ('spiral', 'moons'), and :func:`divergences` estimates
KL(p_data || p_g) and JS(p_data, p_g) from samples on a grid of bins.

Also the nets of a 2-D GAN: an MLP G (ReLU; batch, layer or no norm) and a maxout D, and the two
D-side fixes of the chapter: PacGAN's packing (D judges m samples at once) and the minibatch
standard deviation feature (Karras et al. 2018).
"""
import math

import torch
from torch import nn

from ganbook.core.nets import FourierFeatures, Maxout
from ganbook.data.mixtures import MIXTURES, SHAPES, Mixture, shape  # noqa: F401 (the chapter's names)
from ganbook.measures.modes import divergences, evaluate, measures, nearest_mode  # noqa: F401


NORMS = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm, "none": None}


def G_2d(d_z=2, hidden=400, layers=4, norm="batch"):
    """z -> [Linear, (norm), ReLU] x layers -> Linear -> R^2; ``norm`` one of :data:`NORMS`:
    'batch' normalises each unit over the minibatch (so a sample of G depends on the others
    drawn with it, in training), 'layer' over the units of one sample (it does not)."""
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r} for G; use one of {sorted(NORMS)}")
    mods, d = [], d_z
    for _ in range(layers):
        mods += [nn.Linear(d, hidden)] + ([NORMS[norm](hidden)] if NORMS[norm] else []) + [nn.ReLU()]
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
    pack; ``minibatch_std``: the feature of :class:`MinibatchStd` before the last layer;
    ``fourier`` > 0: the input first through :class:`~ganbook.core.nets.FourierFeatures` of that
    scale (64 frequencies), so D can resolve the modes' 3 sigma."""

    def __init__(self, d_x=2, hidden=200, layers=3, pieces=5, pack=1, minibatch_std=False, fourier=0.0):
        super().__init__()
        self.pack, self.d_x = pack, d_x
        mods, d = [], d_x * pack
        if fourier:
            mods.append(FourierFeatures(d, 64, fourier))
            d = mods[0].d_out
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
RECIPE = dict(optimizer="adam", lr_D=1e-4, lr_G=1e-4, lr_decay=1.0, betas=(0.5, 0.999), m=100,
              update="alternating")
ANNEAL_UPDATES = 30000
VARIANTS = {
    "gan": {},                                               # non-saturating -log D(G(z))
    "saturating": dict(g_loss="saturating"),                 # log(1 - D(G(z))), as in V(D, G)
    "k5": dict(k=5),                                         # k = 5 steps of D per step of G
    "pacgan4": dict(pack=4),                                 # D judges packs of 4 (Lin et al.)
    "minibatch_std": dict(minibatch_std=True),               # Karras et al. 2018
    "wgan_gp": dict(objective="wgan_gp", betas=(0.5, 0.9), k=5),   # Gulrajani et al. 2017
    "wgan": dict(objective="wgan", optimizer="rmsprop", lr_D=5e-5, lr_G=5e-5, k=5),  # Arjovsky et al.
    # the plain GAN with a longer budget's schedule: lr_t = 1e-4 / 10^(t / 30,000) over D's
    # updates t, then 1e-5 (run it 30,000 iterations: the samples settle as the steps shrink)
    "annealed": dict(lr_decay=10 ** (1 / ANNEAL_UPDATES), lr_min=1e-5),
    # the annealed GAN with z from 100 small separated clusters in R^8 (Noise 'clusters'), so
    # G need not join the modes by bridges of samples (a connected p_z forces them), and
    # layer norm in G instead of batch norm (a sample then does not move with its minibatch)
    "clustered_z": dict(prior="clusters", d_z=8, norm="layer", lr_decay=10 ** (1 / ANNEAL_UPDATES),
                        lr_min=1e-5),
}


def build(mixture="ring", variant="gan", seed=0, hidden_G=400, hidden_D=200, d_z=None,
          layers_G=4, layers_D=3, prior=None, norm=None, pack=None, fourier=None, **recipe):
    """A Trainer of the one loop for ``variant`` on ``mixture`` (a name of MIXTURES, or a
    :class:`Mixture`, e.g. one of points a reader drew).  ``layers_G``/``layers_D``, ``d_z``
    and ``prior`` (of :class:`~ganbook.core.nets.Noise`) and G's ``norm`` (of :data:`NORMS`) --
    each by default the variant's, else 2, 'normal' and 'batch' -- and ``pack`` (overrides
    the variant's) and D's ``fourier`` scale (of :class:`D_2d`) size the nets;
    ``recipe`` overrides fields of :data:`RECIPE`."""
    from ganbook.core.models import GAN
    from ganbook.core.nets import Noise
    from ganbook.core.recipe import Recipe
    from ganbook.core.train import Run, Trainer
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; use one of {sorted(VARIANTS)}")
    kw = dict(VARIANTS[variant])
    variant_pack, mbstd = kw.pop("pack", 1), kw.pop("minibatch_std", False)
    variant_z, variant_prior, variant_norm = kw.pop("d_z", 2), kw.pop("prior", "normal"), kw.pop("norm", "batch")
    d_z, prior, norm = d_z or variant_z, prior or variant_prior, norm or variant_norm
    mix = mixture if isinstance(mixture, Mixture) else Mixture(mixture)
    r = Recipe(**{**RECIPE, **kw, **recipe, "seed": seed})
    torch.manual_seed(seed)
    model = GAN(G_2d(d_z, hidden_G, layers_G, norm),
                D_2d(hidden=hidden_D, layers=layers_D, pack=pack or variant_pack, minibatch_std=mbstd,
                     fourier=fourier or 0.0),
                Noise(d_z, prior))
    spec = {"dataset": f"mixture-{mix.name}", "variant": variant, "hidden_G": hidden_G,
            "hidden_D": hidden_D, "d_z": d_z}
    more = dict(layers_G=(layers_G, 4), layers_D=(layers_D, 3), prior=(prior, "normal"),
                norm=(norm, "batch"), pack=(pack, None), fourier=(fourier, None))
    spec.update({k: v for k, (v, default) in more.items() if v != default})   # old specs stay
    return Trainer(Run(model, mix, r, spec=spec))


# -- what the playground draws (ganbook.widgets.playground) ---------------------------------
def cell_centres(lo, hi, res):
    """The centres of res equal cells over [lo, hi], lowest first."""
    return lo + (torch.arange(res) + 0.5) * (hi - lo) / res


@torch.no_grad()
def D_grid(D, lo, hi, res):
    """D's raw output at the centres of a res x res grid of cells over [lo, hi]^2, as a
    (res, res) tensor whose row 0 is the top (y near hi); with a PacGAN D, on a pack of
    copies of each point."""
    c = cell_centres(lo, hi, res)
    grid = torch.stack([c.repeat(res), c.flip(0).repeat_interleave(res)], 1)
    return D(grid.repeat_interleave(D.pack, 0)).reshape(res, res)


def G_field(D, obj, x):
    """The direction G's loss moves each sample: v_i = -n dL_G/dx_i, where
    L_G = 1/n sum_i l(D(x_i)) is ``obj.G_loss`` on the n = len(x) / pack outputs of D
    (a multiple of D's pack), i.e. v_i = -dl/dx_i, what backpropagation hands G (times 1/n)."""
    x = x.detach().clone().requires_grad_(True)
    g, = torch.autograd.grad(obj.G_loss(D(x)), x)
    return -g * (len(x) // D.pack)


@torch.no_grad()
def z_mesh(G, prior, n):
    """G at an n x n grid of (z_1, z_2) spanning p_z's support, other coordinates 0 (the
    slice through the mean of p_z), as an (n, n, 2) tensor; G in eval mode."""
    from ganbook.core.nets import eval_mode
    a = torch.linspace(*prior.support, n)
    z = torch.zeros(n * n, prior.d_z)
    z[:, 0] = a.repeat_interleave(n)
    if prior.d_z > 1:
        z[:, 1] = a.repeat(n)
    with eval_mode(G):
        return G(z).reshape(n, n, 2)


