"""ganbook.vae: a VAE run of the one loop raises its validation ELBO, keeps its best epoch,
resumes, ships, and joins the evaluation table's generators."""
import json

import pytest
import torch

from ganbook import experiments as E, scoreboard, weights
from ganbook.cli import main
from ganbook.models import VAE


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
