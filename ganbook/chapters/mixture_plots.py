"""Pictures of the 2-D mode-collapse runs of :mod:`ganbook.chapters.mixture_runs`: G's kept samples
over training, a measure at every check, close-ups of one mode, and where the samples that
miss every mode lie (the bridges a connected p_z forces, see :mod:`ganbook.chapters.mixtures`)."""
import json
from pathlib import Path

import numpy as np

from ganbook.chapters import mixtures as M


def _load(run_folder):
    """A run's result.json (as a dict) and its samples.npz (kept samples by check)."""
    return (json.loads((Path(run_folder) / "result.json").read_text()),
            np.load(Path(run_folder) / "samples.npz"))


def plot_over_training(run_folder, shots=5, title=""):
    """G's kept samples at ``shots`` of a run's checks (first and last included), over the
    modes of its mixture, each panel titled with its iteration and measures."""
    import matplotlib.pyplot as plt
    r, kept = _load(run_folder)
    mix = M.Mixture(r["mixture"])
    picks = [r["checks"][i] for i in np.unique(np.linspace(0, len(r["checks"]) - 1, shots).round().astype(int))]
    lim = float(mix.means.abs().max()) * 1.5
    fig, axes = plt.subplots(1, len(picks), figsize=(2.8 * len(picks), 3.1), sharex=True, sharey=True)
    for ax, c in zip(np.atleast_1d(axes), picks):
        s = kept[f"it{c['iteration']}"]
        ax.scatter(*mix.means.T, s=60, facecolors="none", edgecolors="C1", lw=1, label="modes of p_data")
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.5, color="C0", label=f"{len(s)} samples of G")
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="x1")
        ax.set_title(f"iteration {c['iteration']:,}\n{c['modes']} modes, {100 * c['high_quality']:.0f} % high q.",
                     fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel("x2")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, markerscale=2)  # off the data
    fig.suptitle(title or f"{r['mixture']}, {r['variant']}, seed {r['seed']}", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 0.93))
    return fig


def plot_checks(out, mixture, variants, measure="high_quality"):
    """One line per seed of each variant: ``measure`` ('high_quality' in %, or 'modes') at each
    of the runs' checks against the iteration, from the result files under ``out``."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for c, variant in enumerate(variants):
        files = sorted((Path(out) / mixture / variant).glob("seed*/result.json"))
        for i, f in enumerate(files):
            r = json.loads(f.read_text())
            it = [x["iteration"] for x in r["checks"]]
            y = [x[measure] * (100 if measure == "high_quality" else 1) for x in r["checks"]]
            ax.plot(it, y, "o-", ms=3, lw=1, color=f"C{c}", alpha=0.8,
                    label=f"{variant} ({len(files)} seed{'s' * (len(files) > 1)})" if i == 0 else None)
    ax.set(xlabel="iteration (updates of G)", title=f"{mixture}: {measure.replace('_', ' ')} at each check",
           ylabel="high-quality samples (%)" if measure == "high_quality" else "modes covered")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_zoom(run_folders, mode=0, half=None, checks=1):
    """Close-ups of one mode: for each run (a row), its kept samples at its last ``checks``
    checks (columns) within ``half`` (default 5 x 3 sigma) of the mode, with the 3 sigma circle
    of the high-quality test; each titled with the median distance of all the kept samples
    to their nearest mode, in units of sigma."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(run_folders), checks, figsize=(2.7 * checks, 2.9 * len(run_folders)),
                             squeeze=False)
    for row, folder_ in zip(axes, run_folders):
        r, kept = _load(folder_)
        mix = M.Mixture(r["mixture"])
        mu, sigma = mix.means[mode].numpy(), mix.sigma
        h = half or 15 * sigma
        for ax, c in zip(row, r["checks"][-checks:]):
            s = kept[f"it{c['iteration']}"]
            near = M.nearest_mode(s, mix.means).values.numpy()
            ax.add_patch(plt.Circle(mu, 3 * sigma, fill=False, color="C1", lw=1.5, label="3 sigma of the mode"))
            ax.scatter(s[:, 0], s[:, 1], s=5, alpha=0.6, color="C0", label="samples of G")
            ax.set(xlim=(mu[0] - h, mu[0] + h), ylim=(mu[1] - h, mu[1] + h), aspect="equal")
            ax.set_title(f"{r['variant']} seed {r['seed']}, it. {c['iteration']:,}\n"
                         f"median distance {np.median(near) / sigma:.1f} sigma", fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def plot_quality(run_folders, titles=None, cols=None, title=None):
    """Each run's kept samples at its last check over the whole plane, split by the
    high-quality test: within 3 sigma of their nearest mode, or off every mode (on the
    bridges between modes, or wide of one); each panel titled with the high-quality share
    of those kept samples.  ``cols``: panels per row (default: all in one row); ``title``:
    the figure's."""
    import matplotlib.pyplot as plt
    cols = cols or len(run_folders)
    rows = -(-len(run_folders) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 3.7 * rows + 0.3), squeeze=False)
    for ax in axes.flat[len(run_folders):]:
        ax.axis("off")
    for i, (ax, folder_) in enumerate(zip(axes.flat, run_folders)):
        r, kept = _load(folder_)
        mix, c = M.Mixture(r["mixture"]), r["checks"][-1]
        s = kept[f"it{c['iteration']}"]
        good = (M.nearest_mode(s, mix.means).values < 3 * mix.sigma).numpy()
        ax.scatter(*s[~good].T, s=3, color="C3", alpha=0.6, label="off every mode (over 3 sigma)")
        ax.scatter(*s[good].T, s=3, color="C0", alpha=0.6, label="high quality (within 3 sigma)")
        ax.scatter(*mix.means.T, s=40, facecolors="none", edgecolors="C1", lw=1, label="modes of p_data")
        lim = float(mix.means.abs().max()) * 1.4
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal")
        ax.set_xlabel("x1", labelpad=1)
        name = titles[i] if titles else f"{r['variant']} seed {r['seed']}"
        ax.set_title(f"{name}, it. {c['iteration']:,}\n{100 * good.mean():.0f} % of {len(s)} kept samples "
                     "high quality", fontsize=8)
    for row in axes:
        row[0].set_ylabel("x2")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
    for h in legend.legend_handles:
        h.set_sizes([25])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.3 / (3.7 * rows + 0.3) + 0.04, 1, 1), h_pad=1.5)
    return fig


def plot_D_zoom(run_folders, mode=12, half=0.5, res=160, n=3000, titles=None, title=None):
    """What each run's D sees near one mode: its logit a(x) = log D(x) / (1 - D(x)) as a heat
    map over a square of side 2 ``half`` around mode ``mode`` (12 is the grid's centre), with n
    fresh samples of G (z seeded) and the 3 sigma circle of the high-quality test.  The runs
    must have kept their nets (model.safetensors).  ``title``: the figure's."""
    import matplotlib.pyplot as plt
    import torch
    from ganbook.chapters.mixture_runs import load_model
    from ganbook.chapters.rejection import logits
    fig, axes = plt.subplots(1, len(run_folders), figsize=(3.4 * len(run_folders), 4.3), squeeze=False)
    for i, (ax, folder_) in enumerate(zip(axes[0], run_folders)):
        T = load_model(folder_)
        mu, sigma = T.run.p_data.means[mode], T.run.p_data.sigma
        c = torch.linspace(-half, half, res)
        xy = torch.stack([c.repeat(res), c.repeat_interleave(res)], 1) + mu
        a = logits(T.D, xy).reshape(res, res).numpy()
        s = T.model.sample(n, torch.Generator().manual_seed(0)).numpy()
        box = [float(mu[0]) - half, float(mu[0]) + half, float(mu[1]) - half, float(mu[1]) + half]
        im = ax.imshow(a, origin="lower", extent=box, cmap="RdBu", vmin=-np.abs(a).max(), vmax=np.abs(a).max())
        ax.scatter(s[:, 0], s[:, 1], s=1, color="k", alpha=0.3, label=f"samples of G ({n:,} drawn)")
        ax.add_patch(plt.Circle(mu.tolist(), 3 * sigma, fill=False, color="C1", lw=1.5, label="3 sigma of the mode"))
        ax.set(xlim=box[:2], ylim=box[2:], aspect="equal", xlabel="x1")
        ax.set_title(titles[i] if titles else f"{Path(folder_).parent.name} seed {Path(folder_).name[4:]}",
                     fontsize=9)
        # the colour bar under its panel, so a long title cannot run into it
        fig.colorbar(im, ax=ax, orientation="horizontal", shrink=0.85, pad=0.16).set_label(
            "D's logit a(x)", fontsize=8)
    axes[0, 0].set_ylabel("x2")
    axes[0, 0].legend(fontsize=7, loc="lower left", markerscale=5)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
