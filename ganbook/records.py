"""A run's records read back: ``metrics.csv`` as rows, curves per epoch, and a replay that
retrains a run's first iterations and compares them with its record.

A seed fixes a run (one torch thread, CPU): replaying the first n iterations of
``runs/X`` must give the logged means of ``runs/X/metrics.csv`` to the last bit, which is
what makes a stored curve evidence that the code on the page produced it.
"""
import csv
import json
from pathlib import Path

import numpy as np

LOSS_KEYS = ("loss_D", "loss_G", "D_x", "D_G_z", "grad_D", "grad_G")


def read_metrics(path):
    """The rows of a metrics.csv (written by ganbook.checkpoint.write_metrics) as dicts of
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


def replay(run, iterations, splits=None, collapse_every=250):
    """Retrain the first ``iterations`` of ``run`` from its config.json (same spec, recipe
    and seed; the collapse checks and per-epoch callbacks of ``python -m ganbook train``,
    nothing written) and compare the logged rows with its metrics.csv: the means of
    :data:`LOSS_KEYS` and each epoch's validation Parzen.
    -> {'rows', 'equal', 'first_difference', 'seconds'}."""
    import time
    from . import experiments as E
    from .collapse import detector
    cfg = json.loads((Path(run) / "config.json").read_text())
    recipe = dict(cfg["recipe"])
    seed = recipe.pop("seed")
    t0 = time.perf_counter()
    T = E.build(splits=splits, seed=seed, **cfg["spec"], **recipe)
    T.train(iterations=iterations, every=[detector(collapse_every, say=lambda *a: None)],
            on_epoch=E.epoch_callbacks(T), progress=False, checkpoint=False)
    keys = LOSS_KEYS + ("valid_parzen",)
    here = [r for r in T.history if any(k in r for k in keys)]
    record = [r for r in read_metrics(run) if any(k in r for k in keys) and r["iteration"] <= iterations]
    first = None
    for a, b in zip(here, record):
        diff = [k for k in keys if (k in a) != (k in b) or (k in a and a[k] != b[k])]
        if a["iteration"] != b["iteration"] or diff:
            first = {"iteration": a["iteration"], "fields": diff or ["iteration"]}
            break
    if first is None and len(here) != len(record):
        first = {"rows": (len(here), len(record))}
    return {"rows": len(here), "equal": first is None, "first_difference": first,
            "seconds": time.perf_counter() - t0}
