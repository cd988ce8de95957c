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


def _d_axis(ax):
    """The right-hand axis for D(x) that belongs to panel ``ax`` (made once, cleared after)."""
    twin = getattr(ax, "ganbook_d_axis", None)
    if twin is None:
        twin = ax.ganbook_d_axis = ax.twinx()
    else:
        twin.clear()                  # which forgets that it is a twin: say it again
        twin.yaxis.tick_right()
        twin.yaxis.set_label_position("right")
        twin.xaxis.set_visible(False)
        twin.patch.set_visible(False)
    return twin


def draw(ax, s, top=1.05, title=None, dstar=False, legend=False, xlim=None, before=None,
         fontsize=10):
    """One Figure-1 panel: on the left axis p_data black dotted and p_g green solid (the p_g
    of snapshot ``before`` faint, with its arrows); on its own right-hand axis (0 to 1,
    its 1/2 marked) D blue dashed, and D* thin if ``dstar``; below, the z line and the
    arrows x = G(z).  Returns (ax, the D axis).

    x's scale is on top (the upper line), z's on the bottom (the lower line; right to left
    for a decreasing G, so that the arrows do not cross).  ``legend`` puts the legend
    outside the panel, to its right.
    """
    from matplotlib.ticker import MaxNLocator
    ax.clear()
    dax = _d_axis(ax)
    xlim = xlim or s.view
    zy, bottom = -0.34 * top, -0.42 * top              # the z line; the panel's lower edge
    if before is not None:
        ax.plot(before.x, before.p_g, "-", color="#7fbf7f", lw=1.5, label="$p_g$ before (c)")
    ax.plot(s.x, s.p_data, ":", color="black", lw=2, label=r"$p_\mathrm{data}$")
    ax.plot(s.x, s.p_g, "-", color="green", lw=2, label="$p_g$ (KDE)")
    ax.plot(xlim, [0, 0], color="black", lw=1)
    ax.plot(xlim, [zy, zy], color="black", lw=1)
    reverse = s.Gz[-1] < s.Gz[0]
    zx = _z_to_x(s.z, s.noise, xlim, reverse)
    arrow = dict(angles="xy", scale_units="xy", scale=1, width=0.003, headwidth=4, headlength=5)
    if before is not None:
        ax.quiver(zx, np.full_like(zx, zy), before.Gz - zx, np.full_like(zx, -zy),
                  color="#7fbf7f", **arrow)
    ax.plot(zx, np.full_like(zx, zy), "|", color="black", ms=6)
    ax.quiver(zx, np.full_like(zx, zy), s.Gz - zx, np.full_like(zx, -zy), color="black", **arrow)
    ax.set_xlim(*xlim)
    ax.set_ylim(bottom, top)
    # D on its own axis, 0 to 1, its 0 level with the density's 0
    d_top = 1.1
    dax.axhline(0.5, color="tab:blue", lw=0.8, alpha=0.6, label="$D = 1/2$")
    if dstar:
        dax.plot(s.x, s.D_star, "-", color="tab:blue", lw=3, alpha=0.3, label="$D^*_G(x)$ (b)")
    dax.plot(s.x, s.D, "--", color="blue", lw=2, label="$D(x)$")
    dax.set_ylim(bottom / top * d_top, d_top)
    dax.set_yticks([0, 0.5, 1])
    dax.set_ylabel("D(x), probability 'data'", color="blue", fontsize=fontsize, labelpad=2)
    dax.tick_params(axis="y", colors="blue", labelsize=fontsize - 1, length=2, pad=1)
    for a in (ax, dax):
        for side in a.spines.values():
            side.set_visible(False)
    dax.spines["right"].set_visible(True)
    dax.spines["right"].set_bounds(0, 1)
    dax.spines["right"].set_color("blue")
    # x's scale on top; z's on the bottom, where the z line is; the density on the left
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
    ax.set_xlabel("x (upper line)", fontsize=fontsize, labelpad=2)
    lo, hi = Noise.SUPPORT[s.noise]
    zt = np.array([lo, (lo + hi) / 2, hi])
    zax = ax.secondary_xaxis("bottom")
    zax.set_xticks(_z_to_x(zt, s.noise, xlim, reverse), [f"{v:.3g}" for v in zt])
    zax.spines["bottom"].set_visible(False)
    zax.set_xlabel(f"z ~ {NOISE_NAMES.get(s.noise, s.noise)} (lower line"
                   f"{', right to left' if reverse else ''}); arrows x = G(z)",
                   fontsize=fontsize, labelpad=2)
    d_max = top / 1.25
    ax.spines["left"].set_visible(True)
    ax.spines["left"].set_bounds(0, d_max)
    ticks = MaxNLocator(nbins=2, steps=[1, 2, 4, 5, 10]).tick_values(0, d_max)
    ax.set_yticks([t for t in ticks if 0 <= t <= d_max + 1e-9])
    ax.set_ylabel("density (per unit of x)", fontsize=fontsize, labelpad=2)
    ax.tick_params(labelsize=fontsize - 1, length=2, pad=1)
    zax.tick_params(labelsize=fontsize - 1, length=2, pad=1)
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    if legend:
        handles = [h for a in (ax, dax) for h in a.get_legend_handles_labels()[0]]
        ax.legend(handles, [h.get_label() for h in handles], loc="upper left",
                  bbox_to_anchor=(1.12, 1.0), fontsize=fontsize - 1, frameon=False)
    return ax, dax


def top_of(snaps):
    """A shared y limit: room for D (<= 1) and p_data; a spiky early p_g is cut off."""
    return max(1.05, 1.25 * max(s.p_data.max() for s in snaps))


def figure1(snaps, titles, dstar=(False, True, False, False), before=(None, None, 1, None)):
    """The four panels (a)-(d) in a 2 x 2 grid, one legend under them; ``before[i]`` = j
    draws panel j's p_g and arrows faintly in panel i (by default (b)'s in (c), to show
    where G moved)."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.8))
    top = top_of(snaps)
    for i, (ax, s, t) in enumerate(zip(axes.flat, snaps, titles)):
        draw(ax, s, top, t, dstar=dstar[i], before=None if before[i] is None else snaps[before[i]])
    legend_below(fig, axes, ncol=3)
    fig.tight_layout(rect=(0, 0.08, 1, 1), h_pad=1.5, w_pad=2.0)
    return fig


def legend_below(fig, axes, fontsize=9, ncol=None):
    """One legend for all ``axes`` (and their D axes), each label once, in rows of ``ncol``
    under the figure (leave room for it: tight_layout(rect=(0, 0.08, 1, 1)) or so)."""
    legend = {}
    for ax in np.atleast_1d(axes).flat:
        for a in (ax, getattr(ax, "ganbook_d_axis", None)):
            if a is not None:
                for h, label in zip(*a.get_legend_handles_labels()):
                    legend.setdefault(label, h)
    return fig.legend(legend.values(), legend.keys(), loc="lower center",
                      ncol=ncol or len(legend), frameon=False, fontsize=fontsize)


def draw_jsd(ax, iterations, jsd, now=None, title="JSD over the run", fontsize=10):
    """JSD(p_data || p_g) in nats against iteration, log scale, with log 2 (disjoint) marked."""
    ax.clear()
    ax.plot(iterations, jsd, color="green", lw=1.5)
    if now is not None:
        ax.plot([iterations[now]], [jsd[now]], "o", color="green")
    ax.axhline(np.log(2), color="gray", lw=0.8, ls=":")
    ax.text(0.98, np.log(2) * 0.8, "log 2 (disjoint)", color="gray", fontsize=fontsize - 1,
            va="top", ha="right", transform=ax.get_yaxis_transform())
    ax.set_yscale("log")
    ax.set_ylim(min(1e-3, 0.8 * min(jsd)), 1.0)
    ax.set_xlabel("iteration (G updates)", fontsize=fontsize)
    ax.set_ylabel(r"JSD($p_\mathrm{data}$ || $p_g$) (nats)", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 1)
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def animation(snaps, dpi=60, fps=6, figsize=(10, 4.2)):
    """Matplotlib FuncAnimation of the run: a Figure-1 panel and the JSD curve per snapshot."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation
    fig, (ax, ax_j) = plt.subplots(1, 2, figsize=figsize, dpi=dpi,
                                   gridspec_kw=dict(width_ratios=[2, 1]))
    top = top_of(snaps)
    its = [s.iteration for s in snaps]
    js = [s.jsd for s in snaps]

    def frame(i):
        s = snaps[i]
        draw(ax, s, top, f"iteration {s.iteration}: JSD {s.jsd:.3f} nats, "
             f"max|D - 1/2| {s.max_D_half:.2f}")
        draw_jsd(ax_j, its, js, now=i)

    frame(0)
    legend_below(fig, ax, ncol=4)         # the labels are the same in every frame
    fig.tight_layout(rect=(0, 0.1, 1, 1), w_pad=2.0)

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
