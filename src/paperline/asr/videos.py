"""Subtitled videos with planted faults, and a small labelled target set (what `paperline data build
videos` and the DVC stage `videos_data` run).

Each video: one or two synthetic speakers read sentences (espeak-ng), the subtitles are burned in by
libass (font, size, colour, outline and vertical position vary per video) over a moving background,
some videos carry other on-screen text (a channel name, a ticker), and the H.264/AAC MP4 has no SRT
sidecar: the subtitles exist only as pixels, as in the paper's videos. Planted faults, at the config's
rates: a subtitle that leads or lags its speech, one that shows another sentence, speech with no
subtitle, a subtitle over music or noise with no speech, a subtitle band partly covered.

The truth sits beside, in `truth/`: `<video>.srt` (what was spoken, when), `<video>.txt` (the
transcript) and `<video>.json` (every cue, spoken and shown, with its fault flags). The target set is
in the AISHELL-1 layout, spoken by voices the videos never use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from paperline.asr.config import VideoDataConfig
from paperline.asr.corpus import Sentences
from paperline.asr.speech import RATE, Speaker, speech_bounds, synthesize, write_wav
from paperline.asr.srt import Cue, write_srt
from paperline.core.errors import ConfigError
from paperline.core.files import building_dir

FAULTS = ("lag", "mismatch", "unsubtitled", "nonspeech", "occluded")
VIDEO_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "adam", "edward",
                  "andy", "annie")
TARGET_VARIANTS = ("klatt", "klatt2", "klatt3", "steph", "max", "john", "linda", "robert", "paul", "quincy")
FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC")
COLOURS = ("&H00FFFFFF", "&H0000FFFF", "&H00FFFF80", "&H00C0FFC0")  # ASS &HAABBGGRR: white, yellow, cyan, green
CHANNELS = ("新闻频道", "生活台", "NEWS 24", "电影频道", "旅游天地")
AISHELL_PREFIX = "BAC009"


def speakers(rng, n: int, variants: tuple[str, ...], prefix: str) -> list[Speaker]:
    """`n` speakers over the variants, each with its own pitch and rate."""
    if n > 3 * len(variants):
        raise ConfigError(f"at most {3 * len(variants)} speakers from {len(variants)} voice variants")
    return [Speaker(f"{prefix}{i + 1:04d}", variants[i % len(variants)], int(rng.integers(25, 75)),
                    int(rng.integers(150, 211))) for i in range(n)]


def background(kind: int, w: int, h: int, fps: int, seconds: float, seed: int) -> str:
    """A moving lavfi background: drifting gradients, the game of life, a hue-cycling test pattern
    (with its own clock text), scrolling colour stripes, or scrolling bars."""
    d = f"d={seconds:.2f}"
    return [f"gradients=s={w}x{h}:r={fps}:{d}:speed=0.02:seed={seed}:n=3",
            f"life=s={w}x{h}:r={fps}:mold=10:ratio=0.08:seed={seed}:death_color=#203040:life_color=#607080,trim=0:{seconds:.2f}",
            f"testsrc2=s={w}x{h}:r={fps}:{d},hue=H=t/3",
            f"rgbtestsrc=s={w}x{h}:r={fps}:{d},hue=H=t/2,scroll=v=0.002",
            f"smptebars=s={w}x{h}:r={fps}:{d},scroll=h=0.003"][kind % 5]


def music(seconds: float, rng) -> np.ndarray:
    """A few bars of chords (or plain noise): sound with no speech under a subtitle."""
    t = np.arange(int(seconds * RATE)) / RATE
    if rng.random() < 0.5:
        return (0.15 * rng.standard_normal(len(t))).astype(np.float32)
    y = np.zeros_like(t)
    for bar, root in enumerate(rng.choice([220.0, 246.9, 261.6, 293.7, 329.6], int(seconds * 2) + 1)):
        on = (t >= bar * 0.5) & (t < bar * 0.5 + 0.5)
        for ratio in (1.0, 1.26, 1.5):
            y[on] += np.sin(2 * np.pi * root * ratio * t[on]) * np.exp(-3 * (t[on] - bar * 0.5))
    return (0.12 * y).astype(np.float32)


def plan_video(i: int, cfg: VideoDataConfig, rng, voices: list[Speaker], text: Sentences) -> dict:
    """The spoken timeline, the shown subtitles and the fault flags of one video (audio included)."""
    language = "eng" if rng.random() < cfg.english_share else "cmn"
    cast = [voices[j] for j in rng.choice(len(voices), 2 if rng.random() < 0.3 else 1, replace=False)]
    t, audio, cues = 0.6, [], []
    for k in range(cfg.cues_per_video):
        speaker = cast[k % len(cast)]
        spoken = text.sentence(language)
        clip = synthesize(spoken, language, speaker)
        a, b = speech_bounds(clip)
        audio.append((t, clip))
        start, end = t + a, t + b
        cue = {"spoken": spoken, "speaker": speaker.id, "speech": [round(start, 3), round(end, 3)], "faults": []}
        shown_text, s0, s1 = spoken, start + rng.normal(0, 0.06) - 0.05, end + 0.15 + rng.normal(0, 0.06)
        if rng.random() < cfg.lag_rate:
            shift = rng.choice([-1, 1]) * rng.uniform(0.5, 1.0)
            s0, s1 = s0 + shift, s1 + shift
            cue["faults"].append("lag")
        if rng.random() < cfg.mismatch_rate:
            shown_text = text.sentence(language)
            cue["faults"].append("mismatch")
        if rng.random() < cfg.unsubtitled_rate:
            shown_text = None
            cue["faults"].append("unsubtitled")
        elif rng.random() < cfg.occlusion_rate:
            cue["faults"].append("occluded")
        cue["shown"], cue["shown_at"] = shown_text, [s0, s1]
        cues.append(cue)
        t = end + rng.uniform(0.5, 1.2)
        if rng.random() < cfg.nonspeech_rate:
            seconds = rng.uniform(1.5, 3.0)
            audio.append((t, music(seconds, rng)))
            cues.append({"spoken": None, "speaker": None, "speech": None, "shown": text.sentence(language),
                         "shown_at": [t + 0.1, t + seconds - 0.1], "faults": ["nonspeech"]})
            t += seconds + rng.uniform(0.5, 1.0)
    duration = t + 0.5
    # shown cues never overlap (a burned-in subtitle replaces the previous one): clip to the neighbours
    last_end = 0.0
    for cue in cues:
        if cue["shown"] is None:
            cue["shown_at"] = None
            continue
        s0, s1 = max(cue["shown_at"][0], last_end + 0.04, 0.0), min(cue["shown_at"][1], duration - 0.05)
        if s1 - s0 < 0.4:
            s1 = s0 + 0.4
        cue["shown_at"] = [round(s0, 3), round(s1, 3)]
        last_end = s1
    style = {"font": FONTS[int(rng.integers(len(FONTS)))], "size": int(rng.integers(16, 25)),
             "colour": COLOURS[int(rng.integers(len(COLOURS)))], "outline": int(rng.integers(1, 4)),
             "bold": int(rng.random() < 0.4), "margin_v": int(rng.integers(8, 45))}
    overlay = None
    if rng.random() < cfg.overlay_share:
        overlay = {"text": CHANNELS[int(rng.integers(len(CHANNELS)))], "ticker": bool(rng.random() < 0.5)}
    return {"video": f"v{i:04d}", "language": language, "duration": round(duration, 3),
            "speakers": [s.id for s in cast], "background": int(rng.integers(5)), "style": style,
            "overlay": overlay, "cues": cues, "audio": audio}


def mix(plan: dict, rng) -> np.ndarray:
    x = (10 ** (-48 / 20) * rng.standard_normal(int(plan["duration"] * RATE))).astype(np.float32)
    for t, clip in plan["audio"]:
        i = int(t * RATE)
        x[i:i + len(clip)] += clip[: len(x) - i]
    return x


def video_filter(plan: dict, srt: Path, cfg: VideoDataConfig) -> str:
    s, parts = plan["style"], []
    font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    if plan["overlay"]:
        text = plan["overlay"]["text"]
        if plan["overlay"]["ticker"]:
            parts.append(f"drawtext=fontfile={font}:text='{text}  {text}':fontsize=22:fontcolor=white:"
                         f"box=1:boxcolor=0x000000@0.5:y=12:x=w-mod(t*90\\,w+tw)")
        else:
            parts.append(f"drawtext=fontfile={font}:text='{text}':fontsize=26:fontcolor=0xffe0a0:x=18:y=14")
    style = (f"FontName={s['font']},FontSize={s['size']},PrimaryColour={s['colour']},OutlineColour=&H00101010,"
             f"Outline={s['outline']},Bold={s['bold']},MarginV={s['margin_v']},Alignment=2")
    parts.append(f"subtitles={srt}:force_style='{style}'")
    # a covered band: a box over part of the subtitle's line while the cue is shown
    line_h = int(s["size"] * cfg.height / 288 * 1.4)
    y = cfg.height - int(s["margin_v"] * cfg.height / 288) - line_h
    for cue in plan["cues"]:
        if "occluded" in cue["faults"] and cue["shown_at"]:
            a, b = cue["shown_at"]
            parts.append(f"drawbox=x={cfg.width // 2 - 10}:y={y - 4}:w={cfg.width // 4}:h={line_h + 8}:"
                         f"color=0x303030:t=fill:enable='between(t,{a},{b})'")
    return ",".join(parts)


def render(plan: dict, out: Path, cfg: VideoDataConfig, rng) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shown = [Cue(c["shown_at"][0], c["shown_at"][1], c["shown"]) for c in plan["cues"] if c["shown"]]
        write_srt(shown, tmp / "burn.srt")
        write_wav(mix(plan, rng), tmp / "audio.wav")
        src = background(plan["background"], cfg.width, cfg.height, cfg.fps, plan["duration"],
                         int(rng.integers(1 << 30)))
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-i", str(tmp / "audio.wav"),
               "-vf", video_filter(plan, tmp / "burn.srt", cfg), "-t", f"{plan['duration']:.3f}",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "64k", "-ac", "1", "-ar", str(RATE), "-map_metadata", "-1",
               "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", str(out)]
        subprocess.run(cmd, check=True, capture_output=True)


def write_truth(plan: dict, truth: Path) -> None:
    spoken = [c for c in plan["cues"] if c["spoken"]]
    write_srt([Cue(*c["speech"], c["spoken"]) for c in spoken], truth / f"{plan['video']}.srt")
    (truth / f"{plan['video']}.txt").write_text("".join(c["spoken"] + "\n" for c in spoken), encoding="utf-8")
    keep = {k: v for k, v in plan.items() if k != "audio"}
    (truth / f"{plan['video']}.json").write_text(json.dumps(keep, ensure_ascii=False, indent=1), encoding="utf-8")


def aishell_words(text: str, rng) -> str:
    """AISHELL transcripts are word-segmented: groups of one to three characters."""
    words, i = [], 0
    while i < len(text):
        n = int(rng.integers(1, 4))
        words.append(text[i:i + n])
        i += n
    return " ".join(words)


def build_target(root: Path, cfg: VideoDataConfig, rng, text: Sentences) -> dict:
    """`data_aishell/wav/<split>/<SPK>/<UTT>.wav` + `transcript/aishell_transcript_v0.8.txt`."""
    counts = dict(zip(("train", "dev", "test"), cfg.target_split()))
    voices = speakers(rng, sum(counts.values()), TARGET_VARIANTS, "S")
    lines, it, sizes = [], iter(voices), {}
    for split, n in counts.items():
        sizes[split] = 0
        for speaker in (next(it) for _ in range(n)):
            for u in range(cfg.target_utterances):
                utt = f"{AISHELL_PREFIX}{speaker.id}W{u + 1:04d}"
                sentence = text.mandarin()
                write_wav(synthesize(sentence, "cmn", speaker), root / "wav" / split / speaker.id / f"{utt}.wav")
                lines.append(f"{utt} {aishell_words(sentence, rng)}\n")
                sizes[split] += 1
    (root / "transcript").mkdir(parents=True)
    (root / "transcript" / "aishell_transcript_v0.8.txt").write_text("".join(lines), encoding="utf-8")
    return {"utterances": sizes, "speakers": {s.id: s.variant for s in voices}}


def _render_one(job) -> None:
    plan, path, cfg, seed = job
    render(plan, path, cfg, np.random.default_rng(seed))


def build_videos_dataset(out: str | Path, cfg: VideoDataConfig) -> dict:
    """videos/, truth/, target/data_aishell/ and manifest.json, into a sibling directory renamed into
    place. Plans (speech included) are drawn in order from one seed; the ffmpeg renders run on every
    core, so the output does not depend on the number of cores."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    cfg.check()
    for tool in ("ffmpeg", "espeak-ng"):
        if shutil.which(tool) is None:
            raise ConfigError(f"{tool} is not installed (`make system` installs it)")
    rng = np.random.default_rng(cfg.seed)
    text = Sentences(cfg.seed, vocabulary=cfg.vocabulary)
    voices = speakers(rng, cfg.video_speakers, VIDEO_VARIANTS, "V")
    faults = dict.fromkeys(FAULTS, 0)
    seconds, cues = 0.0, 0
    with building_dir(out) as tmp:
        (tmp / "videos").mkdir()
        (tmp / "truth").mkdir()
        jobs = []
        for i in range(cfg.videos):
            plan = plan_video(i, cfg, rng, voices, text)
            write_truth(plan, tmp / "truth")
            jobs.append((plan, tmp / "videos" / f"{plan['video']}.mp4", cfg, int(rng.integers(1 << 31))))
            seconds += plan["duration"]
            for cue in plan["cues"]:
                cues += 1
                for f in cue["faults"]:
                    faults[f] += 1
        # each render is one ffmpeg process: threads are enough to keep every core busy
        with ThreadPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
            list(tqdm(pool.map(_render_one, jobs), total=len(jobs), desc="videos", unit="video", mininterval=2))
        target = build_target(tmp / "target" / "data_aishell", cfg, rng, text)
        summary = {"videos": cfg.videos, "video_seconds": round(seconds, 1), "cues": cues, "faults": faults,
                   "video_speakers": {s.id: s.variant for s in voices}, "target": target}
        (tmp / "manifest.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"images": cfg.videos, **summary}
