"""The family's DVC stages: `fashion-mnist` imports the real Fashion-MNIST IDX files (Debian's
dataset-fashion-mnist) so DVC versions them; `gan-faces` renders the project's faces as a
CelebA-style folder (`img_align_celeba/000001.jpg`, `list_eval_partition.txt`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from tqdm import tqdm

from paperline.core.errors import DataError
from paperline.core.files import building_dir
from paperline.gan.config import FacesDataConfig, FashionDataConfig
from paperline.gan.formats import read_idx_split

IDX_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz"]


def build_fashion(out: str | Path, cfg: FashionDataConfig) -> dict:
    src = Path(cfg.source)
    missing = [f for f in IDX_FILES if not (src / f).is_file()]
    if missing:
        raise DataError(f"{src}: no {', '.join(missing)}: install Debian's dataset-fashion-mnist "
                        "(`apt-get install dataset-fashion-mnist`; `make install` does it) or set source")
    with building_dir(out) as tmp:
        for f in IDX_FILES:
            shutil.copyfile(src / f, tmp / f)
        train, test = read_idx_split(tmp, "train"), read_idx_split(tmp, "test")  # refuse a broken copy here
    return {"images": len(train.images) + len(test.images), "train": len(train.images), "test": len(test.images)}


def build_faces(out: str | Path, cfg: FacesDataConfig) -> dict:
    from PIL import Image

    from paperline.faceimage.renderer import FaceRenderer, make_identity

    cfg.check()
    rng = np.random.default_rng(cfg.seed)
    renderer = FaceRenderer(cfg.size)
    with building_dir(out) as tmp:
        folder = tmp / "img_align_celeba"
        folder.mkdir()
        lines = []
        for i in tqdm(range(cfg.images), desc="gan-faces", unit="img", mininterval=2, leave=False):
            ident = make_identity(rng)
            sample = renderer.render(ident, rng, renderer.sample_pose(rng, max_yaw=35.0))
            name = f"{i + 1:06d}.jpg"
            Image.fromarray(np.ascontiguousarray(sample.image[..., ::-1])).save(folder / name, quality=92)
            lines.append(f"{name} {2 if rng.random() < cfg.test_share else 0}")
        (tmp / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return {"images": cfg.images}
