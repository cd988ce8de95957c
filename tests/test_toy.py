"""ganbook.chapters.toy: the 1-D p_data and the nets in p_data's units (Figure-1 chapter)."""
import math

import numpy as np
import pytest
import torch

from ganbook.chapters import toy


@pytest.mark.parametrize("name, mean, sd", [
    ("gaussian", 4.0, 0.5),
    ("bimodal", 4.0, math.sqrt(0.25 + 4.0)),                   # within + between variance
    ("skewed", 3.6, math.sqrt(0.7 * 9.16 + 0.3 * 25.64 - 3.6 ** 2)),
])
def test_mean_and_sd_are_the_mixture_moments(name, mean, sd):
    p = toy.p_data(name)
    assert p.mean == pytest.approx(mean, abs=1e-12)
    assert p.sd == pytest.approx(sd, abs=1e-12)
    x = p.sample(200_000, torch.Generator().manual_seed(0)).double()
    assert x.mean().item() == pytest.approx(mean, abs=4 * sd / math.sqrt(200_000))
    assert x.std().item() == pytest.approx(sd, rel=0.01)


@pytest.mark.parametrize("name", sorted(toy.DISTRIBUTIONS))
def test_pdf_integrates_to_one_on_its_support(name):
    p = toy.p_data(name)
    x = np.linspace(*p.support, 20001)
    assert np.trapezoid(p.pdf(x), x) == pytest.approx(1.0, abs=1e-5)


def test_unknown_distribution_is_refused():
    with pytest.raises(ValueError, match="bimodal"):
        toy.p_data("trimodal")


def test_D_reads_x_in_p_data_units():
    """ToyD(centre c, scale s) at x equals ToyD(0, 1) at (x - c) / s, with the same weights."""
    torch.manual_seed(3)
    D = toy.ToyD(16, centre=4.0, scale=0.5)
    D0 = toy.ToyD(16)
    D0.load_state_dict(D.state_dict())
    x = torch.linspace(2, 6, 9)[:, None]
    assert D(x).shape == (9,)
    torch.testing.assert_close(D(x), D0((x - 4.0) / 0.5))


def test_G_kinks_are_spread_over_the_noise_range():
    """Each first-layer unit bends (w z + b = 0) at z = (i + 1/2) / hidden inside [0, 1]."""
    G = toy.ToyG(hidden=8, z_range=(0.0, 1.0), generator=torch.Generator().manual_seed(0))
    first = G.f.net[0]
    kinks = (-first.bias / first.weight[:, 0]).detach()
    torch.testing.assert_close(kinks, (torch.arange(8) + 0.5) / 8)
    assert set(first.weight[:, 0].abs().tolist()) == {3.0}


def test_G_outputs_in_p_data_units():
    """Same seed, two p_data: G's outputs differ exactly by p_data's affine map."""
    a, _ = toy.scaled_nets(toy.p_data("gaussian"), hidden=8, seed=5)
    b, _ = toy.scaled_nets(toy.Mixture1D([1], [0.0], [1.0]), hidden=8, seed=5)
    z = torch.rand(50, 1, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(a(z), 4.0 + 0.5 * b(z))


def test_scaled_nets_are_fixed_by_the_seed():
    p = toy.p_data("bimodal")
    (G1, D1), (G2, D2), (G3, _) = (toy.scaled_nets(p, 8, seed=s) for s in (7, 7, 8))
    for m1, m2 in ((G1, G2), (D1, D2)):
        for u, v in zip(m1.parameters(), m2.parameters()):
            assert torch.equal(u, v)
    assert not all(torch.equal(u, v) for u, v in zip(G1.parameters(), G3.parameters()))


def test_scaled_nets_refuse_unknown_noise():
    with pytest.raises(ValueError, match="uniform01"):
        toy.scaled_nets(toy.p_data(), noise="cauchy")
