"""106-point landmark model (JD-landmark): a small pure-torch CNN with pixel-in-pixel (PIP) heads.

Why PIP (Jin et al., PIPNet 2021) rather than plain regression or full heatmaps: at stride 8 the
network scores, for each landmark, every cell of a 16×16 grid (a 128×128 input) and regresses the
point's offset inside each cell. The cell choice keeps a heatmap's robustness to large poses, the
offset gives sub-pixel precision without upsampling to full-resolution heatmaps, and the heads are
three 1×1 convolutions — cheap on a CPU. Loss: cross-entropy over the cells per landmark plus L1 on
the offsets at the true cell. Prediction: the argmax cell plus its offset.

Input: the square crop around the face box (JD's `rect` file; the landmarks' box where a set has
none), resized to `input_size`; predictions are mapped back to the original image before scoring.
Augmentations while training: flip (swapping left/right points), rotation ±30°, scale 0.75-1.25,
shift ±5 %.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from paperline.core.checkpoint import model_factory
from paperline.core.digest import read_file
from paperline.core.errors import ConfigError, DataError
from paperline.core.loop import OneCycleTrainer, run_epochs
from paperline.faceimage.augment import apply_points, augment, box_to_crop, invert, warp
from paperline.faceimage.formats import read_image, read_landmarks
from paperline.faceimage.layouts import Item, read_jd_split, read_lapa_split, read_rect
from paperline.landmarks.config import LandmarkConfig

POINTS = 106


def config_of(model) -> LandmarkConfig:
    """The config a trained model was made with (kept on the model by `train_landmarks`)."""
    fields = LandmarkConfig.__dataclass_fields__
    return LandmarkConfig(**{k: v for k, v in getattr(model, "config", {}).items() if k in fields})


def _block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PIPNet(nn.Module):
    """Stride-8 CNN; heads: cell scores (B,106,G,G) and x/y offsets in cells (B,106,G,G) each."""

    stride = 8

    def __init__(self, width: int = 32, input_size: int = 128):
        super().__init__()
        self.input_size = input_size
        w = width
        self.features = nn.Sequential(_block(3, w, 2), _block(w, 2 * w, 2), _block(2 * w, 4 * w, 2),
                                      _block(4 * w, 4 * w, 1))
        self.score = nn.Conv2d(4 * w, POINTS, 1)
        self.offset = nn.Conv2d(4 * w, 2 * POINTS, 1)

    def forward(self, x):
        f = self.features(x)
        off = self.offset(f)
        return self.score(f), off[:, :POINTS], off[:, POINTS:]

    @torch.no_grad()
    def predict(self, x) -> torch.Tensor:
        """(B,3,S,S) normalised crops -> (B,106,2) points in crop pixels."""
        score, ox, oy = self(x)
        b, n, g, _ = score.shape
        cell = score.flatten(2).argmax(2)
        cy, cx = cell // g, cell % g
        take = lambda t: t.flatten(2).gather(2, cell[..., None])[..., 0]  # noqa: E731
        return torch.stack([(cx + take(ox)) * self.stride, (cy + take(oy)) * self.stride], 2)


def pip_loss(score, ox, oy, target: torch.Tensor, stride: int, offset_weight: float):
    """target (B,106,2) in crop pixels; points outside the grid are clamped to its border cell."""
    b, n, g, _ = score.shape
    cells = (target / stride).clamp(0, g - 1e-4)
    ci = cells.floor().long()
    idx = ci[..., 1] * g + ci[..., 0]
    ce = F.cross_entropy(score.flatten(2).reshape(b * n, g * g), idx.reshape(-1))
    frac = cells - ci.float()
    take = lambda t: t.flatten(2).gather(2, idx[..., None])[..., 0]  # noqa: E731
    l1 = (take(ox) - frac[..., 0]).abs().mean() + (take(oy) - frac[..., 1]).abs().mean()
    return ce + offset_weight * l1, ce, l1


def load_items(root: str | Path, layout: str, split: str) -> list[Item]:
    if layout == "jd":
        return read_jd_split(root, split)
    if layout == "lapa":
        return read_lapa_split(root, split)
    raise ConfigError(f"unknown layout {layout!r}; use jd or lapa")


def face_box(item: Item, pts: np.ndarray | None = None, read=None) -> np.ndarray:
    """The detector box of a JD item; a LaPa item has none, so its landmarks' box (ground truth)."""
    if item.rect is not None:
        return read_rect(item.rect, read(item.rect) if read else None).astype(np.float64)
    if pts is None:
        raise DataError(f"{item.image}: no face box and no landmarks to take one from")
    return np.concatenate([pts.min(0), pts.max(0)])


def load_crops(items: list[Item], cfg: LandmarkConfig, desc: str = "loading", read=None):
    """Crops (N,S,S,3) uint8, ground-truth points in crop pixels (N,106,2), the crop matrices, and the
    points in the original images. `read(path) -> bytes` reads each file (an evaluation hashes them
    as it reads: paperline.core.digest)."""
    read = read or read_file
    crops, pts_c, mats, pts_o = [], [], [], []
    for it in tqdm(items, desc=desc, unit="img", mininterval=2):
        img = read_image(it.image, data=read(it.image))
        pts = read_landmarks(it.landmarks, data=read(it.landmarks))
        m = box_to_crop(face_box(it, pts, read), cfg.input_size, cfg.crop_margin)
        crop, _, p = warp(m, cfg.input_size, img, None, pts)
        crops.append(crop)
        pts_c.append(p)
        mats.append(m)
        pts_o.append(pts)
    return np.stack(crops), np.stack(pts_c), np.stack(mats), np.stack(pts_o)


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    return (torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() - 127.5) / 128.0


@model_factory
def pipnet(config: dict) -> PIPNet:
    """The network a landmark model file rebuilds (config: the LandmarkConfig it was trained with)."""
    model = PIPNet(config["width"], config["input_size"])
    model.config = dict(config)
    return model


class LandmarkTrainer(OneCycleTrainer):
    """One epoch of PIPNet on cropped faces (the epoch loop is paperline.core.loop)."""

    def __init__(self, crops: np.ndarray, pts: np.ndarray, cfg: LandmarkConfig):
        cfg.check()
        self.crops, self.pts = crops, pts
        super().__init__(lambda: pipnet(asdict(cfg)), cfg, len(crops))

    def train_epoch(self, epoch: int, progress) -> dict:
        cfg, model = self.cfg, self.model
        model.train()
        order = self.rng.permutation(len(self.crops))
        sums = np.zeros(3)
        for b in range(self.steps_per_epoch):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            xs, ps = self.crops[idx], self.pts[idx]
            if cfg.augment:
                out = [augment(self.rng, x, None, p) for x, p in zip(xs, ps)]
                xs, ps = np.stack([o[0] for o in out]), np.stack([o[2] for o in out])
            x = _to_tensor(xs).to(self.device)
            y = torch.from_numpy(ps).float().to(self.device)
            loss, ce, l1 = pip_loss(*model(x), y, model.stride, cfg.offset_weight)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at epoch {epoch + 1}; lower lr")
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            sums += [loss.item(), ce.item(), l1.item()]
            progress(loss=loss.item())
        n = self.steps_per_epoch
        return {"loss": sums[0] / n, "cell_ce": sums[1] / n, "offset_l1": sums[2] / n,
                "images": n * cfg.batch_size}


def train_landmarks(crops: np.ndarray, pts: np.ndarray, cfg: LandmarkConfig, on_epoch=None, work_dir=None,
                    resume: bool = True):
    """Trains PIPNet on cropped faces; returns (model on CPU, history). With `work_dir` every epoch
    is checkpointed there and a restarted run resumes."""
    trainer = LandmarkTrainer(crops, pts, cfg)

    def line(rec: dict) -> str:
        return (f"epoch {rec['epoch']}: loss {rec['loss']:.4f} (cells {rec['cell_ce']:.3f}, offsets "
                f"{rec['offset_l1']:.3f}) {rec['images_per_second']:.0f} img/s")

    history = run_epochs(trainer, cfg.epochs, asdict(cfg), work_dir, resume, on_epoch, line=line)
    return trainer.model.cpu().eval(), history


def predict_original(model: PIPNet, crops: np.ndarray, mats: np.ndarray, batch: int = 128) -> np.ndarray:
    """Points predicted on the crops, mapped back into each original image."""
    model.eval()
    out = []
    for i in range(0, len(crops), batch):
        out.append(model.predict(_to_tensor(crops[i:i + batch])).numpy())
    pred = np.concatenate(out).astype(np.float64)
    return np.stack([apply_points(invert(m), p) for m, p in zip(mats, pred)])
