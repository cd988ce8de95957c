"""The PixelCNN's guarantees: causal (no logit reads its own pixel or a later one), no blind
spot in the gated design (and the blind spot of the masked one), a distribution that sums
to 1, the closed form of a constant model, exact fast sampling, and its run records."""
import math

import numpy as np
import pytest
import torch

from fakes import random_splits
from ganbook.core.pixelcnn import GatedPixelCNN, MaskedPixelCNN, constant_nll
from ganbook.chapters.pixelcnn import blind_spot, dependence, nll, receptive_field

MODELS = [lambda side: GatedPixelCNN(side=side, channels=8, layers=4, k0=5),
          lambda side: MaskedPixelCNN(side=side, channels=8, layers=3, k0=5)]


def _randomise(model, seed=0):
    """Weights big enough that every path carries a non-zero gradient."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model


@pytest.mark.parametrize("make", MODELS, ids=["gated", "masked"])
def test_no_logit_reads_its_own_pixel_or_a_later_one(make, one_thread):
    side = 8
    model = _randomise(make(side))
    for i in range(side * side):
        d = dependence(model, i).flatten()
        assert (d[i:] == 0).all(), f"logit {i} reads pixels {np.flatnonzero(d[i:]) + i}"


def test_the_gated_pixelcnn_reads_every_earlier_pixel_in_its_window(one_thread):
    """No blind spot: pixel (r, c) reads every pixel of the rows above within its window
    (receptive_rows up, as far left and right) and every pixel to its left in its row."""
    side = 12
    model = _randomise(GatedPixelCNN(side=side, channels=8, layers=4, k0=5))
    up, left = model.receptive_rows(), model.receptive_columns()
    for r, c in [(7, 5), (11, 11), (3, 0), (9, 2)]:
        seen = receptive_field(model, r * side + c)
        want = np.zeros_like(seen)
        r0 = max(0, r - up)
        want[r0:r, max(0, c - up + 1):min(side, c + up)] = True
        want[r, max(0, c - left):c] = True
        assert seen[want].all(), f"pixel ({r}, {c}) misses earlier pixels {np.argwhere(want & ~seen)}"
        assert not seen[r, c:].any() and not seen[r + 1:].any()


def test_the_masked_pixelcnn_has_a_blind_spot_and_the_gated_one_none(one_thread):
    """Within the bounding box of the rows above that a logit reads, stacked masked kernels
    leave pixels up and to the right unread (the blind spot); the two stacks leave none."""
    side, r, c = 12, 8, 4
    for model, blind_spot_expected in [(MaskedPixelCNN(side=side, channels=8, layers=3, k0=5), True),
                              (GatedPixelCNN(side=side, channels=8, layers=4, k0=5), False)]:
        seen = receptive_field(_randomise(model), r * side + c)
        unread = blind_spot(seen, r)
        if blind_spot_expected:
            assert unread and all(col > c for _, col in unread), "expected pixels up-right unread"
        else:
            assert not unread, f"blind spot at {unread}"


@pytest.mark.parametrize("make", MODELS, ids=["gated", "masked"])
def test_the_probabilities_of_all_binary_images_sum_to_one(make, one_thread):
    side = 4                                          # 2^16 images
    model = _randomise(make(side), seed=3)
    n = side * side
    idx = torch.arange(2 ** n)
    x = ((idx[:, None] >> torch.arange(n)) & 1).float()
    with torch.no_grad():
        logp = torch.cat([model.log_prob(xb) for xb in x.split(8192)]).double()
    assert abs(torch.logsumexp(logp, 0).item()) < 1e-4
    assert logp.max() < 0


def test_a_constant_model_has_its_closed_form_nll(one_thread):
    model = GatedPixelCNN(side=8, channels=8, layers=2, k0=3)
    p = 0.13
    with torch.no_grad():
        last = model.head[-1]
        last.weight.zero_()
        last.bias.fill_(math.log(p / (1 - p)))
    x = (torch.rand(50, 64, generator=torch.Generator().manual_seed(0)) < 0.3).float()
    n1 = x.sum(1)
    want = -(n1 * math.log(p) + (64 - n1) * math.log(1 - p))
    assert torch.allclose(nll(model, x), want, atol=1e-4)
    assert torch.allclose(constant_nll(x, p).float(), want, atol=1e-4)
    per_pixel = torch.full((64,), p, dtype=torch.float64)
    per_pixel[0] = 0.5                               # one pixel of its own: log 2 for either value
    assert torch.allclose(constant_nll(x, per_pixel) - constant_nll(x, p),
                          math.log(2) + torch.where(x[:, 0] > 0, math.log(p), math.log(1 - p)).double())


def test_the_fast_samplers_draw_exactly_what_the_full_passes_draw(one_thread):
    model = _randomise(GatedPixelCNN(side=9, channels=8, layers=3, k0=5), seed=1)
    draws = {}
    for name, kw in {"full": dict(window=False, cache=False), "window": dict(cache=False),
                     "cache": dict(cache=True), "cache, batches of 3": dict(batch=3)}.items():
        x, p = model.sample(7, torch.Generator().manual_seed(5), probs=True, **kw)
        with torch.no_grad():
            teacher = torch.sigmoid(model(x.view(7, 1, 9, 9))).view(7, -1)
        assert torch.allclose(p, teacher, atol=1e-5), name       # p(x_i | the drawn x_<i)
        assert set(x.unique().tolist()) <= {0.0, 1.0}
        draws[name] = x
    for name, x in draws.items():
        assert torch.equal(x, draws["full"]), name
    masked = _randomise(MaskedPixelCNN(side=9, channels=8, layers=2, k0=5), seed=1)
    a = masked.sample(4, torch.Generator().manual_seed(2), window=False)
    b = masked.sample(4, torch.Generator().manual_seed(2))
    assert torch.equal(a, b)


def test_binarisation_is_fixed_per_split_and_checksummed():
    from ganbook.data import binarized as B
    grey = random_splits((20, 10, 10), d=16)
    train, valid, test = B.splits(grey)
    assert train is grey[0]
    assert set(np.unique(test)) <= {0.0, 1.0}
    again = B.splits(grey)
    assert B.checksum(again[2]) == B.checksum(test) and B.checksum(valid) != B.checksum(test)
    assert abs(B.fixed(np.full((400, 50), 0.3, np.float32), "test").mean() - 0.3) < 0.02
    with pytest.raises(ValueError, match="other than 0 and 1"):
        B.checksum(grey[2])
    with pytest.raises(ValueError, match="unknown split"):
        B.fixed(grey[2], "train")


def test_pixelcnn_and_binary_vae_runs_train_resume_and_load(tmp_path, use_splits, one_thread, capsys):
    from ganbook.cli.main import main
    from ganbook.store import weights
    use_splits(random_splits((300, 200, 100), d=64))
    out = tmp_path / "pc"
    main(["train", "mnist", "--model", "pixelcnn", "--iterations", "100", "--m", "10", "--out", str(out), "--quiet"])
    assert capsys.readouterr().out.startswith("trained to iteration 100")
    main(["train", "mnist", "--resume", "--iterations", "2", "--out", str(out), "--quiet"])
    cfg = json_of(out / "config.json")
    assert cfg["spec"]["model"] == "pixelcnn" and cfg["spec"]["binarized"] == "dynamic"
    assert cfg["recipe"]["objective"] == "pixelcnn" and cfg["recipe"]["m"] == 10
    model, rec = weights.load(out / "best-model")
    assert rec["valid_nll"] > 0 and isinstance(model, GatedPixelCNN)
    x = torch.bernoulli(torch.full((3, 64), 0.4))
    assert nll(model, x).shape == (3,)
    vae = tmp_path / "vae"
    main(["train", "mnist", "--model", "vae", "--binarized", "--iterations", "16", "--m", "20",
          "--out", str(vae), "--quiet"])
    assert json_of(vae / "config.json")["spec"]["binarized"] == "dynamic"
    assert weights.load(vae / "best-model")[0].binary


def test_binarized_flag_is_refused_where_it_does_not_apply(tmp_path):
    from ganbook.cli.main import main
    with pytest.raises(SystemExit, match="--binarized applies to a new --model vae run only"):
        main(["train", "fake", "--binarized", "--iterations", "2", "--out", str(tmp_path / "g")])
    assert not (tmp_path / "g").exists()


def json_of(path):
    import json
    return json.loads(path.read_text())


def test_mnist_binarisations_are_the_books_and_the_shipped_pixelcnn_re_measures(one_thread):
    """The fixed binarisations of MNIST match their stored SHA256 (built, then checked), and
    the shipped PixelCNN's exact validation NLL, re-computed, is the one its record holds."""
    from ganbook.data import binarized as B, splits as data_splits
    from ganbook.store import weights
    grey = data_splits.load_splits("mnist")
    _, valid, test = B.splits(grey, "mnist")
    assert B.checksum(test) == B.MNIST_SHA256["test"] and B.checksum(valid) == B.MNIST_SHA256["valid"]
    model, rec = weights.load(weights.SHIPPED / "mnist-pixelcnn")
    assert rec["spec"]["binarized"] == "dynamic"
    from ganbook.chapters.pixelcnn import N_VALID
    assert abs(nll(model, valid[:N_VALID]).mean().item() - rec["valid_nll"]) < 1e-3
    flipped = valid.copy()
    flipped[0, 0] = 1 - flipped[0, 0]
    assert B.checksum(flipped) != B.MNIST_SHA256["valid"]


def test_completions_keep_the_given_rows_and_the_per_pixel_nll_adds_up(one_thread):
    from ganbook.chapters.pixelcnn import nll_per_pixel
    model = _randomise(GatedPixelCNN(side=8, channels=8, layers=3, k0=5), seed=4)
    given = (torch.rand(5, 64, generator=torch.Generator().manual_seed(0)) < 0.4).float()
    x, p = model.sample(5, torch.Generator().manual_seed(1), probs=True, given=given, rows=3)
    assert torch.equal(x[:, :24], given[:, :24])
    assert torch.equal(p[:, :24], given[:, :24])
    with torch.no_grad():
        teacher = torch.sigmoid(model(x.view(5, 1, 8, 8))).view(5, -1)
    assert torch.allclose(p[:, 24:], teacher[:, 24:], atol=1e-5)
    per = nll_per_pixel(model, given)
    assert per.shape == (8, 8) and abs(per.sum() - nll(model, given).mean().item()) < 1e-3


def test_families_table_has_one_cell_per_column_and_escapes_bars():
    from ganbook.chapters.pixelcnn import FAMILY_COLUMNS, families_table
    scores = {"parzen": 189.04, "FD": 17.23, "precision": 0.8, "recall": 0.7}
    text = families_table({"p(a | b)": {"likelihood": "none", "grey": scores, "binary": scores}})
    head, rule, row = text.splitlines()
    assert row.startswith("| p(a \\| b) | none | 189 | 189 | 17.2 | 17.2 | 0.80 | 0.70 |")
    cells = lambda line: len(line.replace("\\|", "").strip("|").split("|"))
    assert cells(head) == cells(rule) == cells(row) == len(FAMILY_COLUMNS) + 2
