import pytest

from paperline.asr.srt import Cue, format_srt, parse_srt, read_srt, write_srt
from paperline.core.errors import DataError


def test_round_trip(tmp_path):
    cues = [Cue(0.5, 2.25, "今天天气很好"), Cue(3.0, 4.999, "two\nlines")]
    write_srt(cues, tmp_path / "a.srt")
    assert read_srt(tmp_path / "a.srt") == cues


def test_real_file_quirks_are_accepted():
    text = ("\ufeff7\r\n00:00:01.5 --> 00:00:02,000\r\nhello\r\n\r\n"
            "8\r\n00:00:03,000 --> 00:00:04,000\r\nworld\r\n\r\n\r\n")
    assert parse_srt(text) == [Cue(1.5, 2.0, "hello"), Cue(3.0, 4.0, "world")]


def test_reversed_and_overlapping_times_name_the_file_and_cue(tmp_path):
    bad = tmp_path / "bad.srt"
    bad.write_text(format_srt([Cue(1, 2, "a")]).replace("00:00:02,000", "00:00:00,500"))
    with pytest.raises(DataError, match=r"bad.srt: cue 1: end 00:00:00,500 is not after start"):
        read_srt(bad)
    bad.write_text(format_srt([Cue(1, 3, "a"), Cue(2, 4, "b")]))
    with pytest.raises(DataError, match=r"bad.srt: cue 2 starts at 00:00:02,000, before cue 1 ends"):
        read_srt(bad)
    assert len(read_srt(bad, allow_overlap=True)) == 2
    bad.write_text("1\nnot a time\ntext\n")
    with pytest.raises(DataError, match="cue 1: no 'HH:MM:SS,mmm"):
        read_srt(bad)
