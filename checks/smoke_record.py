"""What the smoke test's child records: its phases, its failures, its result file.

Runs in the sandboxed child (``smoke_child.py``) and is imported there before
the contribution, so ``WORKDIR`` is captured before contributed code can chdir.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORKDIR = Path.cwd()  # Captured before contributed code can chdir.
RESULT_FILE = WORKDIR / "result.json"
MAX_TEXT = 2000
MAX_FRAMES = 40


class Stop(Exception):
    """Ends the smoke test early with a failure record for the parent."""

    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind)
        self.failure = {"kind": kind, **details}


class Report:
    """What the child saw so far, rewritten atomically as it goes."""

    def __init__(self, mode: str) -> None:
        self.data: dict[str, Any] = {"mode": mode, "phase": "start", "done": False}
        self.data.update(failure=None, metrics={}, durations={})
        self.metrics: dict[str, Any] = self.data["metrics"]

    def write(self) -> None:
        """Replace the result file with the current state."""
        tmp = RESULT_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, allow_nan=False, default=str))
        os.replace(tmp, RESULT_FILE)


@contextlib.contextmanager
def phase(report: Report, name: str) -> Iterator[None]:
    """Run one phase; any exception becomes a failure record naming the phase."""
    report.data["phase"] = name
    report.write()
    start = time.perf_counter()
    try:
        yield
    except Stop:
        raise
    except BaseException as exc:  # Contributed code may raise even SystemExit.
        raise Stop("exception", phase=name, **describe(exc)) from None
    finally:
        spent = time.perf_counter() - start
        durations = report.data["durations"]
        durations[name] = round(durations.get(name, 0.0) + spent, 4)


def describe(exc: BaseException) -> dict[str, Any]:
    """Type, message and traceback frames of ``exc`` and the exceptions it chains."""
    frames: list[list[Any]] = []
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.insert(0, current)
        current = current.__cause__ or current.__context__
    for link in chain:  # Outermost first, so the root cause's frames come last.
        for frame in traceback.extract_tb(link.__traceback__):
            frames.append([frame.filename, frame.lineno, frame.name])
        # A SyntaxError happens before the module has frames: its place is on it.
        if isinstance(link, SyntaxError) and link.filename and link.lineno:
            frames.append([link.filename, link.lineno, "<module>"])
    message = str(exc)
    if len(message) > MAX_TEXT:  # The cause is often at the end (TensorFlow).
        half = MAX_TEXT // 2
        message = f"{message[:half]}\n...\n{message[-half:]}"
    return {
        "type": type(exc).__name__,
        "message": message,
        "frames": frames[-MAX_FRAMES:],
    }
