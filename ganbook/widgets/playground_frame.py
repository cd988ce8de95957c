"""One frame of the 2-D playground (ganbook.widgets.playground), computed from a trainer.

A frame is what the canvas (``playground.js``) and the recording for the site draw, as a
dict of JSON lists rounded to 4 decimals.  Its parts, all over the view [-lim, lim]^2:

- ``data``: samples of p_data; ``points``: the reader's drawn points (p_data's means then);
- ``samples``: x = G(z) for a fixed set of z (``VIEW_SEED``: the view draws nothing from the
  training RNG, so a frame changes only because training did);
- ``heat``: D's output at the centres of ``res`` x ``res`` cells, row-major from the top row
  (y = lim): D(x) = sigmoid(logit) in the minimax game (range [0, 1]), the raw output for
  least squares (targets 1 data, 0 G) and the WGAN-GP critic (range: its min and max);
- ``arrows``: [x, y, v_x, v_y] at the first ``n_arrows`` samples, v_i = -dl/dx_i
  (:func:`ganbook.chapters.mixtures.G_field`): where G's loss pushes each sample;
- ``mesh``: G(z) at a ``mesh`` x ``mesh`` grid of (z_1, z_2), other coordinates 0
  (:func:`ganbook.chapters.mixtures.z_mesh`): the warped sheet G makes of p_z's support;
- ``numbers``: the readouts (:func:`readout_text`): modes covered, high quality and reverse
  KL (:func:`ganbook.chapters.mixtures.measures`, ``n_measure`` samples, if p_data has modes to
  count), KL(p_data || p_g) and JS(p_data, p_g) (:func:`ganbook.chapters.mixtures.divergences` on
  ``bins`` x ``bins`` bins, 0.01 pseudo-counts per bin, ``n_hist`` samples of each), and
  the last logged losses.  Undefined values (no high-quality sample: no reverse KL) are None;
  non-finite coordinates (a diverged net) are sent as 0 or +-1e6, so a frame is valid JSON.
"""
import html
import math

import numpy as np
import torch

from ganbook.core.models import FIXED_Z_FOR
from ganbook.chapters import mixtures as M
from ganbook.core.objectives import objective
from ganbook.measures.modes import of_mixture

VIEW_SEED = FIXED_Z_FOR["views"]     # the view's z and p_data draws


def heat(D, game, lim, res):
    """D on the view's grid, as shown: (values, legend label, colour range)."""
    out = M.D_grid(D, -lim, lim, res)
    if game == "minimax":
        return torch.sigmoid(out), "D(x) = sigmoid(logit)", [0.0, 1.0]
    label = "critic D(x)" if game == "wgan_gp" else "D(x) (least squares)"
    finite = out[out.isfinite()]
    lo = float(finite.min()) if len(finite) else 0.0
    return out, label, [lo, max(float(finite.max()) if len(finite) else 1.0, lo + 1e-6)]


def frame(trainer, lim, x_data=None, points=(), modes=True, n_show=500, n_arrows=100,
          n_measure=2500, n_hist=5000, res=40, mesh=15, bins=50):
    """The frame of ``trainer`` now (see the module docstring); ``x_data``: n_hist samples
    of p_data (None if it has none), ``modes``: whether p_data's means are modes to count."""
    t = trainer
    x_g = t.model.sample(n_hist, torch.Generator().manual_seed(VIEW_SEED))
    values, label, colours = heat(t.D, t.recipe.objective, lim, res)
    x_a = x_g[:n_arrows - n_arrows % t.D.pack]
    arrows = torch.cat([x_a, M.G_field(t.D, objective(t.recipe), x_a)], 1)
    numbers = {"iteration": t.iteration, "modes": None, "K": None, "high_quality": None,
               "reverse_kl": None, "kl": None, "js": None}
    if modes and len(t.p_data.means):
        numbers.update(of_mixture(x_g[:n_measure], t.p_data), K=len(t.p_data.means))
    if x_data is not None:
        numbers.update(M.divergences(x_data, x_g, (-lim, lim), bins))
    last = t.history[-1] if t.history else {}
    numbers.update(loss_D=last.get("loss_D"), loss_G=last.get("loss_G"))
    numbers = {k: None if isinstance(v, float) and not math.isfinite(v) else v
               for k, v in numbers.items()}
    r = lambda a: np.nan_to_num(np.round(np.asarray(a, dtype=np.float64), 4),
                                posinf=1e6, neginf=-1e6).tolist()
    data = x_data[:n_show] if x_data is not None else torch.empty(0, 2)
    return {"iteration": t.iteration, "lim": [-lim, lim], "data": r(data), "points": r(points),
            "samples": r(x_g[:n_show]), "res": res, "heat": r(values.flatten()),
            "heat_range": colours, "heat_label": label, "arrows": r(arrows),
            "mesh": r(M.z_mesh(t.G, t.p_z, mesh)),
            "mesh_label": "G(z grid)" if t.p_z.d_z == 2 else "G(z1, z2, 0, ...)",
            "numbers": numbers}


def readout_text(n):
    """The readout as plain text (the page shows this; the browser test parses it)."""
    f = lambda v, spec=".3f": "\u2013" if v is None else format(v, spec)
    modes = "\u2013" if n["modes"] is None else f"{n['modes']} of {n['K']}"
    hq = f(None if n["high_quality"] is None else 100 * n["high_quality"], ".1f")
    return (f"iteration {n['iteration']} | modes covered {modes} | high quality {hq} % | "
            f"reverse KL {f(n['reverse_kl'])} | KL(p_data || p_g) {f(n['kl'])} | "
            f"JS(p_data, p_g) {f(n['js'])} nats | loss D {f(n['loss_D'])} | loss G {f(n['loss_G'])}")


def readout_html(n, message):
    return (f"<span class='ganbook-pg-numbers'>{html.escape(readout_text(n))}</span>"
            f"<br><i class='ganbook-pg-message'>{html.escape(message)}</i>")
