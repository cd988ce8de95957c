"""The measured answers to the Figure-1 chapter's exercises, as one record.

``python -m ganbook.chapters.figure1_exercises runs/exercises/figure1.json`` writes it (about
seven minutes on one core).  The widget's exercises (1-4) train as the widget does: the
chapter's recipe with constant learning rates (:data:`WIDGET`); exercises 5-7 use the
chapter's own run (3,000 iterations, the rates falling tenfold).  Each ``exercise_<n>``
returns a dict of the numbers its solution quotes, rounded as it quotes them.
"""
import copy
import json
import sys

import numpy as np
import torch

from ganbook.base.files import atomic_write_text
from ganbook.chapters import figure1 as F
from ganbook.core.train import TrainingDiverged

WIDGET = dict(lr_decay=1.0)      # the Lab's rates stay constant


def train(trainer, n):
    trainer.train(iterations=n, log_every=n, progress=False, checkpoint=False)


def exercise_1(n=200, presses=3):
    """k = 1 against k = 5: after each of ``presses`` presses of Train N (n iterations), the
    JSD and how far the trained D is from D*_G (max on the support, mean)."""
    out = {}
    for k in (1, 5):
        t = F.make_trainer(seed=0, k=k, **WIDGET)
        rows = {"iteration": [], "jsd": [], "max_D_Dstar": [], "mean_D_Dstar": []}
        for _ in range(presses):
            train(t, n)
            s = F.snapshot(t, keep_state=False)
            rows["iteration"].append(s.iteration)
            rows["jsd"].append(round(s.jsd, 4))
            rows["max_D_Dstar"].append(round(s.max_D_Dstar, 3))
            rows["mean_D_Dstar"].append(round(s.mean_D_Dstar, 3))
        out[f"k={k}"] = rows
    return out


def sd_trace(trainer, iterations, every=50):
    """The sd of G on the fixed z's every ``every`` iterations, and where training diverged."""
    z, sds, diverged = F.fixed_z(trainer.p_z), [], None
    for _ in range(iterations // every):
        try:
            train(trainer, every)
        except TrainingDiverged:
            diverged = trainer.iteration
            break
        with torch.no_grad():
            sds.append((trainer.iteration, trainer.G(z).std().item()))
    return sds, diverged


def exercise_2(seeds=(0, 1, 2, 3, 4), iterations=1200):
    """Momentum 0.5 and 0.9 at lr_G = 0.02, and 0.9 at the slider's 10^-2.3: per seed, the
    range of p_g's sd after iteration 200, the final JSD, and the iteration of a divergence."""
    out = {}
    for momentum, lr_G in ((0.5, 0.02), (0.9, 0.02), (0.9, 10 ** -2.3)):
        rows = {}
        for seed in seeds:
            t = F.make_trainer(seed=seed, momentum=momentum, final_momentum=momentum, lr_G=lr_G,
                               **WIDGET)
            sds, diverged = sd_trace(t, iterations)
            late = [v for i, v in sds if i > 200]
            rows[str(seed)] = {"sd_min": round(min(v for _, v in sds), 3) if sds else None,
                               "sd_after_200": [round(min(late), 2), round(max(late), 2)] if late else None,
                               "diverged_at": diverged,
                               "jsd": None if diverged else round(F.snapshot(t, keep_state=False).jsd, 3)}
        out[f"momentum={momentum}, lr_G={lr_G:.3g}"] = rows
    return out


def first_below(trainer, level, iterations, every=5):
    """The first multiple of ``every`` at which the JSD is <= ``level`` (None: not within
    ``iterations``), and the mean D(G(z)) over the first ``every`` iterations."""
    d_first = None
    for t in range(every, iterations + 1, every):
        train(trainer, every)
        d_first = trainer.history[-1]["D_G_z"] if d_first is None else d_first
        if F.snapshot(trainer, keep_state=False).jsd <= level:
            return t, d_first
    return None, d_first


def exercise_3(seeds=(0, 1, 2), iterations=100):
    """Saturating against non-saturating from the widget's start (3 sd off): when the JSD first
    falls below 0.5; then, from 5 sd off, 200 saturating iterations and 10 non-saturating."""
    out = {}
    for loss in ("saturating", "non_saturating"):
        res = [first_below(F.make_trainer(seed=s, g_loss=loss, **WIDGET), 0.5, iterations) for s in seeds]
        out[loss] = {"first_below_0.5": [r[0] for r in res],
                     "D_G_z_first_5": [round(r[1], 3) for r in res]}
    t = F.make_trainer(seed=0, start=-5.0, g_loss="saturating", **WIDGET)
    train(t, 200)
    out["from_5_sd"] = {"jsd_after_200_saturating": round(F.snapshot(t, keep_state=False).jsd, 3),
                        "D_G_z_at_200": round(t.history[-1]["D_G_z"], 4)}
    t.recipe.g_loss = "non_saturating"
    train(t, 10)
    out["from_5_sd"]["jsd_10_later_non_saturating"] = round(F.snapshot(t, keep_state=False).jsd, 3)
    return out


def exercise_4(seeds=range(6), checkpoints=(600, 1200), gap=(3.0, 5.0)):
    """The bimodal p_data: per seed and checkpoint, the share of G(z) in the gap between the
    humps, the arrows that land there, G's range, D's range on the gap's middle, the JSD."""
    out = {}
    for seed in seeds:
        t = F.make_trainer("bimodal", seed=seed, **WIDGET)
        rows = {}
        for c in checkpoints:
            train(t, c - t.iteration)
            s = F.snapshot(t, keep_state=False)
            with torch.no_grad():
                g = t.G(F.fixed_z(t.p_z)).numpy().ravel()
            mid = (s.x > gap[0] + 0.5) & (s.x < gap[1] - 0.5)
            rows[str(c)] = {"share_in_gap": round(float(((g > gap[0]) & (g < gap[1])).mean()), 3),
                            "arrows_in_gap": int(((s.Gz > gap[0]) & (s.Gz < gap[1])).sum()),
                            "G_range": [round(float(g.min()), 2), round(float(g.max()), 2)],
                            "D_on_gap": [round(float(s.D[mid].min()), 2), round(float(s.D[mid].max()), 2)],
                            "jsd": round(s.jsd, 3)}
        out[str(seed)] = rows
    return out


def bends(G, n=100_001):
    """The bends of a piecewise-linear G on [0, 1]: G in float64 at n evenly spaced z, and a
    bend wherever the slope between neighbours changes (a bend between two grid points
    changes it twice in a row, and counts once)."""
    G = copy.deepcopy(G).double()
    with torch.no_grad():
        g = G(torch.linspace(0, 1, n, dtype=torch.float64)[:, None]).numpy().ravel()
    slope = np.diff(g)
    changed = np.abs(np.diff(slope)) > 1e-9 * np.abs(slope).max()
    return int(changed[0] + (changed[1:] & ~changed[:-1]).sum())


def chapter_run(hidden=32, seed=0, iterations=3000):
    """The chapter's run (or one with other hidden units or seed): a trained Trainer."""
    t = F.make_trainer(seed=seed, hidden=hidden, iterations=iterations)
    train(t, iterations)
    return t


def exercise_5(seeds=(0, 1, 2), chapter=None):
    """Capacity: bends of G in [0, 1] and the final JSD with 4 hidden units (``seeds``), and
    with 32 (``chapter``, the chapter's run, trained here if not given)."""
    out = {}
    for hidden, runs in ((4, [chapter_run(4, s) for s in seeds]), (32, [chapter or chapter_run()])):
        out[f"hidden={hidden}"] = {"bends": [bends(t.G) for t in runs],
                                   "jsd": [round(F.snapshot(t, keep_state=False).jsd, 4) for t in runs]}
    return out


def exercise_6_7(trainer):
    """The chapter's run: where its G ends (exercise 6) and its final JSD under other
    bandwidths and without a kernel (exercise 7)."""
    e = F.edges(trainer)
    return {"exercise_6": {k: round(v, 3) for k, v in e.items()},
            "exercise_7": {"jsd_h_scale": {str(h): round(F.snapshot(trainer, keep_state=False, h_scale=h).jsd, 4)
                                           for h in (0.25, 0.5, 1.0, 2.0)},
                           "kernel_free": {str(w): round(F.kernel_free_jsd(trainer, bin_width=w), 4)
                                           for w in (0.002, 0.004)}}}


def record(path):
    """Every exercise's numbers, written as JSON to ``path``."""
    out = {"made_by": "python -m ganbook.chapters.figure1_exercises " + str(path)}
    for n, f in ((1, exercise_1), (2, exercise_2), (3, exercise_3), (4, exercise_4)):
        out[f"exercise_{n}"] = f()
    chapter = chapter_run()
    out["exercise_5"] = exercise_5(chapter=chapter)
    out.update(exercise_6_7(chapter))
    atomic_write_text(path, json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    torch.set_num_threads(1)
    record(sys.argv[1] if len(sys.argv) > 1 else "runs/exercises/figure1.json")
