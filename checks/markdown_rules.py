"""Lint a parsed model card with a curated set of markdownlint rules."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from modelbot.checks.card_markdown import Card, Heading
from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

# The curated markdownlint rules (code -> alias, message): the ones that catch
# real mistakes on model cards; line length and inline HTML are noise there.
RULES = {
    "MD001": ("heading-increment", "heading level jumps from H{prev} to H{level}"),
    "MD024": ("no-duplicate-heading", "heading `{text}` repeats a sibling heading"),
    "MD025": ("single-h1", "H1 `{text}` after the title{more}; a card has one H1"),
    "MD034": ("no-bare-urls", "bare URL `{url}`"),
    "MD040": ("fenced-code-language", "fenced code block without a language"),
    "MD041": ("first-line-heading", "the card does not start with an H1 title"),
    "MD042": ("no-empty-links", "link `[{text}]({target})` has no target"),
    "MD045": ("no-alt-text", "image `{target}` has no alt text"),
    "MD051": ("link-fragments", "link to `#{fragment}` matches no heading"),
    "MD052": ("reference-links-images", "reference `[{label}]` is not defined"),
}
HINTS = {
    "MD001": "Use H{want} here, one level below the heading above.",
    "MD024": "Give sibling headings distinct names.",
    "MD025": "Make the headings after the title H2 (## ...) and nest the rest.",
    "MD034": "Wrap it in angle brackets, <{url}>, or write [text]({url}).",
    "MD040": "Name the language after the fence, e.g. ```python.",
    "MD041": "Start the card (after the front matter) with `# Model name`.",
    "MD042": "Point the link at a file, heading or URL, or remove it.",
    "MD045": "Describe the image in the brackets: ![Loss per epoch]({target}).",
    "MD051": "Use an anchor of an existing heading: {known}.",
    "MD052": "Define it below the text: [{label}]: https://example.org",
}


def lint_markdown(card: Card, rel: str, disabled: set[str]) -> list[Finding]:
    """Findings of the curated rules not in ``disabled`` (codes or aliases)."""
    findings = []
    for code, line, column, values in _violations(card):
        alias, template = RULES[code]
        if code in disabled or alias in disabled:
            continue
        message = f"{template.format(**values)} ({code} {alias})"
        hint = HINTS[code].format(**values)
        findings.append(
            Finding(f"docs/{alias}", Severity.WARNING, message, rel, line, column, hint)
        )
    return findings


def _violations(card: Card) -> Iterator[tuple[str, int, int, dict[str, object]]]:
    """Yield (rule code, line, column, message values) for each violation."""
    headings = card.headings
    for prev, heading in zip(headings, headings[1:], strict=False):
        if heading.level > prev.level + 1:
            values: dict[str, object] = {"prev": prev.level, "level": heading.level}
            yield "MD001", heading.line, 1, values | {"want": prev.level + 1}
    h1s = [h for h in headings if h.level == 1]
    if len(h1s) > 1:  # one finding, not one per heading: templates repeat H1s
        more = f" (and {len(h1s) - 2} more)" if len(h1s) > 2 else ""
        yield "MD025", h1s[1].line, 1, {"text": h1s[1].text, "more": more}
    for heading in _duplicate_siblings(headings):
        yield "MD024", heading.line, 1, {"text": heading.text}
    first = next((b for b in card.blocks if b[0] != "html_block"), None)
    if h1s and first is not None and first != ("heading_open", h1s[0].line):
        yield "MD041", first[1], 1, {}
    for line, column, info in card.fences:
        if not info:
            yield "MD040", line, column, {}
    for link in card.links:
        if link.kind == "image" and not link.text.strip():
            yield "MD045", link.line, link.column, {"target": link.target}
        elif link.kind == "link" and link.target in ("", "#"):
            values = {"text": link.text, "target": link.target}
            yield "MD042", link.line, link.column, values
        elif link.kind == "link" and link.target.startswith("#"):
            fragment = link.target[1:]
            if fragment.lower() not in {a.lower() for a in card.anchors}:
                known = ", ".join(f"#{h.slug}" for h in headings[:5]) or "none yet"
                values = {"fragment": fragment, "known": known}
                yield "MD051", link.line, link.column, values
    for url, line, column in card.bare_urls:
        yield "MD034", line, column, {"url": url}
    for label, line, column in card.undefined_refs:
        yield "MD052", line, column, {"label": label}


def _duplicate_siblings(headings: list[Heading]) -> Iterator[Heading]:
    """Headings whose text repeats an earlier heading under the same parent."""
    stack: list[tuple[int, set[str]]] = [(0, set())]
    for heading in headings:
        while stack[-1][0] >= heading.level:
            stack.pop()
        siblings = stack[-1][1]
        key = heading.text.strip().lower()
        if key in siblings:
            yield heading
        siblings.add(key)
        stack.append((heading.level, set()))
