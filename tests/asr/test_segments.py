"""The spec's segment-merging properties, on scripted per-frame OCR readings (no video, no engine)."""

from paperline.asr.ocr import OCRSettings, Reading, segments_of

S = OCRSettings(fps=5.0)


def readings(texts, conf=0.95):
    return [Reading(k / S.fps, t, conf if t else 0.0) for k, t in enumerate(texts)]


def test_identical_frames_merge_into_one_segment_spanning_the_run():
    segs = segments_of(readings(["", "今天天气很好"] + ["今天天气很好"] * 9 + ["", ""]), S)
    assert len(segs) == 1
    (seg,) = segs
    assert seg.text == "今天天气很好" and seg.frames == 10
    assert seg.start == 0.2 and abs((seg.end - seg.start) - 10 / S.fps) < 1 / S.fps


def test_one_noisy_frame_does_not_split_but_an_empty_one_does():
    noisy = ["我们去公园玩吧"] * 4 + ["我们去公圆玩吧"] + ["我们去公园玩吧"] * 4
    (seg,) = segments_of(readings(noisy), S)
    assert seg.text == "我们去公园玩吧" and seg.frames == 9   # the majority reading wins
    split = ["我们去公园玩吧"] * 4 + [""] + ["我们去公园玩吧"] * 4
    assert len(segments_of(readings(split), S)) == 2


def test_segments_are_sorted_disjoint_and_a_change_of_text_starts_a_new_one():
    texts = ["第一句话"] * 5 + ["完全不同的第二句"] * 6 + [""] + ["third line here"] * 3
    segs = segments_of(readings(texts), S)
    assert [s.text for s in segs] == ["第一句话", "完全不同的第二句", "third line here"]
    assert all(a.end <= b.start and a.start < a.end for a, b in zip(segs, segs[1:]))


def test_low_confidence_and_single_frame_flickers_are_dropped():
    texts = ["噪声"] + [""] * 3 + ["真的字幕"] * 4
    rs = readings(texts)
    assert [s.text for s in segments_of(rs, S)] == ["真的字幕"]          # min_frames = 2
    low = readings(["看不清"] * 5, conf=0.3)
    assert segments_of(low, S) == []
