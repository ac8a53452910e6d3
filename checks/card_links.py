"""Resolve a model card's relative links and images against the repository."""

from __future__ import annotations

import logging
import os
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from modelbot.checks.card_markdown import Card, Link, parse_card
from modelbot.frontmatter import read_front_matter
from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

MISSING = "{kind} `{target}` does not exist"
MISSING_HINT = "Commit `{path}`, or fix the path (relative to {base})."
CASE = "{kind} `{target}` does not exist: the file is named `{actual}`"
CASE_HINT = (
    "Write `{actual}` exactly: names are case-sensitive on GitHub and Linux "
    "runners, even when your laptop's disk is not."
)
OUTSIDE = "{kind} `{target}` points outside the repository"
OUTSIDE_HINT = "Link to a file inside the repository, or use a full https:// URL."
NOT_FILE = "image `{target}` is a directory, not an image file"
NOT_FILE_HINT = "Point the image at the file itself."
FRAGMENT = "link `{target}`: `{file}` has no heading with the anchor `#{fragment}`"
FRAGMENT_HINT = "Use one of its anchors: {known}."
MARKDOWN_SUFFIXES = (".md", ".markdown")


class LinkResolver:
    """Check link targets of cards in one repository, caching directory listings."""

    def __init__(self, root: Path) -> None:
        """Resolve paths inside ``root``."""
        self.root = root.resolve()
        self._listings: dict[Path, dict[str, bool]] = {}
        self._anchors: dict[Path, set[str]] = {}

    def check(
        self, card: Card, card_path: Path, rel: str, fragments: bool = True
    ) -> list[Finding]:
        """Findings for the relative links and images of ``card``."""
        base = posixpath.dirname(rel)
        findings = []
        for link in card.links:
            finding = self._check_link(link, base, rel, fragments)
            if finding is not None:
                findings.append(finding)
        return findings

    def _check_link(
        self, link: Link, base: str, rel: str, fragments: bool
    ) -> Finding | None:
        """A finding for ``link`` from a card in directory ``base``, or None."""
        parts = urlsplit(link.target.strip())
        if parts.scheme or parts.netloc or not parts.path:
            return None  # external (not fetched) or in-card anchor (MD051)
        path = unquote(parts.path)
        # GitHub resolves `/x` from the repository root, `x` from the card's folder.
        joined = (
            path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
        )
        target = posixpath.normpath(joined) if joined else "."
        kind = "image" if link.kind == "image" else "link"
        values = {"kind": kind, "target": link.target}

        if target == ".." or target.startswith("../"):
            return self._finding(link, rel, OUTSIDE.format(**values), OUTSIDE_HINT)
        found, actual = self._locate(target)
        if found is None:
            if actual is not None:
                message = CASE.format(**values, actual=actual)
                return self._finding(
                    link, rel, message, CASE_HINT.format(actual=actual)
                )
            hint = MISSING_HINT.format(path=target, base=base or "the repository root")
            return self._finding(link, rel, MISSING.format(**values), hint)
        if not found.resolve().is_relative_to(self.root):
            return self._finding(link, rel, OUTSIDE.format(**values), OUTSIDE_HINT)
        if kind == "image" and found.is_dir():
            return self._finding(link, rel, NOT_FILE.format(**values), NOT_FILE_HINT)
        if fragments and parts.fragment and target.lower().endswith(MARKDOWN_SUFFIXES):
            return self._check_fragment(
                link, found, target, unquote(parts.fragment), rel
            )
        return None

    def _locate(self, target: str) -> tuple[Path | None, str | None]:
        """Find repository path ``target`` with exact names, component by component.

        Returns the path, or None and the spelling a case-insensitive match
        would have (the comparison is against the real listing, so it also
        holds on case-insensitive file systems).
        """
        current = self.root
        spelled: list[str] = []
        mismatch = False
        for name in [p for p in target.split("/") if p not in ("", ".")]:
            listing = self._listing(current)
            if name not in listing:
                match = next((n for n in listing if n.lower() == name.lower()), None)
                if match is None:
                    return None, None
                name, mismatch = match, True
            spelled.append(name)
            current = current / name
        if mismatch:
            return None, "/".join(spelled)
        return current, None

    def _listing(self, directory: Path) -> dict[str, bool]:
        """The entries of ``directory`` (empty if it is not a readable directory)."""
        if directory not in self._listings:
            try:
                names = {e.name: e.is_dir() for e in os.scandir(directory)}
            except OSError:
                names = {}
            self._listings[directory] = names
        return self._listings[directory]

    def _check_fragment(
        self, link: Link, found: Path, target: str, fragment: str, rel: str
    ) -> Finding | None:
        """A warning when Markdown file ``found`` has no anchor ``fragment``."""
        if found not in self._anchors:
            body = read_front_matter(found, target)
            self._anchors[found] = parse_card(body.body, body.body_line).anchors
        anchors = self._anchors[found]
        if fragment.lower() in {a.lower() for a in anchors}:
            return None
        message = FRAGMENT.format(target=link.target, file=target, fragment=fragment)
        known = ", ".join(f"#{a}" for a in sorted(anchors)[:5]) or "none"
        return Finding(
            "docs/link-fragments",
            Severity.WARNING,
            message,
            rel,
            link.line,
            link.column,
            FRAGMENT_HINT.format(known=known),
        )

    def _finding(self, link: Link, rel: str, message: str, hint: str) -> Finding:
        """An error finding for a broken link or image."""
        rule = "docs/broken-image" if link.kind == "image" else "docs/broken-link"
        return Finding(rule, Severity.ERROR, message, rel, link.line, link.column, hint)
