"""ganbook.chapters.plots: grids tile images where they belong; the strip over training shows the
corner of the grids the run saved, first and last epochs included."""
import matplotlib
import numpy as np
import pytest

from ganbook.chapters import plots

matplotlib.use("Agg")


def test_grid_places_each_image():
    imgs = np.arange(6 * 4, dtype=np.float32).reshape(6, 4) / 24      # six 2 x 2 images
    g = plots.grid(imgs, (2, 2), nrow=4, pad=1, value=-1.0)
    assert g.shape == (2 * 3 + 1, 4 * 3 + 1)
    assert np.array_equal(g[4:6, 1:3], imgs[4].reshape(2, 2))         # row 1, column 0
    assert (g[0] == -1).all() and (g[4:6, 7:9] == -1).all()          # padding; empty slot 6


def test_sample_strip_shows_the_corners_of_saved_grids(tmp_path):
    for e in (1, 2, 3, 10):
        imgs = np.full((16, 4), e / 10, dtype=np.float32)            # epoch e: every pixel e/10
        plots.save_grid(imgs, (2, 2), 4, tmp_path / f"epoch{e:04d}.png")
    fig = plots.sample_strip(tmp_path, (2, 2), shots=3, side=2)
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["epoch 1", "epoch 3", "epoch 10"]
    shown = axes[2].images[0].get_array()
    assert shown.shape == (1 + 2 * 3, 1 + 2 * 3)                    # 2 x 2 images with borders
    assert shown[1, 1] == pytest.approx(1.0, abs=1 / 255)            # epoch 10's pixel value
    assert axes[0].images[0].get_array()[1, 1] == pytest.approx(0.1, abs=1 / 255)
    chosen = plots.sample_strip(tmp_path, (2, 2), side=2, epochs=(2, 10, 99))
    assert [a.get_title() for a in chosen.axes] == ["epoch 2", "epoch 10"]       # 99 was not saved
    with pytest.raises(FileNotFoundError, match="no sample grids"):
        plots.sample_strip(tmp_path / "none", (2, 2))
