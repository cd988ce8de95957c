"""Figure 1 under the reader's control: a 1-D GAN trained live by Algorithm 1.

:class:`Lab` holds one run and does everything a control does (``lab.step()``,
``lab.train(n)``, ``lab.reset()``), so it is testable without a browser; its
``box`` is the ipywidgets view.  Every press of Step or Train N is one Figure 1:
(a) the pair when the press began, (b) its D after a long inner loop (G frozen) with
D* overlaid, (c) that pair after G_STEPS G updates, (d) the pair now, after the
iterations; the JSD-vs-iteration curve grows underneath.  Training goes through
:func:`ganbook.chapters.figure1.make_trainer`'s Trainer: no loop here but the one that asks
it for chunks of iterations.

Each control has a fixed ``description`` and the CSS class ``ganbook-fig1-<name>``
(see :data:`CSS`), for browser tests.
"""
import html
import io

import ipywidgets as W
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ganbook.chapters import figure1 as F
from ganbook.core.train import TrainingDiverged

# recipe fields a slider changes in the running trainer, vs settings that need a new run
LIVE = ("k", "lr_D", "lr_G", "momentum", "g_loss")
REBUILD = ("p_data", "noise", "hidden", "seed")
CSS = {name: f"ganbook-fig1-{name.replace('_', '-').lower()}" for name in
       LIVE + REBUILD + ("n", "step", "train", "reset", "figure", "readout")}


class Lab:
    """One live run of the 1-D GAN, its four panels and its JSD curve.

    ``inner``: D updates (at ``inner_lr``) behind panel (b); ``chunks``: redraws per
    Train N.  The learning rates stay constant here (lr_decay = 1), so a slider means
    what it says.
    """

    def __init__(self, p_data="gaussian", noise="uniform01", hidden=32, seed=0, k=None,
                 lr_D=None, lr_G=None, momentum=None, g_loss=None, n=200, inner=500,
                 inner_lr=0.03, chunks=8, dpi=60):
        r = F.RECIPE
        self.inner, self.inner_lr, self.chunks, self.dpi = inner, inner_lr, chunks, dpi
        style = {"description_width": "initial"}
        c = self.controls = {
            "k": W.IntSlider(value=k or r["k"], min=1, max=10, description="k", style=style),
            "lr_D": W.FloatLogSlider(value=lr_D or r["lr_D"], base=10, min=-3, max=0, step=0.1,
                                     description="lr_D", readout_format=".3f", style=style),
            "lr_G": W.FloatLogSlider(value=lr_G or r["lr_G"], base=10, min=-3, max=0, step=0.1,
                                     description="lr_G", readout_format=".3f", style=style),
            "momentum": W.FloatSlider(value=r["momentum"] if momentum is None else momentum,
                                      min=0.0, max=0.95, step=0.05, description="momentum",
                                      style=style),
            "g_loss": W.Dropdown(options=[("non-saturating: -log D(G(z))", "non_saturating"),
                                          ("saturating: log(1 - D(G(z)))", "saturating")],
                                 value=g_loss or r["g_loss"], description="G loss", style=style),
            "hidden": W.Dropdown(options=[4, 8, 16, 32, 64], value=hidden, description="hidden units",
                                 style=style),
            "p_data": W.Dropdown(options=["gaussian", "bimodal", "skewed"], value=p_data,
                                 description="p_data", style=style),
            "noise": W.Dropdown(options=[("U[0, 1]", "uniform01"), ("U[-sqrt 3, sqrt 3]", "uniform"),
                                         ("N(0, 1)", "normal")], value=noise, description="noise z",
                                style=style),
            "seed": W.BoundedIntText(value=seed, min=0, max=10 ** 6, description="seed", style=style),
            "n": W.BoundedIntText(value=n, min=1, max=100000, description="N", style=style),
        }
        self.buttons = {"step": W.Button(description="Step"),
                        "train": W.Button(description="Train N"),
                        "reset": W.Button(description="Reset")}
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        for name, w in {**c, **self.buttons, "figure": self.image, "readout": self.readout}.items():
            w.add_class(CSS[name])
        for name in LIVE:
            c[name].observe(lambda _: self.apply(), names="value")
        for name in REBUILD:
            c[name].observe(lambda _: self.reset(), names="value")
        self.buttons["step"].on_click(lambda _: self.step())
        self.buttons["train"].on_click(lambda _: self.train(self.controls["n"].value))
        self.buttons["reset"].on_click(lambda _: self.reset())
        self.box = W.VBox([
            W.HBox([c["k"], c["lr_D"], c["lr_G"], c["momentum"]]),
            W.HBox([c["g_loss"], c["hidden"], c["p_data"], c["noise"], c["seed"]]),
            W.HBox([self.buttons["step"], c["n"], self.buttons["train"], self.buttons["reset"]]),
            self.image, self.readout])
        self.message = ""
        self.reset()

    # -- what the controls do ------------------------------------------------------------
    def settings(self):
        """The recipe overrides the live controls stand for."""
        c = self.controls
        return dict(k=c["k"].value, lr_D=c["lr_D"].value, lr_G=c["lr_G"].value,
                    momentum=c["momentum"].value, final_momentum=c["momentum"].value,
                    g_loss=c["g_loss"].value, lr_decay=1.0)

    def reset(self):
        """A fresh run from the current settings (same settings and seed: the same run)."""
        c = self.controls
        self.trainer = F.make_trainer(c["p_data"].value, c["noise"].value, c["hidden"].value,
                                      c["seed"].value, **self.settings())
        self.diverged = False
        self._begin()
        self.curve = ([self.panels[0].iteration], [self.panels[0].jsd])
        self.message = "new run"
        self.redraw()

    def apply(self):
        """Copy the live controls into the running trainer's recipe (next step uses them)."""
        for key, value in self.settings().items():
            setattr(self.trainer.recipe, key, value)
        self.trainer.recipe.check()

    def step(self):
        """One iteration of Algorithm 1 (k D updates, one G update)."""
        return self.train(1)

    def train(self, n):
        """n iterations, redrawn ``chunks`` times on the way."""
        if self.diverged:       # G and D hold NaNs: nothing to draw until a new run
            self.message = "this run diverged: press Reset (lower a learning rate first)"
            self.redraw()
            return self.panels[3]
        self._begin()
        for w in self.buttons.values():
            w.disabled = True
        try:
            done, chunk = 0, max(1, -(-n // self.chunks))
            while done < n:
                todo = min(chunk, n - done)
                self.trainer.train(iterations=todo, log_every=todo, progress=False, checkpoint=False)
                done += todo
                now = F.snapshot(self.trainer, keep_state=False)
                self.curve[0].append(now.iteration)
                self.curve[1].append(now.jsd)
                self.panels[3] = now
                self.message = f"trained {done} of {n}"
                self.redraw()
        except TrainingDiverged:
            self.diverged = True
            self.message = (f"diverged at iteration {self.trainer.iteration}: a loss became NaN or "
                            "infinite. Press Reset (lower a learning rate first).")
            self.redraw()
        finally:
            for w in self.buttons.values():
                w.disabled = False
        return self.panels[3]

    def _begin(self):
        """Panels (a)-(c) from the pair as it is now; (d) starts equal to (a)."""
        a, b, c = F.inner_then_G(self.trainer, inner=self.inner, inner_lr=self.inner_lr)
        self.panels = [a, b, c, a]

    # -- what the reader sees ------------------------------------------------------------------
    def titles(self):
        a, b, c, d = self.panels
        return [f"(a) iteration {a.iteration}: JSD {a.jsd:.3f} nats",
                f"(b) D after {self.inner} D steps: max|D - D*| {b.max_D_Dstar:.2f}",
                f"(c) after {F.G_STEPS} G updates: JSD {c.jsd:.3f} nats",
                f"(d) iteration {d.iteration}: JSD {d.jsd:.3f} nats, "
                f"max|D - 1/2| {d.max_D_half:.2f}"]

    def render(self):
        """The four panels in a 2 x 2 grid over the JSD curve, as PNG bytes."""
        fig = Figure(figsize=(10, 10), dpi=self.dpi)
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(3, 2, height_ratios=[1, 1, 0.7])
        top = F.top_of(self.panels)
        panels = [fig.add_subplot(grid[i // 2, i % 2]) for i in range(4)]
        for i, (ax, s, t) in enumerate(zip(panels, self.panels, self.titles())):
            F.draw(ax, s, top, t, dstar=i == 1, before=self.panels[1] if i == 2 else None)
        F.draw_jsd(fig.add_subplot(grid[2, :]), *self.curve, now=len(self.curve[0]) - 1,
                   title="JSD over this run (one point per redraw)")
        F.legend_below(fig, panels, ncol=3)
        fig.tight_layout(rect=(0, 0.06, 1, 1), h_pad=1.5, w_pad=2.0)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()

    def numbers(self):
        """What the readout says, as a dict (also what the tests read)."""
        a, b, c, d = self.panels
        last = self.trainer.history[-1] if self.trainer.history else {}
        return {"iteration": d.iteration, "jsd": d.jsd, "max_D_half": d.max_D_half,
                "max_D_Dstar_b": b.max_D_Dstar, "mean_D_Dstar_b": b.mean_D_Dstar,
                "loss_D": last.get("loss_D"), "loss_G": last.get("loss_G")}

    def redraw(self):
        self.image.value = self.render()
        n = self.numbers()
        fmt = lambda v: "&ndash;" if v is None else f"{v:.4f}"
        self.readout.value = (
            f"<b>iteration</b> {n['iteration']} &nbsp; <b>JSD(p<sub>data</sub> &#8214; p<sub>g</sub>)</b> "
            f"{n['jsd']:.4f} nats &nbsp; <b>max|D &minus; &frac12;|</b> {n['max_D_half']:.3f} "
            f"&nbsp; <b>(b) max|D &minus; D*|</b> {n['max_D_Dstar_b']:.3f} &nbsp; "
            f"<b>loss D</b> {fmt(n['loss_D'])} &nbsp; <b>loss G</b> {fmt(n['loss_G'])}"
            f"<br><i>{html.escape(self.message)}</i>")


def widget(**kw):
    """The ipywidgets box of a new :class:`Lab` (keep the Lab to drive it from code)."""
    return Lab(**kw).box
