"""Opening what a user looks at in Debian's headless Chromium (Playwright): a family's KFP HTML
report from a real pipeline run, checked against its MLflow run. Screenshots go under the test's folder."""

import math
import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])


def broken_images(page) -> list[str]:
    return page.evaluate("[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")


def report_of(home: Path, task_prefix: str = "evaluate") -> Path:
    """The newest pipeline run's evaluation report under `home`'s kfp outputs."""
    found = sorted((home / "kfp").glob(f"*/{task_prefix}*/evaluation/report.html"), key=lambda p: p.stat().st_mtime)
    assert found, f"no {task_prefix}* report under {home / 'kfp'}"
    return found[-1]


def check_report(browser, report: Path, run_metrics: dict, shot: Path) -> int:
    """Opens `report` (its pictures inline, as the KFP UI shows an HTML artifact): every <img> decodes,
    and every number its tables show beside a metric name equals that metric of the MLflow run (to
    the digits shown). Returns how many figures were compared."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(report.as_uri())
    assert page.evaluate("document.images.length") > 0, f"{report}: no pictures"
    assert not broken_images(page), f"{report}: broken pictures"
    rows = page.eval_on_selector_all("table tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    from paperline.core.experiments import metric_key

    compared = 0
    for row in rows:
        key = metric_key(row[0]) if len(row) == 2 else None
        if key in run_metrics:
            try:
                shown = float(row[1])
            except ValueError:
                continue
            digits = len(row[1].split(".")[1]) if "." in row[1] else 0
            assert math.isclose(shown, run_metrics[key], abs_tol=0.6 * 10 ** -digits), (row, run_metrics[key])
            compared += 1
    assert compared > 0, f"{report}: no table row holds one of the run's metrics {sorted(run_metrics)[:8]}"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return compared
