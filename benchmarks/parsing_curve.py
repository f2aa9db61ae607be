"""Mean F1 on the exact test masks against training minutes, one line per `benchmarks/parsing.py
--curve` result file (the test split scored after every epoch of one run).
Usage: python benchmarks/parsing_curve.py RESULT.json [RESULT.json ...] --out docs/figures/lapa-f1-vs-minutes.png
"""

import argparse
import json
from pathlib import Path

from paperline.core.figures import figure, save_png


def label(result: dict) -> str:
    c = result["config"]
    return f"class_balance {c['class_balance']:g}, {c['epochs']} epochs, lr {c['lr']:g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="+")
    ap.add_argument("--out", default="docs/figures/lapa-f1-vs-minutes.png")
    a = ap.parse_args()
    fig, ax = figure(figsize=(7, 4.5), dpi=110)
    for path in a.results:
        result = json.loads(Path(path).read_text())
        for run in result["runs"]:
            curve = run["curve"]
            ax.plot([p["train_seconds"] / 60 for p in curve], [p["mean_f1"] for p in curve], marker="o", ms=3,
                    label=f"{label(result)}, seed {run['seed']}")
    ax.axhline(0.6, color="grey", ls="--", lw=1, label="target 0.60")
    ax.set_xlabel("training minutes (2-core CPU, shared with a second benchmark)")
    ax.set_ylabel("mean F1, ten face classes (test)")
    ax.set_title("BSPNet width 8, 64×64: mean F1 against training time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    print(f"wrote {save_png(fig, a.out)}")


if __name__ == "__main__":
    main()
