"""ganbook.widgets.figure1: the Lab does what its buttons and sliders say, without a browser."""
import pytest

from ganbook.widgets.figure1 import CSS, LIVE, REBUILD, Lab


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def lab():
    return Lab(seed=0, inner=100, chunks=2, dpi=30)


def test_every_control_has_a_description_and_its_css_class(lab):
    widgets = {**lab.controls, **lab.buttons, "figure": lab.image, "readout": lab.readout}
    assert set(widgets) == set(CSS) == set(LIVE + REBUILD + ("n", "step", "train", "reset",
                                                              "figure", "readout"))
    for name, w in widgets.items():
        assert CSS[name] in w._dom_classes
        assert CSS[name].startswith("ganbook-fig1-")
    assert [b.description for b in lab.buttons.values()] == ["Step", "Train N", "Reset"]
    assert {n: lab.controls[n].description for n in ("k", "lr_D", "lr_G", "momentum", "seed")} == \
        {"k": "k", "lr_D": "lr_D", "lr_G": "lr_G", "momentum": "momentum", "seed": "seed"}


def test_step_button_runs_one_iteration_and_redraws(lab):
    png, text = lab.image.value, lab.readout.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and lab.numbers()["iteration"] == 0
    lab.buttons["step"].click()
    n = lab.numbers()
    assert n["iteration"] == lab.trainer.iteration == 1
    assert lab.trainer.updates == 5                 # k = 5 D updates in the one iteration
    assert lab.image.value != png and lab.readout.value != text
    assert "<b>iteration</b> 1 " in lab.readout.value
    assert lab.curve[0] == [0, 1]


def test_train_button_runs_N_and_learns(lab):
    lab.controls["n"].value = 60
    jsd0 = lab.numbers()["jsd"]
    lab.buttons["train"].click()
    n = lab.numbers()
    assert n["iteration"] == 60
    assert lab.curve[0] == [0, 30, 60]              # chunks=2: redrawn twice on the way
    assert jsd0 > 0.6 and n["jsd"] < 0.3            # G's spike reached the data
    a, b, c, d = lab.panels
    assert a.iteration == 0 and d.iteration == 60   # (a) the press's start, (d) now
    assert not any(w.disabled for w in lab.buttons.values())


def test_live_sliders_change_the_running_recipe(lab):
    lab.controls["k"].value = 2
    lab.controls["lr_G"].value = 0.01
    lab.controls["momentum"].value = 0.0
    lab.controls["g_loss"].value = "saturating"
    r = lab.trainer.recipe
    assert (r.k, r.lr_G, r.momentum, r.final_momentum, r.g_loss) == (2, 0.01, 0.0, 0.0, "saturating")
    lab.step()
    assert lab.trainer.updates == 2 and lab.trainer.iteration == 1


def test_data_and_noise_and_hidden_start_a_new_run(lab):
    lab.step()
    lab.controls["p_data"].value = "bimodal"
    assert lab.trainer.iteration == 0 and lab.trainer.p_data.mus.tolist() == [2.0, 6.0]
    lab.controls["noise"].value = "normal"
    assert lab.trainer.p_z.kind == "normal"
    lab.controls["hidden"].value = 8
    assert lab.trainer.G.f.net[0].out_features == 8 and lab.trainer.D.f.net[0].out_features == 8


def test_reset_reproduces_the_run_and_seed_changes_it(lab):
    lab.controls["n"].value = 10
    lab.train(10)
    first = lab.numbers()["jsd"]
    lab.buttons["reset"].click()
    assert lab.numbers()["iteration"] == 0 and lab.curve[0] == [0]
    lab.train(10)
    assert lab.numbers()["jsd"] == first
    lab.controls["seed"].value = 1
    lab.train(10)
    assert lab.numbers()["jsd"] != first


def test_divergence_is_reported_not_raised_and_reset_recovers(lab):
    lab.controls["lr_D"].value = 1.0
    lab.controls["lr_G"].value = 1.0
    lab.controls["momentum"].value = 0.95
    lab.train(300)                                   # blows up within a few iterations
    assert lab.diverged and "diverged at iteration" in lab.readout.value
    assert lab.trainer.iteration < 10
    assert not any(w.disabled for w in lab.buttons.values())
    lab.buttons["step"].click()                      # refused, politely
    assert "press Reset" in lab.readout.value and lab.trainer.iteration < 10
    lab.controls["lr_D"].value, lab.controls["lr_G"].value = 0.1, 0.02
    lab.controls["momentum"].value = 0.5
    lab.buttons["reset"].click()
    lab.step()
    assert not lab.diverged and lab.numbers()["iteration"] == 1
