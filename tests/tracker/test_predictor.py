"""PTS's prediction: the camera homography against the generator's true camera, the Kalman filter."""

import numpy as np

from paperline.tracker.predictor import BoxKalman, apply_homography, camera_motion, to_gray


def test_camera_motion_recovers_the_true_camera():
    import cv2

    from paperline.tracker.config import SequenceDataConfig
    from paperline.tracker.generator import render_sequence

    errors = []
    for k, kind in enumerate(("clean", "occlusion", "distractor")):
        seq = render_sequence(np.random.default_rng(10 + k), SequenceDataConfig(frames="40,40"), kind, k == 1)
        frames = [to_gray(cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR)) for j in seq["jpegs"]]
        cams = [np.vstack([a, [0, 0, 1]]) for a in seq["cameras"]]
        for t in range(1, len(frames)):
            true = cams[t] @ np.linalg.inv(cams[t - 1])
            H = camera_motion(frames[t - 1], frames[t], seq["boxes"][t - 1])
            H = np.eye(3) if H is None else H
            errors.append(max(np.linalg.norm(apply_homography(H, p) - apply_homography(true, p))
                              for p in [(160, 120), (40, 30), (280, 210)]))
    assert np.mean(np.array(errors) <= 0.5) >= 0.95, np.percentile(errors, [50, 90, 99])


def test_kalman_learns_a_constant_velocity_and_follows_the_camera():
    kf = BoxKalman([100, 100, 20, 30])
    for t in range(1, 30):
        kf.predict()
        kf.update([100 + 3 * t, 100 - t, 20, 30])
    kf.predict()
    assert np.allclose(kf.center, [110 + 3 * 30, 115 - 30], atol=0.5)
    before = kf.position_std()
    for _ in range(10):
        kf.predict()  # coasting: the prediction grows uncertain
    assert kf.position_std() > 2 * before
    shift = np.array([[1, 0, -7.0], [0, 1, 4.0], [0, 0, 1]])
    c = kf.center
    kf.warp(shift)
    assert np.allclose(kf.center, c + [-7, 4])
