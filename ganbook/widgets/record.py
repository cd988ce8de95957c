"""The widgets as the site shows them: recordings of a widget in use.

The built book runs no kernel, so a widget cannot move there.  Each recording drives the
widget's own code (the theory widget's :func:`~ganbook.widgets.theory.update` and
:func:`~ganbook.widgets.theory.draw`; the Figure-1 :class:`~ganbook.widgets.figure1.Lab`
training and rendering; the 2-D :class:`~ganbook.widgets.playground.Playground`'s frames,
drawn by :func:`playground_png` as its canvas draws them) through a sequence of settings,
and plays the frames as a JSHTML animation that needs no other host.  Live: ``make lab``.
"""
import io

import numpy as np


def frames_html(pngs, fps=3):
    """PNG frames (bytes, same size) as a self-contained JSHTML animation."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import ArtistAnimation
    from ganbook.chapters.figure1_plots import offline_buttons
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


def playground_png(frame, dpi=60):
    """A playground frame (:mod:`ganbook.widgets.playground_frame`) drawn with matplotlib as
    the canvas draws it: D's heat map with its colour bar, G's image of the z grid, p_data,
    G's samples and G's gradient field (longest arrow 6 % of the view), as PNG bytes."""
    import matplotlib.pyplot as plt
    from .playground_frame import readout_text
    (lo, hi), n = frame["lim"], frame["res"]
    fig, ax = plt.subplots(figsize=(7.5, 6.4), dpi=dpi)
    im = ax.imshow(np.reshape(frame["heat"], (n, n)), extent=(lo, hi, lo, hi), origin="upper",
                   cmap="viridis", vmin=frame["heat_range"][0], vmax=frame["heat_range"][1],
                   interpolation="bilinear")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03, label=frame["heat_label"])
    mesh = np.asarray(frame["mesh"]).reshape(-1, len(frame["mesh"]), 2)
    for lines in (mesh, mesh.transpose(1, 0, 2)):
        for line in lines:
            ax.plot(line[:, 0], line[:, 1], color="#ffaa50", alpha=0.55, lw=0.8)
    ax.plot([], [], color="#ffaa50", label=frame["mesh_label"])
    for key, colour, size, label in (("data", "#111111", 2, "p_data"), ("samples", "#ff4d1a", 6, "G(z)")):
        xy = np.asarray(frame[key]).reshape(-1, 2)
        ax.scatter(xy[:, 0], xy[:, 1], s=size, color=colour, label=label, linewidths=0)
    if frame["points"]:
        xy = np.asarray(frame["points"])
        ax.scatter(xy[:, 0], xy[:, 1], marker="+", color="black", s=30, label="drawn points")
    a = np.asarray(frame["arrows"]).reshape(-1, 4)
    if len(a):
        k = 0.06 * (hi - lo) / max(np.hypot(a[:, 2], a[:, 3]).max(), 1e-12)
        ax.quiver(a[:, 0], a[:, 1], k * a[:, 2], k * a[:, 3], angles="xy", scale_units="xy", scale=1,
                  color="white", width=0.003, label="-dloss_G/dx")
    ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="x1", ylabel="x2", aspect="equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=5, fontsize=8, frameon=False)
    text = readout_text(frame["numbers"]).split(" | ")
    ax.set_title(" | ".join(text[:4]) + "\n" + " | ".join(text[4:]), fontsize=8)
    fig.tight_layout()
    return _png(fig)
