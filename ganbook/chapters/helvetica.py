"""The Helvetica scenario (Goodfellow et al. 2014, Sec. 6; Goodfellow 2016, Sec. 5.1.1): G
trained too long against a D that is not updated "collapses too many values of z to the same
value of x".

For a fixed D, G's non-saturating loss

    L_G = E_z[-log D(G(z))]

is smallest when every z is sent to a point where D is largest: the best response of G to a
frozen D is a point mass at argmax_x D(x), whatever p_data is.  Gradient descent on G's
weights gets there locally: samples climb D's surface and pile up on its hilltops.

The experiment, on the ring of :mod:`ganbook.chapters.mixtures` with the benchmark's nets
(G four ReLU layers of 128 units with batch norm, D maxout 128 x 5, Adam 1e-4, m = 100):

  1. ``hill`` iterations of Algorithm 1, so that D is a gentle landscape, not yet the data's
     eight spikes;
  2. ``alone`` steps of G alone against the frozen D (``Trainer.train_G``);
  3. ``resume`` iterations of Algorithm 1 again, D updated.

After each stage, n samples of G (z seeded, G in eval mode) are measured:

  largest pile:  max_j #{i : ||g_i - g_j|| < r} / n, r = RADIUS -- 1 when G is one point;
                 p_data's own is about 1/8 (one mode of the ring);
  piles:         how many discs of radius r, chosen greedily (densest first), hold 90 % of
                 the samples;
  at D's top:    #{i : ||g_i - x*|| < r} / n, x* = argmax of D over the grid on [-BOX, BOX]^2;
  outside:       the share of samples outside that square (where a D that keeps rising
                 beyond it leads them);
  spread:        sqrt(tr Cov(g)), the RMS distance of the samples to their mean (the ring: 1);
  modes, high quality: the benchmark's measures (:mod:`ganbook.measures.modes`).
"""
import math

import torch

from ganbook.chapters import mixtures as M
from ganbook.measures.modes import of_mixture

HILL, ALONE, RESUME = 25, 1000, 300      # the stages' lengths (iterations or steps)
RADIUS, BOX, RES = 0.1, 1.5, 121         # a pile's radius; the square and grid D is read on
COLLAPSED = 0.9                          # a largest pile at least this share: a full collapse
NETS = dict(hidden_G=128, hidden_D=128)  # the benchmark's nets (mode-collapse chapter)


def piles(samples, radius=RADIUS, cover=0.9):
    """(largest pile, piles): the largest share of ``samples`` within ``radius`` of one of
    them, and how many such discs, taken greedily (densest first, its members removed),
    hold a share ``cover`` of them."""
    s = torch.as_tensor(samples, dtype=torch.float32)
    near = torch.cdist(s, s) < radius
    left = torch.ones(len(s), dtype=torch.bool)
    largest, count = None, 0
    while len(s) - left.sum() < cover * len(s) - 1e-9:
        c = (near & left).sum(1)
        j = int(c.argmax())
        largest = largest if largest is not None else float(c[j]) / len(s)
        left &= ~near[j]
        count += 1
    return largest or 0.0, count


def D_top(D, box=BOX, res=RES):
    """x* = argmax of D's output over the centres of a res x res grid on [-box, box]^2, and
    that grid of outputs (row 0 at the top, as :func:`~ganbook.chapters.mixtures.D_grid`)."""
    a = M.D_grid(D, -box, box, res)
    c = M.cell_centres(-box, box, res)
    i = int(a.argmax())
    return torch.stack([c[i % res], c.flip(0)[i // res]]), a


def measure(trainer, n=1000, seed=0):
    """The measures of the module doc for n samples of the trainer's G (z seeded), with the
    samples and D's grid kept for the pictures."""
    s = trainer.model.sample(n, torch.Generator().manual_seed(seed))
    top, grid = D_top(trainer.D)
    largest, count = piles(s)
    return {"largest_pile": largest, "piles": count,
            "at_top": float(((s - top).norm(dim=1) < RADIUS).float().mean()),
            "outside": float((s.abs().max(1).values > BOX).float().mean()),
            "spread": float(s.var(0).sum().sqrt()),
            **of_mixture(s, trainer.run.p_data),
            "samples": s, "D": grid, "top": top}


def run(seed, hill=HILL, alone=ALONE, resume=RESUME, every=100, n=1000, nets=NETS):
    """The three stages of the module doc for one seed; returns {'seed', 'stages': [(name,
    step count so far, measures)]} with the measures after the first stage, after G alone,
    and every ``every`` iterations of the resumed game."""
    T = M.build("ring", "gan", seed=seed, **nets)
    T.train(iterations=hill, progress=False, checkpoint=False)
    stages = [("joint", hill, measure(T, n))]
    T.train_G(alone)
    stages.append(("G alone", hill + alone, measure(T, n)))
    done = 0
    while done < resume:
        step = min(every, resume - done)
        T.train(iterations=step, progress=False, checkpoint=False)
        done += step
        stages.append(("resumed", hill + alone + done, measure(T, n)))
    return {"seed": seed, "stages": stages}


def p_data_reference(n=1000, seed=0):
    """The same measures for n samples of the ring itself."""
    mix = M.Mixture("ring")
    s = mix(n, torch.Generator().manual_seed(seed))
    largest, count = piles(s)
    return {"largest_pile": largest, "piles": count, "spread": float(s.var(0).sum().sqrt()),
            **of_mixture(s, mix)}


def collapsed(measures):
    """A full collapse: the largest pile holds at least COLLAPSED of the samples."""
    return measures["largest_pile"] >= COLLAPSED


def table(results, reference=None):
    """The measures as a text table, one line per stage of each seed (``reference``: a
    first line for p_data, from :func:`p_data_reference`)."""
    head = (f"{'':<40}{'largest pile':>13}{'piles for 90 %':>15}{'at D top':>9}{'outside':>9}"
            f"{'spread':>7}{'modes':>6}")
    pct = lambda m, k: f"{100 * m[k]:>7.0f} %" if k in m else f"{'':>9}"
    row = lambda name, m: (f"{name:<40}{100 * m['largest_pile']:>11.0f} %{m['piles']:>15}"
                           + pct(m, "at_top") + pct(m, "outside") + f"{m['spread']:>7.2f}{m['modes']:>6}")
    lines = [head] + ([row("p_data (the ring itself)", reference)] if reference else [])
    for r in results:
        first, second = r["stages"][0][1], r["stages"][1][1]
        for name, steps, m in r["stages"]:
            what = {"joint": f"after {steps} iterations of Alg. 1",
                    "G alone": f"then {steps - first:,} steps of G alone",
                    "resumed": f"then {steps - second} iterations, D updated"}[name]
            lines.append(row(f"seed {r['seed']}: {what}", m))
    return "\n".join(lines)


def dropped_modes(K, m):
    """What each divergence charges a G that drops modes: p_data has K equally weighted,
    disjoint modes and p_g = p_data restricted to m of them (each of its modes weighted 1/m).
    With r = m / K:

      KL(p_data || p_g) = inf                                (data mass where p_g has none)
      KL(p_g || p_data) = log(K / m)
      JSD = 1/2 [r log(2m / (m + K)) + (1 - r) log 2 + log(2K / (K + m))]

    and the non-saturating G's step descends KL(p_g || p_data) - 2 JSD (the theory chapter),
    the saturating one 2 JSD (Theorem 1, up to the constant)."""
    r = m / K
    jsd = 0.5 * (r * math.log(2 * m / (m + K)) + (1 - r) * math.log(2) + math.log(2 * K / (K + m)))
    reverse = math.log(K / m)
    return {"forward_kl": math.inf if m < K else 0.0, "reverse_kl": reverse, "two_jsd": 2 * jsd,
            "non_saturating": reverse - 2 * jsd}


def plot(results, box=BOX):
    """One row per result: D's output as a heat map with G's samples on top, after the
    first stage, after G alone and at the end of the resumed game."""
    import matplotlib.pyplot as plt
    rows = len(results)
    height = 3.6 * rows + 0.8
    fig, axes = plt.subplots(rows, 3, figsize=(10, height), squeeze=False)
    means = M.Mixture("ring").means
    for row, r in zip(axes, results):
        picks = [r["stages"][0], r["stages"][1], r["stages"][-1]]
        for ax, (name, steps, m) in zip(row, picks):
            a = m["D"].numpy()
            im = ax.imshow(a, extent=[-box, box, -box, box], cmap="viridis")
            ax.scatter(*means.T, s=50, facecolors="none", edgecolors="w", lw=1.2, label="modes of p_data")
            s = m["samples"]
            ax.scatter(s[:, 0], s[:, 1], s=3, color="C3", alpha=0.5, label="samples of G")
            ax.scatter(*m["top"], marker="x", s=60, color="k", label="argmax of D")
            ax.set(xlim=(-box, box), ylim=(-box, box), aspect="equal", xlabel="x1")
            what = {"joint": f"after {steps} iterations of Alg. 1",
                    "G alone": f"then {steps - picks[0][1]:,} steps of G alone",
                    "resumed": f"then {steps - picks[1][1]} iterations with D updated"}[name]
            ax.set_title(f"seed {r['seed']}: {what}\nlargest pile {100 * m['largest_pile']:.0f} %, "
                         f"{m['modes']} modes", fontsize=9)
            fig.colorbar(im, ax=ax, orientation="horizontal", shrink=0.8, pad=0.18).set_label(
                "D's logit a(x)", fontsize=8)
        row[0].set_ylabel("x2")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, facecolor="0.8")
    for h in legend.legend_handles:
        h.set_sizes([30])
    fig.suptitle("G trained alone against a frozen D piles its samples on D's hilltops",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.5 / height, 1, 1 - 0.3 / height))
    return fig
