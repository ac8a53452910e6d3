"""Where a report is published: repository, pull request and head commit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from modelbot.errors import UsageError
from modelbot.event import read_pull_request_event

REPOSITORY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")

NO_REPOSITORY = (
    "GITHUB_REPOSITORY is not set: set it to OWNER/NAME (GitHub Actions does), "
    "or pass --summary-only"
)
BAD_REPOSITORY = "GITHUB_REPOSITORY={value!r} is not OWNER/NAME"
NO_TARGET = (
    "nothing to publish to: not a pull_request event, and neither --pr nor --sha "
    "was given (in a workflow_run workflow pass both from the artifact)"
)


@dataclass(frozen=True)
class Target:
    """Where the report goes: repository, pull request and head commit."""

    repo: str
    pr: int | None
    sha: str | None
    confirm: bool  # --pr/--sha came from outside the event: check them via the API
    fork: bool | None


def resolve_target(env: Mapping[str, str], pr: int | None, sha: str | None) -> Target:
    """Repository, pull request and commit from the options and the event."""
    repo = env.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise UsageError(NO_REPOSITORY)
    if not REPOSITORY_PATTERN.fullmatch(repo):
        raise UsageError(BAD_REPOSITORY.format(value=repo))
    event = read_pull_request_event(env)
    if event is not None and pr in (None, event.number):
        return Target(
            repo, event.number, sha or event.head_sha, sha is not None, event.is_fork
        )
    if pr is None and sha is None and env.get("GITHUB_EVENT_NAME") != "workflow_run":
        # A push or a manual run: GITHUB_SHA is the commit that was checked.
        sha = env.get("GITHUB_SHA", "").lower() or None
    if pr is None and sha is None:
        raise UsageError(NO_TARGET)
    return Target(repo, pr, sha, True, None)


def link_base(env: Mapping[str, str], target: Target | None) -> str | None:
    """The URL that file paths of findings are appended to, when known."""
    if target is None or target.sha is None:
        return None
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{target.repo}/blob/{target.sha}"
