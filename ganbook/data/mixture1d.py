"""1-D p_data for the toy chapters (Figure 1, saturation): mixtures of Gaussians."""
import math

import numpy as np
import torch


class Mixture1D:
    """p_data(x) = sum_j w_j N(x; mu_j, s_j^2); a single Gaussian is one component."""

    def __init__(self, weights, mus, sigmas):
        w = np.asarray(weights, dtype=np.float64)
        if len(w) != len(mus) or len(w) != len(sigmas) or (w < 0).any() or w.sum() <= 0:
            raise ValueError("weights, mus, sigmas must have equal length and weights >= 0")
        if any(s <= 0 for s in sigmas):
            raise ValueError(f"sigmas must be positive, got {sigmas}")
        self.w = w / w.sum()
        self.mus = np.asarray(mus, dtype=np.float64)
        self.sigmas = np.asarray(sigmas, dtype=np.float64)

    def pdf(self, x):
        x = np.asarray(x, dtype=np.float64)[..., None]
        z = (x - self.mus) / self.sigmas
        return (self.w * np.exp(-0.5 * z * z) / (self.sigmas * math.sqrt(2 * math.pi))).sum(-1)

    def sample(self, m, generator=None):
        """(m, 1) float32 samples, drawn with ``generator`` (Algorithm 1's x ~ p_data)."""
        j = torch.multinomial(torch.as_tensor(self.w), m, replacement=True, generator=generator)
        eps = torch.randn(m, generator=generator, dtype=torch.float64)
        x = torch.as_tensor(self.mus)[j] + torch.as_tensor(self.sigmas)[j] * eps
        return x.float().unsqueeze(1)

    __call__ = sample

    @property
    def support(self):
        """An interval holding all but ~1e-6 of the mass (mean +- 5 sd of each part)."""
        return float((self.mus - 5 * self.sigmas).min()), float((self.mus + 5 * self.sigmas).max())

    @property
    def mean(self):
        """E[x] = sum_j w_j mu_j."""
        return float((self.w * self.mus).sum())

    @property
    def sd(self):
        """sqrt(Var[x]), Var[x] = sum_j w_j (s_j^2 + mu_j^2) - E[x]^2."""
        return math.sqrt(float((self.w * (self.sigmas ** 2 + self.mus ** 2)).sum()) - self.mean ** 2)

    def __repr__(self):
        return f"Mixture1D(w={self.w.tolist()}, mus={self.mus.tolist()}, sigmas={self.sigmas.tolist()})"


DISTRIBUTIONS = {
    "gaussian": lambda: Mixture1D([1], [4.0], [0.5]),
    "bimodal": lambda: Mixture1D([0.5, 0.5], [2.0, 6.0], [0.5, 0.5]),
    "skewed": lambda: Mixture1D([0.7, 0.3], [3.0, 5.0], [0.4, 0.8]),
}


def p_data(name="gaussian"):
    if name not in DISTRIBUTIONS:
        raise ValueError(f"unknown 1-D distribution {name!r}; use one of {sorted(DISTRIBUTIONS)}")
    return DISTRIBUTIONS[name]()
