"""The license check: a LICENSE file, its SPDX id, the card's license, the policy."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelbot.checks.license_card import CardLicense, read_card_license
from modelbot.checks.license_sources import (
    dependency_findings,
    header_findings,
    regular_file,
)
from modelbot.checks.license_text import Identification, identify_license
from modelbot.checks.spdx import (
    Expression,
    Policy,
    make_policy,
    parse_expression,
    satisfies,
)
from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Finding, Severity

LOG = logging.getLogger(__name__)

NAME = "license"
DESCRIPTION = "LICENSE file identified, model card agrees with it, policy allows it"
DEFAULTS: dict[str, Any] = {
    "allow": [],
    "deny": [],
    "min_confidence": 0.9,
    "card_required": True,
    "dependencies": "warn",
}
# "spdx-id" is checked by the config loader, so a typo is a config error (exit 2).
IDS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "format": "spdx-id"},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "allow": IDS,
        "deny": IDS,
        "min_confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "card_required": {"type": "boolean"},
        "dependencies": {"enum": ["warn", "fail", "off"]},
    },
    "additionalProperties": False,
}
REUSE_DIR = "LICENSES"
MAX_LICENSE_BYTES = 512 * 1024

MISSING = (
    "no license file: expected LICENSE, LICENSE.md, LICENSE.txt or COPYING "
    "(LICENCE also accepted)"
)
MISSING_HINT = (
    "Add a LICENSE file with the full text of the license the model card names "
    "(`license:`), e.g. the text from `https://spdx.org/licenses/`."
)
UNIDENTIFIED = "{file} is not a license modelbot can name with confidence: {reason}"
UNIDENTIFIED_HINT = (
    "A maintainer must review this license. Use the unmodified text of a standard "
    "license, or set `license: other` with `license_name` and `license_link`."
)
OUTSIDE = "it is a symlink to a file outside the repository"
UNREADABLE = "it cannot be read ({why})"
BAD_POLICY = "`license.{key}` entry `{entry}` is not an SPDX license id"
BAD_POLICY_HINT = "Use ids from `https://spdx.org/licenses/` in .modelbot.yml."
DENIED = "{what} is {license}, which the policy denies (`license.deny`)"
NOT_ALLOWED = "{what} is {license}, which is not in `license.allow` ({allowed})"
POLICY_HINT = (
    "Use an allowed license, or ask the maintainers to change `license` in "
    ".modelbot.yml."
)


@dataclass
class LicenseFile:
    """A license file of the model and what its text was identified as."""

    path: Path
    rel: str
    name: str
    found: Identification
    spdx: str | None = None


@dataclass
class Context:
    """What one run has learned so far, and the findings it made."""

    model: ModelDir
    settings: Mapping[str, Any]
    policy: Policy
    findings: list[Finding] = field(default_factory=list)


class LicenseCheck:
    """Find, identify and compare the model's license; apply the policy."""

    name = NAME
    description = DESCRIPTION
    defaults = DEFAULTS
    schema = SCHEMA

    def run(self, model: ModelDir, settings: Mapping[str, Any]) -> CheckResult:
        """Check ``model``'s license files, card, headers and requirements."""
        policy = make_policy(settings["allow"], settings["deny"])
        ctx = Context(model, settings, policy)
        for key in ("allow", "deny"):
            for entry in settings[key]:
                if entry in policy.invalid:
                    message = BAD_POLICY.format(key=key, entry=entry)
                    ctx.findings.append(
                        _error("bad-policy", message, hint=BAD_POLICY_HINT)
                    )

        files = identify_files(ctx)
        known = list(dict.fromkeys(f.spdx for f in files if f.spdx))
        identified = [(f.name, f.spdx) for f in files if f.spdx]
        card = read_card_license(model, identified, settings)
        ctx.findings += card.findings
        subject, path, line = _policy_subject(card, known, files)
        if subject is not None:
            ctx.findings += policy_findings(
                ctx, subject, "the model's license", path, line
            )
        judge = functools.partial(policy_findings, ctx)
        ctx.findings += header_findings(model, known, judge)
        if settings["dependencies"] != "off":
            severity = (
                Severity.ERROR
                if settings["dependencies"] == "fail"
                else Severity.WARNING
            )
            ctx.findings += dependency_findings(model, severity, judge)

        first = files[0] if files else None
        metrics = {
            "license_file": first.rel if first else None,
            "spdx": first.spdx if first else None,
            "confidence": round(first.found.score, 3) if first else None,
            "card_license": card.value,
            "card_spdx": card.expression.normalized if card.expression else None,
        }
        summary = _summary(first, card) if first else MISSING
        return CheckResult.from_findings(NAME, ctx.findings, metrics, summary)


def identify_files(ctx: Context) -> list[LicenseFile]:
    """Identify each license file (top level, then REUSE ``LICENSES/``)."""
    model, minimum = ctx.model, ctx.settings["min_confidence"]
    paths = model.license_files()
    reuse = model.path / REUSE_DIR
    if reuse.is_dir() and not reuse.is_symlink():
        paths += sorted(p for p in reuse.iterdir() if regular_file(p))
    if not paths:
        ctx.findings.append(
            _error("missing-file", MISSING, model.rel, hint=MISSING_HINT)
        )
        return []

    files = []
    for path in paths:
        inside = model.contains(path)
        rel = model.relpath(path)
        outside = Identification(None, 0.0, reason=OUTSIDE)
        found = _identify(path, minimum) if inside else outside
        spdx = found.spdx
        if (
            spdx is None
            and path.parent == reuse
            and path.stem.startswith("LicenseRef-")
        ):
            spdx = path.stem  # REUSE names a custom license by its file name
        elif spdx is None:
            message = UNIDENTIFIED.format(file=rel, reason=found.reason)
            ctx.findings.append(
                Finding(
                    "license/unidentified",
                    Severity.WARNING,
                    message,
                    rel,
                    hint=UNIDENTIFIED_HINT,
                )
            )
        LOG.info("%s: %s (%.3f, best %s)", rel, spdx, found.score, found.guess)
        name = path.relative_to(model.path).as_posix()
        files.append(LicenseFile(path, rel, name, found, spdx))
    return files


def _identify(path: Path, minimum: float) -> Identification:
    """Identify the license text in ``path`` (its first 512 KiB)."""
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_LICENSE_BYTES).decode("utf-8", "replace")
    except OSError as exc:
        return Identification(None, 0.0, reason=UNREADABLE.format(why=exc.strerror))
    return identify_license(text, minimum)


def policy_findings(
    ctx: Context,
    expression: Expression,
    what: str,
    path: str | None,
    line: int | None,
    severity: Severity = Severity.ERROR,
    prefix: str = "license/",
) -> list[Finding]:
    """Findings for the licenses in ``expression`` the policy rejects."""
    policy = ctx.policy
    if expression.tree is None or satisfies(expression.tree, _acceptable(policy)):
        return []
    allowed = ", ".join(ctx.settings["allow"])
    findings = []
    for key in dict.fromkeys(expression.licenses):
        verdict = policy.verdict(key)
        if verdict is None:
            continue
        text = DENIED if verdict == "denied" else NOT_ALLOWED
        message = text.format(what=what, license=key, allowed=allowed)
        findings.append(
            Finding(prefix + verdict, severity, message, path, line, hint=POLICY_HINT)
        )
    return findings


def _policy_subject(
    card: CardLicense, known: list[str], files: list[LicenseFile]
) -> tuple[Expression | None, str | None, int | None]:
    """The expression the policy judges: the card's when it agrees, else LICENSE's."""
    if card.expression is not None and card.consistent:
        return card.expression, card.path, card.line
    if known:
        first = next(f for f in files if f.spdx)
        return parse_expression(" AND ".join(known)), first.rel, None
    return None, None, None


def _acceptable(policy: Policy) -> Callable[[str], bool]:
    """A predicate: does the policy accept this license id?"""
    return lambda key: policy.verdict(key) is None


def _summary(first: LicenseFile, card: CardLicense) -> str:
    """One line for the report: what LICENSE is and what the card says."""
    found = (
        f"is {first.spdx} ({first.found.score:.0%})" if first.spdx else "needs review"
    )
    said = f"`license: {card.value}`" if card.value else "no `license`"
    return f"{first.name} {found}; card has {said}"


def _error(
    rule: str,
    message: str,
    path: str | None = None,
    line: int | None = None,
    hint: str | None = None,
) -> Finding:
    """An error finding under ``license/<rule>``."""
    return Finding(f"license/{rule}", Severity.ERROR, message, path, line, hint=hint)


CHECK = LicenseCheck()
