"""One table, every measure, the same samples: the evaluation chapter's rows.

A *source* is a function ``draw(i)`` giving the i-th set of n images, and how many draws it
has (one for a deterministic set).  :func:`score` computes on each draw every measure of
:mod:`ganbook.measures.features` against the MNIST test set in the book's classifier's spaces, and
the paper's Parzen estimate (sigma chosen on ``valid[:1000]``, the mean test log-likelihood

    log p_hat(x) = log (1/n) sum_j N(x; g_j, sigma^2 I)

over the test set); a row holds the mean and the sd over the draws.

Sources: generators the book ships (``weights/mnist-*``), and "samples" that are not from a
G, which show what each measure rewards -- real training images (what a G that memorised
its data would give), k-means centroids of the training set (Theis et al. 2016), the
training set's mean image repeated, and pixel-wise Gaussian noise with the data's mean and
sd.

Each chapter scores the generators it teaches (:data:`CHAPTERS`) and merges its rows into
one shared record, ``runs/evaluation-mnist.json`` (:func:`merge_record`), which keeps the
rows of the other chapters and refuses rows scored at another n or number of draws: every
row of the record is comparable with every other.
"""
import json
from pathlib import Path

import numpy as np

from ganbook.base.files import atomic_write_text
from ganbook.core.models import FIXED_Z
from ganbook.measures.features import over_draws
from ganbook.measures.parzen import kmeans, parzen_protocol

SAMPLE_SEED = FIXED_Z   # draw i of a generator: z seeded with SAMPLE_SEED + i
# which shipped generators each chapter scores: filters of shipped_generators
CHAPTERS = {"evaluation": dict(objectives=("minimax",), archs=("paper",)),   # the MNIST chapter's MLP GANs
            "dcgan": dict(objectives=("minimax",), archs=("dcgan",)),
            "after_gan": dict(objectives=("wgan", "wgan_gp", "vae"))}
COLUMNS = [("IS", "IS", 2), ("FD", "FD", 2), ("precision", "precision", 3),
           ("recall", "recall", 3), ("density", "density", 3), ("coverage", "coverage", 3),
           ("classes_covered", "classes", 1), ("kl_uniform", "KL to uniform", 3),
           ("parzen", "Parzen (nats)", 0)]


def generator_source(model, n=10000, draws=3):
    """Draws of n samples G(z) of a GAN (or a VAE's decoder means), seeded per draw (draw 0
    is the sample set of the Parzen protocol, experiments.samples' default seed)."""
    from ganbook.chapters.mnist import samples
    return (lambda i: samples(model, n, seed=SAMPLE_SEED + i)), draws


def baseline_sources(train, n=10000, draws=3, kmeans_iterations=10):
    """{name: (draw, draws)} of the sets that are not from a G, built from ``train``.

    Real images: draw i is the i-th block of n from the end of ``train`` (block 0 is Table 1's
    baseline); k-means (seed 0, like Table 1's) and the mean image are single sets."""
    train = np.asarray(train, dtype=np.float32)
    if draws * n > len(train):
        raise ValueError(f"{draws} draws of {n} real images need {draws * n} training images, "
                         f"not {len(train)}")
    mean, sd = train.mean(0), train.std(0)
    centroids = []

    def real(i):
        return train[len(train) - (i + 1) * n: len(train) - i * n]

    def centres(i):
        if not centroids:
            centroids.append(kmeans(train, n, iterations=kmeans_iterations, progress=True).numpy())
        return centroids[0]

    def noise(i):
        g = np.random.default_rng(SAMPLE_SEED + i)
        return np.clip(mean + sd * g.standard_normal((n, train.shape[1]), dtype=np.float32), 0, 1)

    return {"real training images": (real, draws),
            f"k-means centroids (k = {n})": (centres, 1),
            "mean training image, repeated": (lambda i: np.repeat(mean[None], n, 0), 1),
            "pixel-wise Gaussian noise": (noise, draws)}


def shipped_generators(folder="weights", dataset="mnist", models=("gan", "vae"), objectives=None,
                       archs=None):
    """{label: weights path} of the shipped generators of ``dataset`` whose model is one of
    ``models`` (not the classifier) and, where given, whose training objective is one of
    ``objectives`` and whose nets' arch one of ``archs``.  Models of binarised images (the
    explicit densities' chapter) are scored in their own chapter, not here."""
    found = {}
    for meta in sorted(Path(folder).glob(f"{dataset}-*.json")):
        record = json.loads(meta.read_text())
        spec = record.get("spec", {})
        if record.get("model", {}).get("model") in models and spec.get("dataset") == dataset \
                and not spec.get("binarized") \
                and (objectives is None or record.get("recipe", {}).get("objective") in objectives) \
                and (archs is None or spec.get("arch") in archs):
            found[record.get("label", meta.stem)] = meta.with_suffix("")
    return found


def chapter_sources(chapter, folder="weights", n=10000, draws=3):
    """{label: source} of the shipped generators a chapter scores (:data:`CHAPTERS`)."""
    from ganbook.store import weights
    return {label: generator_source(weights.load(path)[0], n, draws)
            for label, path in shipped_generators(folder, **CHAPTERS[chapter]).items()}


def all_sources(train, folder="weights", n=10000, draws=3, kmeans_iterations=10):
    """The evaluation chapter's rows in order: real images, the MNIST chapter's generators,
    then the sets that are not from a G."""
    base = baseline_sources(train, n, draws, kmeans_iterations)
    rows = {"real training images": base.pop("real training images")}
    return rows | chapter_sources("evaluation", folder, n, draws) | base


def merge_record(path, rows, n, draws, chapter, **about):
    """Merge a chapter's scored ``rows`` ({name: score(...)}) into the shared record at
    ``path`` and write it: the other chapters' rows are kept, a row of the same name replaced.
    Refuses (ValueError) a record or a row at another n or number of draws (a row of one draw
    is a deterministic set).  ``about`` (e.g. minutes) is kept under the chapter's name."""
    path = Path(path)
    old = json.loads(path.read_text()) if path.exists() else {"n_samples": n, "draws": draws, "rows": {}}
    if (old["n_samples"], old["draws"]) != (n, draws):
        raise ValueError(f"{path} holds rows of {old['draws']} draws of {old['n_samples']} samples, "
                         f"not {draws} of {n}: score at the record's n and draws")
    for name, r in rows.items():
        if r["n_samples"] != n or r["draws"] not in (1, draws):
            raise ValueError(f"row {name!r} has {r['draws']} draws of {r['n_samples']} samples, "
                             f"not {draws} of {n}")
    record = {"n_samples": n, "draws": draws, "rows": old["rows"] | rows,
              "chapters": old.get("chapters", {}) | {chapter: {"rows": list(rows), **about}}}
    atomic_write_text(path, json.dumps(record, indent=1))
    return record


def score(source, test, valid, clf, k=3):
    """Every measure of a source's draws against ``test``: mean, '_sd' over draws, 'draws'."""
    draw, draws = source

    def parzen(s):
        r = parzen_protocol(s, valid, test)
        return {"parzen": r.mean, "parzen_se": r.se, "sigma": r.sigma}
    return over_draws(draw, test, clf, draws=draws, k=k, extra=parzen)


def table(rows, columns=COLUMNS):
    """A Markdown table of {name: score(...)} rows, 'mean ± sd over draws' where draws > 1."""
    head = "| samples | " + " | ".join(label for _, label, _ in columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 1)]
    for name, r in rows.items():
        cells = []
        for key, _, digits in columns:
            cell = f"{r[key]:.{digits}f}"
            if r["draws"] > 1:
                cell += f" ± {r[key + '_sd']:.{digits}f}"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parzen_vs_n(pool, ns, valid, test):
    """The Parzen protocol on the first n rows of ``pool`` for each n in ``ns`` (Theis et al.
    2016: the estimate keeps rising with n long past any sample size used in practice)."""
    from tqdm.auto import tqdm
    out = []
    for n in tqdm(ns, desc="Parzen vs n"):
        if n > len(pool):
            raise ValueError(f"n={n} is more than the {len(pool)} samples in the pool")
        r = parzen_protocol(pool[:n], valid, test)
        out.append({"n": int(n), "sigma": r.sigma, "mean": r.mean, "se": r.se, "seconds": r.seconds})
    return out
