"""ganbook.base.theory: the identities of Section 4, checked with numbers and random distributions."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from ganbook.base import theory as T

LOG2, LOG4 = math.log(2), math.log(4)
SETTINGS = settings(max_examples=100, deadline=None)


@st.composite
def dists(draw, n=None):
    """A random probability vector, zeros allowed."""
    n = n or draw(st.integers(2, 12))
    w = draw(arrays(np.float64, n, elements=st.floats(0, 1)).filter(lambda a: a.sum() > 1e-3))
    return w / w.sum()


@st.composite
def pairs(draw):
    n = draw(st.integers(2, 12))
    return draw(dists(n)), draw(dists(n))


def tv(p, q):
    return 0.5 * np.abs(p - q).sum()


# -- KL and JSD: exact values --------------------------------------------------------

def test_kl_known_values_and_asymmetry():
    p, q = [0.5, 0.5], [0.9, 0.1]
    forward = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    backward = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    assert T.kl(p, q) == pytest.approx(forward, abs=1e-14)   # 0.5108
    assert T.kl(q, p) == pytest.approx(backward, abs=1e-14)  # 0.3681
    assert T.kl(p, q) - T.kl(q, p) > 0.14                    # KL is not symmetric


def test_kl_zeros_follow_the_conventions():
    assert T.kl([1, 0], [0.5, 0.5]) == pytest.approx(LOG2)      # 0 log 0 = 0
    assert T.kl([0.5, 0.5], [1, 0]) == math.inf                 # q = 0 < p
    assert T.kl([0.2, 0.8, 0], [0.2, 0.8, 0]) == 0.0
    # a q far below p is large but finite (no overflow of p / q)
    want = 0.5 * math.log(0.5) + 0.5 * (math.log(0.5) - math.log(1e-310))
    assert T.kl([0.5, 0.5], [1.0, 1e-310]) == pytest.approx(want, rel=1e-12)   # 356.2


def test_jsd_known_values():
    assert T.jsd([1, 0], [0, 1]) == pytest.approx(LOG2, abs=1e-15)   # disjoint supports
    # JSD([1,0],[1/2,1/2]) with m = [3/4, 1/4]
    want = 0.5 * math.log(1 / 0.75) + 0.5 * (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25))
    assert T.jsd([1, 0], [0.5, 0.5]) == pytest.approx(want, abs=1e-15)


def test_kl_on_a_grid_matches_the_gaussian_closed_form():
    x, dx = T.grid(-15, 20, 7001)
    m1, s1, m2, s2 = 1.0, 0.7, 2.5, 1.3
    want = math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
    got = T.kl(T.gaussian(x, m1, s1), T.gaussian(x, m2, s2), dx=dx)
    assert got == pytest.approx(want, abs=1e-9)


def test_jsd_on_a_grid_of_far_apart_gaussians_is_log2():
    x, dx = T.grid(-10, 30, 8001)
    assert T.jsd(T.gaussian(x, 0, 1), T.gaussian(x, 20, 1), dx=dx) == pytest.approx(LOG2, abs=1e-9)


# -- input checking ------------------------------------------------------------------------

@pytest.mark.parametrize("p, q, message", [
    ([0.5, 0.5], [1.2, -0.2], "negative"),
    ([0.5, 0.6], [0.5, 0.5], "not normalised"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], "shape"),
    ([float("nan"), 1.0], [0.5, 0.5], "non-finite"),
])
def test_bad_inputs_raise_a_named_value_error(p, q, message):
    for f in (T.kl, T.jsd, T.C):
        with pytest.raises(ValueError, match=message):
            f(p, q)


def test_tolerance_is_stated_and_used():
    p = [0.5 + 5e-7, 0.5]                       # mass off by 5e-7 < TOL = 1e-6
    assert T.kl(p, [0.5, 0.5]) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="tol=1e-09"):
        T.kl(p, [0.5, 0.5], tol=1e-9)
    x, dx = T.grid(-2, 2, 101)                  # N(0,1) cut at +-2 sd holds only 0.954
    with pytest.raises(ValueError, match="not normalised"):
        T.jsd(T.gaussian(x, 0, 1), T.gaussian(x, 0, 1), dx=dx)


# -- JSD properties (hypothesis) --------------------------------------------------------------

@SETTINGS
@given(pairs())
def test_jsd_is_symmetric_and_bounded(pq):
    p, q = pq
    j = T.jsd(p, q)
    assert j == pytest.approx(T.jsd(q, p), abs=1e-12)
    assert -1e-15 <= j <= LOG2 + 1e-12


@SETTINGS
@given(pairs())
def test_jsd_is_zero_iff_equal(pq):
    p, q = pq
    assert T.jsd(p, p) == pytest.approx(0.0, abs=1e-15)
    # Pinsker on each half: JSD >= TV^2 / 2, so p != q forces JSD > 0
    assert T.jsd(p, q) >= 0.5 * tv(p, q) ** 2 - 1e-12


@SETTINGS
@given(pairs())
def test_jsd_is_the_mean_of_two_kls_to_the_midpoint(pq):
    p, q = pq
    m = (p + q) / 2
    # the oracle forms m itself, which underflows to 0 where p or q is the smallest subnormal
    # (5e-324 / 2 == 0: KL to it is inf); jsd avoids forming m, the oracle cannot
    assume(np.all((m > 0) | ((p == 0) & (q == 0))))
    assert T.jsd(p, q) == pytest.approx(0.5 * T.kl(p, m) + 0.5 * T.kl(q, m), abs=1e-12)


# -- Proposition 1 and Theorem 1 -------------------------------------------------------------

@SETTINGS
@given(pairs())
def test_theorem1_C_equals_minus_log4_plus_2_jsd(pq):
    p_data, p_g = pq
    assert T.C(p_data, p_g) == pytest.approx(-LOG4 + 2 * T.jsd(p_data, p_g), abs=1e-9)


@SETTINGS
@given(pairs())
def test_C_is_at_least_minus_log4_with_equality_only_at_p_g_eq_p_data(pq):
    p_data, p_g = pq
    assert T.C(p_data, p_data) == pytest.approx(-LOG4, abs=1e-12)
    assert T.C(p_data, p_g) >= -LOG4 + tv(p_data, p_g) ** 2 - 1e-12


@SETTINGS
@given(pairs(), st.integers(0, 2 ** 32 - 1), st.floats(1e-6, 0.5))
def test_D_star_maximises_V_pointwise(pq, seed, scale):
    p_data, p_g = pq
    rng = np.random.default_rng(seed)
    D = np.clip(T.D_star(p_data, p_g) + scale * rng.standard_normal(p_data.shape), 0, 1)
    best = T.C_integrand(p_data, p_g)
    assert (T.value_integrand(D, p_data, p_g) <= best + 1e-15).all()
    assert T.V(D, p_data, p_g) <= T.C(p_data, p_g) + 1e-12


@SETTINGS
@given(pairs())
def test_V_at_D_star_is_C(pq):
    p_data, p_g = pq
    v = T.V(T.D_star(p_data, p_g), p_data, p_g)
    if math.isfinite(v):   # -inf only where float D* rounds to 1 with p_g > 0 (next test)
        assert v == pytest.approx(T.C(p_data, p_g), abs=1e-12)


def test_C_stays_finite_where_D_star_rounds_to_one():
    p_data, p_g = np.array([0.5, 0.5]), np.array([1.0, 1e-300])
    assert T.D_star(p_data, p_g)[1] == 1.0
    assert T.V(T.D_star(p_data, p_g), p_data, p_g) == -math.inf
    want = 0.5 * math.log(0.5 / 1.5) + math.log(1 / 1.5)   # the 1e-300 terms vanish
    assert T.C(p_data, p_g) == pytest.approx(want, abs=1e-14)


@SETTINGS
@given(pairs(), st.integers(0, 2 ** 32 - 1), st.floats(1e-6, 5.0))
def test_V_at_the_logit_of_D_star_is_C_and_no_logit_perturbation_beats_it(pq, seed, scale):
    p_data, p_g = pq
    a = T.D_star_logit(p_data, p_g)
    c = T.C(p_data, p_g)
    assert T.V_logit(a, p_data, p_g) == pytest.approx(c, abs=1e-12)   # also where D* rounds to 1
    eps = np.random.default_rng(seed).standard_normal(a.shape)
    assert T.V_logit(a + scale * eps, p_data, p_g) <= c + 1e-12


def test_V_logit_is_V_of_the_sigmoid():
    x, dx = T.grid(-8, 8, 1601)
    p_data, p_g = T.normalise(T.gaussian(x, -1, 1), dx), T.normalise(T.gaussian(x, 1.5, 2), dx)
    a = 0.7 * x - 0.3
    assert T.V_logit(a, p_data, p_g, dx=dx) == pytest.approx(T.V(1 / (1 + np.exp(-a)), p_data, p_g, dx=dx),
                                                             abs=1e-12)
    with pytest.raises(ValueError, match="shape"):
        T.V_logit(a[:-1], p_data, p_g, dx=dx)


def test_normalise_makes_theorem1_exact_on_a_cut_grid():
    x, dx = T.grid(-6, 14, 2001)
    p_data, p_g = T.gaussian(x, 2, 0.5), T.gaussian(x, -1, 1)    # p_g loses 2.9e-7 past x = -6
    gap = T.C(p_data, p_g, dx=dx) - (-LOG4 + 2 * T.jsd(p_data, p_g, dx=dx))
    lost = 2 - (p_data.sum() + p_g.sum()) * dx
    assert 2e-7 < lost < 4e-7
    assert gap == pytest.approx(math.log(2) * lost, rel=1e-5)  # the algebra: log 2 per unit lost
    p_g = T.normalise(p_g, dx)
    assert p_g.sum() * dx == pytest.approx(1.0, abs=1e-14)
    assert T.C(p_data, p_g, dx=dx) == pytest.approx(-LOG4 + 2 * T.jsd(p_data, p_g, dx=dx), abs=1e-12)
    with pytest.raises(ValueError, match="non-negative"):
        T.normalise([0.5, -0.1])


@SETTINGS
@given(dists())
def test_D_star_is_one_half_when_p_g_is_p_data(p):
    assert np.array_equal(T.D_star(p, p), np.full(p.shape, 0.5))


def test_D_star_values_and_the_undefined_region():
    np.testing.assert_allclose(T.D_star([0.6, 0.3, 0.1, 0.0], [0.2, 0.3, 0.0, 0.5]),
                               [0.75, 0.5, 1.0, 0.0])
    assert T.D_star([0.0], [0.0])[0] == 0.5


def test_V_on_a_grid_with_a_function_D():
    x, dx = T.grid(-10, 10, 4001)
    p = T.gaussian(x, 0, 1)
    # D = 1/2 everywhere gives log(1/2) + log(1/2) whatever p_g is
    assert T.V(lambda x: np.full_like(x, 0.5), p, T.gaussian(x, 2, 1), dx=dx, x=x) == \
        pytest.approx(-LOG4, abs=1e-9)
    # a D that says 0 where p_data has mass is infinitely bad
    assert T.V(np.where(x > 0, 1.0, 0.0), p, p, dx=dx) == -math.inf
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        T.V(np.full_like(x, 1.5), p, p, dx=dx)


def test_theorem1_on_a_grid_of_gaussians():
    x, dx = T.grid(-10, 14, 6001)
    p_data, p_g = T.gaussian(x, 2, 1), T.gaussian(x, 3.5, 0.8)
    assert T.C(p_data, p_g, dx=dx) == pytest.approx(-LOG4 + 2 * T.jsd(p_data, p_g, dx=dx), abs=1e-9)
    assert T.C(p_data, p_data, dx=dx) == pytest.approx(-LOG4, abs=1e-9)


# -- Section 3: saturation -------------------------------------------------------------------

def test_saturating_gradient_vanishes_where_D_rejects_G():
    s = T.saturation(np.array([0.01, 0.5, 0.99]))
    np.testing.assert_allclose(s["saturating_dlogit"], [-0.01, -0.5, -0.99])
    np.testing.assert_allclose(s["non_saturating_dlogit"], [-0.99, -0.5, -0.01])
    np.testing.assert_allclose(s["saturating_dD"], [-1 / 0.99, -2, -100])
    np.testing.assert_allclose(s["non_saturating_dD"], [-100, -2, -1 / 0.99])
    np.testing.assert_allclose(s["saturating"], np.log([0.99, 0.5, 0.01]))
    np.testing.assert_allclose(s["non_saturating"], -np.log([0.01, 0.5, 0.99]))


def test_saturation_gradients_are_derivatives_of_the_losses():
    a = np.linspace(-6, 6, 25)
    h = 1e-6
    s, up, dn = (T.saturation(1 / (1 + np.exp(-b))) for b in (a, a + h, a - h))
    for name in ("saturating", "non_saturating"):
        np.testing.assert_allclose((up[name] - dn[name]) / (2 * h), s[name + "_dlogit"], atol=1e-6)


# -- the bilinear game --------------------------------------------------------------------------

def test_simultaneous_steps_spiral_out_at_the_predicted_rate():
    path = T.bilinear_game(1.0, 0.5, lr=0.1, steps=200, update="simultaneous")
    r = np.hypot(path[:, 0], path[:, 1])
    np.testing.assert_allclose(r, math.hypot(1, 0.5) * math.sqrt(1.01) ** np.arange(201), rtol=1e-12)
    assert r[-1] / r[0] == pytest.approx(1.01 ** 100, rel=1e-12)     # 2.70x after 200 steps


def test_alternating_steps_cycle_on_a_conserved_orbit():
    lr = 0.1
    path = T.bilinear_game(1.0, 0.5, lr=lr, steps=2000, update="alternating")
    x, y = path[:, 0], path[:, 1]
    np.testing.assert_allclose(x * x + y * y - lr * x * y, 1.25 - 0.05, rtol=1e-12)
    r = np.hypot(x, y)
    assert r.max() < 1.2 and r.min() > 0.9        # bounded, and never at (0, 0)
    assert (np.diff(np.sign(x)) != 0).sum() >= 60  # it keeps going round: ~64 crossings


def test_bilinear_game_rejects_unknown_update():
    with pytest.raises(ValueError, match="alternating"):
        T.bilinear_game(update="adam")


# -- Proposition 2 -------------------------------------------------------------------------------

@SETTINGS
@given(pairs(), st.floats(0, 1))
def test_C_is_convex_in_p_g(pq, t):
    p_data, p_g = pq
    q_g = p_data[::-1].copy()                    # a second p_g on the same support
    mix = t * p_g + (1 - t) * q_g
    assert T.C(p_data, mix) <= t * T.C(p_data, p_g) + (1 - t) * T.C(p_data, q_g) + 1e-12


def test_C_gradient_is_log_1_minus_D_star():
    rng = np.random.default_rng(0)
    p_data, p_g = rng.dirichlet(5 * np.ones(6)), rng.dirichlet(5 * np.ones(6))   # no tiny p
    v = rng.standard_normal(6)
    v -= v.mean()                                # stay on the simplex
    h = 1e-6
    fd = (T.C(p_data, p_g + h * v) - T.C(p_data, p_g - h * v)) / (2 * h)
    assert fd == pytest.approx(np.dot(v, np.log(1 - T.D_star(p_data, p_g))), abs=1e-8)
    np.testing.assert_allclose(T.C_gradient(p_data, p_g), np.log(1 - T.D_star(p_data, p_g)))


def test_prop2_descent_reaches_minus_log4():
    p_data = np.array([0.1, 0.2, 0.3, 0.4])
    path, Cs = T.prop2_descent(p_data, np.array([0.7, 0.1, 0.1, 0.1]), eta=0.5, steps=60)
    assert all(b < a for a, b in zip(Cs, Cs[1:]))               # C falls at every step
    assert Cs[-1] == pytest.approx(-LOG4, abs=1e-9)
    np.testing.assert_allclose(path[-1], p_data, atol=1e-6)
    # eta = 1 is the mixture step: p_g - p_data halves, and mass appears where p_g had none
    path, _ = T.prop2_descent(p_data, np.array([1.0, 0, 0, 0]), eta=1.0, steps=3)
    np.testing.assert_allclose(path[3] - p_data, (np.array([1.0, 0, 0, 0]) - p_data) / 8)
    with pytest.raises(ValueError, match="eta"):
        T.prop2_descent(p_data, p_data, eta=1.5)


def test_jsd_stays_finite_with_subnormal_mass():
    # The example hypothesis found: m = (p + q) / 2 underflows to 0 at p = 5e-324, q = 0.
    p, q = np.array([5e-324, 0.5, 0.5]), np.array([0.0, 1.0, 0.0])
    j = T.jsd(p, q)
    assert 0 <= j <= LOG2 and j == pytest.approx(T.jsd(q, p), abs=1e-12)
    # m = (eps/2, 0.75, 0.25): KL(p||m) = 1/2 log(2/3) + 1/2 log 2, KL(q||m) = log(4/3)
    expect = 0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2)) + 0.5 * math.log(4 / 3)
    assert j == pytest.approx(expect, abs=1e-12)


def test_jsd_of_equal_densities_is_not_negative():
    x, dx = T.grid(0, 8, 801)
    p = T.normalise(T.gaussian(x, 4.0, 0.5), dx)
    assert T.jsd(p, p, dx=dx) == 0.0 and not math.copysign(1, T.jsd(p, p, dx=dx)) < 0


@pytest.mark.parametrize("mu0", [1.0, 3.0, 5.0])
def test_non_saturating_step_descends_KL_minus_2JSD(mu0):
    """Arjovsky & Bottou 2017, Thm 2.5: with D frozen at D*_0, d/dmu E_{p_g}[-log D*_0] =
    d/dmu [KL(p_g||p_data) - 2 JSD] at p_g = p_g0; the saturating loss gives d/dmu 2 JSD."""
    x, dx = T.grid(-6, 14, 4001)
    p = T.normalise(0.5 * T.gaussian(x, 2.0, 0.5) + 0.5 * T.gaussian(x, 6.0, 0.5), dx)
    q = lambda mu: T.normalise(T.gaussian(x, mu, 1.0), dx)
    h = 1e-4
    d = lambda f: (f(mu0 + h) - f(mu0 - h)) / (2 * h)
    ns = d(lambda mu: T.G_loss_at(p, q(mu), q(mu0), dx))
    sat = d(lambda mu: T.G_loss_at(p, q(mu), q(mu0), dx, "saturating"))
    target = d(lambda mu: T.kl(q(mu), p, dx=dx) - 2 * T.jsd(p, q(mu), dx=dx))
    assert ns == pytest.approx(target, abs=1e-6)
    assert sat == pytest.approx(d(lambda mu: 2 * T.jsd(p, q(mu), dx=dx)), abs=1e-6)
    assert abs(ns - sat) > 0.05      # the two steps really do differ away from p_g = p_data
