"""The two real layouts of the landmark and face-parsing papers, read and written.

LaPa (JDAI-CV/lapa-dataset, as FaRL reads it):
    <root>/{train,val,test}/images/<name>.jpg
                           /labels/<name>.png      single channel, value = class id 0..10
                           /landmarks/<name>.txt   "106" then 106 "x y" lines
JD-landmark (the ICME 2019 challenge release):
    <root>/<Split>/picture/<name>.jpg
                  /landmark/<name>.jpg.txt         "106" then 106 "x y" lines
                  /rect/<name>.jpg.rect            "x1 y1 x2 y2", the organisers' face box
Every reader pairs files one to one by name and names the first file that has no partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from paperline.core.errors import DataError
from paperline.faceimage.formats import IMAGE_EXTS, read_landmarks, write_landmarks
from paperline.faceimage.landmarks106 import LAPA_CLASSES

TRAIN_TEST = {"jd": ("Train", "Test"), "lapa": ("train", "test")}  # each layout's split folders

NUM_CLASSES = len(LAPA_CLASSES)  # 11: background + 10 face classes


@dataclass
class Item:
    """One annotated face: its image, 106-point file, and label PNG (LaPa) or face box file (JD)."""

    name: str
    image: Path
    landmarks: Path
    label: Path | None = None
    rect: Path | None = None


def files_by_name(folder: Path, suffix: str = "", exts=None, missing_ok: bool = False) -> dict[str, Path]:
    """Name -> file: with `exts` (images) keyed by stem, otherwise by the name before `suffix`, so JD's
    `<name>.jpg.txt` keys as `<name>.jpg`. A missing folder fails unless `missing_ok`."""
    if not folder.is_dir():
        if missing_ok:
            return {}
        raise DataError(f"{folder}: folder not found")
    out = {}
    for p in sorted(folder.iterdir()):
        if exts is not None and p.suffix.lower() in exts:
            out[p.stem] = p
        elif exts is None and p.name.endswith(suffix):
            out[p.name[: -len(suffix)]] = p
    return out


def _match(kind: str, base: dict[str, Path], **others: dict[str, Path]) -> None:
    """Refuse an image without its partner files, or a partner without its image."""
    for what, files in others.items():
        lonely = sorted(set(base) - set(files))
        if lonely:
            raise DataError(f"{base[lonely[0]]}: {kind} image has no {what} file "
                            f"({len(lonely)} image(s) without one)")
        extra = sorted(set(files) - set(base))
        if extra:
            raise DataError(f"{files[extra[0]]}: {what} file has no image ({len(extra)} such file(s))")


def read_lapa_split(root: str | Path, split: str, labels: bool = True) -> list[Item]:
    """With labels=False the label PNGs are not required (a split the annotation is about to label);
    each item's `label` is then where its PNG is or will be."""
    d = Path(root) / split
    images = files_by_name(d / "images", "", IMAGE_EXTS)
    landmarks = files_by_name(d / "landmarks", ".txt")
    pngs = files_by_name(d / "labels", ".png") if labels else {}
    _match("LaPa", images, landmark=landmarks, **({"label": pngs} if labels else {}))
    if not images:
        raise DataError(f"{d / 'images'}: no images")
    return [Item(n, images[n], landmarks[n], label=pngs.get(n, d / "labels" / f"{n}.png")) for n in sorted(images)]


def read_jd_split(root: str | Path, split: str) -> list[Item]:
    d = Path(root) / split
    pictures = files_by_name(d / "picture", "", IMAGE_EXTS)
    names = {p.name: s for s, p in pictures.items()}  # JD names its files after the picture, extension included
    landmarks = {names.get(k, k): v for k, v in files_by_name(d / "landmark", ".txt").items()}
    rects = {names.get(k, k): v for k, v in files_by_name(d / "rect", ".rect").items()}
    _match("JD-landmark", pictures, landmark=landmarks, rect=rects)
    if not pictures:
        raise DataError(f"{d / 'picture'}: no images")
    return [Item(n, pictures[n], landmarks[n], rect=rects[n]) for n in sorted(pictures)]


def read_label(path: str | Path, shape: tuple[int, int] | None = None, data: bytes | None = None) -> np.ndarray:
    """A LaPa label PNG (or its bytes already read, `data`) -> (H, W) uint8 class ids; ids above 10 or
    a size other than the image's fail."""
    path = Path(path)
    if data is None and path.is_file():
        data = path.read_bytes()
    lab = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    if lab is None:
        raise DataError(f"{path}: cannot read label PNG (missing or corrupt)")
    if lab.ndim != 2:
        raise DataError(f"{path}: label PNG must be single-channel class ids, got shape {lab.shape}")
    if shape is not None and lab.shape != tuple(shape):
        raise DataError(f"{path}: label is {lab.shape[1]}x{lab.shape[0]}, its image {shape[1]}x{shape[0]}")
    top = int(lab.max())
    if top >= NUM_CLASSES:
        raise DataError(f"{path}: class id {top} found; LaPa ids are 0-{NUM_CLASSES - 1}")
    return lab.astype(np.uint8)


def write_label(path: Path, label: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), label.astype(np.uint8)):
        raise DataError(f"{path}: cannot write label PNG")


def read_rect(path: str | Path, data: bytes | None = None) -> np.ndarray:
    """`x1 y1 x2 y2` (a file, or its bytes already read) -> int array (4,)."""
    path = Path(path)
    try:
        vals = [int(float(v)) for v in (path.read_bytes() if data is None else data).decode("utf-8-sig").split()]
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: not a face box file ({e})") from None
    if len(vals) != 4 or vals[2] <= vals[0] or vals[3] <= vals[1]:
        raise DataError(f"{path}: expected 'x1 y1 x2 y2' with x2 > x1 and y2 > y1, got {vals}")
    return np.asarray(vals)


def write_rect(path: Path, rect) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(" ".join(str(int(round(v))) for v in rect) + "\n")


def write_lapa_item(root: Path, split: str, name: str, jpeg: bytes, label: np.ndarray, landmarks: np.ndarray):
    d = Path(root) / split
    for sub in ("images", "labels", "landmarks"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    (d / "images" / f"{name}.jpg").write_bytes(jpeg)
    write_label(d / "labels" / f"{name}.png", label)
    write_landmarks(d / "landmarks" / f"{name}.txt", landmarks)


def write_jd_item(root: Path, split: str, name: str, jpeg: bytes, landmarks: np.ndarray, rect) -> None:
    d = Path(root) / split
    for sub in ("picture", "landmark", "rect"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    (d / "picture" / f"{name}.jpg").write_bytes(jpeg)
    write_landmarks(d / "landmark" / f"{name}.jpg.txt", landmarks)
    write_rect(d / "rect" / f"{name}.jpg.rect", rect)


def load_landmarks(item: Item) -> np.ndarray:
    return read_landmarks(item.landmarks)


# A mirrored face swaps its left and right parts: LaPa classes 2<->3 (brows), 4<->5 (eyes).
FLIP_CLASSES = np.array([0, 1, 3, 2, 5, 4, 6, 7, 8, 9, 10], np.uint8)


def hflip(image: np.ndarray, label: np.ndarray | None, landmarks: np.ndarray):
    """Mirror an image, its label map and its 106 points: pixels flip, left/right classes and landmark
    indices swap (point i of the result is point perm[i] of the input, x -> W - 1 - x)."""
    from paperline.faceimage.landmarks106 import horizontal_flip_permutation

    w = image.shape[1]
    pts = np.asarray(landmarks)[horizontal_flip_permutation()].copy()
    pts[:, 0] = w - 1 - pts[:, 0]
    lab = None if label is None else FLIP_CLASSES[label[:, ::-1]]
    return image[:, ::-1].copy(), lab, pts
