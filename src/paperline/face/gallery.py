"""Identification index: gallery embeddings in FAISS, rank-1 of a probe set, load back and query.

Cosine similarity via inner product on L2-normalised vectors (`IndexFlatIP`); the index file and a
JSON of gallery labels travel together as one artifact directory.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError

logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # its AVX fallback notice is not a problem


def build_index(gallery: np.ndarray, labels: list[str], out_dir: str | Path) -> Path:
    import faiss

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = faiss.IndexFlatIP(gallery.shape[1])
    index.add(np.ascontiguousarray(gallery, dtype=np.float32))
    faiss.write_index(index, str(out_dir / "gallery.faiss"))
    (out_dir / "labels.json").write_text(json.dumps(list(labels)))
    return out_dir


class GalleryIndex:
    def __init__(self, index_dir: str | Path):
        import faiss

        index_dir = Path(index_dir)
        for name in ("gallery.faiss", "labels.json"):
            if not (index_dir / name).is_file():
                raise DataError(f"{index_dir / name}: missing; not a paperline gallery index")
        self.index = faiss.read_index(str(index_dir / "gallery.faiss"))
        self.labels = json.loads((index_dir / "labels.json").read_text())

    def query(self, emb: np.ndarray, k: int = 5) -> list[list[tuple[str, float]]]:
        scores, ids = self.index.search(np.ascontiguousarray(emb, dtype=np.float32), k)
        return [[(self.labels[i], float(s)) for i, s in zip(row_i, row_s) if i >= 0]
                for row_i, row_s in zip(ids, scores)]


def rank1(index: GalleryIndex, probes: np.ndarray, probe_labels: list[str]) -> float:
    hits = [r[0][0] == lab for r, lab in zip(index.query(probes, 1), probe_labels)]
    return float(np.mean(hits))
