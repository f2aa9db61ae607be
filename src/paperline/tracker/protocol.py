"""Running a tracker over sequences: VOT's reset-based protocol and OTB's one-pass evaluation.

VOT (pysot `tools/test.py`): initialise on the truth; a frame whose overlap with the truth is 0 is
a failure (written `2`), the tracker is re-initialised `reinit_gap` frames later (`1`), the frames
between are skipped (`0`). A frame without truth (target out of view) can be no failure. OTB: one
pass from the first frame, a box per frame, and the masks of trackers that give them (DAVIS J&F).

Results are written in the formats the toolkits read: `vot/<seq>.txt` (one line per frame: `1`,
`2`, `0` or `x,y,w,h`), `ope/<seq>.txt` (`x,y,w,h` per frame), `masks/<seq>/00000.png`, and
`speed.json` with the frames per second of the update calls (frame decoding left out).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError
from paperline.tracker.config import OPENCV, SIAMESE
from paperline.tracker.geometry import region_overlap
from paperline.tracker.sequences import Sequence, read_frame

INIT, FAILURE, SKIP = 1, 2, 0


def make_tracker(name: str, model=None):
    if name in OPENCV:
        from paperline.tracker.opencv_trackers import OpenCVTracker

        return OpenCVTracker(name)
    from paperline.tracker.siamese import SiameseTracker

    camera, kalman, dynamic = SIAMESE[name]
    return SiameseTracker(model, model.config["tracking"], camera, kalman, dynamic)


def _frames(seq: Sequence):
    for i, path in enumerate(seq.frames):
        yield i, read_frame(path)


def run_vot(tracker, seq: Sequence, reinit_gap: int = 5) -> tuple[list, int, float, int]:
    """(per-frame results, failures, seconds in update calls, updates) under the reset protocol."""
    regions = seq.regions()
    has_truth = np.all(np.isfinite(regions), axis=1)
    out, failures, seconds, updates = [], 0, 0.0, 0
    restart = 0
    for i, frame in _frames(seq):
        if i == restart:
            if not has_truth[i]:
                restart += 1  # no truth to start from: try the next frame
                out.append(SKIP)
                continue
            tracker.init(frame, seq.init_box(i))
            out.append(INIT)
        elif i > restart:
            t0 = time.perf_counter()
            box = tracker.update(frame)
            seconds += time.perf_counter() - t0
            updates += 1
            if has_truth[i] and region_overlap(box, regions[i], (frame.shape[1], frame.shape[0])) <= 0:
                out.append(FAILURE)
                failures += 1
                restart = i + reinit_gap
            else:
                out.append(box)
        else:
            out.append(SKIP)
    return out, failures, seconds, updates


def run_ope(tracker, seq: Sequence) -> tuple[np.ndarray, list, float]:
    """(boxes (N, 4), masks or None per frame, seconds in update calls) of one pass."""
    boxes, masks, seconds = [], [], 0.0
    for i, frame in _frames(seq):
        if i == 0:
            tracker.init(frame, seq.init_box(0))
            boxes.append(seq.init_box(0))
            masks.append(seq.mask(0, frame.shape[:2]) if seq.masks else None)
            continue
        t0 = time.perf_counter()
        boxes.append(np.asarray(tracker.update(frame), float))
        seconds += time.perf_counter() - t0
        masks.append(tracker.last_mask if tracker.masks else None)
    return np.array(boxes), masks, seconds


def write_vot_result(path: Path, results: list) -> None:
    lines = [f"{r}" if isinstance(r, int) else ",".join(f"{v:.2f}" for v in r) for r in results]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def read_vot_result(path: Path) -> list:
    out = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        vals = line.replace("\t", ",").split(",")
        try:
            out.append(int(vals[0]) if len(vals) == 1 else np.array([float(v) for v in vals]))
        except ValueError:
            raise DataError(f"{path}:{n}: not a VOT result line: {line[:40]!r}") from None
    return out


def write_boxes(path: Path, boxes: np.ndarray, one_based: bool = False) -> None:
    """OTB `x,y,w,h` lines (1-based when written for OTB tools, as the CLI does)."""
    b = np.asarray(boxes, float).copy()
    if one_based:
        b[:, :2] += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(f"{v:.2f}" for v in row) + "\n" for row in b))


def read_boxes(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", ndmin=2)


def write_masks(folder: Path, masks: list) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i, m in enumerate(masks):
        if m is not None:
            im = Image.fromarray(m.astype(np.uint8), mode="P")
            im.putpalette([0, 0, 0, 128, 0, 0] + [0] * 762)
            im.save(folder / f"{i:05d}.png")


def track_all(name: str, sequences: list[Sequence], out_dir: str | Path, model=None, reinit_gap: int = 5) -> dict:
    """One tracker over every sequence, both protocols; results under `out_dir`."""
    import cv2
    from tqdm import tqdm

    cv2.setNumThreads(1)
    out = Path(out_dir)
    tracker = make_tracker(name, model)
    failures, vot_s, vot_n, ope_s, ope_n = 0, 0.0, 0, 0.0, 0
    for seq in tqdm(sequences, desc=name, unit="seq", mininterval=5, leave=False):
        seq.check()
        results, f, s, n = run_vot(tracker, seq, reinit_gap)
        write_vot_result(out / "vot" / f"{seq.name}.txt", results)
        failures, vot_s, vot_n = failures + f, vot_s + s, vot_n + n
        boxes, masks, s = run_ope(tracker, seq)
        write_boxes(out / "ope" / f"{seq.name}.txt", boxes)
        if tracker.masks:
            write_masks(out / "masks" / seq.name, masks)
        ope_s, ope_n = ope_s + s, ope_n + len(seq) - 1
    speed = {"tracker": name, "fps": (vot_n + ope_n) / max(vot_s + ope_s, 1e-9), "frames": vot_n + ope_n,
             "failures": failures, "masks": bool(tracker.masks)}
    (out / "speed.json").write_text(json.dumps(speed))
    print(f"{name}: {len(sequences)} sequences, {failures} VOT failures, {speed['fps']:.0f} fps on one core",
          flush=True)
    return speed
