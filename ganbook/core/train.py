"""The one training loop of the book: budget, step, log, checkpoint.

    while the budget lasts:
        set the schedule (lr, momentum) from the counters
        stats = step(trainer)              # what one step does: ganbook.core.steps
        every log_every steps: a row of the stats' means
        after each epoch and every ``every`` steps: callbacks -> extra fields of a row
        after each epoch: an atomic checkpoint, then metrics.csv

The loop knows nothing of Parzen, sigmoid outputs or the paper's schedule: the step
(chosen by ``recipe.objective``) returns a dict of statistics, callbacks return dicts of
extra fields, and :class:`~ganbook.core.recipe.Optimizers` applies the schedule.  A run is a
value (:class:`Run`): model, data, recipe, output folder and the spec it was built from;
``config.json`` is written from the same dict the checkpoint holds.  Every RNG is saved,
so an interrupted and resumed run equals an uninterrupted one bit for bit.
"""
import copy
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ganbook.core import checkpoint
from ganbook.core.recipe import Optimizers, Recipe
from ganbook.core.steps import StopTraining, TrainingDiverged, make_step

__all__ = ["Run", "Trainer", "Recipe", "StopTraining", "TrainingDiverged"]


@dataclass
class Run:
    """What is trained, on what, how, and where: ``p_data`` is a tensor of examples, a tuple
    of tensors (examples, labels), or a sampler ``f(m, generator)``; ``spec`` says how the
    model was built (data set, architecture, ...), so a checkpoint can be matched to it.
    ``log``: what the callbacks that shape metrics.csv were told (how often they measure),
    saved beside the recipe (config.json's "log") and kept from a resumed checkpoint; None
    (no section) in runs made before it existed.  A checkpoint is matched without it."""
    model: torch.nn.Module
    p_data: object
    recipe: Recipe = field(default_factory=Recipe)
    out: Path = None
    spec: dict = field(default_factory=dict)
    valid: object = None
    test: object = None
    log: dict = None

    def config(self):
        return {"spec": self.spec, "model": self.model.config(), "recipe": self.recipe.to_dict(),
                **({"log": dict(self.log)} if self.log is not None else {})}


class Trainer:
    """Trains ``run.model`` by the step its recipe names; see the module docstring."""

    def __init__(self, run, device=None):
        self.run = run
        self.device = torch.device(device or "cpu")   # another device: exploratory runs only
        run.model.to(self.device)                     # (the stored results are CPU runs)
        data = run.p_data
        self.dataset = torch.is_tensor(data) or isinstance(data, tuple)
        if not self.dataset and not callable(data):
            raise TypeError("p_data must be a tensor of examples (N, d), a tuple (examples, labels) "
                            "or a sampler f(m, generator)")
        self._n = len(data[0] if isinstance(data, tuple) else data) if self.dataset else None
        run.recipe.check(self._n)
        if not self.dataset and run.recipe.epoch_size < 1:
            run.recipe.epoch_size = 100
        self.run.out = Path(run.out) if run.out is not None else None
        self._build()
        self.iteration = 0    # steps taken (Algorithm 1: G updates)
        self.updates = 0      # parameter updates the schedule counts (D's, for a GAN)
        self.seen = 0         # examples drawn from p_data
        self.wall = 0.0       # training seconds, accumulated over resumes
        self.history = []     # logged rows
        self.stopped = None   # why a callback stopped the run, if one did
        self._perm, self._pos = None, 0
        self._acc, self._acc_n = {}, 0

    def _build(self):
        r = self.recipe
        self.step_fn = make_step(self.model, r)
        self.opt = Optimizers(self.model.nets(), r)
        self.gen = torch.Generator().manual_seed(r.seed)            # data order, z, eps
        self.torch_rng = torch.Generator().manual_seed(r.seed + 1)  # global RNG: dropout
        # An exponential moving average of G's weights (recipe.G_ema > 0): a copy of G that
        # follows it and never feeds back into training; sampled as its own model.
        self.G_avg = copy.deepcopy(self.model.G).requires_grad_(False) if r.G_ema > 0 else None

    @torch.no_grad()
    def _average(self):
        beta = self.recipe.G_ema
        for a, w in zip(self.G_avg.state_dict().values(), self.model.G.state_dict().values()):
            if a.is_floating_point():
                a.mul_(beta).add_(w, alpha=1 - beta)
            else:
                a.copy_(w)

    def averaged_model(self):
        """The model with G replaced by its running average (None without ``G_ema``)."""
        if self.G_avg is None:
            return None
        from ganbook.core.models import GAN
        return GAN(self.G_avg, None, self.model.p_z)

    # -- the run's parts ------------------------------------------------------------------
    model = property(lambda self: self.run.model)
    recipe = property(lambda self: self.run.recipe)
    out = property(lambda self: self.run.out)
    p_data = property(lambda self: self.run.p_data)
    G = property(lambda self: self.run.model.G)          # shortcuts for GAN runs
    D = property(lambda self: self.run.model.D)
    p_z = property(lambda self: self.run.model.p_z)

    @property
    def epoch(self):
        """Epochs done (float): passes over the data, or iterations / epoch_size."""
        if self.dataset:
            return self.seen / self._n
        return self.iteration / self.recipe.epoch_size

    def sample_x(self):
        """The next minibatch of p_data: a shuffled pass per epoch, or the sampler's draw."""
        m, data = self.recipe.m, self.p_data
        self.seen += m
        if not self.dataset:
            return data(m, self.gen)
        if self._perm is None or self._pos + m > len(self._perm):
            self._perm, self._pos = torch.randperm(self._n, generator=self.gen), 0
        idx = self._perm[self._pos:self._pos + m]
        self._pos += m
        if isinstance(data, tuple):
            return tuple(d[idx].to(self.device) for d in data)
        return data[idx].to(self.device)

    def sample_z(self, n=None):
        return self.model.sample_z(n or self.recipe.m, self.gen).to(self.device)

    @contextmanager
    def rng(self):
        """Run code on the trainer's own global-RNG stream (dropout), saved with the run."""
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.torch_rng.get_state())
            yield
            self.torch_rng.set_state(torch.get_rng_state())

    # -- one step ---------------------------------------------------------------------------
    def step(self):
        """One step of the recipe's objective; returns its statistics (a dict)."""
        self.opt.set_schedule(self.updates, self.epoch)
        with self.rng():
            stats = self.step_fn(self)
        if self.G_avg is not None:
            self._average()
        checkpoint.fault("step")
        self.iteration += 1
        for k, v in stats.items():
            self._acc[k] = v if k not in self._acc else self._acc[k] + v
        self._acc_n += 1
        return stats

    def train_D(self, steps):
        """``steps`` updates of D alone, G frozen (GAN runs): Algorithm 1's inner loop run
        long, so D tends to D*_G = p_data / (p_data + p_g) (Prop. 1).  Returns the last loss."""
        self.opt.set_schedule(self.updates, self.epoch)
        with self.rng():
            return self.step_fn.train_D(self, steps)

    def train_G(self, steps):
        """``steps`` updates of G against a frozen D (GAN runs); ``iteration`` stays."""
        self.opt.set_schedule(self.updates, self.epoch)
        with self.rng():
            return self.step_fn.train_G(self, steps)

    def log_row(self, **extra):
        """Average the stats since the last row into ``history``, with ``extra`` fields."""
        if not self._acc and not extra:
            return None
        row = {"iteration": self.iteration, "epoch": round(self.epoch, 4), "wall": round(self.wall, 3)}
        row.update({k: (v / self._acc_n).item() for k, v in self._acc.items()})
        row.update(extra)
        self._acc, self._acc_n = {}, 0
        self.history.append(row)
        return row

    # -- the loop ---------------------------------------------------------------------------
    def train(self, iterations=None, epochs=None, minutes=None, log_every=100, on_epoch=(),
              every=(), progress=True, checkpoint=True, checkpoint_every=None):
        """Run until ``iterations`` more, ``epochs`` (total) or ``minutes`` more are done.

        ``on_epoch``: callbacks ``f(trainer) -> dict | None`` after each whole epoch;
        ``every``: pairs ``(n, f)``, f called every n steps.  A returned dict is logged as a
        row (with the stats' means so far); a callback may raise :class:`StopTraining`.
        Rows of means every ``log_every`` steps, counted over resumes, so a resumed run logs
        the rows of an uninterrupted one.  With ``out`` set: a checkpoint after each epoch,
        every ``checkpoint_every`` steps if given, and at the end.
        """
        if iterations is None and epochs is None and minutes is None:
            raise ValueError("say how long to train: iterations=, epochs= or minutes=")
        from tqdm.auto import tqdm
        stop_it = self.iteration + iterations if iterations is not None else math.inf
        deadline = self.wall + 60 * minutes if minutes is not None else math.inf
        bar = tqdm(total=iterations, disable=not progress, desc=self.recipe.objective, leave=False)
        t0, wall0 = time.perf_counter(), self.wall
        save = checkpoint and self.out is not None
        try:
            while self.iteration < stop_it and self.wall < deadline and \
                    (epochs is None or self.epoch < epochs):
                before = int(self.epoch)
                self.step()
                self.wall = wall0 + time.perf_counter() - t0
                bar.update(1)
                shown = []
                if self.iteration % log_every == 0:
                    shown.append(self.log_row())
                due = [f for n, f in every if self.iteration % n == 0]
                epoch_done = int(self.epoch) > before
                due += list(on_epoch) if epoch_done else []
                try:
                    for f in due:
                        extra = f(self)
                        if extra:
                            shown.append(self.log_row(**extra))
                finally:
                    if shown:
                        bar.set_postfix({k: f"{v:.3g}" if isinstance(v, float) else v
                                         for row in shown if row for k, v in row.items()
                                         if k not in ("iteration", "epoch", "wall")})
                    if save and (epoch_done or (checkpoint_every and self.iteration % checkpoint_every == 0)):
                        self.save()
        except StopTraining as e:
            self.stopped = str(e)
        finally:
            bar.close()
        if save:
            self.save()
        return self.history

    # -- persistence ----------------------------------------------------------------------------
    def state_dict(self):
        return {
            "config": self.run.config(),
            "model": self.model.state_dict(), "opt": self.opt.state_dict(),
            "counters": {"iteration": self.iteration, "updates": self.updates,
                         "seen": self.seen, "wall": self.wall, "pos": self._pos},
            "perm": self._perm if self._perm is not None else torch.empty(0, dtype=torch.long),
            "gen": self.gen.get_state(), "torch_rng": self.torch_rng.get_state(),
            "history": self.history, "acc": self._acc, "acc_n": self._acc_n,
            **({"G_avg": self.G_avg.state_dict()} if self.G_avg is not None else {}),
        }

    def load_state_dict(self, s, source="the checkpoint"):
        """Restore a run, the checkpoint's recipe included (optimisers rebuilt from it);
        a checkpoint of another model, spec or objective is refused, naming the mismatch."""
        checkpoint.check_matches(s, self.run.config(), self.model, source)
        self.run.recipe = Recipe.from_dict(s["config"]["recipe"])
        self.run.log = s["config"].get("log", self.run.log)
        self._build()
        self.model.load_state_dict(s["model"])
        self.opt.load_state_dict(s["opt"])
        c = s["counters"]
        self.iteration, self.updates, self.seen, self.wall, self._pos = (
            c["iteration"], c["updates"], c["seen"], c["wall"], c["pos"])
        self._perm = s["perm"] if len(s["perm"]) else None
        self.gen.set_state(s["gen"])
        self.torch_rng.set_state(s["torch_rng"])
        if self.G_avg is not None:
            if "G_avg" not in s:
                raise checkpoint.CheckpointError(f"{source} keeps no average of G although its recipe "
                                                 "asks for one (G_ema); it is damaged: train again")
            self.G_avg.load_state_dict(s["G_avg"])
        self.history = list(s["history"])
        self._acc, self._acc_n = dict(s["acc"]), s["acc_n"]

    def save(self, path=None):
        """Checkpoint, then config.json and metrics.csv beside it: each written atomically."""
        path = Path(path) if path is not None else self.out / "checkpoint.pt"
        checkpoint.save(self.state_dict(), path, self.iteration)
        checkpoint.write_config(path.parent, self.run.config())
        checkpoint.write_metrics(path.parent, self.history)
        return path

    def load(self, path=None):
        path = Path(path) if path is not None else self.out / "checkpoint.pt"
        self.load_state_dict(checkpoint.load(path), source=str(path))
        return self
