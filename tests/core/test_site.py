"""`paperline report --all --html DIR`: the shelf's static site, opened in headless Chromium the way a
person opens it, from a real sqlite MLflow store with registered, promoted and plain runs."""

import json
import shutil
import subprocess
from pathlib import Path

from support.artifacts import candidate_run, model_artifact
from support.cli import run_cli

from paperline.core.papers import all_papers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Loads every page in an iframe (file:// pages may read each other with --allow-file-access-from-files)
# and writes what it found into #result, which --dump-dom prints once the page and its frames loaded.
CHECKER = """<html><body><pre id="result">pending</pre><script>
const pages = PAGES, out = {}; let left = pages.length;
for (const p of pages) {
  const f = document.createElement("iframe"); f.src = p;
  f.onload = () => { const d = f.contentDocument;
    out[p] = {title: d.title, images: d.images.length,
              broken: [...d.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute("src")),
              tables: [...d.querySelectorAll("table")].map(t => t.className),
              rows: d.querySelectorAll("table.paper-metrics tr").length,
              links: [...d.querySelectorAll("a")].map(a => a.getAttribute("href"))};
    if (--left === 0) document.getElementById("result").textContent = JSON.stringify(out); };
  document.body.appendChild(f);
}
</script></body></html>"""


def open_in_chromium(site: Path, pages: list[str]) -> dict:
    assert CHROMIUM, "chromium is not installed: `make test` installs it (.ci/system-packages)"
    checker = site / "_checker.html"
    checker.write_text(CHECKER.replace("PAGES", json.dumps(pages)))
    res = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                          "--virtual-time-budget=20000", "--dump-dom", checker.as_uri()],
                         capture_output=True, text=True, timeout=120)
    checker.unlink()
    dom = res.stdout
    start = dom.index('<pre id="result">') + len('<pre id="result">')
    text = dom[start:dom.index("</pre>", start)]
    assert text != "pending", res.stderr[-2000:]
    return json.loads(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def _evaluated_run(paper: str, metric: float, tmp: Path) -> str:
    """A finished-evaluation run as the pipeline leaves it: the gate metric and a plot under evaluation/."""
    from paperline.core import experiments
    from paperline.core.figures import figure, save_png

    run_id = candidate_run(paper)
    fig, ax = figure(figsize=(3, 2))
    ax.plot([0, 1], [0, metric])
    png = save_png(fig, tmp / run_id / "roc.png")
    experiments.log_evaluation(run_id, {all_papers()[paper].gate_metric: metric}, "e" * 32, [png])
    if all_papers()[paper].family == "face":  # the training step's collapse diagnostics
        fig, ax = figure(figsize=(3, 2))
        ax.plot([1, 2], [0.1, metric])
        experiments.log_artifact(run_id, str(save_png(fig, tmp / run_id / "diagnostics.png")), "training")
    return run_id


def test_the_shelf_site_has_every_paper_and_no_broken_image(home, tmp_path):
    from paperline.core import experiments, promotion

    # mv-softmax: v1 promoted, v2 better and promoted, a third run not registered; kdctime: one plain run
    for i, metric in enumerate([0.71, 0.78]):
        run_id = _evaluated_run("mv-softmax", metric, tmp_path)
        version = promotion.register(str(model_artifact("mv-softmax", tmp_path / f"m{i}.pt", seed=i)), run_id,
                                     "paperline-mv-softmax", metric, "e" * 32)
        promotion.promote_and_finish("paperline-mv-softmax", version)
    experiments.end_run(_evaluated_run("mv-softmax", 0.74, tmp_path))
    experiments.end_run(_evaluated_run("kdctime", 0.9, tmp_path))

    site = tmp_path / "site"
    res = run_cli(["report", "--all", "--html", str(site)], home)
    assert res.returncode == 0, res.stderr[-2000:]
    assert f"wrote the shelf's site: {site / 'index.html'}" in res.stdout

    papers = list(all_papers())
    seen = open_in_chromium(site, ["index.html"] + [f"{p}.html" for p in papers])
    assert seen["index.html"]["tables"] == ["shelf"]
    assert {f"{p}.html" for p in papers} <= set(seen["index.html"]["links"])
    for p in papers:
        page = seen[f"{p}.html"]
        assert "paper-metrics" in page["tables"] and page["rows"] >= 2, p  # its table, one row per metric at least
        assert page["broken"] == [], (p, page["broken"])
    mv = seen["mv-softmax.html"]
    assert mv["images"] == 3 and sorted(f.name for f in (site / "mv-softmax").iterdir()) == [
        "diagnostics.png", "history.png", "roc.png"]
    assert any(link.endswith("/#/models/paperline-mv-softmax/versions/2") for link in mv["links"])
    assert any("/#/experiments/" in link and "/runs/" in link for link in mv["links"])
    assert seen["kdctime.html"]["images"] == 2  # no champion: the latest run's plot and its history
    for p in (p for p in all_papers().values() if not p.runs):
        assert seen[f"{p.name}.html"]["images"] == 0  # planned: its reference table, no run yet

    page = (site / "mv-softmax.html").read_text()
    assert "champion" in page and "paperline-mv-softmax v2" in page and "0.7800" in page and "0.9957" in page
    assert "md5 dddddddddddd" in page and "git " in page


def test_html_needs_all_and_an_unreachable_server_fails_clearly(home, tmp_path):
    res = run_cli(["report", "mv-softmax", "--html", str(tmp_path / "s")], home)
    assert res.returncode == 2 and "paperline report --all --html DIR" in res.stderr
    res = run_cli(["report", "--all", "--html", str(tmp_path / "s")], home,
                  env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"})
    assert res.returncode == 2 and "127.0.0.1:9 is unreachable" in res.stderr
    assert not (tmp_path / "s").exists()
