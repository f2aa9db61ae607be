import numpy as np
import pytest

from paperline.core.errors import DataError
from paperline.face.recordio import RecordReader, RecordWriter, pack, read_face_rec, unpack, write_face_rec


def test_pack_unpack_scalar_and_array_labels():
    flag, label, id_, body = unpack(pack(7.0, b"abc", id_=5))
    assert (flag, label, id_, body) == (0, 7.0, 5, b"abc")
    flag, label, _, body = unpack(pack([3, 9], b"xy"))
    assert flag == 2 and label.tolist() == [3.0, 9.0] and body == b"xy"


def test_face_rec_roundtrip_has_insightface_header(tmp_path):
    items = [(1, b"\xff\xd8one"), (0, b"\xff\xd8zero!"), (1, b"\xff\xd8two..")]
    write_face_rec(tmp_path / "t.rec", tmp_path / "t.idx", items)
    r = RecordReader(tmp_path / "t.rec", tmp_path / "t.idx")
    flag, label, _, _ = unpack(r.read(0))
    assert flag == 2 and label.tolist() == [4.0, 6.0]  # images 1..3, identity records 4..5
    _, ident1, _, _ = unpack(r.read(5))
    assert ident1.tolist() == [2.0, 4.0]  # label 1 owns images 2 and 3
    got = list(read_face_rec(tmp_path / "t.rec"))
    assert got == sorted(items, key=lambda t: t[0])


def test_records_are_padded_to_four_bytes(tmp_path):
    with RecordWriter(tmp_path / "a.rec", tmp_path / "a.idx") as w:
        w.write(0, b"12345")
        w.write(1, b"6")
    assert (tmp_path / "a.rec").stat().st_size == (8 + 8) + (8 + 4)
    assert (tmp_path / "a.idx").read_text() == "0\t0\n1\t16\n"


def test_truncated_rec_names_the_file(tmp_path):
    write_face_rec(tmp_path / "t.rec", tmp_path / "t.idx", [(0, b"x" * 100), (1, b"y" * 100)])
    data = (tmp_path / "t.rec").read_bytes()
    (tmp_path / "t.rec").write_bytes(data[:-60])
    with pytest.raises(DataError, match=r"t\.rec: truncated"):
        list(read_face_rec(tmp_path / "t.rec"))
    # cut inside the last image record, with the index trimmed to match
    (tmp_path / "t.rec").write_bytes(data[:250])
    (tmp_path / "t.idx").write_text("0\t0\n1\t40\n2\t172\n")
    with pytest.raises(DataError, match=r"t\.rec: truncated at record 2"):
        list(read_face_rec(tmp_path / "t.rec"))


def test_bad_magic_is_reported(tmp_path):
    (tmp_path / "t.rec").write_bytes(b"\0" * 64)
    (tmp_path / "t.idx").write_text("0\t0\n")
    with pytest.raises(DataError, match="bad magic"):
        RecordReader(tmp_path / "t.rec").read(0)


def test_missing_idx_is_reported(tmp_path):
    (tmp_path / "t.rec").write_bytes(b"")
    with pytest.raises(DataError, match=r"t\.idx: file not found"):
        RecordReader(tmp_path / "t.rec")


def test_label_array_dtype_is_float32():
    _, label, _, _ = unpack(pack(np.array([1, 2]), b""))
    assert label.dtype == np.float32
