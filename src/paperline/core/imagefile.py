"""Whole-file checks on encoded images that decoders let through: OpenCV decodes a JPEG cut off in
its scan data into a picture whose lower part is grey, with only a warning on stderr, so a truncated
download would train silently."""

from __future__ import annotations

from paperline.core.errors import DataError

_JPEG_SOI, _JPEG_SOS, _JPEG_EOI = b"\xff\xd8\xff", b"\xff\xda", b"\xff\xd9"


def check_complete(data: bytes, where: str) -> None:
    """A JPEG must have its end-of-image marker after its last scan (bytes after it, as some cameras
    append, are allowed). In entropy-coded data a 0xFF byte is always stuffed, so the marker cannot
    appear there by chance. Other formats pass: their decoders refuse a cut file themselves."""
    if not data.startswith(_JPEG_SOI):
        return
    scan = data.rfind(_JPEG_SOS)
    if scan < 0 or data.find(_JPEG_EOI, scan) < 0:
        raise DataError(f"{where}: truncated JPEG (no end-of-image marker after the last scan; "
                        f"{len(data)} bytes): a cut download or copy")
