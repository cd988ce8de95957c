"""Algorithm 1 of the paper: the one trainer of the book.

    for number of training iterations:
        for k steps:
            sample {z_1..z_m} ~ p_g(z), {x_1..x_m} ~ p_data(x)
            ascend  grad_theta_d 1/m sum [log D(x_i) + log(1 - D(G(z_i)))]
        sample {z_1..z_m} ~ p_g(z)
        descend grad_theta_g 1/m sum log(1 - D(G(z_i)))        ('saturating')
           or   ascend  grad_theta_g 1/m sum log D(G(z_i))     ('non_saturating', Sec. 3)

D's loss is the authors' ``d_obj = 1/2 [BCE(1, D(x)) + BCE(0, D(G(z)))]``.
``update='alternating'`` is Algorithm 1 as printed; ``update='simultaneous'`` is what
the authors' code (AdversaryCost2) ran: D and G gradients from the same minibatch and
the same D, applied together (with k > 1, the first k - 1 D steps run alone).

Every chapter trains through :class:`Trainer`: the 1-D toy, MNIST and the faces.
"""
import math
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from .files import atomic_write_text, load_torch, save_torch


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class Recipe:
    """Hyper-parameters; defaults are the authors' MNIST recipe (mnist.yaml)."""
    k: int = 1                      # D steps per G step
    m: int = 100                    # minibatch size
    lr_D: float = 0.1
    lr_G: float = 0.1
    lr_decay: float = 1.000004      # lr <- lr / decay after every update ...
    lr_min: float = 1e-6            # ... never below this
    momentum: float = 0.5           # at epoch 1, rising linearly to
    final_momentum: float = 0.7     # this at epoch
    momentum_saturate: int = 250
    update: str = "simultaneous"    # or 'alternating'
    g_loss: str = "non_saturating"  # or 'saturating'
    real_label: float = 1.0         # D's target on data; 0.9 = one-sided label smoothing
    optimizer: str = "sgd"          # the paper's momentum SGD, or 'adam' (betas below)
    betas: tuple = (0.5, 0.999)     # Adam only; lr_D/lr_G are then Adam's step sizes
    seed: int = 0
    epoch_size: int = 0             # iterations per epoch when p_data is a sampler

    def check(self, n_data=None):
        problems = []
        if self.k < 1:
            problems.append(f"k={self.k}: Algorithm 1 needs k >= 1 discriminator steps per generator step")
        if self.m < 1:
            problems.append(f"m={self.m}: the minibatch size must be >= 1")
        if n_data is not None and self.m > n_data:
            problems.append(f"m={self.m} is larger than the data set ({n_data} examples); use m <= {n_data}")
        for name in ("lr_D", "lr_G"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                problems.append(f"{name}={v}: learning rates must be positive and finite")
        if not 0.5 < self.real_label <= 1:
            problems.append(f"real_label={self.real_label}: must be in (0.5, 1]")
        if self.lr_decay < 1:
            problems.append(f"lr_decay={self.lr_decay}: must be >= 1 (lr is divided by it)")
        for name in ("momentum", "final_momentum"):
            if not 0 <= getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)}: momentum must be in [0, 1)")
        if self.update not in ("simultaneous", "alternating"):
            problems.append(f"update={self.update!r}: use 'simultaneous' or 'alternating'")
        if self.optimizer not in ("sgd", "adam"):
            problems.append(f"optimizer={self.optimizer!r}: use 'sgd' or 'adam'")
        if self.g_loss not in ("non_saturating", "saturating"):
            problems.append(f"g_loss={self.g_loss!r}: use 'non_saturating' or 'saturating'")
        if problems:
            raise ValueError("bad recipe: " + "; ".join(problems))
        return self

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in names}
        if "betas" in d:
            d["betas"] = tuple(d["betas"])
        return cls(**d)


def d_loss(logit_real, logit_fake, real_label=1.0):
    """1/2 [ -log D(x) - log(1 - D(G(z))) ], with D = sigmoid(logit).

    With ``real_label`` a < 1 the data term is BCE(a, D(x)) (one-sided label smoothing,
    Salimans et al. 2016): D* becomes a p_data / (p_data + p_g), never certain on data.
    """
    real = F.softplus(-logit_real).mean()
    if real_label != 1.0:
        real = real_label * real + (1 - real_label) * F.softplus(logit_real).mean()
    return 0.5 * (real + F.softplus(logit_fake).mean())


def g_loss(logit_fake, kind="non_saturating"):
    """'non_saturating': -log D(G(z)); 'saturating': log(1 - D(G(z))) (minimised by G)."""
    if kind == "non_saturating":
        return F.softplus(-logit_fake).mean()
    return -F.softplus(logit_fake).mean()


class Trainer:
    """Trains G against D on ``p_data`` (a tensor (N, d) or a sampler ``f(m, generator)``).

    ``noise(n, generator)`` samples p_z.  State (nets, optimisers, schedule, data
    order, every RNG) is saved by :meth:`save` and restored by :meth:`load`, so an
    interrupted and resumed run equals an uninterrupted one.
    """

    def __init__(self, G, D, p_data, noise, recipe=None, out=None):
        self.G, self.D, self.noise = G, D, noise
        self.recipe = (recipe or Recipe())
        self.p_data = p_data
        self.dataset = torch.is_tensor(p_data)
        if not self.dataset and not callable(p_data):
            raise TypeError("p_data must be a tensor of examples (N, d) or a sampler f(m, generator)")
        self.recipe.check(len(p_data) if self.dataset else None)
        if not self.dataset and self.recipe.epoch_size < 1:
            self.recipe.epoch_size = 100
        self.out = Path(out) if out is not None else None
        self.gen = torch.Generator().manual_seed(self.recipe.seed)
        self.dropout_rng = torch.Generator().manual_seed(self.recipe.seed + 1)  # for D's dropout
        r = self.recipe
        if r.optimizer == "adam":
            self.opt_D = torch.optim.Adam(D.parameters(), lr=r.lr_D, betas=tuple(r.betas))
            self.opt_G = torch.optim.Adam(G.parameters(), lr=r.lr_G, betas=tuple(r.betas))
        else:
            self.opt_D = torch.optim.SGD(D.parameters(), lr=r.lr_D, momentum=r.momentum)
            self.opt_G = torch.optim.SGD(G.parameters(), lr=r.lr_G, momentum=r.momentum)
        self.iteration = 0    # outer iterations of Algorithm 1 (G updates)
        self.updates = 0      # parameter updates of D (schedules count these)
        self.seen = 0         # examples drawn from p_data
        self.wall = 0.0       # training seconds, accumulated over resumes
        self.history = []     # rows of logged means
        self._perm, self._pos = None, 0
        self._acc, self._acc_n = None, 0

    # -- sampling ------------------------------------------------------------
    @property
    def epoch(self):
        """Epochs done (float): passes over the data, or iterations / epoch_size."""
        if self.dataset:
            return self.seen / len(self.p_data)
        return self.iteration / self.recipe.epoch_size

    def sample_x(self):
        m = self.recipe.m
        self.seen += m
        if not self.dataset:
            return self.p_data(m, self.gen)
        if self._perm is None or self._pos + m > len(self._perm):
            self._perm, self._pos = torch.randperm(len(self.p_data), generator=self.gen), 0
        idx = self._perm[self._pos:self._pos + m]
        self._pos += m
        return self.p_data[idx]

    def sample_z(self, n=None):
        return self.noise(n or self.recipe.m, self.gen)

    # -- schedule --------------------------------------------------------------
    def _set_schedule(self):
        r = self.recipe
        decay = math.exp(-self.updates * math.log(r.lr_decay))   # 1 / lr_decay^updates
        e = min(max(self.epoch + 1, 1.0), r.momentum_saturate)   # epochs count from 1
        frac = (e - 1) / max(r.momentum_saturate - 1, 1)
        mom = r.momentum + frac * (r.final_momentum - r.momentum)
        for opt, lr0 in ((self.opt_D, r.lr_D), (self.opt_G, r.lr_G)):
            for g in opt.param_groups:
                g["lr"] = max(lr0 * decay, r.lr_min)
                if r.optimizer == "sgd":
                    g["momentum"] = mom

    # -- one iteration of Algorithm 1 -------------------------------------------
    def _D_only_step(self):
        x = self.sample_x()
        with torch.no_grad():
            fake = self.G(self.sample_z())
        lr, lf = self._D_both(x, fake)
        loss = d_loss(lr, lf, self.recipe.real_label)
        self.opt_D.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_D.step()
        self.updates += 1
        return loss.detach(), lr.detach(), lf.detach()

    def _D_both(self, x, fake):
        """D on data and samples in one pass: one matmul of 2m rows per layer is faster on
        a CPU than two of m; dropout masks are drawn per row, so nothing else changes."""
        logits = self.D(torch.cat([x, fake]))
        return logits[:len(x)], logits[len(x):]

    @staticmethod
    def _grads_into(net, loss, retain=False):
        """Set ``net``'s .grad to d loss / d params only: autograd skips the other net's
        weight gradients, which the update does not use."""
        params = list(net.parameters())
        for p, g in zip(params, torch.autograd.grad(loss, params, retain_graph=retain)):
            p.grad = g

    def _G_grads(self, logit_fake, retain=False):
        loss = g_loss(logit_fake, self.recipe.g_loss)
        self._grads_into(self.G, loss, retain)
        return loss.detach()

    def step(self):
        """One outer iteration: k D updates and one G update."""
        r = self.recipe
        self._set_schedule()
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.dropout_rng.get_state())
            for _ in range(r.k - 1):
                self._D_only_step()
            if r.update == "alternating":
                ld, lr, lf = self._D_only_step()
                lf_g = self.D(self.G(self.sample_z()))
                lg = self._G_grads(lf_g)
            else:  # the authors' simultaneous update: one minibatch, one D, both gradients
                x, fake = self.sample_x(), self.G(self.sample_z())
                lr, lf = self._D_both(x, fake)
                lg = self._G_grads(lf, retain=True)
                ld = d_loss(lr, lf, self.recipe.real_label)
                self._grads_into(self.D, ld)
                self.opt_D.step()
                self.updates += 1
                ld, lr, lf = ld.detach(), lr.detach(), lf.detach()
            self.opt_G.step()
            self.dropout_rng.set_state(torch.get_rng_state())
        self.iteration += 1
        stats = torch.stack([ld, lg, torch.sigmoid(lr).mean(), torch.sigmoid(lf).mean()])
        if not torch.isfinite(stats).all():
            raise TrainingDiverged(
                f"loss became {stats[:2].tolist()} at iteration {self.iteration}: training "
                "diverged (try a smaller learning rate); the last good checkpoint is kept")
        self._acc = stats if self._acc is None else self._acc + stats
        self._acc_n += 1
        return stats

    # -- the two halves of an iteration, run alone (Figure 1b and 1c) -------------
    def train_D(self, steps):
        """``steps`` updates of D with G frozen: Algorithm 1's inner loop, run long.

        By Proposition 1 D then tends to D*_G(x) = p_data(x) / (p_data(x) + p_g(x)).
        Counts D updates (``updates``), not iterations.  Returns D's last loss.
        """
        loss = None
        self._set_schedule()
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.dropout_rng.get_state())
            for _ in range(steps):
                loss = self._D_only_step()[0]
            self.dropout_rng.set_state(torch.get_rng_state())
        return loss

    def train_G(self, steps):
        """``steps`` updates of G against a frozen D, with the recipe's G loss.

        D's parameters get no gradient; ``iteration`` is not advanced (no D steps
        were taken).  Returns G's last loss.
        """
        loss = None
        self._set_schedule()
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.dropout_rng.get_state())
            for _ in range(steps):
                loss = self._G_grads(self.D(self.G(self.sample_z())))
                self.opt_G.step()
            self.dropout_rng.set_state(torch.get_rng_state())
        return loss

    def log_row(self, **extra):
        """Average the stats since the last row into ``history`` (and the CSV in ``out``)."""
        if self._acc is None and not extra:
            return None
        row = {"iteration": self.iteration, "epoch": round(self.epoch, 4),
               "wall": round(self.wall, 3)}
        if self._acc is not None:
            a = (self._acc / self._acc_n).tolist()
            row.update(loss_D=a[0], loss_G=a[1], D_x=a[2], D_G_z=a[3])
        row.update(extra)
        self._acc, self._acc_n = None, 0
        self.history.append(row)
        return row

    # -- the loop ------------------------------------------------------------------
    def train(self, iterations=None, epochs=None, minutes=None, log_every=100,
              on_epoch=(), progress=True, checkpoint=True):
        """Run until ``iterations`` more, ``epochs`` (total) or ``minutes`` more are done.

        A row of means is logged every ``log_every`` iterations (counted over resumes,
        so a resumed run logs exactly the rows of an uninterrupted one).

        ``on_epoch`` callbacks get the trainer after each whole epoch; they may add
        fields with ``trainer.log_row(...)``.  With ``out`` set, a checkpoint and the
        metrics CSV are written atomically after each epoch and at the end.
        """
        if iterations is None and epochs is None and minutes is None:
            raise ValueError("say how long to train: iterations=, epochs= or minutes=")
        from tqdm.auto import tqdm
        stop_it = self.iteration + iterations if iterations is not None else math.inf
        deadline = self.wall + 60 * minutes if minutes is not None else math.inf
        total = iterations if iterations is not None else None
        bar = tqdm(total=total, disable=not progress, desc="Algorithm 1", leave=False)
        t0, wall0 = time.perf_counter(), self.wall
        shown = {}   # the progress bar's postfix: last logged means, last valid Parzen
        try:
            while self.iteration < stop_it and self.wall < deadline and \
                    (epochs is None or self.epoch < epochs):
                before = int(self.epoch)
                self.step()
                self.wall = wall0 + time.perf_counter() - t0
                bar.update(1)
                if self.iteration % log_every == 0:
                    row = self.log_row()
                    shown.update({k: f"{v:.3g}" for k, v in row.items()
                                  if k in ("loss_D", "loss_G", "D_x", "D_G_z")})
                    bar.set_postfix(shown)
                if int(self.epoch) > before:
                    for cb in on_epoch:
                        cb(self)
                    if self.history and "valid_parzen" in self.history[-1]:
                        shown["valid_parzen"] = f"{self.history[-1]['valid_parzen']:.1f}"
                        bar.set_postfix(shown)
                    if checkpoint and self.out is not None:
                        self.save()
        finally:
            bar.close()
        if checkpoint and self.out is not None:
            self.save()
        return self.history

    # -- persistence -------------------------------------------------------------------
    def state_dict(self):
        return {
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            "recipe": asdict(self.recipe),
            "counters": {"iteration": self.iteration, "updates": self.updates,
                         "seen": self.seen, "wall": self.wall, "pos": self._pos},
            "perm": self._perm if self._perm is not None else torch.empty(0, dtype=torch.long),
            "gen": self.gen.get_state(), "dropout_rng": self.dropout_rng.get_state(),
            "history": self.history,
            "acc": self._acc if self._acc is not None else torch.empty(0), "acc_n": self._acc_n,
        }

    def load_state_dict(self, s):
        self.G.load_state_dict(s["G"])
        self.D.load_state_dict(s["D"])
        self.opt_G.load_state_dict(s["opt_G"])
        self.opt_D.load_state_dict(s["opt_D"])
        self.recipe = Recipe.from_dict(s["recipe"])
        c = s["counters"]
        self.iteration, self.updates, self.seen, self.wall = (
            c["iteration"], c["updates"], c["seen"], c["wall"])
        self._pos = c["pos"]
        self._perm = s["perm"] if len(s["perm"]) else None
        self.gen.set_state(s["gen"])
        self.dropout_rng.set_state(s["dropout_rng"])
        self.history = list(s["history"])
        self._acc = s["acc"] if len(s["acc"]) else None
        self._acc_n = s["acc_n"]

    def save(self, path=None):
        path = Path(path) if path is not None else Path(self.out) / "checkpoint.pt"
        save_torch(self.state_dict(), path)
        if self.history and path.parent.exists():
            keys = list(dict.fromkeys(k for row in self.history for k in row))
            lines = [",".join(keys)] + [",".join(str(r.get(k, "")) for k in keys) for r in self.history]
            atomic_write_text(path.parent / "metrics.csv", "\n".join(lines) + "\n")
        return path

    def load(self, path=None):
        path = Path(path) if path is not None else Path(self.out) / "checkpoint.pt"
        self.load_state_dict(load_torch(path))
        return self
