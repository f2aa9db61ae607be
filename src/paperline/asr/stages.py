"""weak-asr's model stages on files: pre-train on the weak corpus and fine-tune on the target set
(the main run starts the MLflow run), the same for each ablation, the target-only baseline, the
evaluation (CER of every system on the target test split, the weak labels' audit against the
generator's truth, CER against hours of weak data), and the promotion gate's re-evaluation."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from paperline.asr import filters
from paperline.asr.config import ASRConfig, _share
from paperline.asr.corpus_stages import utterances
from paperline.asr.formats import read_aishell, read_jsonl
from paperline.asr.model import Vocab, conformer_ctc, vocab_of, with_vocab
from paperline.asr.text import Edits, edits
from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.digest import Digest
from paperline.core.errors import DataError
from paperline.core.figures import figure, to_png
from paperline.core.reports import html_table, markdown_table, write_evaluation

METRIC = "cer"
MAIN = "weak-pretrain+finetune"


def variant_config(cfg: ASRConfig, variant: str) -> tuple[ASRConfig, float]:
    """(config with the variant's filter switched off, share of the weak rows used)."""
    if variant in ("", "full", MAIN):
        return cfg, 1.0
    if variant.startswith("hours="):
        return cfg, _share(variant)
    flag = {"no-rate": "filter_rate", "no-vad": "filter_vad", "no-agreement": "filter_agreement"}[variant]
    return replace(cfg, **{flag: False}), 1.0


def weak_rows(scored_dir: str | Path, cfg: ASRConfig, variant: str, rows: list[dict] | None = None) -> list[dict]:
    """The rows a variant pre-trains on, in a seeded order when it takes a share of the hours
    (`rows`: the scored table, when the caller has read it already)."""
    vcfg, share = variant_config(cfg, variant)
    rows = filters.kept(rows if rows is not None else read_jsonl(Path(scored_dir) / "scored.jsonl"), vcfg)
    if share < 1:
        order = np.random.default_rng(cfg.seed).permutation(len(rows))
        rows = [rows[i] for i in sorted(order[: max(1, int(round(share * len(rows))))])]
    if not rows:
        raise DataError(f"{scored_dir}: variant {variant or 'full'} keeps no weak utterance to pre-train on")
    return rows


def pretrain_finetune(root: str | Path, corpus_dir: str | Path, scored_dir: str | Path, cfg: ASRConfig,
                      variant: str, finetuned: str | Path, pretrained: str | Path, on_epoch=None) -> dict:
    """Pre-train on the variant's weak rows (model file `pretrained`), fine-tune on the target train
    split with the vocabulary grown by its new characters, old rows kept (model file `finetuned`)."""
    from paperline.asr.train import load_clips, train

    cfg.check()
    rows = weak_rows(scored_dir, cfg, variant)
    share = variant_config(cfg, variant)[1]
    epochs = max(1, round(cfg.pretrain_epochs / share))  # a share of the hours gets as many steps, not fewer
    target = read_aishell(Path(root) / "target", "train").utterances
    t0 = time.perf_counter()
    weak = load_clips(utterances(corpus_dir, rows))
    vocab = Vocab.from_texts(r["text"] for r in rows)
    name = variant or "full"
    model, h1 = train(weak, vocab, cfg, epochs, cfg.lr, desc=f"pre-train {name}",
                      on_epoch=_prefixed(on_epoch, "pretrain_"))
    save_model(with_vocab(model, vocab), pretrained, conformer_ctc)
    clips = load_clips(target)
    grown = vocab.grown(clips.texts)
    model.grow_output(len(grown))
    model, h2 = train(clips, grown, cfg, cfg.finetune_epochs, cfg.finetune_lr, init=model,
                      desc=f"fine-tune {name}", on_epoch=_prefixed(on_epoch, "finetune_"))
    save_model(with_vocab(model, grown), finetuned, conformer_ctc)
    info = {"variant": name, "weak_utterances": len(rows), "weak_hours": weak.seconds / 3600,
            "target_utterances": len(target), "vocab_pretrain": len(vocab), "vocab_finetune": len(grown),
            "pretrain_epochs": epochs, "pretrain_loss": h1[-1]["loss"], "finetune_loss": h2[-1]["loss"],
            "pretrain_utterances_per_second": h1[-1].get("images_per_second", 0.0), "train_s": time.perf_counter() - t0}
    print(f"{name}: pre-trained on {len(rows)} weak utterances ({info['weak_hours']:.3f} h), fine-tuned on "
          f"{len(target)} target utterances in {info['train_s']:.0f} s", flush=True)
    return info


def same_as_main(scored_dir: str | Path, cfg: ASRConfig, variant: str) -> bool:
    """Whether a variant would pre-train on exactly the main run's rows: then it is the main run's
    model (same data, same seed), and is not trained twice."""
    if variant_config(cfg, variant)[1] < 1:
        return False
    scored = read_jsonl(Path(scored_dir) / "scored.jsonl")
    ids = lambda v: [r["utt_id"] for r in weak_rows(scored_dir, cfg, v, scored)]  # noqa: E731
    return ids(variant) == ids("")


def train_variant(root, corpus_dir, scored_dir, cfg: ASRConfig, variant: str, model_path: str | Path) -> dict:
    """One run of the comparison: the target-only baseline, or an ablation (pre-train + fine-tune);
    an ablation whose rows equal the main run's is recorded as the main run's (`same_as`)."""
    if variant == "target-only":
        return train_target_only(root, cfg, model_path)
    if same_as_main(scored_dir, cfg, variant):
        Path(model_path).parent.mkdir(parents=True, exist_ok=True)
        Path(model_path).write_text(json.dumps({"variant": variant, "same_as": MAIN}))
        print(f"{variant}: keeps exactly the rows of the main run (its filter drops nothing the others do not): "
              "its model is the main run's, not trained again", flush=True)
        return {"variant": variant, "same_as": MAIN}
    pretrained = Path(model_path).parent / "pretrained.pt"
    return pretrain_finetune(root, corpus_dir, scored_dir, cfg, variant, model_path, pretrained)


def _prefixed(on_epoch, prefix: str):
    if on_epoch is None:
        return None
    return lambda epoch, rec: on_epoch(epoch, {prefix + k: v for k, v in rec.items() if k != "epoch"})


def train_main(root, corpus_dir, scored_dir, cfg: ASRConfig, finetuned, pretrained, paper: str, kfp_run_id: str,
               data_meta: dict, filter_info: dict, run_name: str = "") -> tuple[str, dict]:
    """The main system (every filter on, all weak hours): starts this pipeline run's MLflow run."""
    params = {**asdict(cfg), "variant": MAIN}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, run_name, tags={"variant": MAIN},
                                  checkpoints=False) as run:  # each training keys its own (asr/train.py)
        run.log_metrics({k: float(v) for k, v in filter_info.items() if isinstance(v, (int, float))})
        info = pretrain_finetune(root, corpus_dir, scored_dir, cfg, "", finetuned, pretrained, on_epoch=run.on_epoch)
        run.log_metrics({k: float(v) for k, v in info.items() if isinstance(v, (int, float))})
    return run.id, info


def train_target_only(root: str | Path, cfg: ASRConfig, model_path: str | Path) -> dict:
    """The baseline: the same model trained from scratch on the target train split only, for as many
    epochs as `target_epochs`."""
    from paperline.asr.train import load_clips, train

    clips = load_clips(read_aishell(Path(root) / "target", "train").utterances)
    vocab = Vocab.from_texts(clips.texts)
    t0 = time.perf_counter()
    model, h = train(clips, vocab, cfg, cfg.target_epochs, cfg.lr, desc="target-only")
    save_model(with_vocab(model, vocab), model_path, conformer_ctc)
    return {"variant": "target-only", "target_utterances": len(clips.ids), "loss": h[-1]["loss"],
            "train_s": time.perf_counter() - t0}


def test_cer(model_file: str | Path, root: str | Path, beam: int, split: str = "test") -> tuple[float, Edits, list]:
    from paperline.asr.train import evaluate_cer, load_clips

    model = load_model(model_file)
    clips = load_clips(read_aishell(Path(root) / "target", split).utterances)
    cer, total, hyps = evaluate_cer(model, vocab_of(model), clips, beam)
    return cer, total, list(zip(clips.ids, clips.texts, hyps))


def audit(root: str | Path, scored_dir: str | Path) -> dict:
    """The weak labels against the generator's truth (truth/<video>.json): the CER of the OCR text
    against what was spoken under it, the segment boundary error in ms, and per filter the precision
    and recall of the planted faults among what it drops."""
    rows = read_jsonl(Path(scored_dir) / "scored.jsonl")
    truth_dir = Path(root) / "truth"
    if not truth_dir.is_dir():
        return {}
    cues = {}
    label, kept_label, bounds = Edits(), Edits(), []
    flagged = {f: {"dropped": 0, "dropped_faulty": 0} for f in filters.REASONS}
    faulty_total = 0
    for r in rows:
        if r["video_id"] not in cues:
            path = truth_dir / f"{r['video_id']}.json"
            cues[r["video_id"]] = json.loads(path.read_text())["cues"] if path.is_file() else []
        cue = _matching_cue(cues[r["video_id"]], r["ocr_start"], r["ocr_end"])
        spoken = cue["spoken"] if cue else None
        e = edits(spoken or "", r["text"]) if spoken else Edits(0, 0, len(r["text"]), 0)
        label = label + e
        if r["subset"] in ("strong", "weak"):
            kept_label = kept_label + e
        if cue and cue["speech"] and not cue["faults"]:
            bounds.append((abs(r["start"] - cue["speech"][0]), abs(r["end"] - cue["speech"][1])))
        faulty = cue is None or bool(set(cue["faults"]) & {"lag", "mismatch", "nonspeech"})
        faulty_total += faulty
        if r["subset"] == "drop":
            flagged[r["drop_reason"]]["dropped"] += 1
            flagged[r["drop_reason"]]["dropped_faulty"] += faulty
    out = {"label_cer_all": label.cer, "label_cer_kept": kept_label.cer, "faulty_segments": faulty_total,
           "boundary_start_ms": 1000 * float(np.mean([b[0] for b in bounds])) if bounds else 0.0,
           "boundary_end_ms": 1000 * float(np.mean([b[1] for b in bounds])) if bounds else 0.0}
    for f, c in flagged.items():
        out[f"{f}_filter_precision"] = c["dropped_faulty"] / c["dropped"] if c["dropped"] else 0.0
        out[f"{f}_filter_recall"] = c["dropped_faulty"] / faulty_total if faulty_total else 0.0
    return out


def _matching_cue(cues: list[dict], start: float, end: float) -> dict | None:
    """The shown cue that overlaps the OCR span most (None: the OCR read something never shown)."""
    best, overlap = None, 0.0
    for c in cues:
        if c["shown_at"]:
            o = min(end, c["shown_at"][1]) - max(start, c["shown_at"][0])
            if o > overlap:
                best, overlap = c, o
    return best


def figures(systems: dict, hours: list[tuple[float, float]]) -> dict[str, bytes]:
    names = list(systems)
    fig, (a, b) = figure(1, 2, figsize=(10, 3.6), dpi=100)
    a.barh(names[::-1], [systems[n] for n in names][::-1], color="tab:blue")
    for i, n in enumerate(names[::-1]):
        a.text(systems[n], i, f" {systems[n]:.3f}", va="center", fontsize=8)
    a.set_xlabel("CER on the target test split (lower is better)")
    hs = sorted(hours)
    b.plot([h for h, _ in hs], [c for _, c in hs], "o-")
    b.set_xlabel("hours of weak data in pre-training (0: target only)")
    b.set_ylabel("CER")
    b.set_title("CER against hours of weak data", fontsize=9)
    return {"systems.png": to_png(fig)}


def evaluate(root: str | Path, scored_dir: str | Path, systems: list[tuple[str, str, float | None]],
             cfg: ASRConfig, out_dir: str | Path, run_id: str) -> dict:
    """CER (corpus-level, beam search) on the target test split of each (name, model file, weak hours)
    system, the first being the main one (a system without a file, None, is the main one's model);
    the weak-label audit; the figures; logged to the main run."""
    digest = Digest()
    for p in sorted((Path(root) / "target").rglob("*")):
        if p.is_file() and ("test" in p.parts or p.suffix == ".txt"):
            digest.bytes(p)
    md5 = digest.hexdigest()
    cers, rows, hours = {}, [], []
    for name, path, h in systems:
        cer, total, _ = test_cer(path or systems[0][1], root, cfg.beam)
        cers[name] = cer
        rows.append([name, f"{cer:.4f}", total.substitutions, total.deletions, total.insertions, total.reference])
        if h is not None:
            hours.append((h, cer))
    main = systems[0][0]
    info = audit(root, scored_dir)
    metrics = {METRIC: cers[main], **{"cer_" + _key(k): v for k, v in cers.items() if k != main},
               "weak_hours": systems[0][2] or 0.0, **info}
    columns = ["system", "CER", "S", "D", "I", "reference chars"]
    title = f"weak-asr: CER of weak pre-training + fine-tuning, target-only and the ablations (beam {cfg.beam})"
    files = write_evaluation(out_dir, title, metrics, md5, figures(cers, hours),
                             extra_md=markdown_table("CER on the target test split", columns, rows),
                             extra_html=html_table("CER on the target test split", columns, rows))
    experiments.log_evaluation(run_id, metrics, md5, files)
    print("CER on the target test split: " + ", ".join(f"{k} {v:.4f}" for k, v in cers.items()), flush=True)
    return {**metrics, "eval_data_md5": md5}


def _key(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.split(" ")[0]).strip("_")


def reevaluate(model_file: Path, root: str, run) -> float:
    """The promotion gate's hook: a champion's CER on the candidate's target test split."""
    return test_cer(model_file, root, 8)[0]


def served(artifact: Path):
    """`predict(audio)` of a registered model: transcripts of 16 kHz WAV paths or float arrays."""
    from paperline.asr.features import log_mel
    from paperline.asr.speech import read_wav
    from paperline.asr.train import Clips, transcribe

    model = load_model(artifact)
    vocab = vocab_of(model)

    def predict(audio) -> list[str]:
        items = audio if isinstance(audio, (list, tuple)) else [audio]
        feats = [log_mel(read_wav(a) if isinstance(a, (str, Path)) else np.asarray(a, np.float32)) for a in items]
        return transcribe(model, vocab, Clips([str(i) for i in range(len(feats))], [""] * len(feats), feats), beam=8)

    return predict
