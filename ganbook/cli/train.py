"""``python -m ganbook train``: a new run, or ``--resume`` of one, with its input checked
before anything is written and its record (config.json: spec, model, recipe and "log")
saying how its metrics.csv was made.

    python -m ganbook train mnist --out runs/mnist --minutes 20
    python -m ganbook train mnist --out runs/mnist --resume --epochs 100   # same recipe, longer
    python -m ganbook train fake --iterations 50 --out /tmp/smoke  # no data needed
"""
import sys
from pathlib import Path

from ganbook.cli import checks as C
from ganbook.core import convnets
from ganbook.core.checkpoint import CheckpointWriteError
from ganbook.core.objectives import RECIPES
from ganbook.data.mnist import DataError
from ganbook.data.splits import DATASETS
from ganbook.measures.collapse import AFTER

# Flags that change the recipe or the model: a resumed run keeps its checkpoint's.
RECIPE_FLAGS = ("k", "m", "lr", "lr_D", "lr_G", "update", "g_loss", "optimizer", "real_label",
                "G_init", "noise", "bias_clip", "objective", "clip", "gp_lambda", "seed", "arch",
                "lr_decay", "G_ema")

# Flags that shape metrics.csv (chapters.mnist.LOG_DEFAULTS): saved as config.json's "log".
LOG_FLAGS = ("parzen_every", "collapse_every", "collapse_after", "stop_on_collapse")


def _flag(name):
    return f"--{name.replace('_', '-')}"


def _log(a, out, T=None):
    """The run's log settings: a new run's from the flags (defaults where not given); a
    resumed run keeps its checkpoint's, and a flag that would change them is refused.  A
    checkpoint made before the "log" section existed was made with the defaults, or with
    the flags given now (which it cannot contradict)."""
    from ganbook.chapters.mnist import log_settings
    given = {f: getattr(a, f) for f in LOG_FLAGS if getattr(a, f) is not None}
    if a.resume and T.run.log is not None:
        kept = log_settings({"log": T.run.log})
        changed = [f"{_flag(f)} {v}" for f, v in given.items() if kept[f] != v]
        if changed:
            sys.exit(f"--resume continues {out} with the log settings in its checkpoint ("
                     + ", ".join(f"{k} {v}" for k, v in kept.items()) + f"); {', '.join(changed)} "
                     "would change how its metrics.csv is logged. Drop those flags, or start a new "
                     "run with another --out")
        return kept
    return log_settings(None, **given)


def cmd_train(a):
    from ganbook.chapters import mnist as E
    from ganbook.core.steps import TrainingDiverged
    if a.dataset not in DATASETS:
        sys.exit(f"unknown dataset {a.dataset!r}; use one of {DATASETS}")
    out = Path(a.out or f"runs/{a.dataset}")
    ckpt = out / "checkpoint.pt"
    C.train_out(out, a.resume, a.dataset)
    if a.binarized and (a.resume or a.model != "vae"):
        sys.exit("--binarized applies to a new --model vae run only (a PixelCNN is always trained on "
                 "binarised images; a resumed run keeps its own data); drop it")
    try:
        if a.resume:
            given = [_flag(f) for f in RECIPE_FLAGS if getattr(a, f) is not None]
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
            T.run.log = _log(a, out, T)
            if a.epochs is not None and T.epoch >= a.epochs:
                print(f"{ckpt} is at epoch {T.epoch:.2f} already (>= --epochs {a.epochs:g}): nothing "
                      f"to train, nothing written; ask for more, e.g. --epochs {int(T.epoch) + 1}")
                return
            print(f"resumed {ckpt} at iteration {T.iteration}, epoch {T.epoch:.2f}")
        else:
            T = _build(E, a, out, _log(a, out))
    except (ValueError, DataError) as e:
        sys.exit(str(e))
    if a.minutes is None and a.epochs is None and a.iterations is None:
        a.minutes = 20.0
    on_epoch, every = E.training_callbacks(T, **T.run.log)
    try:
        T.train(iterations=a.iterations, epochs=a.epochs, minutes=a.minutes, on_epoch=on_epoch,
                every=every, checkpoint_every=a.checkpoint_every, progress=not a.quiet)
    except (TrainingDiverged, CheckpointWriteError) as e:
        sys.exit(str(e))
    if T.stopped:
        print(f"stopped: {T.stopped}")
    print(f"trained to iteration {T.iteration} (epoch {T.epoch:.2f}, {T.wall / 60:.1f} min); "
          f"checkpoint {ckpt}")


def _build(E, a, out, log):
    """A new run's Trainer from the flags (the dataset's book recipe under them)."""
    if a.model in ("vae", "pixelcnn"):
        extra = {"binarized": "dynamic"} if a.model == "vae" and a.binarized else {}
        return E.build(a.dataset, out=out, seed=a.seed or 0, device=a.device, model=a.model, log=log,
                       **extra, **({"m": a.m} if a.m else {}))
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
    return E.build(a.dataset, out=out, seed=a.seed or 0, arch=a.arch, device=a.device, log=log,
                   **overrides)


def add_train(sub):
    """Register ``train`` on the CLI's subparsers."""
    t = sub.add_parser("train", help="train a model (a GAN by Algorithm 1 unless --objective says)")
    t.add_argument("dataset", help="mnist, faces, tfd, or fake (synthetic, for smoke tests)")
    t.add_argument("--out")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=C.budget("--minutes", 20))
    g.add_argument("--epochs", type=C.budget("--epochs", 250), help="train until this many epochs in total")
    g.add_argument("--iterations", type=C.count("--iterations", 1000))
    t.add_argument("--resume", action="store_true", help="continue --out with its own recipe")
    t.add_argument("--seed", type=C.non_negative_int("--seed", 0), help="default 0")
    t.add_argument("--k", type=C.count("--k", 1))
    t.add_argument("--m", type=C.count("--m", 100), help="minibatch size")
    t.add_argument("--lr", type=C.rate("--lr", 0.1), help="both learning rates")
    t.add_argument("--lr-D", dest="lr_D", type=C.rate("--lr-D", 0.1))
    t.add_argument("--lr-G", dest="lr_G", type=C.rate("--lr-G", 0.1))
    t.add_argument("--lr-decay", dest="lr_decay", type=C.decay("--lr-decay", 1.000004),
                   help="lr is divided by this after every update, down to 1e-6 (authors: 1.000004)")
    t.add_argument("--G-ema", dest="G_ema", type=C.in_range("--G-ema", 0.999, 0, 1),
                   help="keep a running average of G's weights with this decay (e.g. 0.999), "
                        "scored beside G every epoch and saved as best-G-avg; training is unchanged")
    t.add_argument("--update", choices=["simultaneous", "alternating"])
    t.add_argument("--objective", choices=["minimax", "least_squares", "wgan", "wgan_gp"],
                   help="wgan, wgan_gp: start from their papers' recipe (objectives.RECIPES)")
    t.add_argument("--clip", type=C.rate("--clip", 0.01), help="wgan: weight clip c")
    t.add_argument("--gp-lambda", dest="gp_lambda", type=C.non_negative("--gp-lambda", 10),
                   help="wgan_gp: penalty weight")
    t.add_argument("--g-loss", dest="g_loss", choices=["non_saturating", "saturating"])
    t.add_argument("--optimizer", choices=["sgd", "adam", "rmsprop"])
    t.add_argument("--real-label", dest="real_label",
                   type=C.in_range("--real-label", 0.9, 0.5, 1, lo_closed=False, hi_closed=True),
                   help="D's target on data (0.9: one-sided label smoothing)")
    t.add_argument("--G-init", dest="G_init", choices=["paper", "he"])
    t.add_argument("--noise", choices=["uniform", "normal"], help="p_z (default uniform)")
    t.add_argument("--bias-clip", dest="bias_clip",
                   type=C.in_range("--bias-clip", 1e-7, 0, 0.5, lo_closed=False),
                   help="clip of the pixel means behind G's output bias (authors: 1e-7)")
    t.add_argument("--paper-recipe", action="store_true",
                   help="the authors' mnist.yaml exactly (paper init, simultaneous update, "
                        "1e-7 bias clip); on MNIST this is also the default "
                        "(experiments.BOOK_RECIPE)")
    t.add_argument("--model", choices=["gan", "vae", "pixelcnn"], default="gan",
                   help="vae: the VAE of the chapter after the paper (ganbook.chapters.vae); pixelcnn: the "
                        "gated PixelCNN on binarised images (ganbook.chapters.pixelcnn); GAN flags do not apply")
    t.add_argument("--binarized", action="store_true",
                   help="--model vae: train on binarised images (each minibatch drawn afresh), as the PixelCNN")
    t.add_argument("--arch", help="faces: 'scaled' (default) or 'paper' (the authors' TFD nets); "
                   "mnist or faces: 'dcgan' (convolutional G and D, Adam 2e-4), 'dcgan-nobn' "
                   "(the same without batch norm), 'dcgan-critic' (D without batch norm: "
                   "WGAN-GP's critic)")
    t.add_argument("--parzen-every", type=C.every("--parzen-every", 1),
                   help="epochs between valid Parzen (default 1; saved in config.json)")
    t.add_argument("--collapse-every", type=C.every("--collapse-every", 250),
                   help="steps between collapse checks (default 250; saved in config.json)")
    t.add_argument("--collapse-after", type=C.non_negative_int("--collapse-after", AFTER),
                   help=f"judge collapse from this step on (G starts as one image; default {AFTER})")
    t.add_argument("--stop-on-collapse", action="store_true", default=None,
                   help="stop once the run is found collapsed 5 checks in a row")
    t.add_argument("--checkpoint-every", type=C.every("--checkpoint-every", 1000),
                   help="also checkpoint every N steps")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--device", help="train on another torch device (e.g. cuda) for exploratory "
                                    "sweeps; the book's stored results are CPU runs")
    t.set_defaults(fn=cmd_train)
