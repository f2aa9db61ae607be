"""How much each head lowers the target logit, against the angle to the class centre: the picture that
explains angle-adaptive margins (X2-Softmax) next to fixed ones (CosFace, ArcFace)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def margins(theta: np.ndarray, a: float = -0.9, h: float = 0.0, k: float = 0.65, cos_m: float = 0.35,
            arc_m: float = 0.5) -> dict[str, np.ndarray]:
    """cos θ − target(θ) for each head; θ in radians."""
    c = np.cos(theta)
    arc = np.where(theta < math.pi - arc_m, np.cos(theta + arc_m), c - math.sin(math.pi - arc_m) * arc_m)
    return {f"X2-Softmax (a={a}, h={h}, k={k})": c - (a * (theta - h) ** 2 + k),
            f"ArcFace (m={arc_m})": c - arc,
            f"CosFace (m={cos_m})": np.full_like(theta, cos_m)}


def margin_png(out: str | Path, a: float = -0.9, h: float = 0.0, k: float = 0.65) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    theta = np.linspace(0, math.pi, 361)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for name, m in margins(theta, a, h, k).items():
        ax.plot(np.degrees(theta), m, label=name)
    ax.set_xlabel("angle θ between the feature and its class centre (degrees)")
    ax.set_ylabel("margin  cos θ − target(θ)")
    ax.set_title("Margin against angle")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
