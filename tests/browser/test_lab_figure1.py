"""The Figure-1 chapter's widget, driven in JupyterLab: move k, press Step and Train N.

The controls carry CSS classes ganbook-fig1-<name> (ganbook/widgets/figure1.py). Asserted from
the page (k's readout, the readout's iteration and numbers, the figure's PNG bytes) and from
the kernel (the widgets' values and image, and the running trainer's k and iteration).
"""
import re

import pytest

from jlab import Notebook, img_sha, stored_sources, wait_until, widget_cell_index

NB = "figure1.ipynb"
WIDGET_MODULE = "ganbook.widgets.figure1"
K_TO = 4                      # k is dragged from its default to here (slider 1..10)
N_TRAIN = 10                  # iterations for Train N

LAB_MARK = "GANBOOK_FIG1 "
# The Lab objects alive in the kernel: what the trainer itself now runs with.
LAB_CODE = """\
import gc as _gc, json as _js
_labs = [o for o in _gc.get_objects()
         if type(o).__name__ == "Lab" and type(o).__module__ == "ganbook.widgets.figure1"]
print("GANBOOK_FIG1 " + _js.dumps([{"k": l.trainer.recipe.k, **l.numbers()} for l in _labs],
                                  default=str))
"""


def fig1(name):
    return f".ganbook-fig1-{name}"


USES_WIDGET = re.compile(r"ganbook\.widgets\.figure1\b|from\s+ganbook\.widgets\s+import\s+.*\bfigure1\b")


def run_to_widget(nb, first, max_cells=4):
    """Run code cells from `first` on until one shows the widget; return that cell's index."""
    sources = nb.sources()
    ran = 0
    for i in range(first, len(sources)):
        if sources[i][0] != "code":
            continue
        nb.run_cell(i, timeout=300)
        cell = nb.cell(i)
        view = cell.locator("[data-mime-type='application/vnd.jupyter.widget-view+json']")
        if view.count():           # a widget output: give its view time to render
            try:
                wait_until(lambda: cell.locator(fig1("step")).count(), 60, "")
            except pytest.fail.Exception:
                pass
        if cell.locator(fig1("step")).count():
            return i
        ran += 1
        if ran == max_cells:
            break
    raise AssertionError(f"no Figure-1 widget (button {fig1('step')}) after running "
                         f"{ran} code cells from cell {first} of {NB}")


def numbers(text):
    return re.findall(r"-?\d+\.\d+|\bnan\b", text.replace("\u2212", "-"))


def page_state(cell):
    return {"k": cell.locator(f"{fig1('k')} .widget-readout").inner_text().strip(),
            "readout": cell.locator(fig1("readout")).inner_text(),
            "png": img_sha(cell.locator(f"img{fig1('figure')}"))}


def iteration(readout):
    m = re.search(r"iteration\s+(\d+)", readout)
    return int(m.group(1)) if m else None


def test_figure1_widget(lab, page, out_dir):
    if widget_cell_index(stored_sources(NB), USES_WIDGET) is None:
        pytest.skip(f"notebooks/{NB} has no cell using {WIDGET_MODULE} yet "
                    "(the Figure-1 chapter's widget has not landed)")
    nb = Notebook(page, lab, NB).open()
    i = run_to_widget(nb, widget_cell_index(nb.sources(), USES_WIDGET))
    cell = nb.cell(i)
    wait_until(lambda: cell.locator(f"img{fig1('figure')}").count() == 1
               and cell.locator(fig1("step")).count() == 1
               and iteration(cell.locator(fig1("readout")).inner_text()) is not None,
               120, "the Figure-1 widget to render")
    # the widget at the top of the view, so the screenshots show controls, figure and readout
    cell.locator(fig1("k")).evaluate("e => e.scrollIntoView({block: 'start'})")
    before = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-figure1-before.png"))
    it0 = iteration(before["readout"])

    # drag k's handle with the mouse to where K_TO is on its track
    k = cell.locator(fig1("k"))
    handle, track = k.locator(".noUi-handle"), k.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    assert int(before["k"]) != K_TO, "k already at the value the test moves it to"
    y = hb["y"] + hb["height"] / 2
    page.mouse.move(hb["x"] + hb["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(tb["x"] + tb["width"] * (K_TO - 1) / 9.0, y, steps=12)
    page.mouse.up()
    wait_until(lambda: int(page_state(cell)["k"]) == K_TO, 30, f"k's readout to show {K_TO}")
    nb.wait_idle()

    # Step: one iteration of Algorithm 1; the figure and the numbers follow
    step = cell.locator(fig1("step"))
    step.click()
    wait_until(lambda: iteration(page_state(cell)["readout"]) == it0 + 1, 180,
               "the readout to show one more iteration after Step")
    wait_until(lambda: step.is_enabled(), 120, "the buttons to be enabled again")
    nb.wait_idle(180)
    stepped = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-figure1-step.png"))
    assert stepped["png"] != before["png"], "the figure did not change after Step"
    assert numbers(stepped["readout"]) != numbers(before["readout"]), stepped

    # Train N with N typed in: N more iterations
    n_box = cell.locator(f"{fig1('n')} input")
    n_box.fill(str(N_TRAIN))
    n_box.press("Enter")
    nb.wait_idle()
    cell.locator(fig1("train")).click()
    wait_until(lambda: iteration(page_state(cell)["readout"]) == it0 + 1 + N_TRAIN, 300,
               f"the readout to show {N_TRAIN} more iterations after Train N")
    wait_until(lambda: step.is_enabled(), 120, "the buttons to be enabled again")
    nb.wait_idle(180)
    trained = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-figure1-train.png"))
    assert trained["png"] != stepped["png"], "the figure did not change after Train N"
    assert numbers(trained["readout"]) != numbers(stepped["readout"]), trained
    assert "nan" not in numbers(trained["readout"]), f"nan in the readout: {trained['readout']}"

    # the kernel: widget values and the image bytes match the page ...
    state = nb.kernel_widgets()
    by_class = {c: w for w in state for c in w["classes"] if c.startswith("ganbook-fig1-")}
    assert by_class["ganbook-fig1-k"]["value"] == K_TO, by_class["ganbook-fig1-k"]
    assert by_class["ganbook-fig1-n"]["value"] == N_TRAIN, by_class["ganbook-fig1-n"]
    assert by_class["ganbook-fig1-figure"]["sha256"] == trained["png"], \
        "the page does not show the kernel's figure"
    kernel_readout = re.sub(r"<[^>]+>", " ", by_class["ganbook-fig1-readout"]["value"])
    assert numbers(kernel_readout) == numbers(trained["readout"]), \
        (kernel_readout, trained["readout"])
    # ... and the running trainer got k and did the iterations
    labs = nb.kernel_probe(LAB_CODE, LAB_MARK)
    page.screenshot(path=str(out_dir / "lab-figure1-kernel.png"))
    assert len(labs) >= 1, "no ganbook.widgets.figure1.Lab alive in the kernel"
    assert labs[-1]["k"] == K_TO, labs[-1]
    assert labs[-1]["iteration"] == it0 + 1 + N_TRAIN, labs[-1]
    nb.shutdown_kernel()
