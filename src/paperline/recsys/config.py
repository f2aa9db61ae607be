"""The recsys family's configs, in a module that imports no torch or pandas: the paper registry (and with
it the register and promote steps) reads them without loading the training code."""

from __future__ import annotations

from dataclasses import dataclass, fields

from paperline.core.config import param
from paperline.core.errors import ConfigError

ENGINES = ("numba", "spark")


@dataclass
class ProductGraphConfig:
    engine: str = param("numba", "Swing engine: numba (this machine) or spark")
    spark_master: str = param("local[2]", "Spark master of the spark engine")
    threads: int = param(0, "numba threads (0: every core)")
    click_behaviors: str = param("pv", "comma-separated behaviours that make the Swing click graph")
    # Swing (paper: alpha 1, w_u = |I_u|^-0.5)
    alpha: float = param(1.0, "Swing α: smoothing of the user-pair overlap")
    user_offset: float = param(0.0, "Swing: a1 in the user weight (a1 + |I_u|)^-β")
    beta: float = param(0.5, "Swing β: exponent of the user weight")
    min_user_items: int = param(2, "users with fewer clicked items are left out")
    max_user_items: int = param(1000, "users with more clicked items are left out (bots)")
    max_users_per_item: int = param(1000, "cap of users sampled per anchor item (reservoir, seeded)")
    top_k: int = param(100, "neighbours kept per anchor")
    seed: int = param(0, "seed of the per-anchor user sampling")
    normalize: bool = param(False, "divide each anchor's scores by its best (Alink resultNormalize)")
    # Surprise
    surprise_weight: float = param(0.8, "Surprise w: item-level vs cluster-level complement score")
    time_unit: int = param(86400, "seconds per unit of the purchase time gap (86400: days)")
    min_category_pairs: int = param(2, "fewest co-purchases for a related category pair")
    lp_iterations: int = param(20, "label-propagation iterations of the Surprise clusters")
    lp_neighbors: int = param(10, "Swing neighbours per item used by label propagation")
    test_days: int = param(1, "last days of the log held out for evaluation")
    max_bad_share: float = param(0.01, "share of bad rows tolerated (unknown behaviour, outside the window, "
                                        "duplicate)")

    def check(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.top_k < 1 or self.min_user_items < 1 or self.max_user_items < self.min_user_items:
            raise ConfigError("need top_k >= 1 and 1 <= min_user_items <= max_user_items")
        if self.alpha < 0 or self.beta < 0:
            raise ConfigError(f"alpha and beta must be >= 0 (a negative beta up-weights heavy users), got "
                              f"alpha={self.alpha}, beta={self.beta}")
        if not 0 <= self.surprise_weight <= 1:
            raise ConfigError(f"surprise_weight must lie in [0, 1], got {self.surprise_weight}")
        if self.test_days < 1 or not 0 <= self.max_bad_share < 1:
            raise ConfigError("need test_days >= 1 and 0 <= max_bad_share < 1")

    @property
    def behaviors(self) -> tuple[str, ...]:
        return tuple(b.strip() for b in self.click_behaviors.split(",") if b.strip())

    def swing_params(self):
        from paperline.recsys.swing import SwingParams

        return SwingParams(**{f.name: getattr(self, f.name) for f in fields(SwingParams)})

    def surprise_params(self):
        from paperline.recsys.surprise import SurpriseParams

        names = {"weight": "surprise_weight"}  # the one field this config names differently
        return SurpriseParams(**{f.name: getattr(self, names.get(f.name, f.name)) for f in fields(SurpriseParams)})


@dataclass
class InteractionsDataConfig:
    rows: int = 300_000
    seed: int = 0
    items_per_cluster: int = 8
    clusters_per_category: int = 6
    rows_per_item: int = 25          # UserBehavior has ~24 rows per item
    rows_per_user: int = 60
    interests: int = 3               # categories a user browses
    session_clicks: float = 5.0      # mean clicks of a browsing session
    buy_rate: float = 0.25           # sessions that end in a purchase
    complement_rate: float = 0.6     # purchases followed by one in the complementary category
    bot_share: float = 0.02          # share of rows from bot-like users
    outside_window: int = 5          # rows with a timestamp outside the window

    def check(self) -> None:
        if self.rows < 1000:
            raise ConfigError(f"rows must be at least 1000, got {self.rows}")
        for name in ("buy_rate", "complement_rate", "bot_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
