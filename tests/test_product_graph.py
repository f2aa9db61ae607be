"""Both indexes from one log with the engine by parameter; the config refuses what the spec warns about."""

import numpy as np
import pandas as pd
import pytest

from paperline.errors import ConfigError, DataError
from paperline.product_graph import ProductGraphConfig, build


@pytest.fixture(scope="module")
def log():
    import tempfile

    from paperline.data.interactions import clean, read_log
    from paperline.data.interactions_build import InteractionsDataConfig, build_interactions_dataset

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
