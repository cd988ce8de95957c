"""The book's classifiers, trained by the one loop and shipped with their checksums: the MNIST
digit classifier (on the 50,000 training images only; the feature space of ganbook.measures.features's
measures) and the FER-2013 expression classifier (on its Training split; it labels the DCGAN
chapter's faces for the latent arithmetic).

    python -m ganbook classifier                    # digits: trains, reports test accuracy
    python -m ganbook classifier --dataset faces    # expressions
"""
from pathlib import Path

import numpy as np
import torch

from ganbook.data import mnist as data
from ganbook.store import weights
from ganbook.core.models import Classifier
from ganbook.core.recipe import Recipe
from ganbook.core.train import Run, Trainer
from ganbook.measures.features import predict

# Adam, lr 1e-3 falling 1.0002x per step (x0.37 every 10 epochs), images moved by up to
# 2 pixels in training: without the shifts this net stopped at 99.07% after 8 epochs.
RECIPE = dict(objective="classifier", optimizer="adam", lr=1e-3, m=100, lr_decay=1.0002,
              lr_min=1e-5, seed=0)
SHIFT = 2
EPOCHS = 12
WEIGHTS = Path("weights") / "mnist-classifier"
TARGET = 0.993
FACES_WEIGHTS = Path("weights") / "faces-expressions"
CLASSES = {"mnist": 10, "faces": 7}


def labelled_splits(dataset="mnist"):
    """((x, y) train, (x, y) valid, (x, y) test): MNIST's 50,000 / 10,000 / 10,000, or
    FER-2013's Training / PublicTest / PrivateTest with its 7 expression labels."""
    if dataset == "mnist":
        return tuple(data.load_mnist(s, with_labels=True) for s in ("train", "valid", "test"))
    if dataset == "faces":
        from ganbook.data.faces import FER2013_SPLITS, load_fer2013
        return tuple(load_fer2013(s, with_labels=True) for s in FER2013_SPLITS)
    raise ValueError(f"no labelled data set {dataset!r}; use 'mnist' or 'faces'")


def accuracy(model, x, y):
    return float((predict(model, x).argmax(1) == torch.as_tensor(y)).double().mean())


def train(out="runs/classifier", epochs=EPOCHS, splits=None, progress=True, shift=SHIFT,
          dataset="mnist", **recipe):
    """Train through the one loop; ``splits``: ((x, y) train, (x, y) valid), else those of
    ``dataset`` (:func:`labelled_splits`).  The image side and the number of classes come
    from the data.  Logs validation accuracy after each epoch; returns the trainer."""
    if splits is None:
        splits = labelled_splits(dataset)[:2]
    (x, y), (xv, yv) = splits
    torch.manual_seed(recipe.get("seed", RECIPE["seed"]))    # the initial weights
    side = int(round(x.shape[1] ** 0.5))
    classes = CLASSES.get(dataset) or int(max(y.max(), yv.max())) + 1
    model = Classifier(side=side, classes=classes, shift=shift)
    run = Run(model, (torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)),
              Recipe(**(RECIPE | recipe)), out, {"dataset": dataset, "arch": "classifier"})
    T = Trainer(run)
    T.train(epochs=epochs, on_epoch=[lambda t: {"valid_acc": accuracy(t.model, xv, yv)}],
            progress=progress)
    return T


def load(name=WEIGHTS):
    """The shipped classifier (SHA256 checked), in eval mode."""
    model, _ = weights.load(name)
    return model
