"""The model card's ``license``: read it, map Hub ids to SPDX, compare with LICENSE."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelbot.checks.spdx import (
    Expression,
    hub_family,
    hub_id_for,
    hub_license,
    parse_expression,
    same_license,
    satisfies,
)
from modelbot.discovery import ModelDir
from modelbot.frontmatter import read_front_matter
from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

CARD_MISSING = "model card has no `license`; {file} is {spdx}, add `license: {hub}`"
CARD_MISSING_OTHER = (
    "model card has no `license`; {file} is {spdx}, add `license: other` with "
    "`license_name` and `license_link`"
)
CARD_MISSING_UNKNOWN = (
    "model card has no `license`; add the Hub id of the model's license, "
    "e.g. `license: apache-2.0`"
)
CARD_MISSING_HINT = (
    "Add a `license:` line to the card's front matter; the Hub's ids are listed at "
    "`https://huggingface.co/docs/hub/repositories-licenses`."
)
DUPLICATE = (
    "`license` is given more than once in the model card (lines {lines}), so the "
    "card cannot be compared with the license file"
)
DUPLICATE_HINT = "Keep one `license:` line; YAML would silently use the last one."
UNREADABLE = (
    "the model card's front matter cannot be read, so its `license` cannot be "
    "compared with the license file"
)
UNREADABLE_HINT = "Fix the front matter errors the docs check reports."
NOT_TEXT = "`license` must be one Hub license id, not a {kind}"
NOT_TEXT_HINT = "Write one id, e.g. `license: mit`, or `license: other`."
INVALID = (
    "`license: {value}` is neither a Hub license id nor an SPDX expression ({why})"
)
INVALID_HINT = (
    "Use a Hub id from `https://huggingface.co/docs/hub/repositories-licenses`."
)
NOT_HUB = (
    "`license: {value}` is not in the Hub's accepted license list: use {hub}"
    "`license: other` with `license_name`/`license_link`"
)
NOT_HUB_HINT = "The Hub shows and filters only its own license ids."
OTHER_INCOMPLETE = "`license: other` needs {missing} in the model card"
OTHER_HINT = "Add `license_name: <short-name>` and `license_link: LICENSE`."
IMPRECISE = (
    "model card says `license: {value}`, but {file} is {spdx}: use `license: {hub}`"
)
IMPRECISE_OTHER = (
    "model card says `license: unknown`, but {file} is {spdx}: use `license: other` "
    "with `license_name`/`license_link`"
)
IMPRECISE_HINT = "A precise Hub id lets people filter and trust the license."
MISMATCH = "model card says `license: {value}` ({card}), but {files}"
MISMATCH_HINT = (
    "Make them agree: set {fix} in the card, or replace {file} with the text of {card}."
)
OTHER_FIX = "`license: other` with `license_name` and `license_link`"
DEPRECATED = "`{where}` uses the deprecated SPDX id `{old}`; use `{new}`"
DEPRECATED_HINT = "Write `{new}`; modelbot applies the policy to `{new}`."


@dataclass
class CardLicense:
    """The card's license as written and as SPDX, and what reading it found."""

    value: str | None = None
    path: str | None = None
    line: int | None = None
    expression: Expression | None = None
    consistent: bool = False
    findings: list[Finding] = field(default_factory=list)

    def add(self, rule: str, severity: Severity, message: str, hint: str) -> None:
        """Record a finding at the card's ``license`` line."""
        rule = f"license/{rule}"
        self.findings.append(
            Finding(rule, severity, message, self.path, self.line, hint=hint)
        )


def read_card_license(
    model: ModelDir, identified: list[tuple[str, str]], settings: Mapping[str, Any]
) -> CardLicense:
    """Read the card's ``license``; compare it with the ``identified`` files.

    ``identified`` holds (file name in the model directory, SPDX id) pairs.
    """
    card = CardLicense(path=model.relpath(model.card))
    if not model.card.is_file():
        return card  # the docs check reports the missing card
    front = read_front_matter(model.card, card.path or "")
    data = front.data or {}
    card.line = front.key_lines.get("license", 1 if front.data is not None else None)
    if front.invalid:
        card.add("card-not-evaluable", Severity.WARNING, UNREADABLE, UNREADABLE_HINT)
        return card
    if "license" in front.duplicates:
        lines = front.duplicates["license"]
        card.line = lines[0]
        numbers = ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"
        message = DUPLICATE.format(lines=numbers)
        card.add("card-not-evaluable", Severity.WARNING, message, DUPLICATE_HINT)
        return card

    value = data.get("license")
    if value is None or value == "":
        severity = Severity.ERROR if settings["card_required"] else Severity.WARNING
        card.add("card-missing", severity, _missing(identified), CARD_MISSING_HINT)
        return card
    if not isinstance(value, str):
        kind = "list" if isinstance(value, list) else type(value).__name__
        card.add(
            "card-not-evaluable",
            Severity.WARNING,
            NOT_TEXT.format(kind=kind),
            NOT_TEXT_HINT,
        )
        return card
    card.value = value
    _resolve(card, value, data)
    _compare(card, identified)
    return card


def _resolve(card: CardLicense, value: str, data: Mapping[str, Any]) -> None:
    """Set ``card.expression`` from a Hub id or an SPDX expression."""
    is_hub, spdx = hub_license(value)
    if is_hub and value.lower() == "other":
        missing = [k for k in ("license_name", "license_link") if not data.get(k)]
        if missing:
            message = OTHER_INCOMPLETE.format(
                missing=" and ".join(f"`{k}`" for k in missing)
            )
            card.add("card-other-incomplete", Severity.ERROR, message, OTHER_HINT)
        return
    if is_hub:
        card.expression = parse_expression(spdx) if spdx else None
        return

    expression = parse_expression(value)
    if not expression.valid:
        why = expression.error or f"unknown id {', '.join(expression.unknown)}"
        card.add(
            "card-invalid",
            Severity.ERROR,
            INVALID.format(value=value, why=why),
            INVALID_HINT,
        )
        return
    card.expression = expression
    for old, new in expression.deprecated:
        message = DEPRECATED.format(where=f"license: {value}", old=old, new=new)
        card.add(
            "deprecated-id", Severity.WARNING, message, DEPRECATED_HINT.format(new=new)
        )
    ids = expression.licenses
    hub = hub_id_for(ids[0]) if len(ids) == 1 else None
    suggestion = f"`{hub}`, or " if hub else ""
    card.add(
        "not-hub-id",
        Severity.WARNING,
        NOT_HUB.format(value=value, hub=suggestion),
        NOT_HUB_HINT,
    )


def _compare(card: CardLicense, identified: list[tuple[str, str]]) -> None:
    """Compare the card's license with the identified license files."""
    value = card.value or ""
    known = [spdx for _, spdx in identified]
    license_file = identified[0][0] if identified else ""
    if not known:
        card.consistent = True  # nothing to contradict; the file is reported itself
        return
    hub = hub_id_for(known[0])
    if card.expression is None:
        prefixes = hub_family(value)
        if prefixes and all(f.startswith(tuple(prefixes)) for f in known):
            card.consistent = True
        elif prefixes:
            _mismatch(card, value, identified)
        elif hub and value.lower() in ("other", "unknown"):
            message = IMPRECISE.format(
                value=value, file=license_file, spdx=known[0], hub=hub
            )
            card.add("card-imprecise", Severity.WARNING, message, IMPRECISE_HINT)
        elif value.lower() == "unknown":
            message = IMPRECISE_OTHER.format(file=license_file, spdx=known[0])
            card.add("card-imprecise", Severity.WARNING, message, OTHER_HINT)
        return

    expression = card.expression
    covered = satisfies(
        expression.tree, lambda key: any(same_license(key, f) for f in known)
    )
    extra = [
        f for f in known if not any(same_license(f, k) for k in expression.licenses)
    ]
    if covered and not extra:
        card.consistent = True
    else:
        _mismatch(card, expression.normalized or value, identified)


def _mismatch(card: CardLicense, shown: str, identified: list[tuple[str, str]]) -> None:
    """Report that the card contradicts the license files."""
    files = ", ".join(f"{name} is {spdx}" for name, spdx in identified)
    message = MISMATCH.format(value=card.value, card=shown, files=files)
    file, spdx = identified[0]
    hub = hub_id_for(spdx) if len(identified) == 1 else None
    fix = f"`license: {hub}`" if hub else OTHER_FIX
    hint = MISMATCH_HINT.format(fix=fix, file=file, card=shown)
    card.add("card-mismatch", Severity.ERROR, message, hint)


def _missing(identified: list[tuple[str, str]]) -> str:
    """The card-missing message, suggesting the Hub id of the license file."""
    if not identified:
        return CARD_MISSING_UNKNOWN
    file, spdx = identified[0]
    hub = hub_id_for(spdx)
    if hub is None:
        return CARD_MISSING_OTHER.format(file=file, spdx=spdx)
    return CARD_MISSING.format(file=file, spdx=spdx, hub=hub)


def deprecated_findings(
    expression: Expression, where: str, path: str | None, line: int | None
) -> list[Finding]:
    """A warning for each deprecated id in ``expression``, naming its replacement."""
    return [
        Finding(
            "license/deprecated-id",
            Severity.WARNING,
            DEPRECATED.format(where=where, old=old, new=new),
            path,
            line,
            hint=DEPRECATED_HINT.format(new=new),
        )
        for old, new in expression.deprecated
    ]
