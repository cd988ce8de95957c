"""Parzen-window log-likelihood, the paper's Table 1 metric (Breuleux et al. 2011).

    p_hat(x) = 1/N sum_i N(x; mu_i, sigma^2 I),   mu_i = G(z_i),  i = 1..N
    log p_hat(x) = logsumexp_i(-||x - mu_i||^2 / (2 sigma^2)) - log N - d log(sigma sqrt(2 pi))

Protocol of the authors' ``parzen_ll.py``: N = 10,000 samples; sigma from a grid
(logspace(-1, 0, 10)) chosen by the mean log-likelihood of the first 1,000 validation
images; then the mean +- standard error (std / sqrt(n)) over the test images.
Squared distances are computed once per block of points with one matmul and reused
for every sigma; blocks bound the memory (``block`` x N floats).
"""
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

PAPER_SIGMAS = tuple(np.logspace(-1, 0, 10).tolist())


def _as_tensor(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float32) if not torch.is_tensor(a) else a,
                           dtype=torch.float32)


def sq_distances(x, mu, mu_sq=None):
    """||x_j - mu_i||^2 for all pairs, (len(x), len(mu)), clamped at 0.

    Expanded as |x|^2 + |mu|^2 - 2 x.mu in float32; callers centre the data first
    (see :func:`parzen_log_likelihood`) so the cancellation error stays ~1e-5.
    """
    if mu_sq is None:
        mu_sq = (mu * mu).sum(1)
    d2 = torch.addmm(mu_sq.unsqueeze(0), x, mu.t(), beta=1.0, alpha=-2.0)
    d2 += (x * x).sum(1, keepdim=True)
    return d2.clamp_(min=0)


def parzen_log_likelihood(x, mu, sigmas, block=1000):
    """log p_hat(x) for each sigma: float64 array (len(sigmas), len(x)), in nats."""
    sigmas = np.atleast_1d(np.asarray(sigmas, dtype=np.float64))
    if (sigmas <= 0).any():
        raise ValueError(f"sigma must be positive, got {sigmas.tolist()}")
    x, mu = _as_tensor(x), _as_tensor(mu)
    if x.ndim != 2 or mu.ndim != 2 or x.shape[1] != mu.shape[1]:
        raise ValueError(f"x {tuple(x.shape)} and samples {tuple(mu.shape)} must be (n, d) "
                         "with the same d")
    centre = mu.mean(0)
    x, mu = x - centre, mu - centre
    n, d = mu.shape
    mu_sq = (mu * mu).sum(1)
    out = np.empty((len(sigmas), len(x)), dtype=np.float64)
    const = -math.log(n) - d * np.log(sigmas * math.sqrt(2 * math.pi))
    for a in range(0, len(x), block):
        d2 = sq_distances(x[a:a + block], mu, mu_sq)
        for s, sigma in enumerate(sigmas):
            lse = torch.logsumexp(d2 * float(-0.5 / sigma ** 2), dim=1)
            out[s, a:a + block] = lse.double().numpy() + const[s]
    return out


@dataclass
class ParzenResult:
    sigma: float                 # chosen on validation data
    mean: float                  # mean test log-likelihood (nats)
    se: float                    # std / sqrt(n_test)
    sigmas: list = field(default_factory=list)
    valid_ll: list = field(default_factory=list)   # mean validation LL per sigma
    n_samples: int = 0
    n_valid: int = 0
    n_test: int = 0
    seconds: float = 0.0

    def __str__(self):
        return (f"{self.mean:.1f} ± {self.se:.1f} nats (sigma = {self.sigma:.4f} chosen on "
                f"{self.n_valid} validation points; {self.n_test} test points, "
                f"{self.n_samples} samples)")


def parzen_protocol(samples, valid, test, sigmas=PAPER_SIGMAS, n_valid=1000, block=1000):
    """The paper's protocol: choose sigma on ``valid[:n_valid]``, report on ``test``."""
    t0 = time.perf_counter()
    valid = valid[:n_valid]
    v = parzen_log_likelihood(valid, samples, sigmas, block).mean(1)
    best = int(np.argmax(v))
    ll = parzen_log_likelihood(test, samples, [sigmas[best]], block)[0]
    return ParzenResult(
        sigma=float(sigmas[best]), mean=float(ll.mean()),
        se=float(ll.std() / math.sqrt(len(ll))), sigmas=[float(s) for s in sigmas],
        valid_ll=v.tolist(), n_samples=len(samples), n_valid=len(valid), n_test=len(ll),
        seconds=time.perf_counter() - t0)


def nearest(x, ref, block=2000):
    """Index into ``ref`` of the nearest row (Euclidean) for each row of ``x``, in blocks."""
    x, ref = _as_tensor(x), _as_tensor(ref)
    ref_sq = (ref * ref).sum(1)
    return torch.cat([sq_distances(x[a:a + block], ref, ref_sq).argmin(1)
                      for a in range(0, len(x), block)])


def kmeans(x, k, iterations=10, seed=0, block=5000, progress=False):
    """Lloyd's k-means; returns the (k, d) centroids (a Parzen baseline, Theis et al. 2016)."""
    from tqdm.auto import trange
    x = _as_tensor(x)
    if not 1 <= k <= len(x):
        raise ValueError(f"k={k} centroids need 1 <= k <= {len(x)} points")
    g = torch.Generator().manual_seed(seed)
    c = x[torch.randperm(len(x), generator=g)[:k]].clone()
    for _ in trange(iterations, desc=f"k-means (k={k})", disable=not progress, leave=False):
        assign = nearest(x, c, block)
        sums = torch.zeros_like(c).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).unsqueeze(1)
        c = torch.where(counts > 0, sums / counts.clamp(min=1), c)  # empty cluster: keep
    return c


# --- TFD: the paper's per-fold protocol -----------------------------------------------------

@dataclass
class FoldsResult:
    """Table 1's TFD cell: per fold, sigma chosen on its valid set and the mean test
    log-likelihood; ``mean`` ± ``se`` across folds (se = sample std / sqrt(folds))."""
    mean: float
    se: float
    folds: list = field(default_factory=list)   # one ParzenResult dict per fold
    n_samples: int = 0

    def __str__(self):
        sig = ", ".join(f"{f['sigma']:.3f}" for f in self.folds)
        return (f"{self.mean:.1f} ± {self.se:.1f} nats over {len(self.folds)} folds "
                f"(sigma per fold: {sig}; {self.n_samples} samples)")


def tfd_protocol(samples, path=None, folds=range(5), sigmas=None, size=48):
    """The paper's TFD protocol for G's ``samples`` (n, size*size): for each fold, sigma
    chosen on that fold's whole valid set, log-likelihood of its test set; then the mean
    and standard error of the per-fold means."""
    from ganbook.data.faces import load_tfd
    sigmas = PAPER_SIGMAS if sigmas is None else sigmas
    rows = []
    for f in folds:
        valid, test = load_tfd("valid", f, path, size), load_tfd("test", f, path, size)
        rows.append(asdict(parzen_protocol(samples, valid, test, sigmas, n_valid=len(valid))))
    means = np.array([r["mean"] for r in rows])
    se = float(means.std(ddof=1) / math.sqrt(len(means))) if len(means) > 1 else float("nan")
    return FoldsResult(mean=float(means.mean()), se=se, folds=rows, n_samples=len(samples))
