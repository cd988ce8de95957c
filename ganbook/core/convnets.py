"""DCGAN (Radford, Metz & Chintala 2016) for the book's flat images: MNIST 28 x 28, faces 48 x 48.

The book's data are flat vectors in [0, 1] (784 or 2304 pixels), so G returns flat images
and D reshapes its input; everything else is the DCGAN recipe:

G: z -> Linear -> C x s x s (BatchNorm, ReLU) -> [ConvTranspose 4x4, stride 2 (doubles the
   side), BatchNorm, ReLU]* -> ConvTranspose 4x4 stride 2 to 1 channel -> sigmoid
   (DCGAN's tanh, for pixels in [-1, 1]; ours are in [0, 1]).
D: x -> [Conv 4x4 stride 2 (halves the side), (BatchNorm but on the first), LeakyReLU 0.2]*
   -> Linear -> one logit.  No pooling: the strided convolutions learn their own
   down-sampling, the transposed ones their up-sampling.
Weights N(0, 0.02), BatchNorm scales N(1, 0.02) (the paper's initialisation).

Sides: 28 = 7 * 2^2 (two up-sampling layers from 7 x 7), 48 = 6 * 2^3 (three from 6 x 6).
``width`` is the channel count of D's first layer and G's last hidden layer; each layer
towards z doubles it.
"""
import math

from torch import nn

# The book's DCGAN sizes, CPU-sized (DCGAN used width 128): width by image side, chosen so a
# run reaches good samples in about 30 minutes of one core (MNIST 6.7, faces 8.7 GFLOP a step).
WIDTH = {28: 32, 48: 16}
# Per net: keyword arguments of G and of D.  'dcgan-nobn': the run without any batch norm;
# 'dcgan-critic': D without batch norm (WGAN-GP's critic, Gulrajani et al. 2017 Sec. 4: the
# penalty is per example, which a batch-normalised critic breaks), G as DCGAN's.
ARCHS = {"dcgan": {}, "dcgan-nobn": {"G": {"batchnorm": False}, "D": {"batchnorm": False}},
         "dcgan-critic": {"D": {"batchnorm": False}}}
RECIPE = {"optimizer": "adam", "lr_D": 2e-4, "lr_G": 2e-4, "betas": (0.5, 0.999), "lr_decay": 1.0,
          "update": "alternating"}       # DCGAN's Adam 2e-4, beta1 0.5; Algorithm 1's update
START = {28: 7, 48: 6}                   # side of G's first feature map


def arch_kwargs(arch, side, net="G"):
    """The keyword arguments of :class:`DCGAN_G` (``net='G'``) or :class:`DCGAN_D` ('D')
    for ``arch`` at ``side``."""
    if arch not in ARCHS:
        raise ValueError(f"unknown DCGAN arch {arch!r}; use one of {sorted(ARCHS)}")
    if net not in ("G", "D"):
        raise ValueError(f"net={net!r}: use 'G' or 'D'")
    _layers(side)
    return {"width": WIDTH[side], **ARCHS[arch].get(net, {})}


def _layers(side):
    if side not in START:
        raise ValueError(f"DCGAN nets here are for square images of side {sorted(START)} "
                         f"(MNIST, faces), not {side}")
    return int(math.log2(side // START[side]))


def init_(module):
    """DCGAN's initialisation: conv and linear weights N(0, 0.02), biases 0; BatchNorm
    scale N(1, 0.02), shift 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


class DCGAN_G(nn.Module):
    """x = G(z): flat images of side ``side``, pixels in (0, 1); ``batchnorm=False`` drops
    every BatchNorm (the chapter's run without it)."""

    def __init__(self, side=28, d_z=100, width=WIDTH[28], batchnorm=True):
        super().__init__()
        n, s0 = _layers(side), START[side]
        c = width * 2 ** (n - 1)
        bn = (lambda k: nn.BatchNorm2d(k)) if batchnorm else (lambda k: nn.Identity())
        self.project = nn.Linear(d_z, c * s0 * s0, bias=not batchnorm)
        self.shape, self.side = (c, s0, s0), side
        body = [bn(c), nn.ReLU()]
        for _ in range(n - 1):
            body += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=not batchnorm), bn(c // 2), nn.ReLU()]
            c //= 2
        body += [nn.ConvTranspose2d(c, 1, 4, 2, 1), nn.Sigmoid()]
        self.body = nn.Sequential(*body)
        init_(self)

    def forward(self, z):
        h = self.project(z).view(len(z), *self.shape)
        return self.body(h).flatten(1)


class DCGAN_D(nn.Module):
    """D(x): the logit of 'x is data' for flat images of side ``side``.  Its BatchNorm makes
    it batch-dependent: the one loop then runs it on data and samples separately."""

    def __init__(self, side=28, width=WIDTH[28], batchnorm=True):
        super().__init__()
        n, c, layers = _layers(side) + 1, 1, []
        s = side
        for i in range(n):
            out = width * 2 ** i
            layers += [nn.Conv2d(c, out, 4, 2, 1, bias=not (batchnorm and i))]
            layers += [nn.BatchNorm2d(out)] if batchnorm and i else []
            layers += [nn.LeakyReLU(0.2)]
            c, s = out, s // 2
        self.side, self.body = side, nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * s * s, 1))
        self.batch_dependent = batchnorm
        init_(self)

    def forward(self, x):
        return self.body(x.view(len(x), 1, self.side, self.side)).squeeze(-1)


def flops_per_step(G, D, m=100, d_z=100):
    """Floating-point operations of one iteration of Algorithm 1 (k = 1, alternating): D on m
    data and m samples forward and backward, G forward twice and backward once, D forward
    and backward once more for G's gradient -- counted by torch.utils.flop_counter on a
    real step (multiply-add = 2 FLOPs)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    x = torch.rand(m, G.side * G.side)
    with FlopCounterMode(display=False) as fc:
        with torch.no_grad():
            fake = G(torch.randn(m, d_z))
        (D(x).sum() + D(fake).sum()).backward()
        D(G(torch.randn(m, d_z))).sum().backward()
    G.zero_grad(set_to_none=True), D.zero_grad(set_to_none=True)
    return fc.get_total_flops()
