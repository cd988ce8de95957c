"""ganbook.chapters.theory_exercises: the numbers the theory chapter's solutions quote agree
with the closed forms the solutions derive."""
import math

import numpy as np
import pytest

from ganbook.base import theory as T
from ganbook.chapters import theory_exercises as X


def test_sig_rounds_to_significant_digits():
    assert X.sig(0.0344149) == 0.03441 and X.sig(-1.7321e-6, 3) == -1.73e-6 and X.sig(10203.4, 3) == 10200.0


def test_the_jsd_flattens_far_away():
    assert X.C_shifted(0.0) == pytest.approx(-T.LOG4, abs=1e-9)
    out = X.exercise_2()
    assert out["C"]["5"] < out["C"]["10"] < out["C"]["20"] <= 0
    assert 10.0 < out["mu_at_level"] < 10.5
    assert -X.C_shifted(out["mu_at_level"] - 0.02) > 1e-6 > -X.C_shifted(out["mu_at_level"] + 0.02)


def test_descent_that_cannot_create_mass_stalls_where_the_closed_form_says():
    out = X.exercise_4()
    assert out["eta_1_ratio_max_error"] < 1e-10                 # the gap halves exactly
    P = out["P"]
    assert out["mass_outside"] == pytest.approx(1 - P, abs=1e-3)
    assert out["C_after"]["40"] == out["C_after"]["200"] == out["C_formula"] > out["minus_log4"]


def test_averaged_bilinear_play_matches_its_geometric_series():
    out = X.exercise_5()
    lam = 1 + 0.1j
    for t, v in out["simultaneous_mean"].items():
        t = int(t)
        assert v == pytest.approx(abs(lam ** (t + 1) - 1) / (0.1 * (t + 1)), rel=5e-3)
    assert out["alternating_mean"]["1000"] < out["alternating_mean"]["300"] < 0.05
    assert out["eta_1.9"]["max_radius"] == pytest.approx(out["eta_1.9"]["formula_radius"], abs=0.02)
    ev = out["eta_2.1"]["eigenvalues"]
    assert ev[0] * ev[1] == pytest.approx(1.0, abs=2e-3) and sum(ev) == pytest.approx(2 - 2.1 ** 2, abs=2e-3)
    # |x_t| grows like c |lambda_max|^t: per step, the growth rate is the larger eigenvalue
    assert math.log(out["eta_2.1"]["radius_200"]) / 200 == pytest.approx(math.log(abs(ev[0])), rel=0.01)


def test_mode_seeking_and_covering_on_the_slider_grid():
    out = X.exercise_3()
    assert out["KL(p_data||p_g)"]["free"]["mu_sigma"] == [[4.0, 2.0]]
    assert out["KL(p_g||p_data)"]["sigma_0.5"]["mu"] == [2.0, 6.0]
    assert out["KL(p_g||p_data)"]["sigma_0.5"]["value"] == pytest.approx(math.log(2), abs=1e-4)
    assert np.isclose(out["JSD"]["free"]["value"], 0.2011, atol=1e-4)
