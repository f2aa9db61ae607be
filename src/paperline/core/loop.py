"""The epoch loop every trainer runs: progress, history, per-epoch metrics, checkpoint and resume.

A trainer is the science of one epoch (`train_epoch`) and the state it needs to continue
(`state_dict` / `load_state_dict`: weights, optimiser, scheduler, its RNGs as tensors). The loop owns
the rest, the same way for every family: a progress bar, timing, the history, the `on_epoch`
callback (MLflow metrics), and an atomic checkpoint in `work_dir` after an epoch (at most one every
PAPERLINE_CHECKPOINT_SECONDS, default 10, so thousands of short epochs do not spend their time
writing; always after the last). Started again with the same config, it resumes from the last
checkpoint and ends with the weights an uninterrupted run would have had.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Protocol

import torch
from tqdm import tqdm

from paperline.core.checkpoint import load_file, rng_state, save_atomic, set_rng_state
from paperline.core.errors import ConfigError
from paperline.core.faults import kill_point

CHECKPOINT = "checkpoint.pt"


class Trainer(Protocol):
    steps_per_epoch: int

    def train_epoch(self, epoch: int, progress: Callable[..., None]) -> dict:
        """One epoch; calls `progress(**postfix)` after each step; returns the epoch's numbers
        (`images` = samples seen, turned into images_per_second)."""

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class OneCycleTrainer:
    """The part of a trainer that steps AdamW under a one-cycle schedule and draws its order and
    augmentation from one numpy Generator (the landmark and parsing trainers): built in the same
    order (threads, seeds, then the network), checkpointed the same way. Subclasses add `train_epoch`."""

    def __init__(self, build_model, cfg, samples: int):
        import numpy as np

        from paperline.core.device import pick_device, seed_everything, set_threads

        set_threads(cfg.threads)
        seed_everything(cfg.seed)
        self.cfg, self.device = cfg, pick_device(cfg.device)
        self.rng = np.random.default_rng(cfg.seed)
        self.model = build_model().to(self.device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.steps_per_epoch = max(1, samples // cfg.batch_size)
        total = self.steps_per_epoch * cfg.epochs
        self.sched = torch.optim.lr_scheduler.OneCycleLR(self.opt, cfg.lr, total_steps=total, pct_start=0.1)

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
                "scheduler": self.sched.state_dict(), "rng": rng_state(self.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        set_rng_state(self.rng, state["rng"])


def checkpoint_path(work_dir: str | Path) -> Path:
    return Path(work_dir) / CHECKPOINT


def run_epochs(trainer: Trainer, epochs: int, config: dict, work_dir: str | Path | None = None, resume: bool = True,
               on_epoch: Callable[[int, dict], None] | None = None, after_epoch: Callable[[], dict] | None = None,
               desc: str = "", per_epoch_bar: bool = True, line: Callable[[dict], str | None] | None = None,
               main_process: bool = True, stop: Callable[[], bool] | None = None) -> list[dict]:
    """Runs epochs [start, epochs) and returns the history (one record per epoch).

    `config` is the run's config as plain data; a checkpoint written under another config is refused.
    `after_epoch()` adds numbers measured outside the timed training (validation). `per_epoch_bar`:
    a bar per epoch over its steps (long epochs) or one bar over the epochs (many short ones).
    `line(rec)` is the epoch's printed summary (None: print nothing). `main_process` is False on the
    other ranks of a distributed run: they neither print nor write. `stop()` ends the run early."""
    history: list[dict] = []
    start = 0
    ckpt = checkpoint_path(work_dir) if work_dir is not None else None
    if ckpt is not None and resume and ckpt.exists():
        state = load_file(ckpt)
        if state.get("config") != config:
            raise ConfigError(f"{ckpt}: the checkpoint was written with a different config; delete it or use a new "
                              "work dir")
        trainer.load_state_dict(state["trainer"])
        torch.set_rng_state(state["torch_rng"])
        history, start = state["history"], state["epoch"]
        if main_process:
            print(f"resumed from {ckpt} after epoch {start}", flush=True)
            for rec in history if on_epoch else []:  # a new run (a rerun) gets the whole history
                on_epoch(rec["epoch"], rec)
    train_seconds = history[-1].get("train_seconds", 0.0) if history else 0.0
    interval = float(os.environ.get("PAPERLINE_CHECKPOINT_SECONDS", "10"))
    last_save = time.monotonic()
    overall = None
    if not per_epoch_bar:
        overall = tqdm(total=epochs, initial=start, desc=desc, unit="epoch", mininterval=2, leave=False,
                       disable=not main_process)
    for epoch in range(start, epochs):
        bar = overall
        if per_epoch_bar:
            bar = tqdm(total=trainer.steps_per_epoch, desc=f"{desc + ' ' if desc else ''}epoch {epoch + 1}/{epochs}",
                       unit="batch", mininterval=2, disable=not main_process)

        def progress(bar=bar, **postfix):
            if per_epoch_bar:
                bar.update(1)
            if postfix:
                bar.set_postfix({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in postfix.items()},
                                refresh=False)

        t0 = time.perf_counter()
        rec = trainer.train_epoch(epoch, progress)
        took = time.perf_counter() - t0
        if per_epoch_bar:
            bar.close()
        else:
            bar.update(1)
        train_seconds += took
        images = rec.pop("images", None)
        rec = {"epoch": epoch + 1, **{k: _plain(v) for k, v in rec.items()}}
        if images is not None:
            rec["images_per_second"] = images / took
        rec["train_seconds"] = train_seconds
        if after_epoch is not None and main_process:
            rec.update({k: _plain(v) for k, v in after_epoch().items()})
        history.append(rec)
        if main_process:
            text = line(rec) if line else _default_line(rec)
            if text:
                print(text, flush=True)
            if on_epoch:
                on_epoch(epoch + 1, rec)
        stopping = stop is not None and stop()
        last = epoch + 1 == epochs or stopping
        if ckpt is not None and main_process and (last or time.monotonic() - last_save >= interval):
            save_atomic({"config": config, "epoch": epoch + 1, "history": history, "trainer": trainer.state_dict(),
                         "torch_rng": torch.get_rng_state()}, ckpt)
            last_save = time.monotonic()
            kill_point("train:checkpointed", desc)
        if stopping:
            break
    if overall is not None:
        overall.close()
    return history


def _plain(v):
    """numpy and tensor scalars as Python numbers: the history is plain data in the checkpoint."""
    return v.item() if hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v


def _default_line(rec: dict) -> str:
    parts = [f"epoch {rec['epoch']}:"]
    if "loss" in rec:
        parts.append(f"loss {rec['loss']:.4f}")
    if "train_accuracy" in rec:
        parts.append(f"train acc {rec['train_accuracy']:.3f}")
    if "images_per_second" in rec:
        parts.append(f"{rec['images_per_second']:.0f} img/s")
    return " ".join(parts)
