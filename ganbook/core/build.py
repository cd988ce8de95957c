"""The one place that builds a run's nets for a spec: the paper's MLPs (MNIST, faces, a
small fake set), the DCGAN nets and the VAE; training, resuming and loading shipped
weights all call it, so a record's spec is all it takes to rebuild its nets."""
from pathlib import Path

import numpy as np
import torch

from ganbook.core import checkpoint, convnets, nets
from ganbook.core.models import GAN, VAE
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
          noise="uniform", bias_clip=1e-3, device=None, model="gan", **recipe):
    """A :class:`~ganbook.core.train.Trainer` of the paper's nets on ``dataset`` (recipe overridable).

    ``arch``: for the faces, a key of :data:`FACE_ARCHS` (default 'scaled'); MNIST has
    only the paper's nets; 'fake' has small ones.  ``noise``: p_z (:class:`nets.Noise`
    kind); ``bias_clip``: the clip of the pixel means behind G's output bias (the
    authors': 1e-7).  Everything but the recipe goes into the run's ``spec``, which a
    checkpoint must match to be resumed.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; use one of {DATASETS}")
    if model == "vae":                      # the VAE of the chapter after the paper
        return build_vae(dataset, out, seed, splits, device=device, **recipe)
    if model != "gan":
        raise ValueError(f"unknown model {model!r}; use 'gan' or 'vae'")
    archs = tuple(FACE_ARCHS) if dataset in FACES else ("small",) if dataset == "fake" else ("paper",)
    archs += tuple(convnets.ARCHS) if dataset != "fake" else ()
    arch = arch or archs[0]
    if arch not in archs:
        raise ValueError(f"unknown arch {arch!r} for {dataset}; use one of {archs}")
    train, valid, test = splits if splits is not None else data_splits.load_splits(dataset)
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


# --- the VAE of the chapter after the paper -------------------------------------------------

VAE_RECIPE = {"objective": "vae", "optimizer": "adam", "lr": 1e-3, "lr_decay": 1.0, "m": 100}


SIZE = {"d_z": 20, "hidden": 500}


def build_vae(dataset="mnist", out=None, seed=0, splits=None, d_z=SIZE["d_z"], hidden=SIZE["hidden"],
              device=None, **recipe):
    """A Trainer of a VAE on ``dataset`` (flat images in [0, 1]); spec {'dataset', 'model':
    'vae', 'd_z', 'hidden'} (what a checkpoint must match to be resumed)."""
    train, valid, test = splits if splits is not None else data_splits.load_splits(dataset)
    x = torch.from_numpy(np.ascontiguousarray(train))
    torch.manual_seed(seed)
    model = VAE(d_x=x.shape[1], d_z=d_z, hidden=hidden)
    spec = {"dataset": dataset, "model": "vae", "d_z": d_z, "hidden": hidden}
    run = Run(model, x, Recipe(seed=seed, **{**VAE_RECIPE, **recipe}), out, spec, valid, test)
    T = Trainer(run, device)
    if out is not None and not (Path(out) / "checkpoint.pt").exists():
        checkpoint.write_config(out, run.config())
    return T


def vae_from_state(record, state):
    """The VAE of shipped weights (a record whose model is 'vae')."""
    d_x = state["decoder.net.2.bias"].numel()
    vae = VAE(d_x=d_x, d_z=record["model"]["d_z"], hidden=state["decoder.net.0.bias"].numel())
    vae.load_state_dict(state)
    return vae.eval()
