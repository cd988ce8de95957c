"""The theory chapter's widget, driven in JupyterLab: drag a slider, the plot and numbers follow.

Asserted twice: from the page (slider readout, the readout table, the plot's PNG) and from
the kernel (a cell prints what the kernel's widgets hold; the page must show the same).
"""
import re

from jlab import Notebook, drag_slider, png_sha, slider_readouts, wait_until

NB = "theory.ipynb"
MU = "mean of p_g"          # the slider dragged (ganbook/widgets/theory.py)
LAM = "D = lam D* + (1-lam)/2, lam"


def page_state(cell):
    """What the widget in this cell's output shows: slider readouts, table text, plot hash."""
    table = cell.locator(".widget-html-content").inner_text()
    imgs = cell.locator(".widget-output img").all()
    return {"sliders": slider_readouts(cell), "table": table,
            "png": [png_sha(i.get_attribute("src")) for i in imgs]}


def numbers(text):
    return [float(x) for x in re.findall(r"-?\d+\.\d+", text.replace("\u2212", "-"))]


def test_theory_widget(lab, page, out_dir):
    nb = Notebook(page, lab, NB).open()
    i = nb.find_code_cell("widget(")
    nb.run_cell(i)
    cell = nb.cell(i)
    # the widget rendered: three sliders, a table, one plot
    wait_until(lambda: cell.locator(".widget-slider").count() == 3
               and cell.locator(".widget-output img").count() == 1
               and "JSD" in cell.locator(".widget-html-content").inner_text(),
               60, "the theory widget to render")
    cell.scroll_into_view_if_needed()
    before = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-theory-before.png"))
    assert before["sliders"][MU] == "3.00", before
    assert before["png"][0] is not None, "the plot is not an inline PNG"

    # drag the mean slider's handle with the mouse to where 4.5 is on its track (p_data's
    # humps at 2 and 6 make mu = 3 and mu = 5 mirror images with equal numbers: avoid 5)
    drag_slider(page, cell, MU, 4.5 / 8.0)

    wait_until(lambda: page_state(cell)["sliders"][MU] != before["sliders"][MU],
               30, "the slider's readout to change")
    wait_until(lambda: (s := page_state(cell))["png"] != before["png"]
               and s["table"] != before["table"], 60, "the plot and the numbers to change")
    nb.wait_idle()
    after = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-theory-after.png"))
    mu = float(after["sliders"][MU])
    assert abs(mu - 4.5) <= 0.3, after
    page_numbers = numbers(after["table"])
    assert page_numbers != numbers(before["table"])
    # they are the numbers of ganbook.widgets.theory.update at the new value
    from ganbook.widgets.theory import update
    s = update(mu, float(after["sliders"]["sd of p_g"]), float(after["sliders"][LAM]))
    expected = [s["V"], s["C"], s["thm1"], s["JSD"], s["KL_data_g"], s["KL_g_data"]]
    assert [f"{v:.4f}" for v in page_numbers[:6]] == [f"{v:.4f}" for v in expected], \
        (page_numbers, expected)

    # the kernel agrees: the value arrived, and the page shows the kernel's plot and numbers
    state = nb.kernel_widgets()
    page.screenshot(path=str(out_dir / "lab-theory-kernel.png"))
    sliders = {w["description"]: w["value"] for w in state if w["type"] == "FloatSlider"}
    assert abs(sliders[MU] - mu) < 1e-9, (sliders, after)
    assert sliders["sd of p_g"] == float(after["sliders"]["sd of p_g"])
    tables = [w["value"] for w in state if w["type"] == "HTML" and "JSD" in w["value"]]
    assert len(tables) == 1
    kernel_numbers = numbers(re.sub(r"<[^>]+>", " ", tables[0]))
    assert page_numbers[-7:] == kernel_numbers[-7:], (page_numbers, kernel_numbers)
    outs = [w for w in state if w["type"] == "Output"]
    assert len(outs) == 1 and outs[0]["png"] == after["png"], (outs, after["png"])

    nb.shutdown_kernel()
