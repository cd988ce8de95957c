"""The VAE of the chapter after the paper (Kingma & Welling 2014) as a run of the one loop:
its builder, its per-epoch validation bound, and how to load its shipped weights.

The model is :class:`ganbook.core.models.VAE` (an MLP encoder and decoder, Bernoulli pixels);
training maximises the ELBO, E_q[log p(x|z)] - KL(q(z|x) || p(z)) <= log p(x), with Adam
(Kingma & Welling used Adagrad; Adam 1e-3 is today's default and what we run).

    python -m ganbook train mnist --model vae --out runs/mnist-vae --epochs 50
"""
import numpy as np
import torch


def valid_elbo(n_valid=1000, seed=0):
    """An on_epoch callback: the mean ELBO (nats, a lower bound on log p(x)) of
    valid[:n_valid], and its two terms, with a seeded draw of z per image."""
    @torch.no_grad()
    def callback(t):
        x = torch.as_tensor(t.run.valid[:n_valid])
        elbo, rec, kl = t.model.elbo(x, torch.Generator().manual_seed(seed))
        return {"valid_elbo": float(elbo.mean()), "valid_rec": float(rec.mean()),
                "valid_kl": float(kl.mean())}
    return callback


@torch.no_grad()
def log_likelihood_bound(model, x, K=100, seed=0, batch=500):
    """Per example, the importance-weighted bound of Burda et al. 2016 (IWAE), in nats:

        log p(x) >= L_K = E[ log 1/K sum_k p(x | z_k) p(z_k) / q(z_k | x) ],  z_k ~ q(z | x),

    with L_1 the ELBO, L_K rising with K and tending to log p(x) (Bernoulli p(x | z), as
    :meth:`ganbook.core.models.VAE.elbo`).  One seeded draw of the K codes per example."""
    g, out = torch.Generator().manual_seed(seed), []
    x = torch.as_tensor(x, dtype=torch.float32)
    log2pi = np.log(2 * np.pi)
    for xb in x.split(batch):
        mu, logvar = model.encoder(xb).chunk(2, dim=1)
        eps = torch.randn((K, *mu.shape), generator=g)
        z = mu + torch.exp(0.5 * logvar) * eps                              # K x b x d_z
        logits = model.decoder(z.reshape(-1, mu.shape[1])).reshape(K, len(xb), -1)
        log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits, xb.expand(K, -1, -1), reduction="none").sum(2)
        log_pz = -0.5 * (z ** 2 + log2pi).sum(2)
        log_qz = -0.5 * (eps ** 2 + logvar + log2pi).sum(2)
        out.append(torch.logsumexp(log_px_z + log_pz - log_qz, 0) - np.log(K))
    return torch.cat(out)


