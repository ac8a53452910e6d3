"""Run the selected checks over the models, turning crashes into results."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from modelbot.checks import Check
from modelbot.config import Config
from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Status, worst

LOG = logging.getLogger(__name__)

DISABLED = "disabled in the configuration"
NOT_SELECTED = "not selected on the command line"
CRASHED = "modelbot's {check} check crashed: {kind}: {detail}"

Progress = Callable[[ModelDir, str, CheckResult | None], None]


@dataclass
class ModelOutcome:
    """Every check's result for one model."""

    model: ModelDir
    results: list[CheckResult] = field(default_factory=list)
    duration: float = 0.0

    @property
    def status(self) -> Status:
        """The worst status of the model's checks."""
        return worst([r.status for r in self.results])


def run_checks(
    models: list[ModelDir],
    config: Config,
    checks: Mapping[str, Check],
    selected: set[str],
    progress: Progress | None = None,
) -> list[ModelOutcome]:
    """Run every selected, enabled check on every model."""
    outcomes = []
    for model in models:
        outcome = ModelOutcome(model)
        started = time.monotonic()
        for name, check in checks.items():
            if progress:
                progress(model, name, None)
            result = run_one(model, config, check, name in selected)
            if progress:
                progress(model, name, result)
            outcome.results.append(result)
        outcome.duration = time.monotonic() - started
        outcomes.append(outcome)
    return outcomes


def run_one(
    model: ModelDir, config: Config, check: Check, selected: bool
) -> CheckResult:
    """Run one check, or say why it did not run, or report how it crashed."""
    settings = config.settings_for(model.rel, check.name)
    if not selected:
        return CheckResult(check.name, Status.SKIP, summary=NOT_SELECTED)
    if not settings.pop("enabled", True):
        return CheckResult(check.name, Status.SKIP, summary=DISABLED)

    started = time.monotonic()
    try:
        result = check.run(model, settings)
    except Exception as exc:  # a bug in a check must not lose the other results
        LOG.error("%s check crashed on %s", check.name, model.rel, exc_info=True)
        detail = str(exc).strip().splitlines()[-1:] or ["(no message)"]
        summary = CRASHED.format(
            check=check.name, kind=type(exc).__name__, detail=detail[0]
        )
        result = CheckResult(check.name, Status.ERROR, summary=summary[:500])
    result.duration = time.monotonic() - started
    return result
