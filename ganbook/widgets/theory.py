"""The theory chapter's widget: slide p_g = N(mu, sigma^2) past p_data, watch D*, V, C(G), JSD, KL.

:func:`update` computes everything the widget shows (testable without a browser);
:func:`widget` wires sliders to it and returns the ipywidgets box.
"""
import math

import numpy as np

from ganbook.base import theory as T

X_RANGE = (-6.0, 14.0)    # every slider setting keeps p_g and p_data > 0 here (no underflow)
MU_RANGE = (0.0, 8.0)
SIGMA_RANGE = (0.5, 2.0)


def bimodal(x):
    """The default p_data: 1/2 N(2, 0.5^2) + 1/2 N(6, 0.5^2), which no Gaussian p_g can match."""
    return 0.5 * T.gaussian(x, 2.0, 0.5) + 0.5 * T.gaussian(x, 6.0, 0.5)


def update(mu, sigma, lam=1.0, p_data=bimodal, x=None):
    """p_data, p_g, D and the numbers for p_g = N(mu, sigma^2) and D = lam D* + (1 - lam) / 2.

    Both densities are renormalised on the grid (what leaks past its ends is < 2e-3
    for the slider ranges).  Returns a dict: x, dx, p_data, p_g, D_star, D, and the
    numbers V (V(D, G), Eq. 1), C (C(G) = max_D V, Eq. 4), thm1 (-log 4 + 2 JSD,
    Theorem 1), JSD, KL_data_g = KL(p_data || p_g), KL_g_data = KL(p_g || p_data).
    """
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam={lam}: D = lam D* + (1 - lam) / 2 needs lam in [0, 1]")
    if x is None:
        x, dx = T.grid(*X_RANGE, 2001)
    else:
        x = np.asarray(x, dtype=np.float64)
        dx = float(x[1] - x[0])
    pd = T.normalise(p_data(x), dx)
    pg = T.normalise(T.gaussian(x, mu, sigma), dx)
    # D's logit: D = (lam p_data + (1 - lam) m) / (2m), 1 - D = (lam p_g + (1 - lam) m) / (2m),
    # m = (p_data + p_g) / 2; kept as a logit so 1 - D never rounds to 0 (see T.V_logit)
    m = 0.5 * (pd + pg)
    with np.errstate(divide="ignore"):
        a = np.log(lam * pd + (1 - lam) * m) - np.log(lam * pg + (1 - lam) * m)
    j = T.jsd(pd, pg, dx=dx)
    return {
        "x": x, "dx": dx, "p_data": pd, "p_g": pg, "D_star": T.D_star(pd, pg),
        "D": 1.0 / (1.0 + np.exp(-a)),
        "V": T.V_logit(a, pd, pg, dx=dx), "C": T.C(pd, pg, dx=dx), "thm1": -T.LOG4 + 2 * j,
        "JSD": j, "KL_data_g": T.kl(pd, pg, dx=dx), "KL_g_data": T.kl(pg, pd, dx=dx),
    }


def readout(s):
    """The numbers of :func:`update` as an HTML table."""
    rows = [
        ("V(D, G)", s["V"]), ("C(G) = max<sub>D</sub> V", s["C"]),
        ("&minus;log 4 + 2&middot;JSD", s["thm1"]), ("JSD(p<sub>data</sub> &#8214; p<sub>g</sub>)", s["JSD"]),
        ("KL(p<sub>data</sub> &#8214; p<sub>g</sub>)", s["KL_data_g"]),
        ("KL(p<sub>g</sub> &#8214; p<sub>data</sub>)", s["KL_g_data"]),
        ("&minus;log 4", -math.log(4)),
    ]
    cells = "".join(f"<tr><td>{k}</td><td style='text-align:right'>{v:.4f}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def draw(s, ax=None, title="p_data, p_g (left axis) and D*, D (right axis)"):
    """Plot p_data, p_g on the left axis and D*, D on the right one, titled ``title``, the
    legend under the axes (D* reaches 1 in any corner); returns the figure."""
    import matplotlib.pyplot as plt
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.2), dpi=80)
    fig = ax.figure
    ax.plot(s["x"], s["p_data"], "k--", label="$p_{data}$")
    ax.plot(s["x"], s["p_g"], "g-", label="$p_g$")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_ylim(0, 1.05 * max(s["p_data"].max(), s["p_g"].max()))
    ax2 = ax.twinx()
    ax2.plot(s["x"], s["D_star"], "b:", label="$D^*_G$")
    ax2.plot(s["x"], s["D"], "b-", alpha=0.5, label=r"$D = \lambda D^*_G + (1 - \lambda)/2$")
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("D(x)")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncol=len(lines), fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def widget(p_data=bimodal, mu=0.0, sigma=1.0, lam=1.0):
    """Sliders for p_g's mean and spread and for D's quality lam, a live plot and readout."""
    import ipywidgets as W
    import matplotlib.pyplot as plt
    from IPython.display import display

    sl = dict(continuous_update=False, readout_format=".2f",
              style={"description_width": "initial"}, layout=W.Layout(width="420px"))
    s_mu = W.FloatSlider(value=mu, min=MU_RANGE[0], max=MU_RANGE[1], step=0.1,
                         description="mean of p_g", **sl)
    s_sigma = W.FloatSlider(value=sigma, min=SIGMA_RANGE[0], max=SIGMA_RANGE[1], step=0.05,
                            description="sd of p_g", **sl)
    s_lam = W.FloatSlider(value=lam, min=0.0, max=1.0, step=0.05,
                          description="D = lam D* + (1-lam)/2, lam", **sl)
    table = W.HTML()
    out = W.Output()

    def refresh(_=None):
        s = update(s_mu.value, s_sigma.value, s_lam.value, p_data=p_data)
        table.value = readout(s)
        with out:
            out.clear_output(wait=True)
            fig = draw(s, title=f"p_g = N({s_mu.value:.2f}, {s_sigma.value:.2f}^2), "
                                f"lam = {s_lam.value:.2f}: V(D, G) = {s['V']:.3f} nats, "
                                f"C(G) = {s['C']:.3f} nats")
            display(fig)
            plt.close(fig)

    for s in (s_mu, s_sigma, s_lam):
        s.observe(refresh, names="value")
    refresh()
    return W.VBox([W.VBox([s_mu, s_sigma, s_lam]), W.HBox([out, table])])
