"""KDCTime stages on files: validate, train a teacher member, assemble the teacher (ensemble + soft
labels), calibrate (the variant's targets), train the student (starts the MLflow run), fit ROCKET,
evaluate all three side by side (accuracy, inference time per series), and the promotion gate's
re-evaluation. No KFP here."""

from __future__ import annotations

import pickle
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.digest import Digest
from paperline.core.errors import DataError, PaperlineError
from paperline.core.figures import figure, to_png
from paperline.core.reports import write_classification, write_evaluation
from paperline.core.workdirs import data_digest, resumable_dir
from paperline.timeseries import inception as T
from paperline.timeseries import kdctime as K

METRIC = "accuracy"


def train_member(root: str, name: str, cfg: T.TSConfig, member: int, model_path: str) -> dict:
    cfg.check()
    ds = K.load(root, name)
    t0 = time.perf_counter()
    key = {"cfg": asdict(cfg), "dataset": name, "member": member, "data": data_digest(ds.X, ds.y)}
    with resumable_dir("kdctime-teacher", key) as work:
        net, history = K.train_member(ds, cfg, member, work_dir=work)
        save_model(net, model_path, T.inception_net)
    best = min(history, key=lambda r: r["loss"])
    print(f"teacher member {member + 1}/{cfg.members} on {name}: best training loss {best['loss']:.4f}, "
          f"training accuracy {best['train_accuracy']:.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return {"member": member, "train_loss": best["loss"], "train_accuracy": best["train_accuracy"],
            "train_s": time.perf_counter() - t0}


def assemble_teacher(root: str, name: str, member_paths: list[str], cfg: T.TSConfig, teacher_path: str,
                     soft_path: str) -> dict:
    """The ensemble of the members (InceptionTime) and its soft labels on the training series at tau."""
    if len(member_paths) != cfg.members:
        raise DataError(f"expected {cfg.members} teacher members, got {len(member_paths)}")
    ds = K.load(root, name)
    members = [load_model(p) for p in member_paths]
    teacher = T.Ensemble(members).eval()
    teacher.config = {"members": len(members), **members[0].config}
    save_model(teacher, teacher_path, T.inception_time)
    q = K.teacher_soft_labels(members, ds.X, cfg.tau)
    _save_npz(soft_path, q=q, y=ds.y)
    train_acc = K.accuracy(q, ds.y)
    print(f"teacher ({len(members)} nets): training accuracy {train_acc:.3f}; soft labels at tau={cfg.tau}",
          flush=True)
    return {"teacher_train_accuracy": train_acc}


def _save_npz(path: str, **arrays) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(path) + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.rename(path)


def calibrate(soft_path: str, cfg: T.TSConfig, targets_path: str) -> dict:
    """The student's targets for `cfg.variant` (teacher soft labels, calibrated for kdct/kdcr), computed
    once and stored: the student treats them as constants."""
    with np.load(soft_path) as f:
        q, y = f["q"], f["y"]
    targets, tau, stats = T.targets_for(cfg.variant, y, q.shape[1], cfg, q)
    _save_npz(targets_path, targets=targets, y=y, tau=np.float64(tau))
    if stats:
        print(f"{cfg.variant}: teacher mis-predicts {stats['mispredicted']} of {len(y)} training series "
              f"({stats['mispredicted_share']:.1%}); mean L1 change {stats['mean_l1_change']:.4f}", flush=True)
    return {"variant": cfg.variant, "tau": tau, **stats}


def train_student(root: str, name: str, targets_path: str, cfg: T.TSConfig, model_path: str, paper: str,
                  kfp_run_id: str, data_meta: dict, teacher_info: dict, run_name: str = ""
                  ) -> tuple[str, list[dict]]:
    """Starts this pipeline run's MLflow run (params, the teacher's and calibration's figures), trains."""
    ds = K.load(root, name)
    with np.load(targets_path) as f:
        targets, y, tau = f["targets"], f["y"], float(f["tau"])
    if len(y) != len(ds.y) or not np.array_equal(y, ds.y):
        raise DataError(f"{targets_path}: targets were made for other training labels than {name}'s")
    params = {**asdict(cfg), "dataset": name, "train_series": len(ds.y), "test_series": len(ds.yt),
              "classes": ds.k, "series_length": ds.X.shape[-1]}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, run_name,
                                  tags={"dataset": name}) as run:
        run.log_metrics(teacher_info)
        net, history = K.train_student(ds, targets, tau, cfg, on_epoch=run.on_epoch,
                                       work_dir=run.work_dir)
        save_model(net, model_path, T.inception_net)
    return run.id, history


def fit_rocket(root: str, name: str, cfg: T.TSConfig, model_path: str) -> dict:
    """The external baseline on the same split: aeon ROCKET, pickled for the evaluation."""
    ds = K.load(root, name)
    t0 = time.perf_counter()
    model = K.fit_rocket(ds.X, ds.y, cfg.rocket_kernels, cfg.seed)
    fit_s = time.perf_counter() - t0
    Path(model_path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(model_path) + ".tmp")
    tmp.write_bytes(pickle.dumps(model))
    tmp.rename(model_path)
    print(f"ROCKET ({cfg.rocket_kernels} kernels) fitted on {len(ds.y)} series in {fit_s:.1f} s", flush=True)
    return {"rocket_fit_s": fit_s}


def comparison_png(acc: dict, ms: dict, title: str) -> bytes:
    """Accuracy and inference time per series (log scale) of the student, the teacher and ROCKET."""
    names = list(acc)
    colours = ["tab:blue", "tab:orange", "tab:green"]
    fig, (a, b) = figure(1, 2, figsize=(9, 3.4), dpi=100)
    a.bar(names, [acc[n] for n in names], color=colours)
    a.set_ylim(0, 1.05)
    a.set_ylabel("test accuracy")
    for i, n in enumerate(names):
        a.text(i, acc[n] + 0.01, f"{acc[n]:.3f}", ha="center", fontsize=9)
    b.bar(names, [ms[n] for n in names], color=colours)
    b.set_yscale("log")
    b.set_ylabel("inference ms per series (log)")
    for i, n in enumerate(names):
        b.text(i, ms[n], f"{ms[n]:.3g}", ha="center", va="bottom", fontsize=9)
    fig.suptitle(title, fontsize=10)
    return to_png(fig)


def evaluate(root: str, name: str, student_path: str, teacher_path: str, rocket_path: str, out_dir: str,
             run_id: str, variant: str = "") -> dict:
    """Test accuracy of the student, the teacher and ROCKET; their inference time per series measured
    one after the other in this process (best of 3, after a warm-up); report and plot to MLflow."""
    digest = Digest()
    ds = K.load(root, name, read_test=digest.bytes)
    md5 = digest.hexdigest()
    student, teacher = load_model(student_path), load_model(teacher_path)
    rocket = pickle.loads(Path(rocket_path).read_bytes())  # our own step's sklearn model, not a torch file
    predicted = {k: f(ds.Xt) for k, f in K.predictors(student, teacher, rocket).items()}
    acc = {k: float((p == ds.yt).mean()) for k, p in predicted.items()}
    ms = K.inference_ms(student, teacher, rocket, ds.Xt, batch=256)
    single = K.inference_ms(student, teacher, rocket, ds.Xt, batch=1)
    length = ds.Xt.shape[-1]
    metrics = {METRIC: acc["student"], "teacher_accuracy": acc["teacher"], "rocket_accuracy": acc["ROCKET"],
               "student_ms_per_series": ms["student"], "teacher_ms_per_series": ms["teacher"],
               "rocket_ms_per_series": ms["ROCKET"], "speedup_vs_rocket": ms["ROCKET"] / ms["student"],
               "speedup_vs_teacher": ms["teacher"] / ms["student"],
               "student_ms_single": single["student"], "rocket_ms_single": single["ROCKET"],
               "speedup_vs_rocket_single": single["ROCKET"] / single["student"],
               "student_macs": K.inception_macs(student, length), "rocket_macs": K.rocket_macs(rocket, length),
               "test_series": len(ds.yt)}
    title = f"{name}: {variant or 'student'} vs InceptionTime teacher vs ROCKET"
    files = write_evaluation(out_dir, title, metrics, md5, {"comparison.png": comparison_png(acc, ms, title)})
    confusion = np.zeros((ds.k, ds.k), np.int64)  # the student's: rows true class, columns predicted
    np.add.at(confusion, (ds.yt, predicted["student"]), 1)
    write_classification(out_dir, categories=ds.classes, matrix=confusion.tolist())
    experiments.log_evaluation(run_id, metrics, md5, files, tags={"dataset": name})
    print(f"{name}: accuracy student {acc['student']:.4f}, teacher {acc['teacher']:.4f}, ROCKET {acc['ROCKET']:.4f}; "
          f"inference per series student {ms['student']:.3f} ms, teacher {ms['teacher']:.3f} ms, "
          f"ROCKET {ms['ROCKET']:.3f} ms in batches of 256 (ROCKET / student {metrics['speedup_vs_rocket']:.1f}×; "
          f"one at a time {metrics['speedup_vs_rocket_single']:.1f}×); multiply-accumulates per series student "
          f"{metrics['student_macs']:,}, ROCKET {metrics['rocket_macs']:,}", flush=True)
    return {**metrics, "eval_data_md5": md5}


def reevaluate(model_file: Path, root: str, run) -> float:
    """The promotion gate's hook: a champion's accuracy on the candidate's test split (the dataset
    named by the candidate's run)."""
    name = run.params.get("dataset") or run.tags.get("dataset", "")
    ds, champion = K.load(root, name), load_model(model_file)
    if champion.config["classes"] != ds.k:
        raise PaperlineError(f"the champion predicts {champion.config['classes']} classes, {name} has {ds.k}: it was "
                             "trained on another dataset; give each dataset its own model_name")
    return K.accuracy(T.predict_logits(champion, ds.Xt), ds.yt)
