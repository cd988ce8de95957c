"""The widgets as the site shows them: recordings of a widget in use.

The built book runs no kernel, so a widget cannot move there.  Each recording drives the
widget's own code (the theory widget's :func:`~ganbook.widgets.theory.update` and
:func:`~ganbook.widgets.theory.draw`; the Figure-1 :class:`~ganbook.widgets.figure1.Lab`
training and rendering) through a sequence of settings, and plays the frames as a JSHTML
animation that needs no other host.  Live: ``make lab``.
"""
import io

import numpy as np


def frames_html(pngs, fps=3):
    """PNG frames (bytes, same size) as a self-contained JSHTML animation."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import ArtistAnimation
    from ..figure1_plots import offline_buttons
    images = [plt.imread(io.BytesIO(p)) for p in pngs]
    h, w = images[0].shape[:2]
    fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.axis("off")
    artists = [[ax.imshow(im, animated=True)] for im in images]
    try:
        anim = ArtistAnimation(fig, artists, interval=1000 / fps)
        import matplotlib
        with matplotlib.rc_context({"savefig.dpi": 100}):
            return offline_buttons(anim.to_jshtml(default_mode="loop"))
    finally:
        plt.close(fig)


def _png(fig):
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def theory_settings(frames=24):
    """p_g's mean walks across p_data's two humps and back with a wider sd, then D's
    quality lam falls from D* to a coin flip: (mu, sigma, lam) per frame."""
    n = max(frames // 3, 1)
    walk = [(mu, 0.6, 1.0) for mu in np.linspace(0.0, 8.0, n)]
    wide = [(mu, 1.8, 1.0) for mu in np.linspace(8.0, 4.0, n)]
    lam = [(4.0, 1.8, l) for l in np.linspace(1.0, 0.0, frames - 2 * n)]
    return walk + wide + lam


def theory_recording(frames=24, fps=3):
    """The theory widget driven through :func:`theory_settings`, each frame titled with its
    settings and the numbers its readout shows."""
    from .theory import draw, update
    pngs = []
    for mu, sigma, lam in theory_settings(frames):
        s = update(mu, sigma, lam)
        fig = draw(s, title=f"mean {mu:.1f}, sd {sigma:.1f}, lam {lam:.2f}:  V(D, G) = "
                            f"{s['V']:.3f},  C(G) = {s['C']:.3f},  JSD = {s['JSD']:.3f} (nats)")
        pngs.append(_png(fig))
    return frames_html(pngs, fps)


def lab_recording(lab, iterations=300, frames=12, fps=3):
    """A Figure-1 :class:`~ganbook.widgets.figure1.Lab` trained ``iterations`` more in
    ``frames`` chunks (what pressing Train does), one rendered frame per chunk."""
    pngs = [lab.render()]
    for _ in range(frames):
        lab.train(max(1, iterations // frames))
        pngs.append(lab.render())
    return frames_html(pngs, fps)
