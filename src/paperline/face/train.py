"""One trainer for every face head, CPU or CUDA, single process or DDP; the shared epoch loop gives it
progress, history and checkpoint/resume.

On CUDA it uses AMP (bf16 autocast), channels_last, pinned memory and non-blocking copies. The data
set is held in memory as uint8 (the embedded sets are small); a seeded generator reshuffles, so a run
is reproducible from its config.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperline.core.checkpoint import model_factory
from paperline.core.device import pick_device, seed_everything, set_threads
from paperline.core.errors import ConfigError, DataError
from paperline.core.loop import run_epochs
from paperline.face.backbones import get_backbone
from paperline.face.config import FaceTrainConfig
from paperline.face.diagnostics import BatchStats, class_cosines, probe_indices, probe_stats
from paperline.face.heads import TAILS, get_head
from paperline.face.schedulers import advance, make_scheduler


class FaceEmbedder(nn.Module):
    """Backbone + preprocessing: float images (N,3,S,S) scaled to [-1,1] -> L2-normalised embeddings.
    `config` is what `face_embedder` rebuilds it from."""

    def __init__(self, backbone: nn.Module, input_size: int, config: dict | None = None):
        super().__init__()
        self.backbone = backbone
        self.input_size = input_size
        self.config = config or {}

    def forward(self, x):
        return F.normalize(self.backbone(x), dim=1)


def embedder_config(cfg: FaceTrainConfig, tail: str | None = None) -> dict:
    return {"backbone": cfg.backbone, "embedding_size": cfg.embedding_size, "input_size": cfg.input_size,
            "width": cfg.width, "tail": tail}


@model_factory
def face_embedder(config: dict) -> FaceEmbedder:
    """The verification embedder: the backbone, then the head's embedding tail where it has one."""
    net = get_backbone(config["backbone"], config["embedding_size"], config["input_size"], config["width"])
    if config.get("tail"):
        net = nn.Sequential(net, TAILS[config["tail"]](config["embedding_size"]))
    return FaceEmbedder(net, config["input_size"], config)


def resized(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 (N,H,W,3) at size × size (area interpolation); unchanged when already that size."""
    if images.ndim != 4 or images.shape[-1] != 3:
        raise DataError(f"expected images of shape (N,H,W,3), got {images.shape}")
    if images.shape[1] == size:
        return images
    return np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])


def to_uint8_nchw(images: np.ndarray, size: int) -> torch.Tensor:
    """uint8 (N,H,W,3) -> uint8 (N,3,size,size); kept as bytes so a batch copy moves 4x less."""
    images = resized(images, size)
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).contiguous()


def normalize(x: torch.Tensor) -> torch.Tensor:
    """uint8 -> float in [-1, 1] (insightface's (x - 127.5) / 128), on whatever device x lives."""
    return (x.float() - 127.5) / 128.0


def to_input(images: np.ndarray, size: int) -> torch.Tensor:
    return normalize(to_uint8_nchw(images, size))


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


def embedding_model(backbone: nn.Module, head: nn.Module, cfg: FaceTrainConfig) -> FaceEmbedder:
    """The verification embedder of a trained backbone and head: the backbone, then the head's
    `embedding_tail()` where it has one (PoseFace keeps only the identity part of the feature)."""
    tail = head.embedding_tail() if hasattr(head, "embedding_tail") else None
    net = nn.Sequential(backbone, tail) if tail is not None else backbone
    return FaceEmbedder(net, cfg.input_size, embedder_config(cfg, head.tail_name if tail is not None else None))


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


class FaceTrainer:
    """One epoch of backbone + head with cross-entropy on the head's logits (the epoch loop is
    paperline.core.loop). The data set is held in memory as uint8; a seeded generator shuffles and
    flips, so a run is reproducible from its config and resumable from its checkpoint."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, cfg: FaceTrainConfig, init: dict | None = None,
                 side: np.ndarray | None = None, max_steps: int | None = None):
        cfg.check()
        num_class = int(labels.max()) + 1
        if labels.min() < 0:
            raise DataError(f"labels must be >= 0, found {labels.min()}")
        set_threads(cfg.threads)
        seed_everything(cfg.seed)
        device = pick_device(cfg.device)
        self.cuda = cuda = device.type == "cuda"
        self.rank, self.world = rank, world = dist_context(cuda)
        if cuda:
            if world > 1:
                device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
                torch.cuda.set_device(device)
            torch.backends.cudnn.benchmark = True
        if cfg.batch_size % world:
            raise ConfigError(f"batch_size {cfg.batch_size} is not divisible by the {world} training processes")
        self.cfg, self.device, self.max_steps = cfg, device, max_steps
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
        self.x_all, self.y_all, self.s_all = x_all, y_all, s_all

        backbone = get_backbone(cfg.backbone, cfg.embedding_size, cfg.input_size, cfg.width)
        head = get_head(cfg.head, cfg.embedding_size, num_class, **cfg.head_params())
        if init is not None:
            backbone.load_state_dict(init["backbone"])
            head.load_state_dict(init["head"])
        backbone.to(device)
        head.to(device)
        if cuda:
            backbone = backbone.to(memory_format=torch.channels_last)
        self.backbone, self.head = backbone, head
        net = _Net(backbone, head)
        if world > 1:
            net = nn.parallel.DistributedDataParallel(net, device_ids=[device.index] if cuda else None)
        self.net = net
        params = [{"params": backbone.parameters()}, {"params": head.parameters()}]
        self.opt = torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
        self.steps_per_epoch = max(1, len(x_all) // cfg.batch_size)
        self.sched = make_scheduler(cfg.schedule, self.opt, cfg, self.steps_per_epoch * cfg.epochs,
                                    self.steps_per_epoch)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.step = 0

    def state_dict(self) -> dict:
        return {"backbone": self.backbone.state_dict(), "head": self.head.state_dict(),
                "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                "generator": self.gen.get_state(), "step": self.step}

    def load_state_dict(self, state: dict) -> None:
        self.backbone.load_state_dict(state["backbone"])
        self.head.load_state_dict(state["head"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.gen.set_state(state["generator"])
        self.step = state["step"]

    @property
    def done(self) -> bool:
        return bool(self.max_steps) and self.step >= self.max_steps

    def train_epoch(self, epoch: int, progress) -> dict:
        cfg, device, rank, world, head = self.cfg, self.device, self.rank, self.world, self.head
        self.backbone.train()
        head.train()
        order = torch.randperm(len(self.x_all), generator=self.gen)
        seen, loss_sum, correct, term_sums, stats = 0, 0.0, 0, {}, BatchStats()
        for b in range(self.steps_per_epoch):
            idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
            flip = torch.rand(len(idx), generator=self.gen) < 0.5
            idx, flip = idx[rank::world], flip[rank::world].to(device, non_blocking=True)  # this rank's share
            idx = idx.to(self.x_all.device, non_blocking=True)
            x = self.x_all[idx].to(device, non_blocking=True)
            y = self.y_all[idx].to(device, non_blocking=True)
            x = normalize(torch.where(flip[:, None, None, None], x.flip(3), x))
            if self.cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            s = self.s_all[idx].to(device, non_blocking=True) if self.s_all is not None else None
            emb, logits = self.net(x, y, self.cuda, s)
            loss = head.loss(logits, y) if hasattr(head, "loss") else F.cross_entropy(logits, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at epoch {epoch + 1}, batch {b}; lower lr")
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            advance(self.sched, partial(_mean_over_ranks, loss.detach(), world))  # MHLR: every rank, the same loss
            self.step += 1
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            for k, v in getattr(head, "terms", {}).items():
                term_sums[k] = term_sums.get(k, 0.0) + v.item() * len(idx)
            with torch.no_grad():  # accuracy of the plain classifier, without the margin or MV re-weighting
                cos = class_cosines(head, emb.float())
                plain = cos if hasattr(head, "cosine") else logits
                correct += (plain.argmax(1) == y).sum().item()
                stats.add(head, cos, logits, y)
            progress(loss=loss.item(), lr=self.sched.get_last_lr()[0])
            if self.done:
                break
        counters = stats.counters()
        if world > 1:  # every rank saw its share: sum the counters over ranks
            import torch.distributed as dist

            sums = torch.tensor([loss_sum, float(seen), float(correct), *counters], dtype=torch.float64)
            dist.all_reduce(sums)
            loss_sum, seen, correct = sums[0].item(), int(sums[1].item()), int(sums[2].item())
            counters = sums[3:].tolist()
        return {"loss": loss_sum / max(seen, 1), "train_accuracy": correct / max(seen, 1),
                "lr": self.sched.get_last_lr()[0], "images": seen, **BatchStats.result(counters),
                **{k: v / max(seen, 1) for k, v in term_sums.items()}}

    def embedder(self) -> FaceEmbedder:
        return embedding_model(self.backbone, self.head, self.cfg)

    def final_model(self) -> FaceEmbedder:
        backbone = self.backbone.to("cpu").to(memory_format=torch.contiguous_format)
        return embedding_model(backbone, self.head.to("cpu"), self.cfg).eval()


def train_face(images: np.ndarray, labels: np.ndarray, cfg: FaceTrainConfig, work_dir: str | Path,
               resume: bool = True, on_epoch: Callable[[int, dict], None] | None = None,
               max_steps: int | None = None, validate: Callable[[FaceEmbedder], dict] | None = None,
               init: dict | None = None, side: np.ndarray | None = None,
               impostors: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[FaceEmbedder, list[dict]]:
    """Trains backbone + head; returns the embedder and the per-epoch history. `work_dir/checkpoint.pt`
    is written after every epoch and picked up on resume. After each epoch, on rank 0 and outside the
    timed training, the collapse diagnostics (paperline.face.diagnostics) of a fixed probe batch and of
    the `impostors` image pairs, then `validate(model)`, join the epoch's record. `train_seconds` counts
    training time only. `init` ({"backbone": state, "head": state}) warm-starts the weights (a search
    round continues the previous round's best). `side` (N, k) floats travel with their images into
    `head(emb, y, side)` (PoseFace: each image's pose); a head with a `loss(logits, y)` method computes
    its own loss, and its `terms` dict is averaged into the history."""
    trainer = FaceTrainer(images, labels, cfg, init, side, max_steps)
    after_epoch = diagnosed(trainer, images, impostors, validate)
    history = run_epochs(trainer, cfg.epochs, asdict(cfg), work_dir, resume, on_epoch, after_epoch,
                         main_process=trainer.rank == 0, stop=lambda: trainer.done)
    return trainer.final_model(), history


def diagnosed(trainer, images: np.ndarray, impostors=None, validate=None) -> Callable[[], dict]:
    """What a face trainer measures after each epoch, in eval mode: the probe diagnostics, then `validate`.
    The probe and impostor images are resized to the network's input once, not every epoch."""
    size = trainer.cfg.input_size
    probe = resized(images[probe_indices(len(images))], size)
    impostors = tuple(resized(side, size) for side in impostors) if impostors else None

    def after_epoch() -> dict:
        model = trainer.embedder()
        model.eval()
        left, right = (embed_images(model, side, flip=False) for side in impostors) if impostors else (None, None)
        out = probe_stats(embed_images(model, probe, flip=False), left, right)
        return {**out, **(validate(model) if validate else {})}

    return after_epoch


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
