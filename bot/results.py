"""The data every check returns: statuses, findings and check results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """A check's verdict on one model; ``ORDER`` ranks them, worst last."""

    PASS = "pass"
    SKIP = "skip"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


# Worst status wins when statuses are combined (a model's row, the run's verdict).
ORDER = [Status.SKIP, Status.PASS, Status.WARN, Status.FAIL, Status.ERROR]


class Severity(enum.StrEnum):
    """How much a finding weighs: ``error`` fails the check, ``warning`` warns."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """One thing a check found, anchored to a file and line where it can be."""

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as report JSON."""
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


@dataclass
class CheckResult:
    """What one check concluded about one model."""

    name: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    duration: float = 0.0

    @classmethod
    def from_findings(
        cls,
        name: str,
        findings: list[Finding],
        metrics: dict[str, Any] | None = None,
        summary: str = "",
    ) -> CheckResult:
        """Derive the status from the findings: any error fails, any warning warns."""
        severities = {f.severity for f in findings}
        if Severity.ERROR in severities:
            status = Status.FAIL
        elif Severity.WARNING in severities:
            status = Status.WARN
        else:
            status = Status.PASS
        return cls(name, status, findings, metrics or {}, summary)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as report JSON."""
        return {
            "name": self.name,
            "status": str(self.status),
            "summary": self.summary,
            "duration": round(self.duration, 3),
            "findings": [f.to_dict() for f in self.findings],
            "metrics": self.metrics,
        }


def worst(statuses: list[Status]) -> Status:
    """Return the worst of ``statuses`` (``pass`` for none)."""
    return max(statuses, key=ORDER.index, default=Status.PASS)
