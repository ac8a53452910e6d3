"""SPDX expressions, deprecated ids, Hugging Face Hub license ids and policy."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import license_expression
from license_expression import (
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)

LOG = logging.getLogger(__name__)

DATA_FILE = "hub_licenses.json"
OPERATORS = frozenset({"and", "or", "with"})
TOKEN = re.compile(r"[^\s()]+")
USER_DEFINED = re.compile(r"^(?:DocumentRef-[\w.\-]+:)?LicenseRef-[\w.\-]+$")
# SPDX splits the GNU ids: the bare id meant "only", a trailing + "or later".
VARIANT = re.compile(r"(?:-only|-or-later|\+)$", re.IGNORECASE)
GFDL_VARIANT = re.compile(r"-(?:no-)?invariants$", re.IGNORECASE)


@dataclass(frozen=True)
class Expression:
    """An SPDX license expression as written and as modelbot evaluates it."""

    text: str
    normalized: str | None = None
    deprecated: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    error: str | None = None
    tree: Any = None

    @property
    def valid(self) -> bool:
        """Whether the expression parsed and names only known licenses."""
        return self.tree is not None and not self.unknown

    @property
    def licenses(self) -> list[str]:
        """The license ids in the expression (exceptions left out), in order."""
        return [key for key, _ in _symbols(self.tree)] if self.tree is not None else []


@dataclass(frozen=True)
class Policy:
    """Allow and deny lists of SPDX ids, deprecated ids replaced."""

    allow: frozenset[str]
    deny: frozenset[str]
    invalid: list[str]

    def verdict(self, license_id: str) -> str | None:
        """``denied``, ``not-allowed`` or None (acceptable) for one license id."""
        keys = {license_id.lower(), license_id.lower().removesuffix("+")}
        if keys & self.deny:
            return "denied"
        if self.allow and not keys & self.allow:
            return "not-allowed"
        return None


def parse_expression(text: str) -> Expression:
    """Parse ``text`` as an SPDX expression, replacing deprecated ids (with notes)."""
    licensing = spdx_licensing()
    deprecated: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.lower() in OPERATORS:
            return token
        new = deprecated_replacement(token)
        if new is None:
            return token
        deprecated.append((token, new))
        return f"({new})" if " " in new else new

    rewritten = TOKEN.sub(replace, text.strip())
    try:
        tree = licensing.parse(rewritten, validate=False, strict=True)
    except ExpressionError as exc:
        return Expression(text, deprecated=deprecated, error=str(exc))
    if tree is None:
        return Expression(text, error="the expression is empty")
    unknown = [key for key, _ in _symbols(tree) if not is_known(key)]
    unknown += [key for key in _exceptions(tree) if not is_known(key)]
    return Expression(text, str(tree), deprecated, unknown, tree=tree)


def deprecated_replacement(license_id: str) -> str | None:
    """The current SPDX expression for a deprecated id, None if not deprecated."""
    table = {k.lower(): v for k, v in load_data()["deprecated"]["ids"].items()}
    if license_id.lower() in table:
        return str(table[license_id.lower()])
    keys = _lower_keys()
    if license_id.endswith("+"):
        return keys.get(f"{license_id[:-1]}-or-later".lower())
    return keys.get(f"{license_id}-only".lower())


def is_known(license_id: str) -> bool:
    """Whether ``license_id`` is an SPDX id, a ``LicenseRef-`` or a known id + ``+``."""
    if USER_DEFINED.match(license_id):
        return True
    base = license_id.removesuffix("+")
    return base.lower() in _lower_keys() and deprecated_replacement(base) is None


def known_ids() -> list[str]:
    """Every SPDX license id, as SPDX spells it."""
    return sorted(_lower_keys().values())


def license_family(license_id: str) -> str:
    """``license_id`` without the variant its text cannot show (-only, -or-later)."""
    replaced = deprecated_replacement(license_id) or license_id
    return GFDL_VARIANT.sub("", VARIANT.sub("", replaced)).lower()


def same_license(one: str, other: str) -> bool:
    """Whether two ids name the same license text (variants aside)."""
    return license_family(one) == license_family(other)


def satisfies(tree: Any, accept: Callable[[str], bool]) -> bool:
    """Whether an expression tree holds when ``accept`` judges each license id.

    OR needs one acceptable branch, AND needs all; ``X WITH exception`` is
    judged on ``X``.
    """
    licensing = spdx_licensing()
    if isinstance(tree, LicenseWithExceptionSymbol):
        return accept(tree.license_symbol.key)
    if isinstance(tree, LicenseSymbol):
        return accept(tree.key)
    results = (satisfies(arg, accept) for arg in tree.args)
    return all(results) if isinstance(tree, licensing.AND) else any(results)


def make_policy(allow: Iterable[str], deny: Iterable[str]) -> Policy:
    """Build a policy from config lists; invalid entries are returned, not used."""
    invalid: list[str] = []

    def keys(ids: Iterable[str]) -> frozenset[str]:
        out = set()
        for entry in ids:
            parsed = parse_expression(entry)
            if not parsed.valid or len(parsed.licenses) != 1:
                invalid.append(entry)
                continue
            out.add(parsed.licenses[0].lower())
        return frozenset(out)

    return Policy(keys(allow), keys(deny), invalid)


def hub_license(value: str) -> tuple[bool, str | None]:
    """(is a Hub id, its SPDX id or None) for a card's ``license`` value."""
    table: dict[str, str | None] = load_data()["hub_ids"]
    if value.lower() in table:
        return True, table[value.lower()]
    return False, None


def hub_family(value: str) -> list[str]:
    """The SPDX id prefixes a Hub family id (``bsd``, ``gpl``) stands for."""
    families: dict[str, list[str]] = load_data()["hub_families"]
    return families.get(value.lower(), [])


def hub_id_for(license_id: str) -> str | None:
    """The Hub id for the license ``license_id`` names, if the Hub has one."""
    for hub_id, spdx in load_data()["hub_ids"].items():
        if spdx and same_license(spdx, license_id):
            return str(hub_id)
    return None


def classifier_license(classifier: str) -> str | None:
    """The SPDX id a trove ``License ::`` classifier names, if it names one."""
    value = load_data()["classifiers"]["map"].get(classifier)
    return str(value) if value else None


@functools.cache
def load_data() -> dict[str, Any]:
    """The package's table of Hub ids, deprecated ids and classifiers."""
    text = resources.files("modelbot.checks").joinpath("data", DATA_FILE).read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def spdx_licensing() -> Licensing:
    """license-expression's SPDX licensing, loaded once per process."""
    LOG.debug("loading license-expression %s", license_expression.__name__)
    return get_spdx_licensing()


@functools.cache
def _lower_keys() -> dict[str, str]:
    """Every id license-expression knows (keys only, not aliases), by lower case."""
    return {key.lower(): key for key in spdx_licensing().known_symbols}


def _symbols(tree: Any) -> Iterator[tuple[str, Any]]:
    """(license id, symbol) for each license in ``tree``, exceptions excluded."""
    if isinstance(tree, LicenseWithExceptionSymbol):
        yield tree.license_symbol.key, tree.license_symbol
    elif isinstance(tree, LicenseSymbol):
        yield tree.key, tree
    else:
        for arg in tree.args:
            yield from _symbols(arg)


def _exceptions(tree: Any) -> Iterator[str]:
    """The exception ids used in ``WITH`` clauses of ``tree``."""
    if isinstance(tree, LicenseWithExceptionSymbol):
        yield tree.exception_symbol.key
    elif not isinstance(tree, LicenseSymbol):
        for arg in tree.args:
            yield from _exceptions(arg)
