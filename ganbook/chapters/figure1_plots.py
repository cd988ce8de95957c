"""Figure 1 of the paper, drawn: the panels (a)-(d) in the paper's styling, the JSD curve
and the JSHTML animation, from :class:`ganbook.chapters.figure1.Snapshot` measurements.

    p_data black dotted, p_g green solid, D blue dashed; below, the z line and x = G(z).
"""
import numpy as np

from ganbook.core.nets import Noise

# -- drawing: the paper's styling ------------------------------------------------------

def _z_to_x(z, kind, xlim, reverse=False):
    """Where z sits on the drawn z line: p_z's range laid under the middle 90% of xlim,
    right to left if ``reverse`` (for a decreasing G, so that the arrows do not cross)."""
    lo, hi = Noise.SUPPORT[kind]
    a, b = xlim[0] + 0.05 * (xlim[1] - xlim[0]), xlim[1] - 0.05 * (xlim[1] - xlim[0])
    u = (np.asarray(z) - lo) / (hi - lo)
    return a + (1 - u if reverse else u) * (b - a)


# p_z's kind as the z axis names it
NOISE_NAMES = {"uniform01": "U[0, 1]", "uniform": "U[-\u221a3, \u221a3]", "normal": "N(0, 1)"}


def draw(ax, s, top=1.05, title=None, dstar=False, legend=False, xlim=None, before=None):
    """One Figure-1 panel: p_data black dotted, p_g green solid, D blue dashed (and D*
    thin if ``dstar``; the p_g of snapshot ``before`` faint); below, the z line and the
    arrows x = G(z).

    Axes: x on top (the upper line's scale), z on the bottom (the lower line's, right to
    left for a decreasing G), density and D(x) on the left (one scale for both).
    ``legend`` puts the legend outside the panel, to its right.
    """
    from matplotlib.ticker import MaxNLocator
    ax.clear()
    xlim = xlim or s.view
    if before is not None:
        ax.plot(before.x, before.p_g, "-", color="green", lw=1, alpha=0.35, label="$p_g$ before")
    zy = -0.32 * top
    ax.plot(s.x, s.p_data, ":", color="black", lw=2, label="$p_{data}$")
    ax.plot(s.x, s.p_g, "-", color="green", lw=2, label="$p_g$ (KDE)")
    ax.plot(s.x, s.D, "--", color="blue", lw=2, label="$D(x)$")
    if dstar:
        ax.plot(s.x, s.D_star, "-", color="blue", lw=1, alpha=0.4, label="$D^*(x)$")
    ax.plot(xlim, [0, 0], color="black", lw=1)
    ax.plot(xlim, [zy, zy], color="black", lw=1)
    reverse = s.Gz[-1] < s.Gz[0]
    zx = _z_to_x(s.z, s.noise, xlim, reverse)
    ax.plot(zx, np.full_like(zx, zy), "|", color="black", ms=6)
    ax.quiver(zx, np.full_like(zx, zy), s.Gz - zx, np.full_like(zx, -zy), angles="xy",
              scale_units="xy", scale=1, width=0.003, headwidth=4, headlength=5, color="black")
    ax.text(xlim[0], 0.03 * top, "x", fontsize=9)
    ax.text(xlim[0], zy + 0.03 * top, "z (drawn right to left)" if reverse else "z", fontsize=8)
    ax.set_xlim(*xlim)
    ax.set_ylim(zy - 0.06 * top, top)
    for side in ax.spines.values():
        side.set_visible(False)
    # x's scale on top; z's on the bottom, where the z line is; density and D on the left
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    ax.set_xlabel("x (upper line)", fontsize=8, labelpad=2)
    lo, hi = Noise.SUPPORT[s.noise]
    zt = np.array([lo, (lo + hi) / 2, hi])
    zax = ax.secondary_xaxis("bottom")
    zax.set_xticks(_z_to_x(zt, s.noise, xlim, reverse), [f"{v:.3g}" for v in zt])
    zax.spines["bottom"].set_visible(False)
    zax.set_xlabel(f"z ~ {NOISE_NAMES.get(s.noise, s.noise)} (lower line); arrows x = G(z)",
                   fontsize=8, labelpad=2)
    ax.spines["left"].set_visible(True)
    ax.spines["left"].set_bounds(0, 1)
    ax.set_yticks([0, 0.5, 1])
    ax.set_ylabel("density; D(x)", fontsize=8, labelpad=2)
    ax.tick_params(labelsize=7, length=2, pad=1)
    zax.tick_params(labelsize=7, length=2, pad=1)
    if title:
        ax.set_title(title, fontsize=9)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return ax


def top_of(snaps):
    """A shared y limit: room for D (<= 1) and p_data; a spiky early p_g is cut off."""
    return max(1.05, 1.25 * max(s.p_data.max() for s in snaps))


def figure1(snaps, titles, dstar=(False, True, False, False), before=(None, None, 1, None)):
    """The four panels (a)-(d) side by side; ``before[i]`` = j draws panel j's p_g faintly
    in panel i (by default (b)'s in (c), to show where G moved)."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(snaps), figsize=(3.9 * len(snaps), 3.4))
    top = top_of(snaps)
    for i, (ax, s, t) in enumerate(zip(np.atleast_1d(axes), snaps, titles)):
        draw(ax, s, top, t, dstar=dstar[i], before=None if before[i] is None else snaps[before[i]])
    legend_below(fig, axes)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def legend_below(fig, axes, fontsize=9):
    """One legend for all ``axes``, each label once, in a row under the figure (leave room
    for it: tight_layout(rect=(0, 0.07, 1, 1)) or so)."""
    legend = {}
    for ax in np.atleast_1d(axes):
        for h, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, h)
    return fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=len(legend),
                      frameon=False, fontsize=fontsize)


def draw_jsd(ax, iterations, jsd, now=None, title="JSD over the run"):
    """JSD(p_data || p_g) in nats against iteration, log scale, with log 2 (disjoint) marked."""
    ax.clear()
    ax.plot(iterations, jsd, color="green", lw=1.5)
    if now is not None:
        ax.plot([iterations[now]], [jsd[now]], "o", color="green")
    ax.axhline(np.log(2), color="gray", lw=0.8, ls=":")
    ax.text(1.01, np.log(2), "log 2\n(max)", color="gray", fontsize=7, va="center",
            transform=ax.get_yaxis_transform())
    ax.set_yscale("log")
    ax.set_ylim(min(1e-3, 0.8 * min(jsd)), 1.0)
    ax.set_xlabel("iteration (G updates)", fontsize=8)
    ax.set_ylabel("JSD($p_{data}$ || $p_g$) (nats)", fontsize=8)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def animation(snaps, dpi=60, fps=6):
    """Matplotlib FuncAnimation of the run: a Figure-1 panel and the JSD curve per snapshot."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation
    fig, (ax, ax_j) = plt.subplots(1, 2, figsize=(9, 3.2), dpi=dpi,
                                   gridspec_kw=dict(width_ratios=[2.2, 1]))
    top = top_of(snaps)
    its = [s.iteration for s in snaps]
    js = [s.jsd for s in snaps]

    def frame(i):
        s = snaps[i]
        draw(ax, s, top, f"iteration {s.iteration}: JSD = {s.jsd:.3f} nats, "
             f"max|D - 1/2| = {s.max_D_half:.2f}")
        draw_jsd(ax_j, its, js, now=i)

    frame(0)
    legend_below(fig, ax, fontsize=8)     # the labels are the same in every frame
    fig.tight_layout(rect=(0, 0.08, 1, 1))

    anim = FuncAnimation(fig, frame, frames=len(snaps), interval=1000 / fps)
    plt.close(fig)
    return anim


# The animation's buttons, drawn with plain characters instead of matplotlib's Font Awesome
# icons, which come from a CDN: the page then needs no other host (and no icon font).
BUTTON_GLYPHS = {"fa-minus": "\u2212", "fa-plus": "+", "fa-fast-backward": "\u25c0\u25c0",
                 "fa-step-backward": "|\u25c0", "fa-play fa-flip-horizontal": "\u25c0",
                 "fa-pause": "\u2016", "fa-play": "\u25b6", "fa-step-forward": "\u25b6|",
                 "fa-fast-forward": "\u25b6\u25b6"}


def offline_buttons(html):
    """matplotlib's JSHTML without its Font Awesome stylesheet link, each icon replaced by
    a glyph; raises if an icon is left that the table does not know."""
    import re
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    def glyph(m):
        g = BUTTON_GLYPHS.get(m.group(1).strip())
        return m.group(0) if g is None else f'<span class="anim-glyph">{g}</span>'
    html = re.sub(r'<i class="fa ([a-z -]+)"></i>', glyph, html)
    if 'class="fa ' in html or "font-awesome" in html:
        raise ValueError("an animation icon is left that BUTTON_GLYPHS does not replace")
    return html


def animation_html(snaps, dpi=60, fps=6):
    """The animation as self-contained JS/HTML (plays in Jupyter and in the built book, with
    no request to another host); frames are PNGs at ``dpi`` whatever ``savefig.dpi`` says."""
    import matplotlib
    with matplotlib.rc_context({"savefig.dpi": dpi}):
        return offline_buttons(animation(snaps, dpi, fps).to_jshtml(default_mode="once"))
