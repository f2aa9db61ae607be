"""Speech audio: espeak-ng synthesis for a speaker (voice variant, pitch, rate), 16-bit PCM WAV read
and write, resampling to the 16 kHz the model hears, and the speech bounds inside a clip."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperline.asr.corpus import pinyin_of
from paperline.core.errors import ConfigError, DataError

RATE = 16000
VOICES = {"cmn": "cmn-latn-pinyin", "eng": "en-us"}


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: an espeak-ng voice variant with its pitch (0-99) and rate (words/min)."""
    id: str
    variant: str
    pitch: int
    rate: int


def espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError("espeak-ng is not installed (apt-get install espeak-ng; `make system` does it)")
    return exe


def synthesize(text: str, language: str, speaker: Speaker) -> np.ndarray:
    """float32 mono at 16 kHz. Mandarin is spoken from numbered pinyin (espeak-ng's `cmn` voice reads
    tone digits aloud when given characters)."""
    spoken = pinyin_of(text) if language == "cmn" else text
    cmd = [espeak(), "-v", f"{VOICES[language]}+{speaker.variant}", "-p", str(speaker.pitch),
           "-s", str(speaker.rate), "--stdout", spoken]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout
    x, sr = decode_wav(out, "espeak-ng output")
    return resample(x, sr, RATE)


def resample(x: np.ndarray, sr: int, to: int = RATE) -> np.ndarray:
    if sr == to:
        return x.astype(np.float32)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sr, to)
    return resample_poly(x, to // g, sr // g).astype(np.float32)


def decode_wav(data: bytes, where: str) -> tuple[np.ndarray, int]:
    """(float32 mono samples, sample rate) of 16-bit PCM WAV bytes; multi-channel is averaged."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            sr, ch, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            raw = w.readframes(n)
    except (wave.Error, EOFError) as e:
        raise DataError(f"{where}: not a readable WAV file ({e})") from None
    if width != 2:
        raise DataError(f"{where}: {8 * width}-bit samples; expected 16-bit PCM")
    x = np.frombuffer(raw[: len(raw) - len(raw) % (2 * ch)], np.int16).astype(np.float32) / 32768.0
    return x.reshape(-1, ch).mean(1), sr


def read_wav(path: str | Path, rate: int | None = RATE) -> np.ndarray:
    """Samples of a 16-bit PCM WAV; `rate`: the rate the file must have (a clear error otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such WAV file")
    x, sr = decode_wav(path.read_bytes(), str(path))
    if rate is not None and sr != rate:
        raise DataError(f"{path}: sample rate {sr} Hz; expected {rate} Hz (resample it, e.g. "
                        f"`sox in.wav -r {rate} out.wav`)")
    return x


def wav_bytes(x: np.ndarray, rate: int = RATE) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def write_wav(x: np.ndarray, path: str | Path, rate: int = RATE) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(wav_bytes(x, rate))
    tmp.rename(path)


def speech_bounds(x: np.ndarray, rate: int = RATE, frame: float = 0.01, floor: float = 0.02) -> tuple[float, float]:
    """(first, last) second where the 10 ms frame energy exceeds `floor` of the clip's peak: the
    true start and end of the spoken part of a synthesized clip (espeak pads both ends)."""
    n = int(rate * frame)
    frames = x[: len(x) // n * n].reshape(-1, n)
    energy = np.sqrt((frames ** 2).mean(1))
    loud = np.flatnonzero(energy > floor * energy.max()) if len(energy) and energy.max() > 0 else []
    if len(loud) == 0:
        return 0.0, 0.0
    return loud[0] * frame, (loud[-1] + 1) * frame
