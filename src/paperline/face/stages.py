"""Face-recognition stages (MV-Softmax and the rest of the face shelf) that need the model: train,
embed the verification images, and the promotion gate's re-evaluation. Validation is
paperline.face.validation's; evaluate and index-build read the embeddings (paperline.face.eval_stages).
Each takes plain paths and a config, returns a metrics dict; registering and promoting are
paperline.core.promotion's."""

from __future__ import annotations

import html
from dataclasses import asdict
from pathlib import Path

import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.digest import Digest
from paperline.core.errors import DataError
from paperline.core.papers import get_paper
from paperline.face.diagnostics import IMPOSTOR_PAIRS, collapse_warning
from paperline.face.embeddings import Embeddings
from paperline.face.formats import list_image_folder, load_train_set, read_pairs
from paperline.face.scoring import METRIC, pair_files, verification_metrics
from paperline.face.train import FaceEmbedder, FaceTrainConfig, embed_images, face_embedder, train_face
from paperline.faceimage.formats import decode_image, read_image


def train(dataset: str, model_path: str, cfg: FaceTrainConfig, paper: str, kfp_run_id: str, data_meta: dict,
          image_size: int = 112, train_format: str = "auto", run_name: str = "",
          report_path: str = "") -> tuple[str, list[dict]]:
    """Trains and saves the embedder (weights + config); returns (MLflow run id, history). The collapse
    diagnostics go to the run (per epoch, and drawn) and to `report_path` (HTML)."""
    cfg.check()
    spec = get_paper(paper)
    extra = {}
    if spec.train_data:
        images, labels, extra = spec.train_data(Path(dataset) / "train", image_size)
    else:
        images, labels = load_train_set(Path(dataset) / "train", image_size, train_format)
    params = {**asdict(cfg), "image_size": image_size, "train_images": len(images),
              "train_identities": int(labels.max()) + 1}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, run_name) as run:
        work = run.work_dir
        log_figures(run, spec, cfg, work)
        trainer = spec.trainer or train_face
        model, history = trainer(images, labels, cfg, work, on_epoch=run.on_epoch,
                                 impostors=impostor_pairs(dataset, image_size), **extra)
        diagnose(run, history, cfg, work, report_path)
        save_model(model, model_path, face_embedder)
    return run.id, history


def impostor_pairs(dataset: str, image_size: int, count: int = IMPOSTOR_PAIRS):
    """The first `count` different-identity pairs of verify/pairs.txt as two image stacks (None without
    them): the fixed pairs whose cosine the diagnostics follow."""
    verify = Path(dataset) / "verify"
    if not (verify / "pairs.txt").is_file():
        return None
    pairs = [p for p in read_pairs(verify / "pairs.txt", verify / "images") if not p.same][:count]
    if not pairs:
        return None
    return tuple(np.stack([read_image(getattr(p, side), image_size) for p in pairs]) for side in ("left", "right"))


def diagnose(run, history: list[dict], cfg: FaceTrainConfig, work: Path, report_path: str = "") -> str | None:
    """Draws the collapse diagnostics onto the run (and the step's HTML report); warns when they show
    collapse, on the console and as the run's `warning` tag."""
    from paperline.core.reports import report_html
    from paperline.core.tasklog import warn
    from paperline.face.plots import diagnostics_png

    png = diagnostics_png(history, Path(work) / "diagnostics.png", f"Collapse diagnostics, head {cfg.head}")
    run.log_artifact(str(png), "training")
    warning = collapse_warning(history, cfg.epochs, cfg.head, getattr(cfg, "adaptive", False))
    if warning:
        warn(warning)
        experiments.set_tags(run.id, {"warning": warning})
    if report_path:
        last = {k: history[-1][k] for k in ("loss", "train_accuracy", "target_cosine", "hard_share",
                                           "probe_mean_norm", "impostor_cosine") if k in history[-1]}
        extra = f"<p><b>warning:</b> {html.escape(warning)}</p>" if warning else ""
        Path(report_path).parent.mkdir(parents=True, exist_ok=True)
        Path(report_path).write_text(report_html("Training: collapse diagnostics", [png.read_bytes()], last, extra))
    return warning


def log_figures(run, spec, cfg, out_dir) -> None:
    """The paper's own pictures of its config (X2-Softmax: margin against angle), on the training run."""
    for path in spec.figures(cfg, out_dir) if spec.figures else []:
        run.log_artifact(str(path), "figures")


def require_split(dataset: str, split: str) -> Path:
    """SPLIT's folder, refused up front when its pairs.txt is missing."""
    root = Path(dataset) / split
    if not (root / "pairs.txt").is_file():
        raise DataError(f"{root / 'pairs.txt'}: missing; the {split}/ split (images/ + LFW-format pairs.txt) is needed"
                        + (" (the embedded set has it since 2026-12-01: paperline data build face)" if split == "val"
                           else ""))
    return root


def verification_images(dataset: str, image_size: int, split: str = "verify") -> tuple[list[Path], np.ndarray, str]:
    """Every image under SPLIT/images (the pairs' and the gallery's), decoded, and the md5 of the pair
    set: the pairs files and the images they name, each file read once (what the promotion gate
    compares)."""
    verify = require_split(dataset, split)
    digest = Digest()
    named = set()
    for f in pair_files(verify):
        digest.bytes(f)
        named |= {p for pr in read_pairs(f, verify / "images") for p in (pr.left, pr.right)}
    paths = sorted(named | set(list_image_folder(verify / "images")[0]))
    images = np.stack([decode_image(digest.file(p), str(p), image_size) if p in named else read_image(p, image_size)
                       for p in paths])
    return paths, images, digest.hexdigest()


def embed_verification(model: FaceEmbedder, dataset: str, image_size: int = 112, split: str = "verify") -> Embeddings:
    paths, images, md5 = verification_images(dataset, image_size, split)
    return Embeddings.of(Path(dataset) / split / "images", paths, embed_images(model, images), md5)


def embed(dataset: str, model_path: str, out_dir: str, image_size: int = 112) -> dict:
    """The verification images through the trained model, once: the artifact evaluate and index-build read."""
    emb = embed_verification(load_model(model_path), dataset, image_size)
    emb.save(out_dir)
    print(f"embedded {len(emb.vectors)} verification images ({emb.vectors.shape[1]}-d)", flush=True)
    return {"images": len(emb.vectors), "embedding_size": int(emb.vectors.shape[1]), "eval_data_md5": emb.eval_data_md5}


def model_metrics(model: FaceEmbedder, dataset: str, image_size: int = 112, split: str = "verify") -> dict:
    """Verification metrics of a model in memory on a split's pairs (a search candidate on val/, a
    champion being re-scored on verify/)."""
    return verification_metrics(dataset, embed_verification(model, dataset, image_size, split), split)[0]


def reevaluate(model_file: Path, dataset: str, run) -> float:
    """The promotion gate's hook: a champion's verification accuracy on the candidate's pairs."""
    return model_metrics(load_model(model_file), dataset, int(run.params.get("image_size", 112)))[METRIC]
