"""User-facing errors: the CLI prints their message and exits non-zero, without a traceback."""


class PaperlineError(Exception):
    """A problem the user can fix (bad input, unknown name, unreachable server)."""


class DataError(PaperlineError):
    """A dataset file is missing, corrupt or inconsistent; the message names the file."""


class ConfigError(PaperlineError):
    """An unknown paper, parameter or value."""


class ValidationFailed(PaperlineError):
    """A Great Expectations suite failed; the report path is in the message."""


class task_errors:
    """Inside a pipeline task: append a failure's one-line message to $PAPERLINE_ERROR_FILE, so the
    local runner can print which file or parameter was wrong after kfp.local reports the failure."""

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        import os

        path = os.environ.get("PAPERLINE_ERROR_FILE")
        if exc is not None and path:
            with open(path, "a") as f:
                f.write(f"{type(exc).__name__}: {exc}".replace("\n", " ") + "\n")
        return False
