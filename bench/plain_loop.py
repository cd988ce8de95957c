"""The baseline for ``make bench``: a plain, straightforward PyTorch GAN loop.

The way a first implementation writes Algorithm 1 with k = 1 (sigmoid outputs, BCELoss,
zero_grad/backward/step for D, then for G), on the same paper nets as ganbook's trainer.
"""
import torch
from torch import nn


def plain_loop(G, D, x, iterations, m=100, d_z=100, lr=0.1, momentum=0.5):
    bce = nn.BCELoss()
    opt_D = torch.optim.SGD(D.parameters(), lr=lr, momentum=momentum)
    opt_G = torch.optim.SGD(G.parameters(), lr=lr, momentum=momentum)
    ones, zeros = torch.ones(m), torch.zeros(m)
    for i in range(iterations):
        real = x[torch.randint(len(x), (m,))]
        z = (torch.rand(m, d_z) * 2 - 1) * 3 ** 0.5
        fake = G(z).detach()
        loss_D = 0.5 * (bce(torch.sigmoid(D(real)), ones) + bce(torch.sigmoid(D(fake)), zeros))
        opt_D.zero_grad()
        loss_D.backward()
        opt_D.step()
        z = (torch.rand(m, d_z) * 2 - 1) * 3 ** 0.5
        loss_G = bce(torch.sigmoid(D(G(z))), ones)
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()
    return loss_D.item(), loss_G.item()
