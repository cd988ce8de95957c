"""Measures of n samples g_1..g_n of a 2-D mixture (the papers use n = 2,500), with
i(g) = argmin_i ||g - mu_i||:

  high quality:  ||g - mu_i(g)|| < 3 sigma;   share of high-quality samples;
  modes covered: #{i : i = i(g) for at least one high-quality g};
  reverse KL:    KL(q || u) = sum_i q_i log(K q_i), q the histogram of i(g) over the
                 high-quality samples, u uniform on the K modes (PacGAN's "reverse KL";
                 0 log 0 = 0, so missed modes add nothing but raise the others' q_i).

:func:`divergences` estimates KL(p_data || p_g) and JS(p_data, p_g) from samples on a grid of bins."""
import torch


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


def of_mixture(samples, mixture):
    """{'modes', 'high_quality', 'reverse_kl'} of (n, 2) samples of a
    :class:`~ganbook.data.mixtures.Mixture` (see the module doc)."""
    return measures(samples, mixture.means, mixture.sigma)


def evaluate(trainer, n=2500, seed=0):
    """The measures of n samples of the trainer's G (z seeded, so a check changes nothing)."""
    s = trainer.model.sample(n, torch.Generator().manual_seed(seed))
    return of_mixture(s, trainer.run.p_data)
