"""pts-tracking's stages on files: train the Siamese network (the run's MLflow run starts here), run
one tracker over the test sequences (both protocols), evaluate every tracker of the run (VOT, OTB,
DAVIS, by tag, with the figures), and the promotion gate's and the CLI's hooks."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model
from paperline.core.digest import Digest
from paperline.core.errors import DataError
from paperline.core.figures import figure, to_png
from paperline.core.reports import html_table, markdown_table, write_evaluation
from paperline.tracker import metrics as M
from paperline.tracker.config import SIAMESE, TrackerConfig
from paperline.tracker.protocol import read_boxes, read_vot_result, track_all
from paperline.tracker.sequences import (
    Sequence,
    layout_roots,
    read_davis,
    read_frame,
    read_layout,
    read_mask,
    read_otb,
)

METRIC = "eao"
MAIN = "pts"
SUBSETS = ("occlusion", "distractor", "camera_motion")


def train_stage(root, cfg: TrackerConfig, model_path, paper: str, kfp_run_id: str, data_meta: dict,
                run_name: str = "") -> tuple[str, dict]:
    from paperline.tracker.train import train

    roots = layout_roots(root)
    if "davis" not in roots:
        raise DataError(f"{root}: no training sequences: the Siamese network trains on a DAVIS-layout folder "
                        "(JPEGImages/, Annotations/, ImageSets/2017/train.txt), as davis/ beside the test layout")
    with experiments.training_run(paper, kfp_run_id, data_meta, asdict(cfg), run_name) as run:
        _, history = train(roots["davis"], cfg, model_path, run.work_dir, on_epoch=run.on_epoch)
        info = {"train_s": history[-1]["train_seconds"], "pairs_per_second": history[-1]["images_per_second"],
                "peak_hit_rate": history[-1]["peak_hit_rate"], "loss": history[-1]["loss"]}
        run.log_metrics(info)
    return run.id, info


def test_sequences(root, cfg: TrackerConfig) -> list[Sequence]:
    return read_layout(root, cfg.layout, "val")


def track_stage(root, cfg: TrackerConfig, tracker: str, model_path, out_dir) -> dict:
    """One tracker of the comparison over the test sequences; Siamese ones use the trained network."""
    from paperline.core.device import set_threads

    set_threads(cfg.threads)
    model = load_model(model_path) if tracker in SIAMESE else None
    return track_all(tracker, test_sequences(root, cfg), out_dir, model, cfg.reinit_gap)


def _subsets(seq: Sequence) -> list[str]:
    names = [t for t in SUBSETS if t in seq.tags and seq.tags[t].any()]
    if seq.tags and not {"occlusion", "distractor"} & set(names):
        names.append("clean")
    return names


class Truth:
    """The test sequences with the truth of every layout the dataset holds for them."""

    def __init__(self, root, cfg: TrackerConfig):
        self.seqs = test_sequences(root, cfg)
        roots = layout_roots(root)
        otb = {s.name: s for s in read_otb(roots["otb"])} if "otb" in roots and cfg.layout != "otb" else {}
        davis = {s.name: s for s in read_davis(roots["davis"], "val")} if "davis" in roots else {}
        self.boxes = {s.name: (otb[s.name].boxes if s.name in otb else s.boxes) for s in self.seqs}
        self.masks = {s.name: davis[s.name] for s in self.seqs if s.name in davis}
        self.bounds = {s.name: read_frame(s.frames[0]).shape[1::-1] for s in self.seqs}
        digest = Digest()
        for s in self.seqs:
            digest.bytes(s.truth_file)
            for f in s.tag_files.values():
                digest.bytes(f)
        self.md5 = digest.hexdigest()

    def subsets(self) -> dict[str, list[str]]:
        out = {"all": [s.name for s in self.seqs]}
        for s in self.seqs:
            for name in _subsets(s):
                out.setdefault(name, []).append(s.name)
        return out


def score_tracker(truth: Truth, folder: Path, cfg: TrackerConfig) -> dict:
    """Every number of one tracker's results folder, overall and per subset."""
    low, high = cfg.eao_bounds()
    vot, ope = {}, {}
    tag_failures: dict[str, int] = {}
    for s in truth.seqs:
        results = read_vot_result(folder / "vot" / f"{s.name}.txt")
        if len(results) != len(s):
            raise DataError(f"{folder / 'vot' / s.name}.txt: {len(results)} result lines for {len(s)} frames")
        overlaps = M.vot_overlaps(results, s.regions(), truth.bounds[s.name])
        vot[s.name] = (results, overlaps)
        for f in M.failure_frames(results):
            for tag, values in s.tags.items():
                if values[f]:
                    tag_failures[tag] = tag_failures.get(tag, 0) + 1
        ope[s.name] = (read_boxes(folder / "ope" / f"{s.name}.txt"), truth.boxes[s.name])
    out = {}
    for subset, names in truth.subsets().items():
        v = M.summarise_vot({n: vot[n] for n in names}, low, high, cfg.burnin, cfg.reinit_gap,
                            sum(len(vot[n][0]) for n in names))
        o = M.summarise_ope({n: ope[n] for n in names})
        out[subset] = {**v, **o, "sequences": len(names)}
    speed = json.loads((folder / "speed.json").read_text())
    out["all"].update(fps=speed["fps"], tag_failures=tag_failures)
    if speed.get("masks") and truth.masks:
        j, f = davis_jf(truth, folder)
        out["all"].update(j=j, f=f)
    return out


def davis_jf(truth: Truth, folder: Path) -> tuple[float, float]:
    """Mean J and F over the sequences, first and last frame left out (the DAVIS toolkit's rule)."""
    js, fs = [], []
    for name, seq in truth.masks.items():
        pj, pf = [], []
        for i in range(1, len(seq) - 1):
            p = folder / "masks" / name / f"{i:05d}.png"
            pred = read_mask(p, 1) if p.is_file() else np.zeros(1, bool)
            gt = seq.mask(i)
            if pred.shape != gt.shape:
                pred = np.zeros_like(gt)
            pj.append(M.j_measure(pred, gt))
            pf.append(M.f_measure(pred, gt))
        js.append(np.mean(pj))
        fs.append(np.mean(pf))
    return float(np.mean(js)), float(np.mean(fs))


def _key(name: str) -> str:
    return name.replace("-", "_").replace("+", "_")


def evaluate(root, cfg: TrackerConfig, folders: dict[str, str], out_dir, run_id: str) -> dict:
    """Every tracker of the run side by side, logged to the run's MLflow run; the metric is PTS's EAO."""
    truth = Truth(root, cfg)
    scores = {name: score_tracker(truth, Path(folder), cfg) for name, folder in folders.items()}
    if MAIN not in scores:
        raise DataError(f"no results of {MAIN}, the registered tracker, among {', '.join(scores)}")
    metrics = {METRIC: scores[MAIN]["all"]["eao"]}
    for name, sc in scores.items():
        for subset, v in sc.items():
            prefix = _key(name) + ("" if subset == "all" else "_" + subset)
            for k in ("eao", "failures", "auc", "precision20", "accuracy"):
                metrics[f"{prefix}_{k}"] = float(v[k])
        for k in ("fps", "j", "f"):
            if k in sc["all"]:
                metrics[f"{_key(name)}_{k}"] = float(sc["all"][k])
    columns = ["tracker", "EAO", "accuracy", "failures", "robustness", "AUC", "prec@20", "J", "F", "fps (1 core)"]
    rows = [[n, f"{s['all']['eao']:.3f}", f"{s['all']['accuracy']:.3f}", s["all"]["failures"],
             f"{s['all']['robustness']:.2f}", f"{s['all']['auc']:.3f}", f"{s['all']['precision20']:.3f}",
             f"{s['all']['j']:.3f}" if "j" in s["all"] else "-", f"{s['all']['f']:.3f}" if "f" in s["all"] else "-",
             f"{s['all']['fps']:.0f}"] for n, s in scores.items()]
    subsets = [k for k in truth.subsets() if k != "all"]
    sub_cols = ["tracker", *(f"{k} {m}" for k in subsets for m in ("EAO", "fail", "AUC"))]
    sub_rows = [[n, *(f"{s[k]['eao']:.3f}" if m == "eao" else s[k]["failures"] if m == "failures" else
                      f"{s[k]['auc']:.3f}" for k in subsets for m in ("eao", "failures", "auc"))]
                for n, s in scores.items()]
    tags = sorted({t for s in scores.values() for t in s["all"]["tag_failures"]})
    tag_rows = [[n, *(s["all"]["tag_failures"].get(t, 0) for t in tags)] for n, s in scores.items()]
    counts = {k: len(v) for k, v in truth.subsets().items()}
    low, high = cfg.eao_bounds()
    kinds = ", ".join(f"{k} {v}" for k, v in counts.items())
    title = f"pts-tracking: {len(truth.seqs)} {cfg.layout.upper()} sequences ({kinds}), EAO over lengths {low}-{high}"
    md = (markdown_table("All sequences", columns, rows) + "\n" + markdown_table("By subset (sequences with the tag)",
          sub_cols, sub_rows) + "\n" + markdown_table("VOT failures on tagged frames", ["tracker", *tags], tag_rows))
    html = (html_table("All sequences", columns, rows) + html_table("By subset (sequences with the tag)", sub_cols,
            sub_rows) + html_table("VOT failures on tagged frames", ["tracker", *tags], tag_rows))
    pngs = {"success_precision.png": curves_figure(scores), "strip.png": strip_figure(truth, folders, cfg)}
    files = write_evaluation(out_dir, title, metrics, truth.md5, pngs, extra_html=html, extra_md=md)
    (Path(out_dir) / "scores.json").write_text(json.dumps(
        {n: {k: {m: (v.tolist() if isinstance(v, np.ndarray) else v) for m, v in d.items()} for k, d in s.items()}
         for n, s in scores.items()}))
    experiments.log_evaluation(run_id, metrics, truth.md5, files + [Path(out_dir) / "scores.json"])
    print("EAO: " + ", ".join(f"{n} {s['all']['eao']:.3f}" for n, s in scores.items()), flush=True)
    return {**metrics, "eval_data_md5": truth.md5}


def curves_figure(scores: dict) -> bytes:
    fig, (a, b) = figure(1, 2, figsize=(10, 3.8), dpi=100)
    for name, s in scores.items():
        style = "-" if name in SIAMESE else "--"
        a.plot(M.IOU_THRESHOLDS, s["all"]["success_curve"], style, label=f"{name} [{s['all']['auc']:.3f}]")
        b.plot(M.PIXEL_THRESHOLDS, s["all"]["precision_curve"], style,
               label=f"{name} [{s['all']['precision20']:.3f}]")
    a.set(xlabel="overlap threshold", ylabel="success rate", title="Success plot (OPE, AUC)")
    b.set(xlabel="location error threshold (px)", ylabel="precision", title="Precision plot (OPE, @20 px)")
    a.legend(fontsize=7)
    b.legend(fontsize=7)
    return to_png(fig)


COLOURS = [(0, 0, 255), (255, 128, 0), (0, 200, 255), (255, 0, 255), (0, 160, 0), (0, 255, 255), (255, 255, 0),
           (128, 0, 255), (80, 80, 255)]


def hardest(truth: Truth, folders: dict[str, str]) -> Sequence:
    """The test sequence with the most VOT failures over all trackers."""
    def failures(seq):
        return sum(len(M.failure_frames(read_vot_result(Path(f) / "vot" / f"{seq.name}.txt")))
                   for f in folders.values())
    return max(truth.seqs, key=failures)


def strip_figure(truth: Truth, folders: dict[str, str], cfg: TrackerConfig) -> bytes:
    """Frames of the hardest sequence with every tracker's one-pass box, PTS's mask and the truth."""
    import cv2

    seq = hardest(truth, folders)
    hard = np.zeros(len(seq), bool)
    for t in ("occlusion", "distractor"):
        hard |= seq.tags.get(t, np.zeros(len(seq), bool))
    span = np.flatnonzero(hard)
    lo, hi = (max(0, span[0] - 8), min(len(seq) - 1, span[-1] + 8)) if len(span) else (0, len(seq) - 1)
    idx = np.linspace(lo, hi, cfg.strip_frames).astype(int)
    boxes = {n: read_boxes(Path(f) / "ope" / f"{seq.name}.txt") for n, f in folders.items()}
    tiles = []
    for i in idx:
        im = read_frame(seq.frames[i]).copy()
        mask_file = Path(folders.get(MAIN, "")) / "masks" / seq.name / f"{i:05d}.png"
        if mask_file.is_file():
            m = read_mask(mask_file, 1)
            im[m] = (0.5 * im[m] + [0, 0, 127]).astype(np.uint8)
        g = truth.boxes[seq.name][i]
        if np.all(np.isfinite(g)):
            cv2.rectangle(im, (int(g[0]), int(g[1])), (int(g[0] + g[2]), int(g[1] + g[3])), (255, 255, 255), 2)
        for k, b in enumerate(boxes.values()):
            x, y, w, h = b[i]
            cv2.rectangle(im, (int(x), int(y)), (int(x + w), int(y + h)), COLOURS[k % len(COLOURS)], 1)
        cv2.putText(im, f"#{i + 1}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
        tiles.append(im[..., ::-1])
    fig, axes = figure(1, len(tiles), figsize=(2.6 * len(tiles), 2.6), dpi=100)
    for ax, t in zip(np.atleast_1d(axes), tiles):
        ax.imshow(t)
        ax.axis("off")
    legend = ", ".join(f"{n}" for n in boxes)
    fig.suptitle(f"{seq.name}: white truth, PTS mask in red; boxes ({legend}) in this order of colours: red, blue, "
                 "orange, magenta, green, yellow, cyan, pink, light red", fontsize=7)
    return to_png(fig)


def reevaluate(model_file: Path, root: str, run) -> float:
    """The promotion gate's hook: a champion's PTS EAO on the candidate's test sequences."""
    import tempfile

    cfg = TrackerConfig()
    truth = Truth(root, cfg)
    with tempfile.TemporaryDirectory() as tmp:
        track_all(MAIN, truth.seqs, tmp, load_model(model_file), cfg.reinit_gap)
        return score_tracker(truth, Path(tmp), cfg)["all"]["eao"]


def served(artifact: Path):
    """`predict({"video": path, "box": [x, y, w, h]})` of a registered model: one box per frame."""
    model = load_model(artifact)

    def predict(request) -> list[list[float]]:
        from paperline.tracker.sequences import read_video
        from paperline.tracker.track import track_frames

        req = request[0] if isinstance(request, list) else request
        boxes, _ = track_frames(read_video(req["video"]), req["box"], model, str(req["video"]))
        return boxes.tolist()

    return predict

