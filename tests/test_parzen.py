"""Parzen window estimator and k-means baseline."""
import math

import numpy as np
import pytest

from ganbook.measures.parzen import PAPER_SIGMAS, kmeans, parzen_log_likelihood, parzen_protocol


def direct(x, mu, sigma):
    """Slow reference in float64: log(1/N sum_i N(x; mu_i, sigma^2 I)), one point at a time."""
    d = mu.shape[1]
    out = []
    for xi in x.astype(np.float64):
        a = -((xi - mu.astype(np.float64)) ** 2).sum(1) / (2 * sigma ** 2)
        m = a.max()
        out.append(m + math.log(np.exp(a - m).mean()) - d * math.log(sigma * math.sqrt(2 * math.pi)))
    return np.array(out)


@pytest.mark.parametrize("sigma", [0.05, 0.2, 1.0])
def test_matches_direct_reference(sigma):
    rng = np.random.default_rng(0)
    mu = rng.random((300, 50)).astype(np.float32)
    x = rng.random((40, 50)).astype(np.float32)
    got = parzen_log_likelihood(x, mu, [sigma], block=7)[0]
    np.testing.assert_allclose(got, direct(x, mu, sigma), rtol=1e-6, atol=2e-3)


def test_one_sigma_per_row_and_blocks_do_not_matter():
    rng = np.random.default_rng(1)
    mu, x = rng.random((100, 20)), rng.random((30, 20))
    a = parzen_log_likelihood(x, mu, [0.1, 0.3], block=1000)
    b = parzen_log_likelihood(x, mu, [0.1, 0.3], block=4)
    assert a.shape == (2, 30)
    np.testing.assert_allclose(a, b, atol=1e-4)   # float32 matmul kernels differ by block
    np.testing.assert_allclose(a[1], parzen_log_likelihood(x, mu, [0.3])[0], atol=1e-4)


def test_closed_form_gaussian():
    # One kernel at mu: log N(x; mu, sigma^2 I) = -r^2 / (2 sigma^2) - d log(sigma sqrt(2 pi)).
    d, sigma = 784, 0.2
    mu = np.full((1, d), 0.5, dtype=np.float32)
    x = mu + 0.1           # r^2 = 784 * 0.01
    expect = -784 * 0.01 / (2 * sigma ** 2) - d * math.log(sigma * math.sqrt(2 * math.pi))
    assert parzen_log_likelihood(x, mu, [sigma])[0, 0] == pytest.approx(expect, abs=1e-3)
    # N identical kernels: the mixture is the same Gaussian.
    assert parzen_log_likelihood(x, np.repeat(mu, 50, 0), [sigma])[0, 0] == pytest.approx(expect, abs=1e-3)


def test_protocol_chooses_sigma_on_valid_not_test():
    rng = np.random.default_rng(2)
    mu = rng.normal(0, 1, (500, 5))
    valid = rng.normal(0, 1, (200, 5))
    test = mu[:100] + 1e-3     # test points sit on samples: tiny sigma would win on test
    r = parzen_protocol(mu, valid, test, sigmas=[0.01, 0.1, 1.0], n_valid=200)
    assert r.sigma == 1.0 and r.valid_ll[2] == max(r.valid_ll)
    ll = parzen_log_likelihood(test, mu, [1.0])[0]
    assert r.mean == pytest.approx(ll.mean()) and r.se == pytest.approx(ll.std() / 10)
    assert parzen_log_likelihood(test, mu, [0.01])[0].mean() > r.mean   # test would pick 0.01


def test_paper_sigma_grid():
    np.testing.assert_allclose(PAPER_SIGMAS, np.logspace(-1, 0, 10))


@pytest.mark.parametrize("bad", [dict(sigmas=[0.0]), dict(sigmas=[-1.0])])
def test_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma must be positive"):
        parzen_log_likelihood(np.zeros((2, 3)), np.zeros((4, 3)), **bad)


def test_shape_mismatch():
    with pytest.raises(ValueError, match="same d"):
        parzen_log_likelihood(np.zeros((2, 3)), np.zeros((4, 5)), [0.1])


def test_kmeans_finds_separated_clusters():
    rng = np.random.default_rng(3)
    centres = np.array([[0, 0], [10, 0], [0, 10]], dtype=np.float32)
    x = np.concatenate([c + rng.normal(0, 0.1, (50, 2)) for c in centres]).astype(np.float32)
    c = kmeans(x, 3, iterations=20, seed=1).numpy()
    found = sorted(map(tuple, np.round(c).astype(int)))
    assert found == [(0, 0), (0, 10), (10, 0)]
    with pytest.raises(ValueError, match="k=0"):
        kmeans(x, 0)


def test_nearest_matches_brute_force():
    from ganbook.measures.parzen import nearest
    rng = np.random.default_rng(4)
    ref, x = rng.random((60, 7), dtype=np.float32), rng.random((25, 7), dtype=np.float32)
    brute = ((x[:, None] - ref[None]) ** 2).sum(-1).argmin(1)
    assert (nearest(x, ref, block=4).numpy() == brute).all()
