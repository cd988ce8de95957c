"""Recipes: which data, nets and evaluation each chapter's training uses.

One place maps a data set name to a :class:`~ganbook.train.Run` (model, data, recipe,
spec) for the one :class:`~ganbook.train.Trainer`; the CLI and the notebooks both call
:func:`build`.
"""
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from . import checkpoint, convnets, data, nets
from .files import atomic_write_text
from .metrics import PAPER_SIGMAS, parzen_log_likelihood
from .models import GAN
from .train import Recipe, Run, Trainer

DATASETS = ("mnist", "faces", "tfd", "fake")
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


# What the CLI trains by default.  MNIST: the authors' mnist.yaml as is (paper init, their
# simultaneous update, 1e-7 bias clip, uniform z) -- the collapse sweep (runs/sweep, 8 seeds
# per variant) found it collapsing on 0 seeds of 8 where the He-initialised, alternating
# recipe the first MNIST runs used collapsed on 5 of 8.  Faces: He-initialised hidden layers
# in G, checked with the simultaneous update (the faces chapter).
PAPER_RECIPE = dict(G_init="paper", update="simultaneous", bias_clip=1e-7)   # mnist.yaml
BOOK_RECIPE = {
    "mnist": dict(PAPER_RECIPE),
    "faces": dict(G_init="he"),
    "tfd": dict(G_init="he"),
}


def fake_splits(n=600, side=8, seed=0):
    """A small synthetic data set (bars on side x side images, in [0, 1]) for smoke
    tests and the kill -9 campaign: the CLI and the loop run without any download."""
    g = torch.Generator().manual_seed(seed)
    img = torch.zeros(n, side, side)
    rows, cols = torch.randint(0, side, (n,), generator=g), torch.randint(0, side, (n,), generator=g)
    horizontal = torch.rand(n, generator=g) < 0.5
    img[horizontal, rows[horizontal], :] = 1.0
    img[~horizontal, :, cols[~horizontal]] = 1.0
    x = (img.flatten(1) * 0.9 + 0.1 * torch.rand(n, side * side, generator=g)).numpy()
    a, b = int(0.8 * n), int(0.9 * n)
    return x[:a], x[a:b], x[b:]


def load_splits(dataset):
    """(train, valid, test) float32 arrays in [0, 1], the paper's splits."""
    if dataset == "mnist":
        return tuple(data.load_mnist(s) for s in ("train", "valid", "test"))
    if dataset in FACES:
        from . import faces
        return faces.splits(dataset)
    if dataset == "fake":
        return fake_splits()
    raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")


def build(dataset="mnist", out=None, seed=0, splits=None, G_init="paper", arch=None,
          noise="uniform", bias_clip=1e-3, device=None, model="gan", **recipe):
    """A :class:`~ganbook.train.Trainer` of the paper's nets on ``dataset`` (recipe overridable).

    ``arch``: for the faces, a key of :data:`FACE_ARCHS` (default 'scaled'); MNIST has
    only the paper's nets; 'fake' has small ones.  ``noise``: p_z (:class:`nets.Noise`
    kind); ``bias_clip``: the clip of the pixel means behind G's output bias (the
    authors': 1e-7).  Everything but the recipe goes into the run's ``spec``, which a
    checkpoint must match to be resumed.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")
    if model == "vae":                      # the VAE of the chapter after the paper
        from .vae import build as build_vae
        return build_vae(dataset, out, seed, splits, device=device, **recipe)
    if model != "gan":
        raise ValueError(f"unknown model {model!r}; use 'gan' or 'vae'")
    archs = tuple(FACE_ARCHS) if dataset in FACES else ("small",) if dataset == "fake" else ("paper",)
    archs += tuple(convnets.ARCHS) if dataset != "fake" else ()
    arch = arch or archs[0]
    if arch not in archs:
        raise ValueError(f"unknown arch {arch!r} for {dataset}; use one of {archs}")
    train, valid, test = splits if splits is not None else load_splits(dataset)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    if arch in convnets.ARCHS:              # DCGAN: its own nets and Adam recipe
        side = int(round(x.shape[1] ** 0.5))
        G = convnets.DCGAN_G(side, **convnets.arch_kwargs(arch, side))
        D = convnets.DCGAN_D(side, **convnets.arch_kwargs(arch, side, "D"))
        recipe = {**convnets.RECIPE, **recipe}
    elif dataset in FACES:
        a = FACE_ARCHS[arch]
        G = nets.tfd_G(d_data=x.shape[1], hidden=a["G_hidden"], p_data_mean=x.mean(0), init=G_init)
        D = nets.paper_D(d_data=x.shape[1], units=a["D_units"])
        recipe = {**FACE_RECIPE, **recipe}
    elif dataset == "fake":
        G = nets.paper_G(d_data=x.shape[1], d_z=100, hidden=64, p_data_mean=x.mean(0), init=G_init,
                         bias_clip=bias_clip)
        D = nets.paper_D(d_data=x.shape[1], units=16)
    else:
        G = nets.paper_G(d_data=x.shape[1], p_data_mean=x.mean(0), init=G_init, bias_clip=bias_clip)
        D = nets.paper_D(d_data=x.shape[1])
    spec = {"dataset": dataset, "arch": arch, "G_init": G_init, "noise": noise, "bias_clip": bias_clip}
    if arch in convnets.ARCHS:              # G_init and bias_clip belong to the paper's G
        del spec["G_init"], spec["bias_clip"]
    run = Run(GAN(G, D, nets.Noise(100, noise)), x, Recipe(seed=seed, **recipe), out, spec, valid, test)
    T = Trainer(run, device)
    if out is not None and not (Path(out) / "checkpoint.pt").exists():
        checkpoint.write_config(out, run.config())   # a resumed run's comes from its checkpoint
    return T


def samples(G, n, noise=None, seed=1234, batch=2000):
    """n samples as a float32 numpy array, z drawn with a fixed seed.  ``G``: a model that
    samples itself (:class:`~ganbook.models.GAN`, VAE), or a bare G net with ``noise``."""
    g = torch.Generator().manual_seed(seed)
    model = G if hasattr(G, "sample") else GAN(G, None, noise or nets.Noise(100, "uniform"))
    return model.sample(n, g, batch=batch).numpy()


def valid_parzen(n_samples=10000, n_valid=1000, every=1):
    """An on_epoch callback: mean Parzen log-likelihood of valid[:n_valid] at the best sigma."""
    def score(model):
        v = parzen_log_likelihood(valid_x, samples(model, n_samples), PAPER_SIGMAS).mean(1)
        best = int(np.argmax(v))
        return float(v[best]), PAPER_SIGMAS[best]

    def callback(trainer):
        nonlocal valid_x
        if int(trainer.epoch) % every:
            return None
        valid_x = trainer.run.valid[:n_valid]
        row = dict(zip(("valid_parzen", "valid_sigma"), score(trainer.model)))
        if trainer.G_avg is not None:       # the running average of G, the same z and data
            row |= dict(zip(("valid_parzen_avg", "valid_sigma_avg"), score(trainer.averaged_model())))
        return row
    valid_x = None
    return callback


def epoch_callbacks(trainer, parzen_every=1, grid_every=1):
    """Per-epoch: valid Parzen (logged), G's weights when that estimate is the best so far
    (``out``/best-G, as the authors' per-epoch saves allowed choosing by validation), and a
    PNG grid of 100 samples in ``out``."""
    from .plots import save_grid
    side = int(round(trainer.p_data.shape[1] ** 0.5))

    def grids(t):
        if t.out is not None and int(t.epoch) % grid_every == 0:
            save_grid(samples(t.model, 100), (side, side), 10,
                      Path(t.out) / "samples" / f"epoch{int(t.epoch):04d}.png")
    if trainer.model.config()["model"] == "vae":
        from .vae import valid_elbo
        return [valid_elbo(), valid_parzen(every=parzen_every), keep_best, grids]
    from .wasserstein import valid_W
    critic = [valid_W()] if trainer.recipe.objective in ("wgan", "wgan_gp") else []
    return [*critic, valid_parzen(every=parzen_every), keep_best, grids]


def keep_best(t):
    """An on_epoch callback after :func:`valid_parzen`: export G to ``out``/best-G when the
    row just logged holds the best validation Parzen of the run (read from the history, so
    a resumed run keeps the same best)."""
    from . import weights
    if t.out is None or not t.history or "valid_parzen" not in t.history[-1]:
        return None
    for key, name, net in (("", BEST, None), ("_avg", BEST_AVG, t.G_avg)):
        v = [r["valid_parzen" + key] for r in t.history if "valid_parzen" + key in r]
        if v and "valid_parzen" + key in t.history[-1] and v[-1] >= max(v):
            weights.export(t, Path(t.out) / name, shipped=False, net=net, valid_parzen=v[-1],
                           valid_sigma=t.history[-1]["valid_sigma" + key],
                           **({"G": "running average of G (recipe G_ema)"} if net is not None else {}))
    return None


BEST = "best-G"   # in a run folder: G at the epoch of the best validation Parzen
BEST_AVG = "best-G-avg"   # the running average of G (recipe G_ema) at its best epoch


def load_generator(path):
    """(model, spec) to sample from: a run folder (its checkpoint) or shipped weights."""
    from . import weights
    if (Path(path) / "checkpoint.pt").exists():
        T = load_run(path)
        return T.model, T.run.spec
    model, record = weights.load(path)
    return model, record["spec"]


def load_run(run, splits=None, device=None):
    """The Trainer of a run, restored from ``run/checkpoint.pt`` (built from its config.json)."""
    cfg = json.loads((Path(run) / "config.json").read_text())
    if "spec" not in cfg:
        raise ValueError(f"{run}/config.json is of an older ganbook (no 'spec'): its checkpoint "
                         "cannot be resumed; train again")
    T = build(splits=splits, out=run, seed=cfg["recipe"]["seed"], device=device,   # T.load sets
              objective=cfg["recipe"]["objective"], **cfg["spec"])              # the rest
    return T.load()


def parzen_run(run, n_samples=10000, splits=None, checkpoint="best"):
    """The paper's Parzen protocol on a run; the result is also written to run/parzen.json.

    ``checkpoint='best'``: G at the epoch of the best validation Parzen (``run``/best-G,
    chosen on validation data only), if the run kept one; 'last': the last checkpoint.
    """
    from . import weights
    T = load_run(run, splits)
    dataset, model = T.run.spec["dataset"], T.model
    chosen = {"checkpoint": "last", "iteration": T.iteration, "epoch": T.epoch,
              "train_minutes": T.wall / 60}
    if checkpoint == "best" and (Path(run) / f"{BEST}.json").exists():
        model, rec = weights.load(Path(run) / BEST)
        chosen = {"checkpoint": "best by validation Parzen", "iteration": rec["iteration"],
                  "epoch": rec["epoch"], "train_minutes": rec["train_minutes"],
                  "valid_parzen": rec["valid_parzen"], "last_epoch": T.epoch}
    res = _protocol(dataset, samples(model, n_samples), T.run.valid, T.run.test)
    row = asdict(res) | chosen | {"dataset": dataset, "recipe": T.recipe.to_dict()}
    if dataset in FACES:
        from .faces import label
        row |= {"label": label(dataset)}
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
        best = " (best valid)" if r.get("checkpoint", "last") != "last" else ""
        lines.append(line(f"Adversarial nets, ours ({Path(run).name})", f"{r['mean']:.0f} ± {r['se']:.0f}",
                          d, f"measured{where(d)}, epoch {r['epoch']:.0f}{best}, "
                             f"{r['train_minutes']:.0f} min, {sigma}"))
    for b in [baselines] if isinstance(baselines, (str, Path)) else baselines:
        if Path(b).exists():
            for name, r in json.loads(Path(b).read_text()).items():
                d = r.get("dataset", "mnist")
                lines.append(line(name, f"{r['mean']:.0f} ± {r['se']:.0f}", d,
                                  f"measured baseline{where(d)}"))
    return "\n".join(lines)
