"""Named points where a step can be made to die as a preempted pod or an OOM kill does (SIGKILL, no
clean-up), so that kill-and-rerun is tested at the places that matter: after a training checkpoint,
between logging a model and tagging its version, between publishing an index's files and its marker.
`PAPERLINE_KILL_AT=<point>` in a step's environment arms one point; unset, a point does nothing.
`<point>@<which>` arms it only where its detail is `which`: `train:checkpointed@giu-gan` dies in the
training named giu-gan, not in the feature classifier's before it."""

from __future__ import annotations

import os
import signal


def kill_point(name: str, detail: str = "") -> None:
    if os.environ.get("PAPERLINE_KILL_AT") in (name, f"{name}@{detail}"):
        os.kill(os.getpid(), signal.SIGKILL)
