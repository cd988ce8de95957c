"""The paper's networks (goodfeli/adversarial ``mnist.yaml``) and small ones for toys.

G: z (100-d, U[-sqrt 3, sqrt 3]) -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid, weights
U(-0.05, 0.05), output bias = logit of the data's pixel means.
D: maxout 240 units x 5 pieces -> maxout 240 x 5 -> 1 sigmoid, weights U(-0.005, 0.005),
dropout on D only (keep 0.8 on the input, 0.5 on hidden layers; inverted scaling
1/keep, as pylearn2's input_scales 1.25 and 2.0).
D returns the logit; D(x) = sigmoid(logit), so losses use the stable log-sigmoid.
"""
import math
from contextlib import contextmanager

import torch
from torch import nn


@contextmanager
def eval_mode(*nets):
    """Run with ``nets`` in eval mode (no dropout), then put each back in the mode it had."""
    modes = [n.training for n in nets]
    for n in nets:
        n.eval()
    try:
        yield
    finally:
        for n, m in zip(nets, modes):
            n.train(m)


def uniform_init_(module, irange):
    """pylearn2's ``irange``: weights U(-irange, irange), biases 0."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.uniform_(m.weight, -irange, irange)
            nn.init.zeros_(m.bias)
    return module


class Maxout(nn.Module):
    """h_i(x) = max_j z_ij, z_ij = x^T W_ij + b_ij (Goodfellow et al. 2013).

    One Linear computes all units x pieces in a single matmul; the max is over
    pieces stored contiguously per unit.
    """

    def __init__(self, d_in, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(d_in, units * pieces)

    def forward(self, x):
        return self.linear(x).view(x.shape[0], self.units, self.pieces).amax(-1)


class FourierFeatures(nn.Module):
    """Random Fourier features (Tancik et al. 2020), an input layer for nets on low-dimensional
    x that must resolve fine detail (an MLP of x alone learns smooth functions first):

        phi(x) = [x, sin(2 pi B^T x), cos(2 pi B^T x)],   B in R^{d x n}, B_ij ~ N(0, scale^2),

    B drawn once from seed 0 (the same for every run, and saved with the net); a feature of
    frequency |B_j| varies over 1 / |B_j| units of x.  Output size d + 2n."""

    def __init__(self, d, n=64, scale=1.0):
        super().__init__()
        self.d_out = d + 2 * n
        self.register_buffer("B", scale * torch.randn(d, n, generator=torch.Generator().manual_seed(0)))

    def forward(self, x):
        a = 2 * math.pi * x @ self.B
        return torch.cat([x, a.sin(), a.cos()], 1)


class MLP(nn.Module):
    """A plain MLP; ``out`` = 'sigmoid' | 'linear'.  Used for the paper's G and toy nets."""

    def __init__(self, sizes, hidden="relu", out="linear", irange=None):
        super().__init__()
        act = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": lambda: nn.LeakyReLU(0.2)}[hidden]
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(act())
        if out == "sigmoid":
            layers.append(nn.Sigmoid())
        self.net = nn.Sequential(*layers)
        if irange is not None:
            uniform_init_(self, irange)

    @property
    def output_bias(self):
        return [m for m in self.net if isinstance(m, nn.Linear)][-1].bias

    def forward(self, z):
        return self.net(z)


class MaxoutD(nn.Module):
    """D(x): maxout hidden layers with dropout, one logit out."""

    def __init__(self, d_in=784, units=240, pieces=5, layers=2, keep_in=0.8, keep_hidden=0.5,
                 irange=0.005):
        super().__init__()
        blocks, d = [], d_in
        for i in range(layers):
            keep = keep_in if i == 0 else keep_hidden
            blocks += [nn.Dropout(1 - keep), Maxout(d, units, pieces)]
            d = units
        blocks += [nn.Dropout(1 - keep_hidden), nn.Linear(d, 1)]
        self.net = nn.Sequential(*blocks)
        uniform_init_(self, irange)

    def forward(self, x):
        return self.net(x).squeeze(-1)


def paper_G(d_data=784, d_z=100, hidden=1200, p_data_mean=None, init="paper", bias_clip=1e-3):
    """The paper's MNIST generator; ``p_data_mean`` sets the output bias to logit(mean),
    the means clipped to [bias_clip, 1 - bias_clip] (pylearn2's
    ``init_sigmoid_bias_from_array`` clips at 1e-7: bias -16 on always-black pixels).

    ``init='paper'``: weights U(-0.05, 0.05) (mnist.yaml); G(z) then starts as nearly the
    same image (the pixel means) for every z.  ``init='he'``: hidden layers N(0, 2/fan_in)
    (He et al. 2015), the output layer kept at U(-0.05, 0.05): hidden units of unit scale,
    so G(z) starts varied in z (pre-sigmoid spread ~1) without saturating the sigmoid.
    """
    if init not in ("paper", "he"):
        raise ValueError(f"unknown init {init!r}; use 'paper' or 'he'")
    G = MLP([d_z, hidden, hidden, d_data], out="sigmoid", irange=0.05)
    if init == "he":
        for m in [m for m in G.modules() if isinstance(m, nn.Linear)][:-1]:
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    if p_data_mean is not None:
        m = torch.as_tensor(p_data_mean, dtype=torch.float32).clamp(bias_clip, 1 - bias_clip)
        with torch.no_grad():
            G.output_bias.copy_(torch.log(m) - torch.log1p(-m))
    return G


def paper_D(d_data=784, units=240, pieces=5):
    return MaxoutD(d_data, units, pieces)


def tfd_G(d_data=2304, d_z=100, hidden=8000, p_data_mean=None, init="paper", sparse=100):
    """The authors' TFD generator (goodfeli/adversarial ``tfd_pretrain/pretrain.yaml``):
    z -> ``hidden`` ReLU -> ``hidden`` sigmoid (bias -2) -> d_data sigmoid.

    ``init='paper'``: hidden weights U(-0.05, 0.05); each output unit gets ``sparse``
    non-zero N(0, 1) weights (pylearn2's ``sparse_init``); output bias = logit(mean).
    ``init='he'``: as in :func:`paper_G`, hidden layers N(0, 2/fan_in), the output layer
    U(-0.05, 0.05).  (The authors then put 100 -> 8000 ReLU -> 100 sigmoid in front of
    this pretrained net; not done here.)
    """
    if init not in ("paper", "he"):
        raise ValueError(f"unknown init {init!r}; use 'paper' or 'he'")
    G = MLP([d_z, hidden, hidden, d_data], out="sigmoid", irange=0.05)
    G.net[3] = nn.Sigmoid()          # the second hidden layer is sigmoid, not ReLU
    out = G.net[4]
    with torch.no_grad():
        G.net[2].bias.fill_(-2.0)
        if init == "he":
            for m in (G.net[0], G.net[2]):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        else:
            keep = torch.rand(d_data, hidden).argsort(1)[:, :min(sparse, hidden)]
            out.weight.zero_().scatter_(1, keep, torch.randn(keep.shape))
        if p_data_mean is not None:
            m = torch.as_tensor(p_data_mean, dtype=torch.float32).clamp(1e-3, 1 - 1e-3)
            out.bias.copy_(torch.log(m) - torch.log1p(-m))
    return G


class Noise:
    """The prior p_z, the book's one definition of it.  'uniform': U[-sqrt 3, sqrt 3]^d
    (unit variance, as the authors' Generator samples); 'normal': N(0, I); 'uniform01':
    U[0, 1]^d (Figure 1's z line); 'clusters': z = c_j + s eps with j uniform over
    CLUSTERS = 100 centres c_j ~ N(0, I_d), drawn once (seed 0, the same for every run),
    s = SPREAD = 0.03 and eps ~ N(0, I): a prior in separated pieces, so that a continuous G
    can give a p_g whose support is not connected (the mode-collapse chapter)."""

    KINDS = ("uniform", "normal", "uniform01", "clusters")
    # Where p_z puts (nearly) all its mass, per coordinate (for drawing the z line).
    SUPPORT = {"uniform01": (0.0, 1.0), "uniform": (-math.sqrt(3.0), math.sqrt(3.0)),
               "normal": (-2.0, 2.0), "clusters": (-2.0, 2.0)}
    CLUSTERS, SPREAD = 100, 0.03

    def __init__(self, d_z=100, kind="uniform"):
        if kind not in self.KINDS:
            raise ValueError(f"unknown noise {kind!r}; use one of {self.KINDS}")
        self.d_z, self.kind = int(d_z), kind
        if kind == "clusters":
            self.centres = torch.randn(self.CLUSTERS, self.d_z, generator=torch.Generator().manual_seed(0))

    def __call__(self, n, generator=None):
        if self.kind == "clusters":
            j = torch.randint(0, self.CLUSTERS, (n,), generator=generator)
            return self.centres[j] + self.SPREAD * torch.randn(n, self.d_z, generator=generator)
        if self.kind == "normal":
            return torch.randn(n, self.d_z, generator=generator)
        u = torch.rand(n, self.d_z, generator=generator)
        return u if self.kind == "uniform01" else (u * 2 - 1) * math.sqrt(3.0)

    @property
    def support(self):
        return self.SUPPORT[self.kind]

    def quantile(self, q):
        """The inverse CDF of one coordinate of p_z at probabilities ``q`` (a tensor)."""
        if self.kind == "clusters":
            raise ValueError("the 'clusters' prior has no one-coordinate quantile; draw z from it "
                             "instead (or use 'normal' or 'uniform' for a z line)")
        if self.kind == "uniform01":
            return q
        if self.kind == "uniform":
            return (2 * q - 1) * math.sqrt(3.0)
        return torch.special.ndtri(q)

    def __repr__(self):
        return f"Noise(d_z={self.d_z}, kind={self.kind!r})"
