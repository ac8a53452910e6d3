"""Tests for the check run: output built from a report, annotations in batches."""

# ruff: noqa: F401, F811  (pytest fixtures imported from github_fixtures)
from __future__ import annotations

from typing import Any

import pytest

from modelbot import github as gh
from modelbot.checkrun import (
    CheckRunOutput,
    annotation,
    check_run_output,
    create_check_run,
)

from .fakegithub import FakeGitHub
from .github_fixtures import (
    APP_TOKEN,
    HEAD,
    REPO,
    fake_github,
    finding,
    github_server,
    make_report,
    openapi,
)

NOTICE = "\n[cut]\n"


def api_for(fake: FakeGitHub) -> gh.GitHubApi:
    env = {"GITHUB_API_URL": fake.api_url, "GITHUB_TOKEN": APP_TOKEN}
    settings = gh.ClientSettings(seconds_between_requests=0, seconds_between_writes=0)
    return gh.connect(env, settings)


@pytest.mark.parametrize(("count", "sizes"), [(0, [None]), (50, [50]), (51, [50, 1])])
def test_annotations_go_50_per_request(
    fake_github: FakeGitHub, count: int, sizes: list[int | None]
) -> None:
    api = api_for(fake_github)
    note = {
        "path": "a.py",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "notice",
        "message": "m",
    }
    output = CheckRunOutput("success", "t", "s", None, [note] * count)
    url = create_check_run(
        api, gh.get_repository(api, REPO), name="modelbot", head_sha=HEAD, output=output
    )
    calls = fake_github.requests(None, "check-runs")
    assert [
        len(c.body["output"].get("annotations", [])) or None for c in calls
    ] == sizes
    assert all(c.body["output"]["summary"] == "s" for c in calls)
    assert all("text" not in c.body["output"] for c in calls)
    assert url.startswith("https://github.example/octo/zoo/runs/")


def test_output_of_a_failing_report() -> None:
    report = make_report([finding(3), finding(9, "warning", "@team odd")])
    report["counts"].update({"pass": 4, "warn": 1})
    output = check_run_output(report, "## report\n", NOTICE)
    assert output.conclusion == "failure"
    assert output.title == "checks: 1 failed, 1 warned, 4 passed"
    assert output.summary == "## report\n"
    assert output.text is not None
    assert output.text.splitlines()[2:] == [
        "- `models/x/model.py:3` **smoke/non-finite-loss** loss is NaN",
        "- `models/x/model.py:9` **docs/style** @\u200dteam odd",
    ]
    assert [a["annotation_level"] for a in output.annotations] == ["failure", "warning"]


def test_output_without_findings_or_checks() -> None:
    report = make_report()
    report["counts"] = dict.fromkeys(report["counts"], 0)
    output = check_run_output(report, "ok\n", NOTICE)
    assert (output.conclusion, output.title, output.text) == (
        "success",
        "no checks ran",
        None,
    )
    assert output.annotations == []


def test_findings_without_a_file_are_listed_but_not_annotated() -> None:
    loose: dict[str, Any] = {**finding(1), "path": None, "line": None, "column": None}
    output = check_run_output(make_report([loose]), "r\n", NOTICE)
    assert output.annotations == []
    assert output.text is not None and "`smoke/non-finite-loss`" in output.text


@pytest.mark.parametrize(
    ("line", "column", "expected"),
    [
        (None, None, {"start_line": 1, "end_line": 1}),
        (5, None, {"start_line": 5, "end_line": 5}),
        (5, 3, {"start_line": 5, "end_line": 5, "start_column": 3, "end_column": 3}),
    ],
)
def test_annotation_anchor(
    line: int | None, column: int | None, expected: dict
) -> None:
    result = annotation({**finding(1), "line": line, "column": column, "hint": None})
    assert {k: v for k, v in result.items() if "line" in k or "column" in k} == expected
    assert result["message"] == "loss is NaN"


def test_annotation_message_is_plain_text_within_64_kb() -> None:
    result = annotation({**finding(1), "message": "é\x00" * 40_000 + "\u202e"})
    assert len(result["message"].encode("utf-8")) == 60_000
    assert set(result["message"]) == {"é"}
