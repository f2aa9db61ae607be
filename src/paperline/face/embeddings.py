"""The verification images' embeddings as one artifact: computed once after training, then read by
evaluate (pairs) and index-build (gallery and probes), which need no torch and no model.

`embeddings.npz`: `paths` (relative to `verify/images`, POSIX), `vectors` (N, d) float32, L2-normalised,
and `eval_data_md5`, the md5 of the pair set (pairs files and the images they name) that the
promotion gate compares.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError

FILE = "embeddings.npz"


@dataclass
class Embeddings:
    root: Path                 # the dataset's verify/images
    index: dict[str, int]      # relative path -> row
    vectors: np.ndarray
    eval_data_md5: str

    @classmethod
    def of(cls, root: Path, paths: list[Path], vectors: np.ndarray, md5: str) -> "Embeddings":
        rel = [p.relative_to(root).as_posix() for p in paths]
        return cls(root, {r: i for i, r in enumerate(rel)}, vectors.astype(np.float32), md5)

    def rows(self, paths: list[Path]) -> np.ndarray:
        """The vectors of `paths` (files under `root`); a path that was not embedded is an error."""
        try:
            return self.vectors[[self.index[Path(p).relative_to(self.root).as_posix()] for p in paths]]
        except (KeyError, ValueError) as e:
            raise DataError(f"{self.root}: {e} has no embedding (the embeddings were made for another dataset)") \
                from None

    def save(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        path = out / FILE
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, paths=np.array(list(self.index)), vectors=self.vectors,
                 eval_data_md5=np.array(self.eval_data_md5))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, artifact: str | Path, root: Path) -> "Embeddings":
        path = Path(artifact) / FILE
        try:
            with np.load(path) as f:
                paths, vectors, md5 = list(f["paths"]), f["vectors"], str(f["eval_data_md5"])
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
            raise DataError(f"{path}: not a readable embeddings file ({e})") from None
        if vectors.ndim != 2 or len(vectors) != len(paths):
            raise DataError(f"{path}: {len(paths)} paths but vectors of shape {vectors.shape}")
        return cls(Path(root), {str(p): i for i, p in enumerate(paths)}, vectors, md5)
