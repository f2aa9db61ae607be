"""A first local run as a newcomer meets it: missing embedded data is built through its DVC stage (or
one line names the command), and the console shows one line per task while the full log goes to a file."""

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from paperline.core.errors import PaperlineError
from paperline.core.papers import get_paper
from paperline.core.tasklog import TaskLog
from paperline.runner import ensure_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path, monkeypatch, home):
    """A DVC project with the interactions stage, its data not built yet (as on a fresh clone)."""
    import yaml

    proj = tmp_path / "proj"
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["interactions_data"]
    for dep in stage["deps"]:
        (proj / dep).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / dep, proj / dep)
    (proj / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"interactions_data": stage}}))
    (proj / "params.yaml").write_text("interactions_data:\n  rows: 3000\n  seed: 0\n")
    (proj / "pyproject.toml").write_text("")
    dvc = Path(sys.executable).with_name("dvc")
    subprocess.run([str(dvc), "init", "--no-scm", "-q"], cwd=proj, check=True)
    monkeypatch.setenv("PAPERLINE_PROJECT", str(proj))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # as `.venv/bin/paperline run` is started: the venv not on PATH
    return proj


def test_missing_data_is_built_through_its_dvc_stage(project, capsys):
    paper = get_paper("swing")
    assert not (project / "data" / "interactions").exists()
    ensure_data(paper)
    assert (project / "data" / "interactions" / "UserBehavior.csv").is_file()
    assert "dvc.lock" in {p.name for p in project.iterdir()}
    assert "data/interactions is not built yet: building it (dvc repro interactions_data)" in capsys.readouterr().out
    ensure_data(paper)  # built: nothing to do, nothing printed
    assert capsys.readouterr().out == ""


def test_a_stage_that_cannot_run_is_one_line_naming_the_command(project):
    (project / "dvc.yaml").write_text((project / "dvc.yaml").read_text().replace("paperline data build", "false &&"))
    with pytest.raises(PaperlineError) as err:
        ensure_data(get_paper("swing"))
    msg = str(err.value)
    assert "\n" not in msg and "run `dvc repro interactions_data`" in msg and "log:" in msg


def test_the_cli_says_it_in_one_line_without_a_traceback(project):
    (project / "dvc.yaml").unlink()
    res = subprocess.run([sys.executable, "-m", "paperline.cli", "run", "swing"], capture_output=True, text=True,
                         cwd=project)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    err = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(err) == 1 and "paperline data build interactions --out data/interactions" in err[0], res.stderr


def test_the_console_gets_one_line_per_task_and_the_file_everything(tmp_path):
    """kfp.local's own lines, from two tasks on two threads (as a ParallelFor runs them)."""
    import io

    console = io.StringIO()
    log = TaskLog(tmp_path / "pipeline.log", console)

    def task(name, status, body):
        log.write(f"08:00:00.000 - INFO - Executing task \x1b[96m'{name}'\x1b[0m\n")
        for line in body:
            log.write(line + "\n")
        log.write(f"08:00:01.000 - INFO - Task \x1b[96m'{name}'\x1b[0m finished with status \x1b[92m{status}\x1b[0m\n")

    threads = [threading.Thread(target=task, args=("train-a", "SUCCESS", ['{"executor": "json"}'] * 50)),
               threading.Thread(target=task, args=("train-b", "FAILURE", ["step 1", "ValueError: bad label 12"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    lines = console.getvalue().splitlines()
    assert len(lines) == 2 and {ln.split()[0] for ln in lines} == {"train-a", "train-b"}
    assert any("FAILURE" in ln for ln in lines) and not any("json" in ln for ln in lines)
    text = (tmp_path / "pipeline.log").read_text()
    assert text.count('{"executor": "json"}') == 50 and "\x1b[" not in text
    assert log.failed == ["train-b"]
    report = log.failure_report()
    assert "train-b" in report and "ValueError: bad label 12" in report and "json" not in report


def test_a_path_kfp_local_would_rewrite_is_refused_before_any_task(tmp_path):
    """kfp.local turns every `python3` in a task's arguments into this interpreter's path."""
    data = tmp_path / "lib" / "python3.11" / "ucr"
    res = subprocess.run([sys.executable, "-m", "paperline.cli", "run", "kdctime", "--set", f"data_path={data}"],
                         capture_output=True, text=True, env={**__import__("os").environ,
                                                              "PAPERLINE_HOME": str(tmp_path / "home")})
    assert res.returncode == 2 and "contains 'python3', which kfp.local rewrites" in res.stderr, res.stderr
    assert "running kdctime" not in res.stdout
