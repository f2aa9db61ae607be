import json
import shutil

import numpy as np
import pytest

from paperline.asr.formats import (
    Utterance,
    aishell_missing_wavs,
    manifest_to_utterances,
    read_aishell,
    read_jsonl,
    read_kaldi,
    read_sidecar_videos,
    read_wenetspeech,
    utterances_to_manifest,
    write_jsonl,
    write_kaldi,
)
from paperline.asr.speech import read_wav, write_wav
from paperline.asr.srt import Cue, write_srt
from paperline.core.errors import DataError


@pytest.fixture
def aishell(tmp_path):
    root = tmp_path / "data_aishell"
    for utt, spk in (("BAC009S0002W0122", "S0002"), ("BAC009S0002W0123", "S0002"), ("BAC009S0003W0001", "S0003")):
        write_wav(np.zeros(1600, np.float32), root / "wav" / "train" / spk / f"{utt}.wav")
    (root / "transcript").mkdir()
    # a BOM, CRLF, a line for a wav that is not in the release, and a blank last line: all as in the wild
    (root / "transcript" / "aishell_transcript_v0.8.txt").write_bytes(
        "\ufeffBAC009S0002W0122 而 对 楼市 成交\r\nBAC009S0002W0123 抑制 作用\r\nBAC009S0009W0001 不在 发布 里\r\n\r\n"
        .encode())
    return tmp_path


def test_aishell_reads_characters_and_counts_what_real_releases_lack(aishell):
    c = read_aishell(aishell, "train")
    assert [(u.utt_id, u.text, u.speaker) for u in c.utterances] == [
        ("BAC009S0002W0122", "而对楼市成交", "S0002"), ("BAC009S0002W0123", "抑制作用", "S0002")]
    assert c.skipped == {"wav without transcript": 1}
    assert aishell_missing_wavs(aishell) == ["BAC009S0009W0001"]


def test_aishell_bad_layouts_name_the_file(aishell, tmp_path):
    with pytest.raises(DataError, match="not an AISHELL-1 folder"):
        read_aishell(tmp_path / "nowhere", "train")
    with pytest.raises(DataError, match="wav/dev: no wav files"):
        read_aishell(aishell, "dev")
    t = aishell / "data_aishell" / "transcript" / "aishell_transcript_v0.8.txt"
    t.write_text("BAC009S0002W0122 而\nBAC009S0002W0122 又\n")
    with pytest.raises(DataError, match=r"aishell_transcript_v0.8.txt:2: utterance BAC009S0002W0122 is listed twice"):
        read_aishell(aishell, "train")
    t.write_text("OTHER0001 文字\n")
    with pytest.raises(DataError, match="names none of the 3 wav files"):
        read_aishell(aishell, "train")


def test_wav_at_the_wrong_rate_is_refused(tmp_path):
    write_wav(np.zeros(800, np.float32), tmp_path / "a.wav", rate=8000)
    with pytest.raises(DataError, match=r"a.wav: sample rate 8000 Hz; expected 16000 Hz"):
        read_wav(tmp_path / "a.wav")


def test_weak_manifest_round_trips_through_a_kaldi_directory(tmp_path):
    rows = [{"utt_id": f"v0001-{i:05d}", "video_id": "v0001", "audio_path": "audio/v0001.wav", "start": 1.0 + 3 * i,
             "end": 2.5 + 3 * i, "duration": 1.5, "text": t} for i, t in enumerate(["今天天气", "我们去公园", "hello"])]
    write_jsonl(rows, tmp_path / "weak.jsonl")
    utts = manifest_to_utterances(read_jsonl(tmp_path / "weak.jsonl"), tmp_path)
    write_kaldi(utts, tmp_path / "kaldi")
    assert (tmp_path / "kaldi" / "wav.scp").read_text().count("\n") == 1   # one recording, three segments
    back = read_kaldi(tmp_path / "kaldi").utterances
    assert [(u.utt_id, u.start, u.end, u.text, u.speaker) for u in back] == [
        (u.utt_id, u.start, u.end, u.text, u.speaker) for u in utts]
    assert utterances_to_manifest(back, tmp_path) == rows


def test_kaldi_errors_name_file_and_line(tmp_path):
    d = tmp_path / "k"
    d.mkdir()
    (d / "wav.scp").write_text("rec1 sox a.wav -t wav - |\n")
    (d / "text").write_text("u1 hi\n")
    with pytest.raises(DataError, match=r"wav.scp:1: rec1 is a command pipe"):
        read_kaldi(d)
    (d / "wav.scp").write_text("rec1 a.wav\n")
    (d / "segments").write_text("u1 rec1 2.0 1.0\n")
    with pytest.raises(DataError, match=r"segments:1: end 1.0 is not after start 2.0"):
        read_kaldi(d)


def test_wenetspeech_json(tmp_path):
    meta = {"audios": [{"aid": "Y0000000000_--5llN02F84", "path": "audio/train/youtube/B00000/x.opus", "duration": 9.0,
                        "segments": [{"sid": "Y0000000000_--5llN02F84_S00000", "begin_time": 0.0, "end_time": 3.2,
                                      "text": "怎么样这些日子住得还习惯吧", "confidence": 1.0,
                                      "subsets": ["L", "M", "S"]},
                                     {"sid": "Y0000000000_--5llN02F84_S00001", "begin_time": 3.5, "end_time": 6.0,
                                      "text": "挺好的", "confidence": 0.8, "subsets": ["W"]}]}]}
    (tmp_path / "WenetSpeech.json").write_text(json.dumps(meta, ensure_ascii=False))
    c = read_wenetspeech(tmp_path / "WenetSpeech.json")
    assert [(u.utt_id[-6:], u.start, u.end) for u in c.utterances] == [("S00000", 0.0, 3.2), ("S00001", 3.5, 6.0)]
    strong = read_wenetspeech(tmp_path / "WenetSpeech.json", subsets=("S",))
    assert len(strong.utterances) == 1 and strong.skipped == {"other subsets": 1}
    (tmp_path / "bad.json").write_text(json.dumps({"audios": [{"aid": "a", "segments": []}]}))
    with pytest.raises(DataError, match=r"bad.json: audios\[0\] \(a\): missing or bad field 'path'"):
        read_wenetspeech(tmp_path / "bad.json")


def test_videos_with_and_without_sidecar(tiny_videos, tmp_path):
    root, _, _ = tiny_videos
    for name in ("a.mp4", "B.MP4"):
        shutil.copy(root / "videos" / "v0000.mp4", tmp_path / name)
    write_srt([Cue(0.5, 2.0, "first  line"), Cue(2.5, 3.0, "second")], tmp_path / "a.srt")
    corpus, need_ocr = read_sidecar_videos(tmp_path)
    assert [(u.utt_id, u.text, u.start) for u in corpus.utterances] == [("a-00000", "first line", 0.5),
                                                                          ("a-00001", "second", 2.5)]
    assert [p.name for p in need_ocr] == ["B.MP4"]


def test_utterance_is_plain_data():
    u = Utterance("u", "a.wav", "文字", 0.0, 1.0, "s")
    assert u == Utterance(**u.__dict__)
