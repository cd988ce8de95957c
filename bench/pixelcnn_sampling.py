"""``make bench``: the price of an exact likelihood -- images per second of the PixelCNN
(784 network passes in sequence per image) against the GAN's one pass, and how windowing,
caching and batching change it; ratios measured in this one run, on this machine.

Uses the shipped weights (weights/mnist-pixelcnn, weights/mnist-paper-seed0); the speed of
a net does not depend on its weights, so a fresh PixelCNN of the same size stands in if
the shipped one is absent."""
import sys

import torch

from ganbook.chapters.pixelcnn import sampling_speed
from ganbook.core.build import PIXELCNN_SIZE
from ganbook.core.pixelcnn import make
from ganbook.store import weights


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
    try:
        model, _ = weights.load(weights.SHIPPED / "mnist-pixelcnn")
        which = "shipped"
    except FileNotFoundError:
        model, which = make({**PIXELCNN_SIZE, "side": 28}).eval(), "fresh, same size"
    gan, _ = weights.load(weights.SHIPPED / "mnist-paper-seed0")
    print(f"PixelCNN sampling ({which} weights) against the GAN, {torch.get_num_threads()} torch threads")
    print(f"{'way':<48} {'images':>7} {'seconds':>8} {'images/s':>9} {'GAN / this':>11}")
    for name, n, dt, rate, ratio in sampling_speed(model, gan):
        print(f"{name:<48} {n:>7} {dt:>8.1f} {rate:>9.2f} {ratio:>11.0f}")


if __name__ == "__main__":
    main()
