"""The tracking step's scale search and look-alike filter, on a matcher whose response is known: the
score of a cell is how well the exemplar matches the search crop there (sum of squared differences),
laid out as the network's response is (one cell per 4 crop pixels)."""

import numpy as np
import pytest
import torch

from paperline.tracker.config import TrackerConfig
from paperline.tracker.siamese import SiameseTracker
from paperline.tracker.train import tracking_settings

E, I, M = 31, 63, 15  # noqa: E741 - the network's exemplar and instance sides


class Matcher:
    """SiamMaskNet's calling convention with a template-matching response and a mask that covers the window."""
    mask_size = M
    config = {"exemplar": E, "instance": I}

    def eval(self):
        return self

    def template(self, z):
        return z / 255.0

    def respond(self, kernel, x):
        x = x / 255.0
        b = x.shape[0]
        zz = (kernel ** 2).sum((1, 2, 3))
        xx = torch.nn.functional.conv2d(x ** 2, torch.ones(1, 3, E, E))[:, 0]
        xz = torch.stack([torch.nn.functional.conv2d(x[i:i + 1], kernel[i:i + 1])[0, 0] for i in range(b)])
        ssd = (xx - 2 * xz + zz[:, None, None])[:, ::4, ::4] / (3 * E * E)
        score = 8 - 400 * ssd  # logits: a perfect match scores sigmoid(8)
        return score, torch.full((b, M * M, *score.shape[1:]), 10.0)


def _patch(seed: int = 1, side: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (side // 4, side // 4, 3)).astype(np.uint8)
    return np.kron(small, np.ones((4, 4, 1), np.uint8))


def _scene(seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(60, 200, (240, 320, 3)).astype(np.uint8), (0, 0), 3)


def _paste(frame: np.ndarray, patch: np.ndarray, cx: float, cy: float, side: float) -> None:
    import cv2

    s = int(round(side))
    p = cv2.resize(patch, (s, s), interpolation=cv2.INTER_NEAREST)
    x0, y0 = int(round(cx - s / 2)), int(round(cy - s / 2))
    frame[y0:y0 + s, x0:x0 + s] = p


def _tracker(**settings) -> SiameseTracker:
    return SiameseTracker(Matcher(), {**tracking_settings(TrackerConfig()), **settings}, camera=False,
                          kalman=True, dynamic=False)


def test_the_scale_search_follows_a_growing_target_that_a_fixed_size_loses():
    patch, scene = _patch(), _scene()
    sizes = 32 * 1.015 ** np.arange(31)  # +56 % over 30 frames
    frames = []
    for side in sizes:
        f = scene.copy()
        _paste(f, patch, 160, 120, side)
        frames.append(f)
    errors = {}
    for scales in (1, 3):
        t = _tracker(scales=scales)
        t.init(frames[0], [160 - 16, 120 - 16, 32, 32])
        for f in frames[1:]:
            box = t.update(f)
        errors[scales] = abs(np.log(np.sqrt(box[2] * box[3]) / sizes[-1]))
    assert errors[3] < 0.1 and errors[1] > 0.3, errors


@pytest.mark.parametrize("watch", [0.5, 0.0])
def test_a_look_alike_crossing_in_front_is_followed_apart_and_the_target_kept(watch):
    patch, scene = _patch(), _scene()
    target = np.array([160.0, 120.0])
    boxes = []
    t = _tracker(distractor=watch, scales=1)
    for k in range(60):
        f = scene.copy()
        _paste(f, patch, *target, 32)
        _paste(f, patch, 100 + 2.0 * k, 120, 32)  # the same patch, passing in front from the left
        if k == 0:
            t.init(f, [target[0] - 16, target[1] - 16, 32, 32])
            continue
        boxes.append(t.update(f))
    end = boxes[-1][:2] + boxes[-1][2:] / 2
    if watch:
        assert np.linalg.norm(end - target) < 4, end
    else:  # without the look-alike's filter the plain gate is dragged along: the test can fail
        assert np.linalg.norm(end - target) > 16, end
