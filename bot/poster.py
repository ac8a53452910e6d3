"""Post one report through the API: confirm the target, comment, check run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from modelbot import actions, checkrun, github, sticky
from modelbot.errors import ModelbotError, UsageError
from modelbot.identity import resolve_identity
from modelbot.report import render_markdown
from modelbot.target import Target, link_base

if TYPE_CHECKING:
    from github.PullRequest import PullRequest
    from github.Repository import Repository

T = TypeVar("T")

DEFAULT_KEY = "modelbot"

FOREIGN_SHA = (
    "commit {sha} is not part of pull request #{pr} (its head is {head}): "
    "refusing to publish the report of another commit"
)
NO_PULL_REQUEST = "comment skipped: no pull request (pass --pr N to comment)"
SKIPPED_FORK = "{thing} skipped: fork PR with read-only token"
SKIPPED_PERMISSION = (
    "{thing} skipped: the token may not write here ({detail}); give the job "
    "`permissions: {permission}: write`"
)
API_GAVE_UP = "{thing} not published: {detail}; the report is in the job summary"
FAILURE_HINTS = {
    github.Failure.UNAUTHORIZED: (
        "; GitHub at {url} does not accept GITHUB_TOKEN: is it expired or for "
        "another server?"
    ),
    github.Failure.NOT_FOUND: (
        "; check GITHUB_REPOSITORY, --pr and GITHUB_API_URL ({url}): GitHub also "
        "answers 404 when the token may not see the repository"
    ),
    github.Failure.FORBIDDEN: "; the token lacks a permission this needs",
}
PUBLISHED = "{thing} {action}: {url}"


class PublishError(ModelbotError):  # type: ignore[misc, unused-ignore]
    """GitHub refused a request modelbot should have got right: a modelbot bug."""

    exit_code = 3


class Poster:
    """Posts one report to one repository through the API."""

    def __init__(
        self,
        api: github.GitHubApi,
        env: Mapping[str, str],
        report: dict[str, Any],
        key: str,
        bot_login: str | None,
        outputs: dict[str, str],
    ) -> None:
        self.api = api
        self.env = env
        self.report = report
        self.key = key
        self.bot_login = bot_login
        self.outputs = outputs

    def run(self, target: Target, *, comment: bool, check_run: bool) -> None:
        """Confirm the target, then post the comment and the check run."""
        try:
            repo = github.get_repository(self.api, target.repo)
            pull = github.get_pull(self.api, repo, target.pr) if target.pr else None
        except github.ApiError as exc:
            self.fail("report", exc, target.fork)
            return
        sha, fork = target.sha, target.fork
        if pull is not None:
            head_repo = pull.head.repo.full_name if pull.head.repo else None
            fork = head_repo != pull.base.repo.full_name
            if sha is None:
                sha = pull.head.sha
            elif target.confirm:
                found = self.guard(
                    lambda: github.commit_in_pull(self.api, pull, sha), "report", fork
                )
                if found is None:
                    return
                if not found:
                    raise UsageError(
                        FOREIGN_SHA.format(sha=sha, pr=pull.number, head=pull.head.sha)
                    )
        markdown = render_markdown(
            self.report,
            link_base=link_base(
                self.env, Target(target.repo, target.pr, sha, False, fork)
            ),
        )
        if comment and pull is None:
            actions.say(self.env, NO_PULL_REQUEST)
        elif comment and pull is not None:
            self.outputs["comment"] = "skipped"
            pr: PullRequest = pull
            self.guard(lambda: self.post_comment(pr, markdown), "comment", fork)
        if check_run and sha:
            self.guard(
                lambda: self.post_check_run(repo, sha, markdown), "check run", fork
            )

    def guard(self, action: Callable[[], T], thing: str, fork: bool | None) -> T | None:
        """Run ``action``; a failure that must not stop the run returns None."""
        try:
            return action()
        except github.ApiError as exc:
            self.fail(thing, exc, fork)
            return None

    def fail(self, thing: str, exc: github.ApiError, fork: bool | None) -> None:
        """Skip, warn or stop, by the kind of failure."""
        # The exit status stays the checks' (0/1/3) when the token may not write
        # (a fork's read-only token) or GitHub stays unavailable past the retry
        # budget: the report is in the job summary either way. A setup that
        # cannot work (401, 404, another 403, not a GitHub API) exits 2; a
        # request GitHub rejects as invalid (422) is modelbot's bug and exits 3.
        failure = exc.failure
        if failure is github.Failure.READ_ONLY:
            permission = "checks" if thing == "check run" else "pull-requests"
            message = (
                SKIPPED_FORK.format(thing=thing)
                if fork
                else SKIPPED_PERMISSION.format(
                    thing=thing, detail=exc, permission=permission
                )
            )
            actions.say(self.env, message, warning=True)
            actions.write_summary(self.env, f"\n_{message}_\n")
        elif failure.transient:
            actions.say(
                self.env, API_GAVE_UP.format(thing=thing, detail=exc), warning=True
            )
        elif failure is github.Failure.REJECTED:
            raise PublishError(str(exc)) from exc
        else:
            hint = FAILURE_HINTS.get(failure, "")
            raise UsageError(str(exc) + hint.format(url=self.api.url)) from exc

    def post_comment(self, pull: PullRequest, markdown: str) -> None:
        """Create or edit the sticky report comment for this key."""
        identity = resolve_identity(self.api, self.bot_login)
        marker = sticky.report_marker(self.key)
        body = sticky.comment_body(
            marker,
            markdown,
            actions.cut_notice(self.env, sticky.COMMENT_LIMIT, "characters"),
        )
        outcome = sticky.upsert_report_comment(self.api, pull, marker, body, identity)
        self.outputs.update({"comment": outcome.action, "comment-url": outcome.url})
        actions.say(
            self.env,
            PUBLISHED.format(thing="comment", action=outcome.action, url=outcome.url),
        )

    def post_check_run(self, repo: Repository, sha: str, markdown: str) -> None:
        """Create the check run with its annotations on ``sha``."""
        name = DEFAULT_KEY if self.key == DEFAULT_KEY else f"{DEFAULT_KEY} ({self.key})"
        notice = actions.cut_notice(
            self.env, checkrun.CHECK_RUN_TEXT_LIMIT, "characters"
        )
        output = checkrun.check_run_output(self.report, markdown, notice)
        url = checkrun.create_check_run(
            self.api,
            repo,
            name=name,
            head_sha=sha,
            output=output,
            details_url=actions.run_url(self.env),
        )
        self.outputs["check-run-url"] = url
        actions.say(
            self.env, PUBLISHED.format(thing="check run", action="created", url=url)
        )
