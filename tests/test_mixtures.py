"""ganbook.chapters.mixtures: the 2-D benchmarks' data and measures on cases with known answers, and
the D-side fixes (PacGAN packing, minibatch sd) as the one loop sees them."""
import math

import pytest
import torch

from ganbook.measures.modes import of_mixture
from ganbook.chapters import mixtures as M
from ganbook.core.steps import batch_dependent


@pytest.mark.parametrize("name, k, sigma, radius", [("ring", 8, 0.01, 1.0), ("grid", 25, 0.05, 4 * 2 ** 0.5)])
def test_mixtures_are_the_papers(name, k, sigma, radius):
    mix = M.Mixture(name)
    assert mix.means.shape == (k, 2) and mix.sigma == sigma
    assert mix.means.norm(dim=1).max().item() == pytest.approx(radius, abs=1e-6)
    x = mix(20000, torch.Generator().manual_seed(0))
    r = of_mixture(x, mix)
    # in 2-D, P(||x - mu|| < 3 sigma) = 1 - exp(-9/2) = 0.9889: p_data itself scores this
    assert r["modes"] == k and r["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.003)
    assert r["reverse_kl"] < 0.01


def test_measures_known_answers():
    mix = M.Mixture("grid")
    at_modes = mix.means.repeat(4, 1)
    assert of_mixture(at_modes, mix) == {"modes": 25, "high_quality": 1.0, "reverse_kl": 0.0}
    one = mix.means[:1].repeat(100, 1)
    r = of_mixture(one, mix)
    assert r["modes"] == 1 and r["reverse_kl"] == pytest.approx(math.log(25))
    far = torch.full((50, 2), 1.0)            # between modes: 1.41 from each, far past 3 sigma
    r = of_mixture(far, mix)
    assert r["modes"] == 0 and r["high_quality"] == 0.0 and math.isnan(r["reverse_kl"])
    half = torch.cat([mix.means[:5].repeat(10, 1), far])   # 50 good on 5 modes, 50 bad
    r = of_mixture(half, mix)
    assert r["modes"] == 5 and r["high_quality"] == 0.5 and r["reverse_kl"] == pytest.approx(math.log(5))
    with pytest.raises(ValueError, match="unknown mixture"):
        M.Mixture("spiral")


def test_packed_D_judges_packs_and_is_batch_dependent():
    torch.manual_seed(0)
    D = M.D_2d(pack=4)
    assert batch_dependent(D) and not batch_dependent(M.D_2d())
    x = torch.randn(12, 2)
    out = D(x)
    assert out.shape == (3, 1)
    assert torch.allclose(out[1], D.net(x[4:8].reshape(1, 8))[0])    # pack 2 = samples 4..7
    with pytest.raises(ValueError, match="divisible by 4"):
        D(torch.randn(10, 2))


def test_minibatch_std_sees_the_batch():
    torch.manual_seed(0)
    D = M.D_2d(minibatch_std=True)
    assert batch_dependent(D)
    same = torch.zeros(8, 2)
    varied = torch.cat([torch.zeros(1, 2), torch.randn(7, 2)])
    assert not torch.equal(D(same)[0], D(varied)[0])        # example 0 is the same in both
    layer = M.MinibatchStd()
    assert torch.equal(layer(torch.ones(5, 3))[:, -1], torch.zeros(5))


@pytest.mark.parametrize("variant", sorted(M.VARIANTS))
def test_every_variant_trains_through_the_one_loop(variant, one_thread):
    T = M.build("ring", variant, seed=0, hidden_G=16, hidden_D=8)
    T.train(iterations=3, progress=False)
    r = M.evaluate(T, n=200)
    assert set(r) == {"modes", "high_quality", "reverse_kl"} and T.iteration == 3
    assert torch.equal(T.model.sample(5, torch.Generator().manual_seed(1)),
                       T.model.sample(5, torch.Generator().manual_seed(1)))
    with pytest.raises(ValueError, match="unknown variant"):
        M.build("ring", "unrolled")


def test_the_annealed_variant_falls_tenfold_over_its_budget(one_thread):
    """'annealed': lr_t = 1e-4 / 10^(t / ANNEAL_UPDATES) after t updates of D, floored at 1e-5."""
    t = M.build("ring", "annealed", seed=0, hidden_G=8, hidden_D=8)
    t.train(iterations=5, progress=False, checkpoint=False)
    want = 1e-4 / 10 ** ((t.updates - 1) / M.ANNEAL_UPDATES)    # set before the last update
    assert want < 1e-4 and t.opt["D"].param_groups[0]["lr"] == pytest.approx(want, rel=1e-9)
    t.opt.set_schedule(M.ANNEAL_UPDATES, 0)
    assert t.opt["G"].param_groups[0]["lr"] == pytest.approx(1e-5, rel=1e-9)
    t.opt.set_schedule(3 * M.ANNEAL_UPDATES, 0)                # never below the floor
    assert t.opt["G"].param_groups[0]["lr"] == 1e-5


def test_the_clustered_variant_draws_z_from_separated_clusters(one_thread):
    """'clustered_z': z = c_j + 0.03 eps, 100 fixed centres in R^8, the same for every seed."""
    t = M.build("grid", "clustered_z", seed=3, hidden_G=8, hidden_D=8)
    assert t.p_z.kind == "clusters" and t.p_z.d_z == 8 and t.run.spec["prior"] == "clusters"
    assert t.run.spec["norm"] == "layer" and not any(isinstance(m, torch.nn.BatchNorm1d) for m in t.G.modules())
    z = t.model.sample_z(5000, torch.Generator().manual_seed(0))
    d = torch.cdist(z, t.p_z.centres)
    near, j = d.min(1)
    assert float(near.max()) < 0.03 * 8          # every z within a few spreads of a centre ...
    assert float(torch.cdist(t.p_z.centres, t.p_z.centres).add(torch.eye(100) * 1e9).min()) > 0.5
    assert len(j.unique()) == 100                 # ... and every centre used
    again = M.build("grid", "clustered_z", seed=4, hidden_G=8, hidden_D=8).p_z.centres
    assert torch.equal(again, t.p_z.centres)    # p_z is part of the variant, not of the seed
    assert M.build("grid", "gan", seed=0, hidden_G=8, hidden_D=8).p_z.kind == "normal"
    with pytest.raises(ValueError, match="no one-coordinate quantile"):
        t.p_z.quantile(torch.tensor([0.5]))


def test_a_fourier_D_sees_its_input_through_fixed_frequencies(one_thread):
    from ganbook.core.nets import FourierFeatures
    t = M.build("grid", "gan", seed=0, hidden_G=8, hidden_D=8, fourier=1.0)
    first = t.D.net[0]
    assert isinstance(first, FourierFeatures) and t.D.net[1].linear.in_features == 2 + 128
    assert t.run.spec["fourier"] == 1.0 and "fourier" not in M.build("grid", "gan", hidden_G=8, hidden_D=8).run.spec
    x = torch.randn(6, 2)
    assert torch.allclose(t.D(x), t.D.net[1:](first(x)))
    t.train(iterations=3, progress=False, checkpoint=False)     # trains through the one loop
    assert t.iteration == 3


def test_the_benchmark_trains_at_the_stated_rates():
    """RECIPE's Adam 1e-4 is what D and G get (a bare 'lr' would set neither: Recipe's lr_D
    and lr_G, the paper's SGD 0.1, would win), constant over the run."""
    t = M.build("ring", "gan", seed=0, hidden_G=16, hidden_D=16)
    t.train(iterations=5, progress=False, checkpoint=False)
    for name in ("D", "G"):
        opt = t.opt[name]
        assert type(opt).__name__ == "Adam"
        assert [g["lr"] for g in opt.param_groups] == [1e-4] * len(opt.param_groups)
