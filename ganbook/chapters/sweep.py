"""The MNIST collapse sweep: many seeds of each recipe variant at a short budget.

Each variant is the authors' recipe (``paper``) or the book's (``book``) with one change,
so a difference in the collapse rate is that change's doing.  A run is checked every
``check_every`` iterations with :func:`ganbook.measures.collapse.collapse_stats` and counted as
collapsed if it is at the end of its budget (runs with the paper's initialisation meet
the definition early and can spread out again, so no run is stopped early unless
``stop_after`` checks in a row say so).
Results: ``out/VARIANT/seedS/result.json`` (+ ``metrics.csv``, a final sample grid).

    python -m ganbook sweep paper book --seeds 0-7 --epochs 5
    python -m ganbook sweep --summary
"""
import json
import math
from pathlib import Path

import numpy as np
import torch

from ganbook.core.models import fixed_generator
from ganbook.data import splits as data_splits
from ganbook.chapters import mnist as E
from ganbook.core.checkpoint import write_metrics
from ganbook.measures.collapse import AFTER, collapse_stats, is_collapsed
from ganbook.base.files import atomic_write_text

PAPER = dict(E.PAPER_RECIPE, noise="uniform")
BOOK = dict(G_init="he", update="alternating", bias_clip=1e-3)   # the default before the sweep

VARIANTS = {
    "paper": PAPER,                                   # mnist.yaml as the authors ran it
    "paper+he": PAPER | dict(G_init="he"),
    "paper+alternating": PAPER | dict(update="alternating"),
    "paper+normal_z": PAPER | dict(noise="normal"),
    "paper+no_drop_for_G": PAPER | dict(G_grad_dropout=False),
    "paper+lr_G0.02": PAPER | dict(lr_G=0.02),
    "paper+k2": PAPER | dict(k=2),
    "paper+clip1e-3": PAPER | dict(bias_clip=1e-3),
    "book": BOOK,                                     # He init, alternating
    "book+lr_G0.02": BOOK | dict(lr_G=0.02),
    "book+no_drop_for_G": BOOK | dict(G_grad_dropout=False),
    "book+normal_z": BOOK | dict(noise="normal"),
}


def run(variant, seed, out="runs/sweep", epochs=5, check_every=250, stop_after=None,
        splits=None, progress=False, dataset="mnist"):
    """One (variant, seed) run; returns (and writes) its result dict."""
    from ganbook.base.images import save_grid
    kw = dict(VARIANTS[variant])
    T = E.build(dataset, seed=seed, splits=splits, **kw)
    folder = Path(out) / variant / f"seed{seed}"
    checks, streak = [], 0
    parzen = E.valid_parzen()
    while T.epoch < epochs and (stop_after is None or streak < stop_after):
        T.train(iterations=check_every, epochs=epochs, on_epoch=[parzen], log_every=50,
                progress=progress, checkpoint=False)
        st = collapse_stats(T.G, T.D, T.p_z)
        checks.append({"iteration": T.iteration, "epoch": round(T.epoch, 3),
                       "D_G_z_eval": st["D_G_z_eval"], "G_sd": st["G_sd"]})
        streak = streak + 1 if st["collapsed"] else 0
    if not T.history or "valid_parzen" not in T.history[-1]:
        T.log_row(**parzen(T))
    # raw checks only: whether a run collapsed is derived by summary(), with collapse's rule
    res = {"variant": variant, "seed": seed, "dataset": dataset, "build": kw, "epochs_budget": epochs,
           "iterations": T.iteration, "epoch": T.epoch, "train_minutes": T.wall / 60,
           "stopped_early": stop_after is not None and streak >= stop_after,
           "valid_parzen": T.history[-1]["valid_parzen"], "checks": checks}
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "result.json", json.dumps(res, indent=1))
    write_metrics(folder, T.history)
    side = int(round(T.p_data.shape[1] ** 0.5))
    save_grid(E.samples(T.model, 100), (side, side), 10, folder / "samples.png")
    return res


def run_many(variants, seeds, worker=0, workers=1, **kw):
    """Every (seed, variant) pair, seed-major, this worker's share; finished pairs skipped."""
    splits = data_splits.load_splits("mnist")
    jobs = [(v, s) for s in seeds for v in variants]
    for i, (v, s) in enumerate(jobs):
        if i % workers != worker:
            continue
        if (Path(kw.get("out", "runs/sweep")) / v / f"seed{s}" / "result.json").exists():
            continue
        torch.manual_seed(0)
        r = run(v, s, splits=splits, **kw)
        print(f"{v} seed {s}: collapsed at the end {is_collapsed(r['checks'][-1]['G_sd'])}, "
              f"valid Parzen {r['valid_parzen']:.1f}, {r['train_minutes']:.1f} min", flush=True)


def summary(out="runs/sweep"):
    """{variant: {'runs', 'collapsed' (at the end of the budget), 'ever' (at any check from
    step collapse.AFTER on),
    'rate', 'parzen_ok' (mean valid Parzen of the runs not collapsed at the end),
    'results'}} from the result files."""
    table = {}
    for f in sorted(Path(out).glob("*/seed*/result.json")):
        r = json.loads(f.read_text())
        t = table.setdefault(r["variant"], {"results": []})
        t["results"].append(r)
    for v, t in table.items():
        rs = t["results"]
        for r in rs:   # the definition of ganbook.measures.collapse, applied to the recorded checks
            r["collapsed"] = is_collapsed(r["checks"][-1]["G_sd"])        # at the end of the budget
            r["ever_collapsed"] = any(is_collapsed(c["G_sd"]) for c in r["checks"] if c["iteration"] >= AFTER)
        ok = [r["valid_parzen"] for r in rs if not r["collapsed"]]
        t.update(runs=len(rs), collapsed=sum(r["collapsed"] for r in rs),
                 ever=sum(r["ever_collapsed"] for r in rs),
                 rate=sum(r["collapsed"] for r in rs) / len(rs),
                 parzen_ok=float(np.mean(ok)) if ok else math.nan)
    return {v: table[v] for v in VARIANTS if v in table}


def table(summary_):
    """The summary as text: one line per variant."""
    lines = [f"{'variant':<24}{'runs':>5}{'collapsed':>10}{'rate':>7}{'ever':>6}  valid Parzen (not collapsed)"]
    for v, t in summary_.items():
        lines.append(f"{v:<24}{t['runs']:>5}{t['collapsed']:>10}{t['rate']:>7.0%}{t['ever']:>6}  "
                     f"{t['parzen_ok']:.1f}")
    return "\n".join(lines)


def trace(variant, seed, out="runs/sweep/trace", iterations=2500, n_z=200, dense=500, splits=None,
          dataset="mnist"):
    """The first ``iterations`` of a run logged at every step: the step's statistics
    (losses, D(x), D(G(z)), gradient norms of D and G) and, on a fixed batch of z, the
    range of G's output pre-activations (max |a|) and their spread across z (sd over z,
    mean over pixels) at every step of the first ``dense`` and every 10th after, and the
    collapse statistics every 50 steps.  -> ``out``/VARIANT-seedS.csv"""
    kw = dict(VARIANTS[variant])
    T = E.build(dataset, seed=seed, splits=splits, **kw)
    z = T.model.sample_z(n_z, fixed_generator("sweep"))

    @torch.no_grad()
    def preact(t):
        if t.iteration > dense and t.iteration % 10:
            return None
        a = t.G.net[:-1](z)                  # paper_G: Linear ... Linear, then the sigmoid
        return {"preact_max": a.abs().max().item(), "preact_sd_z": a.std(0).mean().item()}

    def stats(t):
        st = collapse_stats(t.G, t.D, t.p_z)
        return {"D_G_z_eval": st["D_G_z_eval"], "G_sd": st["G_sd"]}
    T.train(iterations=iterations, log_every=1, every=[(1, preact), (50, stats)], progress=False,
            checkpoint=False)
    rows = {}
    for r in T.history:                      # one row per iteration
        rows.setdefault(r["iteration"], {}).update(r)
    path = Path(out) / f"{variant}-seed{seed}.csv"
    write_metrics(path.parent, list(rows.values()), path.name)
    return path
