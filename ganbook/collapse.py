"""Mode collapse, measured: the definition the book uses, and a detector for the trainer.

A run has *collapsed* when both hold, measured on n = 1000 fresh z with dropout off:

    mean_z D(G(z)) < D_G_Z_MAX = 0.05        D rejects G's samples with confidence, and
    mean_j sd_z G(z)_j < SD_MIN              G maps every z to (almost) the same image:

the per-pixel standard deviation of G(z) across z, averaged over pixels.  SD_MIN is set
between what collapsed and healthy MNIST runs show (the MNIST chapter plots both): a G
that draws one digit with speckles varies by ~0.04 per pixel, a G with a few modes by ~0.1
and more, the data by 0.19 (probe runs of the sweep, 5 epochs).
Either condition alone is not collapse: D(G(z)) is small early in every run, and a
G with little spread but D fooled is a G that has not yet spread out.
"""
import torch

D_G_Z_MAX = 0.05
SD_MIN = 0.05


@torch.no_grad()
def collapse_stats(G, D, noise, n=1000, seed=2014):
    """{'D_G_z_eval', 'G_sd', 'collapsed'} from ``n`` samples (own RNG: the training
    RNGs are untouched, so checking does not change the run)."""
    g = torch.Generator().manual_seed(seed)
    modes = G.training, D.training
    G.eval(), D.eval()
    try:
        x = G(noise(n, g))
        d = torch.sigmoid(D(x)).mean().item()
        sd = x.std(0).mean().item()
    finally:
        G.train(modes[0]), D.train(modes[1])
    return {"D_G_z_eval": d, "G_sd": sd, "collapsed": bool(is_collapsed(d, sd))}


def is_collapsed(D_G_z, G_sd):
    return D_G_z < D_G_Z_MAX and G_sd < SD_MIN


ADVICE = ("G maps every z to nearly one image and D rejects it (mode collapse). "
          "This run will not recover by itself: see the MNIST chapter's collapse sweep for the "
          "recipes that avoid it, or start again with another --seed.")


def detector(every=250, stop=False, patience=3, say=print):
    """An ``every`` callback for :meth:`ganbook.train.Trainer.train`: ``(every, f)``.

    f logs ``collapsed`` (0/1), ``D_G_z_eval`` and ``G_sd`` every ``every`` steps, says so
    (``say``) when the run first meets the definition, and with ``stop`` raises
    StopTraining once ``patience`` checks in a row found it collapsed.  The streak is read
    from the logged history, so a resumed run decides as an uninterrupted one would.
    """
    from .steps import StopTraining

    def check(t):
        st = collapse_stats(t.G, t.D, t.noise)
        flags = [r["collapsed"] for r in t.history if "collapsed" in r]
        streak = 0
        for f in reversed(flags):
            if not f:
                break
            streak += 1
        if st["collapsed"]:
            streak += 1
            if streak == 1:
                say(f"iteration {t.iteration}: collapsed (mean D(G(z)) {st['D_G_z_eval']:.3f} < "
                    f"{D_G_Z_MAX}, per-pixel sd of G(z) {st['G_sd']:.3f} < {SD_MIN}). {ADVICE}")
        row = {"collapsed": int(st["collapsed"]), "D_G_z_eval": st["D_G_z_eval"], "G_sd": st["G_sd"]}
        if stop and streak >= patience:
            t.log_row(**row)
            raise StopTraining(f"collapsed at {patience} checks in a row (iteration {t.iteration})")
        return row
    return every, check
