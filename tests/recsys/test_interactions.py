"""Interaction logs: the generator writes the real UserBehavior layout with its planted truth; the
loaders read UserBehavior, Retailrocket and Parquet into one table; the GE suite and `clean` count
bad rows; malformed files fail naming the file and line."""

import json

import numpy as np
import pandas as pd
import pytest

from paperline.core.errors import DataError, ValidationFailed
from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset, generate
from paperline.recsys.interactions import USERBEHAVIOR_WINDOW, clean, read_log, read_parquet, write_parquet
from paperline.recsys.validation import validate_log


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ub") / "interactions"
    build_interactions_dataset(out, InteractionsDataConfig(rows=10_000, seed=3))
    return out


def test_generator_writes_the_userbehavior_layout(log_dir):
    lines = (log_dir / "UserBehavior.csv").read_text().splitlines()
    assert len(lines) == 10_000
    fields = [line.split(",") for line in lines]
    assert all(len(f) == 5 for f in fields) and not any('"' in line for line in lines[:100])
    assert {f[3] for f in fields} == {"pv", "buy", "cart", "fav"}
    ts = np.array([int(f[4]) for f in fields])
    outside = (ts < USERBEHAVIOR_WINDOW[0]) | (ts >= USERBEHAVIOR_WINDOW[1])
    assert outside.sum() == InteractionsDataConfig().outside_window
    planted = pd.read_csv(log_dir / "planted_items.csv")
    truth = json.loads((log_dir / "planted.json").read_text())
    assert set(planted.columns) == {"item_id", "category_id", "cluster"}
    assert len(truth["complement_categories"]) == truth["categories"] and all(a != b for a, b in
                                                                             truth["complement_categories"])
    # power-law activity and bots: the heaviest user clicks far more than the median one
    per_user = pd.Series([f[0] for f in fields]).value_counts()
    assert per_user.iloc[0] > 10 * per_user.median()


def test_generator_is_seeded():
    a, _, _ = generate(InteractionsDataConfig(rows=2000, seed=1))
    b, _, _ = generate(InteractionsDataConfig(rows=2000, seed=1))
    c, _, _ = generate(InteractionsDataConfig(rows=2000, seed=2))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_userbehavior_reads_and_cleans(log_dir, tmp_path):
    log = read_log(log_dir)
    assert log.format == "userbehavior" and len(log) == 10_000 and log.window == USERBEHAVIOR_WINDOW
    df, counts = clean(log)
    assert counts["dropped_outside_window"] == 5 and counts["kept"] == len(df) == 10_000 - sum(
        v for k, v in counts.items() if k.startswith("dropped_"))
    assert list(df.columns) == ["user_id", "item_id", "category_id", "behavior", "ts"]
    assert df["ts"].between(*USERBEHAVIOR_WINDOW).all() and not df.duplicated().any()
    write_parquet(df, tmp_path / "t" / "interactions.parquet")
    back = read_log(tmp_path / "t")
    assert back.format == "parquet"
    pd.testing.assert_frame_equal(back.table.drop(columns="line"), df)


def test_retailrocket_events_with_categories(tmp_path):
    (tmp_path / "events.csv").write_text(
        "timestamp,visitorid,event,itemid,transactionid\n"
        "1433221332117,257597,view,355908,\n"
        "1433224214164,992329,addtocart,248676,\n"
        "1433221999827,111016,transaction,318965,4000\n")
    (tmp_path / "item_properties_part1.csv").write_text(
        "timestamp,itemid,property,value\n1435460400000,355908,categoryid,1338\n"
        "1435460400000,248676,888,1116713 960601\n1431226800000,318965,categoryid,12\n"
        "1441508400000,318965,categoryid,13\n")
    log = read_log(tmp_path)
    t = log.table
    assert log.format == "retailrocket" and t["behavior"].tolist() == ["pv", "cart", "buy"]
    assert t["ts"].tolist() == [1433221332, 1433224214, 1433221999]
    assert t["category_id"].tolist() == [1338, -1, 13]  # latest categoryid; -1 when unknown
    assert t["line"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("content,where,what", [
    ("1,2,3,pv,1511600000\n4,5,6,pv\n", ":2:", "expected 5"),
    ("1,2,3,pv,1511600000\n1,x2,3,pv,1511600000\n", ":2:", "not an integer"),
    ("1,2,3,pv,1511600000\n1,2,3,pv,1511600000\n,2,3,pv,1511600000\n", ":3:", "empty"),
    ("1,2,3,pv,1511600000,9\n", ":1:", "expected 5"),
])
def test_malformed_files_fail_with_the_line(tmp_path, content, where, what):
    (tmp_path / "UserBehavior.csv").write_text(content)
    with pytest.raises(DataError) as e:
        read_log(tmp_path)
    assert "UserBehavior.csv" + where in str(e.value) and what in str(e.value)


def test_empty_missing_and_unknown_logs(tmp_path):
    (tmp_path / "UserBehavior.csv").write_text("")
    with pytest.raises(DataError, match="empty file"):
        read_log(tmp_path)
    with pytest.raises(DataError, match="no interaction log found"):
        read_log(tmp_path / "..")
    pd.DataFrame({"user_id": [1], "item_id": [2], "behavior": ["pv"], "ts": [0]}).to_parquet(tmp_path / "x.parquet")
    with pytest.raises(DataError, match="missing column.*category_id"):
        read_parquet(tmp_path / "x.parquet")
    pd.DataFrame({"user_id": ["a"], "item_id": [2], "category_id": [1], "behavior": ["pv"], "ts": [0]}).to_parquet(
        tmp_path / "y.parquet")
    with pytest.raises(DataError, match="row 1: column user_id is not an integer"):
        read_parquet(tmp_path / "y.parquet")


def test_every_row_outside_the_window_is_an_empty_result_error(tmp_path):
    (tmp_path / "UserBehavior.csv").write_text("1,2,3,pv,1400000000\n2,2,3,pv,1400000000\n")
    with pytest.raises(DataError, match=r"no usable interactions \(2 rows; dropped: outside_window 2\)"):
        clean(read_log(tmp_path))


def test_suite_passes_with_counts_and_fails_on_too_many_bad_rows(log_dir, tmp_path):
    stats = validate_log(read_log(log_dir), tmp_path / "ok")
    assert stats["success"] and stats["bad_outside_window"] == 5 and stats["rows"] == 10_000
    assert 0 <= stats["duplicate_rate"] < 0.01 and "PASSED" in (tmp_path / "ok" / "report.md").read_text()
    lines = (log_dir / "UserBehavior.csv").read_text().splitlines()
    for n in range(100, 400):
        lines[n] = lines[n].replace(",pv,", ",click,")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "UserBehavior.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as e:
        validate_log(read_log(bad), tmp_path / "rep")
    first = next(n for n in range(100, 400) if ",click," in lines[n]) + 1
    assert "on behavior" in str(e.value) and f"UserBehavior.csv:{first} behavior='click'" in str(e.value)


def test_a_single_user_fails_validation(tmp_path):
    (tmp_path / "UserBehavior.csv").write_text("".join(f"7,{i},1,pv,{1511600000 + i}\n" for i in range(20)))
    with pytest.raises(ValidationFailed, match="expect_column_unique_value_count_to_be_between on user_id"):
        validate_log(read_log(tmp_path), tmp_path / "rep")
