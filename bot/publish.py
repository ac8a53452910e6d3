"""``modelbot publish``: the report as PR comment, check run and job summary."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import jsonschema

from modelbot import actions, checkrun, github, mdsafe
from modelbot.errors import ModelbotError, UsageError
from modelbot.event import read_pull_request_event
from modelbot.report import exit_code, load_schema, render_markdown

if TYPE_CHECKING:
    from github.PullRequest import PullRequest
    from github.Repository import Repository

T = TypeVar("T")

MAX_REPORT_BYTES = 16 * 1024 * 1024  # a report with 10,000 findings is ~5 MB
COMMENT_LIMIT = 65_536  # characters; GitHub answers 422 above it
DEFAULT_KEY = "modelbot"
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHA_PATTERN = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
REPOSITORY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")

REPORT_TOO_BIG = "{path}: {size:,} bytes is over the {limit:,}-byte limit for a report"
REPORT_NOT_JSON = "{path}: not a JSON report: {error}"
REPORT_INVALID = "{path}: not a modelbot report: at {where}: {message}"
BAD_KEY = (
    "{value!r}: use 1-64 letters, digits, '.', '_' or '-', "
    "starting with a letter or digit"
)
BAD_SHA = "{value!r} is not a commit SHA (40 or 64 hexadecimal digits)"
NO_REPOSITORY = (
    "GITHUB_REPOSITORY is not set: set it to OWNER/NAME (GitHub Actions does), "
    "or pass --summary-only"
)
BAD_REPOSITORY = "GITHUB_REPOSITORY={value!r} is not OWNER/NAME"
NO_TARGET = (
    "nothing to publish to: not a pull_request event, and neither --pr nor --sha "
    "was given (in a workflow_run workflow pass both from the artifact)"
)
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
REJECTED_SUMMARY = "### modelbot\n\nThe report was not published: {error}\n"
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


@dataclass(frozen=True)
class Target:
    """Where the report goes: repository, pull request and head commit."""

    repo: str
    pr: int | None
    sha: str | None
    confirm: bool  # --pr/--sha came from outside the event: check them via the API
    fork: bool | None


def _check_key(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not KEY_PATTERN.fullmatch(value):
        raise click.BadParameter(BAD_KEY.format(value=value))
    return value


def _check_sha(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    if value is not None and not SHA_PATTERN.fullmatch(value.lower()):
        raise click.BadParameter(BAD_SHA.format(value=value))
    return value.lower() if value else None


@click.command("publish")
@click.argument(
    "report_file",
    metavar="REPORT.json",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--pr",
    "pr_number",
    type=click.IntRange(min=1),
    help="Pull request number [default: from the pull_request event].",
)
@click.option(
    "--sha",
    callback=_check_sha,
    help="Commit the report is about [default: the pull request's head].",
)
@click.option(
    "--key",
    default=DEFAULT_KEY,
    show_default=True,
    callback=_check_key,
    help="Report key: one comment and check run per key.",
)
@click.option(
    "--comment/--no-comment",
    default=True,
    show_default=True,
    help="Create or update the pull request comment.",
)
@click.option(
    "--check-run/--no-check-run",
    default=True,
    show_default=True,
    help="Create a check run with annotations on the head commit.",
)
@click.option(
    "--summary-only",
    is_flag=True,
    help="Only write the job summary and outputs; no GitHub API calls.",
)
@click.option(
    "--bot-login",
    envvar="MODELBOT_BOT_LOGIN",
    metavar="LOGIN",
    help="The token's login if GitHub cannot tell it, e.g. my-app[bot].",
)
@click.pass_context
def publish(
    ctx: click.Context,
    report_file: Path,
    pr_number: int | None,
    sha: str | None,
    key: str,
    comment: bool,
    check_run: bool,
    summary_only: bool,
    bot_login: str | None,
) -> None:
    """Post REPORT.json (from `modelbot check --format json`) to GitHub."""
    env = os.environ
    try:
        report = load_report(report_file)
    except UsageError as exc:
        actions.write_summary(
            env, REJECTED_SUMMARY.format(error=mdsafe.escape(str(exc)))
        )
        raise
    code = exit_code(report["status"])
    outputs = {
        "status": report["status"],
        "exit-code": str(code),
        "report": str(report_file),
        "comment": "disabled",
    }
    target, problem = None, None
    if not summary_only and (comment or check_run):
        try:
            target = resolve_target(env, pr_number, sha)
        except UsageError as exc:
            problem = exc
    # The summary comes first: it is the report of last resort when the API fails.
    actions.write_summary(
        env, render_markdown(report, link_base=link_base(env, target))
    )
    try:
        if problem is not None:
            raise problem
        if target is not None:
            settings = ctx.find_object(github.ClientSettings) or github.ClientSettings()
            api = github.connect(env, settings)
            try:
                poster = Poster(api, env, report, key, bot_login, outputs)
                poster.run(target, comment=comment, check_run=check_run)
            finally:
                api.client.close()
    finally:
        actions.write_outputs(env, outputs)
    ctx.exit(code)


def load_report(path: Path) -> dict[str, Any]:
    """Read and validate a report; it may come from an untrusted artifact."""
    size = path.stat().st_size
    if size > MAX_REPORT_BYTES:
        raise UsageError(
            REPORT_TOO_BIG.format(path=path, size=size, limit=MAX_REPORT_BYTES)
        )
    try:
        data = json.loads(
            path.read_bytes().decode("utf-8"), parse_constant=_no_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UsageError(REPORT_NOT_JSON.format(path=path, error=exc)) from exc
    validator = jsonschema.Draft202012Validator(load_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        # Keep text from the artifact on one line: a "::" line would be a
        # workflow command in the job log.
        message = " ".join(error.message.splitlines())
        message = message if len(message) < 300 else message[:300] + "..."
        raise UsageError(REPORT_INVALID.format(path=path, where=where, message=message))
    assert isinstance(data, dict)
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


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
        identity = github.resolve_identity(self.api, self.bot_login)
        marker = github.report_marker(self.key)
        body = comment_body(
            marker, markdown, actions.cut_notice(self.env, COMMENT_LIMIT, "characters")
        )
        outcome = github.upsert_report_comment(self.api, pull, marker, body, identity)
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


def comment_body(marker: str, markdown: str, notice: str) -> str:
    """Marker line plus report, cut to GitHub's comment limit with the marker kept."""
    head = marker + "\n"
    # Counted in UTF-16 units, which is never less than characters: the body
    # fits whichever way GitHub counts.
    room = COMMENT_LIMIT - mdsafe.utf16_length(head)
    return head + mdsafe.truncate(
        mdsafe.clean(markdown), room, notice, mdsafe.utf16_length
    )
