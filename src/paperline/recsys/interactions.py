"""Interaction logs in their real formats, read into one canonical table.

Formats: Taobao UserBehavior (`UserBehavior.csv`, no header, `user_id,item_id,category_id,behavior,ts`,
unix seconds), Retailrocket `events.csv` (header `timestamp,visitorid,event,itemid,transactionid`,
milliseconds; categories from `item_properties*.csv` beside it when present) and the canonical Parquet
table `interactions(user_id int64, item_id int64, category_id int64, behavior string, ts int64)`.

A file that cannot be parsed (wrong column count, a non-numeric id or timestamp, an empty id) fails
with its name and the first bad line. Rows that parse but do not belong (an unknown behaviour, a
timestamp outside the dataset's window, exact duplicates) are kept here and counted by the validation
suite; `clean` drops them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from paperline.core.errors import DataError

COLUMNS = ["user_id", "item_id", "category_id", "behavior", "ts"]
ID_COLUMNS = ["user_id", "item_id", "category_id", "ts"]
BEHAVIORS = ("pv", "buy", "cart", "fav")
# Tianchi UserBehavior: 2017-11-25 00:00 .. 2017-12-04 00:00 China time (UTC+8), [start, end)
USERBEHAVIOR_WINDOW = (1511539200, 1512316800)
RETAILROCKET_EVENTS = {"view": "pv", "addtocart": "cart", "transaction": "buy"}


@dataclass
class Log:
    """A log in canonical columns plus where each row came from (`line`: 1-based line in `path`)."""
    table: pd.DataFrame
    path: str
    format: str
    window: tuple[int, int] | None

    def __len__(self) -> int:
        return len(self.table)

    @cached_property
    def flags(self) -> dict[str, np.ndarray]:
        """Boolean masks of the rows `clean` drops, by reason (the validation suite counts the same;
        computed once: the duplicate check is the costly part on a large log)."""
        t = self.table
        flags = {"unknown_behavior": ~t["behavior"].isin(BEHAVIORS).to_numpy(),
                 "negative_id": (t[["user_id", "item_id"]].to_numpy() < 0).any(axis=1)}
        if self.window is not None:
            ts = t["ts"].to_numpy()
            flags["outside_window"] = (ts < self.window[0]) | (ts >= self.window[1])
        flags["duplicate"] = t.duplicated(COLUMNS).to_numpy()
        return flags


def find_log(root: str | Path) -> tuple[Path, str]:
    """The log file under `root` (or `root` itself) and its format, by the real datasets' file names."""
    root = Path(root)
    if root.is_file():
        candidates = [root]
    elif root.is_dir():
        candidates = sorted(p for p in root.iterdir() if p.is_file())
    else:
        raise DataError(f"{root}: no such file or directory")
    for p in candidates:
        if p.name.lower() == "userbehavior.csv":
            return p, "userbehavior"
        if p.name.lower() == "events.csv":
            return p, "retailrocket"
        if p.suffix.lower() == ".parquet":
            return p, "parquet"
    raise DataError(f"{root}: no interaction log found (expected UserBehavior.csv, Retailrocket events.csv "
                    "or a .parquet interactions table)")


def read_log(root: str | Path) -> Log:
    path, fmt = find_log(root)
    if fmt == "userbehavior":
        return Log(read_userbehavior(path), str(path), fmt, USERBEHAVIOR_WINDOW)
    if fmt == "retailrocket":
        return Log(read_retailrocket(path), str(path), fmt, None)
    return Log(read_parquet(path), str(path), fmt, None)


def _first_bad_line(path: Path, ncols: int, numeric: list[int], skip_header: bool) -> str:
    """Scans the file for the first line that breaks the layout; the message names it."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if skip_header and n == 1:
                continue
            if len(row) != ncols:
                return f"{path}:{n}: expected {ncols} comma-separated columns, found {len(row)}"
            for c in numeric:
                v = row[c].strip()
                if not v.lstrip("-").isdigit():
                    what = "empty" if not v else f"not an integer ({v[:30]!r})"
                    return f"{path}:{n}: column {c + 1} is {what}"
    return f"{path}: could not be parsed as CSV"


def _read_csv(path: Path, names: list[str], numeric: list[str], header: bool) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file (no interactions)")
    with open(path, "rb") as f:
        if f.read(2) == b"\x1f\x8b":
            raise DataError(f"{path}: gzip-compressed, not CSV text; gunzip it first (and check it is complete: "
                            "gzip -t)")
    types = {c: pa.int64() for c in numeric}
    types.update({c: pa.string() for c in names if c not in numeric})
    try:
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=None if header else names,
                                                                    skip_rows=0, block_size=1 << 24),
                               convert_options=pacsv.ConvertOptions(column_types=types,
                                                                    include_columns=names, strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowKeyError) as e:
        idx = [names.index(c) for c in numeric]
        raise DataError(_first_bad_line(path, len(names), idx, header) + f" ({str(e).splitlines()[0][:120]})") \
            from None
    df = table.to_pandas()
    for c in numeric:
        if df[c].isna().any():
            n = int(np.flatnonzero(df[c].isna().to_numpy())[0]) + 1 + int(header)
            raise DataError(f"{path}:{n}: column {c} is empty")
    return df


def read_userbehavior(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    df = _read_csv(path, COLUMNS, ID_COLUMNS, header=False)
    df["behavior"] = df["behavior"].fillna("")
    df["line"] = np.arange(1, len(df) + 1, dtype=np.int64)
    return df


def _retailrocket_categories(folder: Path) -> dict[int, int]:
    """itemid -> categoryid (its latest value) from item_properties*.csv when the folder has them."""
    parts = sorted(folder.glob("item_properties*.csv"))
    frames = []
    for p in parts:
        props = pd.read_csv(p, usecols=["timestamp", "itemid", "property", "value"], dtype={"value": str})
        frames.append(props[props["property"] == "categoryid"])
    if not frames:
        return {}
    cats = pd.concat(frames).sort_values("timestamp").drop_duplicates("itemid", keep="last")
    return dict(zip(cats["itemid"].astype(np.int64), pd.to_numeric(cats["value"], errors="coerce").fillna(-1)
                    .astype(np.int64)))


def read_retailrocket(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    names = ["timestamp", "visitorid", "event", "itemid", "transactionid"]
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        head = f.readline().strip().split(",")
    if head != names:
        raise DataError(f"{path}:1: expected the Retailrocket header {','.join(names)}, found {','.join(head)[:80]}")
    df = _read_csv(path, names, ["timestamp", "visitorid", "itemid"], header=True)
    cats = _retailrocket_categories(path.parent)
    out = pd.DataFrame({"user_id": df["visitorid"], "item_id": df["itemid"],
                        "category_id": df["itemid"].map(cats).fillna(-1).astype(np.int64) if cats
                        else np.full(len(df), -1, np.int64),
                        "behavior": df["event"].map(RETAILROCKET_EVENTS).fillna(df["event"].fillna("")),
                        "ts": df["timestamp"] // 1000, "line": np.arange(2, len(df) + 2, dtype=np.int64)})
    return out


def read_parquet(path: str | Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(f"{path}: not a readable Parquet file ({e})") from None
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; the interactions table has "
                        f"{', '.join(COLUMNS)}")
    df = table.select(COLUMNS).to_pandas()
    for c in ID_COLUMNS:
        if not pd.api.types.is_integer_dtype(df[c]):
            bad = pd.to_numeric(df[c], errors="coerce")
            rows = np.flatnonzero(bad.isna().to_numpy() | (bad != bad.round()).to_numpy())
            if len(rows):
                raise DataError(f"{path}: row {rows[0] + 1}: column {c} is not an integer ({df[c].iloc[rows[0]]!r})")
            df[c] = bad.astype(np.int64)
    df["behavior"] = df["behavior"].fillna("")
    df["line"] = np.arange(1, len(df) + 1, dtype=np.int64)
    return df


def clean(log: Log) -> tuple[pd.DataFrame, dict]:
    """Canonical rows that belong (known behaviour, in the window, first of exact duplicates), and
    how many were dropped for each reason. An empty result is an error naming the file."""
    flags = log.flags
    bad = np.zeros(len(log.table), bool)
    for m in flags.values():
        bad |= m
    counts = {f"dropped_{k}": int(m.sum()) for k, m in flags.items()}
    out = log.table.loc[~bad, COLUMNS].reset_index(drop=True)
    out = out.astype({c: np.int64 for c in ID_COLUMNS})
    if out.empty:
        reasons = ", ".join(f"{k[8:]} {v}" for k, v in counts.items() if v) or "the file has no rows"
        raise DataError(f"{log.path}: no usable interactions ({len(log.table)} rows; dropped: {reasons})")
    return out, {"rows": len(log.table), "kept": len(out), **counts}


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """The canonical table, written to a sibling and renamed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([("user_id", pa.int64()), ("item_id", pa.int64()), ("category_id", pa.int64()),
                        ("behavior", pa.string()), ("ts", pa.int64())])
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pandas(df[COLUMNS], schema=schema, preserve_index=False), tmp)
    tmp.rename(path)
