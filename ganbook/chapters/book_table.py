"""The book's one table: every headline MNIST model, side by side, on every measure the book
computes, each cell read from a record a run or a chapter wrote (nothing typed in):

* parameters: of the nets a run trained (G + D, or the VAE's encoder + decoder), counted
  from the architecture its shipped record names;
* training minutes: to the shipped G (its record's ``train_minutes``, one CPU thread) and
  of the whole run (the last row of its ``metrics.csv``);
* Parzen: the paper's protocol on the test set (the run's ``parzen.json``: sigma chosen on
  1,000 validation images, 10,000 samples), mean +- standard error;
* IS, FD, precision, recall, coverage: the evaluation chapter's stored table
  (``runs/evaluation-mnist.json``, mean over its draws), in the book classifier's spaces;
* modes on the 2-D grid: the mode-collapse benchmark's runs of the same *objective* with
  its small 2-D nets (``runs/mixtures/grid/<variant>``), modes covered of 25 and the share
  of high-quality samples, mean over seeds -- a property of the objective, not of a row's
  MNIST nets.
"""
import json
import math
from pathlib import Path

from ganbook.chapters import mixture_runs
from ganbook.store import records

# (row, shipped weights stem, variant of the 2-D benchmark with the row's objective)
MODELS = [
    ("2014 GAN, MLP (authors' recipe, seed 0)", "mnist-paper-seed0", "gan"),
    ("2014 GAN, MLP (seed 1)", "mnist-paper-seed1", "gan"),
    ("2014 GAN, MLP (seed 2)", "mnist-paper-seed2", "gan"),
    ("DCGAN", "mnist-dcgan", "gan"),
    ("WGAN, MLP", "mnist-wgan", "wgan"),
    ("WGAN, DCGAN nets", "mnist-wgan-dcgan", "wgan"),
    ("WGAN-GP, MLP", "mnist-wgan-gp", "wgan_gp"),
    ("WGAN-GP, DCGAN nets (critic without batch norm)", "mnist-wgan-gp-dcgan", "wgan_gp"),
    ("VAE", "mnist-vae", None),
]
MEASURES = ("IS", "FD", "precision", "recall", "coverage")


def parameters(record):
    """Parameters of the nets a shipped record's run trained, built from its spec and model
    config (:func:`ganbook.core.build.make_model`; the table's data set, MNIST, where the spec
    names none): G + D for a GAN, encoder + decoder for a VAE."""
    from ganbook.core.build import make_model
    from ganbook.core.models import n_parameters
    spec = {"dataset": "mnist", **record["spec"]}
    try:
        return n_parameters(make_model(spec, record["model"]))
    except ValueError as e:
        raise ValueError(f"no parameter count for arch {spec.get('arch')!r}: {e}") from None


def rows(weights="weights", runs="runs", models=MODELS):
    """One dict per model whose weights ship in ``weights``: the columns described above
    (None where a record does not exist: a model not shipped, a variant not run)."""
    weights, runs = Path(weights), Path(runs)
    evaluation = runs / "evaluation-mnist.json"
    scored = json.loads(evaluation.read_text())["rows"] if evaluation.exists() else {}
    grid = {v: s for (mx, v), s in mixture_runs.summary(runs / "mixtures").items() if mx == "grid"}
    out = []
    for name, stem, variant in models:
        meta = weights / f"{stem}.json"
        if not meta.exists():
            continue
        record = json.loads(meta.read_text())
        run = runs / Path(record["run"]).name
        parzen = json.loads((run / "parzen.json").read_text()) if (run / "parzen.json").exists() else None
        history = records.read_metrics(run) if (run / "metrics.csv").exists() else []
        s = scored.get(record.get("label", stem))
        g = grid.get(variant)
        out.append({"model": name, "weights": stem, "parameters": parameters(record),
                    "minutes_to_G": record["train_minutes"],
                    "run_minutes": history[-1]["wall"] / 60 if history else None,
                    "epoch": record["epoch"],
                    "parzen": (parzen["mean"], parzen["se"]) if parzen else None,
                    **{m: (s[m] if s else None) for m in MEASURES},
                    "grid_variant": variant,
                    "grid_modes": g["modes"] if g else None,
                    "grid_high_quality": g["high_quality"] if g else None,
                    "grid_seeds": g["runs"] if g else None})
    return out


def markdown(rows_):
    """The rows as one Markdown table."""
    def pm(ms, fmt):
        if ms is None or math.isnan(ms[0]):
            return ""
        return fmt.format(ms[0]) + ("" if math.isnan(ms[1]) else " ± " + fmt.format(ms[1]))

    def num(v, fmt):
        return "" if v is None else fmt.format(v)
    lines = ["| model | parameters | CPU minutes to G / run | epoch | Parzen (nats) | IS | FD "
             "| precision | recall | coverage | grid: modes of 25 | grid: high quality (%) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows_:
        if r["grid_variant"] is None:                     # no 2-D objective (the VAE)
            modes, hq = "n/a", "n/a"
        elif r["grid_modes"] is None:
            modes, hq = f"not run ({r['grid_variant']})", ""
        else:
            n = r["grid_seeds"]
            modes = f"{pm(r['grid_modes'], '{:.1f}')} ({r['grid_variant']}, {n} seed{'s' * (n != 1)})"
            hq = pm(r["grid_high_quality"], "{:.1f}")
        lines.append(
            f"| {r['model']} | {r['parameters']:,} | {r['minutes_to_G']:.0f} / "
            f"{num(r['run_minutes'], '{:.0f}')} | {r['epoch']:.0f} | {pm(r['parzen'], '{:.1f}')} | "
            f"{num(r['IS'], '{:.2f}')} | {num(r['FD'], '{:.1f}')} | {num(r['precision'], '{:.3f}')} | "
            f"{num(r['recall'], '{:.3f}')} | {num(r['coverage'], '{:.3f}')} | "
            f"{modes} | {hq} |")
    return "\n".join(lines)
