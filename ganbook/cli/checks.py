"""The CLI's checks of its input, before anything is read or written.

Numeric flags are parsed by the ``type=`` functions made here: each names the flag, the
bad value and a value that works, and :class:`Parser` turns argparse's error into one line
through ``sys.exit`` (no usage dump, no traceback).  :func:`train_out` checks a training
run's ``--out`` folder: a file, or a folder of another run, is refused before it is touched.
"""
import argparse
import json
import math
import sys
from pathlib import Path


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line: ``python -m ganbook train: argument --n: ...``."""

    def error(self, message):
        sys.exit(f"{self.prog}: {message} (see {self.prog} -h)")


def _number(convert, ok, rule, flag, example):
    def check(text):
        try:
            v = convert(text)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"{text}: not a number; {rule}, e.g. {flag} {example}")
        if not (isinstance(v, int) or math.isfinite(v)) or not ok(v):
            raise argparse.ArgumentTypeError(f"{text}: {rule}; e.g. {flag} {example}")
        return v
    check.__name__ = convert.__name__     # argparse names the type in some messages
    return check


def count(flag, example):
    """An integer >= 1 (a number of samples, steps, iterations, units ...)."""
    return _number(int, lambda v: v >= 1, "it must be a whole number >= 1", flag, example)


def every(flag, example):
    """An interval in steps or epochs, >= 1."""
    return _number(int, lambda v: v >= 1, "the interval must be a whole number >= 1", flag, example)


def non_negative_int(flag, example):
    return _number(int, lambda v: v >= 0, "it must be a whole number >= 0", flag, example)


def budget(flag, example):
    """A training budget (minutes, epochs): finite and > 0."""
    return _number(float, lambda v: v > 0, "the budget must be > 0", flag, example)


def rate(flag, example):
    """A learning rate (or another scale): finite and > 0."""
    return _number(float, lambda v: v > 0, "it must be finite and > 0", flag, example)


def non_negative(flag, example):
    return _number(float, lambda v: v >= 0, "it must be finite and >= 0", flag, example)


def in_range(flag, example, lo, hi, lo_closed=True, hi_closed=False):
    """A float in the interval lo..hi (closed or open at each end, as said)."""
    text = f"{'[' if lo_closed else '('}{lo}, {hi}{']' if hi_closed else ')'}"
    return _number(float, lambda v: (v >= lo if lo_closed else v > lo) and (v <= hi if hi_closed else v < hi),
                   f"it must be in {text}", flag, example)


def decay(flag, example):
    """A divisor applied after every update: finite and >= 1 (1: no decay)."""
    return _number(float, lambda v: v >= 1, "it must be >= 1 (lr is divided by it; 1: constant)",
                   flag, example)


def seed_range(flag="--seeds", example="0-4"):
    """'A-B' or 'A' with 0 <= A <= B; returned as given (sweeps.seeds reads it)."""
    def check(text):
        lo, _, hi = str(text).partition("-")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            a = b = None
        if a is None or a < 0 or b < a:
            raise argparse.ArgumentTypeError(f"{text}: seeds are 'A-B' with 0 <= A <= B, or one seed "
                                             f"'A'; e.g. {flag} {example}")
        return text
    check.__name__ = "seeds"
    return check


def train_out(out, resume, dataset):
    """Refuse an ``--out`` that cannot hold this run, before anything is written: a file (or
    a path through one), or a folder of another run that is not being resumed here."""
    out = Path(out)
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                where = "" if p == out else f" ({p} is)"
                sys.exit(f"--out {out}: a file, not a folder{where}; choose another --out, e.g. "
                         f"--out runs/{dataset}")
            break
    if not out.is_dir() or not any(out.iterdir()):
        return None
    cfg_path = out / "config.json"
    try:
        cfg = json.loads(cfg_path.read_text()) if cfg_path.exists() else None
    except (OSError, ValueError):
        cfg = None
    if not isinstance(cfg, dict) or not isinstance(cfg.get("spec"), dict) or "dataset" not in cfg["spec"]:
        sys.exit(f"--out {out}: the folder holds files but no config.json of a training run (another "
                 "kind of run, or other files); choose another --out")
    theirs = cfg["spec"]["dataset"]
    if theirs != dataset:
        sys.exit(f"--out {out}: a run on {theirs} (its config.json), not {dataset}; choose another "
                 f"--out (or continue that run: python -m ganbook train {theirs} --out {out} --resume)")
    if not resume and (out / "checkpoint.pt").exists():
        sys.exit(f"--out {out}: {out / 'checkpoint.pt'} exists: pass --resume to continue it, or "
                 "choose another --out")
    return cfg
