"""Make text from contributed files safe to put into GitHub Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable

# Characters that start Markdown or HTML constructs inside a line.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
# GitHub links these in the rendered text, after Markdown escapes are gone, so a
# backslash does not stop them: "@name" pings a user or team, "#12" and
# "GH-12" cross-reference an issue, "owner/repo#12" another repository's issue,
# and bare URLs or "www." become links (to an issue: another cross-reference).
# A zero-width joiner after the trigger breaks each pattern and stays invisible.
_LINKED = re.compile(r"(@|#|\bGH-|://|\bwww\.)(?=[A-Za-z0-9])", re.IGNORECASE)
ZERO_WIDTH_JOINER = "\u200d"
# Lines that would open a list, a setext heading or a thematic break.
_LIST_START = re.compile(r"^(\s*)([-=])")
_ORDERED_START = re.compile(r"^(\s*\d{1,9})\.")
# Bidirectional overrides and isolates can make shown text differ from the real
# text ("Trojan Source"); lone surrogates cannot be encoded and break requests.
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BACKTICKS = re.compile(r"`+")
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """Drop control characters and replace bidi overrides and lone surrogates."""
    return _HIDDEN.sub(REPLACEMENT, _CONTROL.sub("", text))


def escape(text: str) -> str:
    """Escape Markdown and HTML in ``text`` and neutralise mentions and links."""
    text = " ".join(clean(text).splitlines())
    text = text.replace("&", "&amp;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LIST_START.sub(r"\1\\\2", text)
    text = _ORDERED_START.sub(r"\1\\.", text)
    return _LINKED.sub(lambda m: m.group(1) + ZERO_WIDTH_JOINER, text)


def message(text: str) -> str:
    """Escape a finding's message but keep its `code spans` as code.

    modelbot writes messages with contributed names in backticks. Spans are
    found as CommonMark finds them (a run of N backticks up to the next run of
    exactly N); everything outside them is escaped, stray backticks included,
    so contributed text cannot open a span of its own or leave one.
    """
    text = " ".join(clean(text).splitlines())
    parts: list[str] = []
    plain_start = position = 0
    while (run := _BACKTICKS.search(text, position)) is not None:
        closing = re.compile(r"(?<!`)" + run.group() + r"(?!`)")
        end = closing.search(text, run.end())
        if end is None:
            position = run.end()
            continue
        parts.append(escape(text[plain_start : run.start()]))
        parts.append(text[run.start() : end.end()])
        plain_start = position = end.end()
    parts.append(escape(text[plain_start:]))
    return "".join(parts)


def code(text: str, *, in_table: bool = False) -> str:
    """Render ``text`` as inline code that no backtick inside can break out of.

    GitHub does not link mentions or references inside code, so this is the
    safest way to show a contributed name. In a table cell a ``|`` ends the cell
    even inside code, so ``in_table`` escapes it (GFM shows ``\\|`` as ``|``).
    """
    text = " ".join(clean(text).splitlines())
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space at each end and needs one next to a backtick.
    pad = " " if not text or text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fence(text: str, info: str = "") -> str:
    """Render ``text`` as a fenced code block that its own backticks cannot close."""
    text = clean(text)
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    marks = "`" * max(3, longest + 1)
    info = _BACKTICKS.sub("", " ".join(info.splitlines()))
    return f"{marks}{info}\n{text.rstrip(chr(10))}\n{marks}\n"


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: what a JavaScript ``length`` would say."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_length(text: str) -> int:
    """Length in UTF-8 bytes."""
    return len(text.encode("utf-8", "surrogatepass"))


def truncate(
    text: str, limit: int, notice: str, measure: Callable[[str], int] = len
) -> str:
    """Cut ``text`` to ``limit`` on a line boundary and end it with ``notice``.

    Whole lines are kept, so no character or Markdown line is split; a code
    fence or ``<details>`` left open by the cut is closed before the notice so
    that the notice renders as text. ``measure`` counts characters, UTF-16 units
    or bytes, whichever the destination limits.
    """
    if measure(text) <= limit:
        return text
    lines = text.splitlines(keepends=True)
    budget = limit - measure(notice)
    kept: list[str] = []
    used = 0
    for line in lines:
        used += measure(line)
        if used > budget:
            break
        kept.append(line)
    while True:
        body = "".join(kept)
        result = body + close_blocks(body) + notice
        if measure(result) <= limit or not kept:
            break
        kept.pop()
    if measure(result) > limit:
        raise ValueError(f"notice alone is longer than the limit of {limit}")
    return result


def close_blocks(markdown: str) -> str:
    """The lines that close a code fence and ``<details>`` left open in ``markdown``."""
    opener = ""
    details = 0
    for line in markdown.splitlines():
        match = _FENCE_LINE.match(line)
        if opener:
            if (
                match
                and match.group(1)[0] == opener[0]
                and len(match.group(1)) >= len(opener)
            ):
                opener = ""
            continue
        if match:
            opener = match.group(1)
            continue
        details += len(_DETAILS_OPEN.findall(line)) - len(_DETAILS_CLOSE.findall(line))
    closing = "" if markdown.endswith("\n") or not markdown else "\n"
    if opener:
        closing += opener + "\n"
    closing += "</details>\n" * max(details, 0)
    return closing
