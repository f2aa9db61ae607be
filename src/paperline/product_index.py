"""The published item-to-item index: Parquet for analysis, a text dump for serving systems, and a
memory-mapped lookup layout that answers one anchor in O(1).

    i2i.parquet                 anchor int64, neighbor int64, score double, rank int32, relation string
    substitute.txt, complement.txt   anchor<TAB>j1:s1,j2:s2,...   (rank order)
    lookup/<relation>/slots.npy     open-addressing hash table: (anchor, row) pairs, -1 rows empty
    lookup/<relation>/offsets.npy   row r's neighbours are neighbors[offsets[r]:offsets[r+1]]
    lookup/<relation>/neighbors.npy, scores.npy
    meta.json                   what built it (config, data version, figures)

A lookup hashes the anchor (Fibonacci hashing), probes linearly to its row and slices two arrays:
constant work whatever the index size, and only the touched pages are read from disk.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import settings, storage
from .errors import DataError

if TYPE_CHECKING:
    import pandas as pd

RELATIONS = ("substitute", "complement")
GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: Fibonacci hashing


def _bits(n: int) -> int:
    return max(4, int(np.ceil(np.log2(max(2 * n, 2)))))


def _write_relation(df: pd.DataFrame, out: Path) -> None:
    from .index_table import fill

    df = df.sort_values(["anchor", "rank"])
    anchors, counts = np.unique(df["anchor"].to_numpy(np.int64), return_counts=True)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "slots.npy", fill(anchors, _bits(len(anchors))))
    np.save(out / "offsets.npy", np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    np.save(out / "neighbors.npy", df["neighbor"].to_numpy(np.int64))
    np.save(out / "scores.npy", df["score"].to_numpy(np.float64))


def _write_dump(df: pd.DataFrame, path: Path) -> None:
    df = df.sort_values(["anchor", "rank"])
    cells = df["neighbor"].astype(str) + ":" + df["score"].map("{:.6g}".format)
    lines = cells.groupby(df["anchor"].to_numpy()).agg(",".join)
    with open(path, "w") as f:
        for anchor, row in lines.items():
            f.write(f"{anchor}\t{row}\n")


def write_index(relations: dict[str, pd.DataFrame], out_dir: str | Path, meta: dict) -> Path:
    """All files into a sibling directory, renamed into place when complete."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    with storage.building_dir(out_dir) as tmp:
        frames = []
        for rel, df in relations.items():
            if rel not in RELATIONS:
                raise DataError(f"unknown relation {rel!r}; relations: {', '.join(RELATIONS)}")
            _write_relation(df, tmp / "lookup" / rel)
            _write_dump(df, tmp / f"{rel}.txt")
            frames.append(df.assign(relation=rel))
        table = pd.concat(frames, ignore_index=True)
        schema = pa.schema([("anchor", pa.int64()), ("neighbor", pa.int64()), ("score", pa.float64()),
                            ("rank", pa.int32()), ("relation", pa.string())])
        pq.write_table(pa.Table.from_pandas(table[schema.names], schema=schema, preserve_index=False),
                       tmp / "i2i.parquet")
        counts = {rel: {"anchors": int(df["anchor"].nunique()), "rows": len(df)} for rel, df in relations.items()}
        (tmp / "meta.json").write_text(json.dumps({**meta, "relations": counts}, indent=1, default=str))
    return Path(out_dir)


class ProductIndex:
    """Memory-mapped lookups into a published index directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not (self.path / "meta.json").is_file():
            raise DataError(f"{self.path}: not a paperline product index (no meta.json)")
        self.meta = json.loads((self.path / "meta.json").read_text())
        self._rel = {}
        for rel in RELATIONS:
            d = self.path / "lookup" / rel
            if d.is_dir():
                t = {n: np.load(d / f"{n}.npy", mmap_mode="r") for n in ("slots", "offsets", "neighbors", "scores")}
                t["mask"] = len(t["slots"]) - 1
                t["shift"] = np.uint64(65 - len(t["slots"]).bit_length())  # 64 - log2(table size)
                self._rel[rel] = t

    @property
    def relations(self) -> list[str]:
        return list(self._rel)

    def neighbors(self, item: int, relation: str = "substitute", k: int = 20) -> list[tuple[int, float]]:
        if relation not in self._rel:
            raise DataError(f"{self.path}: no {relation!r} relation; it has {', '.join(self._rel) or 'none'}")
        t = self._rel[relation]
        slots = t["slots"]
        with np.errstate(over="ignore"):
            h = int((np.uint64(int(item) & 0xFFFFFFFFFFFFFFFF) * np.uint64(GOLDEN)) >> t["shift"])
        while True:
            key, row = slots[h]
            if row == -1:
                return []
            if key == item:
                lo, hi = t["offsets"][row], t["offsets"][row + 1]
                hi = min(hi, lo + k)
                return list(zip(t["neighbors"][lo:hi].tolist(), t["scores"][lo:hi].tolist()))
            h = (h + 1) & t["mask"]


def open_index(uri: str) -> ProductIndex:
    """A local directory, file:// or s3:// URI, or a registered model (`models:/NAME@champion`,
    `models:/NAME/3`); a remote index is fetched once into a local cache (S3: complete published
    directories only, see storage.get_dir; a registry alias is resolved to its version first)."""
    if uri.startswith("models:/"):
        return _registered(uri)
    if not storage.is_remote(uri):
        return ProductIndex(uri[7:] if uri.startswith("file://") else uri)
    cache = _cache_dir(uri)
    if not (cache / "meta.json").is_file():
        with storage.building_dir(cache) as tmp:
            storage.fetch_dir(uri, tmp)
    return ProductIndex(cache)


def _cache_dir(key: str) -> Path:
    return settings.home() / "index-cache" / hashlib.sha1(key.encode()).hexdigest()[:16]


def _registered(uri: str) -> ProductIndex:
    from . import tracking

    name, sep, alias = uri[len("models:/"):].partition("@")
    c = tracking.client()
    try:
        mv = c.get_model_version_by_alias(name, alias) if sep else c.get_model_version(*name.split("/", 1))
    except Exception as e:  # noqa: BLE001 - any registry failure: say which model could not be resolved
        raise DataError(f"{uri}: no such registered model version ({type(e).__name__})") from None
    cache = _cache_dir(f"models:/{mv.name}/{mv.version}")
    if not (cache / "index" / "meta.json").is_file():
        import mlflow

        with storage.building_dir(cache) as tmp:
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{mv.name}/{mv.version}",
                                                             dst_path=str(tmp)))
            found = [p.parent for p in local.rglob("meta.json") if (p.parent / "lookup").is_dir()]
            if not found:
                raise DataError(f"{uri}: version {mv.version} of {mv.name} holds no product index")
            if found[0] != tmp / "index":
                found[0].rename(tmp / "index")
    return ProductIndex(cache / "index")


def query(uri: str, item: int, k: int = 20, relations=RELATIONS) -> dict:
    """{relation: [(neighbor, score), ...]} and the lookup time in ms (after the index is open)."""
    index = open_index(uri)
    t0 = time.perf_counter()
    out = {rel: index.neighbors(item, rel, k) for rel in relations if rel in index.relations}
    return {"item": int(item), "neighbors": out, "lookup_ms": (time.perf_counter() - t0) * 1000}
