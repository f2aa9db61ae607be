"""The pages a user looks at, opened in a real browser (Debian's headless Chromium, driven by
Playwright): the MLflow run and model pages of a real `mlflow server`, and an evaluation report as
KFP shows it. Screenshots go under the test's folder."""

import numpy as np
import pytest
from support.browser import broken_images


def test_mlflow_run_and_model_pages(browser, mlflow_server, s3_env, monkeypatch, tmp_path):
    import mlflow

    from paperline.core import experiments

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server["url"])
    c = mlflow.MlflowClient(mlflow_server["url"])
    exp = experiments.experiment_id("browser-check")
    run = c.create_run(exp, run_name="swing-seed0", tags={"paper": "swing"})
    c.log_metric(run.info.run_id, "recall_at_50", 0.4321)
    c.log_metric(run.info.run_id, "hit_rate_at_10", 0.1234)
    c.set_terminated(run.info.run_id)
    name = f"paperline-browser-{run.info.run_id[:6]}"
    c.create_registered_model(name)
    v = c.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
    c.set_registered_model_alias(name, "champion", v.version)
    c.set_registered_model_alias(name, "challenger", v.version)

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{mlflow_server['url']}/#/experiments/{exp}/runs/{run.info.run_id}")
    page.get_by_text("recall_at_50").first.wait_for(timeout=60_000)
    text = page.inner_text("body")
    assert "swing-seed0" in text and "hit_rate_at_10" in text and "0.4321" in text
    page.screenshot(path=str(tmp_path / "mlflow-run.png"), full_page=True)
    assert not broken_images(page)

    page.goto(f"{mlflow_server['url']}/#/models/{name}")
    page.get_by_text("champion").first.wait_for(timeout=60_000)
    text = page.inner_text("body")
    assert "challenger" in text and f"Version {v.version}" in text
    page.screenshot(path=str(tmp_path / "mlflow-model.png"), full_page=True)
    assert not broken_images(page)
    page.close()


def test_evaluation_report_shows_its_figures(browser, tmp_path):
    """The report every family's evaluate step writes (core.reports): its table holds the numbers of
    metrics.json, and every picture decodes."""
    import json

    from paperline.core.figures import figure, to_png
    from paperline.core.reports import html_table, write_evaluation

    fig, ax = figure(figsize=(3, 2))
    ax.plot(np.arange(10), np.arange(10) ** 0.5)
    png = to_png(fig)
    metrics = {"recall@50": 0.43217, "hit_rate@10": 0.12345, "items": 3000}
    write_evaluation(tmp_path / "eval", "swing evaluation", metrics, "0" * 32, {"curve.png": png},
                     extra_html=html_table("per K", ["K", "recall"], [[10, 0.2], [50, 0.43217]]))
    page = browser.new_page()
    page.goto((tmp_path / "eval" / "report.html").as_uri())
    cells = page.eval_on_selector_all("table tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    shown = {r[0]: r[1] for r in cells if len(r) == 2 and r[0] in saved}
    assert {k: float(v) for k, v in shown.items()} == pytest.approx({k: saved[k] for k in metrics}, abs=5e-5)
    assert ["50", "0.4322"] in cells
    assert page.evaluate("document.images.length") == 1 and not broken_images(page)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.close()
