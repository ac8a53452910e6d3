"""``modelbot publish``: the report as PR comment, check run and job summary."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from modelbot import actions, github, mdsafe
from modelbot.errors import UsageError
from modelbot.poster import DEFAULT_KEY, Poster
from modelbot.report import exit_code, render_markdown
from modelbot.report_input import load_report as load_report  # for cli.py
from modelbot.target import link_base, resolve_target

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHA_PATTERN = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

BAD_KEY = (
    "{value!r}: use 1-64 letters, digits, '.', '_' or '-', "
    "starting with a letter or digit"
)
BAD_SHA = "{value!r} is not a commit SHA (40 or 64 hexadecimal digits)"
REJECTED_SUMMARY = "### modelbot\n\nThe report was not published: {error}\n"


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
