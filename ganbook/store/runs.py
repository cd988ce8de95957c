"""Run folders: a run's checkpoint.pt, config.json and metrics.csv, and the G it kept at its
best validation epoch (best-G, and best-G-avg for the running average of G)."""
import json
from pathlib import Path

from ganbook.core.build import build


BEST = "best-G"   # in a run folder: G at the epoch of the best validation Parzen


BEST_AVG = "best-G-avg"   # the running average of G (recipe G_ema) at its best epoch


def load_generator(path):
    """(model, spec) to sample from: a run folder (its checkpoint) or shipped weights."""
    from ganbook.store import weights
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
