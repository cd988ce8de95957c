"""ganbook.measures.features: each measure on cases with known answers, and against the libraries
that compute the same formulas (torchmetrics, prdc) as oracles."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from ganbook.measures import features as ev


def one_hot(labels, k):
    return torch.nn.functional.one_hot(torch.as_tensor(labels), k).double()


@pytest.mark.parametrize("k", [1, 3, 10])
def test_is_of_one_hot_predictions_over_k_classes_is_k(k):
    p = one_hot(np.arange(3000) % k, 10)          # 10 splits of 300: every class equally often
    mean, sd = ev.inception_score(p, splits=10)
    assert mean == pytest.approx(k) and sd == pytest.approx(0, abs=1e-9)


def test_is_of_uniform_predictions_is_1():
    assert ev.inception_score(torch.full((100, 10), 0.1), splits=1)[0] == pytest.approx(1.0)


class Logits(nn.Module):
    """torchmetrics calls the feature extractor on the 'images': here they are logits already."""

    def forward(self, x):
        return x.float()


def test_is_against_torchmetrics():
    from torchmetrics.image.inception import InceptionScore
    logits = torch.randn(600, 10, generator=torch.Generator().manual_seed(0)) * 3
    oracle = InceptionScore(feature=Logits(), splits=1)
    oracle.update(logits)
    want = oracle.compute()[0].item()
    assert ev.inception_score(logits.softmax(1), splits=1)[0] == pytest.approx(want, rel=1e-5)


def test_fd_of_identical_sets_is_0_and_of_shifted_gaussians_is_the_closed_form():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4000, 5, generator=g)
    assert ev.frechet_distance(x, x) == pytest.approx(0, abs=1e-8)
    # N(0, S) vs N(m, S): FD = ||m||^2 exactly, whatever S, for the fitted Gaussians
    m = torch.tensor([1.0, -2.0, 0.0, 0.5, 3.0])
    assert ev.frechet_distance(x, x + m) == pytest.approx(float((m ** 2).sum()), abs=1e-6)
    # N(0, I) vs N(0, 4 I): Tr(I + 4I - 2 * 2I) = d, up to sampling
    assert ev.frechet_distance(x, 2 * torch.randn(4000, 5, generator=g)) == pytest.approx(5, rel=0.1)


class Flat(nn.Module):
    def forward(self, x):
        return x.flatten(1).double()


def test_fd_against_torchmetrics():
    from torchmetrics.image.fid import FrechetInceptionDistance
    g = torch.Generator().manual_seed(1)
    real = torch.randn(500, 8, generator=g)
    fake = 0.7 * torch.randn(500, 8, generator=g) @ torch.randn(8, 8, generator=g) * 0.3 + 0.2
    oracle = FrechetInceptionDistance(feature=Flat(), input_img_size=(8,), normalize=True)
    oracle.set_dtype(torch.float64)
    oracle.update(real, real=True)
    oracle.update(fake, real=False)
    assert ev.frechet_distance(real, fake) == pytest.approx(oracle.compute().item(), rel=1e-6)


def test_prdc_of_identical_sets_and_of_disjoint_far_sets():
    x = torch.randn(300, 4, generator=torch.Generator().manual_seed(2))
    same = ev.prdc(x, x.clone())
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0
    far = ev.prdc(x, x + 1000.0)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_prdc_against_the_prdc_package():
    from prdc import compute_prdc
    g = torch.Generator().manual_seed(3)
    real = torch.randn(400, 6, generator=g)
    fake = 1.3 * torch.randn(300, 6, generator=g) + 0.4
    want = compute_prdc(real.numpy(), fake.numpy(), nearest_k=3)
    got = ev.prdc(real, fake, k=3)
    for key in ("precision", "recall", "density", "coverage"):
        assert got[key] == pytest.approx(float(want[key]), abs=1e-9), key


def test_blocks_do_not_change_the_answer():
    g = torch.Generator().manual_seed(4)
    real, fake = torch.randn(250, 3, generator=g), torch.randn(260, 3, generator=g)
    assert ev.prdc(real, fake, block=7) == ev.prdc(real, fake, block=1000)


def test_class_coverage():
    c = ev.class_coverage(one_hot([3] * 90 + [5] * 10, 10))
    assert c["covered"] == 2 and c["histogram"][3] == pytest.approx(0.9)
    assert c["kl_uniform"] == pytest.approx(0.9 * math.log(9) + 0.1 * math.log(1))
    assert ev.class_coverage(one_hot(np.arange(100) % 10, 10))["kl_uniform"] == pytest.approx(0)
