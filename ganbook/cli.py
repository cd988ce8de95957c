"""Command line: ``python -m ganbook train|parzen|baselines|table1``.

    python -m ganbook train mnist --out runs/mnist --minutes 20
    python -m ganbook parzen runs/mnist
    python -m ganbook baselines mnist --out runs/baselines-mnist.json
    python -m ganbook table1
    python -m ganbook train faces --out runs/faces --minutes 30   # FER-2013; tfd if you hold TFD
    python -m ganbook train faces --arch paper --iterations 5    # the authors' TFD nets
"""
import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from .data import DataError
from .files import atomic_write_text


def cmd_train(a):
    from . import experiments as E
    from .train import TrainingDiverged
    out = Path(a.out or f"runs/{a.dataset}")
    ckpt = out / "checkpoint.pt"
    if ckpt.exists() and not a.resume:
        sys.exit(f"{ckpt} exists: pass --resume to continue it, or choose another --out")
    if a.resume and not ckpt.exists():
        sys.exit(f"--resume: no checkpoint at {ckpt}; drop --resume to start a new run")
    lr_D = a.lr_D if a.lr_D is not None else a.lr
    lr_G = a.lr_G if a.lr_G is not None else a.lr
    overrides = {} if a.paper_recipe else dict(E.BOOK_RECIPE.get(a.dataset, {}))
    overrides.update({k: v for k, v in dict(k=a.k, m=a.m, lr_D=lr_D, lr_G=lr_G, update=a.update,
                                            g_loss=a.g_loss, optimizer=a.optimizer,
                                            real_label=a.real_label, G_init=a.G_init).items()
                      if v is not None})
    try:
        if a.resume and a.arch is None and (out / "config.json").exists():
            a.arch = json.loads((out / "config.json").read_text()).get("arch")
        T = E.build(a.dataset, out=out, seed=a.seed, arch=a.arch, **overrides)
    except (ValueError, DataError) as e:
        sys.exit(str(e))
    if a.resume:
        T.load()
        print(f"resumed {ckpt} at iteration {T.iteration}, epoch {T.epoch:.2f}")
    if a.minutes is None and a.epochs is None and a.iterations is None:
        a.minutes = 20.0
    try:
        T.train(iterations=a.iterations, epochs=a.epochs, minutes=a.minutes,
                on_epoch=E.epoch_callbacks(T, parzen_every=a.parzen_every))
    except TrainingDiverged as e:
        sys.exit(str(e))
    print(f"trained to iteration {T.iteration} (epoch {T.epoch:.2f}, {T.wall / 60:.1f} min); "
          f"checkpoint {ckpt}")


def cmd_parzen(a):
    from . import experiments as E
    res = E.parzen_run(a.run, n_samples=a.samples)
    print(f"{a.run}: {res}")


def cmd_baselines(a):
    from . import experiments as E
    rows = E.baselines(a.dataset, k=a.k)
    out = Path(a.out or f"runs/baselines-{a.dataset}.json")
    atomic_write_text(out, json.dumps(rows, indent=1))
    for name, r in rows.items():
        print(f"{name}: {r['mean']:.1f} ± {r['se']:.1f} (sigma {r['sigma']:.3f})")


def cmd_table1(a):
    from . import experiments as E
    print(E.table1(a.runs, baselines=a.baselines))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ganbook", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train G and D by Algorithm 1")
    t.add_argument("dataset")
    t.add_argument("--out")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=float)
    g.add_argument("--epochs", type=float)
    g.add_argument("--iterations", type=int)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--k", type=int)
    t.add_argument("--m", type=int, help="minibatch size")
    t.add_argument("--lr", type=float, help="both learning rates")
    t.add_argument("--lr-D", dest="lr_D", type=float)
    t.add_argument("--lr-G", dest="lr_G", type=float)
    t.add_argument("--update", choices=["simultaneous", "alternating"])
    t.add_argument("--g-loss", dest="g_loss", choices=["non_saturating", "saturating"])
    t.add_argument("--optimizer", choices=["sgd", "adam"])
    t.add_argument("--real-label", dest="real_label", type=float,
                   help="D's target on data (0.9: one-sided label smoothing)")
    t.add_argument("--G-init", dest="G_init", choices=["paper", "he"])
    t.add_argument("--paper-recipe", action="store_true",
                   help="the authors' mnist.yaml exactly (paper init, simultaneous update) "
                        "instead of the book's defaults (experiments.BOOK_RECIPE)")
    t.add_argument("--arch", help="faces: 'scaled' (default) or 'paper' (the authors' TFD nets)")
    t.add_argument("--parzen-every", type=int, default=1, help="epochs between valid Parzen")
    t.set_defaults(fn=cmd_train)
    z = sub.add_parser("parzen", help="the paper's Parzen protocol on a trained run")
    z.add_argument("run")
    z.add_argument("--samples", type=int, default=10000)
    z.set_defaults(fn=cmd_parzen)
    b = sub.add_parser("baselines", help="Parzen of real held-out data and k-means centroids")
    b.add_argument("dataset")
    b.add_argument("--k", type=int, default=10000)
    b.add_argument("--out")
    b.set_defaults(fn=cmd_baselines)
    tb = sub.add_parser("table1", help="print Table 1: the paper's rows beside ours")
    tb.add_argument("runs", nargs="*", default=["runs/mnist-seed0", "runs/mnist-seed1",
                                                "runs/mnist-seed2", "runs/faces"])
    tb.add_argument("--baselines", nargs="*",
                    default=["runs/baselines-mnist.json", "runs/baselines-faces.json"])
    tb.set_defaults(fn=cmd_table1)
    a = p.parse_args(argv)
    a.fn(a)


if __name__ == "__main__":
    main()
