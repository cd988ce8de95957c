"""Mode collapse, measured: the definition the book uses, and a detector for the trainer.

G has *collapsed* when it maps every z to nearly the same image, measured on n = 1000
fresh z with dropout off:

    mean_j sd_z G(z)_j < SD_MIN = 0.05

(the per-pixel standard deviation of G(z) across z, averaged over pixels).  The data set
it: in the MNIST sweep's first runs (5 epochs, checks every 250 steps), G's that drew one
digit ended at 0.00-0.04, G's that drew several digits at 0.11-0.15, and the data has 0.19.
D(G(z)) is recorded beside it but is not part of the definition: in a G stuck on one
image it oscillated around 0.05 as D and G chased each other, so a rule "D(G(z)) < 0.05
and sd < SD_MIN" switched on and off in a run that never left its one image.

Every G from the paper's initialisation starts below SD_MIN (it starts as the pixel
means), so the detector judges only from ``after`` steps on (1000 on MNIST: by then every
run of the sweep that later drew varied digits was above it).  Partial collapse (a few
modes) is not caught by this number; the evaluation chapter's class coverage measures it.
"""
import torch

from ganbook.core.models import FIXED_Z_FOR
from ganbook.core.nets import eval_mode

SD_MIN = 0.05
AFTER = 1000     # steps before the detector judges (MNIST; every G starts below SD_MIN)


@torch.no_grad()
def collapse_stats(G, D, noise, n=1000, seed=FIXED_Z_FOR["collapse"]):
    """{'D_G_z_eval', 'G_sd', 'collapsed'} from ``n`` samples (own RNG: the training
    RNGs are untouched, so checking does not change the run)."""
    g = torch.Generator().manual_seed(seed)
    with eval_mode(G, D):
        x = G(noise(n, g).to(next(G.parameters()).device))
        d = torch.sigmoid(D(x)).mean().item()
        sd = x.std(0).mean().item()
    return {"D_G_z_eval": d, "G_sd": sd, "collapsed": is_collapsed(sd)}


def is_collapsed(G_sd):
    return bool(G_sd < SD_MIN)


ADVICE = ("In the book's collapse sweep (75 MNIST runs, 5 epochs), 13 of the 44 runs that met "
          "this after step 1000 spread out again, none after 5 collapsed checks in a row; the "
          "authors' exact recipe (--paper-recipe) collapsed in 0 of 8 seeds. See the MNIST chapter.")


def detector(every=250, stop=False, patience=5, after=AFTER, say=print):
    """An ``every`` callback for :meth:`ganbook.core.train.Trainer.train`: ``(every, f)``.

    f logs ``G_sd`` and ``D_G_z_eval`` every ``every`` steps, and from step ``after`` on
    ``collapsed`` (0/1); it says so (``say``) when the run first meets the definition, and
    with ``stop`` raises StopTraining once ``patience`` checks in a row found it collapsed.
    The streak is read from the logged history, so a resumed run decides as an
    uninterrupted one would.
    """
    from ganbook.core.steps import StopTraining

    def check(t):
        st = collapse_stats(t.G, t.D, t.p_z)
        row = {"D_G_z_eval": st["D_G_z_eval"], "G_sd": st["G_sd"]}
        if t.iteration < after:
            return row
        flags = [r["collapsed"] for r in t.history if "collapsed" in r]
        streak = 0
        for f in reversed(flags):
            if not f:
                break
            streak += 1
        if st["collapsed"]:
            streak += 1
            if streak == 1:
                say(f"iteration {t.iteration}: G collapsed: every z gives nearly one image (per-pixel "
                    f"sd of G(z) over z {st['G_sd']:.3f} < {SD_MIN}; mean D(G(z)) "
                    f"{st['D_G_z_eval']:.3f}). {ADVICE}")
        row["collapsed"] = int(st["collapsed"])
        if stop and streak >= patience:
            t.log_row(**row)
            raise StopTraining(f"collapsed at {patience} checks in a row (iteration {t.iteration})")
        return row
    return every, check
