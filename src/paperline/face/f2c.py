"""F²C: training face recognition without an FC layer over every identity (arXiv:2105.10375).

The FC layer of a margin head holds one weight vector per identity, so its memory and step time grow
with the number of identities (10⁶–10⁷ in practice). F²C replaces it with a **Dynamic Class Pool**
(DCP): a fixed-size buffer of Q identity centres produced by a **Gallery Net** (a moving average of the
Probe Net that is being trained). Per step, as in the authors' `ffc_ddp.py`:

1. the Gallery Net embeds one half of the batch and writes those features into the DCP; an LRU keyed
   by identity picks the slot, evicting the identity used least recently when the pool is full;
2. the Probe Net embeds the other half; a sample whose identity is in the pool gets a margin-softmax
   loss over the Q pool columns (CosFace by default, s = 32), once against each identity's newest
   centre and once against its previous one; a sample whose identity is not in the pool pushes away
   from its nearest centres: L_neg = mean(top-k(max(cos(p, DCP), 0))), k = min(max(⌊0.0002 Q⌋, 3), 10);
3. the pool is rolled back and the roles swap, so each half is classified against the other's
   gallery features; after both passes both halves' features are in the pool (our reading: the
   release rolls back between the passes and keeps the second);
4. the Gallery Net follows: θ_G ← α θ_G + (1 − α) θ_P (α = 0.99).

Batches come from two loaders: an identity loader (two images of each of B/2 identities, so every
probe has its gallery partner in the pool) and an instance loader (B random images, which also
samples identities out of the pool).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperline.core.checkpoint import rng_state, save_atomic, set_rng_state
from paperline.core.device import pick_device, seed_everything, set_threads
from paperline.core.errors import ConfigError, DataError
from paperline.core.loop import run_epochs
from paperline.face.backbones import get_backbone
from paperline.face.config import F2CTrainConfig
from paperline.face.diagnostics import BatchStats
from paperline.face.schedulers import advance, make_scheduler
from paperline.face.train import FaceEmbedder, diagnosed, embedder_config, normalize, to_uint8_nchw


class LRUPool:
    """identity → slot in [0, Q); a new identity takes a free slot or the least recently used one's."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ConfigError(f"pool capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self.slots: OrderedDict[int, int] = OrderedDict()

    def view(self, label: int) -> int:
        """The identity's slot, or -1; does not count as a use."""
        return self.slots.get(label, -1)

    def put(self, label: int) -> int:
        if label in self.slots:
            self.slots.move_to_end(label)
            return self.slots[label]
        if len(self.slots) < self.capacity:
            slot = len(self.slots)
        else:
            _, slot = self.slots.popitem(last=False)
        self.slots[label] = slot
        return slot

    def state(self):
        return OrderedDict(self.slots)

    def restore(self, state) -> None:
        self.slots = OrderedDict(state)


def neg_topk(q: int) -> int:
    return min(max(int(0.0002 * q), 3), 10)


class DynamicClassPool(nn.Module):
    """Q identity centres, two per identity (newest and previous); no trainable parameters."""

    def __init__(self, capacity: int, dim: int, s: float = 32.0, m: float = 0.4):
        super().__init__()
        self.lru, self.s, self.m = LRUPool(capacity), s, m
        self.register_buffer("queue", torch.zeros(2, capacity, dim))

    def snapshot(self):
        return self.lru.state(), self.queue.clone()

    def restore(self, snap) -> None:
        self.lru.restore(snap[0])
        self.queue.copy_(snap[1])

    @torch.no_grad()
    def insert(self, feats: torch.Tensor, labels: torch.Tensor) -> None:
        feats = F.normalize(feats.float(), dim=1)
        for f, lab in zip(feats, labels.tolist()):
            fresh = self.lru.view(lab) < 0
            slot = self.lru.put(lab)
            self.queue[1, slot] = f if fresh else self.queue[0, slot]
            self.queue[0, slot] = f

    def loss(self, probe: torch.Tensor, labels: torch.Tensor, stats: BatchStats | None = None
             ) -> tuple[torch.Tensor, dict]:
        p = F.normalize(probe, dim=1)
        slots = torch.tensor([self.lru.view(lab) for lab in labels.tolist()], device=p.device)
        used = len(self.lru.slots)
        centres = self.queue[:, :used].clone()  # the pool changes in place before backward runs
        cos_new = (p @ centres[0].T).clamp(-1, 1)
        cos_old = (p @ centres[1].T).clamp(-1, 1)
        inside = slots >= 0
        total = p.new_zeros(())
        if inside.any():
            y = slots[inside]
            onehot = F.one_hot(y, used).bool()
            for cos in (cos_new, cos_old):
                logits = torch.where(onehot, cos[inside] - self.m, cos[inside]) * self.s
                total = total + F.cross_entropy(logits, y)
            if stats is not None:  # the diagnostics of the current centres
                c = cos_new[inside].detach()
                stats.add(None, c, torch.where(onehot, c - self.m, c), y)
        if (~inside).any():
            k = min(neg_topk(self.lru.capacity), used)
            total = total + cos_new[~inside].clamp(min=0).topk(k, dim=1).values.mean()
        return total, {"in_pool": int(inside.sum()), "out_of_pool": int((~inside).sum())}


@torch.no_grad()
def ema_update(gallery: nn.Module, probe: nn.Module, alpha: float) -> None:
    for g, p in zip(gallery.parameters(), probe.parameters()):
        g.mul_(alpha).add_(p.detach(), alpha=1 - alpha)
    for g, p in zip(gallery.buffers(), probe.buffers()):
        g.copy_(p)


class DualLoader:
    """Per batch: B/2 identities with two images each (identity loader) and B random images
    (instance loader); x = first images + half the instances, y = second images + the other half."""

    def __init__(self, labels: np.ndarray, batch_size: int, seed: int):
        if batch_size < 4 or batch_size % 4:
            raise ConfigError(f"F²C needs batch_size divisible by 4, got {batch_size}")
        self.by_id = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
        self.pairable = np.array([c for c, idx in enumerate(self.by_id) if len(idx) >= 2])
        if len(self.pairable) < batch_size // 2:
            raise DataError(f"the identity loader needs {batch_size // 2} identities with >= 2 images, "
                            f"found {len(self.pairable)}; lower batch_size")
        self.n, self.batch_size = len(labels), batch_size
        self.rng = np.random.default_rng(seed)

    def __call__(self) -> tuple[np.ndarray, np.ndarray]:
        half = self.batch_size // 2
        ids = self.rng.choice(self.pairable, half, replace=False)
        pairs = np.array([self.rng.choice(self.by_id[c], 2, replace=False) for c in ids])
        inst = self.rng.choice(self.n, self.batch_size, replace=False)
        return np.concatenate([pairs[:, 0], inst[:half]]), np.concatenate([pairs[:, 1], inst[half:]])


class F2CTrainer:
    """One epoch of Probe Net + Gallery Net + DCP (the epoch loop is paperline.core.loop). One process
    (the pool is not sharded across ranks); the pool, both nets and every RNG are in the checkpoint,
    so an interrupted run resumes where it stopped."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, cfg: F2CTrainConfig):
        cfg.check()
        identities = int(labels.max()) + 1
        q = cfg.pool_for(identities)
        set_threads(cfg.threads)
        seed_everything(cfg.seed)
        self.cfg, self.device = cfg, pick_device(cfg.device)
        self.cuda = self.device.type == "cuda"
        self.x_all = to_uint8_nchw(images, cfg.input_size).to(self.device)
        self.y_all = torch.from_numpy(labels.astype(np.int64)).to(self.device)
        self.probe = get_backbone(cfg.backbone, cfg.embedding_size, cfg.input_size, cfg.width).to(self.device)
        self.gallery = copy.deepcopy(self.probe).requires_grad_(False)
        self.pool = DynamicClassPool(q, cfg.embedding_size, cfg.s, cfg.m).to(self.device)
        self.opt = torch.optim.SGD(self.probe.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                   weight_decay=cfg.weight_decay)
        # an epoch = as many images as the data set has; each step uses 2 B images (x and y)
        self.steps_per_epoch = max(1, len(self.x_all) // (2 * cfg.batch_size))
        self.sched = make_scheduler(cfg.schedule, self.opt, cfg, self.steps_per_epoch * cfg.epochs,
                                    self.steps_per_epoch)
        self.loader = DualLoader(labels, cfg.batch_size, cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        print(f"F²C: {identities} identities, DCP of {q} ({2 * q * cfg.embedding_size} floats, "
              f"an FC head would hold {identities * cfg.embedding_size})", flush=True)

    def state_dict(self) -> dict:
        return {"probe": self.probe.state_dict(), "gallery": self.gallery.state_dict(),
                "pool_queue": self.pool.queue.clone(), "pool_slots": [list(kv) for kv in self.pool.lru.slots.items()],
                "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                "generator": self.gen.get_state(), "loader_rng": rng_state(self.loader.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.probe.load_state_dict(state["probe"])
        self.gallery.load_state_dict(state["gallery"])
        self.pool.queue.copy_(state["pool_queue"])
        self.pool.lru.restore(OrderedDict((int(k), int(v)) for k, v in state["pool_slots"]))
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.gen.set_state(state["generator"])
        set_rng_state(self.loader.rng, state["loader_rng"])

    def _embed(self, net, idx):
        x = self.x_all[torch.from_numpy(idx).to(self.device)]
        flip = (torch.rand(len(idx), generator=self.gen) < 0.5).to(self.device)
        x = normalize(torch.where(flip[:, None, None, None], x.flip(3), x))
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.cuda):
            return net(x).float()

    def train_epoch(self, epoch: int, progress) -> dict:
        pool, device = self.pool, self.device
        self.probe.train()
        self.gallery.train()  # batch statistics as the Probe Net (eval-mode running stats collapse early centres)
        loss_sum, inside, outside, stats = 0.0, 0, 0, BatchStats()
        for _ in range(self.steps_per_epoch):
            ix, iy = self.loader()
            lx, ly = self.y_all[torch.from_numpy(ix).to(device)], self.y_all[torch.from_numpy(iy).to(device)]
            with torch.no_grad():
                gx, gy = self._embed(self.gallery, ix), self._embed(self.gallery, iy)
            snap = pool.snapshot()
            pool.insert(gy, ly)
            loss_x, sx = pool.loss(self._embed(self.probe, ix), lx, stats)
            pool.restore(snap)
            pool.insert(gx, lx)
            loss_y, sy = pool.loss(self._embed(self.probe, iy), ly, stats)
            pool.insert(gy, ly)
            loss = loss_x + loss_y
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at epoch {epoch + 1}; lower lr")
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            advance(self.sched, loss.item)
            ema_update(self.gallery, self.probe, self.cfg.gallery_momentum)
            loss_sum += loss.item()
            inside += sx["in_pool"] + sy["in_pool"]
            outside += sx["out_of_pool"] + sy["out_of_pool"]
            progress(loss=loss.item())
        return {"loss": loss_sum / self.steps_per_epoch, "in_pool_fraction": inside / max(1, inside + outside),
                "lr": self.sched.get_last_lr()[0], "images": self.steps_per_epoch * 2 * self.cfg.batch_size,
                **BatchStats.result(stats.counters())}

    def embedder(self) -> FaceEmbedder:
        return FaceEmbedder(self.probe, self.cfg.input_size, embedder_config(self.cfg))


def train_f2c(images: np.ndarray, labels: np.ndarray, cfg: F2CTrainConfig, work_dir, on_epoch=None,
              validate=None, resume: bool = True, impostors=None) -> tuple[FaceEmbedder, list[dict]]:
    """Trains with the Dynamic Class Pool; returns the Probe Net as the embedder and the history (with
    the collapse diagnostics: the in-pool targets' cosines, the probe batch, `impostors`).
    Writes the final Probe and Gallery weights to work_dir/f2c-final.pt."""
    trainer = F2CTrainer(images, labels, cfg)
    after_epoch = diagnosed(trainer, images, impostors, validate)

    def line(rec: dict) -> str:
        return (f"epoch {rec['epoch']}: loss {rec['loss']:.4f} in-pool {rec['in_pool_fraction']:.2f} "
                f"{rec['images_per_second']:.0f} img/s")

    history = run_epochs(trainer, cfg.epochs, asdict(cfg), work_dir, resume, on_epoch, after_epoch, line=line)
    save_atomic({"config": asdict(cfg), "probe": trainer.probe.state_dict(), "gallery": trainer.gallery.state_dict()},
                Path(work_dir) / "f2c-final.pt")
    model = FaceEmbedder(trainer.probe.to("cpu"), cfg.input_size, embedder_config(cfg)).eval()
    return model, history
