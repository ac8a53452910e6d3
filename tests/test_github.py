"""Tests for the PyGithub plumbing: classification, retries, repository reads."""

# ruff: noqa: F401, F811  (pytest fixtures imported from github_fixtures)
from __future__ import annotations

import socket
from email.utils import formatdate
from typing import Any

import pytest
import requests
from github import GithubException

from modelbot import github as gh
from modelbot.errors import UsageError

from .fakegithub import READ_ONLY, SECONDARY_LIMIT, FakeGitHub
from .github_fixtures import (  # fixtures are used as parameters
    APP_TOKEN,
    REPO,
    fake_github,
    github_server,
    openapi,
)

NOW = 1_700_000_000.0


def settings(sleeps: list[float], **changes: Any) -> gh.ClientSettings:
    values: dict[str, Any] = {
        "backoff": 1.0,
        "seconds_between_requests": 0,
        "seconds_between_writes": 0,
        "timeout": 5,
        "sleep": sleeps.append,
        "clock": lambda: NOW,
    }
    return gh.ClientSettings(**{**values, **changes})


def api_for(
    fake: FakeGitHub, sleeps: list[float], token: str = APP_TOKEN, **changes: Any
) -> gh.GitHubApi:
    env = {"GITHUB_API_URL": fake.api_url, "GITHUB_TOKEN": token}
    return gh.connect(env, settings(sleeps, **changes))


def error(
    status: int,
    message: str = "",
    headers: dict[str, str] | None = None,
    data: Any = None,
) -> GithubException:
    body = data if data is not None else {"message": message}
    return GithubException(status, body, headers or {})


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (error(429, "slow down"), gh.Failure.RATE_LIMITED),
        (error(403, "x", {"Retry-After": "30"}), gh.Failure.RATE_LIMITED),
        (error(403, "x", {"X-RateLimit-Remaining": "0"}), gh.Failure.RATE_LIMITED),
        (error(403, SECONDARY_LIMIT), gh.Failure.RATE_LIMITED),
        (error(403, READ_ONLY), gh.Failure.READ_ONLY),
        (
            error(403, "Resource not accessible by personal access token"),
            gh.Failure.READ_ONLY,
        ),
        (error(403, "Must have admin rights to Repository."), gh.Failure.FORBIDDEN),
        (error(401, "Bad credentials"), gh.Failure.UNAUTHORIZED),
        (error(404, "Not Found"), gh.Failure.NOT_FOUND),
        (error(422, "Validation Failed"), gh.Failure.REJECTED),
        (error(500), gh.Failure.UNAVAILABLE),
        (error(502, data={"data": "<html>bad gateway</html>"}), gh.Failure.UNAVAILABLE),
        (error(302, data={"data": "<html>sign in</html>"}), gh.Failure.NOT_JSON),
        (requests.ConnectionError("refused"), gh.Failure.UNAVAILABLE),
        (requests.Timeout("slow"), gh.Failure.UNAVAILABLE),
    ],
)
def test_classify_by_status_headers_and_message(
    exc: Exception, failure: gh.Failure
) -> None:
    assert gh.classify(exc)[0] is failure


@pytest.mark.parametrize(
    ("exc", "attempt", "wait"),
    [
        (error(429, "x", {"Retry-After": "7"}), 1, 7.0),
        (error(403, "x", {"Retry-After": formatdate(NOW + 20, usegmt=True)}), 1, 20.0),
        (
            error(
                403,
                "x",
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)},
            ),
            1,
            31.0,
        ),
        (error(403, SECONDARY_LIMIT), 1, 60.0),
        (error(503), 1, 1.0),
        (error(503), 3, 4.0),
    ],
)
def test_retry_wait_follows_what_github_asks(
    fake_github: FakeGitHub, exc: GithubException, attempt: int, wait: float
) -> None:
    api = api_for(fake_github, [])
    assert api.retry_wait(exc, gh.classify(exc)[0], attempt) == wait


def test_total_wait_is_capped_across_calls(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    api = api_for(fake_github, sleeps, total_wait=5.0)
    fake_github.rate_limit("GET", r"^/repos/octo/zoo$", retry_after=3)
    gh.get_repository(api, REPO)
    assert sleeps == [3.0]
    fake_github.rate_limit("GET", r"^/repos/octo/zoo$", retry_after=3)
    with pytest.raises(gh.ApiError) as caught:
        gh.get_repository(api, REPO)
    assert caught.value.failure is gh.Failure.RATE_LIMITED
    assert "over modelbot's limit" in str(caught.value)
    assert sleeps == [3.0]


def test_unreachable_server_is_retried_then_reported(fake_github: FakeGitHub) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    env = {"GITHUB_API_URL": f"http://127.0.0.1:{port}", "GITHUB_TOKEN": "t"}
    api = gh.connect(env, settings(sleeps, attempts=3))
    with pytest.raises(gh.ApiError) as caught:
        gh.get_repository(api, REPO)
    assert caught.value.failure is gh.Failure.UNAVAILABLE
    assert "gave up after 3 attempts" in str(caught.value)
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_API_URL": "ftp://x", "GITHUB_TOKEN": "t"}, "not an http(s) URL"),
        ({"GITHUB_TOKEN": " "}, "GITHUB_TOKEN is not set"),
    ],
)
def test_connect_rejects_bad_settings(env: dict[str, str], message: str) -> None:
    with pytest.raises(
        UsageError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        gh.connect(env, gh.ClientSettings())


def test_connect_defaults_to_github_com() -> None:
    api = gh.connect({"GITHUB_TOKEN": "t"}, gh.ClientSettings())
    assert api.url == "https://api.github.com"


def test_commit_in_pull_reads_every_page_of_commits(fake_github: FakeGitHub) -> None:
    commits = [f"{n:040x}" for n in range(150)]
    fake_github.add_pull(8, head_sha=commits[-1], commits=commits)
    api = api_for(fake_github, [])
    pull = gh.get_pull(api, gh.get_repository(api, REPO), 8)
    assert gh.commit_in_pull(api, pull, commits[3].upper())
    assert not gh.commit_in_pull(api, pull, "e" * 40)
    assert gh.commit_in_pull(api, pull, commits[-1])
