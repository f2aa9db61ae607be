"""The bad-input catalogue: one row per input a user may hand a pipeline, what paperline does with it.

Each case writes its input under a fresh folder and calls the reader (or the stage, or the CLI) a
pipeline calls on it. A `refused` case must raise the project's own error, naming the file (`names`)
and the problem (`says`); where the case writes an output, nothing of it may be left. An `accepted`
case is what real files commonly look like: it must read, and `check` shows the result is right.

`python -m tests.reliability.catalogue` runs every case and writes the table into
docs/reliability.md (between its catalogue markers); tests/reliability/test_catalogue.py runs the
same cases and checks the page is current.
"""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"


@dataclass
class Case:
    id: str
    family: str
    format: str
    input: str                                  # what the file looks like, in a few words
    run: Callable[[Path], object]               # writes the input under the folder, reads it
    outcome: str = "refused"                    # or "accepted"
    names: str = ""                             # refused: the file (or line) the message must name
    says: str = ""                              # refused: words the message must hold
    check: Callable[[object], None] | None = None   # accepted: the result is right
    leaves: tuple[str, ...] = ()                # paths (under the folder) that must not exist afterwards
    error: str = "PaperlineError"               # the error class expected (by name, a PaperlineError subclass)


CASES: list[Case] = []


def case(**kw):
    def add(fn):
        CASES.append(Case(run=fn, **kw))
        return fn
    return add


def ok(condition) -> None:
    assert condition, "the values read are not the file's"


# --- shared inputs ---------------------------------------------------------------------------------

def picture(h: int = 48, w: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    return np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)


def jpeg(h: int = 48, w: int = 48, seed: int = 0) -> bytes:
    from paperline.faceimage.formats import encode_jpeg

    return encode_jpeg(picture(h, w, seed))


def png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def crlf_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()


def landmarks_text(n: int = 106, nan: bool = False) -> str:
    pts = [f"{10 + i % 20}.5 {12 + i // 20}.25" for i in range(n)]
    if nan:
        pts[3] = "nan 4.0"
    return f"{n}\n" + "\n".join(pts) + "\n"


def face_rec(tmp: Path, n: int = 3) -> tuple[Path, Path]:
    from paperline.face.recordio import write_face_rec

    rec, idx = tmp / "train.rec", tmp / "train.idx"
    write_face_rec(rec, idx, [(i % 2, jpeg(seed=i)) for i in range(n)])
    return rec, idx


def read_rec(rec: Path, idx: Path):
    from paperline.face.recordio import read_face_rec

    return list(read_face_rec(rec, idx))


def pairs_setup(tmp: Path, body: str, header: str = "1\t1") -> tuple[Path, Path]:
    root = tmp / "lfw"
    for name in ("Ann", "Bob"):
        for i in (1, 2):
            write(root / name / f"{name}_{i:04d}.jpg", jpeg(seed=i))
    return write(tmp / "pairs.txt", header + "\n" + body), root


def read_pairs(pairs: Path, root: Path):
    from paperline.face.formats import read_pairs as rp

    return rp(pairs, root)


# --- face: images, RecordIO, pairs, image folders ---------------------------------------------------

@case(id="jpeg-truncated-mid-scan", family="face", format="JPEG", input="a JPEG cut off in its scan data",
      names="cut.jpg", says="truncated JPEG")
def _(tmp):
    from paperline.faceimage.formats import read_image

    data = jpeg(96, 96)
    return read_image(write(tmp / "cut.jpg", data[: len(data) * 2 // 3]))


@case(id="png-named-jpg", family="face", format="JPEG", input="a PNG saved under a .jpg name", outcome="accepted",
      check=lambda r: np.testing.assert_array_equal(r, picture()[:, :, ::-1]))
def _(tmp):
    from paperline.faceimage.formats import read_image

    return read_image(write(tmp / "really-a-png.jpg", png(picture())))


@case(id="jpeg-trailing-bytes", family="face", format="JPEG", input="a JPEG with bytes after its end marker "
      "(some cameras append them)", outcome="accepted", check=lambda r: ok((r.shape == (48, 48, 3))))
def _(tmp):
    from paperline.faceimage.formats import read_image

    return read_image(write(tmp / "camera.jpg", jpeg() + b"\0" * 100 + b"EXTRA"))


@case(id="jpeg-empty", family="face", format="JPEG", input="a zero-byte .jpg", names="empty.jpg",
      says="cannot decode")
def _(tmp):
    from paperline.faceimage.formats import read_image

    return read_image(write(tmp / "empty.jpg", b""))


@case(id="jpeg-not-an-image", family="face", format="JPEG", input="text saved under a .jpg name", names="notes.jpg",
      says="cannot decode")
def _(tmp):
    from paperline.faceimage.formats import read_image

    return read_image(write(tmp / "notes.jpg", "not a picture\n"))


@case(id="png-truncated", family="face", format="PNG", input="a PNG cut in half", names="half.png",
      says="cannot decode")
def _(tmp):
    from paperline.faceimage.formats import read_image

    data = png(picture(64, 64))
    return read_image(write(tmp / "half.png", data[: len(data) // 2]))


@case(id="image-wrong-size", family="face", format="image folder", input="a 48x48 face where 112x112 is expected",
      names="small.jpg", says="expected 112x112")
def _(tmp):
    from paperline.faceimage.formats import read_image

    return read_image(write(tmp / "small.jpg", jpeg()), size=112)


@case(id="image-folder-upper-case-ext", family="face", format="image folder", input="identity folders of .JPG "
      "and .Png files", outcome="accepted", check=lambda r: ok((len(r[0]) == 2 and list(r[1]) == [0, 1])))
def _(tmp):
    from paperline.face.formats import list_image_folder

    write(tmp / "imgs" / "a" / "1.JPG", jpeg())
    write(tmp / "imgs" / "b" / "1.Png", png(picture()))
    return list_image_folder(tmp / "imgs")


@case(id="image-folder-empty", family="face", format="image folder", input="an empty dataset folder",
      names="empty", says="no identity folders")
def _(tmp):
    from paperline.face.formats import list_image_folder

    (tmp / "empty").mkdir()
    return list_image_folder(tmp / "empty")


@case(id="image-folder-is-a-file", family="face", format="image folder", input="a dataset path that is a file",
      names="train.zip", says="image folder not found")
def _(tmp):
    from paperline.face.formats import list_image_folder

    return list_image_folder(write(tmp / "train.zip", b"PK\3\4"))


@case(id="recordio-cut-record", family="face", format="RecordIO", input="a .rec with a valid header and its last "
      "record cut", names="train.rec", says="truncated at record")
def _(tmp):
    rec, idx = face_rec(tmp)
    data = rec.read_bytes()
    lines = idx.read_text().splitlines()[:4]  # the header and the three images, as a cut copy's .idx lists them
    idx.write_text("\n".join(lines) + "\n")
    rec.write_bytes(data[: int(lines[3].split("\t")[1]) + 40])  # record 3's header survives, its JPEG does not
    return read_rec(rec, idx)


@case(id="recordio-idx-disagrees", family="face", format="RecordIO", input="an .idx whose offsets do not match "
      "the .rec (from another build)", names="train.rec", says="bad magic")
def _(tmp):
    rec, idx = face_rec(tmp)
    lines = idx.read_text().splitlines()
    k, off = lines[2].split("\t")
    lines[2] = f"{k}\t{int(off) + 12}"
    idx.write_text("\n".join(lines) + "\n")
    return read_rec(rec, idx)


@case(id="recordio-idx-beyond-end", family="face", format="RecordIO", input="an .idx that names records past the "
      "end of a shorter .rec", names="train.rec", says="truncated")
def _(tmp):
    rec, idx = face_rec(tmp)
    rec.write_bytes(rec.read_bytes()[:200])
    return read_rec(rec, idx)


@case(id="recordio-idx-bad-line", family="face", format="RecordIO", input="an .idx line that is not key<TAB>offset",
      names="train.idx:2", says="expected 'key<TAB>offset'")
def _(tmp):
    rec, idx = face_rec(tmp)
    lines = idx.read_text().splitlines()
    lines[1] = "one 24"
    idx.write_text("\n".join(lines) + "\n")
    return read_rec(rec, idx)


@case(id="recordio-idx-crlf", family="face", format="RecordIO", input="an .idx with CRLF line endings and trailing "
      "blank lines", outcome="accepted", check=lambda r: ok((len(r) == 3 and [lab for lab, _ in r] == [0, 0, 1])))
def _(tmp):
    rec, idx = face_rec(tmp)
    idx.write_bytes(idx.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    return read_rec(rec, idx)


@case(id="recordio-missing-idx", family="face", format="RecordIO", input="a .rec without its .idx", names="train.idx",
      says="file not found")
def _(tmp):
    rec, idx = face_rec(tmp)
    idx.unlink()
    return read_rec(rec, idx)


@case(id="recordio-multipart", family="face", format="RecordIO", input="a record with MXNet's multi-part flag set",
      names="train.rec", says="multi-part record")
def _(tmp):
    rec, idx = face_rec(tmp)
    data = bytearray(rec.read_bytes())
    off = int(idx.read_text().splitlines()[1].split("\t")[1])
    magic, lrec = struct.unpack_from("<II", data, off)
    struct.pack_into("<II", data, off, magic, lrec | (1 << 29))
    rec.write_bytes(bytes(data))
    return read_rec(rec, idx)


@case(id="pairs-parent-dir", family="face", format="LFW pairs", input="a pairs line naming ../ (outside the "
      "dataset root)", names="pairs.txt:2", says="outside the dataset folder")
def _(tmp):
    write(tmp / "secret" / "x_0001.jpg", jpeg())
    pairs, root = pairs_setup(tmp, "../secret/x\t1\t1\nAnn\t1\tBob\t1\n")
    return read_pairs(pairs, root)


@case(id="pairs-absolute", family="face", format="LFW pairs", input="a pairs line naming an absolute path",
      names="pairs.txt:3", says="not a path inside")
def _(tmp):
    pairs, root = pairs_setup(tmp, "Ann\t1\t2\n/etc\t1\tBob\t1\n")
    return read_pairs(pairs, root)


@case(id="pairs-crlf-bom-blank", family="face", format="LFW pairs", input="pairs.txt with a BOM, CRLF and trailing "
      "blank lines", outcome="accepted",
      check=lambda r: ok(([(p.same, p.left.name, p.right.name) for p in r]
                       == [(True, "Ann_0001.jpg", "Ann_0002.jpg"), (False, "Ann_0001.jpg", "Bob_0002.jpg")])))
def _(tmp):
    pairs, root = pairs_setup(tmp, "")
    pairs.write_bytes(crlf_bom("1\t1\nAnn\t1\t2\nAnn\t1\tBob\t2\n\n\n"))
    return read_pairs(pairs, root)


@case(id="pairs-header-short", family="face", format="LFW pairs", input="a header promising more pairs than the "
      "file holds", names="pairs.txt", says="header promises")
def _(tmp):
    pairs, root = pairs_setup(tmp, "Ann\t1\t2\nAnn\t1\tBob\t2\n", header="2\t1")
    return read_pairs(pairs, root)


@case(id="pairs-missing-image", family="face", format="LFW pairs", input="a pair naming an image that is not there",
      names="Bob_0007.jpg", says="missing image files")
def _(tmp):
    pairs, root = pairs_setup(tmp, "Ann\t1\t2\nAnn\t1\tBob\t7\n")
    return read_pairs(pairs, root)


@case(id="pairs-bad-index", family="face", format="LFW pairs", input="a pair whose image number is not a number",
      names="pairs.txt:2", says="expected 'name i j'")
def _(tmp):
    pairs, root = pairs_setup(tmp, "Ann\tone\t2\nAnn\t1\tBob\t2\n")
    return read_pairs(pairs, root)


@case(id="pairs-not-utf8", family="face", format="LFW pairs", input="pairs.txt in Latin-1 with an accented name",
      names="pairs.txt", says="not a UTF-8 text file")
def _(tmp):
    pairs, root = pairs_setup(tmp, "")
    pairs.write_bytes("1\t1\nJos\xe9\t1\t2\nAnn\t1\tBob\t2\n".encode("latin-1"))
    return read_pairs(pairs, root)


# --- landmarks and parsing: 106-point files, JD boxes, LaPa labels and layouts ------------------------

def _read_landmarks(path):
    from paperline.faceimage.formats import read_landmarks

    return read_landmarks(path)


@case(id="landmarks-crlf-bom", family="landmarks", format="106-point txt", input="a landmark file with a BOM and "
      "CRLF", outcome="accepted", check=lambda r: ok((r.shape == (106, 2) and r[0].tolist() == [10.5, 12.25])))
def _(tmp):
    return _read_landmarks(write(tmp / "a.jpg.txt", crlf_bom(landmarks_text())))


@case(id="landmarks-98-points", family="landmarks", format="106-point txt", input="a 98-point (WFLW) file where "
      "106 are expected", names="wflw.txt", says="expected 106 points")
def _(tmp):
    return _read_landmarks(write(tmp / "wflw.txt", landmarks_text(98)))


@case(id="landmarks-nan", family="landmarks", format="106-point txt", input="a coordinate written as nan",
      names="nan.txt", says="NaN or inf")
def _(tmp):
    return _read_landmarks(write(tmp / "nan.txt", landmarks_text(nan=True)))


@case(id="landmarks-count-lies", family="landmarks", format="106-point txt", input="a count line of 106 over 105 "
      "points (a cut file)", names="cut.txt", says="holds 105")
def _(tmp):
    text = landmarks_text()
    return _read_landmarks(write(tmp / "cut.txt", text[: text.rstrip().rfind("\n")] + "\n"))


@case(id="landmarks-binary", family="landmarks", format="106-point txt", input="binary bytes under a .txt name",
      names="bin.txt", says="not a landmark file")
def _(tmp):
    return _read_landmarks(write(tmp / "bin.txt", b"\xff\xfe\x00\x01garbage"))


@case(id="jd-rect-inverted", family="landmarks", format="JD rect", input="a face box with x2 < x1",
      names="a.jpg.rect", says="x2 > x1")
def _(tmp):
    from paperline.faceimage.layouts import read_rect

    return read_rect(write(tmp / "a.jpg.rect", "50 10 20 60\n"))


@case(id="jd-landmark-without-picture", family="landmarks", format="JD layout", input="a landmark file whose "
      "picture is missing", names="b.jpg.txt", says="has no image")
def _(tmp):
    from paperline.faceimage.layouts import read_jd_split

    d = tmp / "jd" / "train"
    write(d / "picture" / "a.jpg", jpeg())
    for n in ("a.jpg", "b.jpg"):
        write(d / "landmark" / f"{n}.txt", landmarks_text())
        write(d / "rect" / f"{n}.rect", "1 1 40 40\n")
    return read_jd_split(tmp / "jd", "train")


@case(id="jd-upper-case-ext", family="landmarks", format="JD layout", input="pictures named .JPG", outcome="accepted",
      check=lambda r: ok(([i.name for i in r] == ["a"] and r[0].landmarks.name == "a.JPG.txt")))
def _(tmp):
    from paperline.faceimage.layouts import read_jd_split

    d = tmp / "jd" / "train"
    write(d / "picture" / "a.JPG", jpeg())
    write(d / "landmark" / "a.JPG.txt", landmarks_text())
    write(d / "rect" / "a.JPG.rect", "1 1 40 40\n")
    return read_jd_split(tmp / "jd", "train")


def _label(tmp, lab: np.ndarray, shape=(48, 48)):
    from paperline.faceimage.layouts import read_label

    return read_label(write(tmp / "labels" / "a.png", png(lab)), shape)


@case(id="lapa-label-class-11", family="parsing", format="LaPa label PNG", input="a label PNG with class id 11",
      names="a.png", says="class id 11")
def _(tmp):
    lab = np.zeros((48, 48), np.uint8)
    lab[5, 5] = 11
    return _label(tmp, lab)


@case(id="lapa-label-rgb", family="parsing", format="LaPa label PNG", input="a colour-coded (RGB) label PNG",
      names="a.png", says="single-channel")
def _(tmp):
    return _label(tmp, np.zeros((48, 48, 3), np.uint8))


@case(id="lapa-label-wrong-size", family="parsing", format="LaPa label PNG", input="a label PNG of another size "
      "than its image", names="a.png", says="label is 40x48")
def _(tmp):
    return _label(tmp, np.zeros((48, 40), np.uint8))


@case(id="lapa-image-without-landmarks", family="parsing", format="LaPa layout", input="an image without its "
      "landmark file", names="b.jpg", says="has no landmark file")
def _(tmp):
    from paperline.faceimage.layouts import read_lapa_split

    d = tmp / "lapa" / "train"
    for n in ("a", "b"):
        write(d / "images" / f"{n}.jpg", jpeg())
        write(d / "labels" / f"{n}.png", png(np.zeros((48, 48), np.uint8)))
    write(d / "landmarks" / "a.txt", landmarks_text())
    return read_lapa_split(tmp / "lapa", "train")


@case(id="lapa-empty-split", family="parsing", format="LaPa layout", input="an empty split folder",
      names="images", says="folder not found")
def _(tmp):
    from paperline.faceimage.layouts import read_lapa_split

    (tmp / "lapa" / "train").mkdir(parents=True)
    return read_lapa_split(tmp / "lapa", "train")


@case(id="lapa-truncated-jpeg-in-suite", family="parsing", format="LaPa layout", input="a truncated image among "
      "good ones (the validation suite)", names="validation", says="failed")
def _(tmp):
    from paperline.faceimage.validation import validate_parsing_dataset

    d = tmp / "lapa" / "train"
    for n in ("a", "b"):
        data = jpeg(seed=1)
        write(d / "images" / f"{n}.jpg", data if n == "a" else data[: len(data) // 2])
        write(d / "labels" / f"{n}.png", png(np.zeros((48, 48), np.uint8)))
        write(d / "landmarks" / f"{n}.txt", landmarks_text())
    return validate_parsing_dataset(tmp / "lapa", "lapa", "train", tmp / "report")


# --- time series: UCR .ts and .tsv ----------------------------------------------------------------

TS = ("@problemName Toy\n@timeStamps false\n@missing false\n@univariate true\n@equalLength true\n"
      "@seriesLength 3\n@classLabel true a b\n@data\n1.0,2.0,3.0:a\n4.0,5.0,6.0:b\n")


def _ts(tmp, text, name="Toy_TRAIN.ts"):
    from paperline.timeseries.formats import read_ts

    return read_ts(write(tmp / name, text))


@case(id="ts-crlf-bom-blank", family="timeseries", format="UCR .ts", input="a .ts with a BOM, CRLF and trailing "
      "blank lines", outcome="accepted",
      check=lambda r: ok((r.labels == ["a", "b"] and r.series[1].tolist() == [4, 5, 6] and r.classes == ["a", "b"])))
def _(tmp):
    return _ts(tmp, crlf_bom(TS + "\n\n"))


@case(id="ts-upper-case-ext", family="timeseries", format="UCR .ts", input="Toy_TRAIN.TS found by the split finder",
      outcome="accepted", check=lambda r: ok((len(r) == 2 and r.path.endswith("Toy_TRAIN.TS"))))
def _(tmp):
    from paperline.timeseries.formats import read_split

    write(tmp / "ucr" / "Toy_TRAIN.TS", TS)
    return read_split(tmp / "ucr", "Toy", "train")


@case(id="ts-no-data-line", family="timeseries", format="UCR .ts", input="a header without @data", names="Toy_TRAIN.ts",
      says="no @data line")
def _(tmp):
    return _ts(tmp, TS.split("@data")[0])


@case(id="ts-ragged", family="timeseries", format="UCR .ts", input="series of two lengths under @equalLength true",
      names="Toy_TRAIN.ts:10", says="series of length 2")
def _(tmp):
    return _ts(tmp, TS.replace("4.0,5.0,6.0:b", "4.0,5.0:b"))


@case(id="ts-multivariate", family="timeseries", format="UCR .ts", input="a two-dimension series line",
      names="Toy_TRAIN.ts:9", says="more than one dimension")
def _(tmp):
    return _ts(tmp, TS.replace("1.0,2.0,3.0:a", "1.0,2.0,3.0:1,1,1:a"))


@case(id="ts-non-numeric", family="timeseries", format="UCR .ts", input="a value that is not a number",
      names="Toy_TRAIN.ts:10", says="non-numeric value")
def _(tmp):
    return _ts(tmp, TS.replace("5.0", "five"))


@case(id="ts-series-length-lies", family="timeseries", format="UCR .ts", input="@seriesLength 4 over series of 3",
      names="Toy_TRAIN.ts:6", says="@seriesLength 4")
def _(tmp):
    return _ts(tmp, TS.replace("@seriesLength 3", "@seriesLength 4"))


@case(id="ts-not-text", family="timeseries", format="UCR .ts", input="binary bytes under a .ts name",
      names="Toy_TRAIN.ts", says="not a text .ts file")
def _(tmp):
    return _ts(tmp, b"\x00\xff\xfe" * 20)


@case(id="ts-missing-class-label", family="timeseries", format="UCR .ts", input="a regression file (no "
      "@classLabel)", names="Toy_TRAIN.ts:7", says="no @classLabel")
def _(tmp):
    return _ts(tmp, TS.replace("@classLabel true a b\n", ""))


def _tsv(tmp, text):
    from paperline.timeseries.formats import read_tsv

    return read_tsv(write(tmp / "Toy_TRAIN.tsv", text))


@case(id="tsv-missing-label", family="timeseries", format="UCR .tsv", input="a row whose label cell is empty",
      names="Toy_TRAIN.tsv:2", says="label (column 0) is missing")
def _(tmp):
    return _tsv(tmp, "1\t1.0\t2.0\nNaN\t3.0\t4.0\n")


@case(id="tsv-text-cell", family="timeseries", format="UCR .tsv", input="a cell holding text",
      names="Toy_TRAIN.tsv:1", says="non-numeric cell")
def _(tmp):
    return _tsv(tmp, "1\t1.0\tabc\n")


@case(id="tsv-empty", family="timeseries", format="UCR .tsv", input="an empty .tsv", names="Toy_TRAIN.tsv",
      says="empty file")
def _(tmp):
    return _tsv(tmp, "\n\n")


@case(id="tsv-crlf-padding", family="timeseries", format="UCR .tsv", input="CRLF rows padded with trailing NaN "
      "(a shorter series)", outcome="accepted",
      check=lambda r: ok(([len(s) for s in r.series] == [3, 2] and not r.equal_length)))
def _(tmp):
    return _tsv(tmp, "1\t1\t2\t3\r\n2\t4\t5\tNaN\r\n\r\n")


@case(id="ucr-dataset-is-a-file", family="timeseries", format="UCR folder", input="a dataset path that is a file",
      names="ucr.tar", says="no Toy_TRAIN.ts")
def _(tmp):
    from paperline.timeseries.formats import read_split

    return read_split(write(tmp / "ucr.tar", b"x"), "Toy", "train")


# --- recsys: UserBehavior, Retailrocket, Parquet ----------------------------------------------------

def _log(tmp, name, data):
    from paperline.recsys.interactions import read_log

    write(tmp / "log" / name, data)
    return read_log(tmp / "log")


BIG = 2 ** 62 + 12345


@case(id="userbehavior-bom-crlf-int64", family="recsys", format="UserBehavior CSV", input="a BOM, CRLF and 64-bit "
      "ids", outcome="accepted",
      check=lambda r: ok((r.table["user_id"].tolist() == [BIG, 7] and r.table["item_id"].dtype == np.int64
                       and r.table["behavior"].tolist() == ["pv", "buy"])))
def _(tmp):
    return _log(tmp, "UserBehavior.csv", crlf_bom(f"{BIG},{BIG + 1},3,pv,1511540000\n7,8,3,buy,1511540001\n"))


@case(id="userbehavior-upper-case", family="recsys", format="UserBehavior CSV", input="USERBEHAVIOR.CSV (upper-case "
      "name)", outcome="accepted", check=lambda r: ok((len(r) == 1 and r.format == "userbehavior")))
def _(tmp):
    return _log(tmp, "USERBEHAVIOR.CSV", "1,2,3,pv,1511540000\n")


@case(id="userbehavior-columns", family="recsys", format="UserBehavior CSV", input="a row with four columns",
      names="UserBehavior.csv:2", says="expected 5 comma-separated columns")
def _(tmp):
    return _log(tmp, "UserBehavior.csv", "1,2,3,pv,1511540000\n1,2,pv,1511540000\n")


@case(id="userbehavior-text-id", family="recsys", format="UserBehavior CSV", input="a user id that is not a number",
      names="UserBehavior.csv:2", says="column 1 is not an integer")
def _(tmp):
    return _log(tmp, "UserBehavior.csv", "1,2,3,pv,1511540000\nu9,2,3,pv,1511540000\n")


@case(id="userbehavior-empty-id", family="recsys", format="UserBehavior CSV", input="an empty item id",
      names="UserBehavior.csv:2", says="column item_id is empty")
def _(tmp):
    return _log(tmp, "UserBehavior.csv", "1,2,3,pv,1511540000\n1,,3,pv,1511540000\n")


@case(id="userbehavior-empty-file", family="recsys", format="UserBehavior CSV", input="a zero-byte log",
      names="UserBehavior.csv", says="empty file")
def _(tmp):
    return _log(tmp, "UserBehavior.csv", b"")


@case(id="userbehavior-gzip-cut", family="recsys", format="UserBehavior CSV", input="a cut gzip saved as the .csv",
      names="UserBehavior.csv", says="gzip-compressed")
def _(tmp):
    data = gzip.compress(b"1,2,3,pv,1511540000\n" * 2000)
    return _log(tmp, "UserBehavior.csv", data[: len(data) // 2])


@case(id="retailrocket-bom-crlf", family="recsys", format="Retailrocket CSV", input="events.csv with a BOM and CRLF",
      outcome="accepted",
      check=lambda r: ok((r.table["behavior"].tolist() == ["pv", "buy"]
                          and r.table["ts"].tolist() == [1433221332, 1433224214])))
def _(tmp):
    return _log(tmp, "events.csv", crlf_bom("timestamp,visitorid,event,itemid,transactionid\n"
                                            "1433221332117,257597,view,355908,\n1433224214164,992329,transaction,248676,4\n"))


@case(id="retailrocket-header", family="recsys", format="Retailrocket CSV", input="events.csv with its columns "
      "renamed", names="events.csv:1", says="expected the Retailrocket header")
def _(tmp):
    return _log(tmp, "events.csv", "ts,user,event,item,tx\n1,2,view,3,\n")


@case(id="parquet-missing-column", family="recsys", format="Parquet", input="an interactions table without ts",
      names="log.parquet", says="missing column(s) ts")
def _(tmp):
    import pandas as pd

    (tmp / "log").mkdir()
    pd.DataFrame({"user_id": [1], "item_id": [2], "category_id": [3], "behavior": ["pv"]}).to_parquet(
        tmp / "log" / "log.parquet")
    from paperline.recsys.interactions import read_log

    return read_log(tmp / "log")


@case(id="parquet-corrupt", family="recsys", format="Parquet", input="a .parquet that is not Parquet",
      names="log.parquet", says="not a readable Parquet file")
def _(tmp):
    return _log(tmp, "log.parquet", b"PAR1 but no footer")


@case(id="interactions-empty-folder", family="recsys", format="log folder", input="an empty dataset folder",
      names="log", says="no interaction log found")
def _(tmp):
    from paperline.recsys.interactions import read_log

    (tmp / "log").mkdir()
    return read_log(tmp / "log")


# --- speech: SRT, WenetSpeech JSON, JSONL manifests, video files -------------------------------------

def _srt(tmp, data):
    from paperline.asr.srt import read_srt

    return read_srt(write(tmp / "v.srt", data))


SRT = "1\n00:00:01,000 --> 00:00:02,500\n你好\n\n2\n00:00:03,000 --> 00:00:04,000\n再见\n"


@case(id="srt-bom-crlf-blank", family="asr", format="SRT", input="subtitles with a BOM, CRLF and trailing blank "
      "lines", outcome="accepted",
      check=lambda r: ok(([(c.start, c.end, c.text) for c in r] == [(1.0, 2.5, "你好"), (3.0, 4.0, "再见")])))
def _(tmp):
    return _srt(tmp, crlf_bom(SRT + "\n\n"))


@case(id="srt-reversed", family="asr", format="SRT", input="a cue that ends before it starts", names="v.srt",
      says="cue 2: end")
def _(tmp):
    return _srt(tmp, SRT.replace("00:00:03,000 --> 00:00:04,000", "00:00:04,000 --> 00:00:03,000"))


@case(id="srt-overlap", family="asr", format="SRT", input="cues that overlap", names="v.srt", says="overlapping")
def _(tmp):
    return _srt(tmp, SRT.replace("00:00:03,000", "00:00:02,000"))


@case(id="srt-not-utf8", family="asr", format="SRT", input="a GBK-encoded subtitle file", names="v.srt",
      says="not UTF-8")
def _(tmp):
    return _srt(tmp, SRT.encode("gbk"))


@case(id="srt-no-time", family="asr", format="SRT", input="a cue without its time line", names="v.srt",
      says="cue 2: no 'HH:MM:SS,mmm")
def _(tmp):
    return _srt(tmp, SRT.replace("00:00:03,000 --> 00:00:04,000", "three seconds"))


def _wenet(tmp, meta):
    from paperline.asr.formats import read_wenetspeech

    return read_wenetspeech(write(tmp / "WenetSpeech.json", meta if isinstance(meta, bytes) else json.dumps(meta)))


SEG = {"sid": "Y0001_S1", "text": "你好", "begin_time": 0.5, "end_time": 1.5, "subsets": ["S"]}


@case(id="wenet-bom", family="asr", format="WenetSpeech JSON", input="the JSON with a BOM", outcome="accepted",
      check=lambda r: ok(([(u.utt_id, u.start, u.end) for u in r.utterances] == [("Y0001_S1", 0.5, 1.5)])))
def _(tmp):
    return _wenet(tmp, b"\xef\xbb\xbf" + json.dumps({"audios": [{"aid": "Y0001", "path": "audio/Y0001.opus",
                                                                   "segments": [SEG]}]}).encode())


@case(id="wenet-no-audios", family="asr", format="WenetSpeech JSON", input="a JSON object without 'audios'",
      names="WenetSpeech.json", says="no 'audios' list")
def _(tmp):
    return _wenet(tmp, {"segments": []})


@case(id="wenet-missing-field", family="asr", format="WenetSpeech JSON", input="a segment without end_time",
      names="WenetSpeech.json: audios[0] (Y0001)", says="missing or bad field")
def _(tmp):
    seg = {k: v for k, v in SEG.items() if k != "end_time"}
    return _wenet(tmp, {"audios": [{"aid": "Y0001", "path": "a.opus", "segments": [seg]}]})


@case(id="wenet-path-escapes", family="asr", format="WenetSpeech JSON", input="an audio path climbing out with ../",
      names="audios[0].path", says="outside the dataset folder")
def _(tmp):
    return _wenet(tmp, {"audios": [{"aid": "Y0001", "path": "../../etc/passwd", "segments": [SEG]}]})


@case(id="wenet-truncated", family="asr", format="WenetSpeech JSON", input="a JSON file cut short",
      names="WenetSpeech.json", says="not a readable JSON file")
def _(tmp):
    text = json.dumps({"audios": [{"aid": "Y0001", "path": "a.opus", "segments": [SEG]}]})
    return _wenet(tmp, text[: len(text) // 2].encode())


@case(id="jsonl-bad-line", family="asr", format="JSONL manifest", input="a manifest line that is not JSON",
      names="weak.jsonl:2", says="not JSON")
def _(tmp):
    from paperline.asr.formats import read_jsonl

    row = {"utt_id": "u1", "audio_path": "a.wav", "start": 0, "end": 1, "text": "x"}
    return read_jsonl(write(tmp / "weak.jsonl", json.dumps(row) + "\n{\"utt_id\": \n"))


def _video(tmp: Path) -> Path:
    out = tmp / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1",
                    "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


@case(id="video-truncated", family="asr", format="MP4 video", input="an MP4 cut in half (its index is lost)",
      names="clip.mp4", says="not a readable video")
def _(tmp):
    from paperline.asr.media import probe

    v = _video(tmp)
    v.write_bytes(v.read_bytes()[: v.stat().st_size // 2])
    return probe(v)


@case(id="video-not-a-video", family="asr", format="MP4 video", input="subtitles saved under an .mp4 name",
      names="fake.mp4", says="no video stream")
def _(tmp):
    from paperline.asr.media import probe

    return probe(write(tmp / "fake.mp4", SRT))


# --- tracker: VOT, OTB, DAVIS, frames and videos ----------------------------------------------------

def _vot(tmp, gt: bytes | str, listing: str = "seq\n", frames: int = 3):
    from paperline.tracker.sequences import read_vot

    root = tmp / "vot"
    write(root / "list.txt", listing)
    for i in range(frames):
        write(root / "seq" / "color" / f"{i + 1:08d}.jpg", jpeg(seed=i))
    write(root / "seq" / "groundtruth.txt", gt)
    return read_vot(root)


GT = "10,10,20,10,20,20,10,20\n11,10,21,10,21,20,11,20\n12,10,22,10,22,20,12,20\n"


@case(id="vot-crlf-bom-blank", family="tracker", format="VOT groundtruth", input="polygons with a BOM, CRLF and "
      "trailing blank lines", outcome="accepted",
      check=lambda r: ok((len(r[0]) == 3 and r[0].boxes[2].tolist() == [12, 10, 10, 10])))
def _(tmp):
    return _vot(tmp, crlf_bom(GT + "\n\n"))


@case(id="vot-five-values", family="tracker", format="VOT groundtruth", input="a row of five numbers",
      names="groundtruth.txt:2", says="5 values; expected 4 or 8")
def _(tmp):
    return _vot(tmp, GT.replace("11,10,21,10,21,20,11,20", "11,10,21,10,21"))


@case(id="vot-list-escapes", family="tracker", format="VOT list.txt", input="list.txt naming ../ (outside the "
      "release folder)", names="list.txt", says="outside the dataset folder")
def _(tmp):
    return _vot(tmp, GT, listing="seq\n../../elsewhere\n")


@case(id="vot-missing-groundtruth", family="tracker", format="VOT list.txt", input="a listed sequence without "
      "groundtruth.txt", names="other/groundtruth.txt", says="missing (listed in")
def _(tmp):
    return _vot(tmp, GT, listing="seq\nother\n")


@case(id="vot-rows-frames", family="tracker", format="VOT sequence", input="three truth rows for two frames",
      names="groundtruth.txt", says="3 ground-truth rows for 2 frames")
def _(tmp):
    seqs = _vot(tmp, GT, frames=2)
    seqs[0].check()


@case(id="otb-tabs-upper-ext", family="tracker", format="OTB groundtruth", input="tab-separated boxes, .JPG frames",
      outcome="accepted",
      check=lambda r: ok((len(r[0].frames) == 2 and r[0].boxes.tolist() == [[0, 1, 5, 6], [1, 1, 5, 6]])))
def _(tmp):
    from paperline.tracker.sequences import read_otb

    for i in range(2):
        write(tmp / "otb" / "Car" / "img" / f"{i + 1:04d}.JPG", jpeg(seed=i))
    write(tmp / "otb" / "Car" / "groundtruth_rect.txt", "1\t2\t5\t6\n2\t2\t5\t6\n")
    return read_otb(tmp / "otb")


@case(id="otb-not-numbers", family="tracker", format="OTB groundtruth", input="a row of words",
      names="groundtruth_rect.txt:1", says="not numbers")
def _(tmp):
    from paperline.tracker.sequences import read_otb

    write(tmp / "otb" / "Car" / "groundtruth_rect.txt", "x y w h\n")
    return read_otb(tmp / "otb")


@case(id="frame-truncated", family="tracker", format="JPEG frame", input="a frame JPEG cut off in its scan data",
      names="00000002.jpg", says="truncated JPEG")
def _(tmp):
    seqs = _vot(tmp, GT)
    data = jpeg(96, 96, seed=1)
    seqs[0].frames[1].write_bytes(data[: len(data) // 2])
    return seqs[0].frame(1)


@case(id="davis-mask-not-png", family="tracker", format="DAVIS annotation", input="an annotation that is a JPEG "
      "cut short", names="00000.png", says="not a readable mask PNG")
def _(tmp):
    from paperline.tracker.sequences import read_mask

    return read_mask(write(tmp / "00000.png", jpeg()[:50]))


@case(id="davis-list-escapes", family="tracker", format="DAVIS ImageSets", input="a split file naming ../",
      names="val.txt", says="outside the dataset folder")
def _(tmp):
    from paperline.tracker.sequences import read_davis

    write(tmp / "davis" / "ImageSets" / "2017" / "val.txt", "../../../etc\n")
    return read_davis(tmp / "davis")


@case(id="video-no-frames", family="tracker", format="video file", input="a .mp4 no frame of which decodes",
      names="cam.mp4", says="no frame decodes")
def _(tmp):
    from paperline.tracker.sequences import read_video

    return read_video(write(tmp / "cam.mp4", b"\0" * 4096))


# --- gan: IDX, gzip, CIFAR pickles, image folders ---------------------------------------------------

def _idx(tmp, data: bytes, name="train-images-idx3-ubyte"):
    from paperline.gan.formats import read_idx

    return read_idx(write(tmp / name, data))


IDX = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 4, 4) + bytes(range(32))


@case(id="idx-wrong-magic", family="gan", format="IDX", input="an IDX whose magic is that of another format",
      names="train-images-idx3-ubyte", says="not an IDX file: magic number")
def _(tmp):
    return _idx(tmp, b"\x89PNG" + IDX[4:])


@case(id="idx-truncated", family="gan", format="IDX", input="an IDX body shorter than its dimensions",
      names="train-images-idx3-ubyte", says="IDX body truncated")
def _(tmp):
    return _idx(tmp, IDX[:-5])


@case(id="idx-claims-1e9", family="gan", format="IDX", input="a header claiming 10^9 images over 32 bytes "
      "(refused before allocating)", names="train-images-idx3-ubyte", says="need 16000000000 bytes")
def _(tmp):
    return _idx(tmp, IDX[:4] + struct.pack(">3I", 10 ** 9, 4, 4) + IDX[16:])


@case(id="idx-gzip-cut", family="gan", format="IDX gzip", input="a .gz that ends early", names="-ubyte.gz",
      says="corrupt or truncated gzip")
def _(tmp):
    data = gzip.compress(IDX * 50)
    return _idx(tmp, data[: len(data) // 2], "train-images-idx3-ubyte.gz")


@case(id="idx-plain-and-gzip", family="gan", format="IDX gzip", input="the same IDX gzipped and plain",
      outcome="accepted", check=lambda r: ok((r[0].shape == (2, 4, 4) and (r[0] == r[1]).all())))
def _(tmp):
    return _idx(tmp, gzip.compress(IDX), "a.gz"), _idx(tmp, IDX, "a")


@case(id="idx-label-out-of-range", family="gan", format="IDX", input="a label of 12 among Fashion-MNIST's ten "
      "classes", names="train-labels-idx1-ubyte", says="label 12 at index 1")
def _(tmp):
    from paperline.gan.formats import read_idx_split

    write(tmp / "fm" / "train-images-idx3-ubyte", IDX)
    write(tmp / "fm" / "train-labels-idx1-ubyte", bytes([0, 0, 8, 1]) + struct.pack(">I", 2) + bytes([3, 12]))
    return read_idx_split(tmp / "fm", "train")


# Written by hand, not by pickle.dumps: pickling a reference to `print` fails wherever a library
# has replaced builtins.print (one does, in the full suite), and the bytes are what an attacker sends.
_HOSTILE_PICKLE = b"(dp0\nVdata\np1\ncbuiltins\nprint\np2\n(Vpwned\np3\ntp4\nRp5\ns."


@case(id="cifar-hostile-pickle", family="gan", format="CIFAR batch", input="a pickle that would call a function",
      names="data_batch_1", says="refused global builtins.print")
def _(tmp):
    from paperline.gan.formats import read_cifar_batch

    return read_cifar_batch(write(tmp / "data_batch_1", _HOSTILE_PICKLE))


@case(id="image-folder-mixed-sizes", family="gan", format="image folder", input="a CelebA-style folder with one "
      "image of another size", names="000005.jpg", says="differs from")
def _(tmp):
    from paperline.gan.formats import read_folder_split

    for i in range(1, 11):
        write(tmp / "img" / f"{i:06d}.jpg", jpeg(40 if i == 5 else 48, 48, seed=i))
    return read_folder_split(tmp / "img", "train")


@case(id="gan-truncated-jpeg", family="gan", format="image folder", input="a truncated JPEG in the folder",
      names="000010.jpg", says="unreadable image")
def _(tmp):
    from paperline.gan.formats import read_folder_split

    for i in range(1, 11):
        data = jpeg(64, 64, seed=i)
        write(tmp / "img" / f"{i:06d}.jpg", data[: len(data) // 2] if i == 10 else data)
    return read_folder_split(tmp / "img", "test")


# --- configuration, the CLI and ingest ------------------------------------------------------------

def cli(args: list[str], tmp: Path):
    """The `paperline` command on a fresh home, as a user runs it: a refusal is its exit code and the
    line it prints, raised here as the project's error to compare with the table."""
    from typer.testing import CliRunner

    from paperline.cli import app
    from paperline.core.errors import PaperlineError

    r = CliRunner().invoke(app, args, env={"PAPERLINE_HOME": str(tmp / "home"), "MLFLOW_TRACKING_URI": None})
    if r.exit_code == 0:
        return r.output
    lines = (r.stderr or r.output).strip().splitlines()
    said = next((ln for ln in lines if ln.startswith("error:")), lines[-1] if lines else repr(r.exception))
    raise PaperlineError(f"exit {r.exit_code}: {said}")


@case(id="config-not-mapping", family="core", format="--config YAML", input="a config file holding a list",
      names="cfg.yaml", says="expected a mapping", leaves=("home/mlflow.db",))
def _(tmp):
    return cli(["run", "swing", "--config", str(write(tmp / "cfg.yaml", "- epochs: 2\n"))], tmp)


@case(id="config-bad-yaml", family="core", format="--config YAML", input="a config file that is not YAML",
      names="cfg.yaml", says="not valid YAML", leaves=("home/mlflow.db",))
def _(tmp):
    return cli(["run", "swing", "--config", str(write(tmp / "cfg.yaml", "epochs: [2\n"))], tmp)


def _set(paper: str, key: str, value: str):
    def run(tmp):
        return cli(["run", paper, "--set", f"{key}={value}"], tmp)
    return run


for _paper, _key, _value, _type in [("mv-softmax", "epochs", "two", "int"), ("mv-softmax", "epochs", "2.5", "int"),
                                    ("mv-softmax", "lr", "fast", "float"), ("kdctime", "members", "1e", "int"),
                                    ("swing", "alpha", "x", "float"), ("mv-softmax", "adaptive", "maybe", "bool"),
                                    ("mv-softmax", "milestones", "[1,", "list"),
                                    ("mv-softmax", "model_name", "a\nb", "str")]:
    CASES.append(Case(id=f"set-{_type}-{_key}-{_value}".replace("\n", "-"), family="core", format="--set",
                      input=f"--set {_key}={_value!r} ({_paper}: {_key} is {_type})", run=_set(_paper, _key, _value),
                      names=repr(_key), says=f"expects {_type}" if _type != "str" else "line break",
                      leaves=("home/mlflow.db",)))

CASES.append(Case(id="set-unknown-key", family="core", format="--set", input="--set epoch=2 (a misspelt name)",
                  run=_set("mv-softmax", "epoch", "2"), names="'epoch'", says="unknown parameter",
                  leaves=("home/mlflow.db",)))
CASES.append(Case(id="set-no-equals", family="core", format="--set", input="--set epochs (no value)",
                  run=lambda tmp: cli(["run", "mv-softmax", "--set", "epochs"], tmp), names="'epochs'",
                  says="key=value", leaves=("home/mlflow.db",)))


@case(id="ingest-missing-path", family="core", format="dataset path", input="a data_path that does not exist",
      names="nowhere", says="dataset path not found", leaves=("out", "out.partial"))
def _(tmp):
    from paperline.core.ingest import ingest

    return ingest(str(tmp / "nowhere"), tmp / "out")


@case(id="ingest-unknown-scheme", family="core", format="dataset path", input="a data_path of gs://bucket/x",
      names="gs://bucket/x", says="unsupported dataset URI scheme", leaves=("out", "out.partial"))
def _(tmp):
    from paperline.core.ingest import ingest

    return ingest("gs://bucket/x", tmp / "out")


@case(id="ingest-file-uri", family="core", format="dataset path", input="a file:// URI to a folder",
      outcome="accepted", check=lambda r: ok((r["data_uri"].startswith("file://") and len(r["data_md5"]) == 32)))
def _(tmp):
    from paperline.core.ingest import ingest

    write(tmp / "src" / "a.txt", "x")
    return ingest((tmp / "src").as_uri(), tmp / "out")


# --- running a case and the page ------------------------------------------------------------------

def outcome(c: Case, tmp: Path) -> tuple[str, str]:
    """('refused', message) or ('accepted', ''), with the folder written as <dir>; raises AssertionError
    when the case does not end as the table says."""
    from paperline.core import errors

    tmp.mkdir(parents=True, exist_ok=True)
    expected = getattr(errors, c.error)
    try:
        result = c.run(tmp)
    except expected as e:
        msg = str(e)
        assert c.outcome == "refused", f"{c.id}: refused ({msg}) but the table says accepted"
        assert c.names in msg, f"{c.id}: the message does not name {c.names!r}: {msg}"
        assert c.says in msg, f"{c.id}: the message does not say {c.says!r}: {msg}"
        left = [p for p in c.leaves if (tmp / p).exists()]
        assert not left, f"{c.id}: left behind {left}"
        return "refused", msg.replace(str(tmp.resolve()), "<dir>").replace(str(tmp), "<dir>")
    assert c.outcome == "accepted", f"{c.id}: accepted but the table says refused"
    c.check(result)
    return "accepted", ""


def table(rows: list[tuple[Case, str, str]]) -> str:
    out = [f"{len(rows)} cases ({sum(o == 'refused' for _, o, _ in rows)} refused, "
           f"{sum(o == 'accepted' for _, o, _ in rows)} accepted), generated from "
           "`tests/reliability/catalogue.py` by `python -m tests.reliability.catalogue`.", "",
           "| # | family | format | input | outcome | what the user reads |", "|---|---|---|---|---|---|"]
    for n, (c, o, msg) in enumerate(rows, 1):
        shown = (msg[:220] + " …" if len(msg) > 220 else msg).replace("|", "\\|")
        said = f"`{shown}`" if shown else "(read)"
        out.append(f"| {n} | {c.family} | {c.format} | {c.input} | {o} | {said} |")
    return "\n".join(out) + "\n"


def render(folder: Path) -> str:
    rows = []
    for c in CASES:
        o, msg = outcome(c, folder / c.id)
        rows.append((c, o, msg))
    return table(rows)


def replace_section(doc: str, section: str) -> str:
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{section}{END}{tail}"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        section = render(Path(d))
    DOC.write_text(replace_section(DOC.read_text(), section))
    print(f"wrote {len(CASES)} cases into {DOC}")
