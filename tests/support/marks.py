"""The long runs (minutes each on 2 cores): variants of a pipeline that `make test` already runs once per
family, and the reliability runs. They sit behind `make test-long` and `make reliability` so that
`make test` stays within its time; each was run for the docs."""

import os

import pytest

long_run = pytest.mark.skipif(not os.environ.get("PAPERLINE_LONG_RELIABILITY"),
                              reason="a long run: make test-long or make reliability (PAPERLINE_LONG_RELIABILITY=1)")
