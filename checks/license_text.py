"""Identify a license file's text as an SPDX id with askalono, licensee-style."""

from __future__ import annotations

import functools
import html
import logging
import re
from dataclasses import dataclass

import askalono

LOG = logging.getLogger(__name__)

EMPTY = "the file holds no license text"
# Below 50% askalono's best guess is noise (it varies between identical runs), so
# the message names none: the report must not change when the text does not.
NO_MATCH = "the text matches no known license text"
LOW_SCORE = "the text resembles {spdx} only {score:.0%}"
RETITLED = "the text reads as {spdx} ({score:.0%}) but is titled `{title}`"

# choosealicense.com and Jekyll files open with a YAML block between `---` lines.
FRONT_MATTER = re.compile(r"\A---\n(?:[^\n]*\n){0,60}?---\n")
HTML_HINT = re.compile(r"<(?:html|body|p|br|div|h[1-6])\b", re.IGNORECASE)
HTML_DROP = re.compile(
    r"<(head|style|script)\b.*?</\1\s*>|<!--.*?-->|<![^>]*>|<\?[^>]*\?>",
    re.IGNORECASE | re.DOTALL,
)
HTML_BREAK = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
HTML_TAG = re.compile(r"<[^>]+>")
SETEXT_RULE = re.compile(r"^\s*(?:[=\-*_]\s*){3,}$", re.MULTILINE)
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
QUOTE = re.compile(r"^\s*>\s?", re.MULTILINE)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
EMPHASIS = re.compile(r"(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_])")
CODE = re.compile(r"`+")
# A statement, not a wrapped line of license prose ("copyright notice ...").
COPYRIGHT = re.compile(
    r"^\s*(?:copyright\b:?\s*(?:\(c\)|©|\d|\[|<|by\b)|\(c\)\s*\d|©)", re.IGNORECASE
)
RESERVED = re.compile(r"^\s*all rights reserved\.?\s*$", re.IGNORECASE)
# A copyright statement goes on when its line ends mid-phrase or the next line
# starts in lower case (licensee/licensee#470: names wrapped onto a second line).
OPEN_ENDING = re.compile(r"(?:,|&|\b(?:and|the|of|by|for|at|in))\s*$", re.IGNORECASE)
TITLE_WORD = re.compile(r"\blicen[cs]e\b", re.IGNORECASE)
TITLE_FILLER = frozenset(
    "the a an of and or to for v version license licence licensed public open "
    "source software general agreement terms conditions international".split()
)
ID_FILLER = frozenset("only or later clause invariants no with exception".split())

# SPDX's Pixar license is Apache-2.0 with the appendix removed and section 6
# reworded; askalono therefore reads an Apache-2.0 text cut at "END OF TERMS
# AND CONDITIONS" as Pixar. Apache's own wording of section 6 tells them apart.
APACHE_TRADEMARK = re.compile(
    r"reasonable\s+and\s+customary\s+use\s+in\s+describing\s+the\s+origin",
    re.IGNORECASE,
)
APACHE_APPENDIX = """
APPENDIX: How to apply the Apache License to your work.

To apply the Apache License to your work, attach the following
boilerplate notice, with the fields enclosed by brackets "[]"
replaced with your own identifying information. (Don't include
the brackets!)  The text should be enclosed in the appropriate
comment syntax for the file format. We also recommend that a
file or class name and description of purpose be included on the
same "printed page" as the copyright notice for easier
identification within third-party archives.

Copyright [yyyy] [name of copyright owner]

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
"""


@dataclass(frozen=True)
class Identification:
    """What a license text was identified as; ``spdx`` None means needs review."""

    spdx: str | None
    score: float
    guess: str | None = None
    reason: str = ""


def identify_license(text: str, min_confidence: float) -> Identification:
    """Identify ``text``; below ``min_confidence`` the answer is "needs review"."""
    clean = normalize_license_text(text)
    if not re.search(r"\w{3}", clean):
        return Identification(None, 0.0, reason=EMPTY)

    spdx, score = _askalono(clean)
    if spdx == "Pixar" and APACHE_TRADEMARK.search(clean):
        spdx, score = _askalono(clean + APACHE_APPENDIX)
    LOG.debug("askalono: %s %.3f", spdx, score)

    if score < min(min_confidence, 0.5):
        return Identification(None, score, spdx, NO_MATCH)
    if score < min_confidence:
        reason = LOW_SCORE.format(spdx=spdx, score=score)
        return Identification(None, score, spdx, reason)
    title = license_title(clean)
    if title and not title_names(title, spdx):
        reason = RETITLED.format(spdx=spdx, score=score, title=title)
        return Identification(None, score, spdx, reason)
    return Identification(spdx, score)


def normalize_license_text(text: str) -> str:
    """Strip what is not license wording: front matter, markup, copyright lines."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = FRONT_MATTER.sub("", text)
    if HTML_HINT.search(text):
        text = HTML_DROP.sub("", text)
        text = HTML_TAG.sub("", HTML_BREAK.sub("\n", text))
        text = html.unescape(text)
    text = SETEXT_RULE.sub("", text)
    text = HEADING.sub("", QUOTE.sub("", text))
    text = CODE.sub("", EMPHASIS.sub("", LINK.sub(r"\1", text)))
    return _strip_copyright("\n".join(line.rstrip() for line in text.split("\n")))


def license_title(text: str) -> str | None:
    """The first line of ``text`` when it is a short heading naming a license."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    words = first.split()
    if len(words) > 12 or not TITLE_WORD.search(first) or first.endswith((".", ":")):
        return None
    return first


def title_names(title: str, spdx: str) -> bool:
    """Whether ``title`` could be the name of license ``spdx`` (not a renamed copy).

    The title names the license when it contains a word of the id (``MIT``,
    ``Apache``, ``BSD``) or its initials spell the id's letters in order
    (*Mozilla Public License* for ``MPL``, *Do What The F* You Want To Public
    License* for ``WTFPL``). Titles made only of generic words are accepted.
    """
    words: list[str] = re.findall(r"[a-z][a-z0-9]*", title.lower())
    distinctive = [w for w in words if w not in TITLE_FILLER]
    if not distinctive:
        return True
    compact = "".join(re.findall(r"[a-z0-9]", title.lower()))
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", spdx)
    tokens = [p.lower() for p in parts if len(p) > 1 and p.lower() not in ID_FILLER]
    if not tokens:
        return True  # an id without words (X11) cannot be checked against a title
    if any(len(t) >= 3 and t in compact for t in tokens) or "".join(tokens) in compact:
        return True
    initials = iter("".join(w[0] for w in words if w not in {"v", "version"}))
    letters = "".join(t for t in tokens if len(t) <= 5)
    return bool(letters) and all(c in initials for c in letters)


def _strip_copyright(text: str) -> str:
    """Drop copyright statements, including ones wrapped over several lines."""
    kept: list[str] = []
    statement = open_end = False
    for line in text.split("\n"):
        stripped = line.strip()
        if COPYRIGHT.match(line) or RESERVED.match(line):
            statement, open_end = True, bool(OPEN_ENDING.search(line))
            continue
        if statement and stripped and (open_end or stripped[0].islower()):
            open_end = bool(OPEN_ENDING.search(line))
            continue
        statement = False
        kept.append(line)
    return "\n".join(kept).strip()


@functools.lru_cache(maxsize=256)
def _askalono(text: str) -> tuple[str, float]:
    """Askalono's best match for ``text``; cached, as each call reloads its store."""
    match = askalono.identify(text)
    return str(match.name), float(match.score)
