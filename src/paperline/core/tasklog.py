"""What a local pipeline run prints: one line per task (name, status, seconds), with kfp.local's full
output (executor JSON, each task's own log) written to a file instead. `--verbose` shows that output
live as well. A failed task prints its last log lines and the log file's path.

kfp.local writes everything to `sys.stdout` from the thread that runs a task (ParallelFor bodies run
on threads of their own), so the log is split by thread to tell the tasks apart.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
START = re.compile(r"Executing task '([^']+)'")
END = re.compile(r"Task '([^']+)' finished with status (\w+)")
TAIL = 25
WARNING = "paperline warning: "  # a task's line that the run's summary repeats


def warn(message: str) -> None:
    """A warning the user should see without reading the task log (`paperline run` repeats it)."""
    print(f"{WARNING}{message}", flush=True)


class TaskLog:
    """A stand-in for sys.stdout during `local` pipeline execution."""

    def __init__(self, path: Path, console, verbose: bool = False):
        self.path, self.console, self.verbose = Path(path), console, verbose
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w")
        self._lock = threading.Lock()
        self._partial: dict[int, str] = {}
        self._task: dict[int, tuple[str, float]] = {}
        self.lines: dict[str, list[str]] = {}  # task -> its last lines
        self.failed: list[str] = []
        self.warnings: list[str] = []  # "task: message", from the lines `warn` printed

    # the file-like surface kfp.local and print() use
    def write(self, text: str) -> int:
        with self._lock:
            self._file.write(ANSI.sub("", text))
            if self.verbose:
                self.console.write(text)
            tid = threading.get_ident()
            buf = self._partial.get(tid, "") + text
            *done, rest = buf.split("\n")
            self._partial[tid] = rest
            for line in done:
                self._line(tid, ANSI.sub("", line))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._file.flush()
            if self.verbose:
                self.console.flush()

    def isatty(self) -> bool:
        return False

    def _line(self, tid: int, line: str) -> None:
        m = START.search(line)
        if m:
            self._task[tid] = (m.group(1), time.perf_counter())
            self.lines[m.group(1)] = []
            return
        m = END.search(line)
        if m:
            name, status = m.group(1), m.group(2)
            started = self._task.pop(tid, (name, time.perf_counter()))[1]
            took = time.perf_counter() - started
            if status != "SUCCESS":
                self.failed.append(name)
            if not self.verbose:
                self.console.write(f"  {name:<34} {status:<8} {took:7.1f} s\n")
                self.console.flush()
            return
        task = self._task.get(tid)
        if WARNING in line:
            self.warnings.append(f"{task[0] if task else 'pipeline'}: {line.split(WARNING, 1)[1]}")
        if task:
            kept = self.lines.setdefault(task[0], [])
            kept.append(line)
            del kept[:-TAIL]

    def close(self) -> None:
        with self._lock:
            for rest in self._partial.values():
                if rest:
                    self._file.write(ANSI.sub("", rest) + "\n")
            self._file.close()

    def failure_report(self) -> str:
        """The failed task's last log lines, for the console."""
        out = []
        for name in self.failed:
            tail = [ln for ln in self.lines.get(name, []) if ln.strip()]
            out.append(f"last lines of task {name!r}:")
            out += [f"    {ln}" for ln in tail[-15:]]
        return "\n".join(out)


class capture:
    """`with capture(log_path, verbose) as log:` routes sys.stdout and sys.stderr through a TaskLog."""

    def __init__(self, path: Path, verbose: bool = False):
        self.log = TaskLog(path, sys.stdout, verbose)

    def __enter__(self) -> TaskLog:
        self._saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self.log
        return self.log

    def __exit__(self, *exc) -> None:
        sys.stdout, sys.stderr = self._saved
        self.log.close()
