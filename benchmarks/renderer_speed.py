"""Renderer throughput on one core at 112x112 (target >= 200 images/s).

Reports render-only (image + 106 landmarks + 11-class mask) and render + JPEG encode, single thread.
Usage: python benchmarks/renderer_speed.py [--n 2000] [--size 112]
"""

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from paperline.faceimage.formats import encode_jpeg
from paperline.faceimage.renderer import FaceRenderer, make_identity


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--size", type=int, default=112)
    a = ap.parse_args()
    cv2.setNumThreads(1)
    r = FaceRenderer(a.size)
    idents = [make_identity(np.random.default_rng(i)) for i in range(50)]
    rng = np.random.default_rng(0)
    for i in range(50):
        r.render(idents[i % 50], rng)  # warm-up
    t = time.perf_counter()
    for i in range(a.n):
        r.render(idents[i % 50], rng)
    render = a.n / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(a.n):
        encode_jpeg(r.render(idents[i % 50], rng).image)
    encoded = a.n / (time.perf_counter() - t)
    print(f"| renderer, 1 thread, {a.size}x{a.size} | render | {render:.0f} images/s |")
    print(f"| renderer, 1 thread, {a.size}x{a.size} | render + JPEG | {encoded:.0f} images/s |")


if __name__ == "__main__":
    main()
