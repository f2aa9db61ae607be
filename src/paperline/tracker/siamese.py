"""The Siamese tracker, with PTS's prediction switchable part by part.

Per frame: (1) the camera homography from the previous frame (`camera`); (2) the Kalman filter
carried through it and predicted (`kalman`), or, without the filter, the last centre carried
through the homography (camera only) or kept (SiamMask); (3) a search crop centred on that
prediction, larger when the prediction is uncertain (`dynamic`: the crop grows by
`kappa * position std / exemplar side`, at most `max_growth` times, at the same scale, so the
response map grows instead of blurring), at `scales` sizes (SiamFC's scale search: the scale of the
best peak sizes the box); (4) the response with a cosine window centred on the prediction, the peak
refined on a 4x bicubic upsampling (SiamFC); with the Kalman filter on, positions outside its
chi-square `gate` are not taken (a look-alike elsewhere), and a second strong match is followed
with a filter of its own (`distractor`): while the two cross the target's filter coasts, once apart
the look-alike's place is not taken; (5) the box: the centre half from the peak, half from the
mask's box; with the filter on, a peak below `occlusion_ratio` times the running mean of accepted
peaks counts as occlusion (a relative test: the score of a visible target drifts with its
appearance): no update, the filter coasts on its prediction for up to `coast_frames` frames.
"""

from __future__ import annotations

import numpy as np
import torch

from paperline.tracker.crops import crop, exemplar_side, paste_mask, to_tensor
from paperline.tracker.model import STRIDE, SiamMaskNet, cell_offset, response_size
from paperline.tracker.predictor import BoxKalman, apply_homography, camera_motion, to_gray

UPSAMPLE = 4
MASK_SHARE = 0.5
DISTRACTOR_MISSES = 20
"""Frames the look-alike's filter coasts without a match before it is dropped (a crossing hides one behind
the other for about 15)."""
APART = 0.75
"""A second match counts as another object from this many target sides away from the target."""
REDETECT = 0.5
"""While coasting, a match outside the gate at least this share of the running peak is taken and the
filter restarted there: a false occlusion decision on a clean sequence (a blurred frame) otherwise
coasted the filter off the target for up to `coast_frames` frames, a half-pixel change of the first
box decided whether it happened."""
"""The centre's share taken from the mask's box (SiamMask takes its whole box from the mask): a response
cell is about 8 frame pixels at these target sizes, the mask's cells about 4. On the 12 test sequences
of one set it took PTS's EAO from 0.680 to 0.705 and the plain network's from 0.622 to 0.647."""


class SiameseTracker:
    masks = True

    def __init__(self, model: SiamMaskNet, settings: dict, camera: bool = True, kalman: bool = True,
                 dynamic: bool = True):
        self.model, self.s = model.eval(), settings
        self.E, self.I = model.config["exemplar"], model.config["instance"]
        self.camera, self.kalman, self.dynamic = camera, kalman, dynamic and kalman
        self.last_mask: np.ndarray | None = None

    @torch.inference_mode()
    def init(self, frame: np.ndarray, box) -> None:
        x, y, w, h = (float(v) for v in box)
        self.center, self.size = np.array([x + w / 2, y + h / 2]), np.array([w, h])
        self.border = frame.reshape(-1, 3).mean(0)
        z = crop(frame, self.center, self._side(), self.E, self.border)
        self.kernel = self.model.template(to_tensor([z]))
        self.prev_gray = to_gray(frame) if self.camera else None
        self.kf = BoxKalman(box) if self.kalman else None
        self.coasted = 0
        self.reference = None  # the running mean of accepted peak scores
        self.distractor, self.distractor_misses = None, 0

    def _side(self) -> float:
        return exemplar_side(self.size[0], self.size[1], self.s["context"])

    def box(self) -> np.ndarray:
        return np.array([self.center[0] - self.size[0] / 2, self.center[1] - self.size[1] / 2, *self.size])

    def predict(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
        """Where to search and how uncertain that is (position std in pixels; 0 without the filter)."""
        H = None
        if self.camera:
            gray = to_gray(frame)
            H = camera_motion(self.prev_gray, gray, self.box(), self.s["min_inliers"])
            self.prev_gray = gray
        if self.distractor is not None:
            if H is not None:
                self.distractor.warp(H)
            self.distractor.predict()
        if self.kf is not None:
            if H is not None:
                self.kf.warp(H)
            self.kf.predict()
            return self.kf.center, self.kf.position_std()
        if H is not None:
            return apply_homography(H, self.center), 0.0
        return self.center.copy(), 0.0

    @torch.inference_mode()
    def update(self, frame: np.ndarray) -> np.ndarray:
        s = self.s
        center, std = self.predict(frame)
        s_z = self._side()
        instance = self.I
        if self.dynamic and std > 0:
            growth = float(np.clip(1 + s["kappa"] * std / s_z, 1, s["max_growth"]))
            instance = self.I + 2 * STRIDE * int(round((growth - 1) * self.I / (2 * STRIDE)))
        n_scales = int(s.get("scales", 1))  # model files from before the scale search have none
        factors = [s.get("scale_step", 1.0) ** k for k in range(-(n_scales // 2), n_scales // 2 + 1)]
        crops = [crop(frame, center, instance * s_z * f / self.E, instance, self.border) for f in factors]
        scores, masks = self.model.respond(self.kernel.expand(len(factors), -1, -1, -1), to_tensor(crops))
        scores = torch.sigmoid(scores).numpy()
        gated = self.kf is not None and s.get("gate", 0) > 0
        watch = gated and s.get("distractor", 0) > 0
        side = float(np.sqrt(self.size[0] * self.size[1]))
        merging = watch and self.distractor is not None and \
            np.linalg.norm(self.distractor.center - self.kf.center) < side
        maps = [self._maps(sc, instance, self.E / (s_z * f), center, gated,
                           watch and self.distractor is not None and not merging, side)
                for sc, f in zip(scores, factors)]
        penalty = [1.0 if f == 1.0 else s.get("scale_penalty", 1.0) for f in factors]
        allowed = [m[1].max() * w if np.isfinite(m[1].max()) else -np.inf for m, w in zip(maps, penalty)]
        # SiamFC's scale search: the scale with the best peak, among the places the target may be
        k = int(np.argmax(allowed)) if np.isfinite(max(allowed)) else n_scales // 2
        (big, pscore, free, offsets, cells), mask, factor = maps[k], masks[k:k + 1], factors[k]
        scale = self.E / (s_z * factor)  # crop pixels per frame pixel
        S = response_size(instance, self.E)
        r, c = np.unravel_index(int(pscore.argmax()), pscore.shape)
        redetect = False
        if gated and self.coasted and not merging and self.reference is not None and \
                big[free] >= REDETECT * self.reference and (r, c) != free:
            r, c = free  # coasting, and a strong match outside the gate: the prediction drifted, not the target
            redetect = True
        cell = (cells[r], cells[c])
        peak = float(np.clip(big[r, c], 0, 1)) if np.isfinite(pscore[r, c]) else 0.0
        found = center + np.array([offsets[c], offsets[r]])
        if redetect:
            self.kf = BoxKalman([found[0] - self.size[0] / 2, found[1] - self.size[1] / 2, *self.size])
            self.distractor, merging = None, False
        if watch:
            self._watch(big, center, offsets, found, side, merging)
        if merging and self.coasted < s["coast_frames"]:
            peak = 0.0  # the look-alike crosses the target: which one is seen is unknown, the filter coasts
        if self.reference is None:
            self.reference = peak
        if self.kf is not None and peak < s["occlusion_ratio"] * self.reference and self.coasted < s["coast_frames"]:
            self.coasted += 1
            self.center = self.kf.center
            self.size = np.clip(self.kf.size, 0.5 * self.size, 2 * self.size)
            self.last_mask = np.zeros(frame.shape[:2], bool)
            return self.box()
        self.coasted = 0
        self.reference = 0.9 * self.reference + 0.1 * peak
        ri, ci = int(round(cell[0])), int(round(cell[1]))
        m = torch.sigmoid(mask[0, :, min(ri, S - 1), min(ci, S - 1)]).numpy().reshape(self.model.mask_size, -1)
        at = center + np.array([cell_offset(ci, instance, self.E), cell_offset(ri, instance, self.E)]) / scale
        prob = paste_mask(m, at, self.E / scale, frame.shape[:2])
        self.last_mask = prob > s["mask_threshold"]
        self.center = found
        ys, xs = np.nonzero(self.last_mask)
        extent = np.array([xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], float) if len(xs) >= 4 else None
        if n_scales > 1:  # the scale search sizes the box; the mask's extent alone is the older way
            self.size = self.size * (1 + s["scale_lr"] * (factor - 1))
        # a mask much larger or smaller than the box (two look-alikes side by side, a half-hidden target)
        # says little about either: then the peak alone places the box (and, with one scale, the size stays)
        if extent is not None and np.all((extent > 0.7 * self.size) & (extent < 1.4 * self.size)):
            if n_scales == 1:
                lr = s["size_lr"] * peak
                self.size = (1 - lr) * self.size + lr * extent
            self.center = MASK_SHARE * np.array([(xs.max() + xs.min()) / 2, (ys.max() + ys.min()) / 2]) + \
                (1 - MASK_SHARE) * found
        self.center = np.clip(self.center, 0, [frame.shape[1] - 1, frame.shape[0] - 1])
        self.size = np.clip(self.size, 4, [frame.shape[1], frame.shape[0]])
        if self.kf is not None:  # a weak match pulls the filter less: its noise grows as its score falls
            self.kf.update(self.box(), noise=1 / max(peak / self.reference, 0.1))
            self.center = np.clip(self.kf.center, 0, [frame.shape[1] - 1, frame.shape[0] - 1])
        return self.box()

    def _maps(self, score: np.ndarray, instance: int, scale: float, center: np.ndarray, gated: bool,
              apart: bool, side: float):
        """One scale's response: (upsampled scores, windowed scores where the target may be, the best of
        those before the gate, frame-pixel offsets of the cells, cell coordinates)."""
        s = self.s
        S = response_size(instance, self.E)
        big, window = self._upsampled(score, S)
        pscore = big * (1 - s["window_influence"]) + window * s["window_influence"]
        n = big.shape[0]
        cells = (np.arange(n) + 0.5) * S / n - 0.5  # cv2.resize's pixel-centre mapping
        offsets = cell_offset(cells, instance, self.E) / scale  # frame pixels from the search centre
        if apart:  # the look-alike's place is not the target's
            dp = self.distractor.center
            near = (center[0] + offsets[None, :] - dp[0]) ** 2 + (center[1] + offsets[:, None] - dp[1]) ** 2
            pscore = np.where(near < (0.5 * side) ** 2, -np.inf, pscore)
        free = np.unravel_index(int(pscore.argmax()), pscore.shape)
        if gated:  # a match the prediction makes implausible (a distractor) is not taken
            pscore = np.where(self._inside_gate(center, offsets), pscore, -np.inf)
        return big, pscore, free, offsets, cells

    def _watch(self, big: np.ndarray, center: np.ndarray, offsets: np.ndarray, found: np.ndarray, side: float,
               merging: bool):
        """Follow the strongest other match (`APART` target sides or more from the target; while they cross,
        the strongest near the look-alike's prediction) with its own Kalman filter."""
        X, Y = center[0] + offsets[None, :], center[1] + offsets[:, None]
        if merging:
            dp = self.distractor.center
            apart = (X - dp[0]) ** 2 + (Y - dp[1]) ** 2 < (0.5 * side) ** 2
        else:
            apart = (X - found[0]) ** 2 + (Y - found[1]) ** 2 > (APART * side) ** 2
        other = np.where(apart, big, -np.inf)
        r, c = np.unravel_index(int(other.argmax()), other.shape)
        seen = np.isfinite(other[r, c]) and self.reference is not None and \
            other[r, c] >= self.s.get("distractor", 0.5) * self.reference
        if seen:
            at = np.array([X[0, c], Y[r, 0]])
            box = [at[0] - self.size[0] / 2, at[1] - self.size[1] / 2, *self.size]
            if self.distractor is None:
                self.distractor = BoxKalman(box)
            elif np.linalg.norm(at - self.distractor.center) < side:
                self.distractor.update(box)
            else:
                seen = False
        self.distractor_misses = 0 if seen else self.distractor_misses + 1
        if self.distractor_misses > DISTRACTOR_MISSES:
            self.distractor, self.distractor_misses = None, 0

    def _inside_gate(self, center: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Response positions whose squared Mahalanobis distance to the Kalman prediction, under the
        prediction's covariance plus the measurement noise, is within the chi-square `gate`."""
        from paperline.tracker.predictor import STD_POSITION

        cov = self.kf.cov[:2, :2] + np.eye(2) * (STD_POSITION * self.kf.mean[3]) ** 2
        inv = np.linalg.inv(cov)
        dx = center[0] + offsets[None, :] - self.kf.mean[0]
        dy = center[1] + offsets[:, None] - self.kf.mean[1]
        d2 = inv[0, 0] * dx * dx + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy
        return d2 <= self.s["gate"]

    @staticmethod
    def _upsampled(score: np.ndarray, S: int) -> tuple[np.ndarray, np.ndarray]:
        import cv2

        n = (S - 1) * UPSAMPLE + 1
        big = cv2.resize(score, (n, n), interpolation=cv2.INTER_CUBIC)
        hann = np.hanning(n + 2)[1:-1]
        return big, np.outer(hann, hann) / np.outer(hann, hann).max()
