"""Training and decoding of the CTC model on utterances: features once per utterance, batches of
similar length, SpecAugment, AdamW under a one-cycle schedule, the shared epoch loop (progress,
checkpoint, resume). Pre-training starts from scratch; fine-tuning starts from the pre-trained
weights with the vocabulary grown (old rows kept) and a lower learning rate."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F

from paperline.asr.config import ASRConfig
from paperline.asr.features import cmvn, log_mel, spec_augment
from paperline.asr.formats import Utterance
from paperline.asr.model import ConformerCTC, Vocab, alignment_confidence, beam_search, greedy
from paperline.asr.speech import RATE, read_wav
from paperline.asr.text import Edits, edits
from paperline.core.loop import OneCycleTrainer, run_epochs
from paperline.core.workdirs import data_digest, resumable_dir


@dataclass
class Run:
    """One training's settings, as the shared one-cycle trainer reads them."""
    epochs: int
    lr: float
    batch_size: int
    weight_decay: float
    seed: int
    device: str
    threads: int
    spec_augment: bool
    d_model: int
    blocks: int
    heads: int
    kernel: int
    dropout: float


@dataclass
class Clips:
    ids: list[str]
    texts: list[str]
    feats: list[torch.Tensor]

    @property
    def seconds(self) -> float:
        return sum(len(f) for f in self.feats) / 100.0

    @cached_property
    def digest(self) -> str:
        """The clips' identity for a checkpoint key (ids, texts, features), hashed once: the same clips
        train several times in one step (seed rounds, pre-training)."""
        h = hashlib.md5("\n".join(f"{i}\t{t}" for i, t in zip(self.ids, self.texts)).encode())
        h.update(data_digest(*[f.numpy() for f in self.feats]).encode())
        return h.hexdigest()


def load_clips(utts: list[Utterance]) -> Clips:
    """Log-mel features of each utterance: a whole 16 kHz WAV, or its [start, end) span; a long audio
    file is read once for all its spans."""
    cache: dict[str, np.ndarray] = {}
    feats = []
    for u in utts:
        if u.audio not in cache:
            cache = {u.audio: read_wav(u.audio)}
        x = cache[u.audio]
        if u.start is not None:
            x = x[int(u.start * RATE): int(u.end * RATE)]
        feats.append(log_mel(x))
    return Clips([u.utt_id for u in utts], [u.text for u in utts], feats)


def build_model(vocab: int, cfg: ASRConfig | Run) -> ConformerCTC:
    return ConformerCTC(vocab, cfg.d_model, cfg.blocks, cfg.heads, cfg.kernel, cfg.dropout)


class CTCTrainer(OneCycleTrainer):
    def __init__(self, clips: Clips, vocab: Vocab, cfg, init: ConformerCTC | None = None):
        self.clips, self.vocab = clips, vocab
        self.targets = [torch.tensor(vocab.encode(t), dtype=torch.long) for t in clips.texts]
        self.lengths = np.array([len(f) for f in clips.feats])

        def make():
            if init is not None:
                return init
            model = build_model(len(vocab), cfg)
            model.mean, model.std = cmvn(clips.feats)
            return model

        super().__init__(make, cfg, len(clips.feats))
        # CTC sits on its all-blank plateau until the learning rate has been high for a while: 20 steps
        # of warm-up, the peak rate held, then a linear decay over the last 30 % (one-cycle's long
        # ramp and early annealing kept the 2-block model on the plateau for 20 epochs here)
        total = self.steps_per_epoch * cfg.epochs
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        warm, hold = min(20, total), int(0.7 * total)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda k: min((k + 1) / warm, 1.0) if k < hold
                                                       else max(0.05, (total - k) / max(1, total - hold)))
        self.gen = torch.Generator().manual_seed(cfg.seed)

    def train_epoch(self, epoch: int, progress) -> dict:
        self.model.train()
        total, seen = 0.0, 0
        # batches of mixed lengths: sorting by length (less padding) slowed the escape from the
        # all-blank plateau by about half here
        for idx in np.array_split(self.rng.permutation(len(self.lengths)), self.steps_per_epoch):
            feats = [self.model.normalise(self.clips.feats[i]) for i in idx]
            if self.cfg.spec_augment:
                feats = [spec_augment(f, self.gen) for f in feats]
            x = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True).to(self.device)
            lengths = torch.tensor([len(f) for f in feats], device=self.device)
            log_probs, out_len = self.model(x, lengths)
            ys = [self.targets[i] for i in idx]
            loss = F.ctc_loss(log_probs.transpose(0, 1), torch.cat(ys).to(self.device), out_len,
                              torch.tensor([len(y) for y in ys], device=self.device), zero_infinity=True)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            self.opt.step()
            self.sched.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
            progress(loss=float(loss.detach()))
        return {"loss": total / max(1, seen), "images": seen}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "gen": self.gen.get_state()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.gen.set_state(state["gen"])


def train(clips: Clips, vocab: Vocab, cfg: ASRConfig, epochs: int, lr: float, init: ConformerCTC | None = None,
          desc: str = "", on_epoch=None) -> tuple[ConformerCTC, list[dict]]:
    """`epochs` of CTC training from scratch (CMVN from these clips) or from `init`. Its checkpoints
    live in a folder keyed by everything that decides the result, so that a killed step started
    again resumes there (core/workdirs.py)."""
    run_cfg = Run(epochs, lr, cfg.batch_size, cfg.weight_decay, cfg.seed, cfg.device, cfg.threads, cfg.spec_augment,
                  cfg.d_model, cfg.blocks, cfg.heads, cfg.kernel, cfg.dropout)
    trainer = CTCTrainer(clips, vocab, run_cfg, init)
    key = {"cfg": asdict(cfg), "epochs": epochs, "lr": lr, "vocab": vocab.tokens, "data": clips.digest,
           "init": data_digest(*[p.detach().cpu().numpy() for p in init.state_dict().values()]) if init else ""}
    with resumable_dir("weak-asr", key) as work:
        history = run_epochs(trainer, epochs, {"epochs": epochs, "lr": lr, "clips": len(clips.ids),
                                               "vocab": len(vocab), "seed": cfg.seed},
                             work, on_epoch=on_epoch, desc=desc, per_epoch_bar=False,
                             line=lambda r: f"{desc} epoch {r['epoch']}/{epochs}: CTC loss {r['loss']:.3f}"
                             if r["epoch"] == epochs or r["epoch"] % max(1, epochs // 4) == 0 else None)
    trainer.model.eval()
    return trainer.model, history


@torch.no_grad()
def log_probs_of(model: ConformerCTC, clips: Clips, batch: int = 32):
    """(log-probabilities, frames) per clip, in order; batches of similar length."""
    model.eval()
    device = next(model.parameters()).device
    out = [None] * len(clips.feats)
    order = np.argsort([len(f) for f in clips.feats])
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        feats = [model.normalise(clips.feats[j]) for j in idx]
        x = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True).to(device)
        lp, n = model(x, torch.tensor([len(f) for f in feats], device=device))
        for k, j in enumerate(idx):
            out[j] = (lp[k].cpu(), int(n[k]))
    return out


def transcribe(model: ConformerCTC, vocab: Vocab, clips: Clips, beam: int = 1) -> list[str]:
    return [vocab.decode(greedy(lp, n) if beam <= 1 else beam_search(lp, n, beam))
            for lp, n in log_probs_of(model, clips)]


def evaluate_cer(model: ConformerCTC, vocab: Vocab, clips: Clips, beam: int = 1) -> tuple[float, Edits, list[str]]:
    """Corpus CER (edit-weighted) of the model's transcripts against the clips' texts."""
    hyps = transcribe(model, vocab, clips, beam)
    total = Edits()
    for ref, hyp in zip(clips.texts, hyps):
        total = total + edits(ref, hyp)
    return total.cer, total, hyps


def confidences(model: ConformerCTC, vocab: Vocab, clips: Clips) -> tuple[list[float], list[str]]:
    """Per clip, the CTC alignment confidence of its (OCR) text under the model, and the model's own
    greedy transcript."""
    conf, hyps = [], []
    for (lp, n), text in zip(log_probs_of(model, clips), clips.texts):
        conf.append(alignment_confidence(lp, n, vocab.encode(text)))
        hyps.append(vocab.decode(greedy(lp, n)))
    return conf, hyps
