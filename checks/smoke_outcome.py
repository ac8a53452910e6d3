"""What a smoke test child left behind: its process outcome and result file.

The parent reads the result file as untrusted data: contributed code ran in the
same process and may have rewritten it. Every value is checked for its type and
capped before it reaches a finding, a metric or the report.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelbot import sandbox
from modelbot.discovery import ModelDir
from modelbot.results import Finding, Severity

MAX_TEXT = 300
RERUN = " (second run, in a fresh process)"
PHASE_NAMES = {
    "start": "start-up",
    "import": "the import of model.py",
    "build": "build_model()",
    "data": "data preparation",
    "compile": "compile",
    "forward": "the forward pass",
    "train": "training",
    "save": "saving",
    "reload": "reloading",
    "compare": "the comparison after reloading",
}


class ChildReport:
    """One child's outcome and result file, read as untrusted data."""

    def __init__(
        self,
        model: ModelDir,
        settings: Mapping[str, Any],
        mode: str,
        outcome: sandbox.Outcome,
        data: Any,
    ) -> None:
        self.model, self.settings, self.mode = model, settings, mode
        self.outcome = outcome
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        metrics, failure = self.data.get("metrics"), self.data.get("failure")
        self.metrics: dict[str, Any] = metrics if isinstance(metrics, dict) else {}
        self.failure: dict[str, Any] = failure if isinstance(failure, dict) else {}
        self.done = self.data.get("done") is True
        self.code = model.relpath(model.code)

    @property
    def saved(self) -> bool:
        """Whether this is the train child and it saved the model."""
        return self.mode == "train" and self.done and not self.failure

    def text(self, key: str) -> str:
        """A string metric."""
        return clean_text(self.metrics.get(key))

    def losses(self, key: str) -> list[float | None]:
        """A list of losses (``None`` where not finite), capped at steps + 1."""
        value = self.metrics.get(key)
        items = value[: self.settings["steps"] + 1] if isinstance(value, list) else []
        return [clean_number(item) for item in items]

    @property
    def phase(self) -> str:
        """The phase the child last entered, in words."""
        phase = clean_text(self.data.get("phase"))
        base = phase.removeprefix("rerun-")
        words = PHASE_NAMES.get(base, PHASE_NAMES["start"])
        if base == "train" and phase == base:
            step = max(1, len(self.losses("train_losses")))
            words += f" (step {step} of {self.settings['steps']})"
        return words + (RERUN if phase != base else "")

    def finding(
        self,
        rule: str,
        message: str,
        hint: str | None = None,
        where: tuple[str, int | None] | None = None,
        severity: Severity = Severity.ERROR,
    ) -> Finding:
        """A finding on ``where`` (file and line), model.py by default."""
        path, line = where or (self.code, None)
        return Finding(rule, severity, message, path, line, hint=hint)


def clean_text(value: Any) -> str:
    """An untrusted string on one line, capped; ``""`` if it is not a string."""
    return " ".join(value.split())[:MAX_TEXT] if isinstance(value, str) else ""


def clean_number(value: Any) -> float | None:
    """An untrusted finite number, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def clean_texts(value: Any) -> list[str]:
    """An untrusted list of strings, capped."""
    if not isinstance(value, list):
        return []
    return [clean_text(item)[:100] for item in value[:20]]


def locate(model: ModelDir, frames: Any) -> tuple[str, int | None]:
    """The innermost frame ``[file, line, ...]`` in the model's directory.

    Falls back to model.py without a line.
    """
    root = model.path.resolve()
    for frame in reversed(frames if isinstance(frames, list) else []):
        if not (isinstance(frame, list) and len(frame) >= 2):
            continue
        filename, line = frame[0], frame[1]
        if not isinstance(filename, str) or not os.path.isabs(filename):
            continue
        path = Path(filename).resolve()
        if path.is_relative_to(root) and path.is_file():
            valid = isinstance(line, int) and not isinstance(line, bool) and line > 0
            return model.relpath(path), line if valid else None
    return model.relpath(model.code), None
