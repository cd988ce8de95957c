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

from .nets import FourierFeatures, Maxout

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


def divergences(p, q, lim, bins=50, alpha=0.01):
    """KL(p || q) and JS(p, q) in nats of two sets of 2-D samples, from histograms on the
    same ``bins`` x ``bins`` grid over [lim[0], lim[1]]^2 (samples outside are clamped to the
    edge bins).  Each histogram gets ``alpha`` pseudo-counts per bin before normalising,

        p_b = (c_b + alpha) / (n + alpha B),   B = bins^2,

    so an empty bin of q does not make KL infinite: with alpha = 0.01 a bin holding a
    fraction f of p but none of q adds about f log(f n / alpha).  Then
    KL(p || q) = sum_b p_b log(p_b / q_b) and JS = 1/2 KL(p || m) + 1/2 KL(q || m),
    m = (p + q) / 2 (at most log 2).  Identical sample sets give exactly 0."""
    def hist(x):
        x = torch.as_tensor(x, dtype=torch.float64)
        i = ((x - lim[0]) / (lim[1] - lim[0]) * bins).floor().long().clamp(0, bins - 1)
        c = torch.bincount(i[:, 0] * bins + i[:, 1], minlength=bins * bins).double()
        return (c + alpha) / (len(x) + alpha * bins * bins)
    P, Q = hist(p), hist(q)
    kl = lambda a, b: float(torch.where(a > 0, a * (a / b).log(), 0.0).sum())   # 0 log 0 = 0
    M = (P + Q) / 2
    return {"kl": kl(P, Q), "js": 0.5 * kl(P, M) + 0.5 * kl(Q, M)}


def nearest_mode(samples, means):
    """(||g - mu_i(g)||, i(g)) for each of the (n, 2) samples g: the distance to, and the
    index of, its nearest mode."""
    g = torch.as_tensor(samples, dtype=torch.float32)
    return torch.cdist(g, torch.as_tensor(means, dtype=torch.float32)).min(1)


def measures(samples, means, sigma):
    dist, nearest = nearest_mode(samples, means)
    good = dist < 3 * sigma
    k = len(means)
    counts = torch.bincount(nearest[good], minlength=k).double()
    kl = float("nan")
    if counts.sum() > 0:
        q = counts[counts > 0] / counts.sum()
        kl = float((q * torch.log(k * q)).sum())
    return {"modes": int((counts > 0).sum()), "high_quality": float(good.double().mean()),
            "reverse_kl": kl}


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
    ``fourier`` > 0: the input first through :class:`~ganbook.nets.FourierFeatures` of that
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
    and ``prior`` (of :class:`~ganbook.nets.Noise`) and G's ``norm`` (of :data:`NORMS`) --
    each by default the variant's, else 2, 'normal' and 'batch' -- and ``pack`` (overrides
    the variant's) and D's ``fourier`` scale (of :class:`D_2d`) size the nets;
    ``recipe`` overrides fields of :data:`RECIPE`."""
    from .models import GAN
    from .nets import Noise
    from .recipe import Recipe
    from .train import Run, Trainer
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
@torch.no_grad()
def D_grid(D, lo, hi, res):
    """D's raw output at the centres of a res x res grid of cells over [lo, hi]^2, as a
    (res, res) tensor whose row 0 is the top (y near hi); with a PacGAN D, on a pack of
    copies of each point."""
    c = lo + (torch.arange(res) + 0.5) * (hi - lo) / res
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
    from .nets import eval_mode
    a = torch.linspace(*prior.support, n)
    z = torch.zeros(n * n, prior.d_z)
    z[:, 0] = a.repeat_interleave(n)
    if prior.d_z > 1:
        z[:, 1] = a.repeat(n)
    with eval_mode(G):
        return G(z).reshape(n, n, 2)


def evaluate(trainer, n=2500, seed=0):
    """The measures of n samples of the trainer's G (z seeded, so a check changes nothing)."""
    s = trainer.model.sample(n, torch.Generator().manual_seed(seed))
    return trainer.run.p_data.measures(s)
