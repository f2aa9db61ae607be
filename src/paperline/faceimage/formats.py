"""Image and 106-point landmark files, as every face family reads and writes them: JPEG/PNG to RGB
uint8 (a corrupt file or a wrong size names the file), and the landmark text format ("106", then one
"x y" line per point) the renderer writes beside each image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from paperline.core.errors import DataError
from paperline.core.imagefile import check_complete

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def decode_image(data: bytes | np.ndarray, where: str, size: int | None = None) -> np.ndarray:
    """JPEG/PNG bytes -> RGB uint8; corrupt data or a wrong size raises DataError naming `where`."""
    arr = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
    check_complete(data if isinstance(data, (bytes, bytearray)) else arr.tobytes(), where)
    img = cv2.imdecode(arr, cv2.IMREAD_COLOR) if arr.size else None
    if img is None:
        raise DataError(f"{where}: cannot decode image (corrupt or not an image)")
    if size is not None and img.shape[:2] != (size, size):
        raise DataError(f"{where}: image is {img.shape[1]}x{img.shape[0]}, expected {size}x{size}")
    return img[:, :, ::-1].copy()


def read_image(path: str | Path, size: int | None = None, data: bytes | None = None) -> np.ndarray:
    """The image at `path` (or its bytes already read, `data`) as RGB uint8."""
    path = Path(path)
    if data is None:
        if not path.is_file():
            raise DataError(f"{path}: file not found")
        data = path.read_bytes()
    return decode_image(data, str(path), size)


def encode_jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def write_landmarks(path: Path, pts: np.ndarray) -> None:
    path.write_text(f"{len(pts)}\n" + "".join(f"{x:.3f} {y:.3f}\n" for x, y in pts))


def read_landmarks(path: str | Path, expected: int = 106, data: bytes | None = None) -> np.ndarray:
    """(expected, 2) float points from a landmark file (or its bytes already read, `data`)."""
    path = Path(path)
    try:
        vals = (path.read_bytes() if data is None else data).decode("utf-8-sig").split()
        count = int(vals[0])
        pts = np.asarray([float(v) for v in vals[1:]], np.float64)
    except (ValueError, IndexError, OSError) as e:
        raise DataError(f"{path}: not a landmark file ({e})") from None
    if count != expected or pts.size != 2 * expected:
        raise DataError(f"{path}: expected {expected} points, file declares {count} and holds {pts.size / 2:g}")
    if not np.isfinite(pts).all():
        raise DataError(f"{path}: landmark coordinates contain NaN or inf")
    return pts.reshape(-1, 2)
