"""1-D p_data for the toy chapters (Figure 1, saturation) and their small nets."""

import torch
from torch import nn

from ganbook.core.models import FIXED_Z_FOR
from ganbook.core.nets import MLP, Noise
from ganbook.data.mixture1d import DISTRIBUTIONS, Mixture1D, p_data  # noqa: F401 (toy.p_data)


class Affine(nn.Module):
    """G(z) = a + b z; with z ~ N(0, 1), p_g = N(a, b^2) exactly."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = nn.Parameter(torch.tensor(float(a))), nn.Parameter(torch.tensor(float(b)))

    def forward(self, z):
        return self.a + self.b * z


class Logit(MLP):
    """A toy D: an MLP whose single output is the logit of D(x), shape (m,)."""

    def forward(self, x):
        return self.net(x).squeeze(-1)


def toy_nets(hidden=32, d_z=1, seed=0):
    """Small G (z -> x) and D (x -> logit), seeded so a run is fixed by its seed."""
    torch.manual_seed(seed)
    G = MLP([d_z, hidden, hidden, 1], hidden="leaky_relu")
    D = Logit([1, hidden, hidden, 1], hidden="leaky_relu")
    return G, D


# -- nets that work in p_data's own units (the Figure-1 chapter) -----------------------


class ToyD(nn.Module):
    """D(x) = sigmoid(f(u)), u = (x - centre) / scale; returns the logit f(u), shape (m,).

    With x in p_data's own units, f's ReLU kinks (near u = 0 at initialisation) fall
    where the data are.  Fed x ~ 4 raw, D is linear over the data and can only tell
    p_g's mean from p_data's, never its width.
    """

    def __init__(self, hidden=32, centre=0.0, scale=1.0):
        super().__init__()
        self.centre, self.scale = float(centre), float(scale)
        self.f = MLP([1, hidden, hidden, 1], hidden="leaky_relu")

    def forward(self, x):
        return self.f((x - self.centre) / self.scale).squeeze(-1)


class ToyG(nn.Module):
    """G(z) = centre + scale * f(z), f an MLP: G works in p_data's units too.

    For d_z = 1, f's first-layer kinks are spread evenly over ``z_range`` (slopes
    +-3 / width, random signs), so G can bend wherever p_z puts mass: with z ~ U[0, 1], matching a
    Gaussian needs the steep ends of its quantile function, which PyTorch's default
    init (kinks mostly outside [0, 1]) learns far more slowly.
    """

    def __init__(self, hidden=32, d_z=1, centre=0.0, scale=1.0, z_range=(0.0, 1.0),
                 generator=None):
        super().__init__()
        self.centre, self.scale = float(centre), float(scale)
        self.f = MLP([d_z, hidden, hidden, 1], hidden="leaky_relu")
        if d_z != 1:
            return   # the kinks are placed along a 1-D z line; keep PyTorch's init otherwise
        lo, hi = z_range
        first = self.f.net[0]
        kinks = lo + (hi - lo) * (torch.arange(hidden) + 0.5) / hidden
        sign = torch.where(torch.rand(hidden, generator=generator) < 0.5, -1.0, 1.0)
        slope = sign * 3.0 / (hi - lo)
        with torch.no_grad():
            first.weight.copy_(slope[:, None])
            first.bias.copy_(-slope * kinks)

    @property
    def output_bias(self):
        return self.f.output_bias

    def forward(self, z):
        return self.centre + self.scale * self.f(z)


def scaled_nets(p_data, hidden=32, noise="uniform01", seed=0, d_z=1):
    """G (z -> x) and D (x -> logit) in the units of ``p_data`` (its mean and sd),
    seeded so a run is fixed by its seed.  ``noise`` is a Noise kind (for G's init)."""
    if noise not in Noise.SUPPORT:
        raise ValueError(f"unknown noise {noise!r}; use one of {sorted(Noise.SUPPORT)}")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    G = ToyG(hidden, d_z, p_data.mean, p_data.sd, Noise.SUPPORT[noise], gen)
    D = ToyD(hidden, p_data.mean, p_data.sd)
    return G, D


# -- Section 3's saturation, measured with Algorithm 1 (the theory chapter) -----------

def saturation_run(g_loss, iterations=2000, seed=0, start=-4.0, p_data=None, hidden=32,
                   lr=0.05, m=64, k=1, update="alternating", log_every=20):
    """Algorithm 1 on the 1-D toy from a poor start; returns the :class:`Trainer`.

    G's output bias is shifted so that its samples start at mean ``start``, far from
    p_data (default N(4, 0.5^2)).  D soon rejects them, D(G(z)) -> 0, and there the
    'saturating' loss log(1 - D(G(z))) hands G a gradient of size D(G(z)) through
    D's logit, while 'non_saturating' -log D(G(z)) hands it 1 - D(G(z)) (Section 3).
    Every ``log_every`` iterations (and at iteration 0) a history row also records
    g_mean and g_std: the mean and sd of G on 2000 fixed z.
    """
    from ganbook.core.models import GAN
    from ganbook.core.train import Recipe, Run, Trainer

    p = p_data if p_data is not None else Mixture1D([1], [4.0], [0.5])
    G, D = toy_nets(hidden=hidden, d_z=1, seed=seed)
    noise = Noise(1, "uniform")
    z = noise(2000, torch.Generator().manual_seed(seed + FIXED_Z_FOR["views"]))
    with torch.no_grad():
        G.output_bias.add_(start - G(z).mean())
    recipe = Recipe(k=k, m=m, lr_D=lr, lr_G=lr, lr_decay=1.0, momentum=0.5,
                    final_momentum=0.5, update=update, g_loss=g_loss, seed=seed,
                    epoch_size=log_every)

    def where_is_G(trainer):
        with torch.no_grad():
            x = trainer.G(z)
        return {"g_mean": x.mean().item(), "g_std": x.std().item()}

    trainer = Trainer(Run(GAN(G, D, noise), p, recipe))
    trainer.log_row(**where_is_G(trainer))
    trainer.train(iterations=iterations, on_epoch=[where_is_G], log_every=10 ** 12,
                  progress=False, checkpoint=False)
    return trainer


def arrival(history, target=4.0, tol=1.0):
    """The first logged iteration with |g_mean - target| <= tol, or None if never."""
    for row in history:
        if "g_mean" in row and abs(row["g_mean"] - target) <= tol:
            return row["iteration"]
    return None


def saturation_race(seeds=(0,), iterations=2000, target=4.0, tol=1.0, **kw):
    """Both G losses from the same poor starts; one summary dict per (g_loss, seed)."""
    rows = []
    for g_loss in ("saturating", "non_saturating"):
        for seed in seeds:
            t = saturation_run(g_loss, iterations=iterations, seed=seed, **kw)
            last = t.history[-1]
            rows.append({"g_loss": g_loss, "seed": seed,
                         "arrival": arrival(t.history, target, tol),
                         "g_mean": last["g_mean"], "g_std": last["g_std"],
                         "D_G_z": last["D_G_z"], "wall": t.wall, "history": t.history})
    return rows
