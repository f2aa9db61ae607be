"""Image sets in their real formats: IDX (MNIST, Fashion-MNIST; gzip or plain), the CIFAR-10
python batches (read with an unpickler that builds nothing but numpy arrays, lists and plain
values) and an image folder (CelebA's `img_align_celeba/*.jpg` with `list_eval_partition.txt`).

Every reader returns uint8 images (N, H, W, C) and labels (N,) or None. A bad file fails with a
DataError naming it and the problem, before anything trains.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")
CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR_TEST = ["test_batch"]


@dataclass
class ImageSet:
    images: np.ndarray            # uint8 (N, H, W, C)
    labels: np.ndarray | None     # int64 (N,) or None
    source: str                   # what was read, for reports and errors
    classes: int = 0              # label classes (0: unlabelled)


def _open(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise DataError(f"{path}: corrupt or truncated gzip stream ({e})") from None
    return raw


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (magic 0x0000 <type> <ndim>, big-endian dimensions, then the body)."""
    path = Path(path)
    data = _open(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise DataError(f"{path}: not an IDX file: magic number {data[:4].hex() or 'missing'} (expected 0000 "
                        "followed by a type byte 08-0e and the number of dimensions)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataError(f"{path}: IDX header of {ndim} dimensions is cut short ({len(data)} bytes)")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(IDX_TYPES[data[2]])
    need = int(np.prod(dims)) * dtype.itemsize
    body = len(data) - header
    if body != need:
        what = "truncated" if body < need else "longer than its header says"
        raise DataError(f"{path}: IDX body {what}: dimensions {'x'.join(map(str, dims))} need {need} bytes after "
                        f"the {header}-byte header, found {body}")
    return np.frombuffer(data, dtype, offset=header).reshape(dims)


def write_idx(path: str | Path, array: np.ndarray, compress: bool = True) -> None:
    array = np.ascontiguousarray(array, np.uint8)
    raw = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    Path(path).write_bytes(gzip.compress(raw, mtime=0) if compress else raw)


def _idx_file(root: Path, stem: str) -> Path:
    for name in (f"{stem}.gz", stem):
        if (root / name).is_file():
            return root / name
    raise DataError(f"{root}: no {stem}[.gz]")


def read_idx_split(root: str | Path, split: str) -> ImageSet:
    """`train` or `t10k`/`test` images and labels of an MNIST-layout folder."""
    root = Path(root)
    prefix = "train" if split == "train" else "t10k"
    img_file, lab_file = _idx_file(root, f"{prefix}-images-idx3-ubyte"), _idx_file(root, f"{prefix}-labels-idx1-ubyte")
    images, labels = read_idx(img_file), read_idx(lab_file)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataError(f"{img_file}: expected uint8 images of 3 dimensions (N, rows, cols), got {images.dtype} "
                        f"{images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{lab_file}: {labels.shape} labels for {len(images)} images in {img_file.name}")
    _check_labels(labels.astype(np.int64), 10, lab_file)
    return ImageSet(images[..., None], labels.astype(np.int64), str(img_file), 10)


def _check_labels(labels: np.ndarray, classes: int, where) -> None:
    bad = np.flatnonzero((labels < 0) | (labels >= classes))
    if len(bad):
        raise DataError(f"{where}: label {labels[bad[0]]} at index {bad[0]} is outside 0..{classes - 1} "
                        f"({len(bad)} such labels)")


class _Refused(pickle.UnpicklingError):
    pass


class _ArraysOnly(pickle.Unpickler):
    """Builds numpy arrays, dtypes and plain values; any other global (a function, a class) is refused,
    so a hostile pickle runs nothing."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"),
               ("_codecs", "encode")}  # how protocol 2 spells bytes written by Python 3

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise _Refused(f"refused global {module}.{name}")


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: `b'data'` uint8 (10000, 3072) as R, G, B planes of 32x32, `b'labels'`."""
    path = Path(path)
    raw = _open(path)
    try:
        batch = _ArraysOnly(io.BytesIO(raw), encoding="bytes").load()
    except _Refused as e:
        raise DataError(f"{path}: not a CIFAR-10 batch: {e} (only numpy arrays and plain values are unpickled)") \
            from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, AttributeError, struct.error) as e:
        raise DataError(f"{path}: not a readable pickle (truncated or corrupt: {e})") from None
    if not isinstance(batch, dict):
        raise DataError(f"{path}: not a CIFAR-10 batch: holds a {type(batch).__name__}, not a dict")
    data, labels = batch.get(b"data", batch.get("data")), batch.get(b"labels", batch.get("labels"))
    if not isinstance(data, np.ndarray) or labels is None:
        raise DataError(f"{path}: not a CIFAR-10 batch: no b'data' array and b'labels' list")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataError(f"{path}: b'data' is {data.dtype} {data.shape}, expected uint8 (N, 3072)")
    labels = np.asarray(labels, np.int64)
    if labels.shape != (len(data),):
        raise DataError(f"{path}: {labels.shape} labels for {len(data)} images")
    _check_labels(labels, 10, path)
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), labels


def write_cifar_batch(path: str | Path, images: np.ndarray, labels) -> None:
    data = np.ascontiguousarray(images.transpose(0, 3, 1, 2).reshape(len(images), -1), np.uint8)
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"paperline", b"labels": [int(x) for x in labels], b"data": data,
                     b"filenames": [f"{i}.png".encode() for i in range(len(images))]}, f, protocol=2)


def cifar_root(root: Path) -> Path | None:
    for cand in (root / "cifar-10-batches-py", root):
        if (cand / "data_batch_1").is_file() or (cand / "test_batch").is_file():
            return cand
    return None


def read_cifar_split(root: Path, split: str) -> ImageSet:
    names = CIFAR_TRAIN if split == "train" else CIFAR_TEST
    missing = [n for n in names if not (root / n).is_file()]
    if missing:
        raise DataError(f"{root}: CIFAR-10 batches missing: {', '.join(missing)}")
    parts = [read_cifar_batch(root / n) for n in names]
    return ImageSet(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                    f"{root}/{'data_batch_1..5' if split == 'train' else 'test_batch'}", 10)


def image_folder(root: Path) -> Path | None:
    for cand in (root / "img_align_celeba", root):
        if cand.is_dir() and any(p.suffix.lower() in IMAGE_EXTS for p in cand.iterdir()):
            return cand
    return None


def read_partition(path: Path, names: list[str]) -> dict[str, int]:
    """CelebA's `list_eval_partition.txt`: `000001.jpg 0` (0 train, 1 val, 2 test)."""
    out = {}
    for i, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[1] not in ("0", "1", "2"):
            raise DataError(f"{path}:{i}: expected 'NAME PARTITION' with partition 0, 1 or 2, got {line!r}")
        out[parts[0]] = int(parts[1])
    unknown = [n for n in names if n not in out]
    if unknown:
        raise DataError(f"{path}: no partition for {unknown[0]} ({len(unknown)} images without one)")
    return out


def read_folder_split(folder: Path, split: str, crop: int = 0, size: int = 0) -> ImageSet:
    """The images of one split: CelebA's partition file when present (train 0, test 2), else every
    tenth image by name is test. All images must share one size; `crop` centre-crops, `size` resizes."""
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS)
    part_file = next((p for p in (folder / "list_eval_partition.txt", folder.parent / "list_eval_partition.txt")
                      if p.is_file()), None)
    if part_file is not None:
        part = read_partition(part_file, [f.name for f in files])
        keep = [f for f in files if (part[f.name] == 2) == (split != "train") and part[f.name] != 1]
    else:
        keep = [f for i, f in enumerate(files) if (i % 10 == 9) == (split != "train")]
    if not keep:
        raise DataError(f"{folder}: no images in the {split} split")
    first_size, out = None, []
    for f in keep:
        try:
            with Image.open(f) as im:
                im.load()
                rgb = im.convert("RGB")
        except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as e:
            raise DataError(f"{f}: unreadable image ({e})") from None
        if first_size is None:
            first_size = rgb.size
        elif rgb.size != first_size:
            raise DataError(f"{f}: size {rgb.size[0]}x{rgb.size[1]} differs from {keep[0].name}'s "
                            f"{first_size[0]}x{first_size[1]}: an image folder holds images of one size")
        if crop:
            w, h = rgb.size
            if crop > min(w, h):
                raise DataError(f"{f}: crop {crop} is larger than the image ({w}x{h})")
            left, top = (w - crop) // 2, (h - crop) // 2
            rgb = rgb.crop((left, top, left + crop, top + crop))
        if size and rgb.size != (size, size):
            rgb = rgb.resize((size, size), Image.Resampling.LANCZOS)
        out.append(np.asarray(rgb, np.uint8))
    return ImageSet(np.stack(out), None, f"{folder} ({split})", 0)


def detect(root: str | Path) -> str:
    root = Path(root)
    if not root.exists():
        raise DataError(f"{root}: no such dataset folder")
    if any((root / f"train-images-idx3-ubyte{s}").is_file() for s in ("", ".gz")):
        return "idx"
    if cifar_root(root) is not None:
        return "cifar"
    if image_folder(root) is not None:
        return "folder"
    raise DataError(f"{root}: no image set found: expected IDX files (train-images-idx3-ubyte[.gz]), CIFAR-10 "
                    "batches (cifar-10-batches-py/data_batch_1..5, test_batch) or an image folder "
                    "(img_align_celeba/*.jpg)")


def read_split(root: str | Path, split: str, crop: int = 0, size: int = 0) -> ImageSet:
    """The `train` or `test` split of whichever format `root` holds."""
    root = Path(root)
    kind = detect(root)
    if kind == "idx":
        return read_idx_split(root, split)
    if kind == "cifar":
        return read_cifar_split(cifar_root(root), split)
    return read_folder_split(image_folder(root), split, crop, size)


def to_training(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 (N, H, W, C) -> float32 (N, C, size, size) in [-1, 1]; smaller images are padded with
    black (28x28 Fashion-MNIST -> 32x32), others resized."""
    x = images.astype(np.float32) / 127.5 - 1
    x = x.transpose(0, 3, 1, 2)
    h, w = x.shape[2:]
    if (h, w) == (size, size):
        return np.ascontiguousarray(x)
    if h <= size and w <= size:
        top, left = (size - h) // 2, (size - w) // 2
        out = np.full((len(x), x.shape[1], size, size), -1, np.float32)
        out[:, :, top:top + h, left:left + w] = x
        return out
    import torch
    import torch.nn.functional as F

    return F.interpolate(torch.from_numpy(x), size=(size, size), mode="area").numpy()
