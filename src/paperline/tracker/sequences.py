"""Tracking sequences in their real layouts, read and written: VOT, OTB and DAVIS, and a plain video.

- VOT (2016-2019): `list.txt`; per sequence `color/00000001.jpg` (older releases: `00000001.jpg` at
  the top), `groundtruth.txt` with one line per frame, 4 values `x,y,w,h` or 8 values (a rotated
  polygon), and per-frame `*.tag` files (`occlusion.tag`, `camera_motion.tag`, ...: one 0/1 a line).
- OTB (2015): per sequence `img/0001.jpg` and `groundtruth_rect.txt`, `x,y,w,h` 1-based, separated
  by commas, tabs or spaces; a row of zeros is a frame without the target.
- DAVIS (2016/2017): `JPEGImages/480p/<seq>/00000.jpg`, `Annotations/480p/<seq>/00000.png` (2017: a
  palette PNG whose value is the object id; 2016: binary), `ImageSets/2017/{train,val}.txt`.

A real download is read by path with the same code. Readers parse and name the file and line of
anything they cannot read; consistency (rows against frames, boxes against the frame) is the
validation suite's job (paperline.tracker.validation) and `Sequence.check`'s for a run without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError
from paperline.core.files import inside
from paperline.core.imagefile import check_complete
from paperline.tracker.geometry import mask_box, polygon_to_box

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass
class Sequence:
    name: str
    frames: list[Path]
    boxes: np.ndarray                        # (N, 4) 0-based x, y, w, h; NaN rows: no target in view
    truth_file: Path
    polygons: np.ndarray | None = None       # (N, 8) VOT regions
    masks: list[Path] | None = None          # DAVIS annotations
    object_id: int = 1
    tags: dict[str, np.ndarray] = field(default_factory=dict)  # per-frame 0/1 (VOT)
    tag_files: dict[str, Path] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frames)

    def regions(self) -> np.ndarray:
        """The VOT protocol's truth: polygons where the layout has them, else the boxes."""
        return self.polygons if self.polygons is not None else self.boxes

    def init_box(self, i: int) -> np.ndarray:
        """The box a tracker starts from at frame i: for a polygon, pysot's `get_axis_aligned_bbox` (centred
        on the polygon, the polygon's area, its bounding box's aspect), not the bounding box, which for
        a turned target is up to twice too large."""
        if self.polygons is None or not np.all(np.isfinite(self.polygons[i])):
            return self.boxes[i].copy()
        p = self.polygons[i].reshape(4, 2)
        cx, cy = p.mean(0)
        x1, y1 = p.min(0)
        x2, y2 = p.max(0)
        area = np.linalg.norm(p[0] - p[1]) * np.linalg.norm(p[1] - p[2])
        s = np.sqrt(area / max((x2 - x1) * (y2 - y1), 1e-9))
        w, h = s * (x2 - x1) + 1, s * (y2 - y1) + 1
        return np.array([cx - w / 2, cy - h / 2, w, h])

    def frame(self, i: int) -> np.ndarray:
        return read_frame(self.frames[i])

    def mask(self, i: int, shape: tuple[int, int] | None = None) -> np.ndarray:
        return read_mask(self.masks[i], self.object_id, shape)

    def check(self) -> None:
        """What a run needs, in one pass over the names: as many truth rows as frames, a first box
        of positive size, the first frame readable (the rest are read, and named, when tracked)."""
        if len(self.boxes) != len(self.frames):
            raise DataError(f"{self.truth_file}: {len(self.boxes)} ground-truth rows for {len(self.frames)} frames "
                            f"of sequence {self.name}")
        if not len(self.frames):
            raise DataError(f"{self.truth_file}: sequence {self.name} has no frames")
        x, y, w, h = self.boxes[0]
        if not (np.isfinite(w) and w > 0 and h > 0):
            raise DataError(f"{self.truth_file}:1: the first frame's box has no positive size ({w} x {h}); a "
                            "tracker needs a target to start from")
        img = self.frame(0)
        if x >= img.shape[1] or y >= img.shape[0] or x + w <= 0 or y + h <= 0:
            raise DataError(f"{self.truth_file}:1: the first box {x:g},{y:g},{w:g},{h:g} lies outside the "
                            f"{img.shape[1]}x{img.shape[0]} frame")


def read_frame(path: Path) -> np.ndarray:
    """A frame as BGR uint8 (OpenCV's order, which every tracker here uses)."""
    import cv2

    if not Path(path).is_file():
        raise DataError(f"{path}: frame missing")
    data = Path(path).read_bytes()
    check_complete(data, str(path))
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if img is None:
        raise DataError(f"{path}: not a readable image (truncated or corrupt)")
    return img


def read_mask(path: Path, object_id: int = 1, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A DAVIS annotation as a boolean mask of one object (palette index; binary 2016 masks: > 127)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            palette = im.mode == "P"
            arr = np.asarray(im)
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise DataError(f"{path}: not a readable mask PNG ({e})") from None
    if arr.ndim == 3:
        arr = arr[..., 0]
    mask = arr == object_id if palette else arr > 127
    if shape is not None and mask.shape != tuple(shape):
        raise DataError(f"{path}: mask is {mask.shape[1]}x{mask.shape[0]}, its frame {shape[1]}x{shape[0]}")
    return mask


def _numbers(path: Path, widths: tuple[int, ...]) -> np.ndarray:
    """Rows of numbers separated by commas, tabs or spaces; blank trailing lines, a BOM and CRLF pass."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: not a readable text file ({e})") from None
    rows = []
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for n, line in enumerate(lines, 1):
        parts = line.replace(",", " ").replace("\t", " ").split()
        try:
            vals = [float(v) for v in parts]
        except ValueError:
            raise DataError(f"{path}:{n}: not numbers: {line.strip()[:60]!r}") from None
        if len(vals) not in widths:
            raise DataError(f"{path}:{n}: {len(vals)} values; expected {' or '.join(map(str, widths))}")
        rows.append(vals)
    return rows


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS) if folder.is_dir() else []


def read_vot(root: str | Path) -> list[Sequence]:
    """A VOT release (the folder holding `list.txt`)."""
    root = Path(root)
    listing = root / "list.txt"
    if not listing.is_file():
        raise DataError(f"{root}: not a VOT folder (no list.txt)")
    names = [n.strip() for n in listing.read_text(encoding="utf-8-sig").splitlines() if n.strip()]
    if not names:
        raise DataError(f"{listing}: lists no sequence")
    out = []
    for name in names:
        folder = inside(root, name, str(listing))
        gt = folder / "groundtruth.txt"
        if not gt.is_file():
            raise DataError(f"{gt}: missing (listed in {listing})")
        frames = _images(folder / "color") or _images(folder)
        rows = _numbers(gt, (4, 8))
        polys = np.array([r if len(r) == 8 else _box_poly(r) for r in rows], float).reshape(-1, 8)
        boxes = np.array([polygon_to_box(p) for p in polys]).reshape(-1, 4)
        missing = ~np.all(np.isfinite(polys), axis=1) | (boxes[:, 2] <= 0) | (boxes[:, 3] <= 0)
        boxes[missing] = np.nan
        polys[missing] = np.nan
        tags, tag_files = {}, {}
        for tag in sorted(folder.glob("*.tag")) + sorted(folder.glob("*.label")):
            values = _numbers(tag, (1,))
            tags[tag.stem], tag_files[tag.stem] = np.array([v[0] for v in values]) > 0, tag
        out.append(Sequence(name, frames, boxes, gt, polygons=polys, tags=tags, tag_files=tag_files))
    return out


def _box_poly(r):
    x, y, w, h = r
    return [x, y, x + w, y, x + w, y + h, x, y + h] if w > 0 and h > 0 else [np.nan] * 8


def read_otb(root: str | Path) -> list[Sequence]:
    """An OTB folder: every subfolder with `groundtruth_rect.txt` and `img/`."""
    root = Path(root)
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        gt = folder / "groundtruth_rect.txt"
        if not gt.is_file():
            continue
        boxes = np.array(_numbers(gt, (4,)), float).reshape(-1, 4)
        boxes[:, :2] -= 1  # OTB is 1-based
        boxes[(boxes[:, 2] <= 0) | (boxes[:, 3] <= 0)] = np.nan
        out.append(Sequence(folder.name, _images(folder / "img"), boxes, gt))
    if not out:
        raise DataError(f"{root}: not an OTB folder (no <sequence>/groundtruth_rect.txt)")
    return out


def davis_split_file(root: Path, split: str) -> Path | None:
    for year in ("2017", "2016"):
        f = root / "ImageSets" / year / f"{split}.txt"
        if f.is_file():
            return f
    return None


def read_davis(root: str | Path, split: str = "val", resolution: str = "480p") -> list[Sequence]:
    """A DAVIS release: the sequences of ImageSets/<year>/<split>.txt, the first object of each."""
    root = Path(root)
    listing = davis_split_file(root, split)
    if listing is None:
        raise DataError(f"{root}: not a DAVIS folder with a {split} split (no ImageSets/2017/{split}.txt)")
    out = []
    for name in [n.strip() for n in listing.read_text(encoding="utf-8-sig").splitlines() if n.strip()]:
        frames = _images(inside(root / "JPEGImages" / resolution, name, str(listing)))
        ann = root / "Annotations" / resolution / name
        masks = sorted(ann.glob("*.png"))
        if not frames:
            raise DataError(f"{root / 'JPEGImages' / resolution / name}: no frames (sequence listed in {listing})")
        if len(masks) != len(frames):
            raise DataError(f"{ann}: {len(masks)} annotations for {len(frames)} frames of sequence {name}")
        seq = Sequence(name, frames, np.zeros((0, 4)), masks[0], masks=masks, object_id=_first_object(masks[0]))
        seq.boxes = np.array([mask_box(seq.mask(i)) for i in range(len(masks))]).reshape(-1, 4)
        out.append(seq)
    return out


def _first_object(path: Path) -> int:
    """The object a DAVIS sequence is tracked for: the first frame's smallest id (binary masks: 1)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            ids = np.unique(np.asarray(im)) if im.mode == "P" else np.array([0, 1])
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise DataError(f"{path}: not a readable mask PNG ({e})") from None
    ids = ids[ids > 0]
    if not len(ids):
        raise DataError(f"{path}: the first annotation marks no object")
    return int(ids.min())


def detect_layout(root: str | Path) -> str | None:
    root = Path(root)
    if (root / "list.txt").is_file():
        return "vot"
    if (root / "JPEGImages").is_dir():
        return "davis"
    if root.is_dir() and any((p / "groundtruth_rect.txt").is_file() for p in root.iterdir() if p.is_dir()):
        return "otb"
    return None


def layout_roots(root: str | Path) -> dict[str, Path]:
    """The layouts a dataset folder holds: itself (a VOT, OTB or DAVIS download) or its `vot/`,
    `otb/` and `davis/` subfolders (the generated set)."""
    root = Path(root)
    if not root.exists():
        raise DataError(f"{root}: dataset folder not found")
    if not root.is_dir():
        raise DataError(f"{root}: is a file; give the folder of a VOT, OTB or DAVIS dataset")
    own = detect_layout(root)
    if own:
        return {own: root}
    found = {name: root / name for name in ("vot", "otb", "davis") if detect_layout(root / name) == name}
    if not found:
        raise DataError(f"{root}: holds no VOT (list.txt), OTB (*/groundtruth_rect.txt) or DAVIS (JPEGImages/) "
                        "sequences")
    return found


def read_layout(root: str | Path, layout: str, split: str = "val") -> list[Sequence]:
    roots = layout_roots(root)
    if layout not in roots:
        raise DataError(f"{root}: has no {layout.upper()} sequences (it holds {', '.join(sorted(roots))})")
    if layout == "vot":
        return read_vot(roots["vot"])
    if layout == "otb":
        return read_otb(roots["otb"])
    return read_davis(roots["davis"], split)


def read_video(path: str | Path) -> list[np.ndarray]:
    """Every frame of a video file (MP4, AVI, ... through OpenCV), BGR."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: video not found")
    cap = cv2.VideoCapture(str(path))
    frames = []
    try:
        while cap.isOpened():
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        cap.release()
    if not frames:
        raise DataError(f"{path}: not a readable video (no frame decodes)")
    return frames


# --- writers (the generator's) -------------------------------------------------------------------

def _fmt(v: float) -> str:
    return "nan" if not np.isfinite(v) else f"{v:.2f}".rstrip("0").rstrip(".")


def write_vot_sequence(root: Path, name: str, jpegs: list[bytes], polygons: np.ndarray,
                       tags: dict[str, np.ndarray]) -> None:
    folder = root / name
    (folder / "color").mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(jpegs, 1):
        (folder / "color" / f"{i:08d}.jpg").write_bytes(data)
    (folder / "groundtruth.txt").write_text(
        "".join(",".join(_fmt(v) for v in p) + "\n" if np.all(np.isfinite(p)) else "0,0,0,0\n" for p in polygons))
    for tag, values in tags.items():
        (folder / f"{tag}.tag").write_text("".join(f"{int(v)}\n" for v in values))


def write_otb_sequence(root: Path, name: str, jpegs: list[bytes], boxes: np.ndarray) -> None:
    folder = root / name
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(jpegs, 1):
        (folder / "img" / f"{i:04d}.jpg").write_bytes(data)
    rows = [(b[0] + 1, b[1] + 1, b[2], b[3]) if np.all(np.isfinite(b)) else (0, 0, 0, 0) for b in boxes]
    (folder / "groundtruth_rect.txt").write_text("".join(",".join(_fmt(v) for v in r) + "\n" for r in rows))


def write_davis_sequence(root: Path, name: str, jpegs: list[bytes], masks: list[np.ndarray]) -> None:
    from PIL import Image

    images, ann = root / "JPEGImages" / "480p" / name, root / "Annotations" / "480p" / name
    images.mkdir(parents=True, exist_ok=True)
    ann.mkdir(parents=True, exist_ok=True)
    palette = [0, 0, 0, 128, 0, 0] + [0] * (256 * 3 - 6)
    for i, (data, mask) in enumerate(zip(jpegs, masks)):
        (images / f"{i:05d}.jpg").write_bytes(data)
        im = Image.fromarray(mask.astype(np.uint8), mode="P")
        im.putpalette(palette)
        im.save(ann / f"{i:05d}.png")


def write_davis_splits(root: Path, splits: dict[str, list[str]]) -> None:
    folder = root / "ImageSets" / "2017"
    folder.mkdir(parents=True, exist_ok=True)
    for split, names in splits.items():
        (folder / f"{split}.txt").write_text("".join(n + "\n" for n in names))
