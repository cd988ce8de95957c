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

from ganbook.core import convnets
from ganbook.core.checkpoint import CheckpointError, CheckpointWriteError
from ganbook.measures.collapse import AFTER
from ganbook.data.mnist import DataError
from ganbook.base.files import atomic_write_text
from ganbook.core.objectives import RECIPES

# Flags that change the recipe or the model: a resumed run keeps its checkpoint's.
RECIPE_FLAGS = ("k", "m", "lr", "lr_D", "lr_G", "update", "g_loss", "optimizer", "real_label",
                "G_init", "noise", "bias_clip", "objective", "clip", "gp_lambda", "seed", "arch",
                "lr_decay", "G_ema")


def cmd_train(a):
    from ganbook.chapters import mnist as E
    from ganbook.measures.collapse import detector
    from ganbook.core.steps import TrainingDiverged
    out = Path(a.out or f"runs/{a.dataset}")
    ckpt = out / "checkpoint.pt"
    if ckpt.exists() and not a.resume:
        sys.exit(f"{ckpt} exists: pass --resume to continue it, or choose another --out")
    try:
        if a.resume:
            given = [f"--{f.replace('_', '-')}" for f in RECIPE_FLAGS if getattr(a, f) is not None]
            if given or a.paper_recipe:
                sys.exit(f"--resume continues {out} with the recipe in its checkpoint; "
                         f"{' '.join(given) or '--paper-recipe'} would change it, and the record "
                         "would no longer say how the run was trained. Drop those flags, or start "
                         "a new run with another --out")
            if not ckpt.exists():
                sys.exit(f"--resume: no checkpoint at {ckpt}; drop --resume to start a new run")
            T = E.load_run(out, device=a.device)
            if T.run.spec["dataset"] != a.dataset:
                sys.exit(f"{out} is a {T.run.spec['dataset']} run, not {a.dataset}")
            print(f"resumed {ckpt} at iteration {T.iteration}, epoch {T.epoch:.2f}")
        else:
            lr_D = a.lr_D if a.lr_D is not None else a.lr
            lr_G = a.lr_G if a.lr_G is not None else a.lr
            dcgan = a.arch in convnets.ARCHS          # DCGAN brings its own recipe
            overrides = {} if a.paper_recipe or dcgan else dict(E.BOOK_RECIPE.get(a.dataset, {}))
            if a.paper_recipe:
                overrides.update(E.PAPER_RECIPE)
            overrides.update(RECIPES.get(a.objective, {}))   # the Wasserstein papers' settings
            overrides.update({k: v for k, v in dict(
                k=a.k, m=a.m, lr_D=lr_D, lr_G=lr_G, update=a.update, g_loss=a.g_loss,
                optimizer=a.optimizer, real_label=a.real_label, G_init=a.G_init, noise=a.noise,
                bias_clip=a.bias_clip, objective=a.objective, clip=a.clip,
                gp_lambda=a.gp_lambda, lr_decay=a.lr_decay, G_ema=a.G_ema).items() if v is not None})
            if a.model == "vae":
                T = E.build(a.dataset, out=out, seed=a.seed or 0, device=a.device, model="vae",
                            **({"m": a.m} if a.m else {}))
            else:
                T = E.build(a.dataset, out=out, seed=a.seed or 0, arch=a.arch, device=a.device,
                            **overrides)
    except (ValueError, DataError) as e:
        sys.exit(str(e))
    if a.minutes is None and a.epochs is None and a.iterations is None:
        a.minutes = 20.0
    every = ([detector(a.collapse_every, stop=a.stop_on_collapse, after=a.collapse_after)]
             if T.recipe.objective == "minimax" else [])
    try:
        T.train(iterations=a.iterations, epochs=a.epochs, minutes=a.minutes,
                on_epoch=E.epoch_callbacks(T, parzen_every=a.parzen_every), every=every,
                checkpoint_every=a.checkpoint_every, progress=not a.quiet)
    except (TrainingDiverged, CheckpointWriteError) as e:
        sys.exit(str(e))
    if T.stopped:
        print(f"stopped: {T.stopped}")
    print(f"trained to iteration {T.iteration} (epoch {T.epoch:.2f}, {T.wall / 60:.1f} min); "
          f"checkpoint {ckpt}")


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
    print(f"{a.run}/best-G -> {meta.with_suffix('')} (.json + .safetensors)")


def cmd_parzen(a):
    from ganbook.chapters import mnist as E
    res = E.parzen_run(a.run, n_samples=a.samples, checkpoint=a.checkpoint)
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
    p = argparse.ArgumentParser(prog="python -m ganbook", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a model (a GAN by Algorithm 1 unless --objective says)")
    t.add_argument("dataset", help="mnist, faces, tfd, or fake (synthetic, for smoke tests)")
    t.add_argument("--out")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=float)
    g.add_argument("--epochs", type=float, help="train until this many epochs in total")
    g.add_argument("--iterations", type=int)
    t.add_argument("--resume", action="store_true", help="continue --out with its own recipe")
    t.add_argument("--seed", type=int, help="default 0")
    t.add_argument("--k", type=int)
    t.add_argument("--m", type=int, help="minibatch size")
    t.add_argument("--lr", type=float, help="both learning rates")
    t.add_argument("--lr-D", dest="lr_D", type=float)
    t.add_argument("--lr-G", dest="lr_G", type=float)
    t.add_argument("--lr-decay", dest="lr_decay", type=float,
                   help="lr is divided by this after every update, down to 1e-6 (authors: 1.000004)")
    t.add_argument("--G-ema", dest="G_ema", type=float,
                   help="keep a running average of G's weights with this decay (e.g. 0.999), "
                        "scored beside G every epoch and saved as best-G-avg; training is unchanged")
    t.add_argument("--update", choices=["simultaneous", "alternating"])
    t.add_argument("--objective", choices=["minimax", "least_squares", "wgan", "wgan_gp"],
                   help="wgan, wgan_gp: start from their papers' recipe (objectives.RECIPES)")
    t.add_argument("--clip", type=float, help="wgan: weight clip c")
    t.add_argument("--gp-lambda", dest="gp_lambda", type=float, help="wgan_gp: penalty weight")
    t.add_argument("--g-loss", dest="g_loss", choices=["non_saturating", "saturating"])
    t.add_argument("--optimizer", choices=["sgd", "adam", "rmsprop"])
    t.add_argument("--real-label", dest="real_label", type=float,
                   help="D's target on data (0.9: one-sided label smoothing)")
    t.add_argument("--G-init", dest="G_init", choices=["paper", "he"])
    t.add_argument("--noise", choices=["uniform", "normal"], help="p_z (default uniform)")
    t.add_argument("--bias-clip", dest="bias_clip", type=float,
                   help="clip of the pixel means behind G's output bias (authors: 1e-7)")
    t.add_argument("--paper-recipe", action="store_true",
                   help="the authors' mnist.yaml exactly (paper init, simultaneous update, "
                        "1e-7 bias clip); on MNIST this is also the default "
                        "(experiments.BOOK_RECIPE)")
    t.add_argument("--model", choices=["gan", "vae"], default="gan",
                   help="vae: the VAE of the chapter after the paper (ganbook.chapters.vae; GAN flags do not apply)")
    t.add_argument("--arch", help="faces: 'scaled' (default) or 'paper' (the authors' TFD nets); "
                   "mnist or faces: 'dcgan' (convolutional G and D, Adam 2e-4), 'dcgan-nobn' "
                   "(the same without batch norm), 'dcgan-critic' (D without batch norm: "
                   "WGAN-GP's critic)")
    t.add_argument("--parzen-every", type=int, default=1, help="epochs between valid Parzen")
    t.add_argument("--collapse-every", type=int, default=250, help="steps between collapse checks")
    t.add_argument("--collapse-after", type=int, default=AFTER,
                   help="judge collapse from this step on (G starts as one image)")
    t.add_argument("--stop-on-collapse", action="store_true",
                   help="stop once the run is found collapsed 5 checks in a row")
    t.add_argument("--checkpoint-every", type=int, help="also checkpoint every N steps")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--device", help="train on another torch device (e.g. cuda) for exploratory "
                                    "sweeps; the book's stored results are CPU runs")
    t.set_defaults(fn=cmd_train)
    s = sub.add_parser("sample", help="a grid of samples from a run or shipped weights")
    s.add_argument("run", help="a run folder (checkpoint.pt) or shipped weights (weights/NAME)")
    s.add_argument("--n", type=int, default=100)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--png", help="where to write the grid (default RUN/samples.png)")
    s.set_defaults(fn=cmd_sample)
    c = sub.add_parser("classifier", help="train the book's MNIST digit classifier (evaluation "
                       "measures) or, with --dataset faces, its FER-2013 expression classifier")
    c.add_argument("--dataset", choices=["mnist", "faces"], default="mnist")
    c.add_argument("--epochs", type=float, default=12)
    c.add_argument("--out", help="default runs/classifier (faces: runs/classifier-faces)")
    c.add_argument("--weights", help="default weights/mnist-classifier (faces: weights/faces-expressions)")
    c.add_argument("--quiet", action="store_true")
    c.set_defaults(fn=cmd_classifier)
    ev = sub.add_parser("evaluate", help="IS, FD, precision/recall, density/coverage, class coverage")
    ev.add_argument("run", help="a run folder or shipped weights (weights/NAME)")
    ev.add_argument("--n", type=int, default=10000, help="samples per draw")
    ev.add_argument("--draws", type=int, default=3, help="sample draws (the ± is their sd)")
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
    z.add_argument("--samples", type=int, default=10000)
    z.add_argument("--checkpoint", choices=["best", "last"], default="best",
                   help="G at the best validation Parzen (the run's best-G, if kept) or the last")
    z.set_defaults(fn=cmd_parzen)
    b = sub.add_parser("baselines", help="Parzen of real held-out data and k-means centroids")
    b.add_argument("dataset")
    b.add_argument("--k", type=int, default=10000)
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
