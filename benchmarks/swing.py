"""Swing index build: the single-node numba engine against PySpark local[2], side by side on the same
generated UserBehavior-format logs of 10^5, 10^6 and 10^7 clicks (pv rows), with the production caps
(max 1000 items per user, 1000 users per anchor, top-100).

Each engine runs in its own subprocess on the same parquet file; wall time covers reading the clicks
and building the index (numba kernels are compiled and cached before timing; the Spark session start
is timed separately and left out of the build time). Peak memory is the sampled RSS of the process
tree (for Spark: the Python driver, the JVM and its Python workers). Both indexes are compared: same
(anchor, neighbour, rank) rows and scores to 1e-9.

`--lookups` then times `paperline index query`'s lookup on each size's index: the serving layout is
written (write time, size on disk), the index opened afresh, and 20,000 random anchors looked up (a
fifth of them not in the index) after 1,000 warm-up lookups; mean and 99th percentile per lookup.

Usage: python benchmarks/swing.py [--sizes 1e5,1e6,1e7] [--engines numba,spark] [--threads 2]
       [--out docs/results/swing-cpu.json] [--plot docs/figures/swing-cpu.png] [--work /tmp/swing-bench]
       python benchmarks/swing.py --lookups   (after a build run: reuses its indexes in --work)
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve()


def make_log(n_clicks: int, work: Path) -> Path:
    """pv rows of a generated log, about n_clicks of them, as the canonical Parquet table."""
    from paperline.recsys.build import InteractionsDataConfig, generate
    from paperline.recsys.interactions import write_parquet

    path = work / f"clicks-{n_clicks}.parquet"
    if not path.exists():
        log, _, _ = generate(InteractionsDataConfig(rows=int(n_clicks / 0.76), seed=0))
        write_parquet(log[log["behavior"] == "pv"].reset_index(drop=True), path)
    return path


def run_engine(engine: str, log: str, out: str, threads: int) -> dict:
    """(in the child) Build the index once, report timings."""
    from paperline.recsys.swing import SwingParams, swing

    p = SwingParams()
    if engine == "numba":
        swing([1, 1, 2, 2], [1, 2, 1, 2], p, threads)  # compile (or load the cache) before timing
        t0 = time.perf_counter()
        df = pd.read_parquet(log, columns=["user_id", "item_id"])
        index = swing(df["user_id"].to_numpy(), df["item_id"].to_numpy(), p, threads)
        build = time.perf_counter() - t0
        start = 0.0
    else:
        from paperline.recsys.swing_spark import spark_session, swing_spark

        t0 = time.perf_counter()
        spark_session(f"local[{threads}]").range(1).count()
        start = time.perf_counter() - t0
        t0 = time.perf_counter()
        index = swing_spark(log, p, f"local[{threads}]")
        build = time.perf_counter() - t0
    index.to_parquet(out, index=False)
    return {"build_s": build, "session_start_s": start, "anchors": int(index["anchor"].nunique()),
            "rows": len(index)}


def measure(engine: str, log: Path, out: Path, threads: int) -> dict:
    import psutil

    cmd = [sys.executable, str(HERE), "--child", engine, "--log", str(log), "--index-out", str(out),
           "--threads", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak, ps = 0, psutil.Process(proc.pid)

    def sample():
        nonlocal peak
        while proc.poll() is None:
            try:
                rss = sum(p.memory_info().rss for p in [ps, *ps.children(recursive=True)])
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    stdout, _ = proc.communicate()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} on {log} failed (exit {proc.returncode})")
    res = json.loads(stdout.strip().splitlines()[-1])
    return {**res, "peak_rss_mb": peak / 2**20}


def same_index(a: Path, b: Path) -> dict:
    x = pd.read_parquet(a).sort_values(["anchor", "rank"]).reset_index(drop=True)
    y = pd.read_parquet(b).sort_values(["anchor", "rank"]).reset_index(drop=True)
    same_rows = len(x) == len(y) and (x[["anchor", "neighbor", "rank"]].to_numpy() ==
                                      y[["anchor", "neighbor", "rank"]].to_numpy()).all()
    diff = float(np.abs(x["score"].to_numpy() - y["score"].to_numpy()).max()) if same_rows and len(x) else None
    return {"identical_rows": bool(same_rows), "max_score_diff": diff}


def lookups(index_parquet: Path, work: Path, n: int = 20_000) -> dict:
    from paperline.recsys.index import ProductIndex, write_index

    sub = pd.read_parquet(index_parquet)
    out = work / f"served-{index_parquet.stem}"
    t0 = time.perf_counter()
    write_index({"substitute": sub}, out, {})
    write_s = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in (out / "lookup").rglob("*.npy")) / 2**20
    index = ProductIndex(out)
    rng = np.random.default_rng(0)
    anchors = sub["anchor"].unique()
    keys = np.where(rng.random(n + 1000) < 0.8, rng.choice(anchors, n + 1000), rng.integers(1, 2**40, n + 1000))
    times = []
    for j, key in enumerate(keys.tolist()):
        t = time.perf_counter()
        index.neighbors(key, "substitute", 20)
        if j >= 1000:
            times.append(time.perf_counter() - t)
    us = np.array(times) * 1e6
    return {"anchors": len(anchors), "write_s": write_s, "lookup_tables_mb": size_mb,
            "lookup_mean_us": float(us.mean()), "lookup_p99_us": float(np.percentile(us, 99))}


def plot(results: list[dict], path: Path) -> None:
    from paperline.core.figures import figure, save_png

    fig, (a, b) = figure(1, 2, figsize=(10, 3.8))
    for engine, colour in (("numba", "tab:blue"), ("spark", "tab:orange")):
        rows = [r for r in results if engine in r]
        if not rows:
            continue
        n = [r["clicks"] for r in rows]
        a.loglog(n, [r[engine]["build_s"] for r in rows], "o-", color=colour,
                 label="single node (numba)" if engine == "numba" else "PySpark local[2]")
        b.loglog(n, [r[engine]["peak_rss_mb"] for r in rows], "o-", color=colour)
    n = np.array([r["clicks"] for r in results], float)
    first = next((r for r in results if "numba" in r), None)
    if first:
        a.loglog(n, first["numba"]["build_s"] * n / first["clicks"], ":", color="grey", label="linear growth")
    a.set_xlabel("clicks (pv rows)")
    a.set_ylabel("index build wall time (s)")
    a.legend(fontsize=8)
    b.set_xlabel("clicks (pv rows)")
    b.set_ylabel("peak RSS of the process tree (MB)")
    fig.suptitle("Swing index build, caps 1000 items/user, 1000 users/anchor, top-100, 2 cores", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6,1e7")
    ap.add_argument("--engines", default="numba,spark")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/swing-bench")
    ap.add_argument("--out", default="docs/results/swing-cpu.json")
    ap.add_argument("--plot", default="docs/figures/swing-cpu.png")
    ap.add_argument("--lookups", action="store_true", help="time index lookups on the built indexes")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--log", help=argparse.SUPPRESS)
    ap.add_argument("--index-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_engine(args.child, args.log, args.index_out, args.threads)))
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)
    doc = json.loads(out.read_text()) if out.exists() else {}
    results = doc.get("results", [])
    if args.lookups:
        for row in results:
            row["lookup"] = lookups(work / f"index-numba-{row['size']}.parquet", work)
            print(f"{row['clicks']:>10} clicks  {row['lookup']}", flush=True)
        out.write_text(json.dumps({**doc, "results": results}, indent=1))
        return
    for size in (int(float(s)) for s in args.sizes.split(",")):
        log = make_log(size, work)
        clicks = len(pd.read_parquet(log, columns=["user_id"]))
        row = next((r for r in results if r["size"] == size), None) or {"size": size}
        row["clicks"] = clicks
        for engine in args.engines.split(","):
            row[engine] = measure(engine, log, work / f"index-{engine}-{size}.parquet", args.threads)
            print(f"{clicks:>10} clicks  {engine:<6} build {row[engine]['build_s']:8.1f} s  peak "
                  f"{row[engine]['peak_rss_mb']:7.0f} MB  {row[engine]['anchors']} anchors", flush=True)
        if "numba" in row and "spark" in row:
            row["speedup"] = row["spark"]["build_s"] / row["numba"]["build_s"]
            row["agreement"] = same_index(work / f"index-numba-{size}.parquet", work / f"index-spark-{size}.parquet")
            print(f"{'':>10} spark / numba: {row['speedup']:.1f}x; {row['agreement']}", flush=True)
        results = sorted([r for r in results if r["size"] != size] + [row], key=lambda r: r["size"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**doc, "machine": f"{os.cpu_count()} cores", "threads": args.threads,
                                   "results": results}, indent=1))
    plot(results, Path(args.plot))


if __name__ == "__main__":
    main()
