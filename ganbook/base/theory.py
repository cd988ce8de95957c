"""Section 4 of the paper, computed: divergences, V(D, G), the optimal D* and C(G).

Every function takes either discrete distributions (arrays of probabilities summing
to 1, ``dx=None``) or densities sampled on a uniform grid of spacing ``dx`` (an
integral is then the Riemann sum ``sum(f) * dx``).  Conventions: 0 log 0 = 0, and
KL(p || q) = +inf when some q(x) = 0 < p(x).

Inputs are checked: negative entries, a total mass further than ``tol`` from 1
(default :data:`TOL`), non-finite entries and mismatched shapes raise ValueError.
"""
import math

import numpy as np

TOL = 1e-6          # |total mass - 1| allowed before a distribution is rejected
LOG4 = math.log(4.0)


def grid(lo, hi, n=2001):
    """A uniform grid ``x`` on [lo, hi] and its spacing ``dx``."""
    x = np.linspace(lo, hi, n)
    return x, float(x[1] - x[0])


def gaussian(x, mu, sigma):
    """N(x; mu, sigma^2), the density used for p_g in the chapter's examples."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    z = (np.asarray(x, dtype=np.float64) - mu) / sigma
    return np.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))


def normalise(p, dx=None):
    """p divided by its total mass (sum, or sum * dx on a grid): a density restricted to the grid.

    Theorem 1's algebra uses that p_data and p_g integrate to exactly 1; a grid that
    cuts off tails holding 1e-7 of the mass moves -log 4 + 2 JSD by about that much.
    """
    p = np.asarray(p, dtype=np.float64)
    if not np.isfinite(p).all() or (p < 0).any() or p.sum() <= 0:
        raise ValueError("normalise needs finite, non-negative values with a positive total")
    return p / (p.sum() * (1.0 if dx is None else dx))


def check_distribution(p, name="p", dx=None, tol=TOL):
    """``p`` as float64, or a ValueError saying what is wrong with it."""
    p = np.asarray(p, dtype=np.float64)
    if dx is not None and not (dx > 0 and math.isfinite(dx)):
        raise ValueError(f"dx must be a positive grid spacing, got {dx}")
    if p.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(p).all():
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    if (p < 0).any():
        i = int(np.argmin(p))
        raise ValueError(f"{name} is negative: {name}[{i}] = {p.flat[i]:.3g}; "
                         "probabilities and densities must be >= 0")
    mass = p.sum() * (1.0 if dx is None else dx)
    if abs(mass - 1.0) > tol:
        what = "sum" if dx is None else "sum * dx (the integral on the grid)"
        raise ValueError(f"{name} is not normalised: its {what} is {mass:.9g}, not 1 "
                         f"within tol={tol:g}; widen the grid or divide by the total")
    return p


def _pair(p, q, names, dx, tol):
    p = check_distribution(p, names[0], dx, tol)
    q = check_distribution(q, names[1], dx, tol)
    if p.shape != q.shape:
        raise ValueError(f"{names[0]} has shape {p.shape} but {names[1]} has shape {q.shape}; "
                         "they must be on the same support / grid")
    return p, q


def _kl(p, log_q, w):
    """sum p (log p - log q) * w, given log q (no p/q overflow; 0 log 0 = 0)."""
    on = p > 0                         # points with p = 0 add nothing
    if np.isneginf(log_q[on]).any():   # q = 0 < p
        return math.inf
    return float(np.sum(p[on] * (np.log(p[on]) - log_q[on])) * w)


def _log(q):
    with np.errstate(divide="ignore"):
        return np.log(q)


def kl(p, q, dx=None, tol=TOL):
    """KL(p || q) = sum_x p(x) log(p(x) / q(x))   (times dx for densities on a grid).

    Not symmetric; +inf when q(x) = 0 < p(x) somewhere.
    """
    p, q = _pair(p, q, ("p", "q"), dx, tol)
    return _kl(p, _log(q), 1.0 if dx is None else dx)


def jsd(p, q, dx=None, tol=TOL):
    """JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q) / 2   (Section 4.1).

    Symmetric, 0 <= JSD <= log 2, and 0 only when p = q.
    """
    p, q = _pair(p, q, ("p", "q"), dx, tol)
    # log m = log(p + q) - log 2: forming m itself underflows to 0 where p or q is the
    # smallest subnormal (5e-324 / 2 == 0), which made JSD = inf (found by hypothesis).
    log_m = _log(p + q) - math.log(2.0)
    w = 1.0 if dx is None else dx
    # JSD >= 0; a sum of rounding errors can land at -1e-17 when p = q, which printed as
    # "-0.000" in one budget and "0.000" in another.
    return max(0.0, 0.5 * _kl(p, log_m, w) + 0.5 * _kl(q, log_m, w))


def D_star(p_data, p_g):
    """Proposition 1: D*_G(x) = p_data(x) / (p_data(x) + p_g(x)).

    Outside supp(p_data) U supp(p_g) D* is not defined (nothing is sampled there and
    V does not depend on it); we return 1/2 there.
    """
    p_data = np.asarray(p_data, dtype=np.float64)
    p_g = np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)


def value_integrand(D, p_data, p_g):
    """The integrand of Eq. 3: p_data(x) log D(x) + p_g(x) log(1 - D(x)), with 0 log 0 = 0."""
    D = np.asarray(D, dtype=np.float64)
    p_data = np.asarray(p_data, dtype=np.float64)
    p_g = np.asarray(p_g, dtype=np.float64)
    with np.errstate(divide="ignore"):
        real = np.where(p_data > 0, p_data * np.log(np.where(p_data > 0, D, 1.0)), 0.0)
        fake = np.where(p_g > 0, p_g * np.log(np.where(p_g > 0, 1.0 - D, 1.0)), 0.0)
    return real + fake


def V(D, p_data, p_g, dx=None, x=None, tol=TOL):
    """Eq. 1 written over x (Eq. 3, Section 4.1):

        V(D, G) = E_{x~p_data}[log D(x)] + E_{z~p_z}[log(1 - D(G(z)))]
                = integral_x p_data(x) log D(x) + p_g(x) log(1 - D(x)) dx.

    ``D`` is an array of D(x) on the grid / support, or a function evaluated at ``x``.
    """
    p_data, p_g = _pair(p_data, p_g, ("p_data", "p_g"), dx, tol)
    if callable(D):
        if x is None:
            raise ValueError("D is a function: pass the grid x it is evaluated on")
        D = D(np.asarray(x, dtype=np.float64))
    D = np.asarray(D, dtype=np.float64)
    if D.shape != p_data.shape:
        raise ValueError(f"D has shape {D.shape} but p_data has shape {p_data.shape}")
    if not ((D >= 0) & (D <= 1)).all():
        raise ValueError("D(x) is a probability: every value must be in [0, 1]")
    return float(np.sum(value_integrand(D, p_data, p_g)) * (1.0 if dx is None else dx))


def D_star_logit(p_data, p_g):
    """The logit of D*: log(D* / (1 - D*)) = log p_data(x) - log p_g(x)   (Proposition 1).

    Exact where the float D* would round to 0 or 1; +-inf outside one support.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.asarray(p_data, dtype=np.float64)) - np.log(np.asarray(p_g, dtype=np.float64))


def G_loss_at(p_data, p_g, p_g0, dx, kind="non_saturating"):
    """What a G step minimises with D frozen at D*_0 = p_data / (p_data + p_g0):
    E_{p_g}[-log D*_0] ('non_saturating') or E_{p_g}[log(1 - D*_0)] ('saturating').

    At p_g = p_g0 their gradients in p_g's parameters are those of KL(p_g || p_data)
    - 2 JSD and of 2 JSD = C(G) + log 4 (Arjovsky & Bottou 2017, Theorem 2.5).
    """
    a = D_star_logit(p_data, p_g0)
    f = np.logaddexp(0, -a) if kind == "non_saturating" else -np.logaddexp(0, a)
    return float(np.sum(np.asarray(p_g) * f) * dx)


def V_logit(a, p_data, p_g, dx=None, tol=TOL):
    """V(D, G) of Eq. 3 for D = sigmoid(a), given D's logit a (as the nets output it).

    log D = -softplus(-a) and log(1 - D) = -softplus(a) stay finite where D itself
    would round to 0 or 1, so V at a = logit D* equals C(G) to rounding.
    """
    p_data, p_g = _pair(p_data, p_g, ("p_data", "p_g"), dx, tol)
    a = np.asarray(a, dtype=np.float64)
    if a.shape != p_data.shape:
        raise ValueError(f"a has shape {a.shape} but p_data has shape {p_data.shape}")
    a_real = np.where(p_data > 0, a, 0.0)      # 0 log 0 = 0, even where a = -inf
    a_fake = np.where(p_g > 0, a, 0.0)
    total = np.sum(-p_data * np.logaddexp(0.0, -a_real) - p_g * np.logaddexp(0.0, a_fake))
    return float(total * (1.0 if dx is None else dx))


def C_integrand(p_data, p_g):
    """max over D(x) of the integrand of Eq. 3, reached at D*(x) (Proposition 1):

        p_data log(p_data / (p_data + p_g)) + p_g log(p_g / (p_data + p_g)),  0 log 0 = 0.

    Written with the ratios, not with D*, because where p_g << p_data the float
    D* rounds to 1 and log(1 - D*) would be -inf instead of a tiny finite term.
    """
    p_data = np.asarray(p_data, dtype=np.float64)
    p_g = np.asarray(p_g, dtype=np.float64)
    total = p_data + p_g
    log_total = np.log(np.where(total > 0, total, 1.0))
    real = np.where(p_data > 0, p_data * (np.log(np.where(p_data > 0, p_data, 1.0)) - log_total), 0.0)
    fake = np.where(p_g > 0, p_g * (np.log(np.where(p_g > 0, p_g, 1.0)) - log_total), 0.0)
    return real + fake


def C(p_data, p_g, dx=None, tol=TOL):
    """C(G) = max_D V(G, D) = V(D*_G, G)   (Eq. 4, Section 4.1)

        = E_{x~p_data}[log p_data / (p_data + p_g)] + E_{x~p_g}[log p_g / (p_data + p_g)].

    Theorem 1: C(G) = -log 4 + 2 JSD(p_data || p_g), so C(G) >= -log 4 with
    equality only at p_g = p_data.  Computed from Eq. 4, not from :func:`jsd`, so
    the theorem can be checked against it.
    """
    p_data, p_g = _pair(p_data, p_g, ("p_data", "p_g"), dx, tol)
    return float(np.sum(C_integrand(p_data, p_g)) * (1.0 if dx is None else dx))


def C_gradient(p_data, p_g):
    """dC/dp_g(x) = log(1 - D*_G(x)) = log(p_g / (p_data + p_g))   (Section 4.2).

    Proposition 2's proof: the (sub)gradient of sup_D U(p_g, D) contains the
    gradient of U(p_g, D) at the maximising D = D*, and U is linear in p_g with
    coefficient log(1 - D).  (The dependence of D* on p_g adds nothing.)
    """
    p_data = np.asarray(p_data, dtype=np.float64)
    p_g = np.asarray(p_g, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.log(p_g) - np.log(p_data + p_g)


def prop2_descent(p_data, p_g, eta=0.5, steps=20, dx=None):
    """Proposition 2 in function space: improve p_g along -dC/dp_g with D = D* each step.

    The step is exponentiated gradient, which keeps p_g a distribution:
        p_g <- p_g exp(-eta log(1 - D*)) / Z  =  p_g^(1 - eta) (p_data + p_g)^eta / Z,
    so eta = 1 is the mixture step p_g <- (p_data + p_g) / 2.  A multiplicative step
    cannot create mass, so with eta < 1 p_g must be > 0 wherever p_data is.  Returns
    the list of p_g (steps + 1 of them) and of C(G) along the way.
    """
    if not 0 < eta <= 1:
        raise ValueError(f"eta={eta}: the step size must be in (0, 1]")
    p_data, p_g = _pair(p_data, p_g, ("p_data", "p_g"), dx, TOL)
    w = 1.0 if dx is None else dx
    path, Cs = [p_g], [C(p_data, p_g, dx)]
    for _ in range(steps):
        q = p_g ** (1 - eta) * (p_data + p_g) ** eta      # 0 ** 0 = 1 at eta = 1
        p_g = q / (q.sum() * w)
        path.append(p_g)
        Cs.append(C(p_data, p_g, dx))
    return path, Cs


def saturation(D):
    """The two generator losses of Section 3 as functions of d = D(G(z)), d = sigmoid(a).

    'saturating' (Eq. 1, minimised by G):  log(1 - d);  d/dd = -1/(1 - d),  d/da = -d
    'non_saturating' (the fix):            -log d;      d/dd = -1/d,       d/da = -(1 - d)

    The gradient G receives flows through D's logit a, so the d/da columns are what
    counts: when D rejects G's samples (d -> 0) the saturating one vanishes like d.
    """
    d = np.asarray(D, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return {
            "saturating": np.log1p(-d), "non_saturating": -np.log(d),
            "saturating_dD": -1.0 / (1.0 - d), "non_saturating_dD": -1.0 / d,
            "saturating_dlogit": -d, "non_saturating_dlogit": -(1.0 - d),
        }


def bilinear_game(x0=1.0, y0=0.0, lr=0.1, steps=100, update="simultaneous"):
    """Gradient play on min_x max_y f(x, y) = x y, whose only equilibrium is (0, 0).

    'simultaneous':  x <- x - lr y,   y <- y + lr x      (both from the old point)
    'alternating':   x <- x - lr y,   y <- y + lr x_new  (Algorithm 1's order)

    Simultaneous steps multiply the radius by sqrt(1 + lr^2) each step (an outward
    spiral); alternating steps conserve x^2 + y^2 - lr x y (a closed orbit, for
    lr < 2).  Neither reaches (0, 0).  Returns the (steps + 1, 2) trajectory.
    """
    if update not in ("simultaneous", "alternating"):
        raise ValueError(f"update={update!r}: use 'simultaneous' or 'alternating'")
    path = np.empty((steps + 1, 2))
    x, y = float(x0), float(y0)
    path[0] = x, y
    for t in range(1, steps + 1):
        x_new = x - lr * y
        y = y + lr * (x_new if update == "alternating" else x)
        x = x_new
        path[t] = x, y
    return path
