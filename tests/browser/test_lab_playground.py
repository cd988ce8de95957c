"""The mode-collapse chapter's 2-D playground, driven in JupyterLab: draw, Play, Pause, change the loss.

The controls carry CSS classes ganbook-pg-<name> (ganbook/widgets/playground.py); the canvas
is drawn by ganbook/widgets/playground.js. Asserted from the page (the readout's text, the
canvas's pixels) and from the kernel (the Playground's numbers(), its drawn points, p_data's
means and the running trainer's objective): the two must agree.
"""
import hashlib
import re

import pytest

from jlab import open_widget_cell, wait_until

NB = "mode_collapse.ipynb"
USES_WIDGET = re.compile(r"ganbook\.widgets\.playground\b")
# where playground.js puts the plot in its 600 x 500 canvas, and the drawn set's view [-2, 2]^2
W, H, L, T, P, LIM = 600, 500, 50, 30, 440, 2.0
CLICKS = [(-1.0, 1.0), (1.0, 1.0), (0.0, -0.5)]      # data units
STROKE = [(-1.2, -1.3), (1.2, -1.3)]                 # a drag from here to there
MIN_ITERATIONS = 40                                  # Play until the page shows at least this

PG_MARK = "GANBOOK_PG "
PG_CODE = """\
import gc as _gc, json as _js
from ganbook.widgets.playground_frame import readout_text as _rt
_pgs = [o for o in _gc.get_objects()
        if type(o).__name__ == "Playground" and type(o).__module__ == "ganbook.widgets.playground"]
print("GANBOOK_PG " + _js.dumps([{"numbers": p.numbers(), "text": _rt(p.numbers()),
    "points": p.points, "means": p.trainer.p_data.means.tolist(), "playing": p.playing,
    "objective": p.trainer.recipe.objective, "iteration": p.trainer.iteration,
    "dataset": p.settings()["dataset"]} for p in _pgs], default=str))
"""


def pg(name):
    return f".ganbook-pg-{name}"


def canvas_sha(cell):
    url = cell.locator(f"{pg('canvas')} canvas").evaluate("c => c.toDataURL('image/png')")
    return hashlib.sha256(url.encode()).hexdigest()


def readout(cell):
    return cell.locator(f"{pg('readout')} .ganbook-pg-numbers").inner_text().strip()


def message(cell):
    return cell.locator(f"{pg('readout')} .ganbook-pg-message").inner_text().strip()


def iteration(text):
    m = re.search(r"iteration\s+(\d+)", text)
    return int(m.group(1)) if m else None


def to_page(box, x, y):
    """Page coordinates of the data point (x, y) on the canvas (CSS may scale it)."""
    sx, sy = box["width"] / W, box["height"] / H
    return (box["x"] + sx * (L + (x + LIM) / (2 * LIM) * P),
            box["y"] + sy * (T + (LIM - y) / (2 * LIM) * P))


def test_playground_widget(lab, page, out_dir):
    nb, cell = open_widget_cell(page, lab, NB, USES_WIDGET)
    wait_until(lambda: cell.locator(f"{pg('canvas')} canvas").count() == 1
               and iteration(readout(cell)) == 0, 120, "the playground to render")
    cell.locator(pg("play")).evaluate("e => e.scrollIntoView({block: 'start'})")
    first = canvas_sha(cell)
    page.screenshot(path=str(out_dir / "lab-playground-before.png"))

    # the drawn data set, then points drawn with the mouse: three clicks and a drag
    cell.locator(f"{pg('dataset')} select").select_option(label="drawn")
    wait_until(lambda: "draw some points" in message(cell), 60, "the drawn set to be chosen")
    nb.wait_idle()
    box = cell.locator(f"{pg('canvas')} canvas").bounding_box()
    for x, y in CLICKS:
        page.mouse.click(*to_page(box, x, y))
    page.mouse.move(*to_page(box, *STROKE[0]))
    page.mouse.down()
    page.mouse.move(*to_page(box, *STROKE[1]), steps=20)
    page.mouse.up()
    wait_until(lambda: re.search(r"(\d+) drawn points", message(cell))
               and int(re.search(r"(\d+) drawn points", message(cell)).group(1)) >= len(CLICKS) + 3,
               60, "the kernel to report the drawn points")
    nb.wait_idle()
    drawn = canvas_sha(cell)
    page.screenshot(path=str(out_dir / "lab-playground-drawn.png"))
    assert drawn != first, "the canvas did not change after drawing"

    # Play until frames have come, then Pause
    cell.locator(pg("play")).click()
    wait_until(lambda: (iteration(readout(cell)) or 0) >= MIN_ITERATIONS, 180,
               f"the readout to reach iteration {MIN_ITERATIONS} while playing")
    page.screenshot(path=str(out_dir / "lab-playground-playing.png"))
    cell.locator(pg("pause")).click()
    wait_until(lambda: cell.locator(pg("play")).is_enabled()
               and not cell.locator(pg("pause")).is_enabled(), 30, "Pause to stop the run")
    nb.wait_idle()
    paused = canvas_sha(cell)
    assert paused != drawn, "the canvas did not change while playing"

    # change the loss: the running trainer's objective, and D's heat map, change
    cell.locator(f"{pg('loss')} select").select_option(label="least squares")
    wait_until(lambda: message(cell).startswith("now: least_squares"), 60, "the loss to change")
    nb.wait_idle()
    page_text, after = readout(cell), canvas_sha(cell)
    page.screenshot(path=str(out_dir / "lab-playground-loss.png"))
    assert after != paused, "the heat map did not change with the loss"

    # the kernel agrees with the page
    pgs = nb.kernel_probe(PG_CODE, PG_MARK)
    page.screenshot(path=str(out_dir / "lab-playground-kernel.png"))
    assert len(pgs) >= 1, "no ganbook.widgets.playground.Playground alive in the kernel"
    k = pgs[-1]
    assert k["dataset"] == "drawn" and not k["playing"] and k["objective"] == "least_squares", k
    assert k["text"] == page_text, (k["text"], page_text)
    assert k["iteration"] == k["numbers"]["iteration"] == iteration(page_text) >= MIN_ITERATIONS
    assert k["numbers"]["K"] == len(k["points"]) >= len(CLICKS) + 3
    flat = lambda xy: [v for p in xy for v in p]
    assert flat(k["means"]) == pytest.approx(flat(k["points"]), abs=1e-6)   # p_data's means
    for x, y in CLICKS:                                # each click reached the kernel, in place
        assert min(abs(px - x) + abs(py - y) for px, py in k["points"]) < 0.05, (x, y, k["points"])
    stroke = [p for p in k["points"] if abs(p[1] - STROKE[0][1]) < 0.05]
    assert len(stroke) >= 3 and max(p[0] for p in stroke) - min(p[0] for p in stroke) > 1.5, stroke
    errors = [e for e in page.ganbook_console_errors if "playground" in e.lower() or "anywidget" in e.lower()]
    assert not errors, errors
    nb.shutdown_kernel()
