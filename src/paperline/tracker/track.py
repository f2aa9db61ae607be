"""`paperline track`: the registered PTS tracker on a video file from a given first box."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paperline.core.errors import DataError, PaperlineError


def parse_box(text: str) -> np.ndarray:
    try:
        box = np.array([float(v) for v in text.split(",")])
    except ValueError:
        box = np.array([])
    if box.shape != (4,):
        raise PaperlineError(f"--box must be x,y,w,h (four numbers), got {text!r}")
    return box


def check_box(box: np.ndarray, frame: np.ndarray, where: str) -> None:
    x, y, w, h = box
    if not (w > 0 and h > 0):
        raise DataError(f"{where}: the initial box {x:g},{y:g},{w:g},{h:g} has no positive size")
    if x >= frame.shape[1] or y >= frame.shape[0] or x + w <= 0 or y + h <= 0:
        raise DataError(f"{where}: the initial box {x:g},{y:g},{w:g},{h:g} lies outside the "
                        f"{frame.shape[1]}x{frame.shape[0]} frame")


def track_frames(frames: list[np.ndarray], box, model, where: str) -> tuple[np.ndarray, list]:
    """Boxes (N, 4; the first is `box`) and masks of PTS over `frames`."""
    from tqdm import tqdm

    from paperline.tracker.siamese import SiameseTracker

    box = np.asarray(box, float)
    check_box(box, frames[0], where)
    tracker = SiameseTracker(model, model.config["tracking"])
    tracker.init(frames[0], box)
    boxes, masks = [box], [None]
    for frame in tqdm(frames[1:], desc="track", unit="frame", mininterval=2, leave=False):
        boxes.append(tracker.update(frame))
        masks.append(tracker.last_mask)
    return np.array(boxes), masks


def annotate(frames: list[np.ndarray], boxes: np.ndarray, masks: list, path: Path, fps: float = 25.0) -> None:
    import cv2

    h, w = frames[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    if not writer.isOpened():
        raise DataError(f"{path}: cannot write a video here (no MP4 encoder in this OpenCV)")
    try:
        for frame, b, m in zip(frames, boxes, masks):
            im = frame.copy()
            if m is not None:
                im[m] = (0.5 * im[m] + [0, 0, 127]).astype(np.uint8)
            x, y, bw, bh = b
            cv2.rectangle(im, (int(x), int(y)), (int(x + bw), int(y + bh)), (0, 255, 0), 2)
            writer.write(im)
    finally:
        writer.release()


def track_video(video: Path, box_text: str, model_file: Path, out: Path, annotated: Path | None,
                masks_dir: Path | None) -> int:
    """Writes `out` (OTB `groundtruth_rect.txt` format: 1-based `x,y,w,h` per frame, the first line
    the given box), and optionally the annotated video and the masks (PNG per frame)."""
    from paperline.core.checkpoint import load_model
    from paperline.tracker.protocol import write_masks
    from paperline.tracker.sequences import read_video

    box = parse_box(box_text)
    frames = read_video(video)
    model = load_model(model_file)
    if "tracking" not in model.config:
        raise DataError(f"{model_file}: not a pts-tracking model (no tracking settings in its config)")
    boxes, masks = track_frames(frames, box - [1, 1, 0, 0], model, str(video))
    rows = [box_text.strip()] + [",".join(f"{v:.2f}" for v in b + [1, 1, 0, 0]) for b in boxes[1:]]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(rows) + "\n")  # the first line is the given box, exactly as given
    if annotated is not None:
        annotate(frames, boxes, masks, annotated)
    if masks_dir is not None:
        write_masks(masks_dir, [np.zeros(frames[0].shape[:2], bool) if m is None else m for m in masks])
    return len(frames)
