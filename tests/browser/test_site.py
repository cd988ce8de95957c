"""The built Jupyter Book site, page by page, in a real browser.

Every page listed in _toc.yml must render (a title, its heading, no error output, every image
loaded, no local file missing), and the Figure-1 chapter's animation (matplotlib's JSHTML,
stored in the notebook) must be there and play.

Only the site's own files are served (from _build/html on 127.0.0.1); requests to any other
host are blocked, so the test neither needs nor waits for a network. Formulas must be
typeset by the site's own MathJax, saved widget state must be drawn by the site's own widget
manager (``make book`` copies it into _static/widgets), and no page may ask another host for
anything.
"""
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from book_toc import toc_entries
from jlab import wait_until

REPO = Path(__file__).resolve().parents[2]
FIG1 = "notebooks/figure1"
PLACEHOLDER = "this page is a placeholder"      # the text of a chapter not yet written



def widget_views(page_path):
    """How many widget views the chapter's stored outputs hold (drawn from saved state)."""
    import json
    nb = json.loads((REPO / f"{page_path}.ipynb").read_text())
    return sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))

# Output of a failed cell or a broken directive, as myst-nb and docutils render them.
ERROR_SELECTORS = [".output.traceback", ".output.error", ".system-message", ".problematic"]
ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|\b[A-Za-z]*(Error|Exception): ")


def toc_pages():
    """The site's pages in _toc.yml order, without file extensions."""
    return [re.sub(r"\.(ipynb|md)$", "", p) for p in toc_entries()]


def fig1_written():
    nb = REPO / f"{FIG1}.ipynb"
    return nb.is_file() and PLACEHOLDER not in nb.read_text()


def open_page(page, site, path):
    """Load one page of the site, blocking other hosts; returns (blocked, local_failures)."""
    blocked, failures = [], []
    host = urlparse(site).netloc

    def route(r):
        u = urlparse(r.request.url)
        if u.scheme in ("data", "blob", "about") or u.netloc == host:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    page.on("response", lambda resp: resp.status >= 400 and urlparse(resp.url).netloc == host
            and failures.append(f"{resp.status} {resp.url}"))
    page.on("requestfailed", lambda req: urlparse(req.url).netloc == host
            and failures.append(f"failed {req.url}"))
    resp = page.goto(f"{site}/{path}", wait_until="load")
    assert resp is not None and resp.ok, f"{path}: HTTP {resp and resp.status}"
    return blocked, failures


IMAGES_JS = """async () => {
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(res => {
    i.addEventListener('load', res); i.addEventListener('error', res);
    setTimeout(res, 15000); })));
  return imgs.map(i => ({src: i.currentSrc.slice(0, 120) || '(no src)',
                         w: i.naturalWidth, id: i.id}));
}"""


@pytest.mark.parametrize("page_path", toc_pages())
def test_page_renders(site, page, out_dir, page_path):
    blocked, failures = open_page(page, site, f"{page_path}.html")
    title = page.title()
    h1 = page.locator("main h1, article h1").first.inner_text(timeout=10_000).strip("#¶ \n")
    assert h1, f"{page_path}: no heading"
    assert title.strip() and h1 in title, f"{page_path}: title {title!r}, heading {h1!r}"

    for sel in ERROR_SELECTORS:
        n = page.locator(sel).count()
        assert n == 0, f"{page_path}: {n} element(s) {sel}: " \
                       f"{page.locator(sel).first.inner_text()[:500]}"
    text = page.locator("main").inner_text()
    m = ERROR_TEXT.search(text)
    assert m is None, f"{page_path}: error text on the page: ...{text[max(0, m.start() - 200):m.end() + 200]}..."

    imgs = page.evaluate(IMAGES_JS)
    # a JSHTML animation's <img> gets its first frame from a script run after load: it is
    # checked, once it has one, by test_figure1_animation_plays
    broken = [i for i in imgs if i["w"] == 0 and not i["id"].startswith("_anim_img")]
    assert not broken, f"{page_path}: images that did not load: {broken}"
    assert not failures, f"{page_path}: local files missing or failing: {failures}"

    # Formulas: MathJax is served by the site itself, so with other hosts blocked every
    # formula must still be typeset, and no raw TeX delimiter may be left in the text.
    n_math = page.locator("span.math, div.math").count()
    if n_math:
        wait_until(lambda: page.locator("span.math mjx-container, div.math mjx-container").count()
                   >= n_math, 30, f"MathJax to typeset all {n_math} formulas")
    raw = re.search(r"\\\(|\\\[", page.locator("main").inner_text())
    assert raw is None, f"{page_path}: raw TeX left on the page: {raw.group(0)!r}"
    # Widgets: each stored view is drawn by the site's own manager from the saved state.
    views = widget_views(page_path)
    if views:
        wait_until(lambda: page.locator(".jupyter-widgets.widget-container, "
                                        "div.jupyter-widgets:not(script)").count() >= views, 30,
                   f"the widget manager to draw the {views} saved widget view(s)")
    assert not blocked, f"{page_path}: requests to other hosts: {blocked}"
    if page_path == toc_pages()[0]:
        page.screenshot(path=str(out_dir / "site-home.png"), full_page=True)


def test_home_redirects_to_first_page(site, page):
    open_page(page, site, "index.html")
    page.wait_for_url(f"**/{toc_pages()[0]}.html", timeout=15_000)


# Pages with JSHTML animations: Figure 1's training animation and the recording of its
# widget; the theory chapter's widget recording.
ANIMATIONS = {FIG1: 2, "notebooks/theory": 1}


@pytest.mark.parametrize("path, want", ANIMATIONS.items())
@pytest.mark.parametrize("which", [0, -1])
def test_animations_play(site, page, out_dir, path, want, which):
    if path == FIG1 and not fig1_written():
        pytest.skip(f"{FIG1}.ipynb is still the placeholder chapter (no stored animation yet)")
    open_page(page, site, f"{path}.html")
    name = path.split("/")[-1]
    anims = page.locator("div.animation")
    assert anims.count() == want, f"{path}: {anims.count()} JSHTML animations, want {want}"
    anim = anims.nth(which)
    img = anim.locator("img[id^='_anim_img']")
    slider = anim.locator("input.anim-slider")
    anim.scroll_into_view_if_needed()
    wait_until(lambda: img.evaluate("i => i.complete && i.naturalWidth > 0"), 15,
               "the animation's first frame")
    n_frames = int(slider.get_attribute("max")) + 1
    assert n_frames >= 2, f"the animation has {n_frames} frame(s)"
    glyphs = anim.locator("button .anim-glyph")
    assert glyphs.count() == 9 and anim.locator("i.fa").count() == 0, "the buttons lost their icons"
    assert all(g.strip() for g in glyphs.all_inner_texts())
    anim.locator("button[title='First frame']").click()
    src0, frame0 = img.get_attribute("src"), slider.input_value()
    page.screenshot(path=str(out_dir / f"site-{name}-animation{which}-start.png"))
    anim.locator("button[title='Play']").click()
    wait_until(lambda: img.get_attribute("src") != src0 and slider.input_value() != frame0,
               20, "the animation's frame to change after pressing Play")
    wait_until(lambda: int(slider.input_value()) >= min(3, n_frames - 1), 30,
               "the animation to keep playing")
    anim.locator("button[title='Pause']").click()
    assert img.evaluate("i => i.naturalWidth") > 0
    page.screenshot(path=str(out_dir / f"site-{name}-animation{which}-playing.png"))
