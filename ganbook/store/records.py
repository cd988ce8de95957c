"""A run's records read back: ``metrics.csv`` as rows, and curves per epoch.

A seed fixes a run (one torch thread, CPU): replaying the first n iterations of
``runs/X`` (:func:`ganbook.chapters.mnist.replay`, from its config.json: spec, recipe, and
the "log" settings that shaped the record) must give the rows of ``runs/X/metrics.csv``
to the last bit, which is what makes a stored curve evidence that the code on the page
produced it.
"""
import csv
from pathlib import Path

import numpy as np

LOSS_KEYS = ("loss_D", "loss_G", "D_x", "D_G_z", "grad_D", "grad_G")


def read_metrics(path):
    """The rows of a metrics.csv (written by ganbook.core.checkpoint.write_metrics) as dicts of
    floats, empty cells left out."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.csv"
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in r.items() if v not in ("", None)} for r in csv.DictReader(f)]


def per_epoch(rows, key):
    """(epochs, means): the mean of ``key`` over the rows logged within each epoch e
    (e - 1 < epoch <= e), for the epochs that have such rows."""
    pts = np.array([(r["epoch"], r[key]) for r in rows if key in r])
    if not len(pts):
        return np.array([]), np.array([])
    e = np.ceil(pts[:, 0] - 1e-9).astype(int)
    epochs = np.unique(e)
    return epochs, np.array([pts[e == k, 1].mean() for k in epochs])


