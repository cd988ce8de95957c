"""The one loop (ganbook.core.train) with the Algorithm-1 step: argument checks, schedule, exact
resume, NaN stop, callbacks."""
import math

import pytest
import torch

from fakes import small_gan
from ganbook.core import nets
from ganbook.core.models import GAN
from ganbook.core.objectives import Minimax
from ganbook.core.train import Recipe, Run, Trainer, TrainingDiverged


def gan(p_data, G=None, D=None, d_z=3, recipe=None, out=None):
    return small_gan(p_data, G, D, d_z=d_z, recipe=recipe, out=out)


def small(update="simultaneous", out=None, n=50, k=1, seed=0, **kw):
    torch.manual_seed(seed)
    x = torch.rand(n, 6)
    # MaxoutD has dropout: resume must restore its RNG
    return gan(x, recipe=Recipe(m=8, k=k, update=update, seed=seed, **kw), out=out)


@pytest.mark.parametrize("bad, msg", [
    (dict(lr_D=0.0), "lr_D=0.0"), (dict(lr_G=-1.0), "lr_G=-1.0"), (dict(k=0), "k=0"),
    (dict(m=51), "larger than the data set"), (dict(update="both"), "update="),
    (dict(g_loss="wasserstein"), "g_loss="), (dict(momentum=1.0), "momentum"),
    (dict(real_label=0.4), "real_label="), (dict(optimizer="lbfgs"), "optimizer="),
    (dict(objective="hinge"), "objective="), (dict(clip=0.0), "clip="), (dict(lr=0.0), "lr=0.0"),
])
def test_bad_recipe_is_refused_with_the_reason(bad, msg):
    r = dict(m=8) | bad
    with pytest.raises(ValueError, match=msg):
        gan(torch.rand(50, 6), recipe=Recipe(**r))


def test_p_data_must_be_tensor_or_sampler():
    with pytest.raises(TypeError, match="p_data"):
        Trainer(Run(GAN(nets.MLP([3, 6]), nets.MaxoutD(6, 5, 3), nets.Noise(3)), [1, 2, 3]))


def test_train_needs_a_budget():
    with pytest.raises(ValueError, match="how long"):
        small().train(progress=False)


def test_smoothed_D_optimum_is_a_times_D_star():
    # Minimise D's loss over a free logit per point: D(x) on data -> a when p_g has no mass there.
    logit = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([logit], lr=1.0)
    for _ in range(500):
        opt.zero_grad()
        Minimax(real_label=0.9).D_loss(logit, torch.full((1,), -50.0))[0].backward()
        opt.step()
    assert torch.sigmoid(logit).item() == pytest.approx(0.9, abs=1e-3)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_k_discriminator_updates_per_generator_update(k, update):
    T = small(update, k=k)
    T.train(iterations=4, progress=False)
    assert T.iteration == 4 and T.updates == 4 * k
    assert T.seen == 8 * 4 * k   # every D step draws a fresh minibatch of p_data


def test_schedule_is_the_authors():
    T = small(lr_decay=1.01, momentum_saturate=3)
    T.train(iterations=7, progress=False)    # 56 examples: epoch 1.12
    T.opt.set_schedule(T.updates, T.epoch)
    g = T.opt["D"].param_groups[0]
    assert g["lr"] == pytest.approx(0.1 / 1.01 ** 7)
    assert g["momentum"] == pytest.approx(0.5 + 0.2 * (1.12 + 1 - 1) / 2)
    T.opt.set_schedule(T.updates, 10.0)
    assert T.opt["G"].param_groups[0]["momentum"] == pytest.approx(0.7)   # saturated
    T.opt.set_schedule(10 ** 6, T.epoch)
    assert T.opt["G"].param_groups[0]["lr"] == 1e-6                        # the floor


@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_resume_equals_uninterrupted_run(tmp_path, update):
    a = small(update)
    a.train(iterations=23, progress=False, log_every=5)   # 184 examples: crosses epochs
    b = small(update, out=tmp_path)
    b.train(iterations=9, progress=False, log_every=5)    # interrupted mid-epoch, saved
    torch.manual_seed(999)                                 # whatever happens in between
    c = small(update, out=tmp_path, seed=0).load()
    c.train(iterations=14, progress=False, log_every=5)
    for p, q in zip(a.G.parameters(), c.G.parameters()):
        assert torch.equal(p, q)
    for p, q in zip(a.D.parameters(), c.D.parameters()):
        assert torch.equal(p, q)
    assert [r["loss_D"] for r in a.history] == [r["loss_D"] for r in c.history]
    assert (c.iteration, c.updates, c.seen) == (a.iteration, a.updates, a.seen)


def test_different_seeds_differ_and_same_seed_repeats():
    runs = []
    for seed in (0, 0, 1):
        T = small(seed=seed)
        T.train(iterations=5, progress=False)
        runs.append(torch.cat([p.flatten() for p in T.G.parameters()]))
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0], runs[2])


@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_nan_stops_with_message_and_keeps_last_good_state(tmp_path, update):
    T = small(update, out=tmp_path)
    T.train(iterations=3, progress=False, log_every=1)
    good = (tmp_path / "checkpoint.pt").read_bytes()
    before = [p.clone() for p in T.model.parameters()]
    T.p_data[:] = math.nan
    with pytest.raises(TrainingDiverged, match="diverged"):
        T.train(iterations=10, progress=False)
    assert (tmp_path / "checkpoint.pt").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt", "config.json", "metrics.csv"]
    # nothing was updated with the NaN gradient: the nets in memory are the last good ones
    assert T.iteration == 3
    assert all(torch.equal(a, b) for a, b in zip(before, T.model.parameters()))


def test_metrics_csv_is_written(tmp_path):
    T = small(out=tmp_path)
    T.train(iterations=12, progress=False, log_every=4)
    lines = (tmp_path / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("iteration,epoch,wall,loss_D,loss_G,D_x,D_G_z")
    assert len(lines) == 1 + 3


def test_sampler_p_data_and_epochs():
    from ganbook.chapters import toy
    G, D = toy.toy_nets(8)
    T = Trainer(Run(GAN(G, D, nets.Noise(1, "uniform01")), toy.p_data("gaussian"), Recipe(m=16, epoch_size=10)))
    T.train(epochs=2, progress=False)
    assert T.iteration == 20 and T.epoch == 2


def test_load_refuses_garbage(tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable ganbook checkpoint"):
        small(out=tmp_path).load()
    with pytest.raises(FileNotFoundError, match="train first"):
        small(out=tmp_path / "none").load()


def test_G_average_follows_G_and_leaves_training_unchanged(tmp_path):
    beta = 0.9
    plain, avg = small(), small(G_ema=beta)
    expected = [p.detach().clone() for p in avg.G.parameters()]   # starts as G
    for _ in range(12):
        plain.step()
        avg.step()
        expected = [beta * e + (1 - beta) * p.detach() for e, p in zip(expected, avg.G.parameters())]
    for p, q in zip(plain.G.parameters(), avg.G.parameters()):      # training is unchanged
        assert torch.equal(p, q)
    for e, a in zip(expected, avg.G_avg.parameters()):
        torch.testing.assert_close(a, e, rtol=1e-6, atol=1e-7)
    assert not torch.equal(next(avg.G_avg.parameters()), next(avg.G.parameters()))
    assert plain.G_avg is None and plain.averaged_model() is None
    x = avg.averaged_model().sample(5, torch.Generator().manual_seed(0))
    assert x.shape == (5, 6)


def test_G_average_resumes_bit_for_bit(tmp_path):
    a = small(G_ema=0.99)
    a.train(iterations=20, progress=False)
    b = small(G_ema=0.99, out=tmp_path)
    b.train(iterations=7, progress=False)
    c = small(G_ema=0.99, out=tmp_path).load()
    c.train(iterations=13, progress=False)
    for p, q in zip(a.G_avg.state_dict().values(), c.G_avg.state_dict().values()):
        assert torch.equal(p, q)


def test_G_average_decay_is_checked():
    with pytest.raises(ValueError, match="G_ema=1.0"):
        Recipe(G_ema=1.0).check()
