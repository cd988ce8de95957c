"""The DCGAN chapter's widget: pick the two ends of a walk through G's latent space by their
seeds, walk linearly or on the sphere (:mod:`ganbook.chapters.latent`), see the images and |z| on the way.

:func:`update` computes what the widget shows (testable without a browser); :func:`widget`
wires the controls to it and returns the ipywidgets box.
"""
import io

import numpy as np

from ganbook.chapters import latent
from ganbook.base import images
from ganbook.base.images import grid

SEEDS = (0, 999)          # the slider range of each end's seed
KINDS = ("linear", "spherical")


def update(G, noise, seed0, seed1, steps=9, kind="linear", side=28, index=0):
    """The walk from code ``index`` of seed ``seed0`` to code ``index`` of seed ``seed1``:
    a dict with ``images`` (steps, side*side), ``strip`` (one row, ready to show), ``norms``
    (|z(t)| along the walk) and ``t``."""
    if steps < 2:
        raise ValueError(f"steps={steps}: a walk needs both ends (steps >= 2)")
    z0 = latent.codes(noise, index + 1, seed0)[index]
    z1 = latent.codes(noise, index + 1, seed1)[index]
    z = latent.path(z0, z1, steps, kind)
    images = latent.render(G, z).numpy()
    return {"t": np.linspace(0, 1, steps), "images": images, "norms": z.norm(dim=1).numpy(),
            "strip": grid(images, (side, side), steps), "d_z": z0.numel()}


def png(array, scale=3):
    """A grey image in [0, 1] as PNG bytes, each pixel ``scale`` x ``scale``."""
    return images.png(array, scale, eight_bit=False)


def readout(s):
    n = s["norms"]
    return (f"|z| at the ends {n[0]:.2f} and {n[-1]:.2f}, smallest on the way {n.min():.2f} "
            f"(t = {s['t'][n.argmin()]:.2f}); typical |z| of p_z: {latent.expected_norm(s['d_z']):.1f}")


def widget(G, noise, side=28, steps=9, seeds=(1, 2)):
    """Two seed sliders (the ends), the path's kind and its number of steps."""
    import ipywidgets as W
    s0 = W.IntSlider(seeds[0], *SEEDS, description="seed of z0", continuous_update=False)
    s1 = W.IntSlider(seeds[1], *SEEDS, description="seed of z1", continuous_update=False)
    kind = W.ToggleButtons(options=KINDS, value="linear", description="path")
    n = W.IntSlider(steps, 2, 16, description="steps", continuous_update=False)
    image, text = W.Image(format="png"), W.HTML()

    def redraw(_=None):
        s = update(G, noise, s0.value, s1.value, n.value, kind.value, side)
        image.value, text.value = png(s["strip"]), readout(s)

    for c in (s0, s1, kind, n):
        c.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([s0, s1]), W.HBox([kind, n]), image, text])
