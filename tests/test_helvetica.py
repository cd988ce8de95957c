"""ganbook.chapters.helvetica: G trained alone against a frozen D collapses onto D's maximum,
and the measures that say so."""
import math

import pytest
import torch
from torch import nn

from ganbook.chapters import helvetica as H


class Hill(nn.Module):
    """A logit with one maximum, at ``top``: a(x) = -||x - top||^2."""
    pack = 1

    def __init__(self, top):
        super().__init__()
        self.top = torch.tensor(top)

    def forward(self, x):
        return -((x - self.top) ** 2).sum(1, keepdim=True)


def test_piles_count_the_largest_pile_and_the_piles_that_hold_most_samples():
    one = torch.zeros(50, 2)
    assert H.piles(one) == (1.0, 1)
    two = torch.cat([torch.zeros(60, 2), torch.ones(40, 2)])
    assert H.piles(two) == (0.6, 2)
    spread = torch.stack([torch.arange(100.0), torch.zeros(100)], 1)   # 1 apart: each alone
    assert H.piles(spread) == (0.01, 90)


def test_D_top_is_the_argmax_of_D_on_the_grid():
    top, a = H.D_top(Hill([0.5, -0.25]), box=1.5, res=121)
    assert top.tolist() == pytest.approx([0.5, -0.25], abs=1.5 / 121)
    assert a.shape == (121, 121) and float(a.max()) == pytest.approx(0.0, abs=1e-3)


def test_dropped_modes_charges_what_each_divergence_charges():
    assert H.dropped_modes(8, 8) == {"forward_kl": 0.0, "reverse_kl": 0.0, "two_jsd": 0.0,
                                     "non_saturating": 0.0}
    d = H.dropped_modes(8, 1)
    assert d["forward_kl"] == math.inf and d["reverse_kl"] == pytest.approx(math.log(8))
    # the JSD of the two histograms over the K modes, computed directly
    p, q = torch.full((8,), 1 / 8, dtype=torch.float64), torch.tensor([1.0] + [0.0] * 7, dtype=torch.float64)
    m = (p + q) / 2
    kl = lambda a, b: float(torch.where(a > 0, a * (a / b).log(), 0.0).sum())
    assert d["two_jsd"] == pytest.approx(kl(p, m) + kl(q, m))
    assert d["non_saturating"] == pytest.approx(math.log(8) - d["two_jsd"])


def test_G_alone_collapses_onto_the_frozen_D_and_D_updated_spreads_it_again(one_thread):
    r = H.run(0, hill=25, alone=1000, resume=100, every=100, n=500)
    (_, s0, joint), (_, s1, alone), (_, s2, resumed) = r["stages"]
    assert (s0, s1, s2) == (25, 1025, 1125)
    assert joint["largest_pile"] < 0.1 and joint["spread"] > 0.5
    # one pile, on D's maximum: G's best response to a fixed D
    assert alone["largest_pile"] > 0.9 and alone["at_top"] > 0.9 and alone["spread"] < 0.1
    assert H.collapsed(alone) and not H.collapsed(joint)
    assert resumed["largest_pile"] < 0.3 and resumed["spread"] > 0.5


def test_a_seed_fixes_the_run(one_thread):
    a, b = (H.run(3, hill=5, alone=20, resume=10, every=5, n=200) for _ in range(2))
    assert [s[:2] for s in a["stages"]] == [("joint", 5), ("G alone", 25), ("resumed", 30), ("resumed", 35)]
    for (_, _, x), (_, _, y) in zip(a["stages"], b["stages"]):
        assert torch.equal(x["samples"], y["samples"]) and torch.equal(x["D"], y["D"])
    lines = H.table([a], H.p_data_reference(n=200)).splitlines()
    assert lines[1].startswith("p_data") and lines[2].startswith("seed 3: after 5 iterations of Alg. 1")
    assert lines[3].startswith("seed 3: then 20 steps of G alone") and len(lines) == 6
