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

DATASETS = ("mnist",)


def load_splits(dataset):
    """(train, valid, test) float32 arrays in [0, 1], the paper's splits."""
    if dataset == "mnist":
        return tuple(data.load_mnist(s) for s in ("train", "valid", "test"))
    raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")


def build(dataset="mnist", out=None, seed=0, splits=None, **recipe):
    """A Trainer for ``dataset`` with the paper's nets and recipe (overridable)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")
    train, valid, test = splits if splits is not None else load_splits(dataset)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    G = nets.paper_G(d_data=x.shape[1], p_data_mean=x.mean(0))
    D = nets.paper_D(d_data=x.shape[1])
    r = Recipe(seed=seed, **recipe)
    trainer = Trainer(G, D, x, nets.Noise(100, "uniform"), r, out=out)
    trainer.dataset_name = dataset
    trainer.valid = valid
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(out) / "config.json",
                          json.dumps({"dataset": dataset, "recipe": asdict(r)}, indent=1))
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
    T = build(cfg["dataset"], splits=splits, **{"seed": cfg["recipe"]["seed"]})
    T.out = Path(run)
    return T.load()


def parzen_run(run, n_samples=10000, splits=None):
    """The paper's Parzen protocol on a run; the result is also written to run/parzen.json."""
    from .metrics import parzen_protocol
    T = load_run(run, splits)
    _, valid, test = splits if splits is not None else load_splits(T.dataset_name)
    res = parzen_protocol(samples(T.G, n_samples), valid, test)
    row = asdict(res) | {"iteration": T.iteration, "epoch": T.epoch, "train_minutes": T.wall / 60,
                         "dataset": T.dataset_name, "recipe": asdict(T.recipe)}
    atomic_write_text(Path(run) / "parzen.json", json.dumps(row, indent=1))
    return res


def baselines(dataset="mnist", k=10000, kmeans_iterations=10, splits=None):
    """Parzen rows for 'samples' that are not from G: real held-out data, k-means centroids."""
    from .metrics import kmeans, parzen_protocol
    train, valid, test = splits if splits is not None else load_splits(dataset)
    rows = {}
    # Real images as "samples": the last k training images -- disjoint from the test set
    # and from valid[:1000], on which sigma is chosen.  A perfect G would score this.
    real = train[-k:]
    rows[f"real data ({len(real)} training images)"] = asdict(parzen_protocol(real, valid, test))
    c = kmeans(train, k, iterations=kmeans_iterations).numpy()
    rows[f"k-means centroids (k={k})"] = asdict(parzen_protocol(c, valid, test))
    return rows


def table1(runs=("runs/mnist",), baselines="runs/baselines-mnist.json"):
    """Table 1 as text: the paper's rows (cited) beside ours (measured, from parzen.json)."""
    from .cli import PAPER_TABLE1
    lines = ["Table 1: Parzen window log-likelihood (nats) of test data",
             f"{'model':<42}{'MNIST':>14}{'TFD':>14}  source",
             "-" * 80]
    for name, mnist, tfd in PAPER_TABLE1:
        lines.append(f"{name:<42}{mnist:>14}{tfd:>14}  paper")
    for run in runs:
        p = Path(run) / "parzen.json"
        if not p.exists():
            lines.append(f"{'ours (' + str(run) + ')':<42}{'not run':>14}{'':>14}  "
                         f"python -m ganbook parzen {run}")
            continue
        r = json.loads(p.read_text())
        cell = f"{r['mean']:.0f} ± {r['se']:.0f}"
        lines.append(f"{'Adversarial nets, ours (' + Path(run).name + ')':<42}{cell:>14}{'':>14}  "
                     f"measured, sigma={r['sigma']:.3f}, {r['train_minutes']:.0f} min")
    b = Path(baselines)
    if b.exists():
        for name, r in json.loads(b.read_text()).items():
            cell = f"{r['mean']:.0f} ± {r['se']:.0f}"
            lines.append(f"{name:<42}{cell:>14}{'':>14}  measured baseline")
    return "\n".join(lines)
