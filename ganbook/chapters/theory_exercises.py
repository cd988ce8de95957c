"""The measured answers to the theory chapter's exercises, as one record.

``python -m ganbook.chapters.theory_exercises runs/exercises/theory.json`` writes it (about
three minutes on one core, nearly all of it exercise 6's thirty runs of Algorithm 1).  Each
``exercise_<n>`` returns a dict of the numbers its solution quotes, rounded as it quotes them.
"""
import json
import sys

import numpy as np

from ganbook.base import theory as T
from ganbook.base.files import atomic_write_text
from ganbook.chapters.toy import Mixture1D, saturation_race


def sig(v, digits=4):
    """``v`` rounded to ``digits`` significant digits (what the prose quotes)."""
    return float(f"{v:.{digits}g}")


def C_shifted(mu):
    """C(G) for p_data = N(0, 1), p_g = N(mu, 1), on a grid that holds both with their tails."""
    x, dx = T.grid(-15.0, mu + 15.0, 40001)
    return T.C(T.normalise(T.gaussian(x, 0.0, 1.0), dx), T.normalise(T.gaussian(x, mu, 1.0), dx), dx=dx)


def exercise_2(level=1e-6):
    """Where the JSD goes flat: C(G) at mu = 5, 10, 20, the mu where -C(G) = ``level``
    (bisection), and dC/dmu (central difference, h = 1e-3) at mu = 5 and 10."""
    lo, hi = 5.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if -C_shifted(mid) > level else (lo, mid)
    slope = lambda mu, h=1e-3: (C_shifted(mu + h) - C_shifted(mu - h)) / (2 * h)
    return {"C": {str(mu): sig(C_shifted(mu), 3) for mu in (5, 10, 20)},
            "mu_at_level": round(lo, 2), "dC_dmu": {str(mu): sig(slope(mu), 2) for mu in (5, 10)}}


def exercise_3():
    """Mode seeking and covering: the slider value (mu, sigma) that minimises each divergence,
    at sigma = 0.5 and with sigma free, for the p_data and grid of the chapter and its widget."""
    x, dx = T.grid(-6, 14, 2001)
    p = T.normalise(Mixture1D([0.5, 0.5], [2.0, 6.0], [0.5, 0.5]).pdf(x), dx)
    mus, sigmas = np.round(np.arange(0, 8.001, 0.1), 2), np.round(np.arange(0.5, 2.001, 0.05), 2)
    table = {"KL(p_data||p_g)": lambda q: T.kl(p, q, dx=dx),
             "KL(p_g||p_data)": lambda q: T.kl(q, p, dx=dx), "JSD": lambda q: T.jsd(p, q, dx=dx)}
    q = {(m, s): T.normalise(T.gaussian(x, m, s), dx) for m in mus for s in sigmas}
    out = {}
    for name, f in table.items():
        v = {k: f(d) for k, d in q.items()}
        best = min(v.values())
        at = lambda keys: sorted([float(m), float(s)] for (m, s) in keys if v[m, s] <= best + 1e-9)
        pinned = min(v[m, 0.5] for m in mus)
        out[name] = {"sigma_0.5": {"mu": [float(m) for m in mus if v[m, 0.5] <= pinned + 1e-9],
                                   "value": round(pinned, 4)},
                     "free": {"mu_sigma": at(v), "value": round(best, 4)}}
    return out


def exercise_4():
    """Proposition 2's step size: at eta = 1 the distance to p_data halves at each step; at
    eta = 0.5 from N(2, 0.1^2), which is exactly 0 far from 2, descent stalls above -log 4."""
    x, dx = T.grid(-6, 14, 2001)
    p = T.normalise(Mixture1D([0.5, 0.5], [2.0, 6.0], [0.5, 0.5]).pdf(x), dx)
    path, _ = T.prop2_descent(p, T.normalise(T.gaussian(x, 0.0, 1.0), dx), eta=1.0, steps=10, dx=dx)
    l1 = [np.abs(q - p).sum() * dx for q in path]
    ratios = [b / a for a, b in zip(l1, l1[1:])]
    q0 = T.normalise(T.gaussian(x, 2.0, 0.1), dx)
    inside = q0 > 0
    P = p[inside].sum() * dx
    _, Cs = T.prop2_descent(p, q0, eta=0.5, steps=200, dx=dx)
    return {"eta_1_ratio_max_error": sig(max(abs(r - 0.5) for r in ratios), 2),
            "zero_below": round(float(x[inside].min()), 2), "zero_above": round(float(x[inside].max()), 2),
            "mass_outside": round(1 - P, 3), "P": round(P, 4),
            "C_after": {str(n): round(Cs[n], 6) for n in (40, 100, 200)},
            "C_formula": round(P * np.log(P) - (1 + P) * np.log(1 + P), 6), "minus_log4": round(-T.LOG4, 6)}


def exercise_5():
    """Averaging the bilinear game's iterates: |mean of w_0..w_t| for simultaneous and
    alternating play (eta = 0.1, from (1, 0)), and the alternating game at eta = 1.9 and 2.1."""
    mean_norm = lambda path, t: float(np.hypot(*path[:t + 1].mean(axis=0)))
    sim = T.bilinear_game(1.0, 0.0, lr=0.1, steps=3000, update="simultaneous")
    alt = T.bilinear_game(1.0, 0.0, lr=0.1, steps=1000, update="alternating")
    a19 = T.bilinear_game(1.0, 0.0, lr=1.9, steps=200, update="alternating")
    a21 = T.bilinear_game(1.0, 0.0, lr=2.1, steps=200, update="alternating")
    M = lambda eta: np.array([[1.0, -eta], [eta, 1 - eta ** 2]])
    return {"simultaneous_mean": {str(t): sig(mean_norm(sim, t), 3) for t in (100, 300, 1000, 3000)},
            "alternating_mean": {str(t): sig(mean_norm(alt, t), 2) for t in (300, 1000)},
            "alternating_radius": [round(float(np.hypot(*alt.T).min()), 2), round(float(np.hypot(*alt.T).max()), 2)],
            "eta_1.9": {"max_radius": round(float(np.hypot(*a19.T).max()), 2),
                        "formula_radius": round(1 / np.sqrt(1 - 1.9 / 2), 2), "mean_200": sig(mean_norm(a19, 200), 2)},
            "eta_2.1": {"trace": round(float(np.trace(M(2.1))), 2),
                        "eigenvalues": sorted(round(float(v), 3) for v in np.linalg.eigvals(M(2.1))),
                        "radius_200": sig(float(np.hypot(*a21[-1])), 2)}}


def race_summary(**kw):
    """saturation_race over seeds 0-4, 2000 iterations: per G loss, the arrival iterations,
    the range of final means and the largest final D(G(z))."""
    rows = saturation_race(seeds=(0, 1, 2, 3, 4), iterations=2000, **kw)
    out = {}
    for loss in ("saturating", "non_saturating"):
        rs = [r for r in rows if r["g_loss"] == loss]
        out[loss] = {"arrival": [r["arrival"] for r in rs],
                     "final_mean": [round(min(r["g_mean"] for r in rs), 2), round(max(r["g_mean"] for r in rs), 2)],
                     "final_D_G_z_max": sig(max(r["D_G_z"] for r in rs), 2)}
    return out


def exercise_6():
    """When saturation stops mattering: the race from x = 2 and from x = -8 (k = 1), and from
    x = -4 with k = 5 D steps per G step."""
    return {"start_2": race_summary(start=2.0), "start_-8": race_summary(start=-8.0),
            "start_-4_k5": race_summary(start=-4.0, k=5)}


def record(path):
    """Every exercise's numbers, written as JSON to ``path``."""
    out = {"made_by": "python -m ganbook.chapters.theory_exercises " + str(path)}
    for n, f in ((2, exercise_2), (3, exercise_3), (4, exercise_4), (5, exercise_5), (6, exercise_6)):
        out[f"exercise_{n}"] = f()
    atomic_write_text(path, json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    import torch
    torch.set_num_threads(1)
    record(sys.argv[1] if len(sys.argv) > 1 else "runs/exercises/theory.json")
