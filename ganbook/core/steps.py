"""What one training step does, for each kind of model; the loop is ganbook.core.train.

Each step is called with the trainer (minibatches, z, optimisers, counters) and returns a
dict of 0-d tensors to log.  Gradients are checked before any update is applied: a NaN or
infinite loss or gradient raises :class:`TrainingDiverged` and leaves the nets in memory
as they were after the last finite update.
"""
import torch
import torch.nn.functional as F
from torch import nn

from ganbook.core.nets import eval_mode
from ganbook.core.objectives import objective


class TrainingDiverged(RuntimeError):
    """A loss or gradient became NaN or infinite; nothing was updated with it, and the
    last good checkpoint is kept."""


class StopTraining(Exception):
    """Raised by a callback to end training early (the reason is kept in ``stopped``)."""


def set_grads(net, loss, retain=False):
    """Set ``net``'s .grad to d loss / d params only (autograd skips the other nets' weight
    gradients, which the update does not use); returns the gradients' total 2-norm."""
    params = list(net.parameters())
    grads = torch.autograd.grad(loss, params, retain_graph=retain)
    for p, g in zip(params, grads):
        p.grad = g
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def check_finite(t, **values):
    bad = {k: v.item() for k, v in values.items() if not torch.isfinite(v)}
    if bad:
        raise TrainingDiverged(
            f"{bad} at iteration {t.iteration}: training diverged (try a smaller learning rate); "
            "nothing was updated with it, and the last good checkpoint is kept")


def batch_dependent(net):
    """True if ``net`` has a layer whose output for one example depends on the others
    (BatchNorm, or a module that says so with ``batch_dependent = True``: PacGAN's packing,
    the minibatch standard deviation)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) or getattr(m, "batch_dependent", False)
               for m in net.modules())


class GANStep:
    """Algorithm 1 of Goodfellow et al. 2014 with any objective of ganbook.core.objectives:

        for k steps:  sample z_1..z_m ~ p_z, x_1..x_m ~ p_data; update D on L_D
        sample z_1..z_m ~ p_z; update G on L_G

    ``update='alternating'`` is Algorithm 1 as printed.  ``update='simultaneous'`` is what
    the authors' code ran (AdversaryCost2): D's and G's gradients from one minibatch and
    one D, applied together (with k > 1 the first k - 1 D steps run alone).  D sees data
    and samples in one pass (one matmul of 2m rows per layer is faster on a CPU than two
    of m) unless it has a batch-dependent layer (BatchNorm), whose statistics must not mix.
    """

    def __init__(self, model, recipe):
        self.model, self.recipe = model, recipe
        self.joint = not batch_dependent(model.D)

    def D_outputs(self, x, fake):
        if not self.joint:
            return self.model.D(x), self.model.D(fake)
        out = self.model.D(torch.cat([x, fake]))
        return out[:len(x)], out[len(x):]

    def D_for_G(self, fake):
        """D's outputs on G's samples for G's gradient: with dropout (the authors' default)
        or, with ``G_grad_dropout=False``, the whole D in eval mode."""
        if self.recipe.G_grad_dropout:
            return self.model.D(fake)
        with eval_mode(self.model.D):
            return self.model.D(fake)

    def D_loss(self, obj, t, x, fake):
        real_out, fake_out = self.D_outputs(x, fake)
        loss, stats = obj.D_loss(real_out, fake_out)
        pen = obj.penalty(self.model.D, x, fake, t.gen)
        if pen is not None:
            loss = loss + pen[0]
            stats = stats | pen[1]
        return loss, stats, fake_out

    def apply_D(self, obj, t):
        t.opt["D"].step()
        obj.after_D_step(self.model.D)
        t.updates += 1

    def D_step(self, obj, t):
        x = t.sample_x()
        with torch.no_grad():
            fake = self.model.G(t.sample_z())
        loss, stats, _ = self.D_loss(obj, t, x, fake)
        norm = set_grads(self.model.D, loss)
        check_finite(t, loss_D=loss, grad_D=norm)
        self.apply_D(obj, t)
        return loss, stats, norm

    def __call__(self, t):
        obj, r, G = objective(self.recipe), self.recipe, self.model.G
        for _ in range(r.k - 1):
            self.D_step(obj, t)
        if r.update == "alternating":
            ld, stats, nd = self.D_step(obj, t)
            lg = obj.G_loss(self.D_for_G(G(t.sample_z())))
            ng = set_grads(G, lg)
            check_finite(t, loss_G=lg, grad_G=ng)
        else:
            x, fake = t.sample_x(), G(t.sample_z())
            ld, stats, fake_out = self.D_loss(obj, t, x, fake)
            lg = obj.G_loss(fake_out if r.G_grad_dropout else self.D_for_G(fake))
            ng = set_grads(G, lg, retain=True)
            nd = set_grads(self.model.D, ld)
            check_finite(t, loss_D=ld, loss_G=lg, grad_D=nd, grad_G=ng)
            self.apply_D(obj, t)
        t.opt["G"].step()
        return {"loss_D": ld.detach(), "loss_G": lg.detach(),
                **{k: v.detach() for k, v in stats.items()},
                "grad_D": nd.detach(), "grad_G": ng.detach()}

    # -- the two halves of an iteration, run alone (Figure 1b and 1c) ----------------------
    def train_D(self, t, steps):
        obj, loss = objective(self.recipe), None
        for _ in range(steps):
            loss = self.D_step(obj, t)[0].detach()
        return loss

    def train_G(self, t, steps):
        obj, loss = objective(self.recipe), None
        for _ in range(steps):
            loss = obj.G_loss(self.model.D(self.model.G(t.sample_z())))
            norm = set_grads(self.model.G, loss)
            check_finite(t, loss_G=loss, grad_G=norm)
            t.opt["G"].step()
        return loss.detach() if loss is not None else None


class VAEStep:
    """One step of stochastic gradient ascent on the ELBO (Kingma & Welling 2014, Alg. 1):
    minimise -1/m sum_i ELBO(x_i), one reparameterised z per example."""

    def __init__(self, model, recipe):
        self.model = model

    def __call__(self, t):
        x = t.sample_x()
        if self.model.binary:                          # dynamic binarisation
            x = torch.bernoulli(x, generator=t.gen)
        elbo, rec, kl = self.model.elbo(x, t.gen)
        loss = -elbo.mean()
        norm = set_grads(self.model, loss)
        check_finite(t, loss=loss, grad=norm)
        t.opt["vae"].step()
        t.updates += 1
        return {"elbo": -loss.detach(), "rec": rec.mean().detach(), "kl": kl.mean().detach(),
                "grad": norm.detach()}


class PixelCNNStep:
    """One step of maximum likelihood for an autoregressive model of binary images: the
    minibatch binarised afresh (pixel ~ Bernoulli(intensity)), then minimise the exact
    -1/m sum_i log p(x_i) = -1/m sum_i sum_j log p(x_ij | x_i,<j)  (nats per image)."""

    def __init__(self, model, recipe):
        self.model = model

    def __call__(self, t):
        x = torch.bernoulli(t.sample_x(), generator=t.gen)
        loss = -self.model.log_prob(x).mean()
        norm = set_grads(self.model, loss)
        check_finite(t, loss=loss, grad=norm)
        t.opt["pixelcnn"].step()
        t.updates += 1
        return {"nll": loss.detach(), "grad": norm.detach()}


class ClassifierStep:
    """One step of minibatch SGD on the cross-entropy -1/m sum_i log p(y_i | x_i)."""

    def __init__(self, model, recipe):
        self.model = model

    def __call__(self, t):
        x, y = t.sample_x()
        logits = self.model(x)
        loss = F.cross_entropy(logits, y)
        norm = set_grads(self.model, loss)
        check_finite(t, loss=loss, grad=norm)
        t.opt["classifier"].step()
        t.updates += 1
        return {"loss": loss.detach(), "acc": (logits.argmax(1) == y).float().mean(),
                "grad": norm.detach()}


def make_step(model, recipe):
    """The step for ``recipe.objective``: the two-player games share :class:`GANStep`."""
    if recipe.objective == "vae":
        return VAEStep(model, recipe)
    if recipe.objective == "classifier":
        return ClassifierStep(model, recipe)
    if recipe.objective == "pixelcnn":
        return PixelCNNStep(model, recipe)
    objective(recipe)      # a game: fails now, naming the choices, if the name is unknown
    return GANStep(model, recipe)
