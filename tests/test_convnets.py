"""ganbook.core.convnets: DCGAN nets give the book's flat images, D sees them, the one loop
trains them, and the FLOP count is torch's own counter on a real step."""
import pytest
import torch

from ganbook.core import convnets as C
from ganbook.core.steps import batch_dependent


@pytest.mark.parametrize("side, ups", [(28, 2), (48, 3)])
def test_shapes_and_range(side, ups):
    torch.manual_seed(0)
    G, D = C.DCGAN_G(side, width=8), C.DCGAN_D(side, width=8)
    x = G(torch.randn(5, 100))
    assert x.shape == (5, side * side) and 0 < x.min() and x.max() < 1
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in G.modules()) == ups
    assert D(x).shape == (5,)
    assert batch_dependent(D) and not batch_dependent(C.DCGAN_D(side, width=8, batchnorm=False))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in C.DCGAN_G(side, width=8, batchnorm=False).modules())
    with pytest.raises(ValueError, match="side"):
        C.DCGAN_G(32)


def test_init_is_dcgans():
    torch.manual_seed(0)
    G = C.DCGAN_G(48, width=32)
    w = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    assert w.std().item() == pytest.approx(0.02, rel=0.05) and abs(w.mean().item()) < 1e-3
    bn = torch.cat([m.weight for m in G.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    assert bn.mean().item() == pytest.approx(1.0, abs=0.01)


def test_flops_per_step_counts_a_real_step():
    G, D = C.DCGAN_G(28, width=8), C.DCGAN_D(28, width=8)
    f = C.flops_per_step(G, D, m=10)
    f2 = C.flops_per_step(G, D, m=20)
    assert f > 0 and f2 == pytest.approx(2 * f, rel=0.01)        # linear in the minibatch
    # D's first conv alone, forward on 10 images: 2 * 10 * (8 * 14 * 14) * (1 * 4 * 4)
    assert f > 2 * 10 * 8 * 14 * 14 * 16
    assert all(p.grad is None for p in list(G.parameters()) + list(D.parameters()))


def _splits(n=300, side=28):
    g = torch.Generator().manual_seed(0)
    return tuple(torch.rand(k, side * side, generator=g).numpy() for k in (n, 100, 100))


def test_arch_kwargs_size_by_side():
    assert C.arch_kwargs("dcgan", 28) == {"width": 32} and C.arch_kwargs("dcgan", 48) == {"width": 16}
    assert C.arch_kwargs("dcgan-nobn", 48) == {"width": 16, "batchnorm": False}
    assert C.arch_kwargs("dcgan-nobn", 48, "D") == {"width": 16, "batchnorm": False}
    assert C.arch_kwargs("dcgan-critic", 28) == {"width": 32}
    assert C.arch_kwargs("dcgan-critic", 28, "D") == {"width": 32, "batchnorm": False}
    with pytest.raises(ValueError, match="unknown DCGAN arch"):
        C.arch_kwargs("stylegan", 28)
    with pytest.raises(ValueError, match="side"):
        C.arch_kwargs("dcgan", 64)


@pytest.mark.parametrize("dataset, side, arch", [("mnist", 28, "dcgan"), ("faces", 48, "dcgan"),
                                                 ("mnist", 28, "dcgan-nobn")])
def test_dcgan_trains_through_the_one_loop_and_ships(tmp_path, dataset, side, arch):
    from ganbook.chapters import mnist as E
    from ganbook.store import weights
    T = E.build(dataset, arch=arch, splits=_splits(side=side), seed=0)
    assert isinstance(T.G, C.DCGAN_G) and type(T.opt["D"]).__name__ == "Adam"
    assert (T.recipe.lr_D, T.recipe.update, T.recipe.lr_decay) == (2e-4, "alternating", 1.0)
    assert T.run.spec == {"dataset": dataset, "arch": arch, "noise": "uniform"}
    last = [m for m in T.G.modules() if isinstance(m, torch.nn.ConvTranspose2d)][-1]
    assert last.in_channels == C.WIDTH[side]                      # the book's width at this side
    has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in T.model.modules())
    assert has_bn == (arch == "dcgan") and batch_dependent(T.model.D) == (arch == "dcgan")
    before = [p.clone() for p in T.G.parameters()]
    T.train(iterations=3, progress=False, checkpoint=False)
    assert all(not torch.equal(a, b) for a, b in zip(before, T.G.parameters()))
    meta = weights.export(T, tmp_path / f"{dataset}-{arch}")
    model, record = weights.load(meta)
    g = lambda: torch.Generator().manual_seed(5)
    assert torch.equal(model.sample(7, g()), T.model.sample(7, g()))
    with pytest.raises(ValueError, match="unknown arch"):
        E.build("fake", arch="dcgan")


def test_cli_gives_dcgan_its_own_recipe(tmp_path, monkeypatch, use_splits):
    import json
    from ganbook.cli.main import main
    use_splits(_splits())
    main(["train", "mnist", "--arch", "dcgan", "--out", str(tmp_path / "run"), "--iterations", "2",
          "--quiet"])
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    assert cfg["spec"]["arch"] == "dcgan"
    assert (cfg["recipe"]["optimizer"], cfg["recipe"]["update"], cfg["recipe"]["lr_G"]) == ("adam", "alternating", 2e-4)
