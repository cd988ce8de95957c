"""The measures that replaced Parzen, computed in a classifier's feature space.

With p(y|x) a classifier's softmax and phi(x) its penultimate features:

  Inception Score (Salimans et al. 2016):  IS = exp( E_x KL(p(y|x) || p(y)) ),  p(y) = E_x p(y|x);
      k classes predicted one-hot and equally often give IS = k; mean +- sd over ``splits``.
  Frechet distance (Heusel et al. 2017), Gaussians N(mu_r, S_r), N(mu_g, S_g) fitted to phi:
      FD = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)).
  k-NN manifolds (k = 3): B_i = ball around real phi_i of radius NND_k(phi_i), the distance
  to its k-th nearest real neighbour.
      precision (Kynkaanniemi et al. 2019) = share of samples inside some B_i;
      recall = share of real points inside some sample's ball (radii from the samples);
      density (Naeem et al. 2020) = 1/(k M) sum_j sum_i 1[g_j in B_i];
      coverage = share of real balls B_i that hold at least one sample.
  class coverage: the histogram of predicted classes of the samples, the number of classes
      that get any, and KL(histogram || uniform): the measurable face of mode collapse.

Distances are computed in blocks (``block`` rows at a time), so 10,000 x 10,000 fits in a
few hundred MB.  torchmetrics and prdc are the tests' oracles for these formulas.
"""
import math

import numpy as np
import torch

from ganbook.core.nets import eval_mode
from ganbook.measures.parzen import _as_tensor, sq_distances


def inception_score(probs, splits=10):
    """(mean, sd) over ``splits`` equal parts of IS = exp(mean_x KL(p(y|x) || p(y)))."""
    p = _as_tensor(probs).double()
    scores = []
    for part in torch.tensor_split(p, splits):
        py = part.mean(0, keepdim=True)
        kl = (part * (torch.log(part.clamp_min(1e-30)) - torch.log(py.clamp_min(1e-30)))).sum(1)
        scores.append(math.exp(kl.mean().item()))
    return float(np.mean(scores)), float(np.std(scores))


def gaussian_fit(features):
    f = _as_tensor(features).double()
    mu = f.mean(0)
    c = f - mu
    return mu, c.T @ c / (len(f) - 1)


def frechet_distance(real, fake):
    """FD between Gaussians fitted to two feature sets (rows are examples), in float64.

    Tr((S_r S_g)^(1/2)) = sum_i sqrt(lambda_i), lambda_i the eigenvalues of
    S_r^(1/2) S_g S_r^(1/2) (symmetric, same spectrum as S_r S_g)."""
    mu_r, s_r = gaussian_fit(real)
    mu_g, s_g = gaussian_fit(fake)
    w, v = torch.linalg.eigh(s_r)
    root = (v * w.clamp_min(0).sqrt()) @ v.T
    lam = torch.linalg.eigvalsh(root @ s_g @ root).clamp_min(0)
    fd = ((mu_r - mu_g) ** 2).sum() + torch.trace(s_r) + torch.trace(s_g) - 2 * lam.sqrt().sum()
    return float(fd.clamp_min(0))


def kth_nn_radius(x, k=3, block=2000):
    """Distance from each row of x to its k-th nearest other row."""
    x = _as_tensor(x)
    sq = (x * x).sum(1)
    return torch.cat([sq_distances(x[a:a + block], x, sq).topk(k + 1, largest=False).values[:, k]
                      for a in range(0, len(x), block)]).sqrt()


def prdc(real, fake, k=3, block=2000):
    """{'precision', 'recall', 'density', 'coverage'} of ``fake`` against ``real`` features,
    from one blocked pass over the real-to-sample distances (balls are strict: d < radius)."""
    real, fake = _as_tensor(real), _as_tensor(fake)
    r2_real, r2_fake = kth_nn_radius(real, k, block).square(), kth_nn_radius(fake, k, block).square()
    fake_sq = (fake * fake).sum(1)
    in_real = torch.zeros(len(fake), dtype=torch.long)     # per sample: real balls holding it
    recalled = covered = 0
    for a in range(0, len(real), block):
        d2 = sq_distances(real[a:a + block], fake, fake_sq)
        inside = d2 < r2_real[a:a + block, None]
        in_real += inside.sum(0)
        covered += int(inside.any(1).sum())                  # real balls holding a sample
        recalled += int((d2 < r2_fake).any(1).sum())         # real points in a sample's ball
    return {"precision": (in_real > 0).double().mean().item(), "recall": recalled / len(real),
            "density": in_real.double().sum().item() / (k * len(fake)),
            "coverage": covered / len(real)}


def class_coverage(probs, classes=10):
    """{'histogram', 'covered', 'kl_uniform'} of the predicted classes (argmax)."""
    pred = _as_tensor(probs).argmax(1)
    h = torch.bincount(pred, minlength=classes).double() / len(pred)
    nz = h[h > 0]
    return {"histogram": h.tolist(), "covered": int((h > 0).sum()),
            "kl_uniform": float((nz * torch.log(nz * classes)).sum())}


def measures(samples, real_features, clf, k=3):
    """Every measure of ``samples`` against real images given by their features
    (``predict(clf, real, what='features')``), in the classifier's spaces."""
    probs, f_s = predict(clf, samples, what="both")
    is_mean, is_sd = inception_score(probs)
    cov = class_coverage(probs)
    return {"IS": is_mean, "IS_split_sd": is_sd, "FD": frechet_distance(real_features, f_s),
            **prdc(real_features, f_s, k), "classes_covered": cov["covered"],
            "kl_uniform": cov["kl_uniform"], "class_histogram": cov["histogram"]}


def over_draws(draw, real, clf, draws=3, k=3, extra=None):
    """The measures of ``draws`` sample sets (``draw(i)`` gives the i-th) as {name: mean},
    {name + '_sd': sd over the draws}; the class histogram and ('first_draw') every measure
    of the first draw alone (for a generator, the Parzen protocol's own sample set).
    ``extra``: a function of a sample set returning more measures (numbers) to add to each
    draw's."""
    f_r = predict(clf, real, what="features")
    rows, n = [], None
    for i in range(draws):
        s = draw(i)
        n = len(s)
        rows.append(measures(s, f_r, clf, k) | (extra(s) if extra else {}))
    out = {"draws": draws, "n_samples": n, "class_histogram": rows[0]["class_histogram"],
           "first_draw": {k: v for k, v in rows[0].items() if k != "class_histogram"}}
    for key in rows[0]:
        if key != "class_histogram":
            v = np.array([r[key] for r in rows], dtype=np.float64)
            out[key], out[key + "_sd"] = float(v.mean()), float(v.std(ddof=1)) if draws > 1 else 0.0
    return out


@torch.no_grad()
def predict(model, x, block=2000, what="probs"):
    """Softmax probabilities ('probs'), penultimate features ('features') or both from one
    pass ('both': (probs, features)) of rows of x."""
    if what not in ("probs", "features", "both"):
        raise ValueError(f"what={what!r}: use 'probs', 'features' or 'both'")
    with eval_mode(model):
        x = torch.as_tensor(np.asarray(x, dtype=np.float32))
        f = torch.cat([model.features(x[a:a + block]) for a in range(0, len(x), block)])
        if what == "features":
            return f
        probs = model.head(f).softmax(1)
    return (probs, f) if what == "both" else probs
