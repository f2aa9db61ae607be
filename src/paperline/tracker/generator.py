"""`paperline data build sequences`: rendered tracking sequences written as VOT, OTB and DAVIS.

A scene is a textured world seen by a moving camera. The target (a rendered face or a textured
shape) moves through the world on a smooth or abrupt path, turning and changing size, while the
camera follows it with a lag, pans, zooms and shakes, so the target's motion in the image is its own
motion plus the camera's, the situation PTS's camera compensation is for. Hard cases are planted by
kind: an occluding pole the target passes behind (some runs also leave the frame for a while), or a
look-alike distractor whose path crosses the target's; any sequence may get an illumination ramp
and motion blur on shaken frames.

Truth per frame: the box and rotated polygon of the whole target (VOT annotates an occluded target
where it is), the visible mask (DAVIS annotates what is seen) and visibility; a frame whose target
is wholly outside the picture has no box. VOT tags say which frames are hard and why.

Test sequences are written in all three layouts (`vot/`, `otb/`, `davis/` val); training sequences
only in `davis/` (train), the layout SiamMask itself trains on.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from paperline.core.files import building_dir
from paperline.tracker.config import SequenceDataConfig
from paperline.tracker.geometry import mask_box, mask_polygon
from paperline.tracker.sequences import (
    write_davis_sequence,
    write_davis_splits,
    write_otb_sequence,
    write_vot_sequence,
)

KINDS = ("clean", "occlusion", "distractor")
TAGS = ("occlusion", "distractor", "camera_motion", "illum_change", "motion_change", "size_change", "out_of_view",
        "motion_blur")


def _smooth_texture(rng, h: int, w: int, cells: int) -> np.ndarray:
    import cv2

    low = rng.uniform(0, 255, (max(2, h // cells), max(2, w // cells), 3)).astype(np.float32)
    tex = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC)
    return tex + rng.normal(0, 10, (h, w, 3)).astype(np.float32)


def world_canvas(rng, h: int, w: int) -> np.ndarray:
    """The background: smooth colour fields with blobs and bars, so features are everywhere."""
    import cv2

    canvas = _smooth_texture(rng, h, w, 48)
    canvas = 0.45 * canvas + 0.55 * canvas.mean(axis=2, keepdims=True)  # muted, as real scenes mostly are
    for _ in range(int(h * w / 4000)):
        c = tuple(int(v) for v in rng.uniform(40, 210) + rng.uniform(-30, 30, 3))
        x, y = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        if rng.random() < 0.5:
            cv2.circle(canvas, (x, y), int(rng.uniform(3, 12)), c, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(canvas, (x, y), (x + int(rng.uniform(4, 30)), y + int(rng.uniform(4, 30))), c, -1)
    return np.clip(cv2.GaussianBlur(canvas, (0, 0), 0.8), 0, 255)


def shape_target(rng, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A textured shape (ellipse, rounded box or star) with stripes or checks: (BGR, alpha)."""
    import cv2

    tex = _smooth_texture(rng, size, size, 8)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    period = rng.uniform(5, 12)
    angle = rng.uniform(0, np.pi)
    pattern = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
    if rng.random() < 0.5:
        pattern = pattern * np.sin((xx * -np.sin(angle) + yy * np.cos(angle)) * 2 * np.pi / period)
    import colorsys

    hue = rng.uniform()
    colour_a = np.array(colorsys.hsv_to_rgb(hue, rng.uniform(0.7, 1), rng.uniform(0.75, 1)))[::-1] * 255
    colour_b = np.array(colorsys.hsv_to_rgb((hue + 0.5) % 1, rng.uniform(0.6, 1), rng.uniform(0.2, 0.5)))[::-1] * 255
    img = np.where(pattern[..., None] > 0, colour_a, colour_b) * 0.8 + tex * 0.2
    alpha = np.zeros((size, size), np.uint8)
    c, r = size // 2, size // 2 - 3
    kind = rng.integers(3)
    if kind == 0:
        cv2.ellipse(alpha, (c, c), (r, int(r * rng.uniform(0.55, 0.9))), 0, 0, 360, 255, -1, cv2.LINE_AA)
    elif kind == 1:
        k = int(r * 0.35)
        cv2.rectangle(alpha, (c - r + k, c - r), (c + r - k, c + r), 255, -1)
        cv2.rectangle(alpha, (c - r, c - r + k), (c + r, c + r - k), 255, -1)
        for dx in (-1, 1):
            for dy in (-1, 1):
                cv2.circle(alpha, (c + dx * (r - k), c + dy * (r - k)), k, 255, -1, cv2.LINE_AA)
    else:
        t = np.linspace(0, 2 * np.pi, 11)[:-1]
        rad = np.where(np.arange(10) % 2 == 0, r, r * 0.55)
        pts = np.stack([c + rad * np.cos(t), c + rad * np.sin(t)], 1).astype(np.int32)
        cv2.fillPoly(alpha, [pts], 255, cv2.LINE_AA)
    edge = cv2.morphologyEx(alpha, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    img[edge] = colour_b * 0.5  # a dark rim, so the whole shape stands out from any background
    return np.clip(img, 0, 255).astype(np.float32), alpha.astype(np.float32) / 255


def face_target(rng, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A face from the project's renderer (frontal-ish), its face-and-hair mask as alpha."""
    from paperline.faceimage.renderer import FaceRenderer, Pose, make_identity

    renderer = FaceRenderer(size)
    sample = renderer.render(make_identity(rng), rng, Pose(float(rng.uniform(-30, 30)), 0.0, 0.0))
    return sample.image[..., ::-1].astype(np.float32), (sample.mask > 0).astype(np.float32)


def _path(rng, n: int, speed: float, abrupt: bool, turn: float) -> np.ndarray:
    """Per-frame world velocity (n, 2): a smoothly turning heading, or straight runs with sudden turns."""
    v = np.zeros((n, 2))
    heading = rng.uniform(0, 2 * np.pi)
    turn = rng.uniform(-turn, turn)
    for t in range(n):
        if abrupt and rng.random() < 0.04:
            heading += rng.choice([-1, 1]) * rng.uniform(1.2, 2.4)
        else:
            heading += turn + rng.normal(0, 0.01)
        v[t] = speed * np.array([np.cos(heading), np.sin(heading)])
    return v


class Scene:
    """One sequence's world, camera, target and hard cases, drawn from `rng`."""

    def __init__(self, rng: np.random.Generator, cfg: SequenceDataConfig, kind: str, face: bool):
        lo, hi = cfg.frame_range()
        self.rng, self.kind = rng, kind
        self.n = int(rng.integers(lo, hi + 1))
        self.W, self.H = cfg.width, cfg.height
        self.world = world_canvas(rng, self.H * 3, self.W * 3)
        self.patch, self.alpha = face_target(rng) if face else shape_target(rng)
        speed = rng.uniform(3.5, 5.0) if kind == "occlusion" else rng.uniform(1.0, 3.0)
        # an occluded target keeps its course (what a motion model can bridge); others may turn abruptly
        self.velocity = _path(rng, self.n, speed, abrupt=kind != "occlusion" and rng.random() < 0.4,
                              turn=0.008 if kind == "occlusion" else 0.04)
        # the share of the target's motion the camera does not follow
        self.rho = rng.uniform(0.6, 0.85) if kind == "occlusion" else rng.uniform(0.35, 0.6)
        self.distractor_front = rng.random() < 0.5
        self.size0 = rng.uniform(28, 44)
        self.scale = self.size0 / self.patch.shape[0] * np.exp(np.cumsum(rng.normal(0, 0.006, self.n)))
        self.angle = np.cumsum(np.full(self.n, rng.uniform(-0.01, 0.01)) + rng.normal(0, 0.004, self.n))
        self.shaky = rng.random() < 0.6
        self.gain = np.ones(self.n)
        if rng.random() < 0.35:
            a, b = sorted(rng.integers(0, self.n, 2))
            self.gain[a:] = np.linspace(1, rng.uniform(0.55, 1.35), self.n - a)
            self.gain[b:] = self.gain[b]
        self.away = None  # frames the camera looks away (the target leaves the picture)
        if kind == "occlusion" and rng.random() < 0.3:
            start = int(rng.integers(self.n // 3, 2 * self.n // 3))
            self.away = (start, start + int(rng.integers(4, 8)))
        self.distractor = self._distractor() if kind == "distractor" else None
        self.occluder = None

    def _distractor(self):
        patch = np.clip(self.patch * self.rng.uniform(0.9, 1.1, 3), 0, 255)
        return patch, self.rng.uniform(0.95, 1.05)

    def render(self):
        """Yields (BGR frame, whole mask in the frame, visible mask, tags of the frame)."""
        import cv2

        rng, n, W, H = self.rng, self.n, self.W, self.H
        pos = np.array([self.world.shape[1] / 2, self.world.shape[0] / 2])
        world_pos = pos + np.cumsum(self.velocity, 0)
        # the camera pans with part of the target's motion: the target crosses the picture at
        # rho times its own speed, starting on the side it moves away from
        lead = np.clip(self.rho * self.velocity.mean(0) * n / 2, -0.3 * np.array([W, H]), 0.3 * np.array([W, H]))
        cam = pos + lead
        cam_vel = (1 - self.rho) * self.velocity[0]
        zoom = np.exp(np.cumsum(rng.normal(0, 0.004, n)))
        cross = int(rng.integers(n // 3, 2 * n // 3))
        if self.distractor is not None:  # its path crosses the target's at frame `cross`, at an angle
            direction = self.velocity[cross] / (np.linalg.norm(self.velocity[cross]) + 1e-9)
            normal = np.array([-direction[1], direction[0]]) * rng.choice([-1, 1])
            speed = rng.uniform(2.5, 4.0)
            d_vel = (normal * 0.8 + direction * rng.uniform(-0.5, 0.5)) * speed
            d_pos = world_pos[cross] - d_vel * cross + rng.normal(0, 2, 2)
        if self.kind == "occlusion":  # a pole across the path, met about mid-sequence
            meet = world_pos[cross]
            heading = self.velocity[cross] / (np.linalg.norm(self.velocity[cross]) + 1e-9)
            width = self.size0 * rng.uniform(1.4, 2.4)
            self.occluder = (meet, np.array([-heading[1], heading[0]]), width, _smooth_texture(rng, 200, 200, 12))
        prev_img_pos, prev_cam, prev_size = None, cam.copy(), None
        for t in range(n):
            target = world_pos[t]
            cam_vel = 0.9 * cam_vel + 0.1 * (1 - self.rho) * self.velocity[t]
            cam = cam + cam_vel + 0.01 * (target + lead - cam) + rng.normal(0, 0.3, 2)
            shake = rng.normal(0, 3.5, 2) if self.shaky and rng.random() < 0.3 else np.zeros(2)
            look = cam + shake
            if self.away and self.away[0] <= t < self.away[1]:
                look = look + np.array([W, 0]) * 0.9
            s = zoom[t]
            A = np.array([[s, 0, W / 2 - s * look[0]], [0, s, H / 2 - s * look[1]]])
            frame = cv2.warpAffine(self.world, A, (W, H), flags=cv2.INTER_LINEAR)
            if self.distractor is not None:
                d_patch, d_scale = self.distractor
                d_at = d_pos + d_vel * t
                if not self.distractor_front:
                    frame, _ = self._paste(frame, d_patch, self.alpha, A, d_at, self.scale[t] * d_scale,
                                           -self.angle[t])
            frame, whole = self._paste(frame, self.patch, self.alpha, A, target, self.scale[t], self.angle[t])
            visible = whole.copy()
            if self.distractor is not None and self.distractor_front:  # it passes in front of the target
                frame, cover = self._paste(frame, d_patch, self.alpha, A, d_at, self.scale[t] * d_scale,
                                           -self.angle[t])
                visible &= ~cover
            if self.occluder is not None:
                frame, cover = self._pole(frame, A)
                visible &= ~cover
            blur = np.linalg.norm(shake) * s
            if blur > 3:
                k = np.zeros((int(blur) | 1, int(blur) | 1), np.float32)
                k[k.shape[0] // 2, :] = 1 / k.shape[1]
                rot = cv2.getRotationMatrix2D((k.shape[1] / 2 - 0.5, k.shape[0] / 2 - 0.5),
                                              np.degrees(np.arctan2(shake[1], shake[0])), 1)
                k = cv2.warpAffine(k, rot, k.shape[::-1])
                frame = cv2.filter2D(frame, -1, k / max(k.sum(), 1e-6))
            frame = np.clip(frame * self.gain[t], 0, 255).astype(np.uint8)
            img_pos = A[:, :2] @ target + A[:, 2]
            size = self.scale[t] * s
            cam_step = np.linalg.norm((look - prev_cam) * s)
            tags = {"occlusion": whole.any() and visible.sum() < 0.85 * whole.sum(),
                    "distractor": self.distractor is not None and
                    np.linalg.norm(d_at - target) < 1.5 * self.size0,
                    "camera_motion": cam_step > 2.0,
                    "illum_change": t > 0 and abs(self.gain[t] - self.gain[t - 1]) > 0.004,
                    "motion_change": t > 1 and prev_img_pos is not None and
                    np.linalg.norm(self.velocity[t] - self.velocity[t - 1]) > 0.5,
                    "size_change": prev_size is not None and abs(size / prev_size - 1) > 0.01,
                    "out_of_view": not whole.any(), "motion_blur": blur > 3}
            prev_img_pos, prev_cam, prev_size = img_pos, look, size
            self.camera = A
            yield frame, whole, visible, tags

    def _paste(self, frame, patch, alpha, A, at, scale, angle):
        import cv2

        p = patch.shape[0]
        c, s_ = np.cos(angle) * scale, np.sin(angle) * scale
        M_obj = np.array([[c, -s_, at[0] - (c * p / 2 - s_ * p / 2)], [s_, c, at[1] - (s_ * p / 2 + c * p / 2)]])
        M = A[:, :2] @ M_obj
        M = np.hstack([M[:, :2], (A[:, :2] @ M_obj[:, 2] + A[:, 2])[:, None]])
        size = (frame.shape[1], frame.shape[0])
        a = cv2.warpAffine(alpha, M, size, flags=cv2.INTER_LINEAR)
        img = cv2.warpAffine(patch, M, size, flags=cv2.INTER_LINEAR)
        out = frame * (1 - a[..., None]) + img * a[..., None]
        return out, a > 0.5

    def _pole(self, frame, A):
        import cv2

        meet, normal, width, tex = self.occluder
        ends = np.array([meet - normal * 400, meet + normal * 400])
        pts = ends @ A[:, :2].T + A[:, 2]
        cover = np.zeros(frame.shape[:2], np.uint8)
        cv2.line(cover, tuple(int(v) for v in pts[0]), tuple(int(v) for v in pts[1]), 1,
                 max(1, int(width * A[0, 0])))
        tex = cv2.resize(tex, (frame.shape[1], frame.shape[0]))
        mask = cover.astype(bool)
        frame = frame.copy()
        frame[mask] = tex[mask] * 0.6 + 40
        return frame, mask


def render_sequence(rng, cfg: SequenceDataConfig, kind: str, face: bool) -> dict:
    import cv2

    for _ in range(20):  # the first frame starts the tracker: its target must be in full view
        scene = Scene(rng, cfg, kind, face)
        frames = scene.render()
        first = next(frames)
        if first[1].sum() > 50 and first[2].sum() >= 0.97 * first[1].sum() and mask_box(first[1])[2] < cfg.width:
            break
    jpegs, boxes, polygons, masks, tags = [], [], [], [], {t: [] for t in TAGS}
    visibility, cameras = [], [scene.camera]
    for frame, whole, visible, frame_tags in itertools.chain([first], frames):
        cameras.append(scene.camera)
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        jpegs.append(data.tobytes())
        boxes.append(mask_box(whole))
        polygons.append(mask_polygon(whole))
        masks.append(visible)
        visibility.append(float(visible.sum() / whole.sum()) if whole.any() else 0.0)
        for t in TAGS:
            tags[t].append(bool(frame_tags[t]))
    return {"jpegs": jpegs, "boxes": np.array(boxes), "polygons": np.array(polygons), "masks": masks,
            "tags": {t: np.array(v) for t, v in tags.items()}, "visibility": visibility, "kind": kind,
            "target": "face" if face else "shape", "frames": scene.n, "cameras": cameras[1:]}


def build_sequences_dataset(out: str | Path, cfg: SequenceDataConfig) -> dict:
    """Renders the train and test sequences and writes them atomically under `out`."""
    from tqdm import tqdm

    cfg.check()
    root = np.random.default_rng(cfg.seed)
    plan = [("train", i, KINDS[int(root.integers(3))]) for i in range(cfg.train_sequences)]
    plan += [("test", i, KINDS[i % 3]) for i in range(cfg.test_sequences)]
    faces = root.random(len(plan)) < cfg.face_share
    meta, splits = {}, {"train": [], "val": []}
    frames = 0
    with building_dir(out) as tmp:
        for (split, i, kind), face, seed in tqdm(zip(plan, faces, root.integers(0, 2**31, len(plan))),
                                                 total=len(plan), desc="sequences", unit="seq", mininterval=2):
            name = f"{split}-{i:03d}-{kind}"
            seq = render_sequence(np.random.default_rng(int(seed)), cfg, kind, bool(face))
            write_davis_sequence(tmp / "davis", name, seq["jpegs"], seq["masks"])
            splits["train" if split == "train" else "val"].append(name)
            if split == "test":
                write_vot_sequence(tmp / "vot", name, seq["jpegs"], seq["polygons"], seq["tags"])
                write_otb_sequence(tmp / "otb", name, seq["jpegs"], seq["boxes"])
            frames += seq["frames"]
            meta[name] = {"split": split, "kind": kind, "target": seq["target"], "frames": seq["frames"],
                          "hard_frames": {t: int(v.sum()) for t, v in seq["tags"].items()},
                          "min_visibility": round(min(seq["visibility"]), 3)}
        write_davis_splits(tmp / "davis", splits)
        (tmp / "vot" / "list.txt").write_text("".join(n + "\n" for n in splits["val"]))
        (tmp / "sequences.json").write_text(json.dumps(meta, indent=1))
    print(f"{cfg.train_sequences} train sequences (DAVIS) and {cfg.test_sequences} test sequences (VOT, OTB, DAVIS "
          f"val), {frames} frames at {cfg.width}x{cfg.height}", flush=True)
    return {"images": len(plan), "frames": frames}
