"""Property-based tests of every reader: any bytes end in a result or in the project's own error.

Two kinds of input per reader: arbitrary bytes, and a valid file mutated (cut short, bytes
overwritten, a span repeated), which reaches deeper into the parser. `make test` runs a few dozen
examples per reader; `make fuzz` (the `fuzz` marker, PAPERLINE_FUZZ_EXAMPLES, default 2,000) runs the
long search.
"""

from __future__ import annotations

import json
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperline.core.errors import PaperlineError
from tests.reliability import catalogue as C

LONG = os.environ.get("PAPERLINE_FUZZ_EXAMPLES")
EXAMPLES = int(LONG) if LONG else 25


def _valid_rec(tmp: Path) -> tuple[bytes, bytes]:
    tmp.mkdir(parents=True, exist_ok=True)
    rec, idx = C.face_rec(tmp, 2)
    return rec.read_bytes(), idx.read_bytes()


def _seeds(tmp: Path) -> dict[str, bytes]:
    rec, idx = _valid_rec(tmp)
    return {
        "rec": rec, "idx": idx, "ts": C.TS.encode(), "tsv": b"1\t1.0\t2.0\n2\t3.0\tNaN\n",
        "idx3": C.IDX, "landmarks": C.landmarks_text().encode(), "rect": b"1 2 30 40\n",
        "label": C.png(np.zeros((8, 8), np.uint8)),
        "userbehavior": b"1,2,3,pv,1511540000\n7,8,3,buy,1511540001\n",
        "retailrocket": b"timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n",
        "srt": C.SRT.encode(), "vot": C.GT.encode(), "otb": b"1,2,5,6\n2,2,5,6\n",
        "wenet": json.dumps({"audios": [{"aid": "Y1", "path": "a.opus", "segments": [C.SEG]}]}).encode(),
        "pairs": b"1\t1\nAnn\t1\t2\nAnn\t1\tBob\t2\n", "jsonl": b'{"utt_id": "u", "audio_path": "a", "start": 0, '
        b'"end": 1, "text": "x"}\n',
    }


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _rec(tmp, data, seeds):
    """The bytes as the .idx of a valid .rec, then as the .rec of a valid .idx."""
    from paperline.face.recordio import read_face_rec

    for rec, idx in ((seeds["rec"], data), (data, seeds["idx"])):
        try:
            list(read_face_rec(_write(tmp / "train.rec", rec), _write(tmp / "train.idx", idx)))
        except PaperlineError:
            pass


def _ts(tmp, data, seeds):
    from paperline.timeseries.formats import read_ts

    read_ts(_write(tmp / "X_TRAIN.ts", data))


def _tsv(tmp, data, seeds):
    from paperline.timeseries.formats import read_tsv

    read_tsv(_write(tmp / "X_TRAIN.tsv", data))


def _idx3(tmp, data, seeds):
    from paperline.gan.formats import read_idx

    read_idx(_write(tmp / "train-images-idx3-ubyte", data))


def _landmarks(tmp, data, seeds):
    from paperline.faceimage.formats import read_landmarks

    read_landmarks(_write(tmp / "a.jpg.txt", data))


def _rect(tmp, data, seeds):
    from paperline.faceimage.layouts import read_rect

    read_rect(_write(tmp / "a.jpg.rect", data))


def _label(tmp, data, seeds):
    from paperline.faceimage.layouts import read_label

    read_label(_write(tmp / "a.png", data), (8, 8))


def _userbehavior(tmp, data, seeds):
    from paperline.recsys.interactions import read_log

    _write(tmp / "log" / "UserBehavior.csv", data)
    read_log(tmp / "log")


def _retailrocket(tmp, data, seeds):
    from paperline.recsys.interactions import read_log

    _write(tmp / "rr" / "events.csv", data)
    read_log(tmp / "rr")


def _srt(tmp, data, seeds):
    from paperline.asr.srt import read_srt

    read_srt(_write(tmp / "a.srt", data))


def _vot(tmp, data, seeds):
    from paperline.tracker.sequences import read_vot

    _write(tmp / "vot" / "list.txt", b"seq\n")
    _write(tmp / "vot" / "seq" / "groundtruth.txt", data)
    read_vot(tmp / "vot")


def _otb(tmp, data, seeds):
    from paperline.tracker.sequences import read_otb

    _write(tmp / "otb" / "Car" / "groundtruth_rect.txt", data)
    read_otb(tmp / "otb")


def _wenet(tmp, data, seeds):
    from paperline.asr.formats import read_wenetspeech

    read_wenetspeech(_write(tmp / "WenetSpeech.json", data))


def _pairs(tmp, data, seeds):
    from paperline.face.formats import read_pairs

    read_pairs(_write(tmp / "pairs.txt", data), tmp / "lfw", check_files=False)


def _jsonl(tmp, data, seeds):
    from paperline.asr.formats import read_jsonl

    read_jsonl(_write(tmp / "m.jsonl", data))


READERS = {"rec": _rec, "ts": _ts, "tsv": _tsv, "idx3": _idx3, "landmarks": _landmarks, "rect": _rect,
           "label": _label, "userbehavior": _userbehavior, "retailrocket": _retailrocket, "srt": _srt, "vot": _vot,
           "otb": _otb, "wenet": _wenet, "pairs": _pairs, "jsonl": _jsonl}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """The valid file, cut, overwritten in places, or with a span repeated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "poke", "repeat", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "cut":
            data = data[:at]
        elif op == "poke" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.sampled_from([b"\r\n", b"\xef\xbb\xbf", b",", b"\t", b"-1", b"nan", b"\x00",
                                                b"\xff", b"99999999999999999999", b":", b"\n\n", b"../"]))
    return bytes(data)


def _fuzz(name: str, examples: int, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"fuzz-{name}")
    seeds = _seeds(tmp / "seeds")
    reader = READERS[name]
    inputs = st.one_of(st.binary(max_size=600), mutated(seeds[name]))

    @settings(max_examples=examples, deadline=None, database=None, derandomize=not LONG,
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def run(data):
        folder = tmp / "case"
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        try:
            reader(folder, data, seeds)
        except PaperlineError:
            pass  # the project's own error, with its message; anything else fails the test

    run()


@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_ends_in_result_or_own_error(name, tmp_path_factory):
    _fuzz(name, EXAMPLES, tmp_path_factory)


def test_seeds_are_valid(tmp_path):
    """The mutations start from files each reader accepts, so the search begins inside the format."""
    seeds = _seeds(tmp_path / "seeds")
    for name, reader in READERS.items():
        folder = tmp_path / name
        folder.mkdir()
        if name == "rec":
            from paperline.face.recordio import read_face_rec

            rec, idx = _write(folder / "train.rec", seeds["rec"]), _write(folder / "train.idx", seeds["idx"])
            assert len(list(read_face_rec(rec, idx))) == 2
            continue
        reader(folder, seeds[name], seeds)


def test_header_claiming_1e9_records_allocates_nothing(tmp_path):
    """An IDX header of 10^9 images and a RecordIO record claiming 512 MB over files of a few bytes."""
    from paperline.face.recordio import MAGIC, RecordReader
    from paperline.gan.formats import read_idx

    idx3 = _write(tmp_path / "big-idx3-ubyte", bytes([0, 0, 8, 3]) + struct.pack(">3I", 10 ** 9, 28, 28) + b"\0" * 64)
    rec = _write(tmp_path / "big.rec", struct.pack("<II", MAGIC, (1 << 29) - 1) + b"\0" * 64)
    _write(tmp_path / "big.idx", b"0\t0\n")
    tracemalloc.start()
    try:
        with pytest.raises(PaperlineError, match="IDX body truncated"):
            read_idx(idx3)
        r = RecordReader(rec, tmp_path / "big.idx")
        with pytest.raises(PaperlineError, match="truncated at record 0"):
            r.read(0)
        r.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20, f"peak {peak / 2 ** 20:.0f} MiB"


@pytest.mark.fuzz
@pytest.mark.skipif(not LONG, reason="the long search: make fuzz (PAPERLINE_FUZZ_EXAMPLES=N)")
@pytest.mark.parametrize("name", sorted(READERS))
def test_long_fuzz(name, tmp_path_factory):
    _fuzz(name, int(LONG or 2000), tmp_path_factory)
