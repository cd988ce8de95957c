"""The 2-D mode-collapse benchmark: the variants of :mod:`ganbook.chapters.mixtures` on the ring and
the grid, several seeds each, one budget for all; a result file per run and a table of
mean ± standard error over seeds.

Protocol (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): after training, 2,500
samples of G give the measures of :func:`ganbook.chapters.mixtures.measures` -- modes covered, the
share of high-quality samples (within 3 sigma of their nearest mode) and the reverse KL of
the modes' histogram to uniform.  Over S seeds, mean ± standard error sd / sqrt(S).  The
setup (nets, optimiser, budget) is ours and stated in each result, because the literature's
numbers depend on theirs.

    python -m ganbook mixtures ring grid --variants gan pacgan4 --seeds 0-4 --iterations 20000
"""
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from ganbook.core.models import fixed_generator
from ganbook.chapters import mixtures as M
from ganbook.measures.modes import of_mixture
from ganbook.base.files import atomic_path, atomic_write_text, load_checked_tensors, save_tensors, sha256

CHECKS = 10          # measures (and kept samples, for the pictures) this many times per run
KEEP = 500           # samples kept per check

# PacGAN, Table 1 (10 trials each; cited, not measured): modes covered (mean, se) and the
# share of high-quality samples in % (nan where we do not quote it).
ANCHORS = {("ring", "GAN (PacGAN's Table 1)"): ((6.3, 0.5), (98.2, math.nan)),
           ("ring", "PacGAN4 (PacGAN's Table 1)"): ((7.8, 0.1), (math.nan, math.nan)),
           ("grid", "GAN (PacGAN's Table 1)"): ((17.3, 0.8), (94.8, math.nan)),
           ("grid", "PacGAN4 (PacGAN's Table 1)"): ((24.8, 0.2), (math.nan, math.nan))}


def folder(out, mixture, variant, seed):
    return Path(out) / mixture / variant / f"seed{seed}"


def run(mixture, variant, seed, iterations, out="runs/mixtures", n=2500, keep_weights=False, **build):
    """Train one (mixture, variant, seed) through the one loop, measuring CHECKS times;
    writes result.json and samples.npz (KEEP samples of G at each check, z fixed), and with
    ``keep_weights`` the model's tensors (model.safetensors, for :func:`load_model`).

    Resumable: after each check the whole state (trainer, checks, kept samples) goes to
    checkpoint.pt in the run's folder; the same call again goes on from it (a seed fixes the
    run, so the result is the one an unbroken run gives), and it is removed at the end."""
    from ganbook.core import checkpoint
    T = M.build(mixture, variant, seed=seed, **build)
    where = folder(out, mixture, variant, seed)
    every, ck = max(iterations // CHECKS, 1), where / "checkpoint.pt"
    checks, kept = [], {}
    if ck.exists():
        s = checkpoint.load(ck)
        if s["iterations"] != iterations:
            raise checkpoint.CheckpointError(
                f"{ck} belongs to a run of {s['iterations']:,} iterations, not {iterations:,}; "
                "resume it with --iterations " + str(s["iterations"]) + ", or delete it to start again")
        T.load_state_dict(s["trainer"], source=str(ck))
        checks, kept = s["checks"], {k: v.numpy() for k, v in s["kept"].items()}
    while T.iteration < iterations:
        T.train(iterations=min(every, iterations - T.iteration), log_every=every, progress=False,
                checkpoint=False)
        checks.append({"iteration": T.iteration, **as_json(M.evaluate(T, n))})
        kept[f"it{T.iteration}"] = T.model.sample(KEEP, fixed_generator("mixtures")).numpy()
        if T.iteration < iterations:
            where.mkdir(parents=True, exist_ok=True)
            checkpoint.save({"trainer": T.state_dict(), "iterations": iterations, "checks": checks,
                             "kept": {k: torch.from_numpy(v) for k, v in kept.items()}}, ck, T.iteration)
    res = {"mixture": mixture, "variant": variant, "seed": seed, "iterations": T.iteration,
           "n_measure": n, "train_minutes": T.wall / 60, "spec": T.run.spec,
           "recipe": T.recipe.to_dict(), "final": checks[-1], "checks": checks}
    res = write(where, res, kept, T.model if keep_weights else None)
    ck.unlink(missing_ok=True)
    return json.loads(json.dumps(res))          # as a reader of the file sees it


def as_json(measures):
    """Measures as a run's file holds them: the reverse KL, undefined (nan) when no sample
    is of high quality, as None."""
    return {**measures, "reverse_kl": None if math.isnan(measures["reverse_kl"]) else measures["reverse_kl"]}


def write(where, res, kept, model=None):
    """A run folder: samples.npz (``kept``, arrays by check), the model's tensors
    (model.safetensors, its SHA256 under "sha256" in result.json) if a model is given, then
    result.json -- each written atomically, the result last, so a folder with a result is whole.
    Returns the result as written."""
    with atomic_path(Path(where) / "samples.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **kept)
    if model is not None:
        save_tensors(model.state_dict(), Path(where) / "model.safetensors")
        res = {**res, "sha256": sha256(Path(where) / "model.safetensors")}
    atomic_write_text(Path(where) / "result.json", json.dumps(res, indent=1))
    return res


def load_model(run_folder):
    """A Trainer rebuilt from a finished run's result.json, its nets holding the run's final
    tensors (model.safetensors, written by ``run(..., keep_weights=True)``, checked against the
    SHA256 in result.json), in eval mode."""
    from ganbook.core.recipe import Recipe
    r = json.loads((Path(run_folder) / "result.json").read_text())
    tensors = Path(run_folder) / "model.safetensors"
    if not tensors.exists():
        raise FileNotFoundError(f"{run_folder} has no model.safetensors: its run kept no weights; "
                                "train it again with --keep-weights")
    if "sha256" not in r:
        raise ValueError(f"{run_folder}/result.json records no SHA256 of model.safetensors to check "
                         "it against: restore the folder from the repository, or train the run again")
    state = load_checked_tensors(tensors, r["sha256"], "result.json", "restore it from the repository")
    spec = {k: v for k, v in r["spec"].items() if k not in ("dataset", "variant")}
    T = M.build(r["mixture"], r["spec"]["variant"], seed=r["seed"], **spec)
    T.run.recipe = Recipe.from_dict(r["recipe"])
    T._build()
    T.model.load_state_dict(state)
    T.model.eval()
    return T


def run_many(mixtures, variants, seeds, iterations, out="runs/mixtures", say=print, **build):
    """Every (seed, mixture, variant), seed-major; finished runs (result.json) skipped, broken
    ones resumed from their checkpoint."""
    for seed in seeds:
        for mixture in mixtures:
            for variant in variants:
                if (folder(out, mixture, variant, seed) / "result.json").exists():
                    continue
                t0 = time.perf_counter()
                r = run(mixture, variant, seed, iterations, out, **build)
                say(f"{mixture} {variant} seed {seed}: {r['final']['modes']} modes, "
                    f"{100 * r['final']['high_quality']:.1f} % high quality, "
                    f"{time.perf_counter() - t0:.0f} s")


def _mean_se(v):
    v = np.asarray([math.nan if x is None else x for x in v], dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return math.nan, math.nan
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else math.nan


def summary(out="runs/mixtures"):
    """{(mixture, variant): {'runs', 'modes', 'high_quality', 'reverse_kl' (each (mean, se)),
    'all_modes' (every seed covered every mode), 'min_high_quality', 'iterations',
    'minutes'}} from the result files."""
    rows = {}
    for f in sorted(Path(out).glob("*/*/seed*/result.json")):
        r = json.loads(f.read_text())
        rows.setdefault((r["mixture"], r["variant"]), []).append(r)
    table = {}
    for key, rs in rows.items():
        fin = [r["final"] for r in rs]
        k = len(M.Mixture(key[0]).means)
        table[key] = {"runs": len(rs), "modes": _mean_se([f["modes"] for f in fin]),
                      "high_quality": _mean_se([100 * f["high_quality"] for f in fin]),
                      "reverse_kl": _mean_se([f["reverse_kl"] for f in fin]),
                      "all_modes": all(f["modes"] == k for f in fin),
                      "min_high_quality": 100 * min(f["high_quality"] for f in fin),
                      "iterations": sorted({r["iterations"] for r in rs}),
                      "minutes": float(np.mean([r["train_minutes"] for r in rs]))}
    order = list(M.VARIANTS)          # a row '<variant>+<filter>' (rejection) after its variant's

    def place(key):
        base = key[1].split("+")[0]
        return key[0] != "ring", order.index(base) if base in order else len(order), key[1] != base, key[1]
    return dict(sorted(table.items(), key=lambda kv: place(kv[0])))


def table(summary_, anchors=True):
    """The summary as markdown, the cited PacGAN rows under each mixture's measured ones."""
    def pm(ms, fmt="{:.1f}"):
        m, s = ms
        return "n/a" if math.isnan(m) else fmt.format(m) + ("" if math.isnan(s) else " ± " + fmt.format(s))
    lines = ["| data | variant | iterations | seeds | modes covered | high quality (%) | reverse KL | every seed all modes |",
             "|---|---|---|---|---|---|---|---|"]
    for mixture in ("ring", "grid"):
        for (mx, v), t in summary_.items():
            if mx == mixture:
                its = "/".join(f"{i:,}" for i in t["iterations"])
                lines.append(f"| {mx} | {v} | {its} | {t['runs']} | {pm(t['modes'])} | {pm(t['high_quality'])} | "
                             f"{pm(t['reverse_kl'], '{:.2f}')} | {'yes' if t['all_modes'] else 'no'} |")
        if anchors:
            for (mx, name), (modes, hq) in ANCHORS.items():
                if mx == mixture:
                    lines.append(f"| {mx} | {name} | | 10 (cited) | {pm(modes)} | {pm(hq)} | | |")
    return "\n".join(lines)


def _settings(c):
    """A config of the exploratory sweep in words: variant, nets, rates, schedule, batch."""
    b, k = c["build"], c["build"].get("k", 1)
    words = [c["variant"], f"nets {b.get('hidden_G', 400)}/{b.get('hidden_D', 200)}"]
    if "lr_D" in b or "lr_G" in b:
        words.append(f"lr D {b.get('lr_D', 1e-4):g}, G {b.get('lr_G', 1e-4):g}")
    if "lr_decay" in b:          # lr_t = max(lr_0 / lr_decay^t, lr_min) over t = k x iterations updates
        n, lr0 = k * c["iterations"], b.get("lr_D", 1e-4)
        fall = b["lr_decay"] ** n
        if lr0 / fall < b.get("lr_min", 0):
            fall, n = lr0 / b["lr_min"], math.log(lr0 / b["lr_min"]) / math.log(b["lr_decay"])
        words.append(f"lr falls {fall:.0f}x over {n / k:,.0f} iterations")
    words += [f"{key} {b[key]}" for key in ("k", "m", "betas", "batchnorm", "norm") if key in b]
    if b.get("prior") == "clusters":
        words.append(f"z in {b['clusters']} clusters (s {b['spread']}) in R^{b['d_z']}")
    return ", ".join(words)


def budget_table(path, mixture="grid"):
    """Markdown: the last check of each run of an exploratory sweep record (a JSON of
    'configs' and 'checks' rows, as runs/mixtures-budget/sweep.json), one line per setting,
    seeds side by side as 'seed: modes / high quality %' (a seed run twice, in two sweeps, is
    shown once: a seed fixes a run), sorted by the best high quality."""
    rec = json.loads(Path(path).read_text())
    last = {}
    for r in rec["checks"]:
        last[(r["sweep"], r["name"], r["mixture"], r["seed"])] = r
    lines = {}
    for c in rec["configs"]:
        r = last.get((c["sweep"], c["name"], c["mixture"], c["seed"]))
        if c["mixture"] != mixture or r is None:
            continue
        lines.setdefault((_settings(c), r["it"]), {})[c["seed"]] = r
    out = ["| settings | iterations | seed: modes / high quality (%) |", "|---|---|---|"]
    for (words, it), rs in sorted(lines.items(), key=lambda kv: -max(r["hq"] for r in kv[1].values())):
        out.append(f"| {words} | {it:,} | " + "; ".join(f"{s}: {r['modes']} / {r['hq']:.1f}"
                                                      for s, r in sorted(rs.items())) + " |")
    return "\n".join(out)


@torch.no_grad()
def minibatch_effect(run_folder, m=100, n=2500, seed=0):
    """The measures of one run's final G on the same n draws of z, in eval mode (running
    statistics: what the table reports) and in train mode on minibatches of m (batch
    statistics: the samples D is shown in training); with batch norm in G they differ,
    because each sample then depends on the others in its minibatch."""
    T = load_model(run_folder)
    mix, z = T.run.p_data, T.p_z(n, torch.Generator().manual_seed(seed))
    out = {"eval": of_mixture(T.G(z), mix)}
    T.G.train()
    out[f"train, m = {m}"] = of_mixture(torch.cat([T.G(z[i:i + m]) for i in range(0, n, m)]), mix)
    T.G.eval()
    return out
