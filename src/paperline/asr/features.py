"""Log-mel features in plain torch (no torchaudio): 80 mel bands of 25 ms Hann windows every 10 ms
from `torch.stft`, global CMVN (mean and deviation over the training set, stored with the model) and
SpecAugment (frequency and time masks, training only)."""

from __future__ import annotations

from functools import cache

import numpy as np
import torch

from paperline.asr.speech import RATE

N_FFT, WIN, HOP, MELS = 512, 400, 160, 80


def _mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


@cache
def mel_filters(mels: int = MELS, n_fft: int = N_FFT, rate: int = RATE) -> torch.Tensor:
    """(mels, n_fft/2+1) triangular filters, equally spaced on the HTK mel scale from 20 Hz to Nyquist,
    built on the bins' frequencies so that no low band is empty."""
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = 700.0 * (10 ** (np.linspace(_mel(20.0), _mel(rate / 2), mels + 2) / 2595.0) - 1.0)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lo) / (mid - lo)
    down = (hi - freqs[None]) / (hi - mid)
    return torch.from_numpy(np.maximum(0.0, np.minimum(up, down)).astype(np.float32))


def log_mel(x: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(frames, 80) log-mel energies of float samples at 16 kHz."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if len(x) < WIN:
        x = torch.nn.functional.pad(x, (0, WIN - len(x)))
    spec = torch.stft(x, N_FFT, HOP, WIN, torch.hann_window(WIN), center=False, return_complex=True)
    power = spec.real ** 2 + spec.imag ** 2
    return torch.log(mel_filters() @ power + 1e-6).T


def cmvn(features: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Global mean and deviation per band over every frame of the training set."""
    total = sum(len(f) for f in features)
    mean = sum(f.sum(0) for f in features) / total
    var = sum(((f - mean) ** 2).sum(0) for f in features) / total
    return mean, var.sqrt().clamp_min(1e-3)


def spec_augment(f: torch.Tensor, gen: torch.Generator, freq_masks: int = 2, freq_width: int = 10,
                 time_masks: int = 2, time_width: int = 20) -> torch.Tensor:
    """A copy with `freq_masks` bands of up to `freq_width` bins and `time_masks` spans of up to
    `time_width` frames (never more than a fifth of the utterance) set to 0, the CMVN mean."""
    f = f.clone()
    frames, bins = f.shape
    for _ in range(freq_masks):
        w = int(torch.randint(0, freq_width + 1, (1,), generator=gen))
        s = int(torch.randint(0, max(1, bins - w), (1,), generator=gen))
        f[:, s:s + w] = 0
    width = min(time_width, frames // 5)
    for _ in range(time_masks):
        w = int(torch.randint(0, width + 1, (1,), generator=gen))
        s = int(torch.randint(0, max(1, frames - w), (1,), generator=gen))
        f[s:s + w] = 0
    return f
