"""Read a model card's YAML front matter with line numbers and YAML 1.1 pitfalls."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

ENCODING = "{rel} is not valid UTF-8 (byte 0x{byte:02x} on line {line})"
ENCODING_HINT = "Save the model card as UTF-8."
UNCLOSED = "front matter opened on line 1 is never closed by a `---` line"
UNCLOSED_HINT = "Add a line `---` after the last metadata line."
SYNTAX = "front matter is not valid YAML: {problem}"
SYNTAX_HINT = "Fix the YAML at this position; quote values containing `: ` or `#`."
TAB = "front matter is invalid: line {line} is indented with a tab"
TAB_HINT = "YAML forbids tabs in indentation; indent with spaces."
NOT_MAPPING = "front matter is a YAML {kind}, not a mapping of `key: value` lines"
NOT_MAPPING_HINT = "Write the metadata as `key: value` lines, e.g. `license: mit`."
UNCONVERTIBLE = "front matter has a value YAML cannot convert: {problem}"
UNCONVERTIBLE_HINT = "Quote values such as dates and very long numbers: '2023-02-30'."
TOO_DEEP = "front matter is nested too deeply to read"
TOO_DEEP_HINT = "Flatten the metadata; model cards need only a few levels."
DUPLICATE = "duplicate key `{key}` (lines {lines})"
DUPLICATE_HINT = "Keep one `{key}:` line; YAML silently uses only the last one."
UNQUOTED = (
    "{where} was read as {kind} {value} (YAML 1.1 '{source}'); quote it as '{source}'"
)
UNQUOTED_HINT = "Write '{source}' in quotes so it stays a string."

# Top-level keys whose values the Hugging Face metadata spec defines as strings
# or lists of strings: a plain scalar there that YAML 1.1 resolves to a bool,
# number or date was meant as text (`no` is Norwegian, `3.10` a version).
STRING_KEYS = frozenset(
    {
        "license",
        "license_name",
        "license_link",
        "library_name",
        "pipeline_tag",
        "base_model",
        "base_model_relation",
        "model_name",
        "new_version",
        "thumbnail",
        "language",
        "tags",
        "datasets",
        "metrics",
    }
)
IMPLICIT_KINDS = {
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
}
ENCODING_RULE = "docs/front-matter-encoding"
STR_TAG = "tag:yaml.org,2002:str"
FENCE = re.compile(r"---[ \t]*")
NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class FrontMatter:
    """A model card's front matter and where each part of it sits in the card.

    ``data`` is None when the card has no front matter (``problems`` empty) or
    when it cannot be read (``problems`` says why); ``key_lines`` points at the
    last occurrence of each top-level key, whose value is the one in ``data``.
    """

    data: dict[str, Any] | None = None
    problems: list[Finding] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    @property
    def invalid(self) -> bool:
        """Whether front matter is present but could not be read."""
        return self.data is None and any(p.rule != ENCODING_RULE for p in self.problems)


def read_front_matter(card: Path, rel: str) -> FrontMatter:
    """Read ``card``'s front matter; ``rel`` is its repository path for findings."""
    if not card.is_file():
        return FrontMatter()
    text, problems = _decode(card.read_bytes(), rel)
    lines = NEWLINE.split(text)
    if not FENCE.fullmatch(lines[0]):
        return FrontMatter(problems=problems, body="\n".join(lines))
    close = next((i for i in range(1, len(lines)) if FENCE.fullmatch(lines[i])), None)
    if close is None:
        problems.append(_finding("unclosed", UNCLOSED, rel, 1, 1, UNCLOSED_HINT))
        return FrontMatter(problems=problems, body="\n".join(lines))

    front = FrontMatter(problems=problems, body="\n".join(lines[close + 1 :]))
    front.body_line = close + 2
    # The YAML text keeps the card's lines, so a mark's line + 2 is the card line.
    _parse("\n".join(lines[1:close]) + "\n", rel, front)
    return front


def _parse(source: str, rel: str, front: FrontMatter) -> None:
    """Compose, check and construct the YAML ``source`` into ``front``."""
    loader = yaml.SafeLoader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            front.data = {}
        elif not isinstance(node, MappingNode):
            kind = "list" if isinstance(node, SequenceNode) else "single value"
            line, column = _position(node)
            message = NOT_MAPPING.format(kind=kind)
            front.problems.append(
                _finding("not-mapping", message, rel, line, column, NOT_MAPPING_HINT)
            )
        else:
            _read_keys(node, front)
            _walk(node, "", rel, front.problems, set())
            front.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        front.problems.append(_syntax_finding(exc, source, rel))
    except yaml.YAMLError as exc:
        message = SYNTAX.format(problem=exc)
        front.problems.append(_finding("syntax", message, rel, 2, 1, SYNTAX_HINT))
    except ValueError as exc:  # e.g. date 2023-02-30, ints over 4300 digits
        message = UNCONVERTIBLE.format(problem=exc)
        front.problems.append(
            _finding("syntax", message, rel, 2, 1, UNCONVERTIBLE_HINT)
        )
    except RecursionError:
        front.problems.append(_finding("syntax", TOO_DEEP, rel, 2, 1, TOO_DEEP_HINT))
    finally:
        loader.dispose()


def _read_keys(node: MappingNode, front: FrontMatter) -> None:
    """Record the lines of ``node``'s top-level keys and which repeat."""
    seen: dict[str, list[int]] = {}
    for key, _ in node.value:
        if isinstance(key, ScalarNode):
            seen.setdefault(str(key.value), []).append(_position(key)[0])
    front.key_lines = {key: lines[-1] for key, lines in seen.items()}
    front.duplicates = {key: lines for key, lines in seen.items() if len(lines) > 1}


def _walk(
    node: Node, where: str, rel: str, problems: list[Finding], seen: set[int]
) -> None:
    """Report duplicate keys and misread strings anywhere under ``node``."""
    if id(node) in seen:  # aliases share nodes: visit each once, never loop
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        _report_duplicates(node, rel, problems)
        for key, value in node.value:
            name = str(key.value) if isinstance(key, ScalarNode) else "?"
            path = f"{where}.{name}" if where else name
            if not where and name in STRING_KEYS and isinstance(value, ScalarNode):
                _check_string(value, path, rel, problems)
            _walk(value, path, rel, problems, seen)
    elif isinstance(node, SequenceNode):
        items = node.value
        texts = any(isinstance(i, ScalarNode) and i.tag == STR_TAG for i in items)
        if texts or where in STRING_KEYS:
            for number, item in enumerate(items, start=1):
                if isinstance(item, ScalarNode):
                    _check_string(item, f"{where} item {number}", rel, problems)
        for number, item in enumerate(items, start=1):
            _walk(item, f"{where}[{number}]", rel, problems, seen)


def _report_duplicates(node: MappingNode, rel: str, problems: list[Finding]) -> None:
    """Add a finding for each key given more than once in mapping ``node``."""
    marks: dict[str, list[tuple[int, int]]] = {}
    for key, _ in node.value:
        if isinstance(key, ScalarNode):
            marks.setdefault(str(key.value), []).append(_position(key))
    for key, places in marks.items():
        if len(places) > 1:
            numbers = [str(line) for line, _ in places]
            lines = ", ".join(numbers[:-1]) + " and " + numbers[-1]
            message = DUPLICATE.format(key=key, lines=lines)
            line, column = places[1]
            hint = DUPLICATE_HINT.format(key=key)
            problems.append(_finding("duplicate", message, rel, line, column, hint))


def _check_string(
    node: ScalarNode, where: str, rel: str, problems: list[Finding]
) -> None:
    """Report and re-tag a plain scalar that YAML 1.1 read as a non-string."""
    kind = IMPLICIT_KINDS.get(node.tag)
    if kind is None or node.style is not None:
        return
    source = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    try:
        value = yaml.SafeLoader("").construct_object(node)
        shown = str(value).lower() if kind == "boolean" else str(value)
    except ValueError:  # an impossible date or an int too long to convert
        shown = "an unreadable value"
    if len(shown) > 40:
        shown = shown[:37] + "..."
    message = UNQUOTED.format(where=where, kind=kind, value=shown, source=source)
    line, column = _position(node)
    hint = UNQUOTED_HINT.format(source=source)
    problems.append(_finding("unquoted", message, rel, line, column, hint))
    node.tag = STR_TAG  # keep the text the author wrote instead of its YAML 1.1 value


def _decode(raw: bytes, rel: str) -> tuple[str, list[Finding]]:
    """Decode card bytes as UTF-8 without a BOM, noting where decoding failed."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        line = len(NEWLINE.findall(before)) + 1
        message = ENCODING.format(rel=rel, byte=raw[exc.start], line=line)
        finding = _finding("encoding", message, rel, line, None, ENCODING_HINT)
        return raw.decode("utf-8", "replace"), [finding]


def _syntax_finding(exc: yaml.MarkedYAMLError, source: str, rel: str) -> Finding:
    """Turn a YAML error into a finding, naming a tab in indentation as such."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 2, mark.column + 1) if mark else (2, 1)
    if "\t" not in (exc.problem or ""):
        # A tab in indentation may surface later as another error: name the tab.
        for number, text in enumerate(source.split("\n"), start=2):
            indent = text[: len(text) - len(text.lstrip(" \t"))]
            if "\t" in indent:
                line, column = number, indent.index("\t") + 1
                break
        else:
            message = SYNTAX.format(problem=exc.problem or exc)
            return _finding("syntax", message, rel, line, column, SYNTAX_HINT)
    return _finding("tab", TAB.format(line=line), rel, line, column, TAB_HINT)


def _position(node: Node) -> tuple[int, int]:
    """The 1-based card line and column where ``node`` starts."""
    return node.start_mark.line + 2, node.start_mark.column + 1


def _finding(
    rule: str, message: str, rel: str, line: int, column: int | None, hint: str
) -> Finding:
    """An error finding in the card under ``docs/front-matter-<rule>``."""
    rule_id = (
        "docs/duplicate-key" if rule == "duplicate" else f"docs/front-matter-{rule}"
    )
    return Finding(rule_id, Severity.ERROR, message, rel, line, column, hint)
