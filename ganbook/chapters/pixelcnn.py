"""The explicit densities' chapter: the PixelCNN as a run of the one loop (its validation
likelihood, kept at its best), its exact test likelihood, the binary VAE's bounds on the
same images, and what a network's logits can see (causality, the blind spot).

    python -m ganbook train mnist --model pixelcnn --iterations 1800 --out runs/mnist-pixelcnn
    python -m ganbook train mnist --model vae --binarized --epochs 145 --out runs/mnist-vae-binary
"""
from pathlib import Path

import numpy as np
import torch

VALID_EVERY = 100    # steps between validation likelihoods of a PixelCNN run (logged)
N_VALID = 1000       # the fixed binarised validation images it is measured on


@torch.no_grad()
def nll(model, x, batch=500):
    """-log p(x) per image in nats, exact (a PixelCNN), for binary images x."""
    was = model.training
    model.eval()
    out = torch.cat([-model.log_prob(xb) for xb in torch.as_tensor(x, dtype=torch.float32).split(batch)])
    model.train(was)
    return out


@torch.no_grad()
def nll_per_pixel(model, x, batch=500):
    """The mean over images x of -log p(x_i | x_<i) at each pixel position i, in nats, as a
    side x side array (its sum is the mean NLL per image)."""
    was = model.training
    model.eval()
    total = torch.zeros(model.side, model.side, dtype=torch.float64)
    x = torch.as_tensor(x, dtype=torch.float32)
    for xb in x.split(batch):
        xb = xb.reshape(len(xb), 1, model.side, model.side)
        total += torch.nn.functional.binary_cross_entropy_with_logits(
            model(xb), xb, reduction="none").sum((0, 1)).double()
    model.train(was)
    return (total / len(x)).numpy()


def valid_nll(t):
    """A callback: the mean exact NLL of the first :data:`N_VALID` fixed-binarised validation
    images, and the model kept as ``out``/best-model when it is the lowest so far."""
    from ganbook.store import weights
    v = float(nll(t.model, t.run.valid[:N_VALID]).mean())
    best = [r["valid_nll"] for r in t.history if "valid_nll" in r]
    if t.out is not None and (not best or v < min(best)):
        weights.export(t, Path(t.out) / weights.BEST_MODEL, shipped=False, valid_nll=v)
    return {"valid_nll": v}


def keep_best_elbo(t):
    """An on_epoch callback after ``valid_elbo`` (a binary VAE): the model kept as
    ``out``/best-model when the validation ELBO just logged is the highest so far."""
    from ganbook.store import weights
    v = [r["valid_elbo"] for r in t.history if "valid_elbo" in r]
    if t.out is not None and v and "valid_elbo" in t.history[-1] and v[-1] >= max(v):
        weights.export(t, Path(t.out) / weights.BEST_MODEL, shipped=False, valid_elbo=v[-1])
    return None


def training_callbacks(trainer):
    """(on_epoch, every) of a PixelCNN run: the validation NLL every :data:`VALID_EVERY`
    steps (and the best model kept); a grid of 100 samples after each epoch."""
    from ganbook.base.images import save_grid

    def grid(t):
        if t.out is not None:
            x = t.model.sample(100, torch.Generator().manual_seed(1234))
            save_grid(x.numpy(), (t.model.side, t.model.side), 10,
                      Path(t.out) / "samples" / f"epoch{int(t.epoch):04d}.png")
    return [grid], [(VALID_EVERY, valid_nll)]


def dependence(model, i, x=None):
    """|d logit_i / d x_j| for every pixel j of one image (default: a blank image with
    random pixels), as a side x side array: which inputs pixel i's prediction reads."""
    s = model.side
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(1, 1, s, s, generator=g) < 0.3).float() if x is None else x.reshape(1, 1, s, s).clone()
    x.requires_grad_(True)
    was = model.training
    model.eval()
    logit = model(x).flatten()[i]
    (grad,) = torch.autograd.grad(logit, x)
    model.train(was)
    return grad.abs().reshape(s, s).numpy()


def receptive_field(model, i, n=4):
    """The pixels that pixel i's logit reads (True where any of ``n`` random images gives
    a non-zero gradient), as a side x side boolean array."""
    s, seen = model.side, np.zeros((model.side, model.side), bool)
    g = torch.Generator().manual_seed(1)
    for _ in range(n):
        x = (torch.rand(1, 1, s, s, generator=g) < 0.5).float()
        seen |= dependence(model, i, x) > 0
    return seen


# The ways of drawing from a PixelCNN that the chapter and ``make bench`` time: (name, images,
# sample() options).  One network pass per pixel, 784 in sequence, whatever the way.
SAMPLERS = (
    ("a full pass per pixel, one image at a time", 1, dict(window=False, cache=False, batch=1)),
    ("a full pass per pixel, 10 images together", 10, dict(window=False, cache=False, batch=10)),
    ("the rows a pixel sees, 10 together", 10, dict(window=True, cache=False, batch=10)),
    ("cached rows, one image at a time", 2, dict(cache=True, batch=1)),
    ("cached rows, 100 together", 100, dict(cache=True, batch=100)),
    ("cached rows, 500 together", 500, dict(cache=True, batch=500)),
)


def sampling_speed(model, gan, samplers=SAMPLERS, scale=1.0):
    """Images per second of each way of sampling the PixelCNN ``model`` and of the GAN's one
    pass G(z) (100 at a time), measured now, in one run; ``scale`` < 1 draws fewer images
    (quick mode).  Returns rows (way, images, seconds, images/s, GAN's images/s / this)."""
    import time

    def rate(fn, n):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        return dt, n / dt
    g = torch.Generator().manual_seed(0)
    n_gan = max(100, int(10000 * scale))
    gan.sample(100, g)                                              # warm up
    gan_dt, gan_rate = rate(lambda: gan.sample(n_gan, g, batch=100), n_gan)
    rows = [("GAN: G(z), one pass, 100 together", n_gan, gan_dt, gan_rate, 1.0)]
    for name, n, kw in samplers:
        n = max(1, int(n * scale)) if kw.get("batch", 1) > 1 else n
        kw = {**kw, "batch": min(kw["batch"], n)}
        dt, r = rate(lambda: model.sample(n, g, **kw), n)
        rows.append((name, n, dt, r, gan_rate / r))
    return rows


def blind_spot(seen, r):
    """The pixels of the rows above row r that a logit of row r leaves unread although they
    lie within the bounding box of those it reads there ((row, column) pairs): the blind spot
    of stacked masked convolutions; none for a network that reads full rows above."""
    above = seen[:r]
    rows, cols = np.flatnonzero(above.any(1)), np.flatnonzero(above.any(0))
    box = above[rows.min():, cols.min():cols.max() + 1]
    return [(int(a) + rows.min(), int(b) + cols.min()) for a, b in np.argwhere(~box)]


@torch.no_grad()
def total_probability(model):
    """sum over every binary image x of the model's side x side of p(x) (2^(side^2) images;
    side 4 or less): 1 for a model whose logits are causal."""
    n = model.side ** 2
    if n > 16:
        raise ValueError(f"{2 ** n} images of side {model.side} are too many to list; use side <= 4")
    x = ((torch.arange(2 ** n)[:, None] >> torch.arange(n)) & 1).float()
    logp = torch.cat([model.log_prob(xb) for xb in x.split(8192)]).double()
    return float(torch.logsumexp(logp, 0).exp())


def largest_forbidden_gradient(model, pixels=None):
    """max over pixels i (all, or the given ones) and j >= i of |d logit_i / d x_j|: 0 for
    a causal network."""
    pixels = range(model.side ** 2) if pixels is None else pixels
    return max(float(dependence(model, i).flatten()[i:].max()) for i in pixels)


def iwae_bounds(vae_model, x, Ks=(1, 10, 100), seed=0):
    """{K: per-image importance-weighted bound L_K (nats)} of a VAE on images x."""
    from ganbook.chapters.vae import log_likelihood_bound
    return {K: log_likelihood_bound(vae_model, x, K=K, seed=seed, batch=max(1, 50000 // K)) for K in Ks}


# (which test set, measure, header, digits): the paper's protocol and the classifier's measures,
# against the grey test images and against their fixed binarisation.
FAMILY_COLUMNS = [("grey", "parzen", "Parzen ↑, grey", 0), ("binary", "parzen", "Parzen ↑, binarised", 0),
                  ("grey", "FD", "FD ↓, grey", 1), ("binary", "FD", "FD ↓, binarised", 1),
                  ("grey", "precision", "precision ↑", 2), ("grey", "recall", "recall ↑", 2)]


def families_table(rows, columns=FAMILY_COLUMNS):
    """A Markdown table of the three families: for each sample set, what its model reports
    about -log p(x) on the binarised test set (``rows[name]['likelihood']``, text), then
    measures of one draw of samples against the grey and the binarised test images
    (``rows[name]['grey']``, ``['binary']``: :func:`ganbook.chapters.scoreboard.score` dicts)."""
    head = ("| model, samples | −log p(x) ↓, binarised test (nats) | "
            + " | ".join(label for _, _, label, _ in columns) + " |")
    lines = [head, "|" + "---|" * (len(columns) + 2)]
    for name, r in rows.items():
        cells = [f"{r[which][key]:.{digits}f}" for which, key, _, digits in columns]
        cell = name.replace("|", "\\|")             # a | in a name would split the row
        lines.append(f"| {cell} | {r['likelihood']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
