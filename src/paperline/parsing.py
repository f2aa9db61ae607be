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

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .data.augment import augment
from .errors import ConfigError
from .metrics.parsing import NUM_CLASSES, boundary
from .train import pick_device, seed_everything


@dataclass
class ParsingConfig:
    boundary: bool = True          # BSPNet's boundary and boundary-attention branches (False: plain CE net)
    input_size: int = 128
    width: int = 16
    epochs: int = 8
    batch_size: int = 16
    lr: float = 3e-3
    weight_decay: float = 1e-4
    lambda_b: float = 1.0
    lambda_ba: float = 1.0
    alpha: float = 1.0
    augment: bool = True
    seed: int = 0
    device: str = "auto"
    threads: int = 0

    def check(self):
        if self.input_size % 16:
            raise ConfigError(f"input_size must be a multiple of 16, got {self.input_size}")
        if self.epochs < 1 or self.batch_size < 1 or self.width < 4:
            raise ConfigError("epochs and batch_size must be >= 1, width >= 4")


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


def bass_loss(out: dict, y: torch.Tensor, b: torch.Tensor, cfg: ParsingConfig) -> tuple[torch.Tensor, dict]:
    """The BASS loss (module docstring); with no boundary branch, CE on the semantic logits."""
    ce = F.cross_entropy(out["semantic"], y)
    if "boundary" not in out:
        return ce, {"ce": ce.item()}
    bf = b.float()
    pos = bf.sum().clamp(min=1.0)
    wbce = F.binary_cross_entropy_with_logits(out["boundary"], bf, pos_weight=(bf.numel() - pos) / pos)
    att = (F.cross_entropy(out["attention"], y, reduction="none") * (1 + cfg.alpha * bf)).mean()
    loss = ce + cfg.lambda_b * wbce + cfg.lambda_ba * att
    return loss, {"ce": ce.item(), "boundary_bce": wbce.item(), "attention_ce": att.item()}


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    return (torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() - 127.5) / 128.0


def train_parsing(images: np.ndarray, labels: np.ndarray, landmarks: np.ndarray, cfg: ParsingConfig, on_epoch=None):
    """images (N,S,S,3) uint8, labels (N,S,S) class ids; landmarks travel with the flips (unused by the
    loss, kept so augmentation is the one shared function). Returns (model on CPU, history)."""
    cfg.check()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    rng = np.random.default_rng(cfg.seed)
    model = BSPNet(cfg.width, cfg.boundary).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    per_epoch = max(1, len(images) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=per_epoch * cfg.epochs, pct_start=0.1)
    history = []
    for epoch in range(cfg.epochs):
        model.train()
        order = rng.permutation(len(images))
        t0, sums = time.perf_counter(), {}
        bar = tqdm(range(per_epoch), desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch", mininterval=2)
        for k in bar:
            idx = order[k * cfg.batch_size:(k + 1) * cfg.batch_size]
            xs, ys = images[idx], labels[idx]
            if cfg.augment:
                out = [augment(rng, x, y, p) for x, y, p in zip(xs, ys, landmarks[idx])]
                xs, ys = np.stack([o[0] for o in out]), np.stack([o[1] for o in out])
            b = torch.from_numpy(np.stack([boundary(y) for y in ys])).to(device)
            x, y = _to_tensor(xs).to(device), torch.from_numpy(ys.astype(np.int64)).to(device)
            loss, parts = bass_loss(model(x), y, b, cfg)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at epoch {epoch + 1}; lower lr")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            for name, v in {"loss": loss.item(), **parts}.items():
                sums[name] = sums.get(name, 0.0) + v
            bar.set_postfix(loss=f"{loss.item():.3f}")
        took = time.perf_counter() - t0
        rec = {"epoch": epoch + 1, **{k: v / per_epoch for k, v in sums.items()},
               "images_per_second": per_epoch * cfg.batch_size / took}
        history.append(rec)
        print(f"epoch {epoch + 1}: loss {rec['loss']:.4f} {rec['images_per_second']:.0f} img/s", flush=True)
        if on_epoch:
            on_epoch(epoch + 1, rec)
    model = model.cpu().eval()
    model.config = asdict(cfg)
    return model, history


def predict_labels(model: BSPNet, images: np.ndarray, batch: int = 32) -> np.ndarray:
    model.eval()
    return np.concatenate([model.predict(_to_tensor(images[i:i + batch])).numpy().astype(np.uint8)
                           for i in range(0, len(images), batch)])
