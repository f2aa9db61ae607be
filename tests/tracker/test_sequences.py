"""The VOT, OTB and DAVIS readers on the generated set, on real-world quirks, and on bad input."""

import numpy as np
import pytest

from paperline.core.errors import DataError
from paperline.tracker.geometry import iou
from paperline.tracker.sequences import layout_roots, read_davis, read_layout, read_otb, read_video, read_vot


def test_three_layouts_describe_the_same_targets(tiny_sequences):
    root, info = tiny_sequences
    assert info == {"images": 6, "frames": info["frames"]} and info["frames"] >= 6 * 24
    assert set(layout_roots(root)) == {"vot", "otb", "davis"}
    vot, otb = read_vot(root / "vot"), {s.name: s for s in read_otb(root / "otb")}
    davis = {s.name: s for s in read_davis(root / "davis", "val")}
    assert [s.name for s in vot] == sorted(otb) == sorted(davis)
    assert len(read_davis(root / "davis", "train")) == 3
    for s in vot:
        assert len(s.frames) == len(s.boxes) == len(otb[s.name].boxes) == len(davis[s.name].masks)
        assert s.polygons.shape == (len(s), 8) and set(s.tags) >= {"occlusion", "distractor", "camera_motion"}
        assert all(len(v) == len(s) for v in s.tags.values())
        shown = np.all(np.isfinite(s.boxes), axis=1)
        # the bounds of the VOT polygon (a rotated rectangle) and the OTB box frame the same target
        assert iou(s.boxes[shown], otb[s.name].boxes[shown]).min() > 0.55
        first = davis[s.name].mask(0)
        assert first.shape == s.frame(0).shape[:2] and first.sum() > 50
    kinds = {s.name.split("-")[-1]: s for s in vot}
    assert kinds["occlusion"].tags["occlusion"].any() and not kinds["clean"].tags["occlusion"].any()
    assert kinds["distractor"].tags["distractor"].any() and not kinds["clean"].tags["distractor"].any()


def test_readers_accept_what_real_downloads_look_like(tmp_path, tiny_sequences):
    """OTB files with tabs, CRLF, a BOM and a trailing blank line; VOT 4-value rows and flat frames."""
    import shutil

    root = tiny_sequences[0]
    name = read_vot(root / "vot")[0].name
    otb = tmp_path / "otb" / name
    shutil.copytree(root / "otb" / name, otb)
    rows = (otb / "groundtruth_rect.txt").read_text().splitlines()
    (otb / "groundtruth_rect.txt").write_bytes(("\ufeff" + "\r\n".join(r.replace(",", "\t") for r in rows)
                                                + "\r\n\r\n").encode())
    again = read_otb(tmp_path / "otb")[0]
    assert np.allclose(np.nan_to_num(again.boxes), np.nan_to_num(read_otb(root / "otb")[0].boxes))
    vot = tmp_path / "vot"
    shutil.copytree(root / "vot" / name, vot / name)
    for f in (vot / name / "color").iterdir():  # an older release: frames beside groundtruth.txt
        f.rename(vot / name / f.name)
    boxes = read_otb(root / "otb")[0].boxes
    (vot / name / "groundtruth.txt").write_text("".join(f"{b[0]},{b[1]},{b[2]},{b[3]}\n" if np.all(np.isfinite(b))
                                                        else "0,0,0,0\n" for b in boxes))
    (vot / "list.txt").write_text(name + "\n")
    seq = read_vot(vot)[0]
    assert len(seq.frames) == len(boxes) and np.allclose(np.nan_to_num(seq.boxes), np.nan_to_num(boxes))


def test_video_file_reads_every_frame(tmp_path, tiny_sequences):
    import cv2

    seq = read_vot(tiny_sequences[0] / "vot")[0]
    path = tmp_path / "clip.avi"
    first = seq.frame(0)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, first.shape[1::-1])
    for i in range(len(seq)):
        w.write(seq.frame(i))
    w.release()
    frames = read_video(path)
    assert len(frames) == len(seq) and frames[0].shape == first.shape
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 50)
    with pytest.raises(DataError, match="broken.mp4: not a readable video"):
        read_video(bad)


def test_bad_sequences_are_named(sequences_copy):
    root = sequences_copy
    seq = read_vot(root / "vot")[0]
    gt = seq.truth_file
    lines = gt.read_text().splitlines()
    gt.write_text("\n".join(lines[:-3]) + "\n")  # rows that do not match the frames
    with pytest.raises(DataError, match=r"groundtruth.txt: \d+ ground-truth rows for \d+ frames"):
        read_vot(root / "vot")[0].check()
    gt.write_text("\n".join(["10,10,0,-4", *lines[1:]]) + "\n")  # a first box of no size
    with pytest.raises(DataError, match=r"groundtruth.txt:1: the first frame's box has no positive size"):
        read_vot(root / "vot")[0].check()
    gt.write_text("\n".join(["900,900,20,20", *lines[1:]]) + "\n")  # a first box outside the frame
    with pytest.raises(DataError, match=r"groundtruth.txt:1: the first box 900,900,20,20 lies outside"):
        read_vot(root / "vot")[0].check()
    gt.write_text("\n".join([lines[0], "1,2,three,4", *lines[2:]]) + "\n")
    with pytest.raises(DataError, match=r"groundtruth.txt:2: not numbers"):
        read_vot(root / "vot")
    gt.write_text("\n".join(lines) + "\n")
    seq = read_vot(root / "vot")[0]
    seq.frames[3].write_bytes(seq.frames[3].read_bytes()[:40])  # a frame cut off
    with pytest.raises(DataError, match=r"00000004.jpg: truncated JPEG"):
        seq.frame(3)
    seq.frames[4].unlink()
    with pytest.raises(DataError, match=r"00000005.jpg: frame missing"):
        seq.frame(4)


def test_layout_errors(tmp_path):
    with pytest.raises(DataError, match="dataset folder not found"):
        layout_roots(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no VOT"):
        layout_roots(tmp_path / "empty")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DataError, match="is a file"):
        layout_roots(tmp_path / "file.txt")


def test_a_missing_layout_is_named(tiny_sequences, tmp_path):
    import shutil

    shutil.copytree(tiny_sequences[0] / "otb", tmp_path / "otb")
    with pytest.raises(DataError, match="has no VOT sequences"):
        read_layout(tmp_path, "vot")


def test_a_polygon_starts_a_tracker_from_its_area_not_its_bounds(tmp_path):
    from paperline.tracker.sequences import Sequence

    c, r = np.array([50.0, 40.0]), 10 * np.sqrt(2)  # a 20 x 20 square turned by 45 degrees
    poly = np.concatenate([c + r * np.array([np.cos(a), np.sin(a)]) for a in np.arange(4) * np.pi / 2])
    seq = Sequence("s", [], np.array([[35.86, 25.86, 28.28, 28.28]]), tmp_path / "gt", polygons=poly[None])
    x, y, w, h = seq.init_box(0)
    assert np.allclose([x + w / 2, y + h / 2], c) and w == pytest.approx(21.0) and h == pytest.approx(21.0)
