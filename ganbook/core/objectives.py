"""What D and G optimise: one small class per paper, each with its equations.

Every objective works on D's raw outputs (a logit for the minimax and least-squares
games, a real-valued critic for the Wasserstein ones) and returns losses to *minimise*
plus a dict of statistics to log.  :class:`ganbook.core.steps.GANStep` runs Algorithm 1 with
any of them: a new variant is a new objective, not a branch in the loop.
"""
import torch
import torch.nn.functional as F


class Minimax:
    """Goodfellow et al. 2014, Eq. 1:

        min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],   D = sigmoid(logit).

    D minimises the authors' ``d_obj = 1/2 [-log D(x) - log(1 - D(G(z)))]``; with
    ``real_label`` a < 1 the data term is BCE(a, D(x)) (one-sided label smoothing,
    Salimans et al. 2016; D* becomes a p_data / (p_data + p_g)).  G minimises
    log(1 - D(G(z))) ('saturating', Eq. 1 as written) or -log D(G(z)) ('non_saturating',
    Sec. 3: same fixed point, strong gradients early).
    """

    def __init__(self, g_loss="non_saturating", real_label=1.0):
        self.g_loss, self.real_label = g_loss, real_label

    def D_loss(self, real, fake):
        loss = F.softplus(-real).mean()
        if self.real_label != 1.0:
            a = self.real_label
            loss = a * loss + (1 - a) * F.softplus(real).mean()
        loss = 0.5 * (loss + F.softplus(fake).mean())
        return loss, {"D_x": torch.sigmoid(real).mean(), "D_G_z": torch.sigmoid(fake).mean()}

    def G_loss(self, fake):
        if self.g_loss == "non_saturating":
            return F.softplus(-fake).mean()
        return -F.softplus(fake).mean()

    def penalty(self, D, x, fake, generator):
        return None

    def after_D_step(self, D):
        pass


class LeastSquares(Minimax):
    """Mao et al. 2017 (LSGAN), targets a = 0 (fake), b = 1 (real), c = 1 (G's aim):

        min_D 1/2 E_x[(D(x) - 1)^2] + 1/2 E_z[D(G(z))^2],   min_G 1/2 E_z[(D(G(z)) - 1)^2].
    """

    def __init__(self):
        super().__init__()

    def D_loss(self, real, fake):
        loss = 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean()
        return loss, {"D_x": real.mean(), "D_G_z": fake.mean()}

    def G_loss(self, fake):
        return 0.5 * ((fake - 1) ** 2).mean()


class WGAN(Minimax):
    """Arjovsky et al. 2017, Eq. 3 (Kantorovich-Rubinstein duality):

        W(p_data, p_g) = max_{||f||_L <= K} E_x[f(x)] - E_z[f(G(z))].

    The critic D minimises E_z[D(G(z))] - E_x[D(x)]; G minimises -E_z[D(G(z))].  K-Lipschitz
    by clipping every weight of D to [-c, c] after each critic update (Algorithm 1 there).
    Logged: ``W`` = E_x[D(x)] - E_z[D(G(z))], the critic's estimate (up to K).
    """

    def __init__(self, clip=0.01):
        super().__init__()
        self.clip = clip

    def D_loss(self, real, fake):
        w = real.mean() - fake.mean()
        return -w, {"W": w}

    def G_loss(self, fake):
        return -fake.mean()

    @torch.no_grad()
    def after_D_step(self, D):
        for p in D.parameters():
            p.clamp_(-self.clip, self.clip)


class WGANGP(WGAN):
    """Gulrajani et al. 2017, Eq. 3: the WGAN critic loss plus a gradient penalty,

        L = E_z[D(G(z))] - E_x[D(x)] + lambda E_xhat[(||grad_xhat D(xhat)||_2 - 1)^2],
        xhat = eps x + (1 - eps) G(z),   eps ~ U[0, 1] per example,

    in place of clipping (lambda = 10 in the paper).  Logged: ``W`` and ``gp``.
    """

    def __init__(self, gp_lambda=10.0):
        super().__init__()
        self.gp_lambda = gp_lambda

    def penalty(self, D, x, fake, generator):
        eps = torch.rand(len(x), *([1] * (x.dim() - 1)), generator=generator)
        xhat = (eps * x + (1 - eps) * fake.detach()).requires_grad_(True)
        grad, = torch.autograd.grad(D(xhat).sum(), xhat, create_graph=True)
        gp = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
        return self.gp_lambda * gp, {"gp": gp}

    def after_D_step(self, D):
        pass


# The Wasserstein papers' MNIST settings, which a run with that objective starts from (flags
# and explicit recipe fields override them): n_critic = 5 critic steps per G step, m = 64,
# Algorithm 1's alternating update, constant learning rates.
RECIPES = {
    "wgan": dict(objective="wgan", k=5, m=64, update="alternating", optimizer="rmsprop",
                 lr_D=5e-5, lr_G=5e-5, lr_decay=1.0, clip=0.01),         # Arjovsky et al., Alg. 1
    "wgan_gp": dict(objective="wgan_gp", k=5, m=64, update="alternating", optimizer="adam",
                    lr_D=1e-4, lr_G=1e-4, betas=(0.5, 0.9), lr_decay=1.0,
                    gp_lambda=10.0),                                       # Gulrajani et al., Alg. 1
}


def objective(recipe):
    """The objective a recipe names, with its parameters."""
    name = recipe.objective
    if name == "minimax":
        return Minimax(recipe.g_loss, recipe.real_label)
    if name == "least_squares":
        return LeastSquares()
    if name == "wgan":
        return WGAN(recipe.clip)
    if name == "wgan_gp":
        return WGANGP(recipe.gp_lambda)
    raise ValueError(f"objective {name!r} is not a two-player game; "
                     "use minimax, least_squares, wgan or wgan_gp")
