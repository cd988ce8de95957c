"""Images as PNG: a grid of many small images, and the one PNG encoder of the book."""
import io

import numpy as np

from ganbook.base.files import atomic_path


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


def png(array, scale=1, eight_bit=True):
    """A grey image in [0, 1] as PNG bytes, each pixel ``scale`` x ``scale``.  ``eight_bit``:
    quantise to 0..255 first (sample grids); False lets the grey colour map quantise the
    floats itself (the widgets' images, whose stored bytes this keeps)."""
    import matplotlib.image as mpimg
    a = np.clip(array, 0, 1)
    if scale > 1:
        a = np.kron(a, np.ones((scale, scale)))
    vmax = 1
    if eight_bit:
        a, vmax = (a * 255).astype(np.uint8), 255
    buf = io.BytesIO()
    mpimg.imsave(buf, a, cmap="gray", vmin=0, vmax=vmax, format="png")
    return buf.getvalue()


def save_grid(images, shape, nrow, path):
    """Write a grid of images as an 8-bit grey PNG file (atomically)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(png(grid(images, shape, nrow)))
