"""core.build, the one place that makes a run's nets: a seed fixes the initial weights, and
they are the ones the book's stored runs started from (hashes taken before the package was
reorganised into layers, from the same code path on the same random splits)."""
import hashlib

import pytest
import torch

from fakes import random_splits
from ganbook.core.build import build, build_vae, make_model

INITIAL = [   # (data set, seed, build flags, SHA256 (first 16 hex) of the state dict, keys sorted)
    ("mnist", 0, dict(G_init="paper", bias_clip=1e-7), "eee85cfe5d0772d9"),
    ("mnist", 1, dict(G_init="paper", bias_clip=1e-7), "5201d5724e414771"),
    ("mnist", 0, dict(G_init="he"), "8c45bbd0d638db3b"),
    ("mnist", 0, dict(arch="dcgan"), "cea37fec7b63c7e1"),
    ("faces", 0, {}, "be6b29fd663babb8"),
]


def digest(model):
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("dataset, seed, kw, expected", INITIAL)
def test_a_seed_gives_the_stored_initial_weights(dataset, seed, kw, expected):
    splits = random_splits(d=2304 if dataset == "faces" else 784)
    assert digest(build(dataset, seed=seed, splits=splits, **kw).model) == expected


def test_the_vae_too():
    assert digest(build_vae("mnist", seed=0, splits=random_splits()).model) == "70a676d60b67e207"


def test_a_record_alone_rebuilds_nets_of_the_trained_shapes():
    T = build("mnist", seed=0, splits=random_splits(), arch="dcgan")
    cfg = T.run.config()
    again = make_model(cfg["spec"], cfg["model"])
    assert {k: v.shape for k, v in again.state_dict().items()} == \
        {k: v.shape for k, v in T.model.state_dict().items()}
    again.load_state_dict(T.model.state_dict())
    z = torch.zeros(2, 100)
    assert torch.equal(again.G.eval()(z), T.model.G.eval()(z))
