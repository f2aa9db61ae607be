"""The `paperline` command: list, data build, run, compile, submit, upload, schedule, runs, promote, report,
index query, subtitles, track, sample."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
import typer.core

from paperline.core.errors import PaperlineError

app = typer.Typer(help="Papers as reproducible Kubeflow pipelines.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
data_app = typer.Typer(help="Build the generated datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
index_app = typer.Typer(help="Query a published item-to-item index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

SET_HELP = "Override a parameter: key=value (repeatable)."


def _fail(e: Exception) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(2)


@app.command("list")
def list_papers():
    """Papers on the shelf, their arXiv ids and which ones have a pipeline that runs."""
    from paperline.core.papers import all_papers

    typer.echo(f"{'paper':<16} {'arXiv':<11} {'family':<11} {'runs':<5} title")
    for p in all_papers().values():
        typer.echo(f"{p.name:<16} {p.arxiv:<11} {p.family:<11} {'yes' if p.runs else 'no':<5} {p.title}")


@data_app.command("build")
def data_build(name: str = typer.Argument(..., help="Dataset name, e.g. face, parsing, ucr, interactions (an "
                                          "unknown name lists them all)"),
               out: Path = typer.Option(None, "--out", "-o", help="Output directory (default data/NAME)"),
               params: Path = typer.Option(Path("params.yaml"), help="params.yaml to read sizes and seed from"),
               set_: List[str] = typer.Option([], "--set", help=SET_HELP)):
    """Render a dataset in its real formats (what the DVC stage runs)."""
    try:
        import time

        from paperline.core.config import build, load_config_file, parse_sets
        from paperline.core.papers import all_datasets

        datasets = all_datasets()
        if name not in datasets:
            raise PaperlineError(f"unknown dataset {name!r}; valid datasets: {', '.join(datasets)}")
        data = datasets[name]
        base = load_config_file(str(params)).get(data.stage, {}) if params.exists() else {}
        t0 = time.perf_counter()
        info = data.builder(out or Path("data") / name, build(data.config_cls, parse_sets(set_), base))
        typer.echo(f"built {name}: {info['images']} {data.unit} in {time.perf_counter() - t0:.1f} s "
                   f"-> {out or Path('data') / name}")
    except PaperlineError as e:
        _fail(e)


def params_table(name: str) -> str:
    """Every parameter of a paper's pipeline: name, type, default (the embedded one) and meaning."""
    from paperline.core.config import type_name
    from paperline.core.papers import get_paper

    paper = get_paper(name)
    rows = [(k, type_name(p.type), p.default, p.help) for k, p in paper.parameters().items()]
    width = max(len(r[0]) for r in rows)
    lines = [f"parameters of {paper.name} (set with --set key=value; defaults are the embedded setting):",
             f"  {'name':<{width}}  {'type':<5}  {'default':<22}  meaning"]
    for k, typ, default, meaning in rows:
        shown = repr(default) if isinstance(default, str) else str(default)
        lines.append(f"  {k:<{width}}  {typ:<5}  {shown:<22}  {meaning}")
    return "\n".join(lines)


@app.command("params")
def params_cmd(paper: str = typer.Argument(..., help="Paper name (see `paperline list`)")):
    """Every parameter of a paper's pipeline, with its type, default and meaning."""
    try:
        typer.echo(params_table(paper))
    except PaperlineError as e:
        _fail(e)


class _RunCommand(typer.core.TyperCommand):
    """`paperline run PAPER --help` ends with that paper's parameter table."""

    def format_help(self, ctx, formatter):
        super().format_help(ctx, formatter)
        # Click runs --help before it stores the arguments, so the paper is read from the command line
        words = sys.argv[sys.argv.index("run") + 1:] if "run" in sys.argv else []
        paper = next((a for a in words if not a.startswith("-")), None)
        if paper:
            try:
                formatter.write("\n" + params_table(paper) + "\n")
            except PaperlineError:
                pass
        else:
            formatter.write("\n`paperline run PAPER --help` lists the paper's parameters.\n")


@app.command(cls=_RunCommand)
def run(paper: str = typer.Argument(..., help="Paper name (see `paperline list`)"),
        set_: List[str] = typer.Option([], "--set", help=SET_HELP),
        config: Optional[Path] = typer.Option(None, "--config", help="YAML file of key: value overrides"),
        procs: int = typer.Option(0, "--procs", help="Train through the distributed launcher: its no-cluster "
                                  "path, torchrun --standalone with this many processes (0: train in the step)"),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Show kfp.local's full output live (it always "
                                     "goes to pipeline.log in the run's folder)")):
    """Run a paper's pipeline locally through kfp.local on the embedded default: one line per task,
    then the summary."""
    try:
        import os

        if procs > 0:  # read when the pipeline module builds its DAG, below
            os.environ["PAPERLINE_TRAIN_NODES"] = "1"
            os.environ["PAPERLINE_LOCAL_PROCS"] = str(procs)
        from paperline.core import settings
        from paperline.core.config import load_config_file, parse_sets
        from paperline.runner import run_local

        overrides = {**load_config_file(str(config) if config else None), **parse_sets(set_)}
        res = run_local(paper, overrides, verbose)
        typer.echo("")
        typer.echo(f"== {res['paper']} finished ==")
        if "accuracy" in res:
            typer.echo(f"verification accuracy (10-fold): {res['accuracy']:.4f}")
        if "metric" in res:
            from paperline.core.papers import get_paper

            typer.echo(f"{get_paper(res['paper']).metrics[0]}: {res['metric']:.4f}")
        if "run_id" in res:
            typer.echo(f"MLflow run: {res['run_id']} (experiment {res['paper']})")
        if res.get("index_uri"):
            typer.echo(f"published index: {res['index_uri']}  (paperline index query --index {res['index_uri']} "
                       "--item ID)")
        if "version" in res:
            name = res["arguments"].get("model_name")
            typer.echo(f"registered model: {name} version {res['version']} (alias challenger); "
                       f"promotion: {res.get('decision')}")
        for w in res.get("warnings", []):
            typer.echo(f"warning: {w}")
        typer.echo(f"full log: {res['log']}")
        typer.echo(f"MLflow tracking URI: {settings.tracking_uri()}")
        typer.echo(f"open the UI with:  mlflow ui --backend-store-uri {settings.tracking_uri()}")
    except PaperlineError as e:
        _fail(e)


@app.command("compile")
def compile_cmd(paper: Optional[str] = typer.Argument(None, help="Paper name"),
                all_: bool = typer.Option(False, "--all", help="Compile every paper that has a pipeline"),
                out: Path = typer.Option(Path("compiled"), "--out", "-o", help="Output directory"),
                pipeline_root: Optional[str] = typer.Option(None, help="Artifact root on the cluster, e.g. "
                                                            "s3://bucket/pipeline-root (env PAPERLINE_PIPELINE_ROOT)"),
                image: Optional[str] = typer.Option(None, help="Project image registry/name:version "
                                                    "(env PAPERLINE_IMAGE)"),
                cluster: bool = typer.Option(False, "--cluster", help="Compile for a cluster (implied by "
                                             "PAPERLINE_IMAGE): the dataset default comes from PAPERLINE_DATA_REPO "
                                             "(+ PAPERLINE_DATA_REV) or PAPERLINE_DATA_ROOT (s3://...)")):
    """Compile pipeline YAML to upload in the Kubeflow UI or pass to `kfp run create`."""
    try:
        import os

        if pipeline_root:
            os.environ["PAPERLINE_PIPELINE_ROOT"] = pipeline_root
        if image:
            os.environ["PAPERLINE_IMAGE"] = image
        from paperline.core.papers import all_papers, get_paper
        from paperline.runner import compile_pipeline

        if not paper and not all_:
            raise PaperlineError("give a paper name or --all")
        names = [p.name for p in all_papers().values() if p.runs] if all_ else [get_paper(paper).name]
        for n in names:
            typer.echo(f"compiled {n} -> {compile_pipeline(n, out, cluster=cluster or None)}")
    except PaperlineError as e:
        _fail(e)


HOST_OPT = typer.Option(None, "--host", envvar="KFP_HOST", help="Kubeflow Pipelines API URL (or env KFP_HOST)")
PARAM_HELP = "Pipeline or training parameter: key=value (repeatable), as --set for `run`."


@app.command()
def submit(paper: str = typer.Argument(..., help="Paper name"), host: Optional[str] = HOST_OPT,
           experiment: Optional[str] = typer.Option(None, help="Experiment (default: the paper's name)"),
           param: List[str] = typer.Option([], "--param", help=PARAM_HELP)):
    """Compile the paper's pipeline and start a run on a Kubeflow Pipelines cluster."""
    try:
        from paperline.core.config import parse_sets
        from paperline.runner import submit as do_submit

        res = do_submit(paper, host or "", experiment, parse_sets(param))
        typer.echo(f"submitted run {res['run_id']} ({res['name']}) in experiment {res['experiment']}")
    except PaperlineError as e:
        _fail(e)


@app.command()
def upload(paper: str = typer.Argument(..., help="Paper name"), host: Optional[str] = HOST_OPT,
           version: Optional[str] = typer.Option(None, help="Version name (default: paper-gitsha-timestamp)")):
    """Upload the compiled pipeline (first time) or a new version of it to Kubeflow Pipelines."""
    try:
        from paperline.runner import upload as do_upload

        res = do_upload(paper, host or "", version)
        what = "uploaded pipeline" if res["created"] else "uploaded new version"
        typer.echo(f"{what} {res['version']} (pipeline id {res['pipeline_id']})")
    except PaperlineError as e:
        _fail(e)


@app.command()
def schedule(paper: str = typer.Argument(..., help="Paper name"), host: Optional[str] = HOST_OPT,
             cron: str = typer.Option(..., help="KFP cron, 6 fields with seconds first, e.g. '0 0 3 * * *'"),
             experiment: Optional[str] = typer.Option(None, help="Experiment (default: the paper's name)"),
             param: List[str] = typer.Option([], "--param", help=PARAM_HELP)):
    """Create a recurring run (max_concurrency=1, no catch-up) for retraining."""
    try:
        from paperline.core.config import parse_sets
        from paperline.runner import schedule as do_schedule

        res = do_schedule(paper, host or "", cron, experiment, parse_sets(param))
        typer.echo(f"scheduled {res['recurring_run_id']} ({res['cron']}) in experiment {res['experiment']}")
    except PaperlineError as e:
        _fail(e)


@app.command()
def runs(host: Optional[str] = HOST_OPT, experiment: Optional[str] = typer.Option(None, help="Only this experiment"),
         limit: int = typer.Option(20, help="How many, newest first"),
         local: bool = typer.Option(False, "--local", help="The local MLflow runs instead; runs left RUNNING by a "
                                    "`paperline run` that is gone are marked KILLED first")):
    """List runs on the cluster with their state (or, with --local, this home's MLflow runs)."""
    try:
        if local:
            from paperline.core import experiments

            for run_id in experiments.reap_orphans():
                typer.echo(f"marked KILLED: {run_id} (its paperline run process is gone)")
            c = experiments.client()
            exps = [e for e in c.search_experiments() if not experiment or e.name == experiment]
            found = c.search_runs([e.experiment_id for e in exps], max_results=limit,
                                  order_by=["attributes.start_time DESC"]) if exps else []
            names = {e.experiment_id: e.name for e in exps}
            typer.echo(f"{'MLflow run id':<34} {'state':<9} {'experiment':<16} name")
            for r in found:
                exp = names[r.info.experiment_id]
                typer.echo(f"{r.info.run_id:<34} {r.info.status:<9} {exp:<16} {r.info.run_name}")
            return
        from paperline.runner import list_runs

        rows = list_runs(host or "", experiment, limit)
        typer.echo(f"{'run id':<38} {'state':<10} {'created':<26} name")
        for r in rows:
            typer.echo(f"{r['run_id']:<38} {str(r['state']):<10} {r['created_at'][:25]:<26} {r['name']}")
    except PaperlineError as e:
        _fail(e)


@app.command()
def promote(model: str = typer.Argument(..., help="Registered model name, e.g. paperline-swing"),
            version: Optional[str] = typer.Option(None, help="Candidate version (default: the challenger)"),
            dataset: Optional[Path] = typer.Option(None, exists=True, help="The candidate's evaluation data, to "
                                                   "re-evaluate a champion that was evaluated on other data")):
    """The promotion gate, by hand, for any paper: move `champion` if the candidate beats it on the
    paper's gate metric (its direction and re-evaluation as the paper declares them)."""
    try:
        from paperline.core import promotion

        d = promotion.promote(model, version, str(dataset) if dataset else "")
        typer.echo(json.dumps(d, indent=2))
    except PaperlineError as e:
        _fail(e)
    except Exception as e:  # noqa: BLE001 - MLflow errors (unknown model) are user errors here
        if type(e).__name__ == "MlflowException":
            _fail(PaperlineError(str(e).splitlines()[0]))
        raise


@app.command()
def report(paper: Optional[str] = typer.Argument(None, help="Paper name"),
           all_: bool = typer.Option(False, "--all", help="Every paper of the shelf"),
           html_dir: Optional[Path] = typer.Option(None, "--html", help="Write a static site into this folder "
                                                   "(index.html + one page per paper); with --all"),
           mlflow_ui: Optional[str] = typer.Option(None, "--mlflow-ui", help="MLflow UI URL the pages link to "
                                                   "(default: the tracking server, or http://127.0.0.1:5000)")):
    """The paper's reference numbers beside the latest run's; `--all --html DIR`: the whole shelf as a site."""
    try:
        if html_dir is not None:
            if not all_:
                raise PaperlineError("--html writes the whole shelf: use `paperline report --all --html DIR`")
            from paperline.core.site import build_site

            typer.echo(f"wrote the shelf's site: {build_site(html_dir, mlflow_ui)}")
            return
        from paperline.core.papers import all_papers
        from paperline.report import paper_report

        if not paper and not all_:
            raise PaperlineError("give a paper name, or --all")
        names = list(all_papers()) if all_ else [paper]
        typer.echo("\n\n".join(paper_report(n) for n in names))
    except PaperlineError as e:
        _fail(e)


def main():  # pragma: no cover
    app()




@app.command()
def subtitles(video: Path = typer.Option(..., "--video", help="A video file with burned-in subtitles (MP4, MKV, ...)"),
              out: Path = typer.Option(..., "--out", "-o", help="SRT file to write"),
              fps: float = typer.Option(5.0, help="Frames sampled per second"),
              engine: str = typer.Option("rapidocr", help="OCR engine: rapidocr or tesseract"),
              lang: str = typer.Option("eng", help="tesseract languages, e.g. eng or chi_sim+eng")):
    """Burned-in subtitles to an SRT by OCR: the weak-asr pipeline's OCR stage on one video."""
    try:
        from paperline.asr.ocr import OCRSettings, extract, write_subtitles

        ex = extract(video, OCRSettings(fps=fps, engine=engine, tesseract_lang=lang))
        write_subtitles(ex, out)
        top, bottom = ex.band
        typer.echo(f"{video}: {len(ex.segments)} subtitles -> {out}; {ex.ocr_calls} OCR calls on {ex.frames} "
                   f"sampled frames (band rows {top}-{bottom}); {ex.duration / ex.timings['total_s']:.0f}x real time")
    except PaperlineError as e:
        _fail(e)


@app.command()
def track(video: Path = typer.Option(..., "--video", help="A video file (MP4, AVI, ... through OpenCV)"),
          box: str = typer.Option(..., "--box", help="The target in the first frame: x,y,w,h (1-based, as OTB)"),
          model: str = typer.Option("models:/paperline-pts-tracking@champion", "--model",
                                    help="Registered model (models:/NAME@alias or /VERSION) or a model file"),
          out: Path = typer.Option(..., "--out", "-o", help="Boxes file to write (OTB groundtruth_rect.txt format)"),
          annotated: Optional[Path] = typer.Option(None, "--annotated", help="Also write the video with the boxes"),
          masks: Optional[Path] = typer.Option(None, "--masks", help="Also write the masks, a PNG per frame, here")):
    """Track one target through a video with the PTS tracker: one box per frame."""
    try:
        from paperline.tracker.track import parse_box, track_video

        parse_box(box)  # a malformed box fails before the registry is asked
        if model.startswith("models:/"):
            from paperline.core.promotion import model_artifact

            model_file = model_artifact(model)
        else:
            model_file = Path(model)
        n = track_video(video, box, model_file, out, annotated, masks)
        typer.echo(f"{video}: {n} frames tracked -> {out}" + (f", {annotated}" if annotated else "")
                   + (f", masks in {masks}" if masks else ""))
    except PaperlineError as e:
        _fail(e)


@app.command()
def sample(model: str = typer.Option("models:/paperline-giu-gan@champion", "--model",
                                     help="Registered GIU-GAN (models:/NAME@alias or /VERSION), its folder or a "
                                          "generator file"),
           n: int = typer.Option(64, "-n", help="Images to generate"),
           out: Path = typer.Option(..., "--out", "-o", help="PNG grid to write"),
           seed: int = typer.Option(0, help="Noise seed")):
    """Generated images from a registered GAN generator, as one PNG grid."""
    try:
        from paperline.gan.stages import write_grid

        artifact = Path(model)
        if model.startswith("models:/"):
            from paperline.core.promotion import model_artifact

            artifact = model_artifact(model)
        write_grid(artifact, n, out, seed)
        typer.echo(f"{n} images from {model} -> {out}")
    except PaperlineError as e:
        _fail(e)


@index_app.command("query")
def index_query(index: str = typer.Option(..., "--index", help="Published index: a folder, file://, s3:// or a "
                                          "registered model (models:/NAME@champion)"),
                item: int = typer.Option(..., "--item", help="Anchor item id"),
                k: int = typer.Option(20, "--k", help="Neighbours per relation"),
                relation: str = typer.Option("both", help="substitute, complement or both"),
                as_json: bool = typer.Option(False, "--json", help="Print JSON")):
    """An item's substitutes (Swing) and complements (Surprise): one hash probe per relation."""
    try:
        from paperline.recsys.index import RELATIONS
        from paperline.recsys.serving import query

        if relation not in (*RELATIONS, "both"):
            raise PaperlineError(f"relation must be substitute, complement or both, got {relation!r}")
        res = query(index, item, k, RELATIONS if relation == "both" else (relation,))
        if as_json:
            typer.echo(json.dumps(res))
            return
        for rel, nbs in res["neighbors"].items():
            typer.echo(f"{rel}s of {item}: " + (", ".join(f"{n} ({s:.4g})" for n, s in nbs) if nbs else
                                                "none (not an anchor of this index)"))
        typer.echo(f"lookup: {res['lookup_ms']:.3f} ms")
    except PaperlineError as e:
        _fail(e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
