"""Face-recognition dataset formats: image folder per identity, InsightFace RecordIO, LFW pairs,
the renderer's meta.csv (images and 106-point files: paperline.faceimage.formats)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError
from paperline.core.files import inside
from paperline.face.recordio import read_face_rec
from paperline.faceimage.formats import IMAGE_EXTS, decode_image, read_image


def list_image_folder(root: str | Path) -> tuple[list[Path], np.ndarray, list[str]]:
    """`root/<identity>/<image>`: paths, integer labels (sorted identity names), identity names."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: image folder not found")
    names = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not names:
        raise DataError(f"{root}: no identity folders (expected root/<identity>/<image>.jpg)")
    paths, labels = [], []
    for i, name in enumerate(names):
        for p in sorted((root / name).iterdir()):
            if p.suffix.lower() in IMAGE_EXTS:
                paths.append(p)
                labels.append(i)
    return paths, np.asarray(labels, np.int64), names


def load_train_set(train_dir: str | Path, size: int | None = 112, fmt: str = "auto"):
    """Images (N,H,W,3) uint8 and labels (N,) from `train.rec` or from `images/` (image folder)."""
    train_dir = Path(train_dir)
    rec = train_dir / "train.rec"
    if fmt not in ("auto", "rec", "folder"):
        raise DataError(f"unknown train format {fmt!r}; use auto, rec or folder")
    if fmt == "rec" or (fmt == "auto" and rec.exists()):
        imgs, labels = [], []
        for k, (label, jpeg) in enumerate(read_face_rec(rec, train_dir / "train.idx"), 1):
            imgs.append(decode_image(jpeg, f"{rec} record {k}", size))
            labels.append(label)
        if not imgs:
            raise DataError(f"{rec}: no image records")
        return np.stack(imgs), np.asarray(labels, np.int64)
    folder = train_dir / "images" if (train_dir / "images").is_dir() else train_dir
    paths, labels, _ = list_image_folder(folder)
    return np.stack([read_image(p, size) for p in paths]), labels


@dataclass
class Pair:
    left: Path
    right: Path
    same: bool
    fold: int


def write_pairs(path: Path, folds: list[tuple[list, list]]) -> None:
    """LFW `pairs.txt`: header `folds<TAB>n`, then per fold n same `name i j`, n different `a i b j`."""
    n = len(folds[0][0])
    lines = [f"{len(folds)}\t{n}"]
    for same, diff in folds:
        lines += [f"{a}\t{i}\t{j}" for a, i, j in same]
        lines += [f"{a}\t{i}\t{b}\t{j}" for a, i, b, j in diff]
    path.write_text("\n".join(lines) + "\n")


def lfw_name(root: Path, name: str, i: int) -> Path:
    return root / name / f"{name}_{int(i):04d}.jpg"


def read_pairs(pairs_path: str | Path, images_root: str | Path, check_files: bool = True) -> list[Pair]:
    """Parses LFW `pairs.txt`; fold k is the k-th block of 2n lines, in file order."""
    pairs_path, images_root = Path(pairs_path), Path(images_root)
    if not pairs_path.is_file():
        raise DataError(f"{pairs_path}: file not found")
    try:
        lines = pairs_path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise DataError(f"{pairs_path}: not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    try:
        n_folds, n = (int(v) for v in lines[0].split())
    except (ValueError, IndexError):
        raise DataError(f"{pairs_path}:1: expected header '<folds>\\t<pairs per class>'") from None
    body = [ln for ln in lines[1:] if ln.strip()]
    if len(body) != 2 * n * n_folds:
        raise DataError(f"{pairs_path}: header promises {n_folds} folds x {2 * n} pairs, file has {len(body)} lines")
    out = []
    for k, ln in enumerate(body):
        f = ln.split()
        for name in f[0::2] if len(f) == 4 else f[:1]:
            inside(images_root, name, f"{pairs_path}:{k + 2}")
        try:
            fold = k // (2 * n)
            if len(f) == 3:
                out.append(Pair(lfw_name(images_root, f[0], f[1]), lfw_name(images_root, f[0], f[2]), True, fold))
            elif len(f) == 4:
                out.append(Pair(lfw_name(images_root, f[0], f[1]), lfw_name(images_root, f[2], f[3]), False, fold))
            else:
                raise ValueError
        except ValueError:
            raise DataError(f"{pairs_path}:{k + 2}: expected 'name i j' or 'name1 i name2 j', got {ln!r}") from None
    if check_files:
        missing = sorted({str(p) for pr in out for p in (pr.left, pr.right) if not p.is_file()})
        if missing:
            more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
            raise DataError(f"{pairs_path}: pairs name missing image files: {', '.join(missing[:3])}{more}")
    return out


def read_meta(path: str | Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
