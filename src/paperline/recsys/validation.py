"""Great Expectations suite for an interaction log, on every row as read (before cleaning).

Hard rules: integer, non-null, non-negative ids and timestamps, two users or more (a swing needs a
pair). Soft rules, allowed up to `max_bad_share` of the rows and otherwise reported and dropped by
`clean`: a known behaviour (pv, buy, cart, fav), a timestamp inside the dataset's window, no exact
duplicate rows. Failures name the file's lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paperline.core.expectations import run_suites
from paperline.recsys.interactions import BEHAVIORS, COLUMNS, Log


def _suite(log: Log, max_bad_share: float):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    mostly = 1.0 - max_bad_share
    exps = [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in ("user_id", "item_id", "category_id", "ts")]
    exps += [gxe.ExpectColumnValuesToBeInTypeList(column=c, type_list=["int64", "Int64"])
             for c in ("user_id", "item_id", "category_id", "ts")]
    exps += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in ("user_id", "item_id")]
    exps.append(gxe.ExpectColumnUniqueValueCountToBeBetween(column="user_id", min_value=2))
    exps.append(gxe.ExpectColumnValuesToBeInSet(column="behavior", value_set=list(BEHAVIORS), mostly=mostly))
    if log.window is not None:
        exps.append(gxe.ExpectColumnValuesToBeBetween(column="ts", min_value=log.window[0],
                                                      max_value=log.window[1] - 1, mostly=mostly))
    exps.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=COLUMNS, mostly=mostly))
    return gx.ExpectationSuite("interactions", expectations=exps)


def validate_log(log: Log, report_dir: str | Path, max_bad_share: float = 0.01) -> dict:
    """Runs the suite; returns the counts (rows, users, items, behaviours, bad rows by reason);
    raises ValidationFailed naming the expectations and lines that failed."""
    table = log.table
    table.attrs["source"] = log.path
    flags = log.flags
    counts = {"format": log.format, "rows": len(table), "users": int(table["user_id"].nunique()),
              "items": int(table["item_id"].nunique()), "categories": int(table["category_id"].nunique()),
              "behaviors": {str(k): int(v) for k, v in table["behavior"].value_counts().items()},
              "window": list(log.window) if log.window else None,
              **{f"bad_{k}": int(m.sum()) for k, m in flags.items()},
              "duplicate_rate": float(np.mean(flags["duplicate"])) if len(table) else 0.0}
    return run_suites(f"interaction log {Path(log.path).name}", log.path, {"interactions": table},
                      {"interactions": _suite(log, max_bad_share)}, report_dir, counts)
