"""Read the GitHub Actions event payload that started this run."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOG = logging.getLogger(__name__)

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True)
class PullRequestEvent:
    """The facts modelbot needs from a pull request event."""

    number: int
    base_sha: str
    head_sha: str
    base_ref: str
    base_repo: str
    head_repo: str | None

    @property
    def is_fork(self) -> bool:
        """True when the head branch lives in another repository."""
        return self.head_repo is None or self.head_repo != self.base_repo


def read_pull_request_event(env: Mapping[str, str]) -> PullRequestEvent | None:
    """Return the pull request of ``GITHUB_EVENT_PATH``, or None for other events."""
    name = env.get("GITHUB_EVENT_NAME", "")
    path = env.get("GITHUB_EVENT_PATH")
    if not path or (name and name not in PULL_REQUEST_EVENTS):
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        LOG.warning("cannot read event payload %s: %s", path, exc)
        return None
    return parse_pull_request(payload)


def parse_pull_request(payload: Any) -> PullRequestEvent | None:
    """Pick the pull request out of an event payload, or None if it has none."""
    pr = payload.get("pull_request") if isinstance(payload, dict) else None
    if not isinstance(pr, dict):
        return None
    try:
        head_repo = pr["head"].get("repo") or {}
        return PullRequestEvent(
            number=int(pr["number"]),
            base_sha=str(pr["base"]["sha"]),
            head_sha=str(pr["head"]["sha"]),
            base_ref=str(pr["base"]["ref"]),
            base_repo=str(pr["base"]["repo"]["full_name"]),
            head_repo=head_repo.get("full_name"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        LOG.warning("event payload has no usable pull_request: %s", exc)
        return None
