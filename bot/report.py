"""Build the one report of a run and render it as JSON, text or Markdown."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.resources
import json
import platform
from collections import Counter
from functools import cache
from typing import Any

import jinja2

from modelbot import __version__, mdsafe
from modelbot.results import Status, worst
from modelbot.runner import ModelOutcome

SCHEMA_VERSION = 1
# Distributions whose versions explain a result; read from metadata so that
# building the report never imports TensorFlow into the parent process.
LIBRARIES = {
    "tensorflow": "tensorflow",
    "keras": "keras",
    "numpy": "numpy",
    "askalono": "pyaskalono",
    "license-expression": "license-expression",
    "markdown-it-py": "markdown-it-py",
    "PyYAML": "PyYAML",
    "PyGithub": "PyGithub",
}
SPARK = "▁▂▃▄▅▆▇█"
MARKS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "💥", "skip": "⏭️"}
VERDICTS = {
    "pass": "all checks passed",
    "warn": "all checks passed, with warnings",
    "fail": "some checks failed",
    "error": "modelbot could not finish some checks",
    "skip": "no check ran",
}


def exit_code(status: Status | str) -> int:
    """0 for pass or warn, 1 when a check failed, 3 when a check crashed."""
    return {"error": 3, "fail": 1}.get(str(status), 0)


def library_versions() -> dict[str, str | None]:
    """The versions of Python, modelbot and the libraries its checks rely on."""
    versions: dict[str, str | None] = {
        "python": platform.python_version(),
        "modelbot": __version__,
    }
    for name, dist in LIBRARIES.items():
        try:
            versions[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_report(
    outcomes: list[ModelOutcome],
    *,
    command: str,
    config_path: str | None,
    config_source: str,
    duration: float,
    notices: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The report as plain data, in the shape of ``schemas/report.schema.json``."""
    status = worst([o.status for o in outcomes])
    counts = Counter(str(r.status) for o in outcomes for r in o.results)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "modelbot", "version": __version__},
        "versions": library_versions(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "config": {"path": config_path, "source": config_source},
        "status": str(status),
        "exit_code": exit_code(status),
        "counts": {s.value: counts.get(s.value, 0) for s in Status},
        "timings": {"total": round(duration, 3)},
        "notices": notices or [],
        "models": [
            {
                "path": o.model.rel,
                "status": str(o.status),
                "duration": round(o.duration, 3),
                "checks": [r.to_dict() for r in o.results],
            }
            for o in outcomes
        ],
    }


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON."""
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_schema(name: str = "report") -> dict[str, Any]:
    """A JSON Schema shipped in the package."""
    text = importlib.resources.files("modelbot").joinpath(f"schemas/{name}.schema.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def sparkline(values: list[float | None]) -> str:
    """A loss curve in eight block characters; gaps for non-finite values."""
    finite = [v for v in values if v is not None]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else SPARK[int((v - low) / span * (len(SPARK) - 1))]
        for v in values
    )


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment for the Markdown templates."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("modelbot.templates", ""),
        autoescape=False,  # Markdown, not HTML: contributed text goes through `md`
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = mdsafe.escape
    env.filters["code"] = mdsafe.code
    env.filters["message"] = mdsafe.message
    env.filters["spark"] = sparkline
    env.globals["marks"] = MARKS
    env.globals["verdicts"] = VERDICTS
    return env


def render_markdown(report: dict[str, Any], *, link_base: str | None = None) -> str:
    """The report as GitHub Markdown (the PR comment and the job summary)."""
    checks = []
    for model in report["models"]:
        for check in model["checks"]:
            if check["name"] not in checks:
                checks.append(check["name"])
    template = environment().get_template("report.md.j2")
    return template.render(report=report, checks=checks, link_base=link_base)
