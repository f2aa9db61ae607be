"""Training: the feature classifier and one GAN of the comparison, each as a trainer of the shared
epoch loop (checkpoint, resume, progress). The GAN keeps an EMA of its generator's weights, the
one that is sampled, evaluated and registered."""

from __future__ import annotations

import copy
from dataclasses import asdict
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

from paperline.core.checkpoint import rng_state, set_rng_state
from paperline.core.loop import OneCycleTrainer
from paperline.gan.config import MODELS, GanConfig
from paperline.gan.features import classifier, rotate
from paperline.gan.models import count, discriminator, generator, matched_config


class ClassifierTrainer(OneCycleTrainer):
    """Cross-entropy on the real classes, or on the rotation of each image when there are none."""

    def __init__(self, images: np.ndarray, labels: np.ndarray | None, classes: int, cfg: GanConfig):
        self.task = "classes" if labels is not None else "rotation"
        conf = {"in_channels": images.shape[1], "classes": classes if labels is not None else 4, "task": self.task,
                "width": 16}
        run_cfg = SimpleNamespace(lr=2e-3, weight_decay=1e-4, batch_size=128, epochs=cfg.classifier_epochs,
                                  threads=cfg.threads, seed=cfg.seed, device=cfg.device)
        super().__init__(lambda: classifier(conf), run_cfg, len(images))
        self.images, self.labels = torch.from_numpy(images), (None if labels is None else torch.from_numpy(labels))

    def train_epoch(self, epoch, progress):
        self.model.train()
        order = self.rng.permutation(len(self.images))
        bs, total, correct, loss_sum = self.cfg.batch_size, 0, 0, 0.0
        for i in range(self.steps_per_epoch):
            idx = torch.from_numpy(order[i * bs:(i + 1) * bs])
            x = self.images[idx].to(self.device)
            if self.labels is None:
                y = torch.from_numpy(self.rng.integers(0, 4, len(idx))).to(self.device)
                x = rotate(x, y)
            else:
                y = self.labels[idx].to(self.device)
                flip = torch.from_numpy(self.rng.random(len(idx)) < 0.5).to(self.device)
                x = torch.where(flip[:, None, None, None], x.flip(3), x)
            _, logits = self.model(x)
            loss = F.cross_entropy(logits, y)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            total += len(idx)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += loss.item() * len(idx)
            progress(loss=loss.item())
        return {"loss": loss_sum / total, "train_accuracy": correct / total, "images": total}


class GanTrainer:
    """One D step and one G step per batch (hinge, or DCGAN's non-saturating loss); Adam; the
    generator's EMA after every step."""

    def __init__(self, name: str, images: np.ndarray, cfg: GanConfig):
        from paperline.core.device import pick_device, seed_everything, set_threads

        set_threads(cfg.threads)
        seed_everything(cfg.seed)
        self.name, self.cfg, self.device = name, cfg, pick_device(cfg.device)
        self.loss = MODELS[name][3]
        self.rng = np.random.default_rng(cfg.seed)
        self.images = torch.from_numpy(images)
        channels = images.shape[1]
        self.g_config = matched_config(name, cfg.z_dim, cfg.g_channels, cfg.image_size, channels)
        self.g = generator(self.g_config).to(self.device)
        self.d = discriminator(name, cfg.d_channels, cfg.image_size, channels).to(self.device)
        self.ema = copy.deepcopy(self.g).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        betas = (0.5, 0.999) if self.loss == "bce" else (cfg.beta1, cfg.beta2)
        self.opt_g = torch.optim.Adam(self.g.parameters(), cfg.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), cfg.lr_d, betas=betas)
        self.steps_per_epoch = max(1, len(images) // cfg.batch_size)
        self.g_params, self.d_params = count(self.g), count(self.d)
        self.steps = 0

    def _d_loss(self, real_out, fake_out):
        if self.loss == "hinge":
            return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()
        return F.softplus(-real_out).mean() + F.softplus(fake_out).mean()

    def _g_loss(self, fake_out):
        return -fake_out.mean() if self.loss == "hinge" else F.softplus(-fake_out).mean()

    @torch.no_grad()
    def _update_ema(self):
        """The decay ramps up as (1 + t) / (10 + t) to `ema`: with a fixed 0.999 a few hundred CPU steps
        would leave the average mostly at the random initial weights."""
        self.steps += 1
        decay = min(self.cfg.ema, (1 + self.steps) / (10 + self.steps))
        for pe, p in zip(self.ema.parameters(), self.g.parameters()):
            pe.lerp_(p, 1 - decay)
        for be, b in zip(self.ema.buffers(), self.g.buffers()):
            be.copy_(b)

    def train_epoch(self, epoch, progress):
        self.g.train()
        self.d.train()
        order = self.rng.permutation(len(self.images))
        bs, zd = self.cfg.batch_size, self.cfg.z_dim
        sums = {"loss_d": 0.0, "loss_g": 0.0}
        for i in range(self.steps_per_epoch):
            real = self.images[torch.from_numpy(order[i * bs:(i + 1) * bs])].to(self.device)
            fake = self.g(torch.randn(len(real), zd, device=self.device))
            loss_d = self._d_loss(self.d(real), self.d(fake.detach()))
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            loss_g = self._g_loss(self.d(self.g(torch.randn(len(real), zd, device=self.device))))
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            self.opt_g.step()
            self._update_ema()
            sums["loss_d"] += loss_d.item()
            sums["loss_g"] += loss_g.item()
            progress(d=loss_d.item(), g=loss_g.item())
        n = self.steps_per_epoch
        return {"loss_d": sums["loss_d"] / n, "loss_g": sums["loss_g"] / n, "images": n * bs,
                "iterations": (epoch + 1) * n}

    def state_dict(self) -> dict:
        return {"g": self.g.state_dict(), "d": self.d.state_dict(), "ema": self.ema.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(), "rng": rng_state(self.rng),
                "steps": self.steps}

    def load_state_dict(self, state: dict) -> None:
        self.g.load_state_dict(state["g"])
        self.d.load_state_dict(state["d"])
        self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        set_rng_state(self.rng, state["rng"])
        self.steps = state["steps"]


def fit_gan(name: str, images: np.ndarray, cfg: GanConfig, fid_of, work_dir, on_epoch=None):
    """Trains one GAN through the epoch loop; after each epoch `fid_of(samples)` gives the FID point
    of `cfg.curve_samples` EMA samples. Returns the trainer and the history."""
    from paperline.core.loop import run_epochs

    trainer = GanTrainer(name, images, cfg)
    print(f"{name}: generator {trainer.g_params:,} parameters (width {trainer.g_config['channels']}), "
          f"discriminator {trainer.d_params:,}", flush=True)
    history = run_epochs(
        trainer, cfg.epochs, {"gan": asdict(cfg), "model": name}, work_dir, desc=name,
        after_epoch=lambda: {"fid_curve": fid_of(sample(trainer.ema, cfg.curve_samples, cfg.seed + 2))},
        on_epoch=(lambda e, r: on_epoch(trainer, e, r)) if on_epoch else None,
        line=lambda r: f"{name} epoch {r['epoch']}: D {r['loss_d']:.3f} G {r['loss_g']:.3f} "
                       f"FID@{cfg.curve_samples} {r['fid_curve']:.2f} {r['images_per_second']:.0f} img/s")
    return trainer, history


@torch.no_grad()
def sample(g, n: int, seed: int, batch: int = 250) -> np.ndarray:
    """n images in [-1, 1] (N, C, H, W) from a generator in eval mode, noise drawn from `seed`."""
    g = g.eval()
    gen = torch.Generator().manual_seed(seed)
    dev = next(g.parameters()).device
    out = []
    for i in range(0, n, batch):
        z = torch.randn(min(batch, n - i), g.z_dim, generator=gen).to(dev)
        out.append(g(z).cpu().numpy())
    return np.concatenate(out)


def grid_png(images: np.ndarray, columns: int = 8, scale: int = 2) -> bytes:
    """Images in [-1, 1] (N, C, H, W) tiled into a PNG (nearest-neighbour upscaled)."""
    import io

    from PIL import Image

    n, c, h, w = images.shape
    rows = -(-n // columns)
    canvas = np.full((rows * (h + 2) + 2, columns * (w + 2) + 2, 3), 255, np.uint8)
    u8 = ((images + 1) * 127.5).round().clip(0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    if c == 1:
        u8 = np.repeat(u8, 3, axis=3)
    for i in range(n):
        r, col = divmod(i, columns)
        canvas[2 + r * (h + 2):2 + r * (h + 2) + h, 2 + col * (w + 2):2 + col * (w + 2) + w] = u8[i]
    im = Image.fromarray(canvas).resize((canvas.shape[1] * scale, canvas.shape[0] * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()
