"""The paper's nets: sizes, initialisation, maxout, dropout only on D."""
import math

import pytest
import torch

from ganbook.core import nets


def test_paper_G_shape_init_and_output_bias():
    mean = torch.rand(784) * 0.98 + 0.01
    G = nets.paper_G(p_data_mean=mean)
    sizes = [(m.in_features, m.out_features) for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert sizes == [(100, 1200), (1200, 1200), (1200, 784)]
    for m in G.modules():
        if isinstance(m, torch.nn.Linear):
            assert m.weight.abs().max() <= 0.05
    assert torch.allclose(torch.sigmoid(G.output_bias), mean, atol=1e-5)
    x = G(torch.zeros(3, 100))   # z = 0 with zero hidden biases: hidden ReLUs give 0
    assert torch.allclose(x, mean.expand(3, -1), atol=1e-5)


def test_paper_D_is_maxout_with_dropout_only_in_training():
    D = nets.paper_D()
    lin = [m for m in D.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in lin] == [(784, 1200), (240, 1200), (240, 1)]
    assert all(m.weight.abs().max() <= 0.005 for m in lin)
    drops = [m.p for m in D.modules() if isinstance(m, torch.nn.Dropout)]
    assert drops == pytest.approx([0.2, 0.5, 0.5])     # keep 0.8 on input, 0.5 on hidden
    x = torch.rand(4, 784)
    D.eval()
    assert torch.equal(D(x), D(x))
    D.train()
    assert not torch.equal(D(x), D(x))
    assert D(x).shape == (4,)


def test_maxout_is_max_over_pieces():
    m = nets.Maxout(3, units=2, pieces=4)
    x = torch.randn(5, 3)
    z = m.linear(x).view(5, 2, 4)
    assert torch.equal(m(x), z.max(-1).values)


@pytest.mark.parametrize("kind, lo, hi, var", [("uniform", -math.sqrt(3), math.sqrt(3), 1.0),
                                              ("uniform01", 0, 1, 1 / 12)])
def test_noise_ranges_and_variance(kind, lo, hi, var):
    z = nets.Noise(100, kind)(2000, torch.Generator().manual_seed(0))
    assert z.shape == (2000, 100) and z.min() >= lo and z.max() <= hi
    assert z.var().item() == pytest.approx(var, rel=0.02)


def test_noise_is_seeded_and_validated():
    a = nets.Noise(4)(3, torch.Generator().manual_seed(5))
    b = nets.Noise(4)(3, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="unknown noise"):
        nets.Noise(4, "cauchy")


def test_he_init_gives_a_z_dependent_start_and_paper_init_does_not():
    torch.manual_seed(0)
    mean = torch.full((784,), 0.13)
    z = nets.Noise(100)(500, torch.Generator().manual_seed(1))
    spread = {}
    for init in ("paper", "he"):
        G = nets.paper_G(p_data_mean=mean, init=init)
        with torch.no_grad():
            x = G(z)
        spread[init] = x.std(0).mean().item()      # how much G(z) varies with z, per pixel
        assert 0.0 < x.min() and x.max() < 1.0     # sigmoid not saturated to 0 or 1
    assert spread["paper"] < 0.02 < 0.05 < spread["he"]
    with pytest.raises(ValueError, match="unknown init"):
        nets.paper_G(init="xavier")


def test_fourier_features_are_x_then_sines_and_cosines_of_fixed_frequencies():
    f = nets.FourierFeatures(2, n=3, scale=2.0)
    x = torch.tensor([[0.25, -1.0], [0.0, 0.0]])
    a = 2 * math.pi * x @ f.B
    assert f.d_out == 8 and f(x).shape == (2, 8)
    assert torch.allclose(f(x), torch.cat([x, a.sin(), a.cos()], 1))
    assert torch.equal(f(x)[1], torch.tensor([0.0, 0.0, 0, 0, 0, 1, 1, 1]))   # phi(0)
    # B ~ N(0, scale^2) drawn once from seed 0: the same for every net, scaled by ``scale``
    assert torch.allclose(nets.FourierFeatures(2, n=3, scale=1.0).B * 2, f.B)
    assert "B" in f.state_dict()                  # saved with the net that holds it
    wide = nets.FourierFeatures(2, n=4000, scale=0.5).B
    assert float(wide.std()) == pytest.approx(0.5, rel=0.05)
