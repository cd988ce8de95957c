"""PixelCNN: an explicit density whose likelihood is exact (van den Oord et al. 2016).

For a binary image x of n = side x side pixels in raster order (row by row, left to right),

    p(x) = prod_i p(x_i | x_1 .. x_{i-1}),   p(x_i = 1 | x_<i) = sigmoid(logit_i(x_<i)),
    -log p(x) = sum_i BCE(logit_i, x_i)   (nats, exact: no bound, no kernel),

and the network that computes every logit_i in one pass must be *causal*: logit_i may read
x_j only for j < i.  Two ways to build one from convolutions:

* :class:`MaskedPixelCNN` -- one stack of k x k convolutions whose kernels are masked (the
  first, 'A', hides the centre; the rest, 'B', keep it).  Causal, but stacking masked
  kernels leaves a *blind spot*: pixels above and to the right that no path reaches.
* :class:`GatedPixelCNN` -- a vertical stack that sees the rows above (shifted down one row
  before the horizontal stack may use it) and a horizontal stack that sees the row's pixels
  to the left, joined by gated units tanh(a) * sigmoid(b): no blind spot.

Both sample by drawing one pixel at a time (``sample``): 784 passes for MNIST, each cut to
the window of rows that the next pixel's logit can see (:meth:`receptive_rows`).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class MaskedConv(nn.Conv2d):
    """A k x k convolution that reads only pixels before the centre in raster order
    (mask 'A'), or those and the centre (mask 'B')."""

    def __init__(self, c_in, c_out, k, mask):
        super().__init__(c_in, c_out, k, padding=k // 2)
        m = torch.ones(k, k)
        m[k // 2, k // 2 + (mask == "B"):] = 0
        m[k // 2 + 1:] = 0
        self.register_buffer("mask", m[None, None])

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


def gate(x):
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class _Autoregressive(nn.Module):
    """What both PixelCNNs share: the likelihood and sampling (of binary images)."""
    side: int
    binary = True

    def nets(self):
        return {"pixelcnn": self}

    def log_prob(self, x):
        """log p(x) per image, in nats (x: binary, (b, side * side) or (b, 1, side, side))."""
        x = x.reshape(len(x), 1, self.side, self.side)
        logits = self(x)
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)

    def receptive_rows(self):
        """How many rows above a pixel its logit can read (the sampler's window)."""
        raise NotImplementedError

    @torch.no_grad()
    def sample(self, n, generator=None, batch=None, window=True, cache=True, probs=False, given=None,
               rows=0):
        """n binary images (n, side * side), drawn pixel by pixel in raster order, each from
        p(x_i | x_<i); every pixel's draw is one uniform from ``generator``.  ``window``:
        compute each logit on the rows it can see only (exact, and faster) rather than on the
        whole image.  ``cache`` (the gated PixelCNN): the vertical stack once per row, the
        horizontal stack on the pixels to the left only (exact, and much faster).  ``probs``:
        also return p(x_i = 1 | x_<i) along the drawn path.  ``batch``: images drawn together
        (default all n).  ``given`` (n images) and ``rows``: keep the first ``rows`` rows of
        ``given`` and draw the rest (a completion)."""
        if rows and (given is None or len(given) != n or not 0 < rows <= self.side):
            raise ValueError(f"a completion keeps 1..{self.side} rows of n = {n} given images; got rows={rows} "
                             f"and {'no' if given is None else len(given)} given images")
        batch = batch or max(n, 1)
        was = self.training
        self.eval()
        out, ps = [], []
        for a in range(0, n, batch):
            b = min(batch, n - a)
            u = torch.rand((b, self.side, self.side), generator=generator)
            x = torch.zeros(b, 1, self.side, self.side)
            p = torch.zeros(b, self.side, self.side)
            if rows:
                x[:, 0, :rows] = torch.as_tensor(given[a:a + b]).reshape(b, self.side, self.side)[:, :rows]
                p[:, :rows] = x[:, 0, :rows]
            up = self.receptive_rows() if window else self.side
            cached = cache and hasattr(self, "row_inputs")
            for r in range(rows, self.side):
                r0 = max(0, r - up)
                downs = self.row_inputs(x, r) if cached else None
                for c in range(self.side):
                    logit = (self.pixel_logit(x, r, c, downs) if cached else
                             self(x[:, :, r0:r + 1])[:, 0, r - r0, c])
                    p[:, r, c] = torch.sigmoid(logit)
                    x[:, 0, r, c] = (u[:, r, c] < p[:, r, c]).float()
            out.append(x.reshape(b, -1))
            ps.append(p.reshape(b, -1))
        self.train(was)
        x = torch.cat(out) if out else torch.empty(0, self.side ** 2)
        return (x, torch.cat(ps) if ps else torch.empty_like(x)) if probs else x


class MaskedPixelCNN(_Autoregressive):
    """The first PixelCNN (van den Oord et al. 2016a): a 'A'-masked k0 x k0 convolution, then
    ``layers`` 'B'-masked 3 x 3 ones with ReLUs, then two 1 x 1 layers to one logit per pixel.
    Causal, with a blind spot (see the module docstring and the chapter's figure)."""

    def __init__(self, side=28, channels=32, layers=4, k0=7):
        super().__init__()
        self.side, self.channels, self.layers, self.k0 = side, channels, layers, k0
        self.first = MaskedConv(1, channels, k0, "A")
        self.stack = nn.ModuleList(MaskedConv(channels, channels, 3, "B") for _ in range(layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, 1, 1))

    def forward(self, x):
        h = self.first(x)
        for conv in self.stack:
            h = conv(F.relu(h))
        return self.head(h)

    def receptive_rows(self):
        return self.k0 // 2 + self.layers

    def config(self):
        return {"model": "pixelcnn", "kind": "masked", "side": self.side, "channels": self.channels,
                "layers": self.layers, "k0": self.k0}


class GatedLayer(nn.Module):
    """One gated layer of both stacks (van den Oord et al. 2016b, their Figure 2), kernel k:

        v' = conv_v(v)                      (k//2 + 1) x k, sees rows <= r
        h' = conv_h(h) + 1x1(down(v'))      1 x (k//2 + 1), sees columns <= c (< c if first)
        v_out = gate(v'),  h_out = 1x1(gate(h')) + h (residual, not on the first layer)

    ``down`` shifts the vertical stack one row down, so that row r's horizontal stack reads
    only rows < r from it; the first layer's horizontal kernel is shifted one column right,
    so that it never reads the pixel it predicts."""

    def __init__(self, c_in, c, k, first=False):
        super().__init__()
        self.k, self.first = k, first
        self.conv_v = nn.Conv2d(c_in, 2 * c, (k // 2 + 1, k))
        self.conv_h = nn.Conv2d(c_in, 2 * c, (1, k // 2 + 1))
        self.v_to_h = nn.Conv2d(2 * c, 2 * c, 1)
        self.h_out = nn.Conv2d(c, c, 1)

    def vertical(self, v):
        """v' = conv_v(v), before the gate: row r sees rows r - k//2 .. r."""
        p = self.k // 2
        return self.conv_v(F.pad(v, (p, p, p, 0)))

    def horizontal(self, h, down):
        """The horizontal stack's output, given ``down`` = 1x1(v' shifted one row down)."""
        p = self.k // 2
        if self.first:
            h_in = F.pad(h, (p + 1, 0))[:, :, :, :-1]                  # columns < c
        else:
            h_in = F.pad(h, (p, 0))                                     # columns <= c
        h_new = self.h_out(gate(self.conv_h(h_in) + down))
        return h_new if self.first else h + h_new

    def forward(self, v, h):
        vp = self.vertical(v)
        down = self.v_to_h(F.pad(vp, (0, 0, 1, 0))[:, :, :-1])         # rows < r
        return gate(vp), self.horizontal(h, down)


class GatedPixelCNN(_Autoregressive):
    """The gated PixelCNN of van den Oord et al. 2016b for binary images: a first gated layer
    of kernel k0, ``layers`` - 1 more of kernel 3, and a head of two 1 x 1 layers."""

    def __init__(self, side=28, channels=32, layers=6, k0=7):
        super().__init__()
        self.side, self.channels, self.layers, self.k0 = side, channels, layers, k0
        self.stack = nn.ModuleList([GatedLayer(1, channels, k0, first=True)] +
                                   [GatedLayer(channels, channels, 3) for _ in range(layers - 1)])
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, 1, 1))

    def forward(self, x):
        v = h = x
        for layer in self.stack:
            v, h = layer(v, h)
        return self.head(h)

    def receptive_rows(self):
        return self.k0 // 2 + (self.layers - 1) + 1

    def receptive_columns(self):
        """How many columns to the left a pixel's horizontal stack can read."""
        return self.k0 // 2 + 1 + (self.layers - 1)

    def row_inputs(self, x, r):
        """Each layer's vertical contribution to row r, 1x1(v' of row r - 1), computed on the
        rows above r that it can see: fixed once row r - 1 is drawn, so computed once per row."""
        b, w = len(x), self.side
        if r == 0:                                  # above the image: zeros
            return [layer.v_to_h(x.new_zeros(b, 2 * self.channels, 1, w)) for layer in self.stack]
        v, out = x[:, :, max(0, r - self.receptive_rows()):r], []
        for layer in self.stack:
            vp = layer.vertical(v)
            out.append(layer.v_to_h(vp[:, :, -1:]))
            v = gate(vp)
        return out

    def pixel_logit(self, x, r, c, downs):
        """logit of pixel (r, c) from the row's cached vertical inputs and the pixels to its
        left in row r (only the columns its horizontal stack can see)."""
        c0 = max(0, c - self.receptive_columns())
        h = x[:, :, r:r + 1, c0:c + 1]
        for layer, d in zip(self.stack, downs):
            h = layer.horizontal(h, d[:, :, :, c0:c + 1])
        return self.head(h)[:, 0, 0, -1]

    def config(self):
        return {"model": "pixelcnn", "kind": "gated", "side": self.side, "channels": self.channels,
                "layers": self.layers, "k0": self.k0}


KINDS = {"gated": GatedPixelCNN, "masked": MaskedPixelCNN}


def make(config):
    """A PixelCNN from its ``config()`` (fresh weights from torch's global generator)."""
    kind = config.get("kind", "gated")
    if kind not in KINDS:
        raise ValueError(f"unknown PixelCNN kind {kind!r}; use one of {sorted(KINDS)}")
    return KINDS[kind](**{k: config[k] for k in ("side", "channels", "layers", "k0") if k in config})


def constant_nll(x, p):
    """-log p(x) in nats, per image, of the model of independent pixels that sets pixel i to 1
    with probability p (one number for every pixel, or one per pixel):
    -sum_i (x_i log p_i + (1 - x_i) log(1 - p_i))."""
    x = torch.as_tensor(x, dtype=torch.float64).reshape(len(x), -1)
    p = torch.as_tensor(p, dtype=torch.float64).expand(x.shape[1])
    return -(x * torch.log(p) + (1 - x) * torch.log1p(-p)).sum(1)
