"""The DCGAN chapter's latent-walk widget, driven in JupyterLab: change the path's kind and an
end's seed; the strip of faces and the |z| readout follow, and the page shows what the kernel
computed (ganbook.widgets.latent_walk.update at the widget's values)."""
import re

from jlab import drag_slider, img_sha, open_widget_cell, slider_readouts, wait_until

NB = "dcgan.ipynb"
USES_WIDGET = re.compile(r"ganbook\.widgets import latent_walk")
SEED1 = "seed of z1"


def page_state(cell):
    return {"sliders": slider_readouts(cell), "text": cell.locator(".widget-html-content").inner_text().strip(),
            "img": img_sha(cell.locator(".widget-image").first)}


def test_latent_walk_widget(lab, page, out_dir):
    nb, cell = open_widget_cell(page, lab, NB, USES_WIDGET)
    wait_until(lambda: cell.locator(".widget-slider").count() == 3
               and cell.locator(".widget-image").count() == 1
               and "smallest on the way" in cell.locator(".widget-html-content").inner_text(),
               120, "the latent-walk widget to render")
    cell.scroll_into_view_if_needed()
    before = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-walk-before.png"))
    assert before["sliders"][SEED1] == "2" and before["img"], before

    # the spherical path: new strip, and the smallest |z| on the way rises towards the ends'
    cell.locator(".widget-toggle-button", has_text="spherical").click()
    wait_until(lambda: page_state(cell)["img"] != before["img"], 60, "the strip to change")
    nb.wait_idle()
    sph = page_state(cell)
    low = lambda text: float(re.search(r"smallest on the way ([\d.]+)", text).group(1))
    assert low(sph["text"]) > low(before["text"]), (before["text"], sph["text"])

    # drag the z1 seed slider: another end, another strip
    drag_slider(page, cell, SEED1, 0.5)
    wait_until(lambda: page_state(cell)["sliders"][SEED1] != "2"
               and page_state(cell)["img"] != sph["img"], 60, "the seed and the strip to change")
    nb.wait_idle()
    after = page_state(cell)
    page.screenshot(path=str(out_dir / "lab-walk-after.png"))

    # the kernel agrees: its widgets hold the page's values and the image bytes the page shows
    state = nb.kernel_widgets()
    sliders = {w["description"]: w["value"] for w in state if w["type"] == "IntSlider"}
    assert str(sliders[SEED1]) == after["sliders"][SEED1]
    images = [w["sha256"] for w in state if w["type"] == "Image"]
    assert after["img"] in images, (after["img"], images)
    texts = [w["value"] for w in state if w["type"] == "HTML"]
    assert after["text"] in texts
