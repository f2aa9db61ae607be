"""Swing/Surprise stages on files: validate and clean the log, split by time, build both indexes
(starts the MLflow run), evaluate against the baselines, publish the index to the object store, and
the promotion gate's re-evaluation (registering is core.promotion's, like every family's). No KFP here."""

from __future__ import annotations

import io
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from paperline.core import experiments
from paperline.core.digest import Digest
from paperline.core.errors import DataError
from paperline.core.reports import html_table, markdown_table, write_evaluation
from paperline.recsys import metrics as R
from paperline.recsys.graph import ProductGraphConfig, build
from paperline.recsys.index_build import write_index
from paperline.recsys.interactions import clean, read_log, write_parquet

METRIC = "hitrate_at_20"   # substitutes (Swing), the promotion gate's metric
PLANTED = ("planted_items.csv", "planted.json")  # the generator's truth, carried along when present


def _carry_planted(src: Path, dst: Path) -> None:
    import shutil

    for name in PLANTED:
        if (src / name).is_file():
            shutil.copyfile(src / name, dst / name)


def validate(root: str, out_dir: str, report_dir: str, max_bad_share: float = 0.01) -> dict:
    """The GE suite on the log as read, then the clean canonical table and its window into `out_dir`."""
    from paperline.recsys.validation import validate_log

    log = read_log(root)
    stats = validate_log(log, report_dir, max_bad_share)
    df, drops = clean(log)
    out = Path(out_dir)
    write_parquet(df, out / "interactions.parquet")
    (out / "window.json").write_text(json.dumps({"window": log.window, "source": Path(log.path).name,
                                                 "format": log.format}))
    _carry_planted(Path(log.path).parent, out)
    print(f"{log.path}: {len(log)} rows ({log.format}), kept {drops['kept']}; dropped "
          + ", ".join(f"{k[8:]} {v}" for k, v in drops.items() if k.startswith("dropped_")), flush=True)
    return {**stats, **drops}


def split(clean_dir: str, out_dir: str, test_days: int = 1) -> dict:
    df = pd.read_parquet(Path(clean_dir) / "interactions.parquet")
    window = json.loads((Path(clean_dir) / "window.json").read_text())["window"]
    train, test, cut = R.time_split(df, window[1] if window else None, test_days)
    if train.empty or test.empty:
        raise DataError(f"{clean_dir}: the time split at {cut} leaves {'no training' if train.empty else 'no test'} "
                        f"interactions (log spans {df['ts'].min()}..{df['ts'].max()}, test_days={test_days})")
    out = Path(out_dir)
    write_parquet(train, out / "train.parquet")
    write_parquet(test, out / "test.parquet")
    info = {"train_rows": len(train), "test_rows": len(test), "cut_ts": cut}
    (out / "split.json").write_text(json.dumps(info))
    _carry_planted(Path(clean_dir), out)
    print(f"time split at {cut}: {len(train)} training and {len(test)} test interactions", flush=True)
    return info


def build_index(split_dir: str, cfg: ProductGraphConfig, out_dir: str, paper: str, kfp_run_id: str,
                data_meta: dict, run_name: str = "") -> tuple[str, dict]:
    """Both indexes (Parquet) into `out_dir`, inside this run's MLflow run; returns its id."""
    train = pd.read_parquet(Path(split_dir) / "train.parquet")
    with experiments.training_run(paper, kfp_run_id, data_meta, asdict(cfg), run_name, checkpoints=False) as run:
        sub, comp, stats = build(train, cfg, str(Path(split_dir) / "train.parquet"))
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        sub.to_parquet(out / "substitute.parquet", index=False)
        comp.to_parquet(out / "complement.parquet", index=False)
        (out / "build.json").write_text(json.dumps(stats))
        run.log_metrics({k: v for k, v in stats.items() if k != "engine"})
    return run.id, stats


def _read(index_dir: str) -> dict[str, pd.DataFrame]:
    return {rel: pd.read_parquet(Path(index_dir) / f"{rel}.parquet") for rel in ("substitute", "complement")}


def evaluate(split_dir: str, index_dir: str, cfg: ProductGraphConfig, out_dir: str, run_id: str) -> dict:
    """HitRate/Recall@10/20/50 and coverage of Swing and Surprise against the baselines on the test
    period; report, plot and metrics to the run."""
    sp = Path(split_dir)
    digest = Digest()
    train, test = pd.read_parquet(sp / "train.parquet"), pd.read_parquet(io.BytesIO(digest.bytes(sp / "test.parquet")))
    md5 = digest.hexdigest()
    idx = _read(index_dir)
    clicks, buys = train[train["behavior"].isin(cfg.behaviors)], train[train["behavior"] == "buy"]
    st, ct = R.substitute_tasks(train, test, cfg.behaviors), R.complement_tasks(train, test)
    if st["pairs"].empty:
        raise DataError(f"{split_dir}: the test period ({len(test)} interactions from {test['ts'].min()}) holds "
                        "no pair of consecutive clicks on a trained item: nothing to evaluate the index on; widen "
                        "test_days or check the log's timestamps (nothing was published or registered)")
    k = max(R.KS)
    t0 = time.perf_counter()
    s_anchors = set(st["pairs"]["a"]) | {a for a, _ in st["recall"]}
    subs = {"swing": idx["substitute"], **R.cooccurrence_baselines(clicks, s_anchors, k),
            "popularity": R.popularity(clicks, s_anchors, k), "implicit bm25": R.implicit_bm25(clicks, s_anchors, k)}
    c_anchors = set(ct["pairs"]["a"]) | {a for a, _ in ct["recall"]}
    comps = {"surprise": idx["complement"], **R.complement_baselines(buys, c_anchors, k),
             "popularity": R.popularity(buys, c_anchors, k)}
    results = {"substitutes": {m: R.score_index(ix, st) for m, ix in subs.items()},
               "complements": {m: R.score_index(ix, ct) for m, ix in comps.items()}}
    for m, ix in comps.items():
        results["complements"][m]["direction"] = R.direction_check(ix, ct["pairs"])
    if all((sp / name).is_file() for name in PLANTED):
        results.update(_planted_results(sp, st, ct, subs, comps))
    sw, su = results["substitutes"]["swing"], results["complements"]["surprise"]
    others = {m: v for m, v in results["substitutes"].items() if m != "swing"}
    best = max(others, key=lambda m: others[m]["hitrate@20"])
    planted = {}
    if "planted substitutes" in results:
        ps, pc = results["planted substitutes"]["swing"], results["planted complements"]["surprise"]
        planted = {"planted_substitute_hitrate_at_20": ps["hitrate@20"], "planted_substitute_pairs": ps["pairs"],
                   "planted_complement_hitrate_at_20": pc["hitrate@20"], "planted_complement_pairs": pc["pairs"],
                   "planted_complement_direction": pc["direction"]}
    metrics = {**{experiments.metric_key(f"{key}"): v for key, v in sw.items() if key not in ("pairs", "recall_users")},
               **{experiments.metric_key(f"complement_{key}"): v for key, v in su.items()
                  if key not in ("pairs", "recall_users")},
               "substitute_pairs": sw["pairs"], "complement_pairs": su["pairs"],
               "best_substitute_baseline_hitrate_at_20": others[best]["hitrate@20"],
               **planted, "eval_s": time.perf_counter() - t0}
    title = f"Swing / Surprise vs baselines ({len(test)} test interactions)"
    tables = list(_tables(results))
    files = write_evaluation(out_dir, title, metrics, md5, {"comparison.png": R.plot(results)},
                             extra_html="".join(html_table(*t) for t in tables),
                             extra_md="\n".join(markdown_table(*t) for t in tables))
    out = Path(out_dir)
    (out / "results.json").write_text(json.dumps({"metrics": metrics, "results": results, "eval_data_md5": md5},
                                                 indent=1))
    experiments.log_evaluation(run_id, metrics, md5, [*files, out / "results.json"])
    print(f"substitutes: swing HitRate@20 {sw['hitrate@20']:.4f} (best baseline {best} "
          f"{others[best]['hitrate@20']:.4f}) on {sw['pairs']} pairs; complements: surprise "
          f"HitRate@20 {su['hitrate@20']:.4f} on {su['pairs']} pairs", flush=True)
    return {**metrics, "eval_data_md5": md5}


def _planted_results(split_dir: Path, st: dict, ct: dict, subs: dict, comps: dict) -> dict:
    """The same pairs restricted to the generator's truth: substitute pairs inside one planted cluster,
    complement pairs from a category to its planted complement (how much of the planted structure each
    method recovers, apart from the rest of the behaviour in the log)."""
    items = pd.read_csv(split_dir / "planted_items.csv").set_index("item_id")
    truth = {tuple(p) for p in json.loads((split_dir / "planted.json").read_text())["complement_categories"]}
    sp, cp = st["pairs"], ct["pairs"]
    same = items["cluster"].reindex(sp["a"]).to_numpy() == items["cluster"].reindex(sp["b"]).to_numpy()
    cat = items["category_id"]
    comp = [(a, b) in truth for a, b in zip(cat.reindex(cp["a"]), cat.reindex(cp["b"]))]
    s_tasks = {"pairs": sp[same].reset_index(drop=True), "recall": None}
    c_tasks = {"pairs": cp[np.asarray(comp, bool)].reset_index(drop=True), "recall": None}
    out = {"planted substitutes": {m: R.score_index(ix, s_tasks) for m, ix in subs.items()},
           "planted complements": {m: R.score_index(ix, c_tasks) for m, ix in comps.items()}}
    for m, ix in comps.items():
        out["planted complements"][m]["direction"] = R.direction_check(ix, c_tasks["pairs"])
    return out


def _tables(results: dict):
    """(task, columns, rows of method and values) of each task, as both reports show them."""
    for task, methods in results.items():
        cols = [c for c in next(iter(methods.values())) if c not in ("pairs", "recall_users")]
        yield task, ["method", *cols], [[m, *(f"{v[c]:.4f}" for c in cols)] for m, v in methods.items()]


def index_uri(index_root: str, run_id: str) -> str:
    """Where a run's index goes: `index_root` (default PAPERLINE_INDEX_ROOT or the home)/swing/<run id>."""
    from paperline.core import settings

    return f"{(index_root or settings.index_root()).rstrip('/')}/swing/{run_id}"


def publish(index_dir: str, uri: str, meta: dict, local_dir: str, run_id: str) -> str:
    """Writes the serving layout (Parquet, text dumps, lookup tables) and publishes it to `uri`
    (a folder or s3://bucket/prefix): every file, then the _SUCCESS marker; the run records where."""
    from paperline.core import storage

    write_index(_read(index_dir), local_dir, meta)
    root = uri.rstrip("/").rpartition("/")[0]
    for gone in storage.sweep_incomplete(root, experiments.has_ended):
        print(f"removed {root}/{gone}: an index its killed run never finished publishing", flush=True)
    storage.publish_dir(local_dir, uri)
    experiments.set_tags(run_id, {"index_uri": uri})
    print(f"published the index to {uri}", flush=True)
    return uri


def reevaluate(index_dir: Path, split_dir: str, run) -> float:
    """The promotion gate's hook: a champion's substitute HitRate@20 on the candidate's test period
    (its click behaviours as the candidate's run configured them)."""
    sub = pd.read_parquet(Path(index_dir) / "i2i.parquet")
    sub = sub[sub["relation"] == "substitute"]
    sp = Path(split_dir)
    behaviors = tuple(b.strip() for b in run.params.get("click_behaviors", "pv").split(",") if b.strip())
    tasks = R.substitute_tasks(pd.read_parquet(sp / "train.parquet"), pd.read_parquet(sp / "test.parquet"), behaviors)
    return R.score_index(sub, tasks)["hitrate@20"]
