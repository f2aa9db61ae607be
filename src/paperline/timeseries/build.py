"""The UCR datasets sktime ships inside its wheel, exported through our reader and writer into
`<out>/<Name>/<Name>_{TRAIN,TEST}.ts` plus `datasets.csv` (what `paperline data build ucr` and the DVC
stage `ucr_data` run). Nothing is downloaded."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

from paperline.core.errors import ConfigError
from paperline.timeseries.config import BUNDLED, UCRDataConfig
from paperline.timeseries.formats import length_of, read_split, write_ts


def sktime_data_dir() -> Path:
    spec = importlib.util.find_spec("sktime")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("sktime is not installed: it ships the bundled UCR datasets (pip install sktime)")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data"


def build_ucr_dataset(out: str | Path, cfg: UCRDataConfig) -> dict:
    """Re-writes each bundled dataset as .ts into a sibling directory renamed into place."""
    src = sktime_data_dir()
    unknown = sorted(set(cfg.datasets) - set(BUNDLED))
    if unknown:
        raise ConfigError(f"not bundled with sktime: {unknown}; bundled UCR classification sets: {BUNDLED}")
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for name in cfg.datasets:
        splits = {s: read_split(src, name, s) for s in ("TRAIN", "TEST")}
        for s, split in splits.items():
            write_ts(tmp / name / f"{name}_{s}.ts", split)
        tr, te = splits["TRAIN"], splits["TEST"]
        rows.append({"dataset": name, "train": len(tr), "test": len(te), "classes": len(tr.classes),
                     "length": length_of(tr, te),
                     "equal_length": tr.equal_length, "missing": tr.missing})
    with open(tmp / "datasets.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return {"images": sum(r["train"] + r["test"] for r in rows), "datasets": rows}
