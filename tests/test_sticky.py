"""Tests for the sticky report comment: its marker and whose comment it is."""

# ruff: noqa: F401, F811  (pytest fixtures imported from github_fixtures)
from __future__ import annotations

from typing import Any

import pytest

from modelbot import github as gh
from modelbot.identity import Identity
from modelbot.sticky import find_report_comment, report_marker

from .fakegithub import FakeGitHub
from .github_fixtures import (  # fixtures are used as parameters
    APP_TOKEN,
    BOT,
    REPO,
    fake_github,
    github_server,
    openapi,
)


def api_for(fake: FakeGitHub) -> gh.GitHubApi:
    env = {"GITHUB_API_URL": fake.api_url, "GITHUB_TOKEN": APP_TOKEN}
    settings = gh.ClientSettings(seconds_between_requests=0, seconds_between_writes=0)
    return gh.connect(env, settings)


def comments_of(fake: FakeGitHub, api: gh.GitHubApi) -> list[Any]:
    pull = gh.get_pull(api, gh.get_repository(api, REPO), 7)
    return list(pull.get_issue_comments())


@pytest.mark.parametrize(
    ("identity", "author", "kind", "own"),
    [
        (Identity("github-actions[bot]", True), "github-actions[bot]", "Bot", True),
        (Identity("github-actions", True), "github-actions[bot]", "Bot", True),
        (Identity("my-app[bot]", True), "github-actions[bot]", "Bot", False),
        (Identity("github-actions[bot]", True), "github-actions", "User", False),
        (Identity("alice", False), "Alice", "User", True),
        (Identity("alice", False), "alice[bot]", "Bot", False),
    ],
)
def test_own_comment_is_recognised_by_author(
    fake_github: FakeGitHub, identity: Identity, author: str, kind: str, own: bool
) -> None:
    marker = report_marker("modelbot")
    fake_github.add_comment(7, f"{marker}\r\nbody", author, kind)
    comments = comments_of(fake_github, api_for(fake_github))
    found = find_report_comment(comments, marker, identity)
    assert (found is not None) is own


def test_marker_must_be_the_first_line_and_match_the_key(
    fake_github: FakeGitHub,
) -> None:
    marker = report_marker("cpu")
    fake_github.add_comment(7, f"quoting:\n{marker}", BOT, "Bot")
    fake_github.add_comment(7, f"{report_marker('cpu-2')}\nx", BOT, "Bot")
    comments = comments_of(fake_github, api_for(fake_github))
    assert find_report_comment(comments, marker, Identity(BOT, True)) is None
