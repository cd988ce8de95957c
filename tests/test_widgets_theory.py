"""The theory widget: its numbers (without a browser) and its wiring."""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from ganbook.base import theory as T  # noqa: E402
from ganbook.widgets import theory as W  # noqa: E402

LOG4 = math.log(4)


def narrow(x):
    return T.gaussian(x, 4.0, 0.5)


def gauss_kl(m1, s1, m2, s2):
    return math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5


def test_at_p_g_eq_p_data_everything_is_at_the_optimum():
    s = W.update(4.0, 0.5, p_data=narrow)
    assert s["C"] == pytest.approx(-LOG4, abs=1e-12)
    assert s["JSD"] == pytest.approx(0.0, abs=1e-12)
    assert s["KL_data_g"] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(s["D_star"], 0.5, atol=1e-12)


@pytest.mark.parametrize("mu, sigma", [(0.0, 0.5), (3.0, 1.0), (6.5, 2.0), (8.0, 0.5)])
def test_numbers_obey_theorem1_and_the_gaussian_kl(mu, sigma):
    s = W.update(mu, sigma, p_data=narrow)
    assert s["C"] == pytest.approx(s["thm1"], abs=1e-9)
    assert s["C"] > -LOG4 + 1e-3
    # both KLs against the closed form; the grid cut-off of p_g costs < 2e-3
    assert s["KL_data_g"] == pytest.approx(gauss_kl(4.0, 0.5, mu, sigma), rel=2e-3, abs=2e-3)
    assert s["KL_g_data"] == pytest.approx(gauss_kl(mu, sigma, 4.0, 0.5), rel=2e-3, abs=2e-3)


def test_V_runs_from_minus_log4_at_lam_0_to_C_at_lam_1():
    vs = [W.update(3.0, 1.0, lam=lam)["V"] for lam in np.linspace(0, 1, 11)]
    c = W.update(3.0, 1.0)["C"]
    assert vs[0] == pytest.approx(-LOG4, abs=1e-12)
    assert vs[-1] == pytest.approx(c, abs=1e-9)
    assert all(a < b for a, b in zip(vs, vs[1:]))      # V concave in lam, maximal at D*
    # p_g = N(2, 0.5^2) has p_g / p_data ~ 1e-40 near x = 10: the float D* is 1 there, V stays finite
    s = W.update(2.0, 0.5)
    assert (s["D_star"] == 1.0).any() and s["V"] == pytest.approx(s["C"], abs=1e-12)
    with pytest.raises(ValueError, match="lam"):
        W.update(3.0, 1.0, lam=1.5)


def test_reverse_kl_seeks_a_mode_forward_kl_covers_both():
    on_mode, between = W.update(2.0, 0.5), W.update(4.0, 0.5)
    # p_g on one of the two modes: KL(p_g || p_data) = log 2, less a 1e-4 overlap with the other
    assert on_mode["KL_g_data"] == pytest.approx(math.log(2), abs=2e-4)
    assert between["KL_g_data"] > 5 * on_mode["KL_g_data"]
    wide = W.update(4.0, 2.0)
    assert wide["KL_data_g"] < on_mode["KL_data_g"]   # covering both modes wins forward KL


def test_widget_wires_sliders_to_the_readout():
    box = W.widget()
    sliders = box.children[0].children
    table = box.children[1].children[1]
    assert [s.description for s in sliders][:2] == ["mean of p_g", "sd of p_g"]
    before = table.value
    sliders[0].value, sliders[1].value = 2.0, 0.5
    assert table.value != before
    assert f"{math.log(2):.4f}" in table.value            # KL(p_g || p_data) = log 2 on a mode
    assert f"{W.update(2.0, 0.5)['C']:.4f}" in table.value
