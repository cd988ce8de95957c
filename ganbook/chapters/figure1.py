"""Figure 1 of the paper, recomputed from a real 1-D training run.

    D*_G(x) = p_data(x) / (p_data(x) + p_g(x))                       (Proposition 1; panel b)
    JSD(p_data || p_g) = 1/2 KL(p_data || M) + 1/2 KL(p_g || M),  M = (p_data + p_g) / 2
                                                                       (Theorem 1; panel d)

p_data is a 1-D density (:func:`ganbook.chapters.toy.p_data`), z ~ U[0, 1] (the figure's lower
line), G and D small MLPs working in p_data's units (:func:`ganbook.chapters.toy.scaled_nets`),
trained by Algorithm 1 through the book's one :class:`~ganbook.core.train.Trainer` with
:data:`RECIPE`.

p_g has no formula; it is estimated from ``N_Z`` samples G(z), z one fixed draw from
p_z, by a Gaussian kernel density estimate with Silverman's rule-of-thumb bandwidth
h = 0.9 min(sd, IQR / 1.34) N^(-1/5) (never below two grid steps), computed by binning
the samples on the grid and convolving with the kernel.  JSD and D* use that p_g.
"""
import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ganbook.core.models import fixed_generator
from ganbook.base import theory as T
from ganbook.chapters import toy
from ganbook.core.nets import Noise
from ganbook.core.models import GAN
from ganbook.core.train import Recipe, Run, Trainer

# Algorithm 1's recipe for the toy: SGD with momentum (the paper's rule), k = 5 so D
# stays near D* (Prop. 2's premise); lr decays LR_DROP-fold over a run to settle
# (1.00015 per D update: 10x over 3000 iterations).
RECIPE = dict(k=5, m=128, lr_D=0.1, lr_G=0.02, lr_decay=1.00015, lr_min=1e-3,
              momentum=0.5, final_momentum=0.5, update="alternating",
              g_loss="non_saturating")
LR_DROP = 10.0
START = -3.0        # G starts as a narrow spike this many sd of p_data left of its mean
N_Z = 20000         # samples of G(z) behind each p_g estimate
SUPPORT = 0.25      # "on the support": where p_data >= SUPPORT * its peak (90% of a
                    # Gaussian's mass); p_g from bounded z has hard edges, never its tails
N_ARROWS = 15       # arrows x = G(z) drawn from the z line
G_STEPS = 5         # G updates against the frozen D behind panel (c): enough to see G move


def make_trainer(p_data="gaussian", noise="uniform01", hidden=32, seed=0, start=START,
                 iterations=None, **recipe):
    """A Trainer for the 1-D GAN: ``recipe`` overrides :data:`RECIPE` field by field.

    ``start`` (in sd of p_data, relative to its mean; None leaves G as initialised)
    shifts G's output bias so that G's samples start there.  With ``iterations`` (and
    no lr_decay given) the learning rates fall LR_DROP-fold over that many iterations.
    """
    if iterations is not None and "lr_decay" not in recipe:
        k = recipe.get("k", RECIPE["k"])
        recipe["lr_decay"] = LR_DROP ** (1.0 / (k * iterations))
    pd = toy.p_data(p_data) if isinstance(p_data, str) else p_data
    G, D = toy.scaled_nets(pd, hidden=hidden, noise=noise, seed=seed)
    nz = Noise(1, noise)
    if start is not None:
        z = nz(2000, torch.Generator().manual_seed(seed + 1))
        with torch.no_grad():
            G.output_bias.add_(start - (G(z).mean().item() - pd.mean) / pd.sd)
    return Trainer(Run(GAN(G, D, nz), pd, Recipe(**{**RECIPE, "seed": seed, **recipe})))


def fixed_z(noise, n=N_Z):
    """One fixed draw of n z's, so p_g changes between snapshots only with G."""
    return noise(n, fixed_generator("figure1"))


def bandwidth(samples, dx):
    """Silverman's rule h = 0.9 min(sd, IQR / 1.34) N^(-1/5), floored at 2 dx."""
    s = np.asarray(samples, dtype=np.float64)
    q75, q25 = np.percentile(s, [75, 25])
    spread = min(s.std(), (q75 - q25) / 1.34) or s.std()
    return max(0.9 * spread * len(s) ** -0.2, 2 * dx)


def kde(samples, x, h_scale=1.0):
    """Gaussian KDE of ``samples`` on the uniform grid ``x`` (binned; see module doc), with
    ``h_scale`` times Silverman's bandwidth."""
    dx = float(x[1] - x[0])
    h = h_scale * bandwidth(samples, dx)
    edges = np.concatenate([x - dx / 2, [x[-1] + dx / 2]])
    counts, _ = np.histogram(samples, bins=edges)
    half = int(np.ceil(5 * h / dx))
    u = np.arange(-half, half + 1) * dx / h
    kernel = np.exp(-0.5 * u * u)
    dens = np.convolve(counts, kernel / kernel.sum(), mode="full")[half:half + len(x)]
    return dens / (len(samples) * dx)


def view(p_data):
    """The x interval drawn: 4 sd either side of each component of p_data."""
    return float((p_data.mus - 4 * p_data.sigmas).min()), float((p_data.mus + 4 * p_data.sigmas).max())


@dataclass
class Snapshot:
    """Everything a Figure-1 panel shows, on the grid ``x`` (numpy arrays)."""
    iteration: int
    x: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    D: np.ndarray
    D_star: np.ndarray
    z: np.ndarray           # the arrows' z ...
    Gz: np.ndarray          # ... and where G sends them
    jsd: float              # JSD(p_data || p_g), nats
    max_D_half: float       # max |D - 1/2| where p_data >= SUPPORT * its peak
    max_D_Dstar: float      # max |D - D*| where p_data and p_g both are >= that level
                            # (where either is, if they do not overlap)
    mean_D_Dstar: float     # E_{x ~ (p_data + p_g) / 2} |D(x) - D*(x)|
    view: tuple = (0.0, 1.0)        # the x interval drawn (:func:`view`)
    noise: str = "uniform01"        # p_z's kind, to lay out the z line
    label: str = ""
    state: dict = field(default=None, repr=False)   # the trainer's, to restart from here


def arrow_z(noise, n=N_ARROWS):
    """n z's at evenly spaced quantiles of p_z (denser where p_z is)."""
    return noise.quantile(torch.tensor((np.arange(n) + 0.5) / n, dtype=torch.float32)[:, None])


def snapshot(trainer, label="", keep_state=True, n_grid=2001, h_scale=1.0):
    """Measure the trainer's G and D: p_g (KDE, ``h_scale`` times Silverman's bandwidth),
    D and D* on a grid, JSD, max|D - 1/2|."""
    pd, G, D = trainer.p_data, trainer.G, trainer.D
    with torch.no_grad():
        s = G(fixed_z(trainer.p_z)).numpy().ravel().astype(np.float64)
        za = arrow_z(trainer.p_z)
        Gz = G(za).numpy().ravel()
    lo, hi = pd.support
    lo, hi = min(lo, s.min()), max(hi, s.max())
    pad = 5 * bandwidth(s, (hi - lo) / (n_grid - 1))
    x, dx = T.grid(lo - pad, hi + pad, n_grid)
    p = T.normalise(pd.pdf(x), dx)
    q = T.normalise(kde(s, x, h_scale), dx)
    with torch.no_grad():
        Dx = torch.sigmoid(D(torch.as_tensor(x, dtype=torch.float32)[:, None])).numpy()
    Dx = Dx.astype(np.float64)
    Ds = T.D_star(p, q)
    on_data = p >= SUPPORT * p.max()
    on_both = on_data & (q >= SUPPORT * p.max())     # D* is a ratio of two real masses
    if not on_both.any():                            # no overlap: D* is 1 on p_data, 0 on p_g
        on_both = on_data | (q >= SUPPORT * p.max())
    err = np.abs(Dx - Ds)
    return Snapshot(
        iteration=trainer.iteration, x=x, p_data=p, p_g=q, D=Dx, D_star=Ds,
        z=za.numpy().ravel(), Gz=Gz, jsd=T.jsd(p, q, dx=dx),
        max_D_half=float(np.abs(Dx[on_data] - 0.5).max()),
        max_D_Dstar=float(err[on_both].max()),
        mean_D_Dstar=float((0.5 * (p + q) * err).sum() * dx), view=view(pd),
        noise=trainer.p_z.kind, label=label,
        state=copy.deepcopy(trainer.state_dict()) if keep_state else None)


def edges(trainer):
    """G(0), G(1) and the mass of p_data outside [min, max] of them: with z ~ U[0, 1] and G
    continuous (and monotone, as trained here), p_g = 0 there, so D*_G = 1 (Proposition 1)."""
    pd = trainer.p_data
    with torch.no_grad():
        g0, g1 = trainer.G(torch.tensor([[0.0], [1.0]])).ravel().tolist()
    cdf = lambda v: sum(w * 0.5 * (1 + math.erf((v - m) / (s * math.sqrt(2))))
                        for w, m, s in zip(pd.w.tolist(), pd.mus.tolist(), pd.sigmas.tolist()))
    return {"G(0)": g0, "G(1)": g1, "mass_below": cdf(min(g0, g1)), "mass_above": 1 - cdf(max(g0, g1))}


def kernel_free_jsd(trainer, n=400_001, bin_width=0.002):
    """JSD(p_data || p_g) with no kernel, for z ~ U[0, 1]: G at n evenly spaced z in [0, 1]
    samples p_g's quantile function evenly, so their histogram (bins of ``bin_width``) is
    p_g up to binning, hard edges and flat steps included.  G is evaluated in float64."""
    if trainer.p_z.kind != "uniform01":
        raise ValueError("kernel_free_jsd needs z ~ U[0, 1]")
    G = copy.deepcopy(trainer.G).double()
    with torch.no_grad():
        s = G(torch.linspace(0, 1, n, dtype=torch.float64)[:, None]).numpy().ravel()
    lo, hi = trainer.p_data.support
    lo, hi = min(lo, s.min()) - bin_width, max(hi, s.max()) + bin_width
    edges_ = np.arange(lo, hi + bin_width, bin_width)
    x, dx = (edges_[:-1] + edges_[1:]) / 2, bin_width
    q = np.histogram(s, bins=edges_)[0] / (n * dx)
    return T.jsd(T.normalise(trainer.p_data.pdf(x), dx), T.normalise(q, dx), dx=dx)


def schedule(iterations, frames):
    """Snapshot iterations 0..iterations, denser early (quadratic), where p_g moves fast."""
    t = np.round(iterations * (np.arange(frames + 1) / frames) ** 2).astype(int)
    return sorted(set(t.tolist()))


def record(trainer, iterations, frames=60):
    """Train ``iterations`` more with the Trainer, snapshotting on :func:`schedule`."""
    start = trainer.iteration
    snaps = []
    for t in schedule(iterations, frames):
        todo = start + t - trainer.iteration
        if todo:
            trainer.train(iterations=todo, log_every=todo, progress=False, checkpoint=False)
        snaps.append(snapshot(trainer))
    return snaps


def restore(trainer, snap):
    """A copy of ``trainer`` in the state of ``snap`` (the original is untouched)."""
    t = copy.deepcopy(trainer)
    t.load_state_dict(copy.deepcopy(snap.state))
    return t


def inner_then_G(trainer, inner=2000, inner_lr=0.03, g_steps=G_STEPS):
    """Panels (a)-(c) from ``trainer`` (left untouched): (a) as is; (b) after ``inner``
    D updates with G frozen, at learning rate ``inner_lr`` (D -> D*: a smaller step
    leaves less SGD noise around the optimum); (c) then ``g_steps`` G updates against
    that D, at the recipe's lr_G."""
    a = snapshot(trainer, "(a)")
    t = copy.deepcopy(trainer)
    lr_D, t.recipe.lr_D = t.recipe.lr_D, inner_lr
    t.train_D(inner)
    t.recipe.lr_D = lr_D
    b = snapshot(t, "(b)")
    t.train_G(g_steps)
    c = snapshot(t, "(c)")
    return a, b, c


def race(iterations=400, every=20, seed=0, start=-5.0, **recipe):
    """Saturating vs non-saturating G loss from the same poor start (Section 3).

    Returns {g_loss: {'iteration': [...], 'jsd': [...], 'g_mean': [...], 'D_G_z': [...],
    'wall': s}}; g_mean is the mean of G on the fixed z's, D_G_z the logged mean D(G(z)).
    """
    out = {}
    for loss in ("saturating", "non_saturating"):
        tr = make_trainer(seed=seed, start=start, g_loss=loss, **recipe)
        rows = {"iteration": [], "jsd": [], "g_mean": [], "D_G_z": []}
        for t in range(0, iterations + 1, every):
            if t:
                tr.train(iterations=every, log_every=every, progress=False, checkpoint=False)
            s = snapshot(tr, keep_state=False)
            rows["iteration"].append(t)
            rows["jsd"].append(s.jsd)
            rows["g_mean"].append(float((s.x * s.p_g).sum() * (s.x[1] - s.x[0])))
            rows["D_G_z"].append(tr.history[-1]["D_G_z"] if tr.history else float("nan"))
        rows["wall"] = tr.wall
        out[loss] = rows
    return out


def first_below(curve, level):
    """The first iteration at which curve['jsd'] <= level, or None."""
    for t, j in zip(curve["iteration"], curve["jsd"]):
        if j <= level:
            return t
    return None


def estimator_check(cases=((4.0, 0.5), (4.5, 0.5), (4.0, 0.25))):
    """The JSD :func:`snapshot` estimates for p_g = N(a, b^2) vs N(4, 0.5^2), against the
    JSD of the two formulas on a fine grid: rows (a, b, estimated, exact)."""
    pd = toy.p_data("gaussian")
    _, D = toy.scaled_nets(pd, hidden=4)
    x, dx = T.grid(0.0, 9.0, 4001)
    rows = []
    for a, b in cases:
        t = Trainer(Run(GAN(toy.Affine(a, b), D, Noise(1, "normal")), pd, Recipe(m=16)))
        exact = T.jsd(T.normalise(pd.pdf(x), dx), T.normalise(T.gaussian(x, a, b), dx), dx)
        rows.append((a, b, snapshot(t, keep_state=False).jsd, exact))
    return rows


# The drawing (panels, the figure, the animation) lives in figure1_plots; re-exported here so
# that ``F = ganbook.chapters.figure1`` reaches the whole figure.
from .figure1_plots import (animation, animation_html, draw, draw_jsd, figure1,  # noqa: E402,F401
                            legend_below, offline_buttons, top_of)
