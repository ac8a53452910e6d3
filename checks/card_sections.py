"""Find a model card's title and required sections, synonyms and placeholders."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from modelbot.checks.card_markdown import Card, Heading
from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

MISSING_SECTION = "model card has no `{title}` section"
MISSING_SECTION_HINT = "Add a section `## {title}` (also accepted: {synonyms})."
PLACEHOLDER_SECTION = (
    "section `{heading}` has only placeholder text ({sample}), so it counts as missing"
)
EMPTY_SECTION = "section `{heading}` is empty, so it counts as missing"
PLACEHOLDER_HINT = "Replace the placeholder with what readers need to know."
NO_CODE = "section `{heading}` has no fenced code example"
NO_CODE_HINT = "Show how to load and call the model in a ```python block."
NO_TITLE = "model card has no title (a first-level heading `# ...`)"
NO_TITLE_HINT = "Start the card, after the front matter, with `# Model name`."
NO_SUMMARY = "title `{heading}` is not followed by a summary paragraph"
NO_SUMMARY_HINT = "Write one or two sentences under the title saying what it does."

# Headings accepted for each section, compared case-insensitively as word
# prefixes, so "Evaluation results on MNIST" counts as evaluation. Sources: the
# Hugging Face model card template, Mitchell et al. (2019), Kaggle and ONNX.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "model details": (
        "model details", "model description", "description", "overview",
        "model overview", "model summary", "summary", "about", "about the model",
        "architecture", "model architecture", "model card", "details",
    ),
    "intended use": (
        "intended use", "intended uses", "uses", "model use", "use cases",
        "direct use", "downstream use", "applications", "purpose",
        "intended purpose", "scope", "out of scope use", "out of scope",
    ),
    "how to use": (
        "how to use", "usage", "getting started", "how to get started",
        "quick start", "quickstart", "example usage", "examples", "example",
        "inference", "use the model", "using the model", "code example",
    ),
    "training data": (
        "training data", "training", "training details", "training procedure",
        "training dataset", "data", "dataset", "datasets",
        "training and evaluation data",
    ),
    "evaluation": (
        "evaluation", "evaluation results", "results", "metrics", "performance",
        "benchmarks", "benchmark", "testing data factors and metrics",
        "test results", "training and evaluation data", "eval results",
    ),
    "limitations": (
        "limitations", "bias risks and limitations", "risks and limitations",
        "limitations and bias", "known limitations", "bias", "risks",
        "ethical considerations", "ethics", "caveats and recommendations",
        "caveats", "intended uses and limitations", "uses and limitations",
    ),
    "factors": ("factors", "relevant factors"),
    "environmental impact": ("environmental impact", "carbon emissions", "compute"),
    "citation": ("citation", "citing", "cite", "bibtex", "references"),
    "contact": ("contact", "model card contact", "authors", "maintainers"),
}  # fmt: skip
DEFAULT_SECTIONS = [
    "model details",
    "intended use",
    "how to use",
    "training data",
    "evaluation",
    "limitations",
]
PLACEHOLDER = re.compile(
    r"\[more information needed\]|more information needed|\{\{.*?\}\}"
    r"|(?-i:\{[A-Z][A-Z0-9_]*\})|\bTODO\b|\bTBD\b|\[none\]",
    re.I | re.S,
)
# "- **Developed by:** [More Information Needed]" is a template line, not content.
LABEL = re.compile(r"\*\*[^*\n]+:\*\*|__[^_\n]+:__")
HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
NUMBERING = re.compile(r"^\s*(\d+(\.\d+)*\.?|[ivx]+\.)\s+")


@dataclass(frozen=True)
class Section:
    """A heading and the card lines it covers, up to the next heading at its level."""

    heading: Heading
    text: str
    has_fence: bool


def section_findings(
    card: Card, required: list[str], extra: Mapping[str, list[str]], rel: str
) -> tuple[list[str], list[Finding]]:
    """The required sections ``card`` has, and findings for title and sections."""
    found, findings = _section_findings(card, required, _synonyms(extra), rel)
    return found, _title_findings(card, rel) + findings


def _section_findings(
    card: Card, required: list[str], synonyms: dict[str, tuple[str, ...]], rel: str
) -> tuple[list[str], list[Finding]]:
    """The required sections present, and findings for the missing ones."""
    sections = list(_sections(card))
    found, findings = [], []
    for name in required:
        accepted = synonyms.get(name, (name,))
        ranked = [(_rank(s.heading.text, accepted), s) for s in sections]
        matches = [s for rank, s in sorted(ranked, key=lambda r: r[0]) if rank >= 0]
        real = [s for s in matches if _has_content(s.text)]
        if real:
            found.append(name)
            if name == "how to use" and not any(s.has_fence for s in real):
                heading = real[0].heading
                message = NO_CODE.format(heading=heading.text)
                findings.append(
                    _error(
                        "missing-code-example", message, rel, heading.line, NO_CODE_HINT
                    )
                )
            continue
        findings.append(_missing_section(name, accepted, matches, rel))
    return found, findings


def _missing_section(
    name: str, accepted: tuple[str, ...], matches: list[Section], rel: str
) -> Finding:
    """The finding for a required section that is absent or only a placeholder."""
    if not matches:
        title = _capital(name)
        others = ", ".join(f"`{_capital(s)}`" for s in accepted[1:4] if s != name)
        hint = MISSING_SECTION_HINT.format(title=title, synonyms=others or "none")
        message = MISSING_SECTION.format(title=title)
        return _error("missing-section", message, rel, None, hint)
    section = matches[0]
    sample = PLACEHOLDER.search(HTML_COMMENT.sub("", section.text))
    if sample:
        message = PLACEHOLDER_SECTION.format(
            heading=section.heading.text, sample=f"`{sample[0].strip()}`"
        )
    else:
        message = EMPTY_SECTION.format(heading=section.heading.text)
    return _error(
        "missing-section", message, rel, section.heading.line, PLACEHOLDER_HINT
    )


def _title_findings(card: Card, rel: str) -> list[Finding]:
    """A finding when the card lacks an H1 title or a summary under it."""
    title = next((h for h in card.headings if h.level == 1), None)
    if title is None:
        return [_error("missing-title", NO_TITLE, rel, None, NO_TITLE_HINT)]
    after = [b for b in card.blocks if b[1] > title.line and b[0] != "html_block"]
    if after and after[0][0] in ("paragraph_open", "blockquote_open"):
        if _has_content(card.lines[after[0][1] - 1]):
            return []
    message = NO_SUMMARY.format(heading=title.text)
    return [_error("missing-summary", message, rel, title.line, NO_SUMMARY_HINT)]


def _sections(card: Card) -> Iterator[Section]:
    """Each heading with the text up to the next heading at its level or above."""
    headings = card.headings
    for index, heading in enumerate(headings):
        end = next(
            (h.line for h in headings[index + 1 :] if h.level <= heading.level),
            len(card.lines) + 1,
        )
        text = "\n".join(card.lines[heading.line : end - 1])
        fence = any(heading.line < line < end for line, _, _ in card.fences)
        yield Section(heading, text, fence)


def _has_content(text: str) -> bool:
    """Whether text says something beyond headings, comments and placeholders."""
    text = HTML_COMMENT.sub("", text)
    lines = [line for line in text.split("\n") if not line.lstrip().startswith("#")]
    text = PLACEHOLDER.sub("", LABEL.sub("", "\n".join(lines)))
    return bool(re.search(r"\w", text))


def _rank(heading: str, accepted: tuple[str, ...]) -> int:
    """Index of the first ``accepted`` name the heading starts with, or -1."""
    words = _normal(heading)
    for index, name in enumerate(map(_normal, accepted)):
        if words == name or words.startswith(name + " "):
            return index
    return -1


def _normal(text: str) -> str:
    """Lower-case words of a heading: numbering, `&` and punctuation dropped."""
    text = NUMBERING.sub("", text.lower().replace("&", " and "))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _synonyms(extra: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Built-in section synonyms merged with the configured ones."""
    merged = dict(SYNONYMS)
    for name, words in extra.items():
        key = name.lower()
        merged[key] = (*merged.get(key, (key,)), *words)
    return merged


def _capital(text: str) -> str:
    """``text`` with its first letter in upper case, as a heading."""
    return text[:1].upper() + text[1:]


def _error(rule: str, message: str, rel: str, line: int | None, hint: str) -> Finding:
    """An error finding in the card."""
    return Finding(
        f"docs/{rule}", Severity.ERROR, message, rel, line, 1 if line else None, hint
    )
