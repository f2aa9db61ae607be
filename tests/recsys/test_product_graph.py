"""Both indexes from one log with the engine by parameter; the config refuses what the spec warns about."""

import numpy as np
import pandas as pd
import pytest

from paperline.core.errors import ConfigError, DataError
from paperline.recsys.graph import ProductGraphConfig, build


@pytest.fixture(scope="module")
def log():
    import tempfile

    from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset
    from paperline.recsys.interactions import clean, read_log

    with tempfile.TemporaryDirectory() as d:
        build_interactions_dataset(f"{d}/log", InteractionsDataConfig(rows=15_000, seed=4))
        return clean(read_log(f"{d}/log"))[0]


def test_build_gives_both_relations_and_its_figures(log):
    sub, comp, stats = build(log, ProductGraphConfig(top_k=20))
    assert stats["substitute_anchors"] == sub["anchor"].nunique() > 100 and stats["complement_rows"] == len(comp) > 0
    assert sub.groupby("anchor").size().max() <= 20 and comp.groupby("anchor").size().max() <= 20
    assert stats["peak_rss_mb"] > 0 and stats["build_s"] >= stats["swing_s"]
    # complements come from purchases only, substitutes from pv clicks only
    buyers = set(log.loc[log["behavior"] == "buy", "item_id"])
    assert set(comp["anchor"]) <= buyers and set(comp["neighbor"]) <= buyers
    norm, _, _ = build(log, ProductGraphConfig(top_k=20, normalize=True))
    assert np.allclose(norm.loc[norm["rank"] == 1, "score"], 1.0)
    assert norm[["anchor", "neighbor", "rank"]].equals(sub[["anchor", "neighbor", "rank"]])


@pytest.mark.parametrize("overrides,message", [
    ({"engine": "flink"}, "engine must be one of numba, spark"),
    ({"beta": -0.35}, "negative beta up-weights heavy users"),
    ({"surprise_weight": 1.5}, "surprise_weight must lie in"),
    ({"max_user_items": 1, "min_user_items": 2}, "min_user_items <= max_user_items"),
])
def test_config_refuses(overrides, message, log):
    with pytest.raises(ConfigError, match=message):
        build(log, ProductGraphConfig(**overrides))


def test_no_swing_is_a_clear_error():
    one_each = pd.DataFrame({"user_id": [1, 2], "item_id": [10, 11], "category_id": 1, "behavior": "pv",
                             "ts": [0, 1]})
    with pytest.raises(DataError, match="no substitutes: no two users .* share two clicked items"):
        build(one_each, ProductGraphConfig())


def _retailrocket(log, folder):
    """The generated log re-written as Retailrocket files (events.csv + item_properties_part1.csv)."""
    folder.mkdir()
    log = log[log["behavior"] != "fav"]
    events = pd.DataFrame({"timestamp": log["ts"] * 1000 + 123, "visitorid": log["user_id"],
                           "event": log["behavior"].map({"pv": "view", "cart": "addtocart", "buy": "transaction"}),
                           "itemid": log["item_id"], "transactionid": np.where(log["behavior"] == "buy", 7, None)})
    events.to_csv(folder / "events.csv", index=False)
    cats = log.drop_duplicates("item_id")
    pd.DataFrame({"timestamp": 1, "itemid": cats["item_id"], "property": "categoryid",
                  "value": cats["category_id"].astype(str)}).to_csv(folder / "item_properties_part1.csv", index=False)


def test_stages_on_a_retailrocket_log(log, tmp_path, home):
    """validate → split → build → evaluate → publish on the Retailrocket layout (no window: the test
    day is the log's last day); a test day with no click pairs stops before anything is published."""
    from paperline.recsys import stages as S

    _retailrocket(log, tmp_path / "rr")
    cfg = ProductGraphConfig()
    stats = S.validate(str(tmp_path / "rr"), str(tmp_path / "clean"), str(tmp_path / "report"))
    assert stats["format"] == "retailrocket" and stats["kept"] > 10_000 and "bad_outside_window" not in stats
    info = S.split(str(tmp_path / "clean"), str(tmp_path / "split"))
    assert info["test_rows"] > 500
    run_id, built = S.build_index(str(tmp_path / "split"), cfg, str(tmp_path / "index"), "swing", "rr", {})
    assert built["substitute_anchors"] > 100 and built["related_category_pairs"] > 0
    m = S.evaluate(str(tmp_path / "split"), str(tmp_path / "index"), cfg, str(tmp_path / "eval"), run_id)
    assert m["substitute_pairs"] > 100 and 0 < m["hitrate_at_20"] <= 1
    uri = S.publish(str(tmp_path / "index"), str(tmp_path / "pub" / "r1"), {}, str(tmp_path / "served"), run_id)
    assert (tmp_path / "pub" / "r1" / "_SUCCESS").is_file() and uri.endswith("r1")
    # a test period with one interaction: a clear error, nothing evaluated
    test = pd.read_parquet(tmp_path / "split" / "test.parquet").iloc[:1]
    test.to_parquet(tmp_path / "split" / "test.parquet")
    with pytest.raises(DataError, match="holds no pair of consecutive clicks"):
        S.evaluate(str(tmp_path / "split"), str(tmp_path / "index"), cfg, str(tmp_path / "eval2"), run_id)


def test_promotion_rescores_the_champion_on_the_candidates_test_day(log, tmp_path, home):
    """Two runs on different logs: the gate re-scores the champion's logged index on the candidate's
    split (fetched from the registry) before comparing."""
    from paperline.core import promotion
    from paperline.recsys import metrics as R
    from paperline.recsys import stages as S
    from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset

    cfg = ProductGraphConfig(top_k=20)
    decisions, splits, served = [], [], []
    for n, seed in enumerate((4, 9)):
        root = tmp_path / f"run{n}"
        build_interactions_dataset(root / "log", InteractionsDataConfig(rows=15_000, seed=seed))
        S.validate(str(root / "log"), str(root / "clean"), str(root / "report"))
        S.split(str(root / "clean"), str(root / "split"))
        run_id, _ = S.build_index(str(root / "split"), cfg, str(root / "index"), "swing", f"gate-{n}", {})
        m = S.evaluate(str(root / "split"), str(root / "index"), cfg, str(root / "eval"), run_id)
        S.publish(str(root / "index"), str(root / "pub"), {}, str(root / "served"), run_id)
        version = promotion.register(str(root / "served"), run_id, "swing-gate", m[S.METRIC], m["eval_data_md5"])
        decisions.append(promotion.promote("swing-gate", version, str(root / "split")))
        splits.append(root / "split")
        served.append(root / "served")
    assert decisions[0]["decision"] == "promoted"
    second = decisions[1]
    assert "re-evaluated on the candidate's evaluation data" in second["reason"]
    champion = pd.read_parquet(served[0] / "i2i.parquet").query("relation == 'substitute'")
    train, test = (pd.read_parquet(splits[1] / f"{part}.parquet") for part in ("train", "test"))
    tasks = R.substitute_tasks(train, test)
    assert second["champion_metric"] == pytest.approx(R.score_index(champion, tasks)["hitrate@20"], abs=1e-12)
