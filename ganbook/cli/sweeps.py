"""The CLI's sweeps (``python -m ganbook sweep|mixtures|rejection``): many short runs, one table.

    python -m ganbook sweep paper book --seeds 0-7 --epochs 5       # the MNIST collapse sweep
    python -m ganbook mixtures ring grid --variants gan pacgan4 --seeds 0-4   # 2-D mode collapse
    python -m ganbook rejection runs/mixtures/grid/gan --seeds 0-4  # + rejection by a refined D
"""
import sys

from ganbook.cli import checks as C


def seeds(text):
    """'0-4' -> range(0, 5); '3' -> range(3, 4)."""
    lo, _, hi = text.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def cmd_sweep(a):
    from ganbook.chapters import sweep
    if not a.summary:
        bad = [v for v in a.variants if v not in sweep.VARIANTS]
        if bad or not a.variants:
            sys.exit(f"unknown variants {bad}; choose from {list(sweep.VARIANTS)}")
        sweep.run_many(a.variants, seeds(a.seeds), out=a.out, epochs=a.epochs)
    print(sweep.table(sweep.summary(a.out)))


def cmd_mixtures(a):
    from ganbook.chapters import mixture_runs as R
    from ganbook.chapters.mixtures import MIXTURES, VARIANTS
    bad = [m for m in a.mixtures if m not in MIXTURES] + [v for v in a.variants if v not in VARIANTS]
    if bad:
        sys.exit(f"unknown {bad}; mixtures: {sorted(MIXTURES)}, variants: {list(VARIANTS)}")
    if not a.summary:
        R.run_many(a.mixtures, a.variants, seeds(a.seeds), a.iterations, out=a.out,
                   hidden_G=a.hidden_G, hidden_D=a.hidden_D, keep_weights=a.keep_weights)
    print(R.table(R.summary(a.out)))


def cmd_rejection(a):
    from pathlib import Path
    from ganbook.chapters import mixture_runs as R
    from ganbook.chapters import rejection as J
    for s in seeds(a.seeds):
        base = Path(a.runs) / f"seed{s}"
        if (J.folder(base, a.fourier) / "result.json").exists():
            continue
        if not (base / "model.safetensors").exists():
            sys.exit(f"{base} has no kept weights (model.safetensors): run it with "
                     "python -m ganbook mixtures ... --keep-weights first")
        r = J.run(base, steps=a.steps, checks=a.checks, fourier=a.fourier, lr_D=a.lr_D, m=a.m,
                  ceiling=a.ceiling)
        for c in r["rejection_checks"]:
            print(f"seed {s}, D refined {c['refine_steps']:,} steps: {c['modes']} modes, "
                  f"{100 * c['high_quality']:.1f} % high quality, {100 * c['acceptance']:.1f} % kept")
    print(R.table(R.summary(Path(a.runs).parent.parent)))


def add_sweeps(sub):
    """Register the two subcommands on the CLI's subparsers."""
    w = sub.add_parser("sweep", help="the MNIST collapse sweep: seeds x recipe variants")
    w.add_argument("variants", nargs="*")
    w.add_argument("--seeds", type=C.seed_range("--seeds", "0-7"), default="0-7")
    w.add_argument("--epochs", type=C.budget("--epochs", 5), default=5)
    w.add_argument("--out", default="runs/sweep")
    w.add_argument("--summary", action="store_true", help="only print the table of what is done")
    w.set_defaults(fn=cmd_sweep)
    mx = sub.add_parser("mixtures", help="the 2-D mode-collapse benchmark: ring/grid x variants x seeds")
    mx.add_argument("mixtures", nargs="*", default=["ring", "grid"])
    mx.add_argument("--variants", nargs="+", default=["gan"])
    mx.add_argument("--seeds", type=C.seed_range("--seeds", "0-4"), default="0-4")
    mx.add_argument("--iterations", type=C.count("--iterations", 20000), default=20000)
    mx.add_argument("--hidden-G", type=C.count("--hidden-G", 400), default=400,
                    help="units per layer of G (4 layers)")
    mx.add_argument("--hidden-D", type=C.count("--hidden-D", 200), default=200,
                    help="maxout units per layer of D (3 layers)")
    mx.add_argument("--out", default="runs/mixtures")
    mx.add_argument("--keep-weights", action="store_true", help="also write each run's G and D (model.safetensors)")
    mx.add_argument("--summary", action="store_true", help="only print the table of what is done")
    mx.set_defaults(fn=cmd_mixtures)
    rj = sub.add_parser("rejection", help="a mixtures row with G's samples kept by a refined D (DRS)")
    rj.add_argument("runs", help="the runs' folder, e.g. runs/mixtures/grid/gan (kept weights)")
    rj.add_argument("--seeds", type=C.seed_range("--seeds", "0-4"), default="0-4")
    rj.add_argument("--steps", type=C.count("--steps", 5000), default=5000,
                    help="updates of D alone against the frozen G")
    rj.add_argument("--checks", type=C.count("--checks", 5), default=5,
                    help="measures while refining (and before)")
    rj.add_argument("--fourier", type=C.rate("--fourier", 1), default=None,
                    help="train a fresh D with Fourier features of this scale instead (e.g. 1)")
    rj.add_argument("--lr-D", type=C.rate("--lr-D", 1e-3), default=1e-3, help="with --fourier: the fresh D's rate")
    rj.add_argument("--m", type=C.count("--m", 500), default=500, help="with --fourier: the fresh D's minibatch")
    rj.add_argument("--ceiling", type=C.in_range("--ceiling", 0.999, 0, 1, lo_closed=False, hi_closed=True),
                    default=1.0,
                    help="a_max as this quantile of the reference logits (1: their largest, the exact rule)")
    rj.set_defaults(fn=cmd_rejection)
