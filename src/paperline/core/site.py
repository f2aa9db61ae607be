"""`paperline report --all --html DIR`: one static site for the whole shelf, read from the MLflow store
(sqlite or a server). Per paper: the champion's metrics beside the paper's reference numbers, the
champion run's plots, its data version and git sha, links to the MLflow run and model version, and
the retraining history (the gate metric of the last runs over time). Plain files: open index.html, or
serve the folder anywhere."""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from paperline.core import experiments, settings
from paperline.core.papers import Paper, all_papers

HISTORY_RUNS = 20
STYLE = """body{font-family:sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.6em 0 1.4em}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}
th{background:#eef}td.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#777}
img{max-width:32em;margin:.3em;border:1px solid #ddd}nav a{margin-right:1em}"""


@dataclass
class PaperState:
    paper: Paper
    experiment_id: str | None = None
    champion: object | None = None      # the model version with alias champion
    model_name: str = ""
    run: object | None = None           # the champion's run, else the latest finished one
    history: list = field(default_factory=list)  # finished runs, oldest first
    plots: list[Path] = field(default_factory=list)


def mlflow_ui_url(tracking_uri: str) -> str:
    """Where a person opens the MLflow UI: the server itself, or `mlflow ui`'s default for a local store."""
    return tracking_uri.rstrip("/") if tracking_uri.startswith(("http://", "https://")) else "http://127.0.0.1:5000"


def _state(paper: Paper) -> PaperState:
    from mlflow.exceptions import MlflowException

    c = experiments.client()
    st = PaperState(paper)
    exp = c.get_experiment_by_name(paper.name)
    if exp is None:
        return st
    st.experiment_id = exp.experiment_id
    runs = c.search_runs([exp.experiment_id], "attributes.status = 'FINISHED'",
                         order_by=["attributes.start_time DESC"], max_results=HISTORY_RUNS)
    st.history = list(reversed(runs))
    names = [paper.model_name] + [r.data.tags["registered_model"] for r in runs if "registered_model" in r.data.tags]
    for name in dict.fromkeys(names):
        try:
            st.champion, st.model_name = c.get_model_version_by_alias(name, "champion"), name
            break
        except MlflowException:
            continue
    if st.champion is not None:
        st.run = c.get_run(st.champion.run_id)
    elif runs:
        st.run = runs[0]
    return st


def _plots(st: PaperState, out: Path) -> list[Path]:
    """The run's evaluation plots, then its training diagnostics, downloaded next to the page."""
    if st.run is None:
        return []
    c = experiments.client()
    pngs = [a.path for folder in ("evaluation", "training") for a in c.list_artifacts(st.run.info.run_id, folder)
            if a.path.endswith(".png")]
    saved = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in pngs:
            local = Path(c.download_artifacts(st.run.info.run_id, path, tmp))
            dest = out / st.paper.name / local.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local, dest)
            saved.append(dest)
    return saved


def _history_png(st: PaperState, dest: Path) -> Path | None:
    """The gate metric of the last finished runs over time; the champion's run circled."""
    key = experiments.metric_key(st.paper.gate_metric)
    points = [(r.info.start_time / 1000, r.data.metrics[key], r.info.run_id) for r in st.history
              if key in r.data.metrics]
    if not points:
        return None
    from datetime import datetime

    from paperline.core.figures import figure, save_png

    fig, ax = figure(figsize=(6, 3))
    when = [datetime.fromtimestamp(t) for t, _, _ in points]
    ax.plot(when, [v for _, v, _ in points], "o-", color="#3465a4", label="finished runs")
    champ = [(w, v) for w, (_, v, rid) in zip(when, points) if st.run is not None and rid == st.run.info.run_id]
    if champ and st.champion is not None:
        ax.plot(*zip(*champ), "o", ms=12, mfc="none", mec="#cc0000", mew=2, label=f"champion v{st.champion.version}")
    ax.set_ylabel(st.paper.gate_label or st.paper.gate_metric)
    ax.set_title(f"{st.paper.name}: {st.paper.gate_label or st.paper.gate_metric}, last {len(points)} runs")
    ax.legend(loc="best", fontsize=8)
    fig.autofmt_xdate()
    return save_png(fig, dest)


def _num(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else html.escape(str(v))


def _metrics_table(st: PaperState) -> str:
    """Ours (the champion's run) beside the paper's reference rows, one row per metric."""
    rows = []
    run_metrics = st.run.data.metrics if st.run is not None else {}
    metrics = list(dict.fromkeys([*st.paper.metrics, *(r["metric"] for r in st.paper.reference)]))
    refs = {m: [r for r in st.paper.reference if r["metric"] == m] for m in metrics}
    if not metrics:
        rows.append("<tr><td class='muted' colspan='5'>no metrics declared yet: they come with the paper's "
                    "pipeline</td></tr>")
    for metric in metrics:
        ours = run_metrics.get(experiments.metric_key(metric))
        cites = refs[metric] or [None]
        for i, ref in enumerate(cites):
            rows.append("<tr>" + (f"<td rowspan='{len(cites)}'>{html.escape(metric)}</td>"
                                  f"<td class='num' rowspan='{len(cites)}'>{_num(ours) if ours is not None else '–'}"
                                  "</td>" if i == 0 else "")
                        + (f"<td class='num'>{_num(ref['value'])}</td><td>{html.escape(ref['benchmark'])}</td>"
                           f"<td>{html.escape(ref['source'])}</td>" if ref else
                           "<td class='muted' colspan='3'>no reference number</td>") + "</tr>")
    return ("<table class='paper-metrics'><tr><th>metric</th><th>ours</th><th>paper</th><th>benchmark</th>"
            f"<th>source</th></tr>{''.join(rows)}</table>")


def _paper_page(st: PaperState, ui: str, out: Path) -> str:
    p = st.paper
    parts = [f"<nav><a href='index.html'>← the shelf</a></nav><h1>{html.escape(p.name)}</h1>",
             f"<p>{html.escape(p.title)} (<a href='https://arxiv.org/abs/{p.arxiv}'>arXiv:{p.arxiv}</a>)"
             f" · family {p.family}</p>"]
    if st.run is None:
        how = f"<code>paperline run {p.name}</code>" if p.runs else "its pipeline is planned"
        parts.append(f"<p class='muted'>no finished run yet: {how}.</p>")
    else:
        r = st.run
        tags = r.data.tags
        run_url = f"{ui}/#/experiments/{r.info.experiment_id}/runs/{r.info.run_id}"
        who = (f"champion <a href='{ui}/#/models/{st.model_name}/versions/{st.champion.version}'>"
               f"{html.escape(st.model_name)} v{st.champion.version}</a>" if st.champion is not None
               else "no champion yet; the latest finished run")
        parts.append("<table class='run-facts'>"
                     f"<tr><th>model</th><td>{who}</td></tr>"
                     f"<tr><th>MLflow run</th><td><a href='{run_url}'>{html.escape(r.info.run_name or r.info.run_id)}"
                     f"</a></td></tr>"
                     f"<tr><th>finished</th><td>{time.strftime('%Y-%m-%d %H:%M', time.gmtime(r.info.end_time / 1000))}"
                     " UTC</td></tr>"
                     f"<tr><th>data</th><td>rev {html.escape(tags.get('data_rev') or '–')} · md5 "
                     f"{html.escape(tags.get('data_md5', '–')[:12])} · {html.escape(tags.get('data_uri', ''))}"
                     "</td></tr>"
                     f"<tr><th>code</th><td>git {html.escape(tags.get('git_sha', '–')[:10])}</td></tr></table>")
    parts.append("<h2>Ours beside the paper</h2>" + _metrics_table(st))
    if not p.reference:
        parts.append(f"<p class='muted'>The paper's own table could not be read here (docs/papers/{p.name}.md).</p>")
    history = _history_png(st, out / p.name / "history.png")
    if history is not None:
        parts.append(f"<h2>Retraining history</h2><img src='{p.name}/history.png' alt='history of {p.name}'>")
    if st.plots:
        parts.append("<h2>The run's plots</h2>" + "".join(
            f"<img src='{p.name}/{html.escape(f.name)}' alt='{html.escape(f.stem)}'>" for f in st.plots))
    return _page(f"paperline · {p.name}", "".join(parts))


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def _index(states: list[PaperState], ui: str) -> str:
    rows = []
    for st in states:
        p = st.paper
        key = experiments.metric_key(p.gate_metric) if p.gate_metric else ""
        ours = st.run.data.metrics.get(key) if st.run is not None and key else None
        ref = next((r for r in p.reference if r["metric"] == p.gate_metric), None)
        champ = f"{html.escape(st.model_name)} v{st.champion.version}" if st.champion is not None else "–"
        status = "runs" if p.runs else "planned"
        rows.append(f"<tr><td><a href='{p.name}.html'>{html.escape(p.name)}</a></td><td>{html.escape(p.title)}</td>"
                    f"<td>{p.family}</td><td>{status}</td><td>{champ}</td>"
                    f"<td>{html.escape(p.gate_label or p.gate_metric or '–')}</td>"
                    f"<td class='num'>{_num(ours) if ours is not None else '–'}</td>"
                    f"<td class='num'>{_num(ref['value']) + ' (' + html.escape(ref['benchmark']) + ')' if ref else '–'}"
                    f"</td><td class='num'>{len(st.history)}</td></tr>")
    body = ("<h1>paperline: the shelf</h1>"
            f"<p class='muted'>From the MLflow store at {html.escape(settings.tracking_uri())} "
            f"(UI: <a href='{ui}'>{ui}</a>), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Ours is measured "
            "at this project's scale, mostly on its generated data: compare orderings, not absolute numbers.</p>"
            "<table class='shelf'><tr><th>paper</th><th>title</th><th>family</th><th>pipeline</th><th>champion</th>"
            f"<th>gate metric</th><th>ours</th><th>paper</th><th>finished runs</th></tr>{''.join(rows)}</table>")
    return _page("paperline · the shelf", body)


def build_site(out_dir: str | Path, ui_url: str | None = None) -> Path:
    """Writes index.html and one page per paper into `out_dir`; returns index.html's path."""
    experiments.check_reachable()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ui = (ui_url or mlflow_ui_url(settings.tracking_uri())).rstrip("/")
    states = []
    for paper in all_papers().values():
        st = _state(paper)
        st.plots = _plots(st, out)
        (out / f"{paper.name}.html").write_text(_paper_page(st, ui, out))
        states.append(st)
    index = out / "index.html"
    index.write_text(_index(states, ui))
    return index
