"""The product index as an MLflow python-function model: `mlflow.pyfunc.load_model("models:/NAME@champion")`
answers a table of item ids with their ranked neighbours, from the index files logged with it."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd


class ProductIndexModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        from paperline.product_index import ProductIndex

        self.index = ProductIndex(context.artifacts["index"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """Input columns: `item_id`, optionally `relation` and `k` (default 20) per row. Output rows
        item_id, relation, rank, neighbor, score."""
        rows = []
        for n, item in enumerate(model_input["item_id"]):
            rels = [model_input["relation"].iloc[n]] if "relation" in model_input else self.index.relations
            k = int(model_input["k"].iloc[n]) if "k" in model_input else 20
            for rel in rels:
                for rank, (nb, score) in enumerate(self.index.neighbors(int(item), rel, k), start=1):
                    rows.append((int(item), rel, rank, nb, score))
        return pd.DataFrame(rows, columns=["item_id", "relation", "rank", "neighbor", "score"])
