"""The files and log of a GitHub Actions step: job summary, outputs, messages."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

import click

from modelbot import mdsafe

SUMMARY_LIMIT = 1024 * 1024  # bytes of GITHUB_STEP_SUMMARY per step
CUT_NOTICE = (
    "\n> [!NOTE]\n> This report was cut to fit GitHub's limit of {limit:,} "
    "{unit}. The full report is in {where}.\n"
)
RUN_WHERE = "the job summary and the report artifact of [this workflow run]({url})"
LOCAL_WHERE = "the job summary and the report artifact of this workflow run"
ARTIFACT = "the report artifact of this workflow run"
SUMMARY_FULL = "job summary {path} is full (1 MiB per step): report not added"
CANNOT_WRITE = "cannot write {path}: {error}"
NO_SUMMARY = (
    "GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?): no job summary "
    "written; `modelbot render REPORT.json` shows the report"
)


def run_url(env: Mapping[str, str]) -> str | None:
    """This workflow run's page, where the summary and artifact are."""
    names = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    if not all(env.get(name) for name in names):
        return None
    server, repo, run = (env[name] for name in names)
    return f"{server}/{repo}/actions/runs/{run}"


def cut_notice(env: Mapping[str, str], limit: int, unit: str) -> str:
    """The note that ends a report cut to fit ``limit``."""
    url = run_url(env)
    where = RUN_WHERE.format(url=url) if url else LOCAL_WHERE
    return CUT_NOTICE.format(limit=limit, unit=unit, where=where)


def write_summary(env: Mapping[str, str], markdown: str) -> None:
    """Append ``markdown`` to the job summary, within its 1 MiB per step."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        say(env, NO_SUMMARY)
        return
    summary = Path(path)
    text = mdsafe.clean(markdown)
    text = text if text.endswith("\n") else text + "\n"
    notice = CUT_NOTICE.format(limit=SUMMARY_LIMIT, unit="bytes", where=ARTIFACT)
    try:
        room = SUMMARY_LIMIT - (summary.stat().st_size if summary.exists() else 0)
        if mdsafe.utf8_length(text) > room:
            if mdsafe.utf8_length(notice) > room:
                say(env, SUMMARY_FULL.format(path=path), warning=True)
                return
            text = mdsafe.truncate(text, room, notice, mdsafe.utf8_length)
        with summary.open("a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        say(env, CANNOT_WRITE.format(path=path, error=exc), warning=True)


def write_outputs(env: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    """Write step outputs to ``GITHUB_OUTPUT`` (multi-line values as heredocs)."""
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    lines = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    try:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write("".join(lines))
    except OSError as exc:
        say(env, CANNOT_WRITE.format(path=path, error=exc), warning=True)


def say(env: Mapping[str, str], message: str, *, warning: bool = False) -> None:
    """One line in the job log; a warning also annotates the workflow run."""
    prefix = "::warning::" if warning and env.get("GITHUB_ACTIONS") == "true" else ""
    click.echo(f"{prefix}modelbot: {message}", err=True)
