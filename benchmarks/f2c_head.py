"""Step time and peak memory of the classification head: full FC vs partial-FC sampling vs F²C's
Dynamic Class Pool, for 10⁴, 10⁵ and 10⁶ identities, side by side in one run.

Synthetic-feature mode: the backbone is left out (it costs the same for every head); a batch is B
random feature vectors (a leaf tensor, so the backward into the features is timed too) with random
labels over C identities. Each configuration runs in its own process so its peak resident memory
(ru_maxrss, minus the process's memory before the head is built) belongs to it alone.
- fc: CosFace over all C columns, SGD with momentum (weight, gradient and momentum are C × d each)
- partial_fc: the same C × d weight and momentum, but each step uses the batch's positive columns plus
  random negatives up to 10 % of C and updates only those rows (insightface's PartialFC idea)
- dcp: F²C's pool of Q centres (Q fixed, default 1,000 = 0.1 % of 10⁶): insert the batch's gallery
  features, margin loss for identities in the pool and top-k negatives for those out of it
Usage: python benchmarks/f2c_head.py [--classes 10000,100000,1000000] [--dim 256] [--batch 256]
       [--steps 3] [--pool 1000] [--out docs/results/f2c-head.json] [--plot docs/figures/f2c-head.png]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def one(head: str, classes: int, dim: int, batch: int, steps: int, pool: int, threads: int) -> dict:
    import torch
    import torch.nn.functional as F

    from paperline.face.f2c import DynamicClassPool
    from paperline.face.heads import CosFaceHead

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    feats = torch.randn(batch, dim)
    base = rss_kib()
    lr, mom = 0.1, 0.9
    if head == "fc":
        fc = CosFaceHead(dim, classes)
        opt = torch.optim.SGD(fc.parameters(), lr=lr, momentum=mom)

        def step(x, y):
            loss = F.cross_entropy(fc(x, y), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    elif head == "partial_fc":
        weight = F.normalize(torch.randn(classes, dim), dim=1)
        momentum = torch.zeros(classes, dim)
        sample = max(batch, classes // 10)

        def step(x, y):
            pos = torch.unique(y)
            idx = torch.unique(torch.cat([pos, torch.randperm(classes)[: sample - len(pos)]]))  # sorted
            remap = torch.searchsorted(idx, y)
            w = weight[idx].requires_grad_(True)
            cos = F.normalize(x, dim=1) @ F.normalize(w, dim=1).T
            logits = torch.where(F.one_hot(remap, len(idx)).bool(), cos - 0.35, cos) * 32
            F.cross_entropy(logits, remap).backward()
            momentum[idx] = mom * momentum[idx] + w.grad
            weight[idx] -= lr * momentum[idx]
    elif head == "dcp":
        dcp = DynamicClassPool(pool, dim)

        def step(x, y):
            dcp.insert(torch.randn(len(y), dim), y)
            loss, _ = dcp.loss(x, y)
            loss.backward()
    else:
        raise SystemExit(f"unknown head {head}")
    times = []
    for i in range(steps + 1):
        x = feats.clone().requires_grad_(True)
        y = torch.randint(0, classes, (batch,))
        t = time.perf_counter()
        step(x, y)
        if i:  # the first step allocates; time the rest
            times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"head": head, "classes": classes, "dim": dim, "batch": batch, "pool": pool if head == "dcp" else None,
            "step_seconds": statistics.median(times), "peak_mib": (peak - base) / 1024}


def plot(rows, path):
    from paperline.core.figures import figure, save_png

    fig, (ax1, ax2) = figure(1, 2, figsize=(10, 4), dpi=120)
    for head in ("fc", "partial_fc", "dcp"):
        r = sorted((x for x in rows if x["head"] == head), key=lambda x: x["classes"])
        ax1.plot([x["classes"] for x in r], [x["step_seconds"] * 1e3 for x in r], marker="o", label=head)
        ax2.plot([x["classes"] for x in r], [x["peak_mib"] for x in r], marker="o", label=head)
    for ax, label in ((ax1, "head step time (ms)"), (ax2, "peak memory of the head (MiB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("identities C")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", default="10000,100000,1000000")
    ap.add_argument("--heads", default="fc,partial_fc,dcp")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--pool", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--one", nargs=2, metavar=("HEAD", "CLASSES"), help=argparse.SUPPRESS)
    ap.add_argument("--out", default="docs/results/f2c-head.json")
    ap.add_argument("--plot", default="docs/figures/f2c-head.png")
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], int(a.one[1]), a.dim, a.batch, a.steps, a.pool, a.threads)))
        return
    rows = []
    for classes in (int(float(c)) for c in a.classes.split(",")):
        for head in a.heads.split(","):
            cmd = [sys.executable, __file__, "--one", head, str(classes), "--dim", str(a.dim), "--batch", str(a.batch),
                   "--steps", str(a.steps), "--pool", str(a.pool), "--threads", str(a.threads)]
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode:
                raise SystemExit(f"{head} at {classes} classes failed:\n{res.stderr[-2000:]}")
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"{head:>10} C={classes:>8}: {r['step_seconds'] * 1e3:9.1f} ms/step  {r['peak_mib']:8.1f} MiB",
                  flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"rows": rows, "threads": a.threads}, indent=1))
    plot(rows, a.plot)
    print(f"wrote {a.out} and {a.plot}")


if __name__ == "__main__":
    main()
