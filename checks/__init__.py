"""The checks modelbot runs on every model, behind one small interface."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from modelbot.discovery import ModelDir
from modelbot.results import CheckResult


class Check(Protocol):
    """A check: a name and a function from a model and its settings to a result."""

    name: str
    description: str

    # Read-only, so that a check may hold plain dicts.
    @property
    def defaults(self) -> Mapping[str, Any]:
        """The defaults of the check's config section (``enabled`` excluded)."""
        ...

    @property
    def schema(self) -> Mapping[str, Any]:
        """The JSON Schema of the section's properties (``enabled`` excluded)."""
        ...

    def run(self, model: ModelDir, settings: Mapping[str, Any]) -> CheckResult:
        """Check ``model`` under ``settings`` (its config section, overrides applied).

        Expected problems are findings; an exception raised here becomes an
        ``error`` result in the runner, and the other checks still run.
        """
        ...


def registry() -> dict[str, Check]:
    """The checks in the order they run, by name."""
    from modelbot.checks import docs, license, smoke

    checks: list[Check] = [smoke.CHECK, license.CHECK, docs.CHECK]
    return {c.name: c for c in checks}
