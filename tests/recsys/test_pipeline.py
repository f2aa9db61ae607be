"""The swing pipeline end to end through kfp.local: the numba engine (and Spark in `make test-long`;
tests/recsys/test_swing.py checks in process that Spark builds the same index), the published index,
the registry; then bad logs that publish nothing."""

from pathlib import Path

import pytest
from support.cli import full_log, open_home, run_cli
from support.marks import long_run

pytestmark = pytest.mark.e2e

@pytest.mark.parametrize("engine", ["numba", pytest.param("spark", marks=long_run)])
def test_swing_pipeline(engine, tmp_path):
    """The engine inside the pipeline; the index is published, answers `paperline index query` and
    loads from the registry as a python-function model."""
    from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset

    data = tmp_path / "log"
    build_interactions_dataset(data, InteractionsDataConfig(rows=20_000, seed=2))
    home = tmp_path / "home"
    res = run_cli(["run", "swing", "--set", f"data_path={data}", "--set", f"engine={engine}", "--set",
                "model_name=swing-e2e", "--set", "top_k=30"], home)
    out = full_log(res)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert f"swing ({engine}):" in out and "time split at 1512230400" in out and "swing-e2e version 1" in res.stdout
    uri = next(line.split()[2] for line in res.stdout.splitlines() if line.startswith("published index:"))
    assert (home / "indexes" / "swing").is_dir() and uri.startswith(str(home / "indexes" / "swing"))
    anchor = (Path(uri) / "substitute.txt").read_text().split("\t", 1)[0]
    q = run_cli(["index", "query", "--index", uri, "--item", anchor, "--k", "5"], home)
    assert q.returncode == 0 and f"substitutes of {anchor}: " in q.stdout and "lookup:" in q.stdout
    open_home(home)
    import mlflow
    import pandas as pd

    from paperline.core import experiments

    c = experiments.client()
    version = c.get_model_version("swing-e2e", "1")
    run = c.get_run(version.tags["run_id"])
    assert run.data.params["engine"] == engine and run.data.tags["index_uri"] == uri
    assert {"hitrate_at_20", "recall_at_50", "complement_hitrate_at_20", "coverage", "build_s",
            "planted_substitute_hitrate_at_20", "planted_complement_direction"} <= set(run.data.metrics)
    # the generator's planted substitutes are what Swing finds first
    assert run.data.metrics["planted_substitute_hitrate_at_20"] > run.data.metrics["hitrate_at_20"] > 0.2
    assert float(version.tags["hitrate_at_20"]) == pytest.approx(run.data.metrics["hitrate_at_20"], abs=1e-6)
    assert str(__import__("paperline.core.promotion", fromlist=["x"]).champion("swing-e2e").version) == "1"
    model = mlflow.pyfunc.load_model("models:/swing-e2e@champion")
    got = model.predict(pd.DataFrame({"item_id": [int(anchor)], "relation": ["substitute"], "k": [5]}))
    assert len(got) == 5 and got["rank"].tolist() == [1, 2, 3, 4, 5]
    # the champion answers `paperline index query` too, with the same neighbours as the published index
    champ = run_cli(["index", "query", "--index", "models:/swing-e2e@champion", "--item", anchor, "--k", "5",
                  "--relation", "substitute"], home)
    assert champ.returncode == 0, champ.stderr[-2000:]
    assert champ.stdout.splitlines()[0] == q.stdout.splitlines()[0]
    missing = run_cli(["index", "query", "--index", "models:/no-such-model@champion", "--item", anchor], home)
    assert missing.returncode == 2 and "no such registered model version" in missing.stderr
    rep = run_cli(["report", "swing"], home)
    assert rep.returncode == 0 and f"latest run {run.info.run_id}" in rep.stdout and "hitrate@20" in rep.stdout


SINGLE_USER = "".join(f"7,{i},1,pv,{1511600000 + 60 * i}\n" for i in range(50))


@pytest.mark.parametrize("log,message", [  # the catalogue covers the reader's errors in process
    (SINGLE_USER, "expect_column_unique_value_count_to_be_between on user_id"),
    pytest.param("1,2,3,pv,1511600000\n1,2,3,pv\n", "UserBehavior.csv:2: expected 5 comma-separated columns, found 4",
                 marks=long_run),
    pytest.param("1,2,3,pv,1400000000\n2,3,3,pv,1400000000\n", "expect_column_values_to_be_between on ts",
                 marks=long_run),
], ids=["single-user", "column-count", "outside-window"])
def test_swing_bad_log_publishes_nothing(tmp_path, log, message):
    """A bad log stops at validation: the message names the file and the problem, non-zero exit, no
    index published, no model registered."""
    data = tmp_path / "log"
    data.mkdir()
    (data / "UserBehavior.csv").write_text(log)
    home = tmp_path / "home"
    res = run_cli(["run", "swing", "--set", f"data_path={data}", "--set", "model_name=swing-bad"], home)
    assert res.returncode == 2 and "Traceback" not in res.stderr.split("error:")[-1]
    assert "validate-interactions" in res.stderr and message in res.stderr, res.stderr[-2000:]
    if "on ts" in message:
        assert "UserBehavior.csv:1 ts=1400000000" in res.stderr
    assert not (home / "indexes").exists()
    open_home(home)
    from paperline.core import experiments

    assert experiments.client().search_model_versions("name='swing-bad'") == []
