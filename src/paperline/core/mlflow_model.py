"""The python-function model of every registered version, logged from this code file (MLflow's
models-from-code): nothing pickled. `load_model("models:/NAME@champion")` rebuilds the paper's
artifact through its own loader: a torch model file from its factory (`predict(array) -> array`),
a product index from its directory (`predict(DataFrame) -> DataFrame`)."""

import mlflow
from mlflow.pyfunc import PythonModel


class PaperlineModel(PythonModel):
    def load_context(self, context):
        from pathlib import Path

        from paperline.core.papers import get_paper

        self._predict = get_paper(context.model_config["paper"]).predictor(Path(context.artifacts["model"]))

    def predict(self, context, model_input, params=None):
        """The paper's own input (an array for a torch model, a table of item ids for an index), so no
        type hints: MLflow asks for them (a warning at logging time) to infer a signature we do not want."""
        return self._predict(model_input)


mlflow.models.set_model(PaperlineModel())
