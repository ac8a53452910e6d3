"""Tests for the token's identity: GET /user, GraphQL's viewer, the fallback."""

# ruff: noqa: F401, F811  (pytest fixtures imported from github_fixtures)
from __future__ import annotations

from collections.abc import Callable

from modelbot import github as gh
from modelbot.identity import Identity, resolve_identity

from .fakegithub import FakeGitHub
from .github_fixtures import (  # fixtures are used as parameters
    APP_TOKEN,
    BOT,
    fake_github,
    github_server,
    openapi,
)


def api_for(fake: FakeGitHub, token: str = APP_TOKEN) -> gh.GitHubApi:
    env = {"GITHUB_API_URL": fake.api_url, "GITHUB_TOKEN": token}
    settings = gh.ClientSettings(seconds_between_requests=0, seconds_between_writes=0)
    return gh.connect(env, settings)


def test_installation_token_is_identified_through_graphql(
    fake_github: FakeGitHub,
) -> None:
    identity = resolve_identity(api_for(fake_github))
    assert identity == Identity(BOT, bot=True)
    assert [r.status for r in fake_github.requests("GET", "^/user$")] == [403]


def test_personal_token_is_identified_through_get_user(fake_github: FakeGitHub) -> None:
    fake_github.add_token("ghp_x", "Alice")
    identity = resolve_identity(api_for(fake_github, "ghp_x"))
    assert identity == Identity("Alice", bot=False)
    assert fake_github.requests("POST", "graphql") == []


def test_identity_falls_back_to_github_actions(fake_github: FakeGitHub) -> None:
    fake_github.fail("POST", "graphql", 404, "Not Found")
    assert resolve_identity(api_for(fake_github)) == Identity(BOT, bot=True)


def test_identity_given_explicitly_makes_no_request(fake_github: FakeGitHub) -> None:
    identity = resolve_identity(api_for(fake_github), "my-app[bot]")
    assert identity == Identity("my-app[bot]", bot=True)
    assert fake_github.log == []


def test_ghes_graphql_lives_beside_api_v3(
    github_server: Callable[..., FakeGitHub],
) -> None:
    ghes = github_server("/api/v3")
    identity = resolve_identity(api_for(ghes))
    assert identity.login == BOT
    assert [r.path for r in ghes.log] == ["/user", "/api/graphql"]
