"""PNG figures: one way for every plot in the project (matplotlib's Agg backend, no screen needed).

    fig, ax = figure(figsize=(5, 4))
    ax.plot(...)
    png = to_png(fig)            # bytes, for reports and the KFP UI
    save_png(fig, "out/x.png")   # or a file, for MLflow artifacts and the docs
"""

from __future__ import annotations

import io
from pathlib import Path


def figure(nrows: int = 1, ncols: int = 1, figsize=(6, 4), dpi: int = 110, **kw):
    """A new figure and its axes (`plt.subplots` arguments); pyplot is imported here, lazily."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, dpi=dpi, **kw)


def to_png(fig, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes (tight layout); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    plt.close(fig)
    return buf.getvalue()


def save_png(fig, path: str | Path, dpi: int | None = None) -> Path:
    """The figure as a PNG file (parent folders made); the figure is closed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_png(fig, dpi))
    return path
