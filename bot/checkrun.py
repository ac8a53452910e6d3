"""The check run of a report: conclusion, title, annotations, and posting it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from github.Repository import Repository

from modelbot import mdsafe
from modelbot.github import GitHubApi

CHECK_RUN_TEXT_LIMIT = 65_535  # characters of output.summary and output.text
ANNOTATIONS_PER_REQUEST = 50  # Checks API limit; update calls append the rest
MAX_ANNOTATIONS = 1_000  # 20 update calls; more would crowd the secondary limit
ANNOTATION_MESSAGE_BYTES = 60_000  # GitHub's limit is 64 KB
CONCLUSIONS = {
    "pass": "success",
    "skip": "skipped",
    "warn": "neutral",
    "fail": "failure",
    "error": "failure",
}
ANNOTATION_LEVELS = {"error": "failure", "warning": "warning", "note": "notice"}
TITLE_PARTS = (
    ("error", "crashed"),
    ("fail", "failed"),
    ("warn", "warned"),
    ("pass", "passed"),
    ("skip", "skipped"),
)


@dataclass(frozen=True)
class CheckRunOutput:
    """What a check run shows: conclusion, title, Markdown and annotations."""

    conclusion: str
    title: str
    summary: str
    text: str | None
    annotations: list[dict[str, Any]]


def create_check_run(
    api: GitHubApi,
    repo: Repository,
    *,
    name: str,
    head_sha: str,
    output: CheckRunOutput,
    details_url: str | None = None,
) -> str:
    """Create a completed check run, then append annotations 50 at a time."""
    fields: dict[str, Any] = {"title": output.title, "summary": output.summary}
    if output.text:
        fields["text"] = output.text
    step = ANNOTATIONS_PER_REQUEST
    batches = [
        output.annotations[i : i + step]
        for i in range(0, len(output.annotations), step)
    ]
    first = {**fields, "annotations": batches[0]} if batches else fields
    extra: dict[str, Any] = {"details_url": details_url} if details_url else {}
    run = api.call(
        f"create check run {name!r}",
        lambda: repo.create_check_run(
            name=name,
            head_sha=head_sha,
            conclusion=output.conclusion,
            completed_at=dt.datetime.now(dt.UTC),
            output=first,
            **extra,
        ),
    )
    for number, batch in enumerate(batches[1:], start=2):
        api.call(
            f"annotate check run {name!r} (request {number} of {len(batches)})",
            lambda batch=batch: run.edit(output={**fields, "annotations": batch}),  # type: ignore[misc]
        )
    return str(run.html_url)


def iter_findings(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every finding of every check of every model."""
    for model in report["models"]:
        for check in model["checks"]:
            yield from check["findings"]


def check_run_output(
    report: Mapping[str, Any], markdown: str, notice: str
) -> CheckRunOutput:
    """Conclusion, title, summary, findings text and annotations of a report."""
    counts = report["counts"]
    parts = [
        f"{counts[status]} {verb}" for status, verb in TITLE_PARTS if counts.get(status)
    ]
    title = "checks: " + ", ".join(parts) if parts else "no checks ran"
    findings = list(iter_findings(report))
    annotations = [annotation(f) for f in findings if f["path"]][:MAX_ANNOTATIONS]
    lines = [
        f"- {mdsafe.code(location(f))} **{f['rule']}** {mdsafe.escape(f['message'])}\n"
        for f in findings
    ]
    text = "### Findings\n\n" + "".join(lines) if lines else None
    return CheckRunOutput(
        conclusion=CONCLUSIONS[report["status"]],
        title=title,
        summary=mdsafe.truncate(mdsafe.clean(markdown), CHECK_RUN_TEXT_LIMIT, notice),
        text=mdsafe.truncate(text, CHECK_RUN_TEXT_LIMIT, notice) if text else None,
        annotations=annotations,
    )


def location(finding: Mapping[str, Any]) -> str:
    """``path:line`` of a finding, or its rule when it has no file."""
    if not finding["path"]:
        return str(finding["rule"])
    line = f":{finding['line']}" if finding["line"] else ""
    return f"{finding['path']}{line}"


def annotation(finding: Mapping[str, Any]) -> dict[str, Any]:
    """A check run annotation (plain text, not Markdown) for a finding with a path."""
    line = finding["line"] or 1
    message = finding["message"] + (
        f"\nFix: {finding['hint']}" if finding["hint"] else ""
    )
    result: dict[str, Any] = {
        "path": finding["path"],
        "start_line": line,
        "end_line": line,
        "annotation_level": ANNOTATION_LEVELS[finding["severity"]],
        "message": _cut_utf8(mdsafe.clean(message), ANNOTATION_MESSAGE_BYTES),
        "title": finding["rule"][:255],
    }
    if finding["line"] and finding["column"]:
        result["start_column"] = result["end_column"] = finding["column"]
    return result


def _cut_utf8(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, never half a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
