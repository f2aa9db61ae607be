"""A contact sheet of the renderer: 6 identities x 5 images, landmarks on one, the LaPa mask of another.

Usage: python benchmarks/renderer_sheet.py [--out docs/figures/renderer.jpg]
"""
import argparse

import cv2
import numpy as np

from paperline.faceimage.landmarks106 import LAPA_COLORS
from paperline.faceimage.renderer import FaceRenderer, make_identity


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs/figures/renderer.jpg")
    out = ap.parse_args().out
    r = FaceRenderer(112)
    rows = []
    for i in range(6):
        ident = make_identity(np.random.default_rng(i))
        rng = np.random.default_rng(100 + i)
        row = []
        for j in range(6):
            s = r.render(ident, rng)
            im = s.image.copy()
            if j == 4:
                for x, y in s.landmarks:
                    cv2.circle(im, (int(x), int(y)), 1, (255, 0, 0), -1)
            if j == 5:
                im = np.array(LAPA_COLORS, np.uint8)[s.mask]
            row.append(im)
        rows.append(np.concatenate(row, 1))
    sheet = np.concatenate(rows, 0)
    cv2.imwrite(out, cv2.resize(sheet[..., ::-1], None, fx=1.5, fy=1.5, interpolation=cv2.INTER_NEAREST),
                [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
