"""Tests for reading the event payload, on GitHub's own example webhooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelbot.event import PullRequestEvent, read_pull_request_event

from .github_fixtures import WEBHOOK_EXAMPLES, webhook_example

pytestmark = pytest.mark.skipif(
    not WEBHOOK_EXAMPLES.is_dir(),
    reason=f"{WEBHOOK_EXAMPLES} is absent: run `npm ci` in tests/node",
)


def read(tmp_path: Path, name: str, payload: Any) -> PullRequestEvent | None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload) if not isinstance(payload, str) else payload)
    return read_pull_request_event(
        {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path)}
    )


@pytest.mark.parametrize("action", ["opened", "synchronize"])
def test_same_repository_pull_request(tmp_path: Path, action: str) -> None:
    payload = webhook_example("pull_request", action)
    pr = payload["pull_request"]
    event = read(tmp_path, "pull_request", payload)
    assert event == PullRequestEvent(
        number=pr["number"],
        base_sha=pr["base"]["sha"],
        head_sha=pr["head"]["sha"],
        base_ref=pr["base"]["ref"],
        base_repo="Codertocat/Hello-World",
        head_repo="Codertocat/Hello-World",
    )
    assert event.number == payload["number"]
    assert len(event.head_sha) == 40
    assert not event.is_fork


@pytest.mark.parametrize("action", ["opened", "synchronize"])
def test_pull_request_from_a_fork(tmp_path: Path, action: str) -> None:
    payload = webhook_example("pull_request", action)
    # GitHub's examples have no fork; a fork's head repo is another repository.
    head = payload["pull_request"]["head"]["repo"]
    head["full_name"], head["fork"] = "contributor/Hello-World", True
    event = read(tmp_path, "pull_request_target", payload)
    assert event is not None
    assert event.head_repo == "contributor/Hello-World"
    assert event.base_repo == "Codertocat/Hello-World"
    assert event.is_fork


def test_pull_request_whose_fork_was_deleted(tmp_path: Path) -> None:
    payload = webhook_example("pull_request", "opened")
    payload["pull_request"]["head"]["repo"] = None
    event = read(tmp_path, "pull_request", payload)
    assert event is not None and event.head_repo is None and event.is_fork


def test_push_event_is_not_a_pull_request(tmp_path: Path) -> None:
    payload = webhook_example("push")
    assert read(tmp_path, "push", payload) is None
    assert read(tmp_path, "", payload) is None  # by its content alone


def test_workflow_run_event_is_not_read_as_a_pull_request(tmp_path: Path) -> None:
    payload = webhook_example("pull_request", "opened")
    assert read(tmp_path, "workflow_run", payload) is None


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"pull_request": {"number": "x"}}']
)
def test_unreadable_payload_is_none_with_a_warning(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert read(tmp_path, "pull_request", content) is None
    assert content == "[]" or caplog.records


def test_no_event_path(tmp_path: Path) -> None:
    assert read_pull_request_event({"GITHUB_EVENT_NAME": "pull_request"}) is None
    missing = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "x"),
    }
    assert read_pull_request_event(missing) is None
