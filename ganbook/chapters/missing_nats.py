"""Where Table 1's missing nats go: a G's Parzen estimate split by digit, beside real images.

The Parzen estimate of a test image x is log (1/n) sum_j N(x; s_j, sigma^2 I).  In 784
dimensions the sum is dominated by the few samples s_j nearest to x, so the estimate is
close to -d_min(x)^2 / (2 sigma^2) + const: a few percent more distance to the nearest
sample costs tens of nats.  :func:`where_the_nats_go` compares a G's samples with real
images used as samples (the last 10,000 training images, the "real data" baseline row),
at one sigma for both, per test digit:

  deficit[c]   = mean over test images of class c of  log p_real(x) - log p_G(x)   (nats)
  distance[c]  = mean over those images of the distance to the nearest sample (G, real)
  share[c]     = the share of G's samples the book's classifier labels c (real: 10 %)

so a reader sees which digits G renders too far from the test set, and which it draws too
rarely.
"""
from pathlib import Path

import numpy as np
import torch

from ganbook.measures.features import predict
from ganbook.measures.parzen import _as_tensor, parzen_log_likelihood, sq_distances


def nearest_distance(x, ref, block=1000):
    """Euclidean distance from each row of ``x`` to its nearest row of ``ref``."""
    x, ref = _as_tensor(x), _as_tensor(ref)
    centre = ref.mean(0)                      # centred, as parzen_log_likelihood does
    x, ref = x - centre, ref - centre
    ref_sq = (ref * ref).sum(1)
    return torch.cat([sq_distances(x[a:a + block], ref, ref_sq).min(1).values.sqrt()
                      for a in range(0, len(x), block)]).double().numpy()


def where_the_nats_go(samples, real, test_x, test_y, sigma, clf=None, classes=10):
    """Per class of the test set: mean Parzen log-likelihood at ``sigma`` with G's ``samples``
    and with ``real`` images as samples, their difference (the deficit), the mean distance
    to the nearest sample for each, and the share of G's samples the classifier ``clf``
    puts in the class.  Returns a dict of arrays of length ``classes`` plus the overall
    means (keys without ``_by_class``)."""
    test_y = np.asarray(test_y)
    if len(samples) != len(real):
        raise ValueError(f"{len(samples)} samples against {len(real)} real images: compare at "
                         "equal numbers, or the real row has an unfair advantage")
    ll_g = parzen_log_likelihood(test_x, samples, [sigma])[0]
    ll_r = parzen_log_likelihood(test_x, real, [sigma])[0]
    d_g, d_r = nearest_distance(test_x, samples), nearest_distance(test_x, real)
    by = lambda v: np.array([v[test_y == c].mean() for c in range(classes)])  # noqa: E731
    out = {"sigma": float(sigma), "n_samples": len(samples), "n_test": len(test_x),
           "ll_G": float(ll_g.mean()), "ll_real": float(ll_r.mean()),
           "deficit": float((ll_r - ll_g).mean()),
           "distance_G": float(d_g.mean()), "distance_real": float(d_r.mean()),
           "ll_G_by_class": by(ll_g), "ll_real_by_class": by(ll_r), "deficit_by_class": by(ll_r - ll_g),
           "distance_G_by_class": by(d_g), "distance_real_by_class": by(d_r),
           "test_share_by_class": np.bincount(test_y, minlength=classes) / len(test_y)}
    if clf is not None:
        labels = predict(clf, samples).argmax(1).numpy()
        out["sample_share_by_class"] = np.bincount(labels, minlength=classes) / len(labels)
    return out


def as_json(r):
    """The result with arrays as lists (for a JSON record)."""
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in r.items()}


def plot(results, ax=None):
    """One figure for several Gs: per digit, the deficit against real images (bars, left)
    and the share of samples the classifier gives each digit (right).  ``results``:
    {label: result of :func:`where_the_nats_go` or its JSON}."""
    import matplotlib.pyplot as plt
    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(11, 3.6))
    classes = np.arange(len(next(iter(results.values()))["deficit_by_class"]))
    width = 0.8 / len(results)
    for i, (label, r) in enumerate(results.items()):
        ax[0].bar(classes + i * width, r["deficit_by_class"], width, label=label)
        if "sample_share_by_class" in r:
            ax[1].bar(classes + i * width, 100 * np.asarray(r["sample_share_by_class"]), width, label=label)
    share = 100 * np.asarray(next(iter(results.values()))["test_share_by_class"])
    ax[1].hlines(share, classes - width / 2 - 0.05, classes + 0.8 - width / 2 + 0.05, color="k", lw=1.5,
                 label="test set")
    ax[0].set(xlabel="test digit", ylabel="nats below real images (at the same sigma)",
              title="Parzen deficit by digit", xticks=classes + 0.4 - width / 2, xticklabels=classes)
    ax[1].set(xlabel="digit (the book's classifier)", ylabel="% of samples",
              title="What G draws", xticks=classes + 0.4 - width / 2, xticklabels=classes)
    ax[0].legend(fontsize=8)
    ax[1].legend(fontsize=8, ncol=2)
    return ax


def measure_shipped(names, out=None, n=10000, say=print):
    """:func:`where_the_nats_go` for MNIST generators: shipped ones by name (``weights/NAME``)
    or a run's kept tensors by path (``runs/X/best-G``, ``runs/X/best-G-avg``); n samples at
    the book's fixed z, sigma chosen on valid[:1000] by the paper's protocol, the last n
    training images as the real row, the book's classifier for the class shares.  Returns
    {name: result as JSON}; with ``out``, also merged into that record (atomically; the rows
    of other generators are kept)."""
    import json

    from ganbook.base.files import atomic_write_text
    from ganbook.core.models import samples
    from ganbook.data.mnist import load_mnist
    from ganbook.measures.parzen import PAPER_SIGMAS
    from ganbook.store import weights
    train, valid = load_mnist("train"), load_mnist("valid")
    test_x, test_y = load_mnist("test", with_labels=True)
    clf, _ = weights.load(weights.SHIPPED / "mnist-classifier")
    rows = {}
    for name in names:
        model, record = weights.load(Path(name) if "/" in str(name) else weights.SHIPPED / name)
        s = samples(model, n)
        v = parzen_log_likelihood(valid[:1000], s, PAPER_SIGMAS).mean(1)
        sigma = PAPER_SIGMAS[int(np.argmax(v))]
        rows[name] = as_json(where_the_nats_go(s, train[-n:], test_x, test_y, sigma, clf))
        rows[name]["label"] = record.get("label", name)
        say(f"{name}: {rows[name]['ll_G']:.1f} nats at sigma {sigma:.3f}, "
            f"{rows[name]['deficit']:.1f} below real images")
    if out is not None:
        kept = json.loads(Path(out).read_text()) if Path(out).exists() else {}
        atomic_write_text(out, json.dumps(kept | rows, indent=1) + "\n")
    return rows
