"""Samples of G corrected by D: rejection sampling with the discriminator (Discriminator
Rejection Sampling, Azadi et al. 2019), and the mode-collapse row it gives.

Proposition 1 of Goodfellow et al. 2014: for a fixed G the best D is

    D*_G(x) = p_data(x) / (p_data(x) + p_g(x)),

so with D's logit a(x) = log D(x) / (1 - D(x)),

    p_data(x) / p_g(x) = D*_G(x) / (1 - D*_G(x)) = exp(a*(x)).

Rejection sampling with p_g as the proposal: draw x ~ p_g and keep it with probability

    exp(a(x) - a_max),   a_max >= max_x a(x);

the kept x follow p_g(x) exp(a(x)) / Z, which is p_data(x) exactly when a = a* (and one
draw in exp(a_max) is kept on average).  A D at the end of training is not D*_G (it chases a
moving G), so :func:`refine_D` first trains it alone against the frozen G -- Algorithm 1's
inner loop run long (``Trainer.train_D``), the construction of Proposition 1.  As in DRS,
a_max is the largest a over a reference draw of G; a later draw above it is always kept.
(DRS also shifts the acceptance by a gamma to keep more; we keep the exact rule.)

The trained D may lack the resolution to tell a sample just outside a mode from one on it;
:func:`fresh_D` replaces it by a new D whose input goes through random Fourier features
(``ganbook.core.nets.FourierFeatures``), trained from scratch against the frozen G the same way.

    python -m ganbook rejection runs/mixtures/grid/gan --steps 5000
"""
import json
import time
from pathlib import Path

import torch

from ganbook.core.nets import eval_mode
from ganbook.measures.modes import of_mixture


def _check_D(D):
    if getattr(D, "batch_dependent", False):
        raise ValueError("rejection needs D's judgement of one sample at a time; this D judges a "
                         "batch (PacGAN packs or a minibatch feature): use a run of a plain D")


def refine_D(trainer, steps):
    """``steps`` updates of D alone (the recipe's objective, batch and rate) against the
    frozen G in eval mode, the G that ``model.sample`` draws from; the last loss."""
    _check_D(trainer.D)
    trainer.D.train()
    with eval_mode(trainer.G):
        return trainer.train_D(steps)


def fresh_D(trainer, fourier=1.0, lr_D=1e-3, m=500, seed=0):
    """Replace the trainer's D by a new maxout D of the run's size whose input goes first
    through Fourier features of scale ``fourier`` (``mixtures.D_2d``), to be trained by
    :func:`refine_D` at the constant rate ``lr_D`` on minibatches of ``m``; the run's spec
    and recipe say so (a fresh D needs a larger rate than the end of a falling schedule)."""
    from dataclasses import replace
    from ganbook.chapters import mixtures as M
    spec = trainer.run.spec
    torch.manual_seed(seed)
    trainer.model.D = M.D_2d(hidden=spec["hidden_D"], layers=spec.get("layers_D", 3), fourier=fourier)
    trainer.run.spec = {**spec, "fourier": fourier}
    trainer.run.recipe = replace(trainer.recipe, lr_D=lr_D, m=m, lr_decay=1.0)
    trainer.updates = 0
    trainer._build()
    return trainer


@torch.no_grad()
def logits(D, x, batch=10000):
    """a(x), D's logit, for each row of x (in batches, D in eval mode)."""
    _check_D(D)
    with eval_mode(D):
        return torch.cat([D(x[i:i + batch]).reshape(-1) for i in range(0, len(x), batch)])


@torch.no_grad()
def contrast(D, means, r, directions=16):
    """How sharply D's logit falls off a mode: the mean over the modes mu_i of
    a(mu_i) - a(mu_i + r u), u over ``directions`` unit vectors -- the log of the factor by
    which rejection keeps a draw on a mode rather than one r away (e^contrast)."""
    means = torch.as_tensor(means, dtype=torch.float32)
    t = 2 * torch.pi * torch.arange(directions) / directions
    u = torch.stack([t.cos(), t.sin()], 1)
    off = logits(D, (means[:, None] + r * u).reshape(-1, 2)).reshape(len(means), directions)
    return float((logits(D, means)[:, None] - off).mean())


@torch.no_grad()
def sample(model, n, generator=None, reference=10000, chunk=10000, max_draws=5_000_000, ceiling=1.0):
    """n draws of G kept with probability min(1, exp(a(x) - a_max)) (see the module doc),
    a_max the ``ceiling`` quantile of the logits of ``reference`` draws: 1 (their largest) is
    the exact rule; below 1, the draws of the highest p_data / p_g are all kept but not
    enough of them, for far fewer draws (DRS's shift gamma does the same); returns
    (samples, {'acceptance', 'drawn', 'a_max'})."""
    a_max = torch.quantile(logits(model.D, model.sample(reference, generator)), ceiling)
    kept, got, drawn = [], 0, 0
    while got < n:
        if drawn >= max_draws:
            raise RuntimeError(f"only {got} of {n} samples kept in {drawn:,} draws of G: D rejects "
                               "nearly all of them; refine D for fewer steps, or train G longer")
        x = model.sample(chunk, generator)
        keep = torch.rand(chunk, generator=generator) < torch.exp(logits(model.D, x) - a_max)
        kept.append(x[keep])
        got, drawn = got + int(keep.sum()), drawn + chunk
    return torch.cat(kept)[:n], {"acceptance": got / drawn, "drawn": drawn, "a_max": float(a_max)}


def folder(base, fourier=None):
    """Where the rejection row of the run folder ``base`` (.../<variant>/seedS) goes:
    .../<variant>+rejection/seedS, or <variant>+fourier_rejection with a fresh D."""
    base = Path(base)
    return base.parent.parent / f"{base.parent.name}+{'fourier_' if fourier else ''}rejection" / base.name


def run(base, steps=5000, checks=5, out=None, n=2500, seed=0, fourier=None, lr_D=1e-3, m=500, ceiling=1.0):
    """The row '<variant>+rejection' of the finished run at ``base`` (a run folder of
    :mod:`ganbook.chapters.mixture_runs` with kept weights): D refined ``steps`` updates, measured
    (n kept samples) before refining and ``checks`` times while refining; writes result.json,
    samples.npz and model.safetensors (G as trained, D refined) to ``out`` (default:
    :func:`folder`).  With ``fourier`` (a scale): the row '<variant>+fourier_rejection', D
    replaced by :func:`fresh_D` (``lr_D``, ``m``) before it is trained.  ``ceiling``: of
    :func:`sample` (1, the exact rule, unless given; recorded when not 1)."""
    from ganbook.chapters import mixture_runs as R
    base = Path(base)
    T = R.load_model(base)
    r = json.loads((base / "result.json").read_text())
    refine = {"D": "as trained", **{k: T.recipe.to_dict()[k] for k in ("lr_D", "lr_decay", "lr_min", "m")}}
    if fourier:
        fresh_D(T, fourier, lr_D, m, seed=r["seed"])
        refine = {"D": "fresh", "fourier": fourier, "lr_D": lr_D, "m": m}
    if ceiling != 1.0:
        refine["ceiling"] = ceiling
    t0, rows, kept = time.perf_counter(), [], None
    for s in [0] + [round(steps * (i + 1) / checks) for i in range(checks)]:
        if s:
            refine_D(T, s - rows[-1]["refine_steps"])
        kept, st = sample(T.model, n, torch.Generator().manual_seed(seed), ceiling=ceiling)
        rows.append({"refine_steps": s, **R.as_json(of_mixture(kept, T.run.p_data)), **st})
    res = {**{k: r[k] for k in ("mixture", "seed", "iterations", "n_measure", "recipe")},
           "spec": T.run.spec, "variant": folder(base, fourier).parent.name, "base": str(base),
           "refine_steps": steps, "refine": refine,
           "train_minutes": r["train_minutes"] + (time.perf_counter() - t0) / 60,
           "final": {"iteration": r["iterations"], **{k: rows[-1][k] for k in ("modes", "high_quality",
                                                                                "reverse_kl")}},
           "rejection_checks": rows}
    res["checks"] = [res["final"]]
    return R.write(Path(out) if out else folder(base, fourier), res, {f"it{r['iterations']}": kept[:R.KEEP].numpy()},
                   T.model)
