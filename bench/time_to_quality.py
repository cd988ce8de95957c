"""Time to quality of the headline MNIST runs, read from their metrics.csv (no training here).

For each run: the training minutes (the ``wall`` column: training time only, summed over
resumes) at which the validation Parzen estimate (valid[:1000], 10,000 samples, the best
sigma of the paper's grid; logged after every epoch) first reached 200 and 225 nats, and
the estimate at the last epoch logged within 20 minutes.  The long-term target is 225
within 20 minutes of 2-core training.

    python bench/time_to_quality.py runs/mnist-paper-seed0 runs/mnist-dcgan

Default: the headline runs (the authors' recipe, seeds 0-2), the DCGAN of the chapter after
the paper, and the book's first recipe (runs/mnist-seed0-2) for the record.
"""
import csv
import json
import sys
from pathlib import Path

TARGETS = (200.0, 225.0)
BUDGET_MIN = 20.0


def time_to_quality(run):
    rows = [r for r in csv.DictReader(open(Path(run) / "metrics.csv")) if r.get("valid_parzen")]
    pts = [(float(r["wall"]) / 60, float(r["epoch"]), float(r["valid_parzen"])) for r in rows]
    first = {t: next(((m, e) for m, e, v in pts if v >= t), None) for t in TARGETS}
    within = [p for p in pts if p[0] <= BUDGET_MIN]
    return {"run": str(run), "epochs": pts[-1][1] if pts else 0, "minutes": pts[-1][0] if pts else 0,
            "best": max((v for _, _, v in pts), default=None),
            **{f"minutes_to_{int(t)}": first[t][0] if first[t] else None for t in TARGETS},
            f"parzen_at_{int(BUDGET_MIN)}_min": within[-1][2] if within else None}


def main(runs):
    out = []
    print(f"{'run':<22}{'epochs':>7}{'minutes':>9}{'best':>8}{'min to 200':>12}{'min to 225':>12}"
          f"{'at 20 min':>11}")
    for run in runs:
        if not (Path(run) / "metrics.csv").exists():
            print(f"{run:<22} no metrics.csv")
            continue
        r = time_to_quality(run)
        out.append(r)
        fmt = lambda v: "never" if v is None else f"{v:.1f}"
        print(f"{Path(run).name:<22}{r['epochs']:7.0f}{r['minutes']:9.1f}{fmt(r['best']):>8}"
              f"{fmt(r['minutes_to_200']):>12}{fmt(r['minutes_to_225']):>12}{fmt(r['parzen_at_20_min']):>11}")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:] or [f"runs/mnist-paper-seed{s}" for s in (0, 1, 2)] + ["runs/mnist-dcgan"]
         + [f"runs/mnist-seed{s}" for s in (0, 1, 2)])
