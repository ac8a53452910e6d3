"""The report as terminal text, and the progress lines printed while checking."""

from __future__ import annotations

from typing import Any, TextIO

import click

from modelbot.discovery import ModelDir
from modelbot.report import sparkline
from modelbot.results import CheckResult

COLORS = {
    "pass": "green",
    "warn": "yellow",
    "fail": "red",
    "error": "magenta",
    "skip": "cyan",
}
SEVERITY_COLORS = {"error": "red", "warning": "yellow", "note": "cyan"}


def render_text(report: dict[str, Any], color: bool = False) -> str:
    """The report for a terminal: one block per model, findings with fixes."""

    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    lines: list[str] = []
    for notice in report["notices"]:
        lines.append(f"{notice['severity']}: {notice['message']}")
    for model in report["models"]:
        status = model["status"]
        lines.append(
            style(f"{status.upper():5} {model['path']}", COLORS[status], bold=True)
        )
        for check in model["checks"]:
            mark = style(f"{check['status']:5}", COLORS[check["status"]])
            line = f"  {mark} {check['name']:8}"
            if check["summary"]:
                line += f" {check['summary']}"
            losses = check["metrics"].get("losses")
            if losses:
                line += f"  loss {sparkline(losses)}"
            lines.append(line.rstrip())
            for finding in check["findings"]:
                if finding["severity"] == "note" and check["status"] == "pass":
                    continue
                where = finding["path"] or model["path"]
                if finding["line"]:
                    where += f":{finding['line']}"
                    if finding["column"]:
                        where += f":{finding['column']}"
                severity = style(
                    finding["severity"], SEVERITY_COLORS[finding["severity"]]
                )
                lines.append(
                    f"      {where}: {severity} {finding['message']}"
                    f" [{finding['rule']}]"
                )
                if finding["hint"]:
                    lines.append(f"        fix: {finding['hint']}")
    counts = ", ".join(f"{n} {s}" for s, n in report["counts"].items() if n)
    verdict = style(report["status"].upper(), COLORS[report["status"]], bold=True)
    lines.append("")
    lines.append(
        f"{verdict}: {len(report['models'])} model(s), checks: {counts or 'none'} "
        f"in {report['timings']['total']:.1f} s"
    )
    return "\n".join(lines) + "\n"


class ProgressPrinter:
    """Prints a line per model and check as results arrive."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.seen: list[str] = []
        self.tty = stream.isatty()

    def update(self, model: ModelDir, check: str, result: CheckResult | None) -> None:
        """Announce a check starting (on a TTY) or finishing."""
        if model.rel not in self.seen:
            self.seen.append(model.rel)
        prefix = f"[{len(self.seen)}/{self.total}] {model.rel} {check}"
        if result is None:
            if self.tty:
                self.stream.write(f"\r\x1b[K{prefix} ...")
                self.stream.flush()
            return
        status = (
            click.style(str(result.status), fg=COLORS[result.status])
            if self.tty
            else result.status
        )
        end = f"{prefix}: {status} ({result.duration:.1f} s)"
        self.stream.write(("\r\x1b[K" if self.tty else "") + end + "\n")
        self.stream.flush()
