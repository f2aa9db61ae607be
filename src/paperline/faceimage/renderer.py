"""Procedural face renderer with exact ground truth (no downloads).

Each identity is a seeded 3-D face: its own shape (face width, jaw, eye spacing, nose, mouth, brows),
appearance (skin, hair style and colour, eye colour, lips, beard, a mole) and a fixed per-point
jitter. Each image samples yaw in [-90, 90] degrees, pitch, roll, expression (mouth opening, smile,
eye openness, brow raise), illumination, background, blur and noise. The renderer projects the 106
JD-order landmarks, paints the parts in LaPa's order into both the RGB image and the 11-class label
map, and returns them with the pose, so every later paper (recognition, landmarks, parsing) has
exact labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from paperline.faceimage import landmarks106 as L

SHIFT = 4  # cv2 sub-pixel bits
_ONE = 1 << SHIFT


@dataclass
class Identity:
    """Everything that stays fixed across the images of one person."""

    shape: dict
    jitter: np.ndarray  # (106, 3) per-point offsets
    skin: np.ndarray
    hair: np.ndarray
    eye: np.ndarray
    lip: np.ndarray
    brow: np.ndarray
    hair_volume: float
    hair_length: float
    fringe: float
    beard: float
    mole: np.ndarray | None  # 3-D position on the face or None


@dataclass
class Pose:
    yaw: float
    pitch: float
    roll: float


@dataclass
class Sample:
    image: np.ndarray      # (H, W, 3) uint8 RGB
    mask: np.ndarray       # (H, W) uint8 LaPa class ids
    landmarks: np.ndarray  # (106, 2) float32 pixel coordinates (x, y)
    pose: Pose


def make_identity(rng: np.random.Generator) -> Identity:
    u = rng.uniform
    shape = {
        "face_w": u(0.85, 1.12), "jaw_h": u(0.95, 1.25), "jaw_p": u(0.7, 1.8),
        "eye_sep": u(0.28, 0.42), "eye_w": u(0.13, 0.19), "eye_h": u(0.05, 0.09), "eye_y": u(-0.32, -0.2),
        "brow_y": u(-0.55, -0.42), "brow_t": u(0.04, 0.1), "brow_arch": u(0.0, 0.12),
        "nose_len": u(0.3, 0.5), "nose_w": u(0.14, 0.28), "nose_z": u(0.2, 0.45),
        "mouth_y": u(0.42, 0.58), "mouth_w": u(0.2, 0.34), "lip_t": u(0.03, 0.08),
        "forehead": u(0.9, 1.25),
    }
    skin_tone = u(0.25, 1.0)
    skin = np.array([90 + 150 * skin_tone, 55 + 140 * skin_tone, 40 + 120 * skin_tone]) * u(0.9, 1.1, 3)
    hair = rng.choice([[25, 20, 15], [70, 45, 25], [140, 95, 50], [210, 180, 110], [160, 60, 30],
                       [120, 120, 120], [230, 230, 225]]) * u(0.8, 1.2, 3)
    eye = rng.choice([[60, 35, 20], [40, 90, 160], [70, 120, 70], [30, 25, 20]]) * u(0.8, 1.2, 3)
    lip = skin * np.array([1.0, 0.6, 0.65]) * u(0.85, 1.05)
    brow = hair * u(0.6, 1.0)
    mole = None
    if rng.random() < 0.5:
        mole = np.array([u(-0.6, 0.6), u(-0.1, 0.4), 0.0])
    return Identity(
        shape=shape, jitter=rng.normal(0, 0.015, (L.NUM_POINTS, 3)),
        skin=np.clip(skin, 0, 255), hair=np.clip(hair, 0, 255), eye=np.clip(eye, 0, 255),
        lip=np.clip(lip, 0, 255), brow=np.clip(brow, 0, 255),
        hair_volume=u(0.0, 0.35), hair_length=u(0.0, 1.2), fringe=u(0, 1) if rng.random() < 0.4 else 0.0,
        beard=u(0.3, 1.0) if rng.random() < 0.3 else 0.0, mole=mole,
    )


def _depth(x, y, face_w):
    """Face surface depth (z toward the camera) of a point on the frontal face."""
    return 0.75 * np.sqrt(np.clip(1.0 - (x / (face_w * 1.05)) ** 2, 0.05, None)) - 0.08 * np.asarray(y) ** 2


def landmarks_3d(ident: Identity, expr: dict) -> np.ndarray:
    """The 106 points in head coordinates for one expression: x right, y down, z toward the camera."""
    s = ident.shape
    fw = s["face_w"]
    pts = np.zeros((L.NUM_POINTS, 3))
    # contour 0..32
    phi = np.linspace(-math.pi / 2, math.pi / 2, 33)
    c = np.cos(phi)
    pts[0:33, 0] = fw * np.sin(phi) * (0.85 + 0.15 * c)
    pts[0:33, 1] = -0.15 + (s["jaw_h"] + 0.15 + 0.08 * expr["mouth_open"]) * np.abs(c) ** s["jaw_p"]
    pts[0:33, 2] = -0.15 + 0.7 * c
    # eyebrows: upper edge then lower edge back
    raise_ = 0.08 * expr["brow_raise"]
    for side, idx in ((-1, L.LEFT_BROW), (1, L.RIGHT_BROW)):
        xs = np.linspace(0.12, 0.72, 5) * fw
        xs = xs[::-1] * side if side < 0 else xs
        t = (np.abs(xs) - 0.12 * fw) / (0.6 * fw)
        top = s["brow_y"] - raise_ - s["brow_arch"] * np.sin(np.pi * t)
        bottom_x = np.linspace(0.12, 0.72, 6)[1:5] * fw
        bottom_x = -bottom_x if side < 0 else bottom_x[::-1]  # lower edge runs back to the start
        tb = (np.abs(bottom_x) - 0.12 * fw) / (0.6 * fw)
        bottom = s["brow_y"] - raise_ - s["brow_arch"] * np.sin(np.pi * tb) + s["brow_t"] * (1.2 - 0.6 * tb)
        pts[idx[:5], 0], pts[idx[:5], 1] = xs, top
        pts[idx[5:], 0], pts[idx[5:], 1] = bottom_x, bottom
    # nose bridge and tip
    ny = np.linspace(s["eye_y"], s["eye_y"] + s["nose_len"], 4)
    pts[51:55, 0], pts[51:55, 1] = 0.0, ny
    tip_y = ny[-1]
    # nose lower: wing to wing via the base under the tip
    a = np.linspace(math.pi, 0.0, 11)  # left wing, base under the tip, right wing
    pts[55:66, 0] = s["nose_w"] * np.cos(a)
    pts[55:66, 1] = tip_y - 0.05 + 0.09 * np.sin(a)
    # eyes: corners and lids
    open_ = expr["eye_open"]
    for side, ring, center, pupil in ((-1, L.LEFT_EYE, 74, 104), (1, L.RIGHT_EYE, 83, 105)):
        cx, cy = side * s["eye_sep"], s["eye_y"]
        ew, eh = s["eye_w"], s["eye_h"] * open_
        ang = np.array([180, 135, 90, 45, 0, -45, -90, -135]) * math.pi / 180  # image-left corner first
        ex = cx + ew * np.cos(ang)
        ey = cy - eh * np.sin(ang) * np.where(np.sin(ang) > 0, 1.0, 0.8)
        pts[ring, 0], pts[ring, 1] = ex, ey
        pts[center, 0], pts[center, 1] = cx, cy
        pts[pupil, 0], pts[pupil, 1] = cx + expr["gaze"][0] * ew * 0.4, cy + expr["gaze"][1] * eh * 0.3
    # mouth
    mw = s["mouth_w"] * (1 + 0.2 * expr["smile"])
    my, lt, op = s["mouth_y"], s["lip_t"], 0.12 * expr["mouth_open"]
    corner_up = 0.05 * expr["smile"]
    xs_u = np.linspace(-mw, mw, 7)
    up = my - corner_up * 0 - lt * (1.2 - 0.5 * np.abs(np.linspace(-1, 1, 7)) ** 2) - 0.01
    up[0] = up[-1] = my - corner_up
    pts[84:91, 0], pts[84:91, 1] = xs_u, up
    xs_l = np.linspace(mw, -mw, 7)[1:6]
    pts[91:96, 0] = xs_l
    pts[91:96, 1] = my + op + lt * 1.3 * (1 - np.linspace(-1, 1, 7)[1:6] ** 2) + 0.01
    xi = np.linspace(-mw * 0.8, mw * 0.8, 5)
    pts[96:101, 0], pts[96:101, 1] = xi, my - corner_up * 0.6 - 0.004 * (1 - np.linspace(-1, 1, 5) ** 2)
    pts[[96, 100], 1] = my - corner_up * 0.8
    pts[101:104, 0] = xi[1:4][::-1]
    pts[101:104, 1] = my + op * (1 - np.linspace(-1, 1, 5)[1:4][::-1] ** 2 * 0.3) + 0.004
    # depth of everything but the contour from the face surface; the nose sticks out
    inner = slice(33, 106)
    pts[inner, 2] = _depth(pts[inner, 0], pts[inner, 1], fw)
    pts[51:55, 2] += np.linspace(0.05, s["nose_z"], 4)
    pts[55:66, 2] += s["nose_z"] * (0.3 + 0.4 * np.sin(a))
    return pts + ident.jitter


def _shell(ident: Identity, n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """3-D outlines of the skin (jaw-to-forehead arc and the head behind it) and of the hair."""
    s = ident.shape
    fw = s["face_w"]
    phi = np.linspace(-math.pi / 2, math.pi / 2, n)
    c = np.cos(phi)
    forehead = np.stack([fw * np.sin(phi), -0.15 - s["forehead"] * c, -0.15 + 0.7 * c], 1)
    # the sides and back of the head keep a profile view as wide as a real head
    back = np.array([[sx * fw * 0.95, y, z] for sx in (-1, 1) for y, z in ((0.2, -0.55), (-0.6, -0.7), (0.5, -0.5))])
    forehead = np.concatenate([forehead, back])
    hv, hl = 1.0 + ident.hair_volume, ident.hair_length
    phi2 = np.linspace(-math.pi * 0.62, math.pi * 0.62, n)
    cap = np.stack([fw * hv * 1.08 * np.sin(phi2), -0.1 - (s["forehead"] + 0.25 * hv) * np.cos(phi2),
                    -0.3 + 0.5 * np.cos(phi2)], 1)
    sides = np.array([[-fw * hv * 1.1, 0.2 + 0.9 * hl, -0.4], [fw * hv * 1.1, 0.2 + 0.9 * hl, -0.4],
                      [-fw * 0.9, -0.1 + 0.9 * hl, -0.6], [fw * 0.9, -0.1 + 0.9 * hl, -0.6],
                      [-fw * 0.7, -1.0, -1.1], [fw * 0.7, -1.0, -1.1], [0.0, -0.2 + 0.9 * hl, -1.3]])
    hair = np.concatenate([cap, sides])
    return forehead, hair


def _rotation(p: Pose) -> np.ndarray:
    y, x, z = (math.radians(v) for v in (p.yaw, p.pitch, p.roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(x), -math.sin(x)], [0, math.sin(x), math.cos(x)]])
    rz = np.array([[math.cos(z), -math.sin(z), 0], [math.sin(z), math.cos(z), 0], [0, 0, 1]])
    return rz @ rx @ ry


def _poly(img, mask, pts2d, color, cls, aa=True):
    p = np.round(pts2d * _ONE).astype(np.int32)[None]
    cv2.fillPoly(img, p, color, cv2.LINE_AA if aa else cv2.LINE_8, SHIFT)
    if mask is not None:
        cv2.fillPoly(mask, p, int(cls), cv2.LINE_8, SHIFT)


def _hull(pts2d):
    return cv2.convexHull(pts2d.astype(np.float32)).reshape(-1, 2)


class FaceRenderer:
    """Renders 112x112 aligned crops (any square size) of procedural identities."""

    def __init__(self, size: int = 112):
        self.size = size

    def sample_pose(self, rng: np.random.Generator, max_yaw: float = 90.0) -> Pose:
        return Pose(yaw=float(rng.uniform(-max_yaw, max_yaw)), pitch=float(rng.uniform(-25, 25)),
                    roll=float(rng.uniform(-20, 20)))

    def render(self, ident: Identity, rng: np.random.Generator, pose: Pose | None = None) -> Sample:
        size = self.size
        pose = pose or self.sample_pose(rng)
        expr = {"mouth_open": float(rng.uniform(0, 1) ** 2), "smile": float(rng.uniform(-0.3, 1)),
                "eye_open": float(rng.uniform(0.35, 1.2)), "brow_raise": float(rng.uniform(-0.5, 1)),
                "gaze": rng.uniform(-1, 1, 2)}
        pts3 = landmarks_3d(ident, expr)
        forehead, hair3 = _shell(ident)
        rot = _rotation(pose)
        scale = size / 112 * 30.0 * rng.uniform(0.95, 1.05)
        center = np.array([size / 2, size * 0.47]) + rng.normal(0, size * 0.01, 2)

        def project(p):
            q = p @ rot.T
            return q[:, :2] * scale + center, q[:, 2]

        lm, z = project(pts3)
        fh2, _ = project(forehead)
        hair2, _ = project(hair3)

        # illumination: a light direction gives per-part shading and an image-wide ramp
        light = np.array([rng.uniform(-0.8, 0.8), rng.uniform(-0.6, 0.3), 1.0])
        light /= np.linalg.norm(light)
        ambient = rng.uniform(0.45, 0.8)

        def shade(color, normal):
            lit = color * (ambient + (1 - ambient) * max(0.0, normal @ light)) * 1.15
            return tuple(float(v) for v in np.clip(lit, 0, 255))

        def facing(p3):
            n = p3.mean(0) - np.array([0.0, 0.0, -0.6])
            n = rot @ (n / np.linalg.norm(n))
            return n

        img = self._background(rng)
        mask = np.zeros((size, size), np.uint8)

        # hair cap behind the face, then the skin silhouette (jaw + forehead hull)
        _poly(img, mask, _hull(hair2), shade(ident.hair, np.array([0, 0, 1.0])), 10)
        skin_outline = _hull(np.concatenate([lm[L.CONTOUR], fh2]))
        _poly(img, mask, skin_outline, shade(ident.skin, rot @ np.array([0, 0, 1.0])), 1)
        if ident.beard > 0:
            jaw = lm[L.CONTOUR[6:27]]
            beard = np.concatenate([jaw, lm[[94, 93, 92]] + np.array([0, 0.03 * scale])])
            _poly(img, None, beard, shade(ident.hair * 0.8 * ident.beard + ident.skin * (1 - ident.beard),
                                          np.array([0, 0, 1.0])), 1)
        if ident.mole is not None:
            depth = float(_depth(ident.mole[0], ident.mole[1], ident.shape["face_w"]))
            mp, _ = project(ident.mole[None] + np.array([[0, 0, depth]]))
            if (rot @ np.array([ident.mole[0], 0, 0.6]))[2] > 0:
                cv2.circle(img, tuple(int(v) for v in np.round(mp[0] * _ONE)), int(0.04 * scale * _ONE),
                           (40, 25, 20), -1, cv2.LINE_AA, SHIFT)
        if ident.fringe > 0:
            fr = np.concatenate([fh2[4:len(fh2) - 10], lm[[37, 42]] * 0 + (lm[[37, 42]] * (1 - ident.fringe * 0.6)
                                                                 + fh2[[len(fh2) // 2]] * ident.fringe * 0.6)])
            _poly(img, mask, _hull(fr), shade(ident.hair, np.array([0, 0, 1.0])), 10)

        parts = [
            (L.NOSE_BRIDGE + L.NOSE_LOWER, 6, ident.skin * 0.93, True),
            (L.LEFT_BROW, 2, ident.brow, False), (L.RIGHT_BROW, 3, ident.brow, False),
            (L.LEFT_EYE, 4, np.array([235, 232, 225.0]), False), (L.RIGHT_EYE, 5, np.array([235, 232, 225.0]), False),
            (L.upper_lip_polygon(), 7, ident.lip, False), (L.lower_lip_polygon(), 9, ident.lip * 1.05, False),
            (L.INNER_LIP, 8, np.array([70, 20, 30.0]), False),
        ]
        for idx, cls, color, hull in parts:
            if facing(pts3[idx])[2] <= 0.05:
                continue  # turned away from the camera
            poly = _hull(lm[idx]) if hull else lm[idx]
            _poly(img, mask, poly, shade(color, facing(pts3[idx])), cls)
            if cls in (4, 5):
                pupil = lm[104 if cls == 4 else 105]
                r = max(1.0, min(ident.shape["eye_w"] * 0.45, ident.shape["eye_h"] * expr["eye_open"]) * scale)
                cv2.circle(img, tuple(int(v) for v in np.round(pupil * _ONE)), int(r * _ONE),
                           shade(ident.eye, np.array([0, 0, 1.0])), -1, cv2.LINE_AA, SHIFT)

        img = self._finish(img, rng, light)
        return Sample(image=img, mask=mask, landmarks=lm.astype(np.float32), pose=pose)

    def _background(self, rng):
        size = self.size
        kind = rng.integers(3)
        base = rng.uniform(0, 255, 3).astype(np.float32)
        if kind == 0:
            return np.full((size, size, 3), base, np.float32)
        other = rng.uniform(0, 255, 3).astype(np.float32)
        t = np.linspace(0, 1, size, dtype=np.float32)
        ramp = t[:, None, None] if kind == 1 else t[None, :, None]
        return np.ascontiguousarray(np.broadcast_to(base + (other - base) * ramp, (size, size, 3)))

    def _finish(self, img, rng, light):
        size = self.size
        t = np.linspace(-1, 1, size, dtype=np.float32)
        gain = 1.0 + 0.25 * (light[0] * t[None, :] + light[1] * t[:, None])
        img *= gain[..., None]
        sigma = rng.uniform(0, 1.2)
        if sigma > 0.3:
            img = cv2.GaussianBlur(img, (0, 0), sigma)
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(1, 8))
        return np.clip(img, 0, 255, out=img).astype(np.uint8)
