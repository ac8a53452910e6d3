"""Validate model card metadata against the Hugging Face model card spec."""

from __future__ import annotations

import difflib
import functools
import json
import logging
import re
import reprlib
from collections.abc import Iterator
from importlib import resources
from typing import Any

from modelbot.frontmatter import FrontMatter
from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

MISSING = "metadata `{key}` is missing from the front matter"
MISSING_HINT = "Add a line such as `{key}: {example}` to the front matter."
NO_FRONT_MATTER = "model card has no front matter; it needs {keys}"
NO_FRONT_MATTER_HINT = (
    "Start README.md with a line `---`, then lines such as {lines}, then `---`."
)
MISSPELT = "unknown metadata key `{key}`; did you mean `{known}`?"
MISSPELT_HINT = "Rename `{key}:` to `{known}:`."
MISSPELT_REQUIRED = "; `{found}` on line {line} looks like a misspelling of it"
INVALID = "metadata `{key}` {problem}"
EXAMPLES = {
    "license": "apache-2.0",
    "library_name": "keras",
    "pipeline_tag": "tabular-classification",
    "language": "en",
    "tags": "[keras]",
    "datasets": "[mnist]",
    "metrics": "[accuracy]",
    "base_model": "owner/name",
}
KNOWN_KEYS = (
    "license", "license_name", "license_link", "language", "language_bcp47",
    "library_name", "library_version", "pipeline_tag", "base_model",
    "base_model_relation", "datasets", "metrics", "tags", "model-index",
    "model_name", "thumbnail", "new_version", "inference", "widget",
    "co2_eq_emissions", "extra_gated_prompt", "extra_gated_fields",
    "extra_gated_heading", "extra_gated_description", "extra_gated_button_content",
    "gated", "pretty_name", "mask_token", "eval_results",
)  # fmt: skip
# Misspellings difflib ranks too far from the key they mean.
ALIASES = {
    "dataset": "datasets", "library": "library_name", "framework": "library_name",
    "pipeline": "pipeline_tag", "task": "pipeline_tag", "lang": "language",
    "languages": "language", "licenses": "license", "model_index": "model-index",
    "modelindex": "model-index", "base-model": "base_model",
}  # fmt: skip
SPECIAL_LANGUAGES = {"code", "multilingual"}
# Aliases can make a value a huge shared tree: render a bounded prefix only.
SHORT = reprlib.Repr()
SHORT.maxlevel, SHORT.maxlist, SHORT.maxdict = 2, 4, 4
SHORT.maxstring = SHORT.maxother = 40
REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]*[A-Za-z0-9_]")


def check_metadata(front: FrontMatter, required: list[str], rel: str) -> list[Finding]:
    """Findings for ``front``'s metadata; invalid front matter is reported already."""
    if front.invalid:
        return []
    data = front.data or {}
    findings = list(_misspelt_keys(front, rel))
    if front.data is None and required:
        # One finding for the whole block, not one per key with the same fix.
        keys = ", ".join(f"`{k}`" for k in required)
        lines = ", ".join(f"`{k}: {EXAMPLES.get(k, '...')}`" for k in required)
        hint = NO_FRONT_MATTER_HINT.format(lines=lines)
        message = NO_FRONT_MATTER.format(keys=keys)
        return [*findings, _error("missing-metadata", message, rel, 1, hint)]
    for key in required:
        if key not in data:
            findings.append(_missing(front, key, rel))
    for key, value in data.items():
        line = front.key_lines.get(str(key))
        for problem in _value_problems(str(key), value, data):
            message = INVALID.format(key=key, problem=problem)
            findings.append(_error("invalid-metadata", message, rel, line))
    return findings


@functools.cache
def hub_tasks() -> dict[str, str]:
    """The Hub's pipeline tags (task ids) and display names, from the shipped copy."""
    text = resources.files("modelbot.checks").joinpath("data/hub_tasks.json")
    tasks: dict[str, str] = json.loads(text.read_text(encoding="utf-8"))["tasks"]
    return tasks


@functools.cache
def _language_codes() -> frozenset[str]:
    """ISO 639-1, 639-2 (T and B), 639-3 and 639-5 codes."""
    import pycountry  # loads its ISO tables, ~70 ms: only when a card has language

    codes = {f.alpha_3 for f in pycountry.language_families}
    for language in pycountry.languages:
        codes.add(language.alpha_3)
        for attribute in ("alpha_2", "bibliographic"):
            if code := getattr(language, attribute, None):
                codes.add(code)
    return frozenset(codes)


def _missing(front: FrontMatter, key: str, rel: str) -> Finding:
    """The finding for a required key that the front matter lacks."""
    message = MISSING.format(key=key)
    misspelt = [k for k in front.key_lines if _known_key(k) == key]
    if misspelt:
        line = front.key_lines[misspelt[0]]
        message += MISSPELT_REQUIRED.format(found=misspelt[0], line=line)
    # The closing `---` line: where the missing line goes.
    hint = MISSING_HINT.format(key=key, example=EXAMPLES.get(key, "..."))
    return _error("missing-metadata", message, rel, front.body_line - 1, hint)


def _misspelt_keys(front: FrontMatter, rel: str) -> Iterator[Finding]:
    """Warnings for unknown keys that look like a misspelt known key."""
    for key, line in front.key_lines.items():
        known = _known_key(key)
        if known is not None and known != key:
            message = MISSPELT.format(key=key, known=known)
            hint = MISSPELT_HINT.format(key=key, known=known)
            yield Finding(
                "docs/unknown-metadata-key",
                Severity.WARNING,
                message,
                rel,
                line,
                1,
                hint,
            )


def _known_key(key: str) -> str | None:
    """The known key ``key`` is or most likely means, or None."""
    if key in KNOWN_KEYS:
        return key
    lowered = key.strip().lower()
    if lowered in KNOWN_KEYS or lowered in ALIASES:
        return ALIASES.get(lowered, lowered)
    close = difflib.get_close_matches(lowered, KNOWN_KEYS, n=1, cutoff=0.8)
    return close[0] if close else None


def _value_problems(key: str, value: Any, data: dict[str, Any]) -> Iterator[str]:
    """What is wrong with one metadata value (nothing for keys not checked)."""
    if value is None or value == "" or value == []:
        yield "is empty"
        return
    if key in ("license", "library_name", "pipeline_tag", "license_name"):
        if not isinstance(value, str) or not value.strip():
            yield "must be a non-empty string"
            return
    if key == "license" and value == "other":
        for extra in ("license_name", "license_link"):
            if not data.get(extra):
                yield f"is `other`, which needs `{extra}` as well"
    elif key == "pipeline_tag" and value not in hub_tasks():
        close = difflib.get_close_matches(value, list(hub_tasks()), n=1)
        suggestion = f"; did you mean `{close[0]}`?" if close else ""
        yield f"`{_text(value)}` is not a Hugging Face Hub task id{suggestion}"
    elif key == "language":
        yield from _language_problems(value)
    elif key in ("tags", "datasets", "metrics"):
        yield from _string_list_problems(value)
    elif key == "base_model":
        yield from _base_model_problems(value)
    elif key == "model-index":
        yield from _model_index_problems(value)


def _string_list_problems(value: Any) -> Iterator[str]:
    """Problems of a value that must be a list of non-empty strings."""
    if not isinstance(value, list):
        yield f"must be a list of strings, e.g. `[{_text(value)}]`"
        return
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item.strip():
            yield f"item {number} must be a non-empty string, not `{_text(item)}`"


def _language_problems(value: Any) -> Iterator[str]:
    """Problems of ``language``: one ISO 639 code or a list of them."""
    items = value if isinstance(value, list) else [value]
    for number, item in enumerate(items, start=1):
        where = f"item {number} " if isinstance(value, list) else ""
        if not isinstance(item, str) or not item.strip():
            yield f"{where}must be an ISO 639 code string, not `{_text(item)}`"
        elif item not in _language_codes() and item not in SPECIAL_LANGUAGES:
            suggestion = _suggest_language(item)
            yield f"{where}`{_text(item)}` is not an ISO 639 code{suggestion}"


def _suggest_language(name: str) -> str:
    """A hint naming the code for a language written out, like `russian`."""
    import pycountry

    if name.lower() in _language_codes():
        return f"; write it in lower case: `{name.lower()}`"
    try:
        language = pycountry.languages.lookup(name)
    except LookupError:
        return " (use codes such as `en`, `fr`, `nb`)"
    code = getattr(language, "alpha_2", None) or language.alpha_3
    return f"; use `{code}` for {language.name}"


def _base_model_problems(value: Any) -> Iterator[str]:
    """Problems of ``base_model``: Hub repo ids `owner/name`, never paths."""
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, str) or not REPO_ID.fullmatch(item) or ".." in item:
            yield f"`{_text(item)}` must be a Hub model id `owner/name`, not a path"


def _model_index_problems(value: Any) -> Iterator[str]:
    """Problems of the shape of ``model-index`` (names and results of evaluations)."""
    if not isinstance(value, list):
        yield "must be a list of `- name: ... results: [...]` items"
        return
    for i, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            yield f"item {i} must be a mapping with `name` and `results`"
            continue
        if not isinstance(entry.get("name"), str):
            yield f"item {i} needs a `name`"
        results = entry.get("results")
        if not isinstance(results, list):
            yield f"item {i} needs `results`, a list"
            continue
        for j, result in enumerate(results, start=1):
            yield from _result_problems(result, f"item {i} result {j}")


def _result_problems(result: Any, where: str) -> Iterator[str]:
    """Problems of one ``model-index`` result: task, dataset and metrics."""
    if not isinstance(result, dict):
        yield f"{where} must be a mapping with `task`, `dataset` and `metrics`"
        return
    for section, fields in (("task", ("type",)), ("dataset", ("type", "name"))):
        part = result.get(section)
        for name in fields:
            if not isinstance(part, dict) or not isinstance(part.get(name), str):
                yield f"{where} needs `{section}.{name}`"
    metrics = result.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        yield f"{where} needs `metrics`, a list of `type` and `value`"
        return
    for k, metric in enumerate(metrics, start=1):
        if not isinstance(metric, dict) or not isinstance(metric.get("type"), str):
            yield f"{where} metric {k} needs a `type`"
        elif metric.get("value") is None:
            yield f"{where} metric {k} needs a `value`"


def _error(
    rule: str, message: str, rel: str, line: int | None, hint: str | None = None
) -> Finding:
    """An error finding at the start of a card line."""
    column = 1 if line else None
    return Finding(f"docs/{rule}", Severity.ERROR, message, rel, line, column, hint)


def _text(value: Any) -> str:
    """A short rendering of a YAML value for a message, bounded for any nesting."""
    if value is None:
        return "null"
    return value if isinstance(value, str) and len(value) <= 40 else SHORT.repr(value)
