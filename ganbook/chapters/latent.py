"""Walks and sums in G's latent space (Radford, Metz & Chintala 2016, Sec. 6; White 2016).

Interpolation between two codes z0, z1 of p_z, t in [0, 1]:

    linear:     z(t) = (1 - t) z0 + t z1
    spherical:  z(t) = sin((1 - t) Omega) / sin(Omega) z0 + sin(t Omega) / sin(Omega) z1,
                cos(Omega) = z0 . z1 / (|z0| |z1|)

In 100 dimensions almost every code of p_z has |z| close to sqrt(100) = 10 (both the book's
U[-sqrt 3, sqrt 3] and N(0, I) have unit variance per coordinate), and two codes are
nearly orthogonal, so the linear path's midpoint has norm about 10 / sqrt 2: a place G was
never trained on.  The spherical path keeps the norm (exactly when |z0| = |z1|).

Vector arithmetic: a concept's vector is the mean of the codes whose samples carry it
(DCGAN averaged three codes per concept); ``z + mean(happy) - mean(neutral)`` should add
the concept to the face of z.  :func:`concept_shift` measures that with a classifier, against
a control that adds a random direction of the same length.
"""
import math

import numpy as np
import torch

from ganbook.chapters.classifier import predict
from ganbook.core.nets import eval_mode


def lerp(z0, z1, t):
    """(1 - t) z0 + t z1 for each t in ``t`` (a 1-d tensor): rows of shape (len(t), d)."""
    t = torch.as_tensor(t, dtype=z0.dtype).reshape(-1, 1)
    return (1 - t) * z0 + t * z1


def slerp(z0, z1, t):
    """The spherical path of the module's docstring; falls back to :func:`lerp` when z0 and
    z1 are (anti)parallel to within 1e-6 radians, where sin(Omega) vanishes."""
    t = torch.as_tensor(t, dtype=z0.dtype).reshape(-1, 1)
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1, 1))
    if float(omega.sin().abs()) < 1e-6:
        return lerp(z0, z1, t)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / omega.sin()


def path(z0, z1, n=8, kind="linear"):
    """``n`` codes from z0 to z1 (both ends included) along ``kind``: 'linear' or 'spherical'."""
    if kind not in ("linear", "spherical"):
        raise ValueError(f"unknown interpolation {kind!r}; use 'linear' or 'spherical'")
    t = torch.linspace(0, 1, n, dtype=z0.dtype)
    return (lerp if kind == "linear" else slerp)(z0, z1, t)


def codes(noise, n, seed):
    """``n`` codes of p_z (a :class:`~ganbook.core.nets.Noise`), fixed by ``seed``."""
    return noise(n, torch.Generator().manual_seed(seed))


@torch.no_grad()
def render(G, z, batch=500):
    """G(z) for rows of z, in eval mode (batch norm with its running statistics)."""
    with eval_mode(G):
        return torch.cat([G(z[a:a + batch]) for a in range(0, len(z), batch)])


def label_codes(G, clf, z):
    """The classifier's probabilities (n, classes) for the samples G(z)."""
    return predict(clf, render(G, z).numpy())


def concept_codes(probs, cls, threshold=0.8):
    """Indices of the codes whose samples ``clf`` gives class ``cls`` with probability at
    least ``threshold``, most confident first."""
    p = probs[:, cls]
    idx = torch.nonzero(p >= threshold).flatten()
    return idx[torch.argsort(p[idx], descending=True)]


def concept_vector(z, probs, add, sub, per_concept=3, threshold=0.8):
    """mean(z of ``add``) - mean(z of ``sub``) over the ``per_concept`` most confident codes
    of each class (DCGAN's 3); also returns the indices used, for the figure."""
    picks = [concept_codes(probs, c, threshold)[:per_concept] for c in (add, sub)]
    for c, p in zip((add, sub), picks):
        if len(p) < per_concept:
            raise ValueError(f"only {len(p)} codes of class {c} reach probability {threshold}; "
                             "label more codes or lower the threshold")
    return z[picks[0]].mean(0) - z[picks[1]].mean(0), picks


def concept_shift(G, clf, z, v, cls, seed=0):
    """How adding ``v`` to each code of ``z`` moves the classifier's mean probability of
    ``cls``, beside adding random directions of the same length (the control).

    Returns a dict: ``before``, ``after`` and ``control`` (mean probability of ``cls``), and
    ``flipped`` / ``flipped_control``: the share of codes whose sample the classifier labels
    ``cls`` after the shift but not before.
    """
    g = torch.Generator().manual_seed(seed)
    r = torch.randn(len(z), z.shape[1], generator=g)
    r = r / r.norm(dim=1, keepdim=True) * v.norm()
    p0, p1, pc = (label_codes(G, clf, zz) for zz in (z, z + v, z + r))
    was = p0.argmax(1) == cls
    return {"before": float(p0[:, cls].mean()), "after": float(p1[:, cls].mean()),
            "control": float(pc[:, cls].mean()),
            "flipped": float(((p1.argmax(1) == cls) & ~was).double().mean()),
            "flipped_control": float(((pc.argmax(1) == cls) & ~was).double().mean()),
            "n": len(z), "norm_v": float(v.norm()), "norm_z": float(z.norm(dim=1).mean())}


def walk_labels(G, clf, z0, z1, steps=17):
    """The classifier's label of G(z(t)) at ``steps`` evenly spaced t along the linear and the
    spherical path between each pair of rows of ``z0`` and ``z1``: {kind: (pairs, steps)
    array}, and ``changes`` {kind: mean number of label changes along a path} and ``agree``
    (the share of (pair, t) where the two paths' labels are the same)."""
    labels = {kind: np.stack([label_codes(G, clf, path(a, b, steps, kind)).argmax(1).numpy()
                              for a, b in zip(z0, z1)]) for kind in ("linear", "spherical")}
    return {**labels, "changes": {k: float((np.diff(v, axis=1) != 0).sum(1).mean())
                                  for k, v in labels.items()},
            "agree": float((labels["linear"] == labels["spherical"]).mean())}


def norms_along(z0, z1, n=9):
    """|z(t)| along both paths: (t, linear norms, spherical norms) as numpy arrays."""
    t = np.linspace(0, 1, n)
    return (t, path(z0, z1, n, "linear").norm(dim=1).numpy(),
            path(z0, z1, n, "spherical").norm(dim=1).numpy())


def expected_norm(d=100):
    """sqrt(d): the typical |z| of a d-dimensional code with unit variance per coordinate."""
    return math.sqrt(d)
