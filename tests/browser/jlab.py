"""Driving a notebook in JupyterLab 4 from Playwright, the way a reader would, but robustly.

Cells are run by JupyterLab commands (the same ones as the Run menu), never by key presses,
and only once the notebook's kernel is idle: a Shift+Enter sent while the kernel is still
starting can be lost. Every wait here is bounded.
"""
import base64
import hashlib
import json
import os
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The notebooks JupyterLab is given copies of (another folder: for trying a notebook not yet
# committed, e.g. GANBOOK_BROWSER_NOTEBOOKS=/tmp/nbs).
NOTEBOOKS = Path(os.environ.get("GANBOOK_BROWSER_NOTEBOOKS", REPO / "notebooks"))

def stored_sources(name):
    """[(cell type, source)] of the committed notebook ``name`` (in NOTEBOOKS), [] if absent."""
    nb = NOTEBOOKS / name
    if not nb.is_file():
        return []
    return [(c["cell_type"], "".join(c["source"])) for c in json.loads(nb.read_text())["cells"]]


def widget_cell_index(sources, uses):
    """The first code cell whose source matches the regex ``uses`` (a widget module), or None."""
    return next((i for i, (kind, src) in enumerate(sources) if kind == "code" and uses.search(src)),
                None)



KERNEL_IDLE_TIMEOUT = 120     # s for a kernel to start, or for a cell to finish (quick mode)
STATE_MARK = "GANBOOK_STATE "

# Printed by a cell added at the end of the notebook: what the kernel holds for every live
# widget (sliders and other value widgets, HTML, buttons, the images in Output widgets).
STATE_CODE = """\
import base64 as _b64, hashlib as _hl, json as _js
from ipywidgets.widgets.widget import _instances as _wi
def _ganbook_state():
    rows = []
    for _m in list(_wi.values()):
        if type(_m).__name__.endswith(("Style", "Layout")):
            continue
        r = {"type": type(_m).__name__, "classes": list(getattr(_m, "_dom_classes", ())),
             "description": getattr(_m, "description", None)}
        if isinstance(getattr(_m, "value", None), (bytes, bytearray, memoryview)):
            r["sha256"] = _hl.sha256(bytes(_m.value)).hexdigest()   # an Image: its bytes' hash
        elif hasattr(_m, "value"):
            r["value"] = _m.value
        if hasattr(_m, "outputs"):
            r["png"] = [_hl.sha256(_b64.b64decode(o["data"]["image/png"])).hexdigest()
                        for o in _m.outputs if "image/png" in o.get("data", {})]
        rows.append(r)
    return rows
print("GANBOOK_STATE " + _js.dumps(_ganbook_state(), default=str))
"""


def open_widget_cell(page, lab, name, uses, timeout=300):
    """Open notebook ``name`` in JupyterLab and run its first code cell whose source matches
    ``uses`` (a widget module); returns (notebook, that cell's locator).  Skips the test
    while the committed notebook has no such cell."""
    if widget_cell_index(stored_sources(name), uses) is None:
        pytest.skip(f"notebooks/{name} has no cell using {uses.pattern} yet")
    nb = Notebook(page, lab, name).open()
    i = widget_cell_index(nb.sources(), uses)
    nb.run_cell(i, timeout=timeout)
    return nb, nb.cell(i)


def slider_readouts(cell):
    """{label: readout text} of every ipywidgets slider in ``cell``'s output, as the page shows them."""
    return {s.locator(".widget-label").inner_text().strip(): s.locator(".widget-readout").inner_text().strip()
            for s in cell.locator(".widget-slider").all()}


def drag_slider(page, cell, label, fraction):
    """Drag, with the mouse, the handle of the slider labelled ``label`` in ``cell`` to
    ``fraction`` (0..1) of its track."""
    slider = cell.locator(".widget-slider").filter(has_text=label)
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    y = hb["y"] + hb["height"] / 2
    page.mouse.move(hb["x"] + hb["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(tb["x"] + tb["width"] * fraction, y, steps=12)
    page.mouse.up()


def wait_until(pred, timeout, what, interval=0.25):
    """Poll pred() until it returns something truthy; fail after `timeout` s naming `what`."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - remembered and reported on timeout
            last_exc = e
        time.sleep(interval)
    extra = f" (last error: {last_exc!r})" if last_exc else ""
    pytest.fail(f"timed out after {timeout} s waiting for {what}{extra}")


def png_sha(src):
    """sha256 of the bytes of a data:image/png;base64 URL (None for any other src)."""
    if not src or not src.startswith("data:image/png;base64,"):
        return None
    return hashlib.sha256(base64.b64decode(src.split(",", 1)[1])).hexdigest()


IMG_SHA_JS = """async (img) => {
  const buf = await (await fetch(img.src)).arrayBuffer();
  const h = await crypto.subtle.digest('SHA-256', buf);
  return Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, '0')).join('');
}"""


def img_sha(img):
    """sha256 of the bytes an <img> shows (data: or blob: URL), computed in the page."""
    return img.evaluate(IMG_SHA_JS)


class Notebook:
    """One notebook open in JupyterLab in a Playwright page."""

    def __init__(self, page, lab, name):
        self.page, self.lab, self.name = page, lab, name

    # ---------------------------------------------------------------- opening, idling
    def open(self):
        # ?reset: a fresh workspace, so no tab of an earlier test is restored
        self.page.goto(self.lab.url(f"/lab/tree/{self.name}?reset"))
        wait_until(lambda: self.page.evaluate(
            "() => !!(window.jupyterapp && jupyterapp.shell.currentWidget"
            " && jupyterapp.shell.currentWidget.content"
            " && jupyterapp.shell.currentWidget.content.widgets)"),
            60, f"JupyterLab to show {self.name}")
        wait_until(lambda: self.page.evaluate(
            "(n) => jupyterapp.shell.currentWidget.context.path === n", self.name),
            30, f"{self.name} to be the current tab")
        self.panel_id = self.page.evaluate("() => jupyterapp.shell.currentWidget.id")
        self.wait_idle()
        return self

    @property
    def panel(self):
        return self.page.locator(f"[id='{self.panel_id}']")

    def cell(self, i):
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(i)

    def wait_idle(self, timeout=KERNEL_IDLE_TIMEOUT):
        """The kernel is idle, by the server's account and by the page's, twice 0.5 s apart."""
        def idle_now():
            return (self.lab.kernel_state(self.name) == "idle"
                    and self.page.evaluate(
                        "(id) => { const e = document.getElementById(id)"
                        "  .querySelector('.jp-Notebook-ExecutionIndicator');"
                        "  return !!e && e.dataset.status === 'idle'; }", self.panel_id))

        def idle_twice():
            if not idle_now():
                return False
            time.sleep(0.5)
            return idle_now()
        wait_until(idle_twice, timeout, f"the kernel of {self.name} to be idle", interval=0.5)

    # ---------------------------------------------------------------- cells
    def sources(self):
        return self.page.evaluate(
            "() => { const m = jupyterapp.shell.currentWidget.content.model.cells; const r = [];"
            "  for (let i = 0; i < m.length; i++) r.push([m.get(i).type,"
            "    m.get(i).sharedModel.getSource()]); return r; }")

    def find_code_cell(self, needle):
        for i, (kind, src) in enumerate(self.sources()):
            if kind == "code" and needle in src:
                return i
        raise AssertionError(f"{self.name}: no code cell contains {needle!r}")

    def select(self, i):
        self.page.evaluate(
            "(i) => { const nb = jupyterapp.shell.currentWidget.content;"
            "  nb.mode = 'command'; nb.activeCellIndex = i; nb.deselectAll(); }", i)

    def command(self, cmd):
        ok = self.page.evaluate(
            "(c) => { if (!jupyterapp.commands.hasCommand(c)) return false;"
            "  jupyterapp.commands.execute(c); return true; }", cmd)
        assert ok, f"JupyterLab has no command {cmd}"

    def execution_count(self, i):
        return self.page.evaluate(
            "(i) => jupyterapp.shell.currentWidget.content.model.cells.get(i)"
            ".sharedModel.execution_count", i)

    def run_cell(self, i, timeout=KERNEL_IDLE_TIMEOUT):
        """Run cell i (Run > Run Selected Cell), after and until the kernel is idle."""
        self.wait_idle()
        before = self.execution_count(i)
        self.select(i)
        self.command("notebook:run-cell")
        wait_until(lambda: self.execution_count(i) not in (None, before)
                   and "[*]" not in self.cell(i).locator(".jp-InputPrompt").inner_text(),
                   timeout, f"cell {i} of {self.name} to finish running")
        self.wait_idle(timeout)
        err = self.cell(i).locator("[data-mime-type='application/vnd.jupyter.error']")
        if err.count():
            raise AssertionError(f"cell {i} of {self.name} raised:\n{err.first.inner_text()}")

    def output_text(self, i):
        return self.cell(i).locator(".jp-OutputArea").inner_text()

    def append_and_run(self, code, timeout=KERNEL_IDLE_TIMEOUT):
        """Add a code cell at the end, type `code` into it, run it, return its output text."""
        n = len(self.sources())
        self.select(n - 1)
        self.command("notebook:insert-cell-below")
        wait_until(lambda: len(self.sources()) == n + 1, 10, "a new cell")
        editor = self.cell(n).locator(".cm-content")
        editor.click()
        self.page.keyboard.insert_text(code)
        wait_until(lambda: self.sources()[n][1] == code, 10, "the typed code in the new cell")
        self.run_cell(n, timeout)
        return self.output_text(n)

    def kernel_probe(self, code, mark):
        """Run `code` in a new cell; parse the JSON after `mark` on a line of its output."""
        text = self.append_and_run(code)
        self.cell(len(self.sources()) - 1).scroll_into_view_if_needed()
        for line in text.splitlines():
            if line.startswith(mark):
                return json.loads(line[len(mark):])
        raise AssertionError(f"no {mark.strip()} line in the cell's output:\n{text}")

    def kernel_widgets(self):
        """The widget state held by the kernel (see STATE_CODE), read from a cell's output."""
        return self.kernel_probe(STATE_CODE, STATE_MARK)

    def shutdown_kernel(self):
        for s in self.lab.api("/api/sessions"):
            if s.get("path") == self.name:
                self.lab.api(f"/api/sessions/{s['id']}", method="DELETE")
