"""Small stand-ins the tests share: random splits in place of a data set, a small GAN trainer.
(Fixtures are in conftest.py; these are plain functions, imported by name.)"""


def random_splits(sizes=(300, 200, 100), d=784, seed=0):
    """(train, valid, test) of random images in [0, 1]: a stand-in for MNIST wherever only
    the shapes matter (the CLI, the builders, the records)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    return tuple(rng.random((n, d), dtype=np.float32) for n in sizes)


def small_gan(p_data, G=None, D=None, d_z=3, hidden=8, recipe=None, out=None, spec=None):
    """A Trainer of a small GAN on ``p_data`` (n, d): an MLP G with ``hidden`` units and a
    sigmoid output, a maxout D (dropout inside, so resumes must restore its RNG), p_z uniform."""
    from ganbook.core import nets
    from ganbook.core.models import GAN
    from ganbook.core.train import Recipe, Run, Trainer
    d = p_data.shape[1]
    G = G if G is not None else nets.MLP([d_z, hidden, d], out="sigmoid")
    D = D if D is not None else nets.MaxoutD(d, units=5, pieces=3)
    return Trainer(Run(GAN(G, D, nets.Noise(d_z)), p_data, recipe or Recipe(m=8), out, spec or {}))
