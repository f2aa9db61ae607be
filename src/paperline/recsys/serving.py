"""Opening a published product index wherever it lives: a folder, file://, s3:// (fetched once into a
cache, complete published directories only) or a registered model version (`models:/NAME@champion`,
the index logged with it); and the one-item query behind `paperline index query`."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from paperline.core import settings, storage
from paperline.core.files import building_dir
from paperline.recsys.index import RELATIONS, ProductIndex


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
        with building_dir(cache) as tmp:
            storage.fetch_dir(uri, tmp)
    return ProductIndex(cache)


def _cache_dir(key: str) -> Path:
    return settings.home() / "index-cache" / hashlib.sha1(key.encode()).hexdigest()[:16]


def _registered(uri: str) -> ProductIndex:
    """The index logged with a registered version (core.promotion caches the download per version)."""
    from paperline.core.errors import DataError
    from paperline.core.promotion import model_artifact

    path = model_artifact(uri)
    if not (path / "meta.json").is_file():
        raise DataError(f"{uri}: the registered version holds no product index")
    return ProductIndex(path)


def query(uri: str, item: int, k: int = 20, relations=RELATIONS) -> dict:
    """{relation: [(neighbor, score), ...]} and the lookup time in ms (after the index is open)."""
    index = open_index(uri)
    t0 = time.perf_counter()
    out = {rel: index.neighbors(item, rel, k) for rel in relations if rel in index.relations}
    return {"item": int(item), "neighbors": out, "lookup_ms": (time.perf_counter() - t0) * 1000}
