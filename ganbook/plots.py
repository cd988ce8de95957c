"""Figures of the image chapters: sample grids (paper Fig. 2) and interpolations (Fig. 3)."""
import numpy as np
import torch


def grid(images, shape, nrow, pad=1, value=1.0):
    """Tile (n, h*w) images into one (rows*(h+pad)+pad, nrow*(w+pad)+pad) array."""
    images = np.asarray(images, dtype=np.float32).reshape(-1, *shape)
    n, (h, w) = len(images), shape
    rows = -(-n // nrow)
    out = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad), value, dtype=np.float32)
    for i, im in enumerate(images):
        r, c = divmod(i, nrow)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = im
    return out


def save_grid(images, shape, nrow, path):
    """Write a grid as an 8-bit grey PNG (atomically)."""
    import matplotlib.image as mpimg
    from .files import atomic_path
    g = (np.clip(grid(images, shape, nrow), 0, 1) * 255).astype(np.uint8)
    with atomic_path(path) as tmp:
        mpimg.imsave(tmp, g, cmap="gray", vmin=0, vmax=255, format="png")


def figure2(samples, train, shape, rows=6, cols=5):
    """Paper Fig. 2: ``rows x cols`` samples, the rightmost column each row's nearest
    training image to the row's last sample (showing G did not memorise)."""
    s = np.asarray(samples[:rows * (cols - 1)]).reshape(rows, cols - 1, -1)
    from .metrics import nearest
    nn_idx = nearest(s[:, -1], train).numpy()
    tiles = np.concatenate([s, np.asarray(train)[nn_idx][:, None]], axis=1)
    return grid(tiles.reshape(rows * cols, -1), shape, cols)


@torch.no_grad()
def interpolations(G, z0, z1, steps=10):
    """Paper Fig. 3: G((1 - t) z0 + t z1) for t in [0, 1], one row per (z0, z1) pair."""
    t = torch.linspace(0, 1, steps).view(1, steps, 1)
    z = (1 - t) * z0.unsqueeze(1) + t * z1.unsqueeze(1)
    G.eval()
    x = G(z.reshape(-1, z.shape[-1]))
    G.train()
    return x.numpy()
