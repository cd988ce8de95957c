"""The one place that builds a run's nets for a spec: the paper's MLPs (MNIST, faces, a
small fake set), the DCGAN nets and the VAE; training, resuming and loading shipped
weights all call it, so a record's spec is all it takes to rebuild its nets."""
from pathlib import Path

import numpy as np
import torch

from ganbook.core import checkpoint, convnets, nets, pixelcnn
from ganbook.core.models import GAN, VAE, Classifier
from ganbook.core.train import Recipe, Run, Trainer
from ganbook.data import splits as data_splits
from ganbook.data.splits import DATASETS, FACES


# Face nets, one family: G z -> h ReLU -> h sigmoid -> 2304 sigmoid (nets.tfd_G), D maxout
# u x 5 pieces, twice; recipe of goodfeli/adversarial tfd_pretrain/*.yaml (lr 0.05).
FACE_ARCHS = {
    "scaled": {"G_hidden": 1200, "D_units": 240},   # default: trains in 30 min on 2 cores
    "paper": {"G_hidden": 8000, "D_units": 1200},   # the authors' TFD nets (~3 s/iteration)
}


FACE_RECIPE = {"lr_D": 0.05, "lr_G": 0.05}


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


def build(dataset="mnist", out=None, seed=0, splits=None, G_init="paper", arch=None,
          noise="uniform", bias_clip=1e-3, device=None, model="gan", log=None, **recipe):
    """A :class:`~ganbook.core.train.Trainer` of the paper's nets on ``dataset`` (recipe overridable).

    ``arch``: for the faces, a key of :data:`FACE_ARCHS` (default 'scaled'); MNIST has
    only the paper's nets; 'fake' has small ones.  ``noise``: p_z (:class:`nets.Noise`
    kind); ``bias_clip``: the clip of the pixel means behind G's output bias (the
    authors': 1e-7).  Everything but the recipe goes into the run's ``spec``, which a
    checkpoint must match to be resumed.  ``log``: the run's log settings (``Run.log``),
    written with the rest of its config.json.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")
    if model == "vae":                      # the VAE of the chapter after the paper
        return build_vae(dataset, out, seed, splits, device=device, log=log, **recipe)
    if model == "pixelcnn":                 # the explicit densities' chapter
        return build_pixelcnn(dataset, out, seed, splits, device=device, log=log, **recipe)
    if model != "gan":
        raise ValueError(f"unknown model {model!r}; use 'gan', 'vae' or 'pixelcnn'")
    arch = arch or archs(dataset)[0]
    spec = {"dataset": dataset, "arch": arch, "G_init": G_init, "noise": noise, "bias_clip": bias_clip}
    if arch in convnets.ARCHS:              # G_init and bias_clip belong to the paper's G
        del spec["G_init"], spec["bias_clip"]
    _check_arch(dataset, arch)
    train, valid, test = splits if splits is not None else data_splits.load_splits(dataset)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    gan = make_model(spec, d_data=x.shape[1], p_data_mean=x.mean(0))
    recipe = {**(convnets.RECIPE if arch in convnets.ARCHS else FACE_RECIPE if dataset in FACES else {}),
              **recipe}
    return _start(Run(gan, x, Recipe(seed=seed, **recipe), out, spec, valid, test, log), device)


def _start(run, device):
    """The Trainer of a new ``run``, its config.json written once (a run being resumed keeps
    the one its checkpoint holds)."""
    T = Trainer(run, device)
    if run.out is not None and not (Path(run.out) / "checkpoint.pt").exists():
        checkpoint.write_config(run.out, run.config())
    return T


# --- a record's nets, from its spec and model config alone -----------------------------------

# Each data set's size, flat (square images: side 28, 48, 8).
D_DATA = {"mnist": 784, "faces": 2304, "tfd": 2304, "fake": 64}


def archs(dataset):
    """The nets a GAN on ``dataset`` may have, its default first: the faces' MLPs
    (:data:`FACE_ARCHS`), MNIST's 'paper', the fake set's 'small', then the DCGAN archs."""
    own = tuple(FACE_ARCHS) if dataset in FACES else ("small",) if dataset == "fake" else ("paper",)
    return own + (tuple(convnets.ARCHS) if dataset != "fake" else ())


def _check_arch(dataset, arch):
    if arch not in archs(dataset):
        raise ValueError(f"unknown arch {arch!r} for {dataset}; use one of {archs(dataset)}")


def make_model(spec, model=None, d_data=None, p_data_mean=None, with_D=True, G_init=None):
    """The model a record's ``spec`` and ``model`` config (its ``config()``) describe, at
    fresh weights drawn from torch's global generator (seed it first): a GAN (G, D, p_z), the
    VAE or the classifier.  Training, loading shipped weights and counting parameters all
    build their nets here.  ``d_data``: the data's size (default the data set's,
    :data:`D_DATA`); ``p_data_mean``: the pixel means behind G's output bias; ``with_D``:
    False for G alone (shipped weights hold no D); ``G_init``: overrides the spec's."""
    model = model or {}
    kind = model.get("model", spec.get("model", "gan"))
    if kind == "classifier":
        return Classifier(side=model["side"], classes=model.get("classes", 10), shift=model.get("shift", 0))
    dataset = spec["dataset"]
    d = d_data or D_DATA[dataset]
    if kind == "vae":
        return VAE(d_x=d, d_z=model.get("d_z", spec.get("d_z", SIZE["d_z"])), hidden=spec["hidden"],
                   binary=spec.get("binarized") == "dynamic")
    if kind == "pixelcnn":
        return pixelcnn.make({**spec, "side": model.get("side") or int(round(d ** 0.5))})
    if kind != "gan":
        raise ValueError(f"unknown model {kind!r}; use 'gan', 'vae', 'pixelcnn' or 'classifier'")
    arch = spec.get("arch") or archs(dataset)[0]
    _check_arch(dataset, arch)
    prior = model.get("prior", {"d_z": 100, "kind": spec.get("noise", "uniform")})
    d_z, init = prior["d_z"], G_init or spec.get("G_init", "paper")
    if arch in convnets.ARCHS:              # DCGAN: its own nets
        side = int(round(d ** 0.5))
        G = convnets.DCGAN_G(side, d_z, **convnets.arch_kwargs(arch, side))
        D = convnets.DCGAN_D(side, **convnets.arch_kwargs(arch, side, "D")) if with_D else None
    elif dataset in FACES:
        a = FACE_ARCHS[arch]
        G = nets.tfd_G(d_data=d, d_z=d_z, hidden=a["G_hidden"], p_data_mean=p_data_mean, init=init)
        D = nets.paper_D(d_data=d, units=a["D_units"]) if with_D else None
    else:                                   # MNIST's paper nets, or the fake set's small ones
        small = arch == "small"
        G = nets.paper_G(d_data=d, d_z=d_z, hidden=64 if small else 1200, p_data_mean=p_data_mean,
                         init=init, bias_clip=spec.get("bias_clip", 1e-3))
        D = nets.paper_D(d_data=d, units=16 if small else 240) if with_D else None
    return GAN(G, D, nets.Noise(d_z, prior["kind"]))


# --- the VAE of the chapter after the paper -------------------------------------------------

VAE_RECIPE = {"objective": "vae", "optimizer": "adam", "lr": 1e-3, "lr_decay": 1.0, "m": 100}


SIZE = {"d_z": 20, "hidden": 500}


def build_vae(dataset="mnist", out=None, seed=0, splits=None, d_z=SIZE["d_z"], hidden=SIZE["hidden"],
              device=None, log=None, binarized=None, **recipe):
    """A Trainer of a VAE on ``dataset`` (flat images in [0, 1]); spec {'dataset', 'model':
    'vae', 'd_z', 'hidden'} (what a checkpoint must match to be resumed), and 'binarized':
    'dynamic' for the VAE of binary images (valid and test binarised once, as the PixelCNN's)."""
    if binarized not in (None, "dynamic"):
        raise ValueError(f"binarized={binarized!r}: use 'dynamic' or leave it out")
    train, valid, test = _splits(dataset, splits, binarized)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    spec = {"dataset": dataset, "model": "vae", "d_z": d_z, "hidden": hidden,
            **({"binarized": binarized} if binarized else {})}
    model = make_model(spec, d_data=x.shape[1])
    return _start(Run(model, x, Recipe(seed=seed, **{**VAE_RECIPE, **recipe}), out, spec, valid, test,
                      log), device)


def _splits(dataset, splits, binarized):
    grey = splits if splits is not None else data_splits.load_splits(dataset)
    if binarized is None:
        return grey
    from ganbook.data import binarized as B
    return B.splits(grey, dataset if splits is None else None)


# --- the PixelCNN of the explicit densities' chapter ------------------------------------------

PIXELCNN_SIZE = {"kind": "gated", "channels": 32, "layers": 6, "k0": 7}
# Adam 1e-3, halved about every 1,400 updates (lr / 1.0005 per update), minibatch 100.
PIXELCNN_RECIPE = {"objective": "pixelcnn", "optimizer": "adam", "lr": 1e-3, "lr_decay": 1.0005,
                   "betas": (0.9, 0.999), "m": 100}


def build_pixelcnn(dataset="mnist", out=None, seed=0, splits=None, device=None, log=None,
                   kind=PIXELCNN_SIZE["kind"], channels=PIXELCNN_SIZE["channels"],
                   layers=PIXELCNN_SIZE["layers"], k0=PIXELCNN_SIZE["k0"], binarized="dynamic",
                   **recipe):
    """A Trainer of a PixelCNN (:mod:`ganbook.core.pixelcnn`) on binarised ``dataset``: each
    training minibatch binarised afresh, valid and test once (:mod:`ganbook.data.binarized`)."""
    if binarized != "dynamic":
        raise ValueError(f"binarized={binarized!r}: a PixelCNN models binary images; use 'dynamic'")
    train, valid, test = _splits(dataset, splits, binarized)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    spec = {"dataset": dataset, "model": "pixelcnn", "kind": kind, "channels": channels,
            "layers": layers, "k0": k0, "binarized": binarized}
    model = make_model(spec, d_data=x.shape[1])
    return _start(Run(model, x, Recipe(seed=seed, **{**PIXELCNN_RECIPE, **recipe}), out, spec, valid,
                      test, log), device)
