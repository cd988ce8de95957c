"""The saturation race in ganbook.chapters.toy: Section 3's claim, measured on the 1-D toy."""
import pytest

from ganbook.chapters.toy import arrival, saturation_race, saturation_run


pytestmark = pytest.mark.usefixtures("one_thread")


def test_G_starts_where_it_is_told():
    t = saturation_run("saturating", iterations=0, start=-4.0)
    assert t.history[0]["iteration"] == 0
    assert t.history[0]["g_mean"] == pytest.approx(-4.0, abs=1e-5)
    assert (t.recipe.k, t.recipe.update, t.recipe.g_loss) == (1, "alternating", "saturating")
    assert saturation_run("saturating", iterations=0, k=5).recipe.k == 5


def test_saturating_stalls_where_non_saturating_learns():
    rows = {r["g_loss"]: r for r in saturation_race(seeds=(0,), iterations=300)}
    sat, non = rows["saturating"], rows["non_saturating"]
    # non-saturating: G reaches p_data = N(4, 0.5^2) from x = -4 within 100 iterations
    assert non["arrival"] is not None and non["arrival"] <= 100
    assert non["g_mean"] == pytest.approx(4.0, abs=0.5)
    assert 0.3 < non["D_G_z"] < 0.7
    # saturating: D rejects G (D(G(z)) ~ 1e-4) and G has moved less than 1 of the 8 units
    assert sat["arrival"] is None
    assert sat["g_mean"] < -3.0
    assert sat["D_G_z"] < 0.01


def test_a_run_is_fixed_by_its_seed():
    a = saturation_run("non_saturating", iterations=60, seed=3).history
    b = saturation_run("non_saturating", iterations=60, seed=3).history
    assert [r["g_mean"] for r in a] == [r["g_mean"] for r in b]
    assert len(a) == 4                           # iterations 0, 20, 40, 60


def test_arrival_is_the_first_logged_iteration_within_tol():
    h = [{"iteration": 0, "g_mean": -4.0}, {"iteration": 20, "loss_D": 1.0},
         {"iteration": 40, "g_mean": 2.9}, {"iteration": 60, "g_mean": 3.2},
         {"iteration": 80, "g_mean": 4.1}]
    assert arrival(h, target=4.0, tol=1.0) == 60
    assert arrival(h, target=4.0, tol=0.5) == 80
    assert arrival(h, target=4.0, tol=0.01) is None
