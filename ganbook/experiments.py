"""Recipes: which data, nets and evaluation each chapter's training uses.

One place maps a data set name to (p_data, G, D, noise, Recipe) for the one
:class:`~ganbook.train.Trainer`; the CLI and the notebooks both call :func:`build`.
"""
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from . import data, nets
from .files import atomic_write_text
from .metrics import PAPER_SIGMAS, parzen_log_likelihood
from .train import Recipe, Trainer

DATASETS = ("mnist", "faces", "tfd")
FACES = ("faces", "tfd")   # FER-2013 (everyone) and the Toronto Face Database (holders)
# Face nets, one family: G z -> h ReLU -> h sigmoid -> 2304 sigmoid (nets.tfd_G), D maxout
# u x 5 pieces, twice; recipe of goodfeli/adversarial tfd_pretrain/*.yaml (lr 0.05).
FACE_ARCHS = {
    "scaled": {"G_hidden": 1200, "D_units": 240},   # default: trains in 30 min on 2 cores
    "paper": {"G_hidden": 8000, "D_units": 1200},   # the authors' TFD nets (~3 s/iteration)
}
FACE_RECIPE = {"lr_D": 0.05, "lr_G": 0.05}


PAPER_TABLE1 = [  # Goodfellow et al. 2014, Table 1 (Parzen window log-likelihood, nats)
    ("DBN", "138 ± 2", "1909 ± 66"),
    ("Stacked CAE", "121 ± 1.6", "2110 ± 50"),
    ("Deep GSN", "214 ± 1.1", "1890 ± 29"),
    ("Adversarial nets", "225 ± 2", "2057 ± 26"),
]


# What the CLI trains by default: the authors' recipe (train.Recipe's defaults) with the
# changes the MNIST chapter measured -- He-initialised hidden layers in G and, on MNIST,
# Algorithm 1's alternating update (the simultaneous one collapsed there).  The faces
# recipe was checked with the simultaneous update.  --paper-recipe gives mnist.yaml as is.
BOOK_RECIPE = {
    "mnist": dict(G_init="he", update="alternating"),
    "faces": dict(G_init="he"),
    "tfd": dict(G_init="he"),
}


def load_splits(dataset):
    """(train, valid, test) float32 arrays in [0, 1], the paper's splits."""
    if dataset == "mnist":
        return tuple(data.load_mnist(s) for s in ("train", "valid", "test"))
    if dataset in FACES:
        from . import faces
        return faces.splits(dataset)
    raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")


def build(dataset="mnist", out=None, seed=0, splits=None, G_init="paper", arch=None, **recipe):
    """A Trainer for ``dataset`` with the paper's nets and recipe (overridable).

    ``arch``: for the faces, a key of :data:`FACE_ARCHS` (default 'scaled'); MNIST has
    only the paper's nets.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")
    archs = tuple(FACE_ARCHS) if dataset in FACES else ("paper",)
    arch = arch or archs[0]
    if arch not in archs:
        raise ValueError(f"unknown arch {arch!r} for {dataset}; use one of {archs}")
    train, valid, test = splits if splits is not None else load_splits(dataset)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    if dataset in FACES:
        a = FACE_ARCHS[arch]
        G = nets.tfd_G(d_data=x.shape[1], hidden=a["G_hidden"], p_data_mean=x.mean(0), init=G_init)
        D = nets.paper_D(d_data=x.shape[1], units=a["D_units"])
        recipe = {**FACE_RECIPE, **recipe}
    else:
        G = nets.paper_G(d_data=x.shape[1], p_data_mean=x.mean(0), init=G_init)
        D = nets.paper_D(d_data=x.shape[1])
    r = Recipe(seed=seed, **recipe)
    trainer = Trainer(G, D, x, nets.Noise(100, "uniform"), r, out=out)
    trainer.dataset_name = dataset
    trainer.valid = valid
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(out) / "config.json",
                          json.dumps({"dataset": dataset, "arch": arch, "G_init": G_init,
                                      "recipe": asdict(r)}, indent=1))
    return trainer


@torch.no_grad()
def samples(G, n, noise=None, seed=1234, batch=2000):
    """n samples G(z) as a float32 numpy array, z drawn with a fixed seed."""
    noise = noise or nets.Noise(100, "uniform")
    g = torch.Generator().manual_seed(seed)
    G.eval()
    out = torch.cat([G(noise(min(batch, n - a), g)) for a in range(0, n, batch)])
    G.train()
    return out.numpy()


def valid_parzen(n_samples=10000, n_valid=1000, every=1):
    """An on_epoch callback: mean Parzen log-likelihood of valid[:n_valid] at the best sigma."""
    def callback(trainer):
        if int(trainer.epoch) % every:
            return
        s = samples(trainer.G, n_samples)
        v = parzen_log_likelihood(trainer.valid[:n_valid], s, PAPER_SIGMAS).mean(1)
        best = int(np.argmax(v))
        trainer.log_row(valid_parzen=float(v[best]), valid_sigma=PAPER_SIGMAS[best])
    return callback


def epoch_callbacks(trainer, parzen_every=1, grid_every=1):
    """Per-epoch: valid Parzen (logged) and a PNG grid of 100 samples in ``out``."""
    from .plots import save_grid
    side = int(round(trainer.p_data.shape[1] ** 0.5))

    def grids(t):
        if t.out is not None and int(t.epoch) % grid_every == 0:
            save_grid(samples(t.G, 100), (side, side), 10,
                      Path(t.out) / "samples" / f"epoch{int(t.epoch):04d}.png")
    return [valid_parzen(every=parzen_every), grids]


def load_run(run, splits=None):
    """The Trainer of a finished run, restored from ``run/checkpoint.pt``."""
    cfg = json.loads((Path(run) / "config.json").read_text())
    recipe = dict(cfg["recipe"])
    T = build(cfg["dataset"], splits=splits, seed=recipe.pop("seed"),
              G_init=cfg.get("G_init", "paper"), arch=cfg.get("arch"), **recipe)
    T.out = Path(run)
    return T.load()


def parzen_run(run, n_samples=10000, splits=None):
    """The paper's Parzen protocol on a run; the result is also written to run/parzen.json."""
    from .metrics import parzen_protocol
    T = load_run(run, splits)
    _, valid, test = splits if splits is not None else load_splits(T.dataset_name)
    res = _protocol(T.dataset_name, samples(T.G, n_samples), valid, test)
    row = asdict(res) | {"iteration": T.iteration, "epoch": T.epoch, "train_minutes": T.wall / 60,
                         "dataset": T.dataset_name, "recipe": asdict(T.recipe)}
    if T.dataset_name in FACES:
        from .faces import label
        row |= {"label": label(T.dataset_name)}
    atomic_write_text(Path(run) / "parzen.json", json.dumps(row, indent=1))
    return res


def _protocol(dataset, s, valid, test):
    """MNIST: the paper's protocol (sigma on valid[:1000]).  TFD: per fold, sigma on the
    fold's whole valid set (the authors' parzen_ll.py); FER-2013 likewise, on PublicTest."""
    from .metrics import parzen_protocol
    if dataset == "tfd":
        from .faces import tfd_protocol
        return tfd_protocol(s)
    return parzen_protocol(s, valid, test, n_valid=None if dataset == "faces" else 1000)


def baselines(dataset="mnist", k=10000, kmeans_iterations=10, splits=None):
    """Parzen rows for 'samples' that are not from G: real held-out data, k-means centroids."""
    from .metrics import kmeans
    train, valid, test = splits if splits is not None else load_splits(dataset)
    rows = {}
    # Real images as "samples": the last k training images -- disjoint from the test set
    # and from valid[:1000], on which sigma is chosen.  A perfect G would score this.
    real = train[-k:]
    rows[f"real data ({len(real)} training images)"] = asdict(_protocol(dataset, real, valid, test))
    c = kmeans(train, k, iterations=kmeans_iterations).numpy()
    rows[f"k-means centroids (k={k})"] = asdict(_protocol(dataset, c, valid, test))
    return {name: r | {"dataset": dataset} for name, r in rows.items()}


def table1(runs=("runs/mnist", "runs/faces"),
           baselines=("runs/baselines-mnist.json", "runs/baselines-faces.json")):
    """Table 1 as text: the paper's rows (cited) beside ours (measured, from parzen.json).

    A run or baseline on 'faces' (FER-2013) or 'tfd' fills the TFD column, with the data
    named in the source column.
    """
    from .faces import label

    def line(name, cell, dataset, source):
        mnist, tfd = (cell, "") if dataset == "mnist" else ("", cell)
        return f"{name:<42}{mnist:>14}{tfd:>14}  {source}"

    def where(dataset):
        return f" on {label(dataset)}" if dataset in FACES else ""

    lines = ["Table 1: Parzen window log-likelihood (nats) of test data",
             f"{'model':<42}{'MNIST':>14}{'TFD':>14}  source",
             "-" * 80]
    for name, mnist, tfd in PAPER_TABLE1:
        lines.append(f"{name:<42}{mnist:>14}{tfd:>14}  paper")
    for run in runs:
        p = Path(run) / "parzen.json"
        if not p.exists():
            guess = next((d for d in FACES if Path(run).name.startswith(d)), "mnist")
            lines.append(line(f"ours ({Path(run).name})", "not run", guess,
                              f"python -m ganbook parzen {run}"))
            continue
        r = json.loads(p.read_text())
        d = r.get("dataset", "mnist")
        sigma = f"sigma={r['sigma']:.3f}" if "sigma" in r else "sigma per fold"
        lines.append(line(f"Adversarial nets, ours ({Path(run).name})", f"{r['mean']:.0f} ± {r['se']:.0f}",
                          d, f"measured{where(d)}, {sigma}, {r['train_minutes']:.0f} min"))
    for b in [baselines] if isinstance(baselines, (str, Path)) else baselines:
        if Path(b).exists():
            for name, r in json.loads(Path(b).read_text()).items():
                d = r.get("dataset", "mnist")
                lines.append(line(name, f"{r['mean']:.0f} ± {r['se']:.0f}", d,
                                  f"measured baseline{where(d)}"))
    return "\n".join(lines)
