"""Figures of the image chapters: sample grids (paper Fig. 2) and interpolations (Fig. 3)."""
from pathlib import Path

import numpy as np
import torch

from ganbook.base.images import grid, save_grid  # noqa: F401 (plots.save_grid: the chapters' name)


def figure2(samples, train, shape, rows=6, cols=5):
    """Paper Fig. 2: ``rows x cols`` samples, the rightmost column each row's nearest
    training image to the row's last sample (showing G did not memorise)."""
    s = np.asarray(samples[:rows * (cols - 1)]).reshape(rows, cols - 1, -1)
    from ganbook.measures.parzen import nearest
    nn_idx = nearest(s[:, -1], train).numpy()
    tiles = np.concatenate([s, np.asarray(train)[nn_idx][:, None]], axis=1)
    return grid(tiles.reshape(rows * cols, -1), shape, cols)


def interpolations(G, z0, z1, steps=10, kind="linear"):
    """Paper Fig. 3: G(z(t)) for t in [0, 1] along the path ``kind`` ('linear':
    (1 - t) z0 + t z1, or 'spherical', :mod:`ganbook.chapters.latent`), one row per (z0, z1) pair."""
    from ganbook.chapters.latent import path, render
    z = torch.cat([path(a, b, steps, kind) for a, b in zip(z0, z1)])
    return render(G, z).numpy()


def collapse_trace(rows, title=""):
    """The mechanism of a run's first steps (from :func:`ganbook.chapters.sweep.trace`): D(x) and
    D(G(z)); the gradient norms of D and G; the largest |pre-activation| of G's output
    sigmoid and its spread over z; the per-pixel sd of G(z) over z with the collapse
    threshold.  One column each, sharing the x axis (steps)."""
    import matplotlib.pyplot as plt
    from ganbook.measures.collapse import SD_MIN

    def col(key):
        pts = [(r["iteration"], r[key]) for r in rows if r.get(key) not in (None, "")]
        return [p[0] for p in pts], [float(p[1]) for p in pts]
    fig, ax = plt.subplots(1, 4, figsize=(15, 3.2), sharex=True)
    for key, label in (("D_x", "D(x), data"), ("D_G_z", "D(G(z)), samples")):
        ax[0].plot(*col(key), lw=0.8, label=label)
    ax[0].set_ylabel("mean D output"), ax[0].set_ylim(0, 1), ax[0].legend(fontsize=8)
    for key, label in (("grad_D", "D"), ("grad_G", "G")):
        ax[1].semilogy(*col(key), lw=0.8, label=label)
    ax[1].set_ylabel("gradient norm (L2, all weights)"), ax[1].legend(fontsize=8)
    ax[2].plot(*col("preact_max"), lw=0.8, label="max |a| over z and pixels")
    ax[2].plot(*col("preact_sd_z"), lw=0.8, label="sd of a over z (mean over pixels)")
    ax[2].set_ylabel("G's output pre-activation a"), ax[2].legend(fontsize=8)
    ax[3].plot(*col("G_sd"), "o-", ms=3, lw=0.8, label="per-pixel sd of G(z) over z")
    ax[3].axhline(SD_MIN, color="k", ls="--", lw=0.8, label=f"collapse below {SD_MIN}")
    ax[3].set_ylabel("pixel sd over z"), ax[3].legend(fontsize=8)
    for a in ax:
        a.set_xlabel("step (iteration)")
    ax[0].set_title(title or "the first steps", loc="left", fontsize=9)
    fig.tight_layout()
    return fig


def class_histograms(rows, classes=10, cols=4):
    """The measurable face of mode collapse: per row of {name: evaluation result}, the share
    of samples the classifier puts in each class, against the uniform 1/classes."""
    import matplotlib.pyplot as plt
    rows = {k: v for k, v in rows.items() if v is not None}
    n_rows = -(-len(rows) // cols)
    fig, axes = plt.subplots(n_rows, cols, figsize=(3.2 * cols, 2.3 * n_rows), sharey=True,
                             squeeze=False)
    for ax, (name, r) in zip(axes.flat, rows.items()):
        ax.bar(range(classes), r["class_histogram"], color="0.4")
        ax.axhline(1 / classes, color="C3", lw=0.8, ls="--", label="uniform")
        c = r["classes_covered"]
        ax.set_title(f"{name}\n{c:.1f} classes (mean over draws), KL to uniform {r['kl_uniform']:.2f}",
                     fontsize=8)
        ax.set_xticks(range(classes))
        ax.set_xlabel("predicted class (first draw)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of samples", fontsize=8)
    fig.tight_layout()
    return fig


def sample_strip(folder, shape, shots=6, side=5, title="", epochs=None):
    """The same ``side`` x ``side`` z over training: the top-left corner of ``shots`` of the
    per-epoch grids a run saved (``folder``/epochNNNN.png, all drawn from one fixed set of z
    by :func:`ganbook.chapters.mnist.epoch_callbacks`), first and last included, evenly spaced
    over the saved grids; or those of ``epochs`` that were saved."""
    import matplotlib.pyplot as plt
    pngs = sorted(Path(folder).glob("epoch*.png"))
    if not pngs:
        raise FileNotFoundError(f"no sample grids (epoch*.png) in {folder}: train the run first")
    if epochs is not None:
        picks = [p for p in pngs if int(p.stem.removeprefix("epoch")) in set(epochs)]
    else:
        picks = [pngs[i] for i in np.unique(np.linspace(0, len(pngs) - 1, shots).round().astype(int))]
    corner = 1 + side * (shape[0] + 1)            # side x side images with their 1-pixel borders
    fig, axes = plt.subplots(1, len(picks), figsize=(2.1 * len(picks), 2.5), squeeze=False)
    for ax, png in zip(axes[0], picks):
        ax.imshow(plt.imread(png)[:corner, :corner, 0], cmap="gray", vmin=0, vmax=1)  # grey: R = G = B
        ax.set_title(f"epoch {int(png.stem.removeprefix('epoch'))}", fontsize=10)
        ax.axis("off")
    fig.suptitle(title or f"{side * side} samples of G for the same z over training ({folder})", fontsize=10)
    fig.tight_layout()
    return fig
