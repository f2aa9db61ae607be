"""What a pipeline spends outside training: each KFP task is its own process (its own pod on a
cluster), so what its body imports is paid on every run.

1. Per task of the face DAG: the seconds a fresh interpreter takes to import what the body imports, and
   which heavy libraries come with it (torch, pandas, MLflow, Great Expectations, OpenCV, DVC).
2. With --pipeline: one `paperline run mv-softmax` in a fresh home, its task lines, and the share of the
   pipeline's wall time outside the training step (target: under 25 %).

    python benchmarks/task_startup.py [--pipeline] [--out docs/results/task-startup-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ["torch", "pandas", "mlflow", "great_expectations", "cv2", "dvc", "faiss", "matplotlib"]
# what each face-DAG task's body imports before it does any work (components/face.py, platform.py)
TASKS = {
    "ingest": "import paperline.core.ingest, dvc.api",
    "validate-face": "import paperline.core.expectations, paperline.face.validation",
    "train-face": "import paperline.face.stages, paperline.core.reports; "
                  "from paperline.core.papers import get_paper; get_paper('mv-softmax')",
    "embed-face": "import paperline.face.stages, paperline.core.experiments",
    "evaluate-face": "import paperline.face.eval_stages, mlflow",
    "index-build-face": "import paperline.face.eval_stages, mlflow",
    "register-model": "import paperline.core.promotion, mlflow; "
                      "from paperline.core.papers import get_paper; get_paper('mv-softmax')",
    "promote-model": "import paperline.core.promotion, mlflow; "
                     "from paperline.core.papers import get_paper; get_paper('mv-softmax')",
}


def import_cost(statement: str, repeats: int = 3) -> dict:
    """Best of `repeats` fresh interpreters: seconds to run `statement`, and the heavy modules it loaded."""
    probe = (f"import sys, time; t = time.perf_counter(); {statement}; dt = time.perf_counter() - t; "
             f"print(dt, ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    best, loaded = float("inf"), ""
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        dt, loaded = out.split()[0], (out.split() + [""])[1]
        best = min(best, float(dt))
    return {"seconds": round(best, 2), "heavy": [m for m in loaded.split(",") if m]}


def pipeline_run() -> dict:
    """One `paperline run mv-softmax` in a fresh home: the task lines and the share outside training."""
    with tempfile.TemporaryDirectory() as home:
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "paperline.cli", "run", "mv-softmax"], capture_output=True,
                             text=True, env={**os.environ, "PAPERLINE_HOME": home})
        wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(res.stderr[-2000:])
    tasks = {m.group(1): float(m.group(2)) for m in re.finditer(r"^  (\S+)\s+SUCCESS\s+([\d.]+) s$", res.stdout, re.M)}
    train = tasks["train-face"]
    return {"tasks_s": tasks, "command_wall_s": round(wall, 1), "train_s": train,
            "outside_training_s": round(wall - train, 1), "outside_training_share": round((wall - train) / wall, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pipeline", action="store_true", help="also run the mv-softmax pipeline once")
    ap.add_argument("--out", type=Path, default=Path("docs/results/task-startup-cpu.json"))
    args = ap.parse_args()
    result = {"machine": f"{os.cpu_count()} CPUs", "date": time.strftime("%Y-%m-%d"), "imports": {}}
    print(f"{'task':<18} {'import s':>8}  heavy libraries loaded")
    for task, statement in TASKS.items():
        cost = import_cost(statement)
        result["imports"][task] = cost
        print(f"{task:<18} {cost['seconds']:>8.2f}  {', '.join(cost['heavy']) or '-'}")
    if args.pipeline:
        run = pipeline_run()
        result["pipeline"] = run
        for task, s in run["tasks_s"].items():
            print(f"  {task:<18} {s:6.1f} s")
        print(f"command {run['command_wall_s']} s, training {run['train_s']} s, outside training "
              f"{run['outside_training_s']} s = {100 * run['outside_training_share']:.1f} %")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
