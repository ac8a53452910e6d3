"""Parse a model card's Markdown into headings, links and blocks with positions.

markdown-it gives block tokens line ranges but inline tokens (links, images) no
position, so the link rules are wrapped to record where each match started.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt, rules_inline
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

LOG = logging.getLogger(__name__)

BARE_URL = re.compile(r"https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"*_]")
UNDEFINED_REF = re.compile(r"\[([^\[\]]+)\]\[([^\[\]]*)\]")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*?\b(?:id|name)\s*=\s*["']([^"']+)""", re.I)
HTML_TARGET = re.compile(
    r"""<(img|a)\s[^>]*?\b(src|href)\s*=\s*["']([^"']*)["']""", re.I
)
SLUG_DROP = re.compile(r"[^\w\- ]")

InlineRule = Callable[[StateInline, bool], bool]
Locate = Callable[[int], tuple[int, int]]


@dataclass(frozen=True)
class Heading:
    """A heading: its level, plain text, card line and GitHub anchor."""

    level: int
    text: str
    line: int
    slug: str = ""


@dataclass(frozen=True)
class Link:
    """A link or image in the card, with its 1-based card position."""

    kind: str  # "link" or "image"
    target: str
    text: str
    line: int
    column: int


@dataclass
class Card:
    """The parts of a model card body the docs check looks at."""

    lines: list[str]  # card lines, index 0 is card line 1
    headings: list[Heading] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    fences: list[tuple[int, int, str]] = field(default_factory=list)  # line, col, info
    blocks: list[tuple[str, int]] = field(default_factory=list)  # type, line
    bare_urls: list[tuple[str, int, int]] = field(default_factory=list)
    undefined_refs: list[tuple[str, int, int]] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)


def parse_card(body: str, body_line: int) -> Card:
    """Parse a card body that starts on card line ``body_line``."""
    card = Card(lines=[""] * (body_line - 1) + body.split("\n"))
    tokens = _markdown().parse(body)
    for index, token in enumerate(tokens):
        if (
            token.map is not None
            and token.level == 0
            and not token.type.endswith("_close")
        ):
            card.blocks.append((token.type, token.map[0] + body_line))
        if token.type == "heading_open" and token.map:
            text = _plain_text(tokens[index + 1])
            line = token.map[0] + body_line
            card.headings.append(Heading(int(token.tag[1:]), text, line))
        elif token.type == "fence" and token.map:
            line = token.map[0] + body_line
            column = card.lines[line - 1].find(token.markup[:3]) + 1
            card.fences.append((line, column, token.info.strip()))
        elif token.type == "html_block" and token.map:
            card.anchors.update(HTML_ANCHOR.findall(token.content))
            _collect_html(card, token.content, token.map[0] + body_line)
        elif token.type == "inline" and token.map:
            _collect_inline(card, token, token.map[0] + body_line)
    card.headings = _with_slugs(card.headings)
    card.anchors.update(h.slug for h in card.headings)
    LOG.debug("card: %d headings, %d links", len(card.headings), len(card.links))
    return card


def github_slugs(texts: list[str]) -> list[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, `-N` on repeats."""
    seen: dict[str, int] = {}
    slugs = []
    for text in texts:
        base = SLUG_DROP.sub("", text.strip().lower()).replace(" ", "-")
        count = seen.get(base, 0)
        seen[base] = count + 1
        slugs.append(base if count == 0 else f"{base}-{count}")
    return slugs


def _collect_inline(card: Card, inline: Token, line: int) -> None:
    """Record links, images, bare URLs and undefined references of ``inline``."""
    locate = _locator(card.lines, inline.content, line)
    depth = 0
    for child in inline.children or []:
        if child.type == "link_open":
            depth += 1
            label = _label(inline.children or [], child)
            target = str(child.attrs.get("href", ""))
            card.links.append(
                Link("link", target, label, *locate(child.meta.get("pos", 0)))
            )
        elif child.type == "link_close":
            depth -= 1
        elif child.type == "image":
            target = str(child.attrs.get("src", ""))
            card.links.append(
                Link("image", target, child.content, *locate(child.meta.get("pos", 0)))
            )
        elif child.type == "text" and depth == 0:
            _scan_text(card, child.content, inline.content, locate)
        elif child.type == "html_inline":
            card.anchors.update(HTML_ANCHOR.findall(child.content))
            for match in HTML_TARGET.finditer(child.content):
                kind = "image" if match[1].lower() == "img" else "link"
                offset = inline.content.find(match[0])
                card.links.append(Link(kind, match[3], "html", *locate(max(offset, 0))))


def _scan_text(card: Card, text: str, source: str, locate: Locate) -> None:
    """Find bare URLs and undefined reference links in plain ``text``."""
    for match in BARE_URL.finditer(text):
        card.bare_urls.append((match[0], *locate(max(source.find(match[0]), 0))))
    for match in UNDEFINED_REF.finditer(text):
        position = locate(max(source.find(match[0]), 0))
        card.undefined_refs.append((match[2] or match[1], *position))


def _collect_html(card: Card, html: str, line: int) -> None:
    """Record ``<img src>`` and ``<a href>`` targets of an HTML block."""
    for match in HTML_TARGET.finditer(html):
        before = html[: match.start()]
        row = line + before.count("\n")
        column = match.start() - (before.rfind("\n") + 1) + 1
        kind = "image" if match[1].lower() == "img" else "link"
        card.links.append(Link(kind, match[3], "html", row, column))


def _locator(lines: list[str], content: str, first_line: int) -> Locate:
    """Map an offset in inline ``content`` to a card line and column."""
    content_lines = content.split("\n")

    def locate(offset: int) -> tuple[int, int]:
        before = content[:offset]
        index = before.count("\n")
        in_line = offset - (before.rfind("\n") + 1)
        line = first_line + index
        source = lines[line - 1] if line - 1 < len(lines) else ""
        start = source.find(content_lines[index]) if content_lines[index] else 0
        return line, max(start, 0) + in_line + 1

    return locate


def _label(children: list[Token], opening: Token) -> str:
    """The plain text between ``opening`` link_open and its link_close."""
    start = children.index(opening) + 1
    depth, parts = 1, []
    for child in children[start:]:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if depth == 0:
            break
        parts.append(child.content)
    return "".join(parts)


def _plain_text(inline: Token) -> str:
    """The text of a heading as GitHub shows it (markup and images removed)."""
    kinds = ("text", "code_inline", "text_special")
    return "".join(c.content for c in inline.children or [] if c.type in kinds)


def _with_slugs(headings: list[Heading]) -> list[Heading]:
    """``headings`` with their GitHub anchors filled in."""
    slugs = github_slugs([h.text for h in headings])
    return [
        Heading(h.level, h.text, h.line, s)
        for h, s in zip(headings, slugs, strict=True)
    ]


def _tracked(rule: InlineRule) -> InlineRule:
    """Wrap an inline rule so its first token records where it started."""

    def wrapper(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent:
            # Pushing a token first flushes pending text as its own token.
            for token in state.tokens[count:]:
                if token.type in ("link_open", "image"):
                    token.meta["pos"] = start
                    break
        return matched

    return wrapper


@functools.cache
def _markdown() -> MarkdownIt:
    """The shared CommonMark parser with tables and position-tracking links."""
    md = MarkdownIt("commonmark").enable("table")
    for rule in (rules_inline.link, rules_inline.image, rules_inline.autolink):
        md.inline.ruler.at(rule.__name__, _tracked(rule))
    return md
