"""One trainer for every face head: seeded, progress bar, checkpoint/resume, CPU or CUDA.

On CUDA it uses AMP (bf16 autocast), channels_last, pinned memory and non-blocking copies. The data
set is held in memory as uint8 (the embedded sets are small); the loop reshuffles with a seeded
generator so a run is reproducible from its config.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .errors import ConfigError, DataError
from .losses.face_heads import HEADS, get_head
from .models.face_backbones import get_backbone
from .schedulers import SCHEDULES, advance, make_scheduler


@dataclass
class FaceTrainConfig:
    backbone: str = "mobilefacenet"
    width: float = 0.5
    input_size: int = 64
    embedding_size: int = 128
    head: str = "mv_am"
    s: float = 32.0
    m: float = 0.35
    t: float = 0.2
    adaptive: bool = True
    epochs: int = 8
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "step"
    milestones: list = field(default_factory=lambda: [0.56, 0.72, 0.89])  # FaceX-Zoo 10/13/16 of 18
    warmup_epochs: float = 0.5
    # MHLR (schedule=mhlr): the release's defaults suit ~10^5-step runs; see paperline.schedulers
    mhlr_alpha: float = 1e-3
    mhlr_beta: float = 1e-3
    mhlr_lambda: float = 5e-5
    mhlr_tau: float = 0.05
    mhlr_delta: float = 2.0
    seed: int = 0
    device: str = "auto"
    threads: int = 0  # 0 = torch default

    def check(self, num_images: int = 0):
        if self.head not in HEADS:
            raise ConfigError(f"unknown head {self.head!r}; valid heads: {', '.join(HEADS)}")
        if self.epochs < 1 or self.batch_size < 2:
            raise ConfigError("epochs must be >= 1 and batch_size >= 2")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"unknown schedule {self.schedule!r}; valid: {', '.join(SCHEDULES)}")

    def head_params(self) -> dict:
        """The head's symbols; a paper's config subclass adds its own (X2-Softmax: a, h, k, ste)."""
        return {"s": self.s, "m": self.m, "t": self.t, "adaptive": self.adaptive}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device=cuda requested but no CUDA device is available")
    return torch.device(name)


class FaceEmbedder(nn.Module):
    """Backbone + preprocessing: float images (N,3,S,S) scaled to [-1,1] -> L2-normalised embeddings."""

    def __init__(self, backbone: nn.Module, input_size: int):
        super().__init__()
        self.backbone = backbone
        self.input_size = input_size

    def forward(self, x):
        return F.normalize(self.backbone(x), dim=1)


def to_uint8_nchw(images: np.ndarray, size: int) -> torch.Tensor:
    """uint8 (N,H,W,3) -> uint8 (N,3,size,size); kept as bytes so a batch copy moves 4x less."""
    if images.ndim != 4 or images.shape[-1] != 3:
        raise DataError(f"expected images of shape (N,H,W,3), got {images.shape}")
    if images.shape[1] != size:
        images = np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).contiguous()


def normalize(x: torch.Tensor) -> torch.Tensor:
    """uint8 -> float in [-1, 1] (insightface's (x - 127.5) / 128), on whatever device x lives."""
    return (x.float() - 127.5) / 128.0


def to_input(images: np.ndarray, size: int) -> torch.Tensor:
    return normalize(to_uint8_nchw(images, size))


def _save_atomic(obj, path: Path):
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class _Net(nn.Module):
    """Backbone and head as one module, so DDP all-reduces both in one pass."""

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, x, y, cuda: bool, side=None):
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=cuda):
            emb = self.backbone(x)
        emb = emb.float()
        return emb, (self.head(emb, y) if side is None else self.head(emb, y, side))


def embedding_net(backbone: nn.Module, head: nn.Module) -> nn.Module:
    """The verification embedder's network: the backbone, then the head's `embedding_tail()` where it
    has one (PoseFace keeps only the identity part of the feature)."""
    tail = head.embedding_tail() if hasattr(head, "embedding_tail") else None
    return nn.Sequential(backbone, tail) if tail is not None else backbone


def dist_context(cuda: bool) -> tuple[int, int]:
    """(rank, world size). Under torchrun / a Trainer TrainJob (WORLD_SIZE > 1) this joins the process
    group from the env (gloo on CPU, nccl on CUDA); otherwise (0, 1)."""
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    return dist.get_rank(), dist.get_world_size()


def _mean_over_ranks(x: torch.Tensor, world: int) -> float:
    if world > 1:
        import torch.distributed as dist

        x = x.clone()
        dist.all_reduce(x)
        x /= world
    return x.item()


def train_face(images: np.ndarray, labels: np.ndarray, cfg: FaceTrainConfig, work_dir: str | Path,
               resume: bool = True, on_epoch: Callable[[int, dict], None] | None = None,
               max_steps: int | None = None, validate: Callable[[FaceEmbedder], dict] | None = None,
               init: dict | None = None, side: np.ndarray | None = None) -> tuple[FaceEmbedder, list[dict]]:
    """Trains backbone + head with cross-entropy on the head's logits; returns the embedder and the
    per-epoch history. `work_dir/checkpoint.pt` is written after every epoch and picked up on resume.
    `validate(model)` runs after each epoch on rank 0 (outside the timed training); its metrics join
    the epoch's record. `train_seconds` in a record counts training time only, from the first epoch.
    `init` ({"backbone": state, "head": state}) warm-starts the weights (a search round continues the
    previous round's best); the checkpoint holds both states after every epoch. `side` (N, k) floats
    travel with their images into `head(emb, y, side)` (PoseFace: each image's pose); a head with a
    `loss(logits, y)` method computes its own loss, and its `terms` dict is averaged into the history."""
    cfg.check()
    num_class = int(labels.max()) + 1
    if labels.min() < 0:
        raise DataError(f"labels must be >= 0, found {labels.min()}")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    cuda = device.type == "cuda"
    rank, world = dist_context(cuda)
    if cuda:
        if world > 1:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    if cfg.batch_size % world:
        raise ConfigError(f"batch_size {cfg.batch_size} is not divisible by the {world} training processes")
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)

    x_all = to_uint8_nchw(images, cfg.input_size)
    y_all = torch.from_numpy(labels.astype(np.int64))
    s_all = None
    if side is not None:
        if len(side) != len(labels):
            raise DataError(f"side information has {len(side)} rows for {len(labels)} images")
        s_all = torch.from_numpy(np.asarray(side, np.float32).reshape(len(labels), -1))
    if cuda:
        free, _ = torch.cuda.mem_get_info(device)
        if x_all.numel() < 0.25 * free:  # small enough: keep the whole set on the GPU
            x_all, y_all = x_all.to(device), y_all.to(device)
            s_all = s_all.to(device) if s_all is not None else None
        else:
            x_all, y_all = x_all.pin_memory(), y_all.pin_memory()

    backbone = get_backbone(cfg.backbone, cfg.embedding_size, cfg.input_size, cfg.width)
    head = get_head(cfg.head, cfg.embedding_size, num_class, **cfg.head_params())
    if init is not None:
        backbone.load_state_dict(init["backbone"])
        head.load_state_dict(init["head"])
    backbone.to(device)
    head.to(device)
    if cuda:
        backbone = backbone.to(memory_format=torch.channels_last)
    net = _Net(backbone, head)
    if world > 1:
        net = nn.parallel.DistributedDataParallel(net, device_ids=[device.index] if cuda else None)
    params = [{"params": backbone.parameters()}, {"params": head.parameters()}]
    opt = torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    per_epoch = max(1, len(x_all) // cfg.batch_size)
    total = per_epoch * cfg.epochs
    sched = make_scheduler(cfg.schedule, opt, cfg, total, per_epoch)
    gen = torch.Generator().manual_seed(cfg.seed)

    history: list[dict] = []
    start_epoch = 0
    ckpt = work_dir / "checkpoint.pt"
    if resume and ckpt.exists():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)  # RNG states must stay on the CPU
        if state["config"] != asdict(cfg):
            raise ConfigError(f"{ckpt}: checkpoint was written with a different config; "
                              "delete it or use a new work dir")
        backbone.load_state_dict(state["backbone"])
        head.load_state_dict(state["head"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history, start_epoch = state["history"], state["epoch"] + 1
        print(f"resumed from {ckpt} at epoch {start_epoch}", flush=True)

    step = start_epoch * per_epoch
    train_seconds = history[-1].get("train_seconds", 0.0) if history else 0.0
    for epoch in range(start_epoch, cfg.epochs):
        backbone.train()
        head.train()
        order = torch.randperm(len(x_all), generator=gen)
        t0, seen, loss_sum, correct, term_sums = time.perf_counter(), 0, 0.0, 0, {}
        bar = tqdm(range(per_epoch), desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch", mininterval=2,
                   disable=rank != 0)
        for b in bar:
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            idx, flip = idx[rank::world], flip[rank::world].to(device, non_blocking=True)  # this rank's share
            idx = idx.to(x_all.device, non_blocking=True)
            x = x_all[idx].to(device, non_blocking=True)
            y = y_all[idx].to(device, non_blocking=True)
            x = normalize(torch.where(flip[:, None, None, None], x.flip(3), x))
            if cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            s = s_all[idx].to(device, non_blocking=True) if s_all is not None else None
            emb, logits = net(x, y, cuda, s)
            loss = head.loss(logits, y) if hasattr(head, "loss") else F.cross_entropy(logits, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at epoch {epoch + 1}, batch {b}; lower lr")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            advance(sched, partial(_mean_over_ranks, loss.detach(), world))  # MHLR: every rank, the same loss
            step += 1
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            for k, v in getattr(head, "terms", {}).items():
                term_sums[k] = term_sums.get(k, 0.0) + v.item() * len(idx)
            with torch.no_grad():  # accuracy of the plain classifier, without the margin or MV re-weighting
                plain = head.cosine(emb.float()) if hasattr(head, "cosine") else logits
                correct += (plain.argmax(1) == y).sum().item()
            bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{sched.get_last_lr()[0]:.4f}")
            if max_steps and step >= max_steps:
                break
        if world > 1:  # every rank saw its share: sum the counters over ranks
            import torch.distributed as dist

            sums = torch.tensor([loss_sum, float(seen), float(correct)], dtype=torch.float64)
            dist.all_reduce(sums)
            loss_sum, seen, correct = sums[0].item(), int(sums[1].item()), int(sums[2].item())
        took = time.perf_counter() - t0
        train_seconds += took
        rec = {"epoch": epoch + 1, "loss": loss_sum / max(seen, 1), "train_accuracy": correct / max(seen, 1),
               "lr": sched.get_last_lr()[0], "images_per_second": seen / took, "train_seconds": train_seconds,
               **{k: v / max(seen, 1) for k, v in term_sums.items()}}
        if validate and rank == 0:
            backbone.eval()
            rec.update(validate(FaceEmbedder(embedding_net(backbone, head), cfg.input_size)))
        history.append(rec)
        if rank == 0:
            print(f"epoch {epoch + 1}: loss {rec['loss']:.4f} train acc {rec['train_accuracy']:.3f} "
                  f"{rec['images_per_second']:.0f} img/s", flush=True)
            if on_epoch:
                on_epoch(epoch + 1, rec)
            _save_atomic({"config": asdict(cfg), "backbone": backbone.state_dict(), "head": head.state_dict(),
                          "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                          "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "history": history,
                          "epoch": epoch}, ckpt)
        if max_steps and step >= max_steps:
            break
    backbone, head = backbone.to("cpu").to(memory_format=torch.contiguous_format), head.to("cpu")
    model = FaceEmbedder(embedding_net(backbone, head), cfg.input_size).eval()
    return model, history


@torch.no_grad()
def embed_images(model: FaceEmbedder, images: np.ndarray, batch_size: int = 256, flip: bool = True) -> np.ndarray:
    """Embeddings of uint8 images; with `flip`, image + mirror are summed then normalised (insightface)."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    for i in range(0, len(images), batch_size):
        x = to_input(images[i:i + batch_size], model.input_size).to(device)
        e = model.backbone(x)
        if flip:
            e = e + model.backbone(x.flip(3))
        out.append(F.normalize(e.float(), dim=1).cpu())
    return torch.cat(out).numpy()
