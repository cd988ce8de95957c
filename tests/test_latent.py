"""ganbook.chapters.latent and the DCGAN chapter's walk widget: the paths' equations, the concept
arithmetic measured against its control, and what the widget shows."""
import math

import pytest
import torch
from torch import nn

from ganbook.chapters import latent as L
from ganbook.core.nets import Noise
from ganbook.widgets import latent_walk as W


def _pair(seed=0, d=100):
    return Noise(d)(2, torch.Generator().manual_seed(seed))


def test_lerp_and_slerp_ends_and_midpoints():
    z0, z1 = _pair()
    for kind in ("linear", "spherical"):
        p = L.path(z0, z1, 5, kind)
        assert p.shape == (5, 100)
        assert torch.allclose(p[0], z0, atol=1e-5) and torch.allclose(p[-1], z1, atol=1e-5)
    assert torch.allclose(L.path(z0, z1, 3)[1], (z0 + z1) / 2)
    with pytest.raises(ValueError, match="spherical"):
        L.path(z0, z1, 5, "cubic")


def test_slerp_turns_at_constant_speed_and_keeps_equal_norms():
    z0, z1 = _pair(1)
    z1 = z1 / z1.norm() * z0.norm()                      # equal norms: the path stays on the sphere
    omega = math.acos(float(torch.dot(z0, z1) / (z0.norm() * z1.norm())))
    p = L.path(z0, z1, 7, "spherical")
    assert torch.allclose(p.norm(dim=1), z0.norm().expand(7), rtol=1e-5)
    for t, z in zip(torch.linspace(0, 1, 7), p):
        angle = math.acos(min(1.0, float(torch.dot(z0, z) / (z0.norm() * z.norm()))))
        assert angle == pytest.approx(float(t) * omega, abs=1e-3)
    # the linear midpoint of two near-orthogonal codes of norm ~10 has norm ~10 / sqrt 2
    t, lin, sph = L.norms_along(*_pair(2), n=9)
    assert lin[4] < 0.8 * min(lin[0], lin[-1]) and sph.min() > 0.95 * min(sph[0], sph[-1])
    assert L.expected_norm(100) == 10.0
    assert 9 < float(_pair(3)[0].norm()) < 11


def test_slerp_of_parallel_codes_is_the_line():
    z0 = torch.ones(4)
    assert torch.allclose(L.slerp(z0, 2 * z0, torch.tensor([0.5])), L.lerp(z0, 2 * z0, torch.tensor([0.5])))


class _Probe(nn.Module):
    """A 'classifier' of 4-pixel 'images': class 1 when pixel 0 is positive."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(4, 2)
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor([[-5.0, 0, 0, 0], [5.0, 0, 0, 0]]))
            self.head.bias.zero_()

    def features(self, x):
        return x


def test_concept_vector_and_its_measured_shift_beat_the_control():
    G, clf = nn.Identity(), _Probe()
    z = torch.randn(400, 4, generator=torch.Generator().manual_seed(0))
    probs = L.label_codes(G, clf, z)
    v, (pos, neg) = L.concept_vector(z, probs, add=1, sub=0, per_concept=3)
    assert (z[pos, 0] > 0).all() and (z[neg, 0] < 0).all()
    assert probs[pos[0], 1] >= probs[pos[-1], 1]                 # most confident first
    assert v[0] > 2                                             # points along the concept
    r = L.concept_shift(G, clf, z, v, cls=1)
    assert r["after"] > r["before"] + 0.2 and r["after"] > r["control"] + 0.1
    assert r["flipped"] > r["flipped_control"] and r["n"] == 400
    assert r["norm_v"] == pytest.approx(float(v.norm()))
    with pytest.raises(ValueError, match="lower the threshold"):
        L.concept_vector(z, probs, add=1, sub=0, per_concept=3, threshold=1.1)


def test_walk_labels_count_the_label_changes_along_each_path():
    G, clf = nn.Identity(), _Probe()                    # label 1 where the first coordinate is > 0
    z0 = torch.tensor([[-1.0, 2, 0, 0], [1.0, 2, 0, 0]])
    z1 = torch.tensor([[1.0, 2, 0, 0], [2.0, -2, 0, 0]])
    r = L.walk_labels(G, clf, z0, z1, steps=4)          # t = 0, 1/3, 2/3, 1
    assert r["linear"].shape == (2, 4) and r["linear"][0].tolist() == [0, 0, 1, 1]
    assert r["linear"][1].tolist() == [1, 1, 1, 1]      # both ends of class 1: no change
    assert r["changes"] == {"linear": 0.5, "spherical": 0.5} and r["agree"] == 1.0


def test_walk_widget_state():
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(100, 16), nn.Sigmoid())
    noise = Noise(100)
    s = W.update(G, noise, 3, 4, steps=6, kind="spherical", side=4)
    z0, z1 = L.codes(noise, 1, 3)[0], L.codes(noise, 1, 4)[0]
    assert s["images"].shape == (6, 16) and s["strip"].shape == (6, 6 * 5 + 1)
    with torch.no_grad():
        assert torch.allclose(torch.as_tensor(s["images"][0]), G(z0), atol=1e-5)
        assert torch.allclose(torch.as_tensor(s["images"][-1]), G(z1), atol=1e-5)
    lin = W.update(G, noise, 3, 4, steps=6, kind="linear", side=4)
    assert lin["norms"].min() < s["norms"].min()
    assert "smallest on the way" in W.readout(s)
    assert W.png(s["strip"])[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="steps"):
        W.update(G, noise, 3, 4, steps=1, side=4)
