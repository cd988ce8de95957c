"""A run's hyper-parameters (:class:`Recipe`) and the optimisers they build (:class:`Optimizers`).

The defaults are the authors' MNIST recipe (goodfeli/adversarial ``mnist.yaml``): minibatch
m = 100, SGD with momentum, lr 0.1 divided by 1.000004 after every update (never below
1e-6), momentum rising linearly from 0.5 at epoch 1 to 0.7 at epoch 250.  Other models
set what their papers use: WGAN RMSprop 5e-5 (Arjovsky et al. 2017), WGAN-GP Adam 1e-4,
betas (0.5, 0.9) (Gulrajani et al. 2017).  One flat record, so ``config.json`` and the
checkpoint hold the same dict.
"""
import math
from dataclasses import asdict, dataclass, fields

import torch

OBJECTIVES = ("minimax", "wgan", "wgan_gp", "least_squares", "vae", "classifier", "pixelcnn")
OPTIMIZERS = ("sgd", "adam", "rmsprop")


@dataclass
class Recipe:
    objective: str = "minimax"      # what one step optimises (ganbook.core.objectives, .steps)
    k: int = 1                      # D steps per G step (WGAN's n_critic)
    m: int = 100                    # minibatch size
    update: str = "simultaneous"    # the authors' update, or 'alternating' (Algorithm 1)
    g_loss: str = "non_saturating"  # minimax only: or 'saturating'
    real_label: float = 1.0         # minimax only: D's target on data (0.9: label smoothing)
    G_grad_dropout: bool = True     # G's gradient through D with dropout on (the authors';
                                    # False = their no_drop_in_d_for_g: D in eval mode)
    clip: float = 0.01              # wgan: D's weights clipped to [-clip, clip]
    gp_lambda: float = 10.0         # wgan_gp: weight of the gradient penalty
    optimizer: str = "sgd"          # 'sgd' (momentum), 'adam' or 'rmsprop'
    lr_D: float = 0.1               # D's (critic's) learning rate
    lr_G: float = 0.1               # G's learning rate
    lr: float = 1e-3                # single-net models (VAE, classifier)
    lr_decay: float = 1.000004      # lr <- lr / decay after every update ...
    lr_min: float = 1e-6            # ... never below this
    momentum: float = 0.5           # sgd: at epoch 1, rising linearly to
    final_momentum: float = 0.7     # this at epoch
    momentum_saturate: int = 250
    betas: tuple = (0.5, 0.999)     # adam only
    seed: int = 0
    epoch_size: int = 0             # iterations per epoch when p_data is a sampler
    G_ema: float = 0.0              # > 0: an average of G's weights kept beside G,
                                    # w_avg <- G_ema w_avg + (1 - G_ema) w after every step
                                    # (Yazici et al. 2019); it never feeds back into training

    def check(self, n_data=None):
        """Raise ValueError naming every bad field and what to use instead."""
        problems = []
        if self.objective not in OBJECTIVES:
            problems.append(f"objective={self.objective!r}: use one of {OBJECTIVES}")
        if self.k < 1:
            problems.append(f"k={self.k}: Algorithm 1 needs k >= 1 discriminator steps per generator step")
        if self.m < 1:
            problems.append(f"m={self.m}: the minibatch size must be >= 1")
        if n_data is not None and self.m > n_data:
            problems.append(f"m={self.m} is larger than the data set ({n_data} examples); use m <= {n_data}")
        for name in ("lr_D", "lr_G", "lr"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                problems.append(f"{name}={v}: learning rates must be positive and finite")
        if not 0.5 < self.real_label <= 1:
            problems.append(f"real_label={self.real_label}: must be in (0.5, 1]")
        if not self.clip > 0:
            problems.append(f"clip={self.clip}: the weight clip c must be > 0")
        if not self.gp_lambda >= 0:
            problems.append(f"gp_lambda={self.gp_lambda}: the penalty weight must be >= 0")
        if not 0 <= self.G_ema < 1:
            problems.append(f"G_ema={self.G_ema}: the average's decay must be in [0, 1) (0: none; 0.999 is usual)")
        if self.lr_decay < 1:
            problems.append(f"lr_decay={self.lr_decay}: must be >= 1 (lr is divided by it)")
        for name in ("momentum", "final_momentum"):
            if not 0 <= getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)}: momentum must be in [0, 1)")
        if self.update not in ("simultaneous", "alternating"):
            problems.append(f"update={self.update!r}: use 'simultaneous' or 'alternating'")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer={self.optimizer!r}: use one of {OPTIMIZERS}")
        if self.g_loss not in ("non_saturating", "saturating"):
            problems.append(f"g_loss={self.g_loss!r}: use 'non_saturating' or 'saturating'")
        if problems:
            raise ValueError("bad recipe: " + "; ".join(problems))
        return self

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown recipe fields {unknown}; known: {sorted(names)}")
        d = dict(d)
        if "betas" in d:
            d["betas"] = tuple(d["betas"])
        return cls(**d)

    def to_dict(self):
        return asdict(self)


class Optimizers:
    """One optimiser per named net, built from the recipe, with the recipe's schedule.

    ``lr(name)``: ``lr_D`` for 'D', ``lr_G`` for 'G', ``lr`` for any other net.  Schedule,
    set before every step from the counters: lr_t = max(lr_0 / lr_decay^updates, lr_min)
    (every optimiser); sgd's momentum rises linearly over epochs 1..momentum_saturate.
    """

    def __init__(self, nets, recipe):
        self.recipe, self.opt = recipe, {}
        for name, net in nets.items():
            params, lr = net.parameters(), self.lr0(name)
            if recipe.optimizer == "adam":
                self.opt[name] = torch.optim.Adam(params, lr=lr, betas=tuple(recipe.betas))
            elif recipe.optimizer == "rmsprop":
                self.opt[name] = torch.optim.RMSprop(params, lr=lr)
            else:
                self.opt[name] = torch.optim.SGD(params, lr=lr, momentum=recipe.momentum)

    def lr0(self, name):
        r = self.recipe
        return {"D": r.lr_D, "G": r.lr_G}.get(name, r.lr)

    def __getitem__(self, name):
        return self.opt[name]

    def set_schedule(self, updates, epoch):
        r = self.recipe
        decay = math.exp(-updates * math.log(r.lr_decay))        # 1 / lr_decay^updates
        e = min(max(epoch + 1, 1.0), r.momentum_saturate)        # epochs count from 1
        frac = (e - 1) / max(r.momentum_saturate - 1, 1)
        mom = r.momentum + frac * (r.final_momentum - r.momentum)
        for name, opt in self.opt.items():
            for g in opt.param_groups:
                g["lr"] = max(self.lr0(name) * decay, r.lr_min)
                if r.optimizer == "sgd":
                    g["momentum"] = mom

    def state_dict(self):
        return {name: opt.state_dict() for name, opt in self.opt.items()}

    def load_state_dict(self, state):
        if set(state) != set(self.opt):
            raise ValueError(f"optimisers {sorted(state)} in the checkpoint, {sorted(self.opt)} here")
        for name, opt in self.opt.items():
            opt.load_state_dict(state[name])
