"""The published index: every anchor's list comes back exactly through the O(1) lookup, from a
folder or from S3 (SeaweedFS), and `paperline index query` prints it."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from paperline.core import storage
from paperline.core.errors import DataError
from paperline.recsys.index import ProductIndex
from paperline.recsys.index_build import write_index
from paperline.recsys.serving import open_index, query
from paperline.recsys.swing import SwingParams, swing


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    rng = np.random.default_rng(0)
    u, i = rng.integers(0, 300, 8000), rng.integers(0, 900, 8000) * 104729 + 2**40  # large, sparse ids
    sub = swing(u, i, SwingParams(top_k=15))
    comp = sub[sub["rank"] <= 3].assign(score=lambda d: d["score"] / 2)
    out = tmp_path_factory.mktemp("idx") / "index"
    write_index({"substitute": sub, "complement": comp}, out, {"built_by": "test"})
    return out, sub, comp


def test_every_anchor_round_trips(index_dir):
    out, sub, comp = index_dir
    ix = ProductIndex(out)
    for rel, df in (("substitute", sub), ("complement", comp)):
        for a, g in df.groupby("anchor"):
            got = ix.neighbors(int(a), rel, 100)
            assert [n for n, _ in got] == g["neighbor"].tolist() and [s for _, s in got] == g["score"].tolist()
    a = int(sub["anchor"].iloc[0])
    assert len(ix.neighbors(a, "substitute", 4)) == 4
    assert ix.neighbors(12345, "substitute") == [] and ix.neighbors(-1, "complement") == []
    table = pd.read_parquet(out / "i2i.parquet")
    assert set(table["relation"]) == {"substitute", "complement"} and len(table) == len(sub) + len(comp)
    first = (out / "substitute.txt").read_text().splitlines()[0].split("\t")
    top = sub[sub["anchor"] == int(first[0])]
    assert [int(c.split(":")[0]) for c in first[1].split(",")] == top["neighbor"].tolist()
    assert json.loads((out / "meta.json").read_text())["relations"]["complement"]["rows"] == len(comp)


def test_not_an_index_and_unknown_relation(tmp_path, index_dir):
    with pytest.raises(DataError, match="not a paperline product index"):
        ProductIndex(tmp_path)
    out, _, _ = index_dir
    write_index({"substitute": pd.read_parquet(out / "i2i.parquet").query("relation == 'substitute'")},
                tmp_path / "only", {})
    with pytest.raises(DataError, match="no 'complement' relation"):
        ProductIndex(tmp_path / "only").neighbors(1, "complement")


def test_publish_to_s3_and_query(index_dir, bucket, tmp_path, monkeypatch):
    out, sub, _ = index_dir
    monkeypatch.setenv("PAPERLINE_HOME", str(tmp_path / "home"))
    uri = f"s3://{bucket}/indexes/run1"
    storage.publish_dir(out, uri)
    a = int(sub["anchor"].iloc[5])
    res = query(uri, a, 5)
    assert [n for n, _ in res["neighbors"]["substitute"]] == sub[sub["anchor"] == a]["neighbor"].tolist()[:5]
    assert res["lookup_ms"] < 1000
    # an index without its _SUCCESS marker (a publish that did not finish) is refused
    storage.open_store(f"s3://{bucket}").put_file(out / "meta.json", "indexes/partial/meta.json")
    with pytest.raises(storage.StorageError, match="not a complete published directory"):
        open_index(f"s3://{bucket}/indexes/partial")


def test_cli_query(index_dir):
    out, sub, _ = index_dir
    a = int(sub["anchor"].iloc[0])
    res = subprocess.run([sys.executable, "-m", "paperline.cli", "index", "query", "--index", str(out),
                          "--item", str(a), "--k", "3", "--json"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert [n for n, _ in got["neighbors"]["substitute"]] == sub[sub["anchor"] == a]["neighbor"].tolist()[:3]
    bad = subprocess.run([sys.executable, "-m", "paperline.cli", "index", "query", "--index", "/nonexistent",
                          "--item", "1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a paperline product index" in bad.stderr and "Traceback" not in bad.stderr
