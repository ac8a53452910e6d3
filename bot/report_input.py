"""Read a JSON report for publishing: it may come from an untrusted artifact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from modelbot.errors import UsageError
from modelbot.report import load_schema

MAX_REPORT_BYTES = 16 * 1024 * 1024  # a report with 10,000 findings is ~5 MB

REPORT_TOO_BIG = "{path}: {size:,} bytes is over the {limit:,}-byte limit for a report"
REPORT_NOT_JSON = "{path}: not a JSON report: {error}"
REPORT_INVALID = "{path}: not a modelbot report: at {where}: {message}"


def load_report(path: Path) -> dict[str, Any]:
    """Read and validate a report; it may come from an untrusted artifact."""
    size = path.stat().st_size
    if size > MAX_REPORT_BYTES:
        raise UsageError(
            REPORT_TOO_BIG.format(path=path, size=size, limit=MAX_REPORT_BYTES)
        )
    try:
        data = json.loads(
            path.read_bytes().decode("utf-8"), parse_constant=_no_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UsageError(REPORT_NOT_JSON.format(path=path, error=exc)) from exc
    validator = jsonschema.Draft202012Validator(load_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        # Keep text from the artifact on one line: a "::" line would be a
        # workflow command in the job log.
        message = " ".join(error.message.splitlines())
        message = message if len(message) < 300 else message[:300] + "..."
        raise UsageError(REPORT_INVALID.format(path=path, where=where, message=message))
    assert isinstance(data, dict)
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")
