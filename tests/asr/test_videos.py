"""The generator writes real formats with the truth beside, and the OCR stage reads them back."""

import json
import subprocess
import sys

import pytest

from paperline.asr.formats import read_aishell
from paperline.asr.media import audio, probe, videos_in
from paperline.asr.ocr import extract
from paperline.asr.srt import read_srt
from paperline.asr.text import corpus_cer, script_of
from paperline.asr.videos import FAULTS, TARGET_VARIANTS, VIDEO_VARIANTS


def test_videos_are_h264_aac_mp4_with_the_truth_beside(tiny_videos):
    root, cfg, info = tiny_videos
    videos = videos_in(root / "videos")
    assert [v.name for v in videos] == ["v0000.mp4", "v0001.mp4", "v0002.mp4"]
    languages = set()
    for v in videos:
        m = probe(v)
        assert (m.video_codec, m.audio_codec, m.width, m.height, m.audio_rate) == ("h264", "aac", 640, 360, 16000)
        truth = json.loads((root / "truth" / f"{v.stem}.json").read_text())
        assert abs(m.duration - truth["duration"]) < 0.2
        spoken = read_srt(root / "truth" / f"{v.stem}.srt")
        assert [c.text for c in spoken] == (root / "truth" / f"{v.stem}.txt").read_text().splitlines()
        assert [c.text for c in spoken] == [c["spoken"] for c in truth["cues"] if c["spoken"]]
        languages.add(truth["language"])
        assert all(script_of(c.text) == ("Hans" if truth["language"] == "cmn" else "Latn") for c in spoken)
        x = audio(v)
        assert abs(len(x) / 16000 - m.duration) < 0.2 and x.std() > 0.01
    assert languages == {"cmn", "eng"}
    counted = dict.fromkeys(FAULTS, 0)
    for v in videos:
        for cue in json.loads((root / "truth" / f"{v.stem}.json").read_text())["cues"]:
            for f in cue["faults"]:
                counted[f] += 1
    assert counted == info["faults"] and all(n > 0 for n in counted.values()), counted


def test_target_set_is_aishell_layout_in_voices_the_videos_never_use(tiny_videos):
    root, cfg, info = tiny_videos
    splits = {s: read_aishell(root / "target", s).utterances for s in ("train", "dev", "test")}
    assert [len(u) for u in splits.values()] == [6, 3, 3]
    speakers = {s: {u.speaker for u in us} for s, us in splits.items()}
    assert not (speakers["train"] & speakers["test"]) and not (speakers["train"] & speakers["dev"])
    assert set(info["target"]["speakers"].values()) <= set(TARGET_VARIANTS)
    assert set(info["video_speakers"].values()) <= set(VIDEO_VARIANTS)
    assert not set(TARGET_VARIANTS) & set(VIDEO_VARIANTS)
    u = splits["train"][0]
    assert u.utt_id.startswith("BAC009S") and script_of(u.text) == "Hans" and " " not in u.text


def test_ocr_reads_back_the_shown_subtitles(tiny_videos):
    root, _, _ = tiny_videos
    pairs, found, shown_total = [], 0, 0
    for v in videos_in(root / "videos"):
        ex = extract(v)
        shown = [c for c in json.loads((root / "truth" / f"{v.stem}.json").read_text())["cues"] if c["shown"]]
        shown_total += len(shown)
        assert ex.ocr_calls < ex.frames / 3            # change detection: far fewer calls than frames
        for c in shown:
            a, b = c["shown_at"]
            hit = [s for s in ex.segments if min(b, s.end) - max(a, s.start) > 0.5 * (b - a)]
            if hit and "occluded" not in c["faults"]:
                found += 1
                pairs.append((c["shown"], hit[0].text))
                assert abs(hit[0].start - a) <= 0.45
    occluded = sum("occluded" in c["faults"] for v in videos_in(root / "videos")
                   for c in json.loads((root / "truth" / f"{v.stem}.json").read_text())["cues"])
    assert found >= shown_total - occluded - 1
    assert corpus_cer(pairs) < 0.05


def test_subtitles_command_writes_an_srt_and_counts_ocr_calls(tiny_videos, tmp_path):
    root, _, _ = tiny_videos
    out = tmp_path / "v0001.srt"
    video = root / "videos" / "v0001.mp4"
    r = subprocess.run([sys.executable, "-m", "paperline.cli", "subtitles", "--video", str(video), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cues = read_srt(out)
    assert cues and all(c.start < c.end for c in cues)
    assert f"{len(cues)} subtitles" in r.stdout and "OCR calls" in r.stdout


@pytest.mark.parametrize("case", ["corrupt", "no-audio", "no-subtitles"])
def test_bad_videos_fail_naming_the_file(tmp_path, case, tiny_videos):
    from paperline.core.errors import DataError

    root, _, _ = tiny_videos
    path = tmp_path / f"{case}.mp4"
    if case == "corrupt":
        path.write_bytes((root / "videos" / "v0000.mp4").read_bytes()[:5000])
        with pytest.raises(DataError, match=f"{case}.mp4"):
            extract(path)
    elif case == "no-audio":
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(root / "videos" / "v0000.mp4"), "-an", "-c", "copy",
                        str(path)], check=True)
        with pytest.raises(DataError, match=f"{case}.mp4: no audio stream"):
            audio(path)
    else:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=3",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True)
        with pytest.raises(DataError, match=f"{case}.mp4: no subtitles found"):
            extract(path)


def test_an_ocr_shard_skips_and_counts_videos_whose_subtitles_are_never_found(tiny_videos, tmp_path):
    from paperline.asr.config import ASRConfig
    from paperline.asr.corpus_stages import ocr_shard

    root, _, _ = tiny_videos
    data = tmp_path / "data"
    (data / "videos").mkdir(parents=True)
    (data / "videos" / "a.mp4").write_bytes((root / "videos" / "v0001.mp4").read_bytes())
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=3", "-c:v",
                    "libx264", "-pix_fmt", "yuv420p", str(data / "videos" / "b.MP4")], check=True)
    stats = ocr_shard(data, 0, ASRConfig(ocr_shards=1), tmp_path / "out")
    assert stats["videos"] == 1 and stats["no_subtitles"] == 1 and stats["segments"] > 0
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["skipped"] == ["b.MP4"]
    assert (tmp_path / "out" / "srt" / "a.srt").is_file()
