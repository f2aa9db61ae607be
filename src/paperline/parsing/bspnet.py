"""Face parsing with BSPNet / BASS (LaPa, arXiv:1905.04830): a small pure-torch encoder-decoder with
the paper's three branches, and the same network without the boundary branch for comparison.

Branches (spec B3, from the AAAI abstract and Fig. 4 caption; the body was not readable):
  semantic            11-class logits S1 from the decoder's features;
  boundary-aware      1-channel boundary logit B̂ (boundary = a 3×3 neighbourhood holds another label);
  boundary-attention  11-class logits S3 from the concatenated features of the other two.
Loss L = CE(S1, y) + λ_b·WBCE(B̂, B) + λ_ba·mean_p (1 + α·B(p))·CE(S3_p, y_p), λ_b = λ_ba = α = 1, the
BCE's positive weight N_neg / N_pos per batch; prediction = argmax S3. Without the boundary branch
(`boundary=False`) the network is the semantic branch alone trained with CE, predicting argmax S1.
The backbone is ours (a four-level U-Net, `width` channels at the top, doubling per level) instead
of the paper's ResNet-101: it trains on two CPU cores in minutes.
Augmentations: flip (swapping left/right classes and points), rotation ±30°, scale 0.75-1.25.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperline.core.checkpoint import model_factory
from paperline.core.loop import OneCycleTrainer, run_epochs
from paperline.faceimage.augment import augment
from paperline.parsing.config import ParsingConfig
from paperline.parsing.metrics import NUM_CLASSES, boundary


def _conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class BSPNet(nn.Module):
    def __init__(self, width: int = 16, boundary_branch: bool = True):
        super().__init__()
        w = [width, 2 * width, 4 * width, 8 * width]
        self.boundary_branch = boundary_branch
        self.enc = nn.ModuleList([_conv(3, w[0]), _conv(w[0], w[1]), _conv(w[1], w[2]), _conv(w[2], w[3])])
        self.up = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 2, 2) for i in range(3)])
        self.dec = nn.ModuleList([_conv(2 * w[i], w[i]) for i in range(3)])
        self.sem_feat = _conv(w[0], w[0])
        self.semantic = nn.Conv2d(w[0], NUM_CLASSES, 1)
        if boundary_branch:
            self.bnd_feat = _conv(w[0], w[0])
            self.boundary = nn.Conv2d(w[0], 1, 1)
            self.attention = nn.Sequential(_conv(2 * w[0], w[0]), nn.Conv2d(w[0], NUM_CLASSES, 1))

    def forward(self, x):
        skips = []
        for i, enc in enumerate(self.enc):
            x = enc(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for i in (2, 1, 0):
            x = self.dec[i](torch.cat([self.up[i](x), skips[i]], 1))
        fs = self.sem_feat(x)
        out = {"semantic": self.semantic(fs)}
        if self.boundary_branch:
            fb = self.bnd_feat(x)
            out["boundary"] = self.boundary(fb)[:, 0]
            out["attention"] = self.attention(torch.cat([fs, fb], 1))
        return out

    @torch.no_grad()
    def predict(self, x) -> torch.Tensor:
        out = self(x)
        return out["attention" if self.boundary_branch else "semantic"].argmax(1)


def class_weights(labels: np.ndarray, gamma: float) -> np.ndarray | None:
    """(median frequency / frequency)^γ per class over the training labels (SegNet's median-frequency
    balancing at γ = 1): the eyes, brows and lips are each under 1 % of the pixels, and unweighted CE
    learns them last (measured: all at F1 0 after the CPU default's 12 epochs). None at γ = 0; an
    absent class gets weight 1."""
    if gamma == 0:
        return None
    freq = np.bincount(labels.ravel(), minlength=NUM_CLASSES).astype(np.float64)
    freq /= freq.sum()
    present = freq > 0
    w = np.ones(NUM_CLASSES)
    w[present] = (np.median(freq[present]) / freq[present]) ** gamma
    return w.astype(np.float32)


def bass_loss(out: dict, y: torch.Tensor, b: torch.Tensor, cfg: ParsingConfig,
              weight: torch.Tensor | None = None) -> tuple[torch.Tensor, dict]:
    """The BASS loss (module docstring), its CE terms weighted per class by `weight` (class_weights)
    where given; with no boundary branch, CE on the semantic logits."""
    ce = F.cross_entropy(out["semantic"], y, weight=weight)
    if "boundary" not in out:
        return ce, {"ce": ce.item()}
    bf = b.float()
    pos = bf.sum().clamp(min=1.0)
    wbce = F.binary_cross_entropy_with_logits(out["boundary"], bf, pos_weight=(bf.numel() - pos) / pos)
    att = F.cross_entropy(out["attention"], y, weight=weight, reduction="none") * (1 + cfg.alpha * bf)
    # weighted like F.cross_entropy's own mean: divided by the pixels' weights, not their count
    att = att.sum() / (weight[y].sum() if weight is not None else y.numel())
    loss = ce + cfg.lambda_b * wbce + cfg.lambda_ba * att
    return loss, {"ce": ce.item(), "boundary_bce": wbce.item(), "attention_ce": att.item()}


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    return (torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() - 127.5) / 128.0


@model_factory
def bspnet(config: dict) -> BSPNet:
    """The network a parsing model file rebuilds (config: the ParsingConfig it was trained with)."""
    model = BSPNet(config["width"], config["boundary"])
    model.config = dict(config)
    return model


class ParsingTrainer(OneCycleTrainer):
    """One epoch of BSPNet (the epoch loop is paperline.core.loop). images (N,S,S,3) uint8, labels
    (N,S,S) class ids; landmarks travel with the flips (unused by the loss, kept so augmentation is
    the one shared function)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, landmarks: np.ndarray, cfg: ParsingConfig):
        cfg.check()
        self.images, self.labels, self.landmarks = images, labels, landmarks
        super().__init__(lambda: bspnet(asdict(cfg)), cfg, len(images))
        w = class_weights(labels, cfg.class_balance)
        self.weight = torch.from_numpy(w).to(self.device) if w is not None else None

    def train_epoch(self, epoch: int, progress) -> dict:
        cfg, model = self.cfg, self.model
        model.train()
        order = self.rng.permutation(len(self.images))
        sums = {}
        for k in range(self.steps_per_epoch):
            idx = order[k * cfg.batch_size:(k + 1) * cfg.batch_size]
            xs, ys = self.images[idx], self.labels[idx]
            if cfg.augment:
                out = [augment(self.rng, x, y, p) for x, y, p in zip(xs, ys, self.landmarks[idx])]
                xs, ys = np.stack([o[0] for o in out]), np.stack([o[1] for o in out])
            b = torch.from_numpy(np.stack([boundary(y) for y in ys])).to(self.device)
            x, y = _to_tensor(xs).to(self.device), torch.from_numpy(ys.astype(np.int64)).to(self.device)
            loss, parts = bass_loss(model(x), y, b, cfg, self.weight)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at epoch {epoch + 1}; lower lr")
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            for name, v in {"loss": loss.item(), **parts}.items():
                sums[name] = sums.get(name, 0.0) + v
            progress(loss=loss.item())
        return {**{k: v / self.steps_per_epoch for k, v in sums.items()},
                "images": self.steps_per_epoch * cfg.batch_size}


def train_parsing(images: np.ndarray, labels: np.ndarray, landmarks: np.ndarray, cfg: ParsingConfig, on_epoch=None,
                  work_dir=None, resume: bool = True, validate=None):
    """Trains BSPNet; returns (model on CPU, history). With `work_dir` every epoch is checkpointed
    there and a restarted run resumes. `validate(model)` runs after each epoch, outside the timed
    training; its numbers join the epoch's record (the benchmark's F1-against-minutes curve)."""
    trainer = ParsingTrainer(images, labels, landmarks, cfg)

    def after_epoch() -> dict:
        out = validate(trainer.model)
        trainer.model.train()
        return out

    def line(rec: dict) -> str:
        return f"epoch {rec['epoch']}: loss {rec['loss']:.4f} {rec['images_per_second']:.0f} img/s"

    history = run_epochs(trainer, cfg.epochs, asdict(cfg), work_dir, resume, on_epoch,
                         after_epoch if validate else None, line=line)
    return trainer.model.cpu().eval(), history


def predict_labels(model: BSPNet, images: np.ndarray, batch: int = 32) -> np.ndarray:
    model.eval()
    return np.concatenate([model.predict(_to_tensor(images[i:i + batch])).numpy().astype(np.uint8)
                           for i in range(0, len(images), batch)])
