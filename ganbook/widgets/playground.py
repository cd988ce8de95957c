"""A live 2-D GAN playground: train one run of the mode-collapse chapter and watch it.

:class:`Playground` holds one run built by :func:`ganbook.chapters.mixtures.build` and trained by the
book's one loop (``Trainer.train``, ``chunk`` iterations per frame).  Everything a control
does is a method (``step``, ``play``, ``pause``, ``reset``, ``add_points``, ``clear_points``),
and ``frame()`` / ``numbers()`` return what the reader sees, so it is testable without a
browser.  ``box`` is the view: ipywidgets controls (CSS class ``ganbook-pg-<name>``, see
:data:`CSS`), a canvas (:class:`Canvas`, drawn by ``playground.js``) and the readout.  Each
frame (:mod:`ganbook.widgets.playground_frame`) shows p_data (for 'drawn', the reader's
points mu_1..mu_K: p_data = 1/K sum_i N(mu_i, 0.03^2 I)), G's samples, D's output as a heat
map, G's gradient field -dl/dx at the samples and G's image of a grid of z; the readout
gives modes covered, % high quality, reverse KL, KL(p_data || p_g) and JS(p_data, p_g).

Play trains in a background thread (Pause stops it after the frame in progress); Step is
deterministic given the seed.  Bad settings are reported in the readout, not raised.
"""
import threading
import time
from pathlib import Path

import anywidget
import ipywidgets as W
import torch
import traitlets

from ganbook.chapters import mixtures as M
from ganbook.core.recipe import Optimizers
from ganbook.core.steps import TrainingDiverged
from .playground_frame import VIEW_SEED, frame, readout_html, readout_text  # noqa: F401

LOSSES = {"non_saturating": dict(objective="minimax", g_loss="non_saturating"),
          "saturating": dict(objective="minimax", g_loss="saturating"),
          "least_squares": dict(objective="least_squares", g_loss="non_saturating"),
          "wgan_gp": dict(objective="wgan_gp", g_loss="non_saturating")}
DATASETS = ("ring", "grid", "spiral", "moons", "drawn")
LIMIT = {"ring": 1.5, "grid": 6.0, "spiral": 2.0, "moons": 2.0, "drawn": 2.0}   # view: [-l, l]^2
DRAWN_SIGMA, MAX_POINTS = 0.03, 500
DEFAULTS = dict(dataset="ring", k=1, lr_D=1e-3, lr_G=1e-3, optimizer="adam", loss="non_saturating",
                m=100, chunk=10, hidden_G=64, layers_G=3, hidden_D=64, layers_D=2, d_z=2,
                prior="normal", pack=1, seed=0)
LIVE = ("k", "lr_D", "lr_G", "optimizer", "loss", "m", "chunk")        # change the running run
REBUILD = ("dataset", "hidden_G", "layers_G", "hidden_D", "layers_D", "d_z", "prior", "pack", "seed")
BUTTONS = ("play", "pause", "step", "reset", "clear")
CSS = {n: "ganbook-pg-" + n.replace("_", "-").lower()
       for n in LIVE + REBUILD + BUTTONS + ("canvas", "readout")}


class Canvas(anywidget.AnyWidget):
    """The front end: draws ``frame``; clicks and drags (when ``drawing``) send
    ``{"type": "points", "xy": [[x, y], ...]}`` in data units."""
    _esm = Path(__file__).with_name("playground.js")
    frame = traitlets.Dict().tag(sync=True)
    drawing = traitlets.Bool(False).tag(sync=True)


def _controls(s):
    st, units = {"description_width": "initial"}, [16, 32, 64, 128, 256]
    lr = lambda name: W.FloatLogSlider(value=s[name], base=10, min=-5, max=-1, step=0.25,
                                       readout_format=".1e", description=name)
    drop = lambda name, opts, text: W.Dropdown(options=opts, value=s[name], description=text)
    ints = lambda name, lo, hi, text, kind=W.IntSlider: kind(value=s[name], min=lo, max=hi,
                                                             description=text, style=st)
    return {"k": ints("k", 1, 10, "k"), "lr_D": lr("lr_D"), "lr_G": lr("lr_G"),
            "optimizer": drop("optimizer", ["adam", "sgd"], "optimiser"),
            "loss": drop("loss", [("non-saturating -log D(G(z))", "non_saturating"),
                                  ("saturating log(1 - D(G(z)))", "saturating"),
                                  ("least squares", "least_squares"), ("WGAN-GP", "wgan_gp")],
                         "loss"),
            "m": ints("m", 1, 2000, "m", W.BoundedIntText),
            "chunk": ints("chunk", 1, 100, "iterations/frame"),
            "hidden_G": drop("hidden_G", units, "G units"),
            "layers_G": ints("layers_G", 1, 5, "G layers"),
            "hidden_D": drop("hidden_D", units, "D units"),
            "layers_D": ints("layers_D", 1, 5, "D layers"),
            "d_z": ints("d_z", 1, 64, "z dim", W.BoundedIntText),
            "prior": drop("prior", [("N(0, I)", "normal"), ("U[-sqrt 3, sqrt 3]", "uniform"),
                                    ("100 clusters", "clusters")],
                          "p_z"),
            "pack": ints("pack", 1, 8, "pack (PacGAN)", W.BoundedIntText),
            "dataset": drop("dataset", DATASETS, "p_data"),
            "seed": ints("seed", 0, 10 ** 6, "seed", W.BoundedIntText)}


class Playground:
    """One live 2-D GAN run; see the module docstring.  ``n_show`` samples drawn, ``n_arrows``
    of them with arrows, ``n_measure`` for the mode measures, ``n_hist`` for KL/JS; D on a
    ``res`` x ``res`` grid; a ``mesh`` x ``mesh`` grid of z; at most ``max_fps`` frames/s."""

    def __init__(self, n_show=500, n_arrows=100, n_measure=2500, n_hist=5000, res=40, mesh=15,
                 bins=50, max_fps=25, points=(), **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
        self.sizes = dict(n_show=n_show, n_arrows=n_arrows, n_measure=n_measure, n_hist=n_hist,
                          res=res, mesh=mesh, bins=bins)
        self.max_fps = max_fps
        self.points = [tuple(map(float, p)) for p in points]
        self.controls = _controls({**DEFAULTS, **settings})
        self.buttons = {b: W.Button(description=b.capitalize()) for b in BUTTONS}
        self.canvas, self.readout = Canvas(), W.HTML()
        views = {**self.controls, **self.buttons, "canvas": self.canvas, "readout": self.readout}
        for name, w in views.items():
            w.add_class(CSS[name])
        for name in LIVE:
            self.controls[name].observe(lambda _: self.apply(), names="value")
        for name in REBUILD:
            self.controls[name].observe(lambda _: self.reset(), names="value")
        for name in BUTTONS:
            f = getattr(self, "clear_points" if name == "clear" else name)
            self.buttons[name].on_click(lambda _, f=f: f())
        self.canvas.on_msg(lambda _, msg, __: msg.get("type") == "points"
                           and self.add_points(msg["xy"]))
        c, b = self.controls, self.buttons
        self.box = W.VBox([W.HBox([b[n] for n in BUTTONS] + [c["chunk"]]),
                           W.HBox([c["dataset"], c["loss"], c["optimizer"], c["seed"]]),
                           W.HBox([c["k"], c["lr_D"], c["lr_G"], c["m"]]),
                           W.HBox([c["hidden_G"], c["layers_G"], c["hidden_D"], c["layers_D"]]),
                           W.HBox([c["d_z"], c["prior"], c["pack"]]), self.canvas, self.readout])
        self._lock, self._stop, self._thread = threading.RLock(), threading.Event(), None
        self.message = ""
        self.reset()

    # -- what the controls do ---------------------------------------------------------------
    def settings(self):
        return {name: w.value for name, w in self.controls.items()}

    def recipe_settings(self):
        s = self.settings()
        return dict(k=s["k"], lr_D=s["lr_D"], lr_G=s["lr_G"], optimizer=s["optimizer"], m=s["m"],
                    lr_decay=1.0, **LOSSES[s["loss"]])

    def p_data(self):
        name = self.settings()["dataset"]
        if name == "drawn":
            return M.Mixture("drawn", torch.tensor(self.points).reshape(-1, 2), DRAWN_SIGMA)
        return M.shape(name) if name in M.SHAPES else M.Mixture(name)

    def reset(self):
        """A fresh run from the current settings (same settings and seed: the same run)."""
        self.pause()
        with self._lock:
            s = self.settings()
            self.trainer = M.build(self.p_data(), "gan", s["seed"], s["hidden_G"], s["hidden_D"],
                                   s["d_z"], s["layers_G"], s["layers_D"], s["prior"],
                                   norm="none", pack=s["pack"], **self.recipe_settings())
            self.canvas.drawing = s["dataset"] == "drawn"
            self._data_changed()
            self._update("new run" if self.problem() is None else self.problem())

    def apply(self):
        """Copy the live controls into the running trainer's recipe (the next step uses them);
        a new optimiser is built (fresh moments) only when the optimiser changes."""
        with self._lock:
            r, new = self.trainer.recipe, self.recipe_settings()
            rebuild = new["optimizer"] != r.optimizer
            for key, value in new.items():
                setattr(r, key, value)
            if rebuild:
                self.trainer.opt = Optimizers(self.trainer.model.nets(), r)
            self._update(f"now: {self.settings()['loss']}, k = {r.k}, lr_D {r.lr_D:.1e}, "
                         f"lr_G {r.lr_G:.1e}, {r.optimizer}, m = {r.m}")

    def problem(self):
        """Why training cannot go on now (a sentence), or None."""
        s = self.settings()
        if s["dataset"] == "drawn" and not self.points:
            return "draw some points on the canvas first: click or drag (p_data 'drawn' is empty)"
        if s["m"] % s["pack"]:
            return (f"m = {s['m']} is not divisible by the pack {s['pack']}: PacGAN's D judges "
                    "packs of samples; choose m as a multiple of the pack")
        return None

    def step(self):
        """One frame: ``chunk`` iterations of Algorithm 1 through the one loop, then the view.
        Returns :meth:`numbers`; a problem or a divergence is reported in the readout."""
        with self._lock:
            self._chunk()
        return self.numbers()

    def _chunk(self):
        bad = self.problem()
        if bad:
            self._update(bad)
            return False
        n = self.settings()["chunk"]
        try:
            self.trainer.train(iterations=n, log_every=n, progress=False, checkpoint=False)
        except (ValueError, RuntimeError) as e:      # TrainingDiverged is a RuntimeError
            diverged = isinstance(e, TrainingDiverged)
            hint = " Press Reset (lower a learning rate first)." if diverged else ""
            self._update(f"stopped: {e}{hint}")
            return False
        self._update("")
        return True

    def play(self):
        """Train frame after frame in a background thread until :meth:`pause` (or a problem)."""
        if self.playing:
            return
        if self.problem():
            return self._update(self.problem())
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="ganbook-playground")
        self._thread.start()
        self._buttons()

    def _loop(self):
        try:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                with self._lock:
                    if self._stop.is_set() or not self._chunk():
                        break
                time.sleep(max(0.0, 1 / self.max_fps - (time.perf_counter() - t0)))
        finally:
            if self._thread is threading.current_thread():
                self._thread = None
            self._buttons()

    def pause(self, timeout=5.0):
        """Stop playing after the frame in progress (returns once the thread has ended)."""
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._buttons()

    @property
    def playing(self):
        return self._thread is not None and self._thread.is_alive()

    def _buttons(self):
        on, b = self.playing, self.buttons
        b["play"].disabled, b["pause"].disabled, b["step"].disabled = on, not on, on

    def add_points(self, xy):
        """Add drawn points (data units, clipped to the view); with the 'drawn' data set they
        are p_data's means at once, also while playing."""
        lim = LIMIT["drawn"]
        new = [(min(max(float(x), -lim), lim), min(max(float(y), -lim), lim)) for x, y in xy]
        with self._lock:
            self.points = (self.points + new)[:MAX_POINTS]
            self._points_changed()

    def clear_points(self):
        with self._lock:
            self.points = []
            self._points_changed()

    def _points_changed(self):
        if self.settings()["dataset"] == "drawn":
            self.trainer.run.p_data = self.p_data()
            self._data_changed()
        self._update(self.problem() or f"{len(self.points)} drawn points")

    def _data_changed(self):
        mix = self.trainer.p_data
        self._x_data = mix(self.sizes["n_hist"], torch.Generator().manual_seed(VIEW_SEED)) \
            if len(mix.means) else None

    # -- what the reader sees -----------------------------------------------------------------
    def frame(self):
        """The last frame (a dict of JSON lists; see :meth:`view`)."""
        return self._frame

    def numbers(self):
        """The readouts of the last frame (also what the tests read)."""
        return self._frame["numbers"]

    def _update(self, message):
        self.message = message
        self._frame = self.view()
        self.canvas.frame = self._frame
        self.readout.value = readout_html(self._frame["numbers"], message)

    def view(self):
        """The frame now (:func:`~ganbook.widgets.playground_frame.frame`), with the message."""
        s = self.settings()
        f = frame(self.trainer, LIMIT[s["dataset"]], self._x_data, self.points,
                  s["dataset"] in ("ring", "grid", "drawn"), **self.sizes)
        return {**f, "drawing": s["dataset"] == "drawn", "message": self.message}


def record(pg=None, frames=24, fps=8, dpi=60, **settings):
    """A recording of a Playground (a new one from ``settings`` unless ``pg`` is given)
    pressing Step ``frames`` times, drawn by :func:`ganbook.widgets.record.playground_png`
    from the same frames the canvas shows: a JSHTML animation for the static site."""
    from . import record as R
    pg = pg or Playground(**settings)
    pngs = [R.playground_png(pg.frame(), dpi)]
    for _ in range(frames):
        pg.step()
        pngs.append(R.playground_png(pg.frame(), dpi))
    return R.frames_html(pngs, fps)
