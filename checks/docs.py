"""The documentation lint: model card metadata, sections, Markdown, docstrings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from modelbot.checks.card_links import LinkResolver
from modelbot.checks.card_markdown import parse_card
from modelbot.checks.card_metadata import check_metadata
from modelbot.checks.card_sections import DEFAULT_SECTIONS, section_findings
from modelbot.checks.docstrings import check_docstrings, python_files
from modelbot.checks.markdown_rules import RULES, lint_markdown
from modelbot.discovery import ModelDir
from modelbot.frontmatter import read_front_matter
from modelbot.results import CheckResult, Finding, Severity

LOG = logging.getLogger(__name__)

NO_CARD = "{model} has no model card README.md"
NO_CARD_HINT = "Add README.md with front matter and the sections {sections}."
WRONG_CASE_CARD = "{model} has no README.md; `{found}` must be named exactly README.md"
LINKED_CARD = "README.md is a symbolic link to outside the repository; not read"
LINKED_CARD_HINT = "Commit the model card itself as a regular file."
LARGE_CARD = "README.md is {size:,} bytes; cards over {limit:,} bytes are not linted"
LARGE_CARD_HINT = "Move long material (logs, tables of results) into linked files."
INVALID_FRONT_MATTER = {
    f"docs/front-matter-{kind}" for kind in ("tab", "syntax", "not-mapping", "unclosed")
}
MAX_CARD_BYTES = (
    1_000_000  # real cards are a few kB; bounds parse time on hostile input
)


class DocsCheck:
    """Lint the model card and the docstrings of the model's code."""

    name = "docs"
    description = "Model card metadata, sections, Markdown, links; code docstrings"
    defaults: Mapping[str, Any] = {
        "required_metadata": ["license", "library_name", "pipeline_tag"],
        "required_sections": DEFAULT_SECTIONS,
        "section_synonyms": {},
        "markdown_rules": {},
        "docstrings": "warn",
    }
    schema: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "required_metadata": {"type": "array", "items": {"type": "string"}},
            "required_sections": {"type": "array", "items": {"type": "string"}},
            "section_synonyms": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "markdown_rules": {
                "type": "object",
                "propertyNames": {
                    "enum": sorted([*RULES, *(alias for alias, _ in RULES.values())])
                },
                "additionalProperties": {"type": "boolean"},
            },
            "docstrings": {"enum": ["warn", "fail", "off"]},
        },
        "additionalProperties": False,
    }

    def run(self, model: ModelDir, settings: Mapping[str, Any]) -> CheckResult:
        """Lint ``model``'s card and code under ``settings``."""
        required = [str(s).lower() for s in settings["required_sections"]]
        findings: list[Finding] = []
        found: list[str] = []
        keys = list(settings["required_metadata"])
        unreadable = _unreadable_card(model)
        if unreadable is not None:
            findings.append(unreadable)
        elif model.card.is_file():
            found, keys = self._lint_card(model, settings, required, findings)
        else:
            findings.append(_no_card(model, required))

        coverage = None
        if settings["docstrings"] != "off":
            fail = settings["docstrings"] == "fail"
            severity = Severity.ERROR if fail else Severity.WARNING
            files = [(p, model.relpath(p)) for p in python_files(model.path)]
            report = check_docstrings(files, severity)
            findings += report.findings
            coverage = report.coverage

        findings.sort(key=lambda f: (f.path or "", f.line or 0, f.column or 0))
        missing = [s for s in required if s not in found]
        metrics = {
            "sections_found": found,
            "sections_missing": missing,
            "docstring_coverage": coverage,
        }
        summary = _summary(findings, found, required, keys, coverage)
        return CheckResult.from_findings(self.name, findings, metrics, summary)

    def _lint_card(
        self,
        model: ModelDir,
        settings: Mapping[str, Any],
        required: list[str],
        findings: list[Finding],
    ) -> tuple[list[str], list[str]]:
        """Add the card's findings; return its required sections and missing keys."""
        rel = model.relpath(model.card)
        front = read_front_matter(model.card, rel)
        findings += front.problems
        keys = list(settings["required_metadata"])
        findings += check_metadata(front, keys, rel)
        data = front.data or {}
        missing = [] if front.invalid else [k for k in keys if k not in data]

        card = parse_card(front.body, front.body_line)
        found, problems = section_findings(
            card, required, settings["section_synonyms"], rel
        )
        findings += problems
        rules = settings["markdown_rules"]
        disabled = {name for name, enabled in rules.items() if not enabled}
        if front.invalid and front.body_line == 1:
            disabled.add("MD041")  # the unclosed front matter is already an error
        findings += lint_markdown(card, rel, disabled)
        fragments = not {"MD051", "link-fragments"} & disabled
        findings += LinkResolver(model.root).check(card, model.card, rel, fragments)
        return found, missing


def _no_card(model: ModelDir, required: list[str]) -> Finding:
    """The finding for a model directory without README.md."""
    other = next(
        (p.name for p in model.path.glob("*") if p.name.lower() == "readme.md"), None
    )
    if other:
        message = WRONG_CASE_CARD.format(model=model.rel, found=other)
    else:
        message = NO_CARD.format(model=model.rel)
    hint = NO_CARD_HINT.format(sections=", ".join(required))
    rel = model.relpath(model.card)
    return Finding("docs/missing-card", Severity.ERROR, message, rel, None, None, hint)


def _unreadable_card(model: ModelDir) -> Finding | None:
    """An error when the card links out of the repository or is too large to lint."""
    card, rel = model.card, model.relpath(model.card)
    if card.is_symlink() and not model.contains(card):
        return Finding(
            "docs/unreadable-card",
            Severity.ERROR,
            LINKED_CARD,
            rel,
            None,
            None,
            LINKED_CARD_HINT,
        )
    if card.is_file() and (size := card.stat().st_size) > MAX_CARD_BYTES:
        message = LARGE_CARD.format(size=size, limit=MAX_CARD_BYTES)
        return Finding(
            "docs/unreadable-card",
            Severity.ERROR,
            message,
            rel,
            None,
            None,
            LARGE_CARD_HINT,
        )
    return None


def _summary(
    findings: list[Finding],
    found: list[str],
    required: list[str],
    missing_keys: list[str],
    coverage: float | None,
) -> str:
    """One line for the report: sections, metadata and broken links, coverage."""
    parts = [f"{len(found)}/{len(required)} sections"]
    if any(f.rule in INVALID_FRONT_MATTER for f in findings):
        parts.append("front matter invalid")
    if missing_keys:
        parts.append("missing metadata: " + ", ".join(missing_keys))
    broken = sum(f.rule in ("docs/broken-link", "docs/broken-image") for f in findings)
    if broken:
        parts.append(f"{broken} broken link(s)/image(s)")
    if coverage is not None:
        parts.append(f"docstrings {coverage:g}%")
    return "; ".join(parts)


CHECK = DocsCheck()
