"""Training the Siamese network on frame pairs of the training sequences (DAVIS train split).

A pair is an exemplar around the target in one frame and a search crop from a frame up to
`max_gap` later, centred near the target with a random shift and scale. The score target is 1 on
the cells within one cell of the target's true displacement and 0 elsewhere (SiamFC's balanced
logistic loss); the mask target is the visible mask in
the exemplar-sized window of the cell nearest that displacement. A fifth of the pairs are negatives
(a search crop from another sequence, or a target hidden behind an occluder), whose score target is
zero everywhere: the peak score is then a usable "is it there" signal, which PTS's occlusion
handling reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from paperline.core.checkpoint import save_model
from paperline.core.errors import DataError
from paperline.core.loop import OneCycleTrainer, run_epochs
from paperline.tracker.config import TrackerConfig
from paperline.tracker.crops import crop, exemplar_side, to_tensor
from paperline.tracker.model import STRIDE, SiamMaskNet, cell_offset, response_size, siammask
from paperline.tracker.sequences import read_davis

NEGATIVE_SHARE = 0.2


@dataclass
class Clip:
    frames: list[np.ndarray]
    masks: list[np.ndarray]
    boxes: np.ndarray
    areas: np.ndarray


def load_clips(davis_root: str | Path, split: str) -> list[Clip]:
    """The frames and visible masks of a DAVIS split, in memory (the embedded set: about 0.6 GB)."""
    clips = []
    for seq in read_davis(davis_root, split):
        frames = [seq.frame(i) for i in range(len(seq))]
        masks = [seq.mask(i, frames[i].shape[:2]) for i in range(len(seq))]
        areas = np.array([m.sum() for m in masks], float)
        clips.append(Clip(frames, masks, seq.boxes, areas))
    if not clips:
        raise DataError(f"{davis_root}: the DAVIS {split} split lists no sequence to train on")
    return clips


class PairSampler:
    def __init__(self, clips: list[Clip], cfg: TrackerConfig):
        self.clips, self.cfg = clips, cfg
        self.S = response_size(cfg.instance, cfg.exemplar)
        self.starts = [np.flatnonzero(c.areas >= 30) for c in clips]
        if not any(len(s) for s in self.starts):
            raise DataError("no training frame shows the target (every mask is empty or tiny)")

    def pair(self, rng: np.random.Generator):
        cfg, E, I = self.cfg, self.cfg.exemplar, self.cfg.instance  # noqa: E741 - the papers' names
        k = int(rng.choice([i for i, s in enumerate(self.starts) if len(s)]))
        clip = self.clips[k]
        i = int(rng.choice(self.starts[k]))
        j = int(np.clip(i + rng.integers(-cfg.max_gap, cfg.max_gap + 1), 0, len(clip.frames) - 1))
        x, y, w, h = clip.boxes[i]
        s_z = exemplar_side(w, h, cfg.context)
        z = crop(clip.frames[i], (x + w / 2, y + h / 2), s_z, E)
        s_x = s_z * I / E * float(np.exp(rng.uniform(-0.15, 0.15)))
        scale = I / s_x
        negative = rng.random() < NEGATIVE_SHARE
        src = clip
        if negative and len(self.clips) > 1:
            src = self.clips[int((k + rng.integers(1, len(self.clips))) % len(self.clips))]
            j = int(rng.integers(len(src.frames)))
        visible = not negative and clip.areas[j] >= 0.3 * clip.areas[i] and np.all(np.isfinite(clip.boxes[j]))
        if visible:
            bx, by, bw, bh = clip.boxes[j]
            truth = np.array([bx + bw / 2, by + bh / 2])
        else:
            truth = np.array([src.frames[j].shape[1] / 2, src.frames[j].shape[0] / 2]) if negative else \
                np.array([x + w / 2, y + h / 2])
        reach = STRIDE * (self.S - 1) / 2 * 0.8 / scale
        center = truth + rng.uniform(-reach, reach, 2)
        xc = crop(src.frames[j], center, s_x, I)
        label = np.zeros((self.S, self.S), np.float32)
        mask_target, cell = None, None
        if visible:
            d = (truth - center) * scale  # search-crop pixels from the crop centre
            grid = cell_offset(np.arange(self.S), I, E)
            gx, gy = np.meshgrid(grid, grid)
            dist2 = (gx - d[0]) ** 2 + (gy - d[1]) ** 2
            label = (dist2 <= STRIDE ** 2).astype(np.float32)
            cell = np.unravel_index(int(dist2.argmin()), dist2.shape)
            label[cell] = 1.0
            at = center + np.array([grid[cell[1]], grid[cell[0]]]) / scale
            mask_target = crop(src.masks[j].astype(np.float32), at, E / scale, cfg.mask_size, border=0.0)
        if rng.random() < 0.5:  # flip both views
            z, xc, label = z[:, ::-1], xc[:, ::-1], label[:, ::-1]
            if cell is not None:
                cell = (cell[0], self.S - 1 - cell[1])
                mask_target = mask_target[:, ::-1]
        gain = rng.uniform(0.8, 1.2, 3).astype(np.float32)
        return z * gain, np.clip(xc * gain, 0, 255), label.copy(), cell, mask_target

    def batch(self, rng: np.random.Generator, n: int):
        zs, xs, labels, cells, masks = zip(*(self.pair(rng) for _ in range(n)))
        pos = [b for b, c in enumerate(cells) if c is not None]
        return (to_tensor(list(zs)), to_tensor(list(xs)), torch.from_numpy(np.stack(labels)),
                pos, [cells[b] for b in pos], torch.from_numpy(np.stack([masks[b] for b in pos])) if pos else None)


def pair_loss(model: SiamMaskNet, batch, cfg: TrackerConfig, device) -> tuple[torch.Tensor, dict]:
    z, x, label, pos, cells, masks = batch
    score, mask = model(z.to(device), x.to(device))
    label = label.to(device)
    pos_n = label.flatten(1).sum(1, keepdim=True).clamp(min=1)
    neg_n = (1 - label).flatten(1).sum(1, keepdim=True)
    has_pos = (label.flatten(1).sum(1, keepdim=True) > 0).float()
    # SiamFC's balanced logistic loss: positives and negatives weigh half each in a pair
    weight = torch.where(label.flatten(1) > 0, 0.5 / pos_n, (1 - 0.5 * has_pos) / neg_n).reshape(label.shape)
    loss_score = (F.binary_cross_entropy_with_logits(score, label, reduction="none") * weight).sum() / len(label)
    loss = loss_score
    out = {"score_loss": loss_score.item()}
    if pos:
        idx = torch.tensor(pos)
        rows, cols = torch.tensor([c[0] for c in cells]), torch.tensor([c[1] for c in cells])
        logits = mask[idx, :, rows, cols].reshape(len(pos), cfg.mask_size, cfg.mask_size)
        loss_mask = F.binary_cross_entropy_with_logits(logits, (masks > 0.5).float().to(device))
        loss = loss + cfg.mask_weight * loss_mask
        out["mask_loss"] = loss_mask.item()
    return loss, out


class SiameseTrainer(OneCycleTrainer):
    def __init__(self, clips: list[Clip], cfg: TrackerConfig):
        super().__init__(lambda: SiamMaskNet(cfg.channels, cfg.mask_size, cfg.exemplar, cfg.instance), cfg,
                         cfg.pairs)
        self.sampler = PairSampler(clips, cfg)

    def train_epoch(self, epoch: int, progress) -> dict:
        self.model.train()
        totals = {"loss": 0.0, "score_loss": 0.0, "mask_loss": 0.0}
        for _ in range(self.steps_per_epoch):
            loss, parts = pair_loss(self.model, self.sampler.batch(self.rng, self.cfg.batch_size), self.cfg,
                                    self.device)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            totals["loss"] += loss.item()
            for k, v in parts.items():
                totals[k] += v
            progress(loss=loss.item())
        n = self.steps_per_epoch
        return {**{k: v / n for k, v in totals.items()}, "images": n * self.cfg.batch_size}


@torch.inference_mode()
def peak_hit_rate(model: SiamMaskNet, sampler: PairSampler, pairs: int, seed: int) -> float:
    """Share of held-out positive pairs whose score peak lies within one cell of the truth."""
    model.eval()
    rng = np.random.default_rng(seed)
    hits = n = 0
    while n < pairs:
        z, x, label, pos, cells, _ = sampler.batch(rng, 32)
        if not pos:
            continue
        score = model(z, x)[0][pos]
        flat = score.reshape(len(pos), -1).argmax(1)
        for (r, c), f in zip(cells, flat.tolist()):
            hits += abs(f // score.shape[-1] - r) <= 1 and abs(f % score.shape[-1] - c) <= 1
            n += 1
    return hits / n


def tracking_settings(cfg: TrackerConfig) -> dict:
    """The tracker's settings that travel with the network in its model file."""
    keys = ("context", "window_influence", "scales", "scale_step", "scale_penalty", "scale_lr", "size_lr",
            "mask_threshold", "occlusion_ratio", "coast_frames", "distractor", "gate", "kappa", "max_growth",
            "min_inliers")
    return {k: getattr(cfg, k) for k in keys}


def train(davis_root: str | Path, cfg: TrackerConfig, model_path: str | Path, work_dir: str | Path,
          on_epoch=None) -> tuple[SiamMaskNet, list[dict]]:
    from dataclasses import asdict

    cfg.check()
    clips = load_clips(davis_root, "train")
    trainer = SiameseTrainer(clips, cfg)
    held_out = PairSampler(load_clips(davis_root, "val"), cfg)
    history = run_epochs(trainer, cfg.epochs, asdict(cfg), work_dir, on_epoch=on_epoch,
                         after_epoch=lambda: {"peak_hit_rate": peak_hit_rate(trainer.model, held_out, 256, cfg.seed)},
                         desc="siamese", per_epoch_bar=False)
    model = trainer.model.cpu().eval()
    model.config["tracking"] = tracking_settings(cfg)
    save_model(model, model_path, siammask)
    return model, history
