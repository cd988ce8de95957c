"""Frames per second of the 2-D playground (ganbook.widgets.playground) with its defaults.

Measured in-process, no browser: a frame is what Play does each time, ``Playground.step()``
= one chunk of training iterations through the one loop (``chunk`` = 10 by default) plus
the view (G's samples, D on the grid, G's gradient field, the z mesh, the measures and
KL/JS) and setting the widgets' values.  Also the two parts alone and the frame's JSON
size.  Target: >= 10 frames/s.  One torch thread, as the chapter runs it.

    python bench/playground_fps.py [frames]
"""
import json
import sys
import time

import torch

from ganbook.widgets.playground import Playground


def main(frames=60):
    torch.set_num_threads(1)
    pg = Playground()
    for _ in range(3):
        pg.step()
    t0 = time.perf_counter()
    for _ in range(frames):
        pg.step()
    per_frame = (time.perf_counter() - t0) / frames
    t0 = time.perf_counter()
    for _ in range(frames):
        pg.view()
    per_view = (time.perf_counter() - t0) / frames
    chunk = pg.settings()["chunk"]
    r = {"fps": 1 / per_frame, "frame_ms": 1000 * per_frame, "view_ms": 1000 * per_view,
         "train_ms_per_chunk": 1000 * (per_frame - per_view), "chunk": chunk,
         "frame_json_kB": len(json.dumps(pg.frame())) / 1000, "threads": torch.get_num_threads()}
    print(f"playground (defaults, {chunk} iterations/frame, 1 thread): {r['fps']:.1f} frames/s "
          f"(target >= 10); a frame {r['frame_ms']:.0f} ms = training {r['train_ms_per_chunk']:.0f} ms "
          f"+ view {r['view_ms']:.0f} ms; {r['frame_json_kB']:.0f} kB of JSON per frame")
    print(json.dumps(r))
    return r


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
