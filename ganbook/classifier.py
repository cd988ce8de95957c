"""The book's MNIST classifier: trained by the one loop on the 50,000 training images only,
shipped with its checksum, and the feature space of ganbook.evaluate's measures.

    python -m ganbook classifier            # trains, reports test accuracy, writes weights/
"""
from pathlib import Path

import numpy as np
import torch

from . import data, weights
from .models import Classifier
from .nets import eval_mode
from .recipe import Recipe
from .train import Run, Trainer

# Adam, lr 1e-3 falling 1.0002x per step (x0.37 every 10 epochs), images moved by up to
# 2 pixels in training: without the shifts this net stopped at 99.07% after 8 epochs.
RECIPE = dict(objective="classifier", optimizer="adam", lr=1e-3, m=100, lr_decay=1.0002,
              lr_min=1e-5, seed=0)
SHIFT = 2
EPOCHS = 12
WEIGHTS = Path("weights") / "mnist-classifier"
TARGET = 0.993


@torch.no_grad()
def predict(model, x, block=2000, what="probs"):
    """Softmax probabilities ('probs'), penultimate features ('features') or both from one
    pass ('both': (probs, features)) of rows of x."""
    if what not in ("probs", "features", "both"):
        raise ValueError(f"what={what!r}: use 'probs', 'features' or 'both'")
    with eval_mode(model):
        x = torch.as_tensor(np.asarray(x, dtype=np.float32))
        f = torch.cat([model.features(x[a:a + block]) for a in range(0, len(x), block)])
        if what == "features":
            return f
        probs = model.head(f).softmax(1)
    return (probs, f) if what == "both" else probs


def accuracy(model, x, y):
    return float((predict(model, x).argmax(1) == torch.as_tensor(y)).double().mean())


def train(out="runs/classifier", epochs=EPOCHS, splits=None, progress=True, shift=SHIFT, **recipe):
    """Train through the one loop; ``splits``: ((x, y) train, (x, y) valid), else MNIST's.
    Logs validation accuracy after each epoch; returns the trainer."""
    if splits is None:
        splits = tuple(data.load_mnist(s, with_labels=True) for s in ("train", "valid"))
    (x, y), (xv, yv) = splits
    torch.manual_seed(recipe.get("seed", RECIPE["seed"]))    # the initial weights
    model = Classifier(shift=shift)
    run = Run(model, (torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)),
              Recipe(**(RECIPE | recipe)), out, {"dataset": "mnist", "arch": "classifier"})
    T = Trainer(run)
    T.train(epochs=epochs, on_epoch=[lambda t: {"valid_acc": accuracy(t.model, xv, yv)}],
            progress=progress)
    return T


def load(name=WEIGHTS):
    """The shipped classifier (SHA256 checked), in eval mode."""
    model, _ = weights.load(name)
    return model
