"""How a paper's pipeline gets its inputs: one typed, documented input per parameter that
`paperline params` lists (name, type, default and meaning from the paper's declaration), so the
Kubeflow UI's run form and `kfp run create … key=value` show each as its own field.

A pipeline body receives the input channels by name, and `params`: all of them as one string input
for the components that need the training config (`name=value` lines, see `core.config.params_text`).
"""

from __future__ import annotations

import inspect

from kfp import dsl

from paperline.core import settings
from paperline.core.config import params_text
from paperline.core.papers import Paper


class Inputs:
    """The pipeline's input channels: `inputs.data_path`, ..., and `inputs.params`."""

    def __init__(self, channels: dict):
        self._channels = channels
        self.params = params_text(channels)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_channels"][name]
        except KeyError:
            raise AttributeError(name) from None


def compiled_defaults(paper: Paper) -> dict:
    """The declared defaults, with what a cluster compile takes from settings (the dataset location,
    the index root)."""
    defaults = {name: p.default for name, p in paper.parameters().items()}
    defaults.update(settings.compile_time_defaults(paper.data_path, set(defaults)))
    return defaults


def paper_pipeline(paper: Paper, outputs):
    """Decorator: `body(inputs) -> outputs` becomes the paper's `dsl.pipeline` with typed inputs."""

    def decorate(body):
        params = paper.parameters()
        defaults = compiled_defaults(paper)

        def pipeline(*channels):
            return body(Inputs(dict(zip(params, channels))))

        pipeline.__name__ = paper.name.replace("-", "_")
        pipeline.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=defaults[name], annotation=p.type)
             for name, p in params.items()], return_annotation=outputs)
        args = "\n".join(f"    {name}: {p.help}" for name, p in params.items())
        pipeline.__doc__ = f"{paper.description or paper.title}\n\nArgs:\n{args}\n"
        return dsl.pipeline(name=paper.name, pipeline_root=settings.pipeline_root(),
                            description=paper.description or paper.title)(pipeline)

    return decorate
