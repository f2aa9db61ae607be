"""Speech corpora in their real layouts, read into one utterance list (the spec's loader contract:
id, audio file, optional start and end, text), and written back:

- AISHELL-1: `data_aishell/wav/<split>/<SPK>/<UTT>.wav` + `transcript/aishell_transcript_v0.8.txt`
  (word-segmented lines; spaces are removed for character targets);
- Kaldi data directories: `wav.scp`, `text`, optional `segments` and `utt2spk`;
- WenetSpeech's JSON (`{"audios": [{"aid", "path", "segments": [{"sid", "begin_time", "end_time",
  "text", "confidence", "subsets"}]}]}`);
- the weak corpus as WenetSpeech-style JSONL (one segment per line, the spec's fields);
- videos with an SRT sidecar (`clip.mp4` + `clip.srt`): each cue an utterance of the video's audio.

Lines that real corpora do carry (a transcript line for a wav that is not in the release, a wav with
no transcript) are skipped and counted; anything malformed is an error naming the file and the line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from paperline.asr.media import VIDEO_SUFFIXES
from paperline.asr.srt import read_srt
from paperline.core.errors import DataError
from paperline.core.files import inside

AISHELL_TRANSCRIPT = "transcript/aishell_transcript_v0.8.txt"
SPLITS = ("train", "dev", "test")


@dataclass
class Utterance:
    utt_id: str
    audio: str                 # a WAV (or any file ffmpeg reads: a video)
    text: str
    start: float | None = None
    end: float | None = None
    speaker: str = ""


@dataclass
class Corpus:
    utterances: list[Utterance]
    skipped: dict = field(default_factory=dict)   # reason -> count


def _lines(path: Path):
    """(line number, stripped line) of a UTF-8 text file; BOM, CRLF and blank lines tolerated."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield n, line.strip()


def aishell_root(path: str | Path) -> Path:
    path = Path(path)
    for root in (path, path / "data_aishell"):
        if (root / AISHELL_TRANSCRIPT).is_file() and (root / "wav").is_dir():
            return root
    raise DataError(f"{path}: not an AISHELL-1 folder (expected {AISHELL_TRANSCRIPT} and wav/ in it or in "
                    "data_aishell/)")


def read_aishell(path: str | Path, split: str) -> Corpus:
    """One split of an AISHELL-1 folder, in utterance-id order."""
    if split not in SPLITS:
        raise DataError(f"AISHELL split must be one of {', '.join(SPLITS)}, got {split!r}")
    root = aishell_root(path)
    transcript = root / AISHELL_TRANSCRIPT
    texts: dict[str, str] = {}
    for n, line in _lines(transcript):
        utt, _, words = line.partition(" ")
        if not words.strip():
            raise DataError(f"{transcript}:{n}: utterance {utt} has an empty transcript")
        if utt in texts:
            raise DataError(f"{transcript}:{n}: utterance {utt} is listed twice")
        texts[utt] = "".join(words.split())
    wavs = {p.stem: p for p in (root / "wav" / split).glob("*/*") if p.suffix.lower() == ".wav"}
    if not wavs:
        raise DataError(f"{root / 'wav' / split}: no wav files (expected wav/{split}/<SPK>/<UTT>.wav)")
    utts = [Utterance(u, str(wavs[u]), texts[u], speaker=wavs[u].parent.name) for u in sorted(wavs) if u in texts]
    skipped = {"wav without transcript": len(set(wavs) - set(texts))}
    if not utts:
        raise DataError(f"{transcript}: names none of the {len(wavs)} wav files under {root / 'wav' / split}")
    return Corpus(utts, skipped)


def aishell_missing_wavs(path: str | Path) -> list[str]:
    """Transcript lines whose wav is in no split (AISHELL-1 itself has some: the validation counts them)."""
    root = aishell_root(path)
    have = {p.stem for p in (root / "wav").glob("*/*/*") if p.suffix.lower() == ".wav"}
    return [line.partition(" ")[0] for _, line in _lines(root / AISHELL_TRANSCRIPT)
            if line.partition(" ")[0] not in have]


def read_kaldi(folder: str | Path) -> Corpus:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a Kaldi data directory")
    scp = {}
    for n, line in _lines(folder / "wav.scp"):
        rec, _, where = line.partition(" ")
        where = where.strip()
        if where.endswith("|"):
            raise DataError(f"{folder / 'wav.scp'}:{n}: {rec} is a command pipe; only file paths are read "
                            "(run the command and list the wav)")
        if not where:
            raise DataError(f"{folder / 'wav.scp'}:{n}: no path for {rec}")
        scp[rec] = str((folder / where) if not Path(where).is_absolute() else Path(where))
    texts = {}
    for _, line in _lines(folder / "text"):
        utt, _, text = line.partition(" ")
        texts[utt] = text.strip()
    speakers = {}
    if (folder / "utt2spk").is_file():
        speakers = dict(line.split(maxsplit=1) for _, line in _lines(folder / "utt2spk"))
    utts = []
    if (folder / "segments").is_file():
        for n, line in _lines(folder / "segments"):
            parts = line.split()
            if len(parts) != 4:
                raise DataError(f"{folder / 'segments'}:{n}: expected 'utt recording start end', got {line!r}")
            utt, rec = parts[0], parts[1]
            try:
                start, end = float(parts[2]), float(parts[3])
            except ValueError:
                raise DataError(f"{folder / 'segments'}:{n}: start and end must be seconds, got {line!r}") from None
            if end <= start:
                raise DataError(f"{folder / 'segments'}:{n}: end {end} is not after start {start}")
            if rec not in scp:
                raise DataError(f"{folder / 'segments'}:{n}: recording {rec} is not in wav.scp")
            if utt in texts:
                utts.append(Utterance(utt, scp[rec], texts[utt], start, end, speakers.get(utt, "")))
    else:
        utts = [Utterance(u, scp[u], texts[u], speaker=speakers.get(u, "")) for u in scp if u in texts]
    if not utts:
        raise DataError(f"{folder}: no utterance has both audio and text")
    return Corpus(utts, {"without text": len(texts) and max(0, len(scp) - len(utts))})


def write_kaldi(utts: list[Utterance], folder: str | Path) -> None:
    """wav.scp (one line per audio file), segments (when utterances are spans), text, utt2spk."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recs = {}
    for u in utts:
        recs.setdefault(u.audio, f"rec{len(recs):06d}" if u.start is not None else u.utt_id)
    spans = any(u.start is not None for u in utts)
    files = {"wav.scp": "".join(f"{rec} {audio}\n" for audio, rec in recs.items()),
             "text": "".join(f"{u.utt_id} {u.text}\n" for u in utts),
             "utt2spk": "".join(f"{u.utt_id} {u.speaker or u.utt_id}\n" for u in utts)}
    if spans:
        files["segments"] = "".join(f"{u.utt_id} {recs[u.audio]} {u.start:.3f} {u.end:.3f}\n" for u in utts)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def read_wenetspeech(path: str | Path, subsets: tuple[str, ...] = ()) -> Corpus:
    """Segments of a WenetSpeech-style JSON; `subsets`: keep only segments in one of them (e.g. "S")."""
    path = Path(path)
    try:
        meta = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: not a readable JSON file ({e})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("audios"), list):
        raise DataError(f"{path}: no 'audios' list (WenetSpeech JSON has {{\"audios\": [...]}})")
    utts, skipped = [], 0
    for i, a in enumerate(meta["audios"]):
        try:
            audio = str(inside(path.parent, a["path"], f"{path}: audios[{i}].path"))
            for s in a["segments"]:
                if subsets and not set(subsets) & set(s.get("subsets", [])):
                    skipped += 1
                    continue
                utts.append(Utterance(s["sid"], audio, s["text"], float(s["begin_time"]), float(s["end_time"]),
                                      a.get("aid", "")))
        except (KeyError, TypeError, ValueError) as e:
            aid = a.get("aid", "?") if isinstance(a, dict) else repr(a)
            raise DataError(f"{path}: audios[{i}] ({aid}): missing or bad field {e}") from None
    return Corpus(utts, {"other subsets": skipped})


MANIFEST_FIELDS = ("utt_id", "video_id", "audio_path", "start", "end", "duration", "text", "ocr_conf", "asr_hyp",
                   "agree_cer", "subset")


def write_jsonl(rows: list[dict], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.rename(path)


def read_jsonl(path: str | Path, required: tuple[str, ...] = ("utt_id", "audio_path", "start", "end", "text")
               ) -> list[dict]:
    """Rows of a JSONL file, each checked for the `required` fields (the weak manifest's by default)."""
    rows = []
    for n, line in _lines(Path(path)):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{n}: not JSON ({e.msg})") from None
        missing = [k for k in required if k not in row] if isinstance(row, dict) else ["an object"]
        if missing:
            raise DataError(f"{path}:{n}: missing {', '.join(missing)}")
        rows.append(row)
    return rows


def manifest_to_utterances(rows: list[dict], root: str | Path = ".") -> list[Utterance]:
    return [Utterance(r["utt_id"], str(Path(root) / r["audio_path"]), r["text"], float(r["start"]), float(r["end"]),
                      r.get("video_id", "")) for r in rows]


def utterances_to_manifest(utts: list[Utterance], root: str | Path = ".") -> list[dict]:
    return [{"utt_id": u.utt_id, "video_id": u.speaker, "audio_path": str(Path(u.audio).relative_to(root))
             if Path(u.audio).is_relative_to(root) else u.audio, "start": u.start, "end": u.end,
             "duration": round(u.end - u.start, 3), "text": u.text} for u in utts]


def read_sidecar_videos(folder: str | Path) -> tuple[Corpus, list[Path]]:
    """Videos of a folder: those with an `<name>.srt` beside give their cues as utterances; those
    without are returned for OCR."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder of videos")
    utts, need_ocr = [], []
    for video in sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES):
        srt = next((p for p in (video.with_suffix(".srt"), video.with_suffix(".SRT")) if p.is_file()), None)
        if srt is None:
            need_ocr.append(video)
            continue
        for i, cue in enumerate(read_srt(srt)):
            utts.append(Utterance(f"{video.stem}-{i:05d}", str(video), " ".join(cue.text.split()), cue.start, cue.end,
                                  video.stem))
    return Corpus(utts), need_ocr
