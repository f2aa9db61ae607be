"""How much each head lowers the target logit, against the angle to the class centre: the picture that
explains angle-adaptive margins (X2-Softmax) next to fixed ones (CosFace, ArcFace); and PoseFace's
margin against the face's yaw."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from paperline.core.figures import figure, save_png


def margins(theta: np.ndarray, a: float = -0.9, h: float = 0.0, k: float = 0.65, cos_m: float = 0.35,
            arc_m: float = 0.5) -> dict[str, np.ndarray]:
    """cos θ − target(θ) for each head; θ in radians."""
    c = np.cos(theta)
    arc = np.where(theta < math.pi - arc_m, np.cos(theta + arc_m), c - math.sin(math.pi - arc_m) * arc_m)
    return {f"X2-Softmax (a={a}, h={h}, k={k})": c - (a * (theta - h) ** 2 + k),
            f"ArcFace (m={arc_m})": c - arc,
            f"CosFace (m={cos_m})": np.full_like(theta, cos_m)}


def _finish(fig, ax, out: str | Path) -> Path:
    ax.grid(alpha=0.3)
    ax.legend()
    return save_png(fig, out)


def margin_png(out: str | Path, a: float = -0.9, h: float = 0.0, k: float = 0.65) -> Path:
    fig, ax = figure(figsize=(6, 4), dpi=120)
    theta = np.linspace(0, math.pi, 361)
    for name, m in margins(theta, a, h, k).items():
        ax.plot(np.degrees(theta), m, label=name)
    ax.set_xlabel("angle θ between the feature and its class centre (degrees)")
    ax.set_ylabel("margin  cos θ − target(θ)")
    ax.set_title("Margin against angle")
    return _finish(fig, ax, out)


def pose_margin_png(out: str | Path, m0: float, lam: float, base: str) -> Path:
    """PoseFace: m(ψ) = m0 + λ|ψ|/90 beside the fixed margin of the plain head."""
    from paperline.face.heads import pose_margin

    fig, ax = figure(figsize=(6, 4), dpi=120)
    yaw = np.linspace(0, 90, 91)
    ax.plot(yaw, pose_margin(yaw, m0, lam), label=f"PoseFace ({base}, m0={m0}, λ={lam})")
    ax.plot(yaw, np.full_like(yaw, m0), "--", label=f"plain {base} (m={m0})")
    ax.axvspan(60, 90, color="tab:orange", alpha=0.1, label="profile (|yaw| > 60°)")
    ax.set_xlabel("|yaw| estimated from the landmarks (degrees)")
    ax.set_ylabel("margin m")
    ax.set_title("Pose-adaptive margin")
    return _finish(fig, ax, out)


DIAGNOSTICS = [("target_cosine", "mean target cosine cos θ_y", 0.0),
               ("hard_share", "share of negatives treated as hard", None),
               ("probe_mean_norm", "norm of the probe batch's mean embedding", None),
               ("impostor_cosine", "mean cosine of impostor pairs", 0.5)]


def diagnostics_png(history: list[dict], out: str | Path, title: str = "") -> Path:
    """The four collapse diagnostics against the epoch, with the lines the run's warning is drawn at."""
    fig, axes = figure(2, 2, figsize=(9, 6), dpi=110)
    epochs = [r["epoch"] for r in history]
    for ax, (key, label, line) in zip(axes.flat, DIAGNOSTICS):
        values = [r.get(key, float("nan")) for r in history]
        ax.plot(epochs, values, marker="o")
        if line is not None:
            ax.axhline(line, color="tab:red", ls="--", lw=1, label="collapse warning")
            ax.legend(fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    fig.suptitle(title or "Collapse diagnostics")
    return save_png(fig, out)
