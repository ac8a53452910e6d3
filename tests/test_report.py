"""Tests for the report: its JSON schema, Markdown and text renderings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from modelbot.config import parse_config
from modelbot.discovery import ModelDir
from modelbot.report import (
    build_report,
    load_schema,
    render_json,
    render_markdown,
    sparkline,
)
from modelbot.results import CheckResult, Finding, Severity, Status
from modelbot.runner import ModelOutcome, run_checks
from modelbot.textreport import render_text

from .conftest import FakeCheck


def outcomes_for(tmp_path: Path, checks: dict[str, FakeCheck]) -> list[ModelOutcome]:
    (tmp_path / "models" / "a").mkdir(parents=True)
    model = ModelDir(tmp_path, tmp_path / "models" / "a")
    config = parse_config("", "x.yml", checks)
    return run_checks([model], config, checks, set(checks))


def report_for(tmp_path: Path, checks: dict[str, FakeCheck]) -> dict:
    return build_report(
        outcomes_for(tmp_path, checks),
        command="modelbot check .",
        config_path=None,
        config_source="built-in defaults",
        duration=1.5,
    )


def test_report_validates_against_shipped_schema(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    report = json.loads(render_json(report_for(tmp_path, fake_checks)))
    jsonschema.Draft202012Validator(load_schema()).validate(report)
    assert report["status"] == "fail" and report["exit_code"] == 1
    assert report["counts"] == {"pass": 1, "skip": 0, "warn": 1, "fail": 1, "error": 0}
    [model] = report["models"]
    assert model["path"] == "models/a"
    beta = model["checks"][1]
    assert beta["findings"] == [
        {
            "rule": "beta/broken",
            "severity": "error",
            "message": "it is broken",
            "path": "models/a/x.py",
            "line": 3,
            "column": 1,
            "hint": "mend it",
        }
    ]
    assert report["versions"]["modelbot"] == report["tool"]["version"]


def test_schema_rejects_a_broken_report(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    report = report_for(tmp_path, fake_checks)
    report["models"][0]["path"] = "../outside"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, load_schema())


def test_crash_gives_exit_code_3(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    fake_checks["alpha"].raises = RuntimeError("boom")
    report = report_for(tmp_path, fake_checks)
    assert (report["status"], report["exit_code"]) == ("error", 3)


def test_sparkline_spans_the_range() -> None:
    assert sparkline([4.0, 2.0, 1.0, 0.0]) == "█▄▂▁"
    assert sparkline([1.0, None, 1.0]) == "▁ ▁"
    assert sparkline([]) == ""


def test_markdown_escapes_contributed_text_and_links_findings(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    hostile = Finding(
        "beta/broken",
        Severity.ERROR,
        "ping @octocat <img src=x> **bold**",
        "models/a/x.py",
        3,
        1,
        None,
    )
    fake_checks["beta"].findings = [hostile]
    text = render_markdown(
        report_for(tmp_path, fake_checks), link_base="https://h/o/r/blob/abc"
    )
    assert "@octocat" not in text
    assert re.search(r"(?<!\\)<img", text) is None  # raw HTML would render
    assert "\\*\\*bold\\*\\*" in text
    assert "[`models/a/x.py:3`](https://h/o/r/blob/abc/models/a/x.py#L3)" in text
    assert "| `models/a` | ✅ | ❌ | ⚠️ |" in text
    assert text.startswith("## ❌ modelbot: some checks failed")


def test_markdown_shows_loss_sparkline_for_passing_smoke(tmp_path: Path) -> None:
    model = ModelDir(tmp_path, tmp_path / "m")
    result = CheckResult(
        "smoke",
        Status.PASS,
        metrics={
            "losses": [1.0, 0.5, 0.25],
            "loss_initial": 1.0,
            "loss_final": 0.25,
            "seed": 7,
        },
    )
    report = build_report(
        [ModelOutcome(model, [result])],
        command="modelbot check",
        config_path=None,
        config_source="defaults",
        duration=0.1,
    )
    text = render_markdown(report)
    assert "1 passing model" in text
    assert "`█▃▁` (1 → 0.25), seed 7" in text


def test_text_report_lists_findings_with_fixes(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    text = render_text(report_for(tmp_path, fake_checks))
    assert "FAIL  models/a" in text
    assert "models/a/x.py:3:1: error it is broken [beta/broken]" in text
    assert "fix: mend it" in text
    assert text.rstrip().splitlines()[-1].startswith("FAIL: 1 model(s)")
    assert "\x1b[" not in text
    assert "\x1b[" in render_text(report_for(tmp_path / "c", fake_checks), color=True)
