"""The sticky report comment: one per pull request and key, found by its marker."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelbot import mdsafe

if TYPE_CHECKING:
    from github.IssueComment import IssueComment
    from github.PullRequest import PullRequest

    from modelbot.github import GitHubApi
    from modelbot.identity import Identity

LOG = logging.getLogger(__name__)

MARKER = "<!-- modelbot:report key={key} -->"
COMMENT_LIMIT = 65_536  # characters; GitHub answers 422 above it

FOREIGN_MARKER = "ignoring a report marker in %s: written by %s, not by %s"


@dataclass(frozen=True)
class CommentOutcome:
    """What happened to the report comment: created, updated or unchanged."""

    action: str
    url: str


def upsert_report_comment(
    api: GitHubApi, pull: PullRequest, marker: str, body: str, identity: Identity
) -> CommentOutcome:
    """Edit the PR's report comment in place, or create it if there is none."""

    def attempt() -> CommentOutcome:
        # Issue comments, every page: PullRequest.get_comments() would list the
        # review comments (PyGithub#707), and one page misses older reports.
        comment = find_report_comment(pull.get_issue_comments(), marker, identity)
        if comment is None:
            created = pull.create_issue_comment(body)
            return CommentOutcome("created", created.html_url)
        if comment.body == body:
            return CommentOutcome("unchanged", comment.html_url)
        comment.edit(body)
        return CommentOutcome("updated", comment.html_url)

    # A retry looks the comment up again, so a create that failed half-way
    # (a 502 after GitHub stored it) edits instead of posting twice.
    return api.call(f"post the report comment on #{pull.number}", attempt)


def report_marker(key: str) -> str:
    """The hidden first line that identifies the report comment for ``key``."""
    return MARKER.format(key=key)


def comment_body(marker: str, markdown: str, notice: str) -> str:
    """Marker line plus report, cut to GitHub's comment limit with the marker kept."""
    head = marker + "\n"
    # Counted in UTF-16 units, which is never less than characters: the body
    # fits whichever way GitHub counts.
    room = COMMENT_LIMIT - mdsafe.utf16_length(head)
    return head + mdsafe.truncate(
        mdsafe.clean(markdown), room, notice, mdsafe.utf16_length
    )


def find_report_comment(
    comments: Iterable[IssueComment], marker: str, identity: Identity
) -> IssueComment | None:
    """The first comment written by ``identity`` whose first line is ``marker``."""
    for comment in comments:
        first_line = (comment.body or "").split("\n", 1)[0].strip()
        if first_line != marker:
            continue
        if identity.wrote(comment.user):
            return comment
        author = comment.user.login if comment.user else "a deleted user"
        LOG.warning(FOREIGN_MARKER, comment.html_url, author, identity.login)
    return None
