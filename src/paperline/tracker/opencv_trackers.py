"""OpenCV's trackers as baselines: CSRT, KCF and MIL (`cv2.Tracker*`) and MOSSE (`cv2.legacy`).

They come with opencv-contrib (`make install` lays opencv-contrib-python-headless over the headless
wheel that rapidocr pulls in; both are the same OpenCV release). They give boxes, no masks.
"""

from __future__ import annotations

import numpy as np

from paperline.core.errors import ConfigError


def create(name: str):
    import cv2

    makers = {"csrt": lambda: cv2.TrackerCSRT.create(), "kcf": lambda: cv2.TrackerKCF.create(),
              "mil": lambda: cv2.TrackerMIL.create(), "mosse": lambda: cv2.legacy.TrackerMOSSE_create()}
    try:
        return makers[name]()
    except AttributeError:
        raise ConfigError(f"OpenCV tracker {name.upper()} is missing: this cv2 ({cv2.__version__}) has no contrib "
                          "trackers; install opencv-contrib-python-headless of the same release (make install "
                          "does)") from None


class OpenCVTracker:
    masks = False

    def __init__(self, name: str):
        self.name = name
        self.last_mask = None

    def init(self, frame: np.ndarray, box) -> None:
        self.tracker = create(self.name)
        x, y, w, h = (float(v) for v in box)
        self.box = np.array([x, y, w, h])
        self.tracker.init(frame, (int(round(x)), int(round(y)), max(1, int(round(w))), max(1, int(round(h)))))

    def update(self, frame: np.ndarray) -> np.ndarray:
        ok, box = self.tracker.update(frame)
        if ok:  # a tracker that reports a loss keeps its last box: the protocol judges it by overlap
            self.box = np.array(box, float)
        return self.box.copy()
