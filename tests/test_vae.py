"""ganbook.chapters.vae: a VAE run of the one loop raises its validation ELBO, keeps its best epoch,
resumes, ships, and joins the evaluation table's generators."""
import json

import pytest
import torch

from ganbook.chapters import mnist as E
from ganbook.chapters import scoreboard
from ganbook.store import weights
from ganbook.cli.main import main
from ganbook.core.models import VAE


def _splits(n=400):
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(n + 200, 64, generator=g) < 0.3).float().numpy()    # 8 x 8 binary images
    return x[:n], x[n:n + 100], x[n + 100:]


def test_vae_run_trains_records_and_ships(tmp_path):
    out = tmp_path / "run"
    T = E.build("mnist", out=out, model="vae", splits=_splits(), d_z=4, hidden=32)
    assert isinstance(T.model, VAE) and T.run.spec == {"dataset": "mnist", "model": "vae", "d_z": 4, "hidden": 32}
    assert (T.recipe.objective, T.recipe.optimizer, T.recipe.lr) == ("vae", "adam", 1e-3)
    T.train(epochs=6, on_epoch=E.epoch_callbacks(T, parzen_every=3), progress=False)
    v = [r["valid_elbo"] for r in T.history if "valid_elbo" in r]
    assert len(v) == 6 and v[-1] > v[0]                      # the bound on log p(valid) rises
    best = json.loads((out / "best-G.json").read_text())
    assert best["model"] == {"model": "vae", "d_z": 4}
    model, record = weights.load(out / "best-G")
    g = lambda: torch.Generator().manual_seed(1)
    assert model.sample(5, g()).shape == (5, 64)
    main(["ship", str(out), str(tmp_path / "w" / "mnist-vae"), "--label", "VAE (test)"])
    assert "VAE (test)" in scoreboard.shipped_generators(tmp_path / "w")
    assert scoreboard.shipped_generators(tmp_path / "w", models=("gan",)) == {}
    R = E.load_run(out, splits=_splits())                   # resumes from its spec
    assert isinstance(R.model, VAE) and R.iteration == T.iteration
    with pytest.raises(ValueError, match="unknown model"):
        E.build("mnist", model="flow", splits=_splits())


def test_samples_of_a_vae_go_through_experiments_samples():
    torch.manual_seed(0)
    vae = VAE(d_x=16, d_z=2, hidden=8)
    s = E.samples(vae, 30, batch=7)
    assert s.shape == (30, 16) and ((0 < s) & (s < 1)).all()


def test_importance_weighted_bound_tends_to_log_p_x_by_quadrature():
    """With d_z = 1, log p(x) = log integral p(x | z) N(z; 0, 1) dz is a 1-D integral: the
    bound of K = 1 is the ELBO, it rises with K, and at K = 4000 it is within 0.05 nats of
    the quadrature, below it (a lower bound) up to Monte Carlo noise."""
    import numpy as np

    from ganbook.chapters.vae import log_likelihood_bound
    torch.manual_seed(0)
    vae = VAE(d_x=16, d_z=1, hidden=8)
    x = (torch.rand(6, 16, generator=torch.Generator().manual_seed(1)) < 0.4).float()
    z = torch.linspace(-8, 8, 20001)[:, None]
    with torch.no_grad():
        logits = vae.decoder(z)
        log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits[:, None, :].expand(-1, len(x), -1), x.expand(len(z), -1, -1),
            reduction="none").sum(2)
        log_pz = -0.5 * (z ** 2 + np.log(2 * np.pi))
        exact = torch.logsumexp(log_px_z + log_pz, 0) + np.log(float(z[1] - z[0]))
    b1 = log_likelihood_bound(vae, x, K=1, seed=0)
    b = {K: log_likelihood_bound(vae, x, K=K, seed=0) for K in (10, 4000)}
    with torch.no_grad():
        elbo = torch.stack([vae.elbo(x, torch.Generator().manual_seed(s))[0] for s in range(2000)]).mean(0)
    assert float((b[4000] - exact).abs().max()) < 0.05
    assert float(b[10].mean()) <= float(exact.mean()) + 1e-3
    assert float(elbo.mean()) < float(b[10].mean()) < float(b[4000].mean()) + 1e-3
    assert b1.shape == (6,) and float((b1.mean() - elbo.mean()).abs()) < 1.0
