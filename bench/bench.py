"""``make bench``: speed of the trainer and of the Parzen protocol, as ratios in one run.

Prints (all measured now, on this machine): paper-net training iterations/s of the
ganbook trainer (alternating, the book's recipe, and simultaneous, the authors' code) and
of a plain PyTorch loop (bench/plain_loop.py) and their ratios; the trainer's GFLOP/s against torch.mm fp32 peak
measured in the same run; the wall time and peak extra memory of the full Parzen
protocol (10,000 samples, sigma on 1,000 valid points, 10,000 test points, 784-d).
"""
import json
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from plain_loop import plain_loop  # noqa: E402

from ganbook.core import nets  # noqa: E402
from ganbook.measures.parzen import parzen_protocol  # noqa: E402
from ganbook.core.models import GAN  # noqa: E402
from ganbook.core.train import Recipe, Run, Trainer  # noqa: E402


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def mm_peak(n=1024):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    t = best_of(lambda: [torch.mm(a, b) for _ in range(10)])
    return 10 * 2 * n ** 3 / t / 1e9


G_LAYERS = [(100, 1200), (1200, 1200), (1200, 784)]
D_LAYERS = [(784, 1200), (240, 1200), (240, 1)]


def macs_per_iteration(update, m=100):
    """Multiply-adds of one iteration, counted matmul by matmul.

    A layer (a, b) costs a*b per row forward, a*b for its weight gradient and a*b for
    its input gradient (skipped where autograd does not need it: the first layer of G,
    D's first layer when its input is data or a detached sample).
    """
    full = lambda layers: sum(a * b for a, b in layers)
    hidden = lambda layers: sum(a * b for a, b in layers[1:])
    G_fwd, G_bwd = full(G_LAYERS), full(G_LAYERS) + hidden(G_LAYERS)
    D_fwd = full(D_LAYERS)
    D_step = 2 * D_fwd + 2 * (full(D_LAYERS) + hidden(D_LAYERS))   # D(x), D(G(z)); weight+input grads
    if update == "simultaneous":     # one G(z) for both; G's loss back through D to the input only
        return m * (G_fwd + D_step + D_fwd + G_bwd)
    # alternating: D step on a detached G(z); then a fresh G(z), D forward, back to G only
    return m * (G_fwd + D_step + G_fwd + D_fwd + D_fwd + G_bwd)


def main(iterations=150):
    torch.manual_seed(0)
    x = torch.rand(50000, 784)
    threads = torch.get_num_threads()
    G, D = nets.paper_G(), nets.paper_D()
    plain_loop(G, D, x, 10)
    plain = iterations / best_of(lambda: plain_loop(G, D, x, iterations))
    peak = mm_peak()
    r = {"threads": threads, "plain_it_per_s": plain, "mm_peak_gflops": peak}
    print(f"torch {torch.__version__}, {threads} threads; torch.mm fp32 peak {peak:.1f} GFLOP/s")
    print(f"plain PyTorch loop (alternating, k=1):  {plain:7.1f} it/s")
    for update in ("alternating", "simultaneous"):
        T = Trainer(Run(GAN(nets.paper_G(), nets.paper_D(), nets.Noise(100)), x, Recipe(update=update)))
        T.train(iterations=10, progress=False, checkpoint=False)
        ours = iterations / best_of(lambda: T.train(iterations=iterations, progress=False,
                                                    checkpoint=False))
        gflops = ours * 2 * macs_per_iteration(update) / 1e9
        r[update] = {"it_per_s": ours, "ratio": ours / plain, "gflops": gflops,
                     "fraction_of_peak": gflops / peak}
        print(f"ganbook trainer ({update:12s}):     {ours:7.1f} it/s   ratio {ours / plain:.2f} "
              f"(target >= 1.5);  {gflops:.1f} GFLOP/s = {100 * gflops / peak:.0f} % of peak "
              "(target >= 60 %)")
    samples, valid, test = torch.rand(10000, 784), torch.rand(1000, 784), torch.rand(10000, 784)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    parzen_protocol(samples, valid, test)
    t_parzen = best_of(lambda: parzen_protocol(samples, valid, test))
    r["parzen_seconds"] = t_parzen
    r["parzen_peak_extra_MiB"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    print(f"full Parzen protocol: {t_parzen:.2f} s   (target <= 3 s); "
          f"peak extra memory {r['parzen_peak_extra_MiB']:.0f} MiB")
    print(json.dumps(r))
    return r


if __name__ == "__main__":
    main()
