"""Command line: ``python -m ganbook train|sample|classifier|evaluate|parzen|baselines|table1|sweep|mixtures|rejection``.

    python -m ganbook train mnist --out runs/mnist --minutes 20
    python -m ganbook train mnist --out runs/mnist --resume --epochs 100   # same recipe, longer
    python -m ganbook sample runs/mnist --n 100 --png grid.png
    python -m ganbook parzen runs/mnist
    python -m ganbook baselines mnist --out runs/baselines-mnist.json
    python -m ganbook table1
    python -m ganbook train faces --out runs/faces --minutes 30   # FER-2013; tfd if you hold TFD
    python -m ganbook train fake --iterations 50 --out /tmp/smoke  # no data needed
    python -m ganbook sweep paper book --seeds 0-7 --epochs 5       # the collapse sweep
    python -m ganbook mixtures ring grid --variants gan pacgan4 --seeds 0-4   # 2-D mode collapse
    python -m ganbook rejection runs/mixtures/grid/gan --seeds 0-4   # + rejection by a refined D
"""
import argparse
import json
import sys
from pathlib import Path

from ganbook.base.files import atomic_write_text
from ganbook.cli.checks import Parser, budget, count, non_negative_int
from ganbook.core.checkpoint import CheckpointError
from ganbook.data.mnist import DataError

def cmd_sample(a):
    from ganbook.chapters import mnist as E
    from ganbook.base.images import save_grid
    try:
        model, spec = E.load_generator(a.run)
    except (ValueError, FileNotFoundError, DataError) as e:
        sys.exit(str(e))
    import torch
    x = model.sample(a.n, torch.Generator().manual_seed(a.seed)).numpy()
    side = int(round(x.shape[1] ** 0.5))
    png = Path(a.png or Path(a.run) / "samples.png")
    save_grid(x, (side, side), int(round(a.n ** 0.5)) or 1, png)
    print(f"{a.n} samples of {a.run} ({spec.get('dataset')}) -> {png}")


def cmd_classifier(a):
    from ganbook.chapters import classifier as C
    from ganbook.store import weights
    faces = a.dataset == "faces"
    out = a.out or ("runs/classifier-faces" if faces else "runs/classifier")
    name = a.weights or (C.FACES_WEIGHTS if faces else C.WEIGHTS)
    try:
        train, valid, (x, y) = C.labelled_splits(a.dataset)
        T = C.train(out=out, epochs=a.epochs, splits=(train, valid), dataset=a.dataset,
                    progress=not a.quiet)
    except DataError as e:
        sys.exit(str(e))
    acc = C.accuracy(T.model, x, y)
    trained_on = "FER-2013 Training (28,709)" if faces else "MNIST train[:50000]"
    meta = weights.export(T, name, test_accuracy=acc, valid_accuracy=T.history[-1]["valid_acc"],
                          trained_on=trained_on)
    verdict = "" if faces else f" ({'reaches' if acc >= C.TARGET else 'MISSES'} the {C.TARGET} target)"
    print(f"test accuracy {acc:.4f}{verdict} after {T.epoch:.0f} epochs, {T.wall / 60:.1f} min; "
          f"weights {meta.with_suffix('')}")


def cmd_evaluate(a):
    from ganbook.chapters import classifier as C
    from ganbook.data import mnist as data
    from ganbook.chapters import mnist as E
    from ganbook.chapters import scoreboard
    try:
        model, spec = E.load_generator(a.run)
        clf = C.load(a.classifier)
        test, valid = data.load_mnist("test"), data.load_mnist("valid")
    except (ValueError, FileNotFoundError, DataError) as e:
        sys.exit(str(e))
    if spec.get("dataset") != "mnist":
        sys.exit(f"{a.run} is a {spec.get('dataset')} model; the evaluation measures are MNIST's")
    r = scoreboard.score(scoreboard.generator_source(model, a.n, a.draws), test, valid, clf)
    r |= {"run": str(a.run), "reference": "MNIST test (10,000)", "classifier": str(a.classifier)}
    out = Path(a.run) / "evaluation.json" if Path(a.run).is_dir() else Path(f"{a.run}.evaluation.json")
    atomic_write_text(out, json.dumps(r, indent=1))
    for key, label, _ in scoreboard.COLUMNS:
        print(f"{label:<16}{r[key]:10.4f} ± {r[key + '_sd']:.4f}")
    print(f"-> {out}")


def cmd_ship(a):
    from ganbook.store import weights
    try:
        meta = weights.ship(a.run, a.name, label=a.label)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(str(e))
    print(f"{a.run}/{weights.kept(a.run)} -> {meta.with_suffix('')} (.json + .safetensors)")


def cmd_parzen(a):
    from ganbook.chapters import mnist as E
    try:
        res = E.parzen_run(a.run, n_samples=a.samples, checkpoint=a.checkpoint, z_seed=a.z_seed)
    except FileNotFoundError as e:
        sys.exit(str(e))
    print(f"{a.run}: {res}")


def cmd_baselines(a):
    from ganbook.chapters import mnist as E
    rows = E.baselines(a.dataset, k=a.k)
    out = Path(a.out or f"runs/baselines-{a.dataset}.json")
    atomic_write_text(out, json.dumps(rows, indent=1))
    for name, r in rows.items():
        print(f"{name}: {r['mean']:.1f} ± {r['se']:.1f} (sigma {r['sigma']:.3f})")


def cmd_table1(a):
    from ganbook.chapters import mnist as E
    print(E.table1(a.runs, baselines=a.baselines))


def main(argv=None):
    from ganbook.cli.train import add_train
    p = Parser(prog="python -m ganbook", description=__doc__,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    add_train(sub)
    s = sub.add_parser("sample", help="a grid of samples from a run or shipped weights")
    s.add_argument("run", help="a run folder (checkpoint.pt) or shipped weights (weights/NAME)")
    s.add_argument("--n", type=count("--n", 100), default=100)
    s.add_argument("--seed", type=non_negative_int("--seed", 0), default=0)
    s.add_argument("--png", help="where to write the grid (default RUN/samples.png)")
    s.set_defaults(fn=cmd_sample)
    c = sub.add_parser("classifier", help="train the book's MNIST digit classifier (evaluation "
                       "measures) or, with --dataset faces, its FER-2013 expression classifier")
    c.add_argument("--dataset", choices=["mnist", "faces"], default="mnist")
    c.add_argument("--epochs", type=budget("--epochs", 12), default=12)
    c.add_argument("--out", help="default runs/classifier (faces: runs/classifier-faces)")
    c.add_argument("--weights", help="default weights/mnist-classifier (faces: weights/faces-expressions)")
    c.add_argument("--quiet", action="store_true")
    c.set_defaults(fn=cmd_classifier)
    ev = sub.add_parser("evaluate", help="IS, FD, precision/recall, density/coverage, class coverage")
    ev.add_argument("run", help="a run folder or shipped weights (weights/NAME)")
    ev.add_argument("--n", type=count("--n", 10000), default=10000, help="samples per draw")
    ev.add_argument("--draws", type=count("--draws", 3), default=3,
                    help="sample draws (the ± is their sd)")
    ev.add_argument("--classifier", default="weights/mnist-classifier")
    ev.set_defaults(fn=cmd_evaluate)
    sh = sub.add_parser("ship", help="copy a run's best-by-validation G to shipped weights")
    sh.add_argument("run")
    sh.add_argument("name", help="e.g. weights/mnist-seed0")
    sh.add_argument("--label", help="the model's name in the evaluation table, e.g. "
                    "\"GAN, authors' recipe (seed 0)\"; default: the file's name")
    sh.set_defaults(fn=cmd_ship)
    z = sub.add_parser("parzen", help="the paper's Parzen protocol on a trained run")
    z.add_argument("run")
    z.add_argument("--samples", type=count("--samples", 10000), default=10000)
    z.add_argument("--checkpoint", choices=["best", "last", "best-avg"], default="best",
                   help="G at the best validation Parzen (the run's best-G, if kept), the last, or "
                        "the running average of G at its best (best-G-avg, written to parzen-avg.json)")
    z.add_argument("--z-seed", type=non_negative_int("--z-seed", 0), default=None,
                   help="draw fresh samples with this seed (an independent re-measurement, written to "
                        "parzen[-avg]-z<SEED>.json) instead of the book's fixed draw")
    z.set_defaults(fn=cmd_parzen)
    b = sub.add_parser("baselines", help="Parzen of real held-out data and k-means centroids")
    b.add_argument("dataset")
    b.add_argument("--k", type=count("--k", 10000), default=10000)
    b.add_argument("--out")
    b.set_defaults(fn=cmd_baselines)
    tb = sub.add_parser("table1", help="print Table 1: the paper's rows beside ours")
    tb.add_argument("runs", nargs="*", default=["runs/mnist-paper-seed0", "runs/mnist-paper-seed1",
                                                "runs/mnist-paper-seed2", "runs/faces"])
    tb.add_argument("--baselines", nargs="*",
                    default=["runs/baselines-mnist.json", "runs/baselines-faces.json"])
    tb.set_defaults(fn=cmd_table1)
    from ganbook.cli.sweeps import add_sweeps
    add_sweeps(sub)
    a = p.parse_args(argv)
    try:
        a.fn(a)
    except CheckpointError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
