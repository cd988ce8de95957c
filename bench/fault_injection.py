"""kill -9 a CLI training at many moments, resume it, and compare with an uninterrupted run.

    python bench/fault_injection.py --kills 24          # the campaign (a few minutes)
    python bench/fault_injection.py --quick             # what `make test` runs (4 trials)

Each trial trains ``python -m ganbook train fake`` (synthetic data, small nets, dropout in
D, a checkpoint every 5 steps and each epoch) and SIGKILLs it once or more: inside a step
(after its updates, before its counters: GANBOOK_FAULT=step:n), half-way through writing
the checkpoint or metrics.csv (checkpoint:n, metrics:n), or after a random delay from
outside.  Trials (of one to three kills each) go on until ``--kills`` kills have landed.
The run is resumed with ``--resume`` until it finishes; its final weights,
optimiser state, RNG states, counters and logged rows (wall time aside) must equal the
uninterrupted run's bit for bit.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

EPOCHS = 4            # fake data: 480 examples, m = 20 -> 24 steps per epoch, 96 steps
ARGS = ["--epochs", str(EPOCHS), "--checkpoint-every", "5", "--quiet", "--collapse-every", "10",
        "--collapse-after", "0"]


def train(out, resume=False, fault=None, kill_after=None):
    """Run the CLI once; returns its exit code (-9: killed)."""
    cmd = [sys.executable, "-m", "ganbook", "train", "fake", "--out", str(out)] + ARGS
    cmd += ["--resume"] if resume else ["--seed", "0", "--m", "20"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("GANBOOK_FAULT", None)
    if fault:
        env["GANBOOK_FAULT"] = fault
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            p.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
    _, err = p.communicate(timeout=600)
    if p.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{err[-2000:]}")
    return p.returncode


def final_state(out):
    from ganbook.core import checkpoint
    s = checkpoint.load(Path(out) / "checkpoint.pt")
    s["counters"].pop("wall")
    s["history"] = [{k: v for k, v in r.items() if k != "wall"} for r in s["history"]]
    return s


def equal(a, b):
    if torch.is_tensor(a):
        return torch.is_tensor(b) and a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return a == b


def trial(out, faults, rng):
    """One run killed at each of ``faults`` in turn, then resumed to the end."""
    kills, resume = 0, False
    for f in faults:
        delay = rng.uniform(1.0, 6.0) if f == "random" else None
        rc = train(out, resume=resume and (out / "checkpoint.pt").exists(),
                   fault=None if f == "random" else f, kill_after=delay)
        kills += rc == -signal.SIGKILL
        resume = True
        if rc == 0:
            break
    while train(out, resume=(out / "checkpoint.pt").exists()) != 0:
        pass
    return kills


def faults(rng, k):
    """k kill points for one trial: a fault phase at an occurrence that a resumed run still
    reaches, or a random delay."""
    phases = {"step": 40, "checkpoint": 6, "metrics": 6, "random": 0}
    out = []
    for _ in range(k):
        p = rng.choice(list(phases))
        out.append(f"{p}:{rng.randint(1, phases[p])}" if phases[p] else p)
    return out


def campaign(kills=24, seed=0, quick=False, work=None):
    rng = random.Random(seed)
    work = Path(work or tempfile.mkdtemp(prefix="ganbook-faults-"))
    ref = work / "reference"
    assert train(ref) == 0
    want = final_state(ref)
    rows, t0 = [], time.time()
    quick_plan = [["step:20"], ["checkpoint:3"], ["metrics:2"], ["random"]]
    while sum(r["kills"] for r in rows) < kills and (not quick or len(rows) < len(quick_plan)):
        i = len(rows)
        plan = quick_plan[i] if quick else faults(rng, rng.randint(1, 3))
        out = work / f"trial{i:02d}"
        k = trial(out, plan, rng)
        rows.append({"trial": i, "faults": plan, "kills": k, "equal": equal(final_state(out), want)})
        print(f"trial {i:2d}: {', '.join(plan):<40} kills {k}  equal: {rows[-1]['equal']}", flush=True)
    return {"trials": rows, "kills": sum(r["kills"] for r in rows),
            "equal": sum(r["equal"] for r in rows), "seconds": time.time() - t0}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    r = campaign(a.kills, a.seed, a.quick)
    print(f"{r['kills']} kills -9 in {len(r['trials'])} trials; resumed runs equal to the "
          f"uninterrupted one bit for bit: {r['equal']} of {len(r['trials'])} ({r['seconds']:.0f} s)")
    sys.exit(0 if r["equal"] == len(r["trials"]) else 1)
