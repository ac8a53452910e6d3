"""Fixtures for tests that talk to the loopback GitHub: server, env, reports."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from modelbot.cli import cli
from modelbot.github import ClientSettings

from .fakegithub import FakeGitHub
from .openapi import MISSING, NODE_MODULES, SPEC_PATH, OpenAPI, load_openapi

WEBHOOK_EXAMPLES = NODE_MODULES / "@octokit" / "webhooks-examples" / "api.github.com"
BOT = "github-actions[bot]"
APP_TOKEN = "ghs_installation_token"  # like GITHUB_TOKEN: GET /user is 403
READ_ONLY_TOKEN = "ghs_fork_token"  # a fork's pull_request token
HEAD = "a" * 40
REPO = "octo/zoo"


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    """GitHub's OpenAPI description; the tests that need it skip without it."""
    if not SPEC_PATH.is_file():
        pytest.skip(MISSING)
    return load_openapi()


@pytest.fixture
def github_server(openapi: OpenAPI) -> Iterator[Callable[..., FakeGitHub]]:
    """Start fake GitHub servers (optionally under a prefix such as /api/v3).

    Every request and response is checked against the OpenAPI description; a
    test fails when a shape is wrong.
    """
    servers: list[FakeGitHub] = []

    def start(prefix: str = "") -> FakeGitHub:
        fake = FakeGitHub(prefix=prefix, repo=REPO)
        fake.validate = openapi
        fake.add_token(APP_TOKEN, BOT, bot=True, app=True)
        fake.add_token(READ_ONLY_TOKEN, BOT, bot=True, app=True, read_only=True)
        servers.append(fake.start())
        return fake

    yield start
    for fake in servers:
        fake.stop()
    problems = [p for fake in servers for p in fake.problems]
    assert not problems, "OpenAPI violations:\n" + "\n".join(problems)


@pytest.fixture
def fake_github(github_server: Callable[..., FakeGitHub]) -> FakeGitHub:
    """A fake github.com API with pull request #7 (head ``HEAD``)."""
    fake = github_server()
    fake.add_pull(7, head_sha=HEAD, commits=["c" * 40, HEAD])
    return fake


def webhook_example(name: str, action: str | None = None) -> dict[str, Any]:
    """The first example payload GitHub documents for event ``name`` and ``action``."""
    events = json.loads((WEBHOOK_EXAMPLES / "index.json").read_text(encoding="utf-8"))
    for event in events:
        if event["name"] != name:
            continue
        for example in event["examples"]:
            if action is None or example.get("action") == action:
                return copy.deepcopy(example)
    raise LookupError(f"no example for {name}/{action}")


def pull_request_event(
    number: int = 7, head: str = HEAD, *, fork: bool = False, action: str = "opened"
) -> dict[str, Any]:
    """GitHub's example pull_request payload, pointed at the fake repository."""
    payload = webhook_example("pull_request", action)
    pr = payload["pull_request"]
    pr["number"] = payload["number"] = number
    pr["head"]["sha"] = head
    for side in ("base", "head"):
        pr[side]["repo"]["full_name"] = REPO
    if fork:
        # GitHub's examples have no fork; a fork differs only in the head repo.
        pr["head"]["repo"]["full_name"] = "eve/zoo"
        pr["head"]["repo"]["fork"] = True
        pr["head"]["repo"]["owner"]["login"] = "eve"
    return payload


@dataclass
class Workflow:
    """The environment of one workflow step and what it wrote."""

    tmp: Path
    env: dict[str, str] = field(default_factory=dict)
    sleeps: list[float] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """What modelbot wrote to the job summary."""
        path = Path(self.env["GITHUB_STEP_SUMMARY"])
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @property
    def outputs(self) -> dict[str, str]:
        """The step outputs modelbot wrote (single-line ones)."""
        path = Path(self.env["GITHUB_OUTPUT"])
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def event(self, name: str, payload: dict[str, Any]) -> None:
        """Make this step run on event ``name`` with ``payload``."""
        path = self.tmp / f"event-{name}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        self.env.update(GITHUB_EVENT_NAME=name, GITHUB_EVENT_PATH=str(path))

    def settings(self) -> ClientSettings:
        """Fast, recorded waits instead of sleeping."""
        return ClientSettings(
            backoff=0.5,
            seconds_between_requests=0,
            seconds_between_writes=0,
            timeout=10,
            sleep=self.sleeps.append,
            clock=time.time,
        )

    def publish(self, report: dict[str, Any] | Path, *args: str) -> Result:
        """Run ``modelbot publish`` on ``report`` in this environment."""
        if isinstance(report, dict):
            path = self.tmp / "report.json"
            path.write_text(json.dumps(report), encoding="utf-8")
        else:
            path = report
        return CliRunner().invoke(
            cli, ["publish", str(path), *args], env=self.env, obj=self.settings()
        )


@pytest.fixture
def workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub
) -> Workflow:
    """A pull_request step on PR #7 of the fake server with an installation token."""
    import os

    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MODELBOT_", "RUNNER_")):
            monkeypatch.delenv(name)
    flow = Workflow(tmp_path)
    flow.env.update(
        GITHUB_API_URL=fake_github.api_url,
        GITHUB_SERVER_URL="https://github.example",
        GITHUB_REPOSITORY=REPO,
        GITHUB_TOKEN=APP_TOKEN,
        GITHUB_RUN_ID="42",
        GITHUB_SHA="f" * 40,
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "output.txt"),
    )
    flow.event("pull_request", pull_request_event())
    return flow


def finding(
    n: int,
    severity: str = "error",
    message: str = "loss is NaN",
    path: str | None = None,
) -> dict[str, Any]:
    """A report finding at line ``n`` of a model file."""
    return {
        "rule": "smoke/non-finite-loss" if severity == "error" else "docs/style",
        "severity": severity,
        "message": message,
        "path": path or "models/x/model.py",
        "line": n,
        "column": 1,
        "hint": "lower the learning rate",
    }


def make_report(
    findings: list[dict[str, Any]] | None = None,
    *,
    status: str | None = None,
    total: float = 12.5,
) -> dict[str, Any]:
    """A report in the shape of the shipped schema, with one model and check."""
    findings = findings or []
    errors = any(f["severity"] == "error" for f in findings)
    check_status = status or ("fail" if errors else "warn" if findings else "pass")
    codes = {"pass": 0, "skip": 0, "warn": 0, "fail": 1, "error": 3}
    counts = dict.fromkeys(codes, 0)
    counts[check_status] = 1
    return {
        "schema_version": 1,
        "tool": {"name": "modelbot", "version": "0.1.0"},
        "versions": {"python": "3.11.7", "modelbot": "0.1.0"},
        "generated_at": "2024-05-01T12:00:00+00:00",
        "command": "modelbot check . --format json",
        "config": {"path": None, "source": "built-in defaults"},
        "status": check_status,
        "exit_code": codes[check_status],
        "counts": counts,
        "timings": {"total": total},
        "notices": [],
        "models": [
            {
                "path": "models/x",
                "status": check_status,
                "duration": 1.0,
                "checks": [
                    {
                        "name": "smoke",
                        "status": check_status,
                        "summary": "",
                        "duration": 1.0,
                        "findings": findings,
                        "metrics": {"losses": [0.9, 0.5, 0.3], "seed": 1},
                    }
                ],
            }
        ],
    }
