"""The models the book trains, each a module that knows how to sample itself.

A generative model has ``sample(n, generator)``: p_z is defined once, in the model, and
evaluation code never needs to know whether it holds a GAN's G or a VAE's decoder.
``nets()`` names the parameter groups that get an optimiser each (see
:class:`ganbook.core.recipe.Optimizers`).
"""
import torch
import torch.nn.functional as F
from torch import nn

from ganbook.core.nets import MLP, Noise, eval_mode


class GAN(nn.Module):
    """G and D of Goodfellow et al. 2014 and the prior p_z: x = G(z), z ~ p_z."""

    def __init__(self, G, D, p_z):
        super().__init__()
        self.G, self.D, self.p_z = G, D, p_z

    def nets(self):
        return {"D": self.D, "G": self.G}

    def sample_z(self, n, generator=None):
        return self.p_z(n, generator)

    @torch.no_grad()
    def sample(self, n, generator=None, batch=2000):
        """n samples G(z), G in eval mode (no dropout), as one CPU tensor (z is drawn on
        the CPU, so a seed gives the same z wherever G lives)."""
        device = next(self.G.parameters()).device
        with eval_mode(self.G):
            return torch.cat([self.G(self.p_z(min(batch, n - a), generator).to(device)).cpu()
                              for a in range(0, n, batch)]) if n else torch.empty(0)

    def config(self):
        return {"model": "gan", "prior": {"d_z": self.p_z.d_z, "kind": self.p_z.kind}}


class VAE(nn.Module):
    """Kingma & Welling 2014, the auto-encoding variational Bayes of an MLP:

        q(z|x) = N(mu(x), diag sigma^2(x)),  p(z) = N(0, I),  p(x|z) = Bernoulli(decoder(z)),
        ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z))  <=  log p(x),
        KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)   (their Appendix B).

    ``elbo(x, generator)`` uses one reparameterised draw z = mu + sigma * eps.  Pixels in
    [0, 1] are treated as Bernoulli means (the usual continuous relaxation for MNIST);
    with ``binary`` the training step binarises each minibatch instead (pixel ~
    Bernoulli(intensity)), so that the ELBO is a bound on a probability of binary images.
    """

    def __init__(self, d_x=784, d_z=20, hidden=500, binary=False):
        super().__init__()
        self.d_z, self.binary = d_z, binary
        self.encoder = MLP([d_x, hidden, 2 * d_z], hidden="relu")
        self.decoder = MLP([d_z, hidden, d_x], hidden="relu")   # Bernoulli logits
        self.p_z = Noise(d_z, "normal")

    def nets(self):
        return {"vae": self}

    def elbo(self, x, generator=None):
        """(elbo, reconstruction log-likelihood, KL), each per example, in nats."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        eps = torch.randn(mu.shape, generator=generator)
        z = mu + torch.exp(0.5 * logvar) * eps
        rec = -F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="none").sum(1)
        kl = 0.5 * (mu ** 2 + logvar.exp() - logvar - 1).sum(1)
        return rec - kl, rec, kl

    @torch.no_grad()
    def sample(self, n, generator=None, batch=None):
        """The decoder's Bernoulli means at z ~ N(0, I) (``batch``: accepted, as GAN.sample
        takes it; the decoder is small enough for one pass)."""
        return torch.sigmoid(self.decoder(self.p_z(n, generator)))

    def config(self):
        return {"model": "vae", "d_z": self.d_z, **({"binary": True} if self.binary else {})}


class Classifier(nn.Module):
    """A small convolutional classifier (225k parameters on MNIST, 0.9 MB in float32):
    conv 3x3 32 -> pool -> conv 3x3 64 -> pool -> 128 -> classes, ReLU, dropout before the head.

    ``features(x)`` is the 128-d penultimate layer (Frechet distance, precision/recall).
    """

    def __init__(self, side=28, classes=10, shift=0):
        super().__init__()
        self.side, self.shift, self.classes = side, shift, classes
        self.conv = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        n = 64 * (((side - 2) // 2 - 2) // 2) ** 2
        self.fc = nn.Sequential(nn.Linear(n, 128), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(128, classes))

    def nets(self):
        return {"classifier": self}

    def translate(self, x):
        """In training, each image moved by up to ``shift`` pixels in x and y (zeros come in):
        the augmentation that lets a small net generalise past 99% on MNIST."""
        s, b, k = self.side, len(x), self.shift
        padded = F.pad(x.view(b, s, s), (k, k, k, k))
        dy, dx = torch.randint(0, 2 * k + 1, (2, b, 1))
        rows, cols = dy + torch.arange(s), dx + torch.arange(s)
        return padded[torch.arange(b)[:, None, None], rows[:, :, None], cols[:, None, :]]

    def features(self, x):
        if self.training and self.shift:
            x = self.translate(x)
        return self.fc(self.conv(x.reshape(-1, 1, self.side, self.side)))

    def forward(self, x):
        return self.head(self.features(x))

    def config(self):
        return {"model": "classifier", "side": self.side, "shift": self.shift, "classes": self.classes}


def n_parameters(module):
    return sum(p.numel() for p in module.parameters())


# The book's fixed draws of z: one seed per use, named here once.  Each shapes stored
# records and outputs (a run's metrics.csv, a chapter's figures), so none may change.
FIXED_Z = 1234            # sample grids, Parzen estimates, the evaluation scores (draw i: + i)
FIXED_Z_FOR = {
    "collapse": 2014,     # the collapse detector's z (measures.collapse)
    "figure1": 2014,      # Figure 1's z line, the same in every snapshot
    "sweep": 99,          # the collapse sweep's per-step trace
    "critic": 4321,       # the Wasserstein critic's validation estimate
    "mixtures": 1,        # the samples a 2-D mixture run keeps at each check
    "views": 12345,       # the playground's view and the toy chapters' pictures
}


def fixed_generator(use):
    """A torch.Generator seeded for one of the named fixed draws (:data:`FIXED_Z_FOR`)."""
    return torch.Generator().manual_seed(FIXED_Z_FOR[use])


def samples(G, n, noise=None, seed=FIXED_Z, batch=2000):
    """n samples as a float32 numpy array, z drawn with a fixed seed.  ``G``: a model that
    samples itself (:class:`~ganbook.core.models.GAN`, VAE), or a bare G net with ``noise``."""
    g = torch.Generator().manual_seed(seed)
    model = G if hasattr(G, "sample") else GAN(G, None, noise or Noise(100, "uniform"))
    return model.sample(n, g, batch=batch).numpy()
