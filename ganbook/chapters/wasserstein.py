"""The Wasserstein-1 distance on the 1-D toy: exactly, and as a trained critic estimates it.

In one dimension the earth mover's distance has a closed form through the CDFs:

    W1(p, q) = inf_{gamma in Pi(p, q)} E_(x, y)~gamma |x - y| = integral |F_p(x) - F_q(x)| dx,

and by Kantorovich-Rubinstein duality (WGAN, Arjovsky et al. 2017, Eq. 2)

    W1(p, q) = sup_{||f||_L <= 1} E_p[f(x)] - E_q[f(x)],

which a critic D approximates: WGAN holds D to some K-Lipschitz family by clipping its weights
(so it estimates K * W1 for an unknown K), WGAN-GP pushes |grad D| towards 1 on lines between
data and samples (so its estimate is close to W1 itself).  The JSD, the 2014 GAN's distance
(Theorem 1), saturates at log 2 once p_g and p_data stop overlapping; W1 keeps growing with
the distance between them: the WGAN paper's Figure 1 and Example 1.

:func:`critic_estimate` trains a critic against a fixed p_g = N(a, b^2) with the book's one
loop (:meth:`ganbook.core.train.Trainer.train_D`, the same D steps Algorithm 1 runs).
"""
import math

import numpy as np
import torch

from ganbook.core.models import fixed_generator
from ganbook.base import theory as T
from ganbook.chapters import toy
from ganbook.core.models import GAN
from ganbook.core.nets import Noise
from ganbook.core.train import Recipe, Run, Trainer

# The toy's critic recipes: the papers' optimisers, with a learning rate a 1-D critic can
# settle with in a few thousand steps (the papers' 5e-5 and 1e-4 are for image critics).
CRITIC = {"wgan": dict(objective="wgan", optimizer="rmsprop", lr_D=1e-3, clip=0.01),
          "wgan_gp": dict(objective="wgan_gp", optimizer="adam", lr_D=1e-3, betas=(0.5, 0.9),
                          gp_lambda=10.0)}


# In one dimension WGAN-GP's two-sided penalty can lock the critic's slope at the wrong
# sign: it pulls |D'| towards 1 whichever the sign, with a force of about 2 lambda (20) per
# unit of slope against the data term's W1, and a 1-D slope cannot turn round without
# passing 0.  Measured on p_data = N(4, 0.5^2), p_g = N(6, 0.5^2) (W1 = 2), seed 0, Adam
# 1e-3: the estimate went from -0.10 to -1.74 in 100 steps and stayed there, with or
# without a nearly flat start.  So the critic first takes WARMUP steps with lambda = 0 (the
# data term alone sets the sign), then the penalty (images have many directions to turn in;
# the papers' critics needed no such start).
WARMUP = 50


def warm_up(t):
    """:data:`WARMUP` critic steps of the data term alone (lambda = 0), then the run's own
    lambda back: a 1-D WGAN-GP critic's slope gets its sign before the penalty holds it."""
    gp_lambda, t.recipe.gp_lambda = t.recipe.gp_lambda, 0.0
    try:
        t.train_D(WARMUP)
    finally:
        t.recipe.gp_lambda = gp_lambda


def w1_grid(p, q, dx):
    """W1 = sum |F_p - F_q| dx of two densities tabulated on one grid of step ``dx``."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    return float(np.abs(np.cumsum(p - q) * dx).sum() * dx)


def w1_samples(x, y):
    """W1 between two empirical distributions of equally many points: the mean distance
    between the sorted samples (the optimal coupling in 1-D pairs them in order)."""
    x, y = np.sort(np.ravel(x)), np.sort(np.ravel(y))
    if len(x) != len(y):
        raise ValueError(f"w1_samples needs equally many points ({len(x)} vs {len(y)})")
    return float(np.abs(x - y).mean())


def exact(p_data, a, b, lo=-6.0, hi=16.0, n=8001):
    """(W1, JSD) between ``p_data`` (a :class:`~ganbook.chapters.toy.Mixture1D`) and N(a, b^2), on a grid."""
    x, dx = T.grid(lo, hi, n)
    p, q = T.normalise(p_data.pdf(x), dx), T.normalise(T.gaussian(x, a, b), dx)
    return w1_grid(p, q, dx), T.jsd(p, q, dx=dx)


def critic_estimate(p_data, a, b, objective="wgan_gp", steps=2000, seed=0, hidden=32, m=256,
                    n_eval=20000):
    """Train a critic D against p_g = N(a, b^2) (G fixed) for ``steps`` updates and return
    E_x[D(x)] - E_z[D(G(z))] on ``n_eval`` fresh samples of each: the critic's estimate of
    W1 (WGAN-GP; its first :data:`WARMUP` steps without the penalty) or of K * W1 (WGAN,
    clipped weights)."""
    if objective not in CRITIC:
        raise ValueError(f"unknown critic objective {objective!r}; use one of {sorted(CRITIC)}")
    torch.manual_seed(seed)
    D = toy.ToyD(hidden, centre=p_data.mean, scale=p_data.sd)
    recipe = Recipe(**CRITIC[objective], m=m, lr_decay=1.0, seed=seed)
    t = Trainer(Run(GAN(toy.Affine(a, b), D, Noise(1, "normal")), p_data, recipe))
    if objective == "wgan_gp":
        warm_up(t)
        steps -= WARMUP
    t.train_D(steps)
    g = torch.Generator().manual_seed(seed + 10_000)
    with torch.no_grad():
        x, z = p_data.sample(n_eval, g), t.model.p_z(n_eval, g)
        return float(D(x).mean() - D(t.G(z)).mean())


def valid_W(n=1000, n_samples=1000):
    """An on_epoch callback of a Wasserstein run: the critic's estimate on held-out data,
    ``valid_W`` = mean D(x) over valid[:n] - mean D(G(z)) over fresh samples, both nets in
    eval mode and z seeded alike every epoch (the training rows' ``W`` uses the minibatches
    D was trained on)."""
    from ganbook.core.nets import eval_mode

    def callback(t):
        g = fixed_generator("critic")
        x = torch.as_tensor(t.run.valid[:n], device=t.device)
        with torch.no_grad(), eval_mode(t.D, t.G):
            fake = t.G(t.model.sample_z(n_samples, g).to(t.device))
            return {"valid_W": float(t.D(x).mean() - t.D(fake).mean())}
    return callback


def toy_curves(objective="wgan_gp", iterations=1500, every=50, seed=0, start=-8.0, n=20000,
               d_first=200, lr_G=2e-4):
    """Train Figure 1's 1-D GAN (:func:`ganbook.chapters.figure1.make_trainer`, G starting ``start`` sd
    left of p_data) with ``objective`` and, every ``every`` iterations, measure on ``n`` fixed
    z and n fixed x: the true W1 (:func:`w1_samples`), the JSD (Figure 1's KDE estimate), and
    what the run's D reports -- the critic's E D(x) - E D(G(z)) for the Wasserstein
    objectives, log 2 - L_D for the 2014 minimax game (= JSD when D = D*_G, Theorem 1).
    D first takes ``d_first`` steps alone.  Minimax keeps Figure 1's recipe; the critics take
    :data:`CRITIC`'s, n_critic = 5, and G Adam or RMSprop at ``lr_G`` (at the critic's 1e-3,
    G crosses p_data in a few dozen steps and swings far past it).  Rows of dicts."""
    from ganbook.chapters import figure1 as F
    from ganbook.core.objectives import Minimax
    rec = {} if objective == "minimax" else dict(CRITIC[objective], lr_G=lr_G, k=5, lr_decay=1.0,
                                                 lr_min=1e-6)
    t = F.make_trainer(start=start, seed=seed, **rec)
    if objective == "wgan_gp":
        warm_up(t)
    t.train_D(d_first)                    # D (near) its best against the first p_g, as Fig. 1a
    g = torch.Generator().manual_seed(seed + 10_000)
    x, z = t.p_data.sample(n, g), F.fixed_z(t.p_z, n)

    def measure():
        with torch.no_grad():
            fake = t.G(z)
            real_out, fake_out = t.D(x), t.D(fake)
        if objective == "minimax":
            est = math.log(2) - float(Minimax().D_loss(real_out, fake_out)[0])
        else:
            est = float(real_out.mean() - fake_out.mean())
        return {"iteration": t.iteration, "W1": w1_samples(x.numpy(), fake.numpy()),
                "JSD": F.snapshot(t, keep_state=False).jsd, "estimate": est,
                "g_mean": float(fake.mean())}
    rows = [measure()]
    while t.iteration < iterations:
        for _ in range(every):
            t.step()
        rows.append(measure())
    return rows


def shift_sweep(p_data, shifts, b=None, objectives=("wgan", "wgan_gp"), steps=2000, seed=0):
    """For p_g = N(mean + s, b^2) at each shift s: the exact W1 and JSD and each critic's
    estimate.  Rows of dicts (``shift``, ``W1``, ``JSD``, one key per objective)."""
    b = p_data.sd if b is None else b
    rows = []
    for s in shifts:
        a = p_data.mean + s
        w, j = exact(p_data, a, b)
        row = {"shift": float(s), "W1": w, "JSD": j, "JSD_max": math.log(2)}
        for o in objectives:
            row[o] = critic_estimate(p_data, a, b, o, steps=steps, seed=seed)
        rows.append(row)
    return rows
