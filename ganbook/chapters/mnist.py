"""The MNIST chapter's experiments: the per-epoch callbacks of a training run (validation
Parzen, G kept at its best epoch, sample grids), the paper's Parzen protocol on a run,
the baselines, Table 1, and a replay that checks a run's record by training it again.
The nets are built by :func:`ganbook.core.build.build`."""
import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ganbook.base.files import atomic_write_text
from ganbook.core.build import BOOK_RECIPE, FACE_ARCHS, PAPER_RECIPE, build  # noqa: F401 (E.build)
from ganbook.core.models import FIXED_Z, samples
from ganbook.data import splits as data_splits
from ganbook.data.splits import FACES, fake_splits, load_splits  # noqa: F401 (E.load_splits)
from ganbook.measures.collapse import AFTER
from ganbook.measures.parzen import PAPER_SIGMAS, parzen_log_likelihood
from ganbook.store.records import read_metrics
from ganbook.store.runs import BEST, BEST_AVG, load_generator, load_run  # noqa: F401


PAPER_TABLE1 = [  # Goodfellow et al. 2014, Table 1 (Parzen window log-likelihood, nats)
    ("DBN", "138 ± 2", "1909 ± 66"),
    ("Stacked CAE", "121 ± 1.6", "2110 ± 50"),
    ("Deep GSN", "214 ± 1.1", "1890 ± 29"),
    ("Adversarial nets", "225 ± 2", "2057 ± 26"),
]


def valid_parzen(n_samples=10000, n_valid=1000, every=1):
    """An on_epoch callback: mean Parzen log-likelihood of valid[:n_valid] at the best sigma."""
    def score(model, x):
        v = parzen_log_likelihood(x, samples(model, n_samples), PAPER_SIGMAS).mean(1)
        best = int(np.argmax(v))
        return float(v[best]), PAPER_SIGMAS[best]

    def callback(trainer):
        if int(trainer.epoch) % every:
            return None
        x = trainer.run.valid[:n_valid]
        row = dict(zip(("valid_parzen", "valid_sigma"), score(trainer.model, x)))
        if trainer.G_avg is not None:       # the running average of G, the same z and data
            row |= dict(zip(("valid_parzen_avg", "valid_sigma_avg"), score(trainer.averaged_model(), x)))
        return row
    return callback


def epoch_callbacks(trainer, parzen_every=1, grid_every=1):
    """Per-epoch: valid Parzen (logged), G's weights when that estimate is the best so far
    (``out``/best-G, as the authors' per-epoch saves allowed choosing by validation), and a
    PNG grid of 100 samples in ``out``."""
    from ganbook.base.images import save_grid
    side = int(round(trainer.p_data.shape[1] ** 0.5))

    def grids(t):
        if t.out is not None and int(t.epoch) % grid_every == 0:
            save_grid(samples(t.model, 100), (side, side), 10,
                      Path(t.out) / "samples" / f"epoch{int(t.epoch):04d}.png")
    if trainer.model.config()["model"] == "vae":
        from ganbook.chapters.vae import valid_elbo
        if trainer.model.binary:            # a likelihood model of binary images: chosen by its bound
            from ganbook.chapters.pixelcnn import keep_best_elbo
            return [valid_elbo(), keep_best_elbo, grids]
        return [valid_elbo(), valid_parzen(every=parzen_every), keep_best, grids]
    from ganbook.chapters.wasserstein import valid_W
    critic = [valid_W()] if trainer.recipe.objective in ("wgan", "wgan_gp") else []
    return [*critic, valid_parzen(every=parzen_every), keep_best, grids]


# What shapes a run's metrics.csv besides its recipe: saved as config.json's "log" section
# (Run.log).  A run folder or checkpoint without that section was made with these.
LOG_DEFAULTS = {"parzen_every": 1, "collapse_every": 250, "collapse_after": AFTER,
                "stop_on_collapse": False}


def log_settings(config, **given):
    """The log settings of a run: ``config``'s "log" section (a config.json or checkpoint
    config), :data:`LOG_DEFAULTS` where it has none, then the ``given`` ones that are not None."""
    log = {**LOG_DEFAULTS, **((config or {}).get("log") or {})}
    unknown = set(given) - set(LOG_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown log settings {sorted(unknown)}; use {sorted(LOG_DEFAULTS)}")
    return log | {k: v for k, v in given.items() if v is not None}


def training_callbacks(trainer, parzen_every=1, collapse_every=250, collapse_after=AFTER,
                       stop_on_collapse=False, say=print):
    """(on_epoch, every) of ``python -m ganbook train`` -- and of :func:`replay`, so a replay
    logs what the run logged: :func:`epoch_callbacks`, and for a minimax GAN the collapse
    detector (:func:`ganbook.measures.collapse.detector`) every ``collapse_every`` steps."""
    from ganbook.measures.collapse import detector
    if trainer.recipe.objective == "pixelcnn":
        from ganbook.chapters.pixelcnn import training_callbacks as pixelcnn_callbacks
        return pixelcnn_callbacks(trainer)
    every = ([detector(collapse_every, stop=stop_on_collapse, after=collapse_after, say=say)]
             if trainer.recipe.objective == "minimax"
             else [])
    return epoch_callbacks(trainer, parzen_every=parzen_every), every


def keep_best(t):
    """An on_epoch callback after :func:`valid_parzen`: export G to ``out``/best-G when the
    row just logged holds the best validation Parzen of the run (read from the history, so
    a resumed run keeps the same best)."""
    from ganbook.store import weights
    if t.out is None or not t.history or "valid_parzen" not in t.history[-1]:
        return None
    for key, name, net in (("", BEST, None), ("_avg", BEST_AVG, t.G_avg)):
        v = [r["valid_parzen" + key] for r in t.history if "valid_parzen" + key in r]
        if v and "valid_parzen" + key in t.history[-1] and v[-1] >= max(v):
            weights.export(t, Path(t.out) / name, shipped=False, net=net, valid_parzen=v[-1],
                           valid_sigma=t.history[-1]["valid_sigma" + key],
                           **({"G": "running average of G (recipe G_ema)"} if net is not None else {}))
    return None


def parzen_run(run, n_samples=10000, splits=None, checkpoint="best", z_seed=None):
    """The paper's Parzen protocol on a run; the result is also written to run/parzen.json.

    ``checkpoint='best'``: G at the epoch of the best validation Parzen (``run``/best-G,
    chosen on validation data only), if the run kept one; 'last': the last checkpoint;
    'best-avg': the running average of G (recipe ``G_ema``) at its own best validation
    epoch (``run``/best-G-avg), a row of its own, written to run/parzen-avg.json.
    ``z_seed``: draw the samples with this seed instead of the book's fixed one, an
    independent re-measurement of the same G, written beside the record as
    parzen[-avg]-z<seed>.json (the protocol's own record is left as it is).
    """
    from ganbook.store import weights
    T = load_run(run, splits)
    dataset, model = T.run.spec["dataset"], T.model
    chosen = {"checkpoint": "last", "iteration": T.iteration, "epoch": T.epoch,
              "train_minutes": T.wall / 60}
    kept = {"best": BEST, "best-avg": BEST_AVG}.get(checkpoint)
    if checkpoint == "best-avg" and not (Path(run) / f"{BEST_AVG}.json").exists():
        raise FileNotFoundError(f"{run} kept no average of G ({BEST_AVG}.json): train with --G-ema "
                                "to keep one, or use --checkpoint best")
    if kept and (Path(run) / f"{kept}.json").exists():
        model, rec = weights.load(Path(run) / kept)
        chosen = {"checkpoint": "best by validation Parzen" + (", running average of G" if kept == BEST_AVG else ""),
                  "iteration": rec["iteration"], "epoch": rec["epoch"], "train_minutes": rec["train_minutes"],
                  "valid_parzen": rec["valid_parzen"], "last_epoch": T.epoch}
    draw = FIXED_Z if z_seed is None else z_seed
    res = _protocol(dataset, samples(model, n_samples, seed=draw), T.run.valid, T.run.test)
    row = (asdict(res) | chosen | {"dataset": dataset, "recipe": T.recipe.to_dict(), "spec": T.run.spec}
           | {"z_seed": draw, "n_samples": n_samples})
    if dataset in FACES:
        from ganbook.data.faces import label
        row |= {"label": label(dataset)}
    name = ("parzen-avg" if kept == BEST_AVG else "parzen") + ("" if z_seed is None else f"-z{z_seed}") + ".json"
    atomic_write_text(Path(run) / name, json.dumps(row, indent=1))
    return res


def change_from_the_paper(record):
    """What a run changed from the authors' mnist.yaml, in words ('' for none), from the
    recipe and spec of its parzen.json: the prior, the learning-rate schedule."""
    r, spec, said = record.get("recipe", {}), record.get("spec", {}), []
    if spec.get("noise", "uniform") != "uniform":
        said.append({"normal": "z ~ N(0, I)"}.get(spec["noise"], f"z ~ {spec['noise']}"))
    decay = r.get("lr_decay", 1.000004)
    if decay != 1.000004 and decay > 1:
        updates = math.log(r.get("lr_G", 0.1) / r.get("lr_min", 1e-6)) / math.log(decay)
        per_epoch = record["iteration"] / record["epoch"] if record.get("epoch") else 500   # updates
        said.append(f"lr annealed to {r.get('lr_min', 1e-6):g} by epoch {updates / per_epoch:.0f}")
    return "; ".join(said)


def _protocol(dataset, s, valid, test):
    """MNIST: the paper's protocol (sigma on valid[:1000]).  TFD: per fold, sigma on the
    fold's whole valid set (the authors' parzen_ll.py); FER-2013 likewise, on PublicTest."""
    from ganbook.measures.parzen import parzen_protocol
    if dataset == "tfd":
        from ganbook.measures.parzen import tfd_protocol
        return tfd_protocol(s)
    return parzen_protocol(s, valid, test, n_valid=None if dataset == "faces" else 1000)


def baselines(dataset="mnist", k=10000, kmeans_iterations=10, splits=None):
    """Parzen rows for 'samples' that are not from G: real held-out data, k-means centroids."""
    from ganbook.measures.parzen import kmeans
    train, valid, test = splits if splits is not None else data_splits.load_splits(dataset)
    rows = {}
    # Real images as "samples": the last k training images -- disjoint from the test set
    # and from valid[:1000], on which sigma is chosen.  A perfect G would score this.
    real = train[-k:]
    rows[f"real data ({len(real)} training images)"] = asdict(_protocol(dataset, real, valid, test))
    c = kmeans(train, k, iterations=kmeans_iterations).numpy()
    rows[f"k-means centroids (k={k})"] = asdict(_protocol(dataset, c, valid, test))
    return {name: r | {"dataset": dataset} for name, r in rows.items()}


def table1(runs=("runs/mnist", "runs/faces"),
           baselines=("runs/baselines-mnist.json", "runs/baselines-faces.json")):
    """Table 1 as text: the paper's rows (cited) beside ours (measured, from parzen.json).

    A run or baseline on 'faces' (FER-2013) or 'tfd' fills the TFD column, with the data
    named in the source column.
    """
    from ganbook.data.faces import label

    def line(name, cell, dataset, source):
        mnist, tfd = (cell, "") if dataset == "mnist" else ("", cell)
        return name, mnist, tfd, source

    def where(dataset):
        return f" on {label(dataset)}" if dataset in FACES else ""

    lines = [(name, mnist, tfd, "paper") for name, mnist, tfd in PAPER_TABLE1]
    for run in runs:
        p = Path(run) / "parzen.json"
        if not p.exists():
            guess = next((d for d in FACES if Path(run).name.startswith(d)), "mnist")
            lines.append(line(f"ours ({Path(run).name})", "not run", guess,
                              f"python -m ganbook parzen {run}"))
            continue
        r = json.loads(p.read_text())
        d = r.get("dataset", "mnist")
        sigma = f"sigma={r['sigma']:.3f}" if "sigma" in r else "sigma per fold"
        best = " (best valid)" if r.get("checkpoint", "last") != "last" else ""
        change = change_from_the_paper(r)
        lines.append(line(f"Adversarial nets, ours ({Path(run).name})", f"{r['mean']:.0f} ± {r['se']:.0f}",
                          d, f"measured{where(d)}, epoch {r['epoch']:.0f}{best}, "
                             f"{r['train_minutes']:.0f} min, {sigma}" + (f"; {change}" if change else "")))
        avg = Path(run) / "parzen-avg.json"
        if avg.exists():
            a = json.loads(avg.read_text())
            lines.append(line("  the same run's average of G", f"{a['mean']:.0f} ± {a['se']:.0f}", d,
                              f"measured, epoch {a['epoch']:.0f} (best valid), {a['train_minutes']:.0f} min, "
                              f"sigma={a['sigma']:.3f}"))
    for b in [baselines] if isinstance(baselines, (str, Path)) else baselines:
        if Path(b).exists():
            for name, r in json.loads(Path(b).read_text()).items():
                d = r.get("dataset", "mnist")
                lines.append(line(name, f"{r['mean']:.0f} ± {r['se']:.0f}", d,
                                  f"measured baseline{where(d)}"))
    width = max([42] + [len(row[0]) for row in lines])   # a long run name keeps the columns aligned
    return "\n".join(["Table 1: Parzen window log-likelihood (nats) of test data",
                      f"{'model':<{width}}{'MNIST':>14}{'TFD':>14}  source", "-" * 80]
                     + [f"{name:<{width}}{mnist:>14}{tfd:>14}  {source}" for name, mnist, tfd, source in lines])


UNTIMED = ("wall",)   # the one field of a row that a replay does not reproduce


def replay(run, iterations, splits=None, **log):
    """Retrain the first ``iterations`` of ``run`` from its config.json (same spec, recipe
    and seed; the callbacks of ``python -m ganbook train`` with the run's log settings,
    :func:`log_settings`; nothing written) and compare the logged rows with its metrics.csv,
    every field but the wall-clock time: the means of the step's statistics (e.g.
    :data:`ganbook.store.records.LOSS_KEYS`), the collapse checks and each epoch's validation measures.  ``log``: settings
    that override the config's (for a run whose config.json predates its "log" section).
    -> {'rows', 'equal', 'equal_rows' (identical rows before the first difference),
    'first_difference' (its iteration, fields and largest relative size: another CPU's float
    kernels can round the last bits differently, and the game amplifies it), 'seconds'}."""
    import time
    cfg = json.loads((Path(run) / "config.json").read_text())
    recipe = dict(cfg["recipe"])
    seed = recipe.pop("seed")
    t0 = time.perf_counter()
    T = build(splits=splits, seed=seed, **cfg["spec"], **recipe)
    on_epoch, every = training_callbacks(T, **log_settings(cfg, **log), say=lambda *a: None)
    T.train(iterations=iterations, every=every, on_epoch=on_epoch, progress=False, checkpoint=False)
    here = [{k: float(v) for k, v in r.items()} for r in T.history]
    record = [r for r in read_metrics(run) if r["iteration"] <= iterations]
    first, equal_rows = None, 0
    for a, b in zip(here, record):
        keys = [k for k in dict.fromkeys([*a, *b]) if k not in UNTIMED]
        diff = [k for k in keys if (k in a) != (k in b) or (k in a and a[k] != b[k])]
        if a["iteration"] != b["iteration"] or diff:
            size = max([abs(a[k] - b[k]) / max(abs(b[k]), 1e-12) for k in diff if k in a and k in b]
                       + [math.inf] * any((k in a) != (k in b) for k in diff))
            first = {"iteration": a["iteration"], "fields": diff or ["iteration"], "relative": size}
            break
        equal_rows += 1
    if first is None and len(here) != len(record):
        first = {"rows": (len(here), len(record))}
    return {"rows": len(here), "equal": first is None, "equal_rows": equal_rows, "first_difference": first,
            "seconds": time.perf_counter() - t0}
