"""Load and validate ``.modelbot.yml`` and resolve each model's settings."""

from __future__ import annotations

import copy
import difflib
import fnmatch
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from modelbot.checks import Check, registry
from modelbot.errors import ConfigError

LOG = logging.getLogger(__name__)

CONFIG_NAME = ".modelbot.yml"
DEFAULT_MODELS = ["models/*"]
DEFAULT_ALWAYS_CHECK_ALL = [CONFIG_NAME]

UNKNOWN_KEY = "unknown key `{key}`{near}; valid keys here: {valid}"
NEAR = " (did you mean `{match}`?)"
BAD_VALUE = "`{where}`: {problem}"
YAML_ERROR = "not valid YAML: {problem}; fix the syntax at this line"
DUPLICATE_KEY = "key `{key}` is given twice (lines {first} and {second}); keep one"
NOT_MAPPING = "the configuration must be a mapping of keys to values, not {kind}"


@dataclass(frozen=True)
class Override:
    """Settings applied to the models matching some globs."""

    models: list[str]
    sections: dict[str, dict[str, Any]]

    def matches(self, rel: str) -> bool:
        """True when the model directory ``rel`` matches one of the globs."""
        return any(fnmatch.fnmatchcase(rel, pattern) for pattern in self.models)


@dataclass
class Config:
    """A validated configuration, defaults filled in."""

    path: str | None = None
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    always_check_all: list[str] = field(
        default_factory=lambda: list(DEFAULT_ALWAYS_CHECK_ALL)
    )
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)

    def settings_for(self, rel: str, check: str) -> dict[str, Any]:
        """The settings of ``check`` for the model at ``rel``, overrides applied."""
        settings = copy.deepcopy(self.sections[check])
        for override in self.overrides:
            if override.matches(rel):
                settings.update(copy.deepcopy(override.sections.get(check, {})))
        return settings


def section_schema(check: Check) -> dict[str, Any]:
    """The JSON Schema of a check's section: its own properties plus ``enabled``."""
    schema = copy.deepcopy(dict(check.schema))
    schema.setdefault("type", "object")
    schema["additionalProperties"] = False
    schema.setdefault("properties", {})["enabled"] = {"type": "boolean"}
    return schema


def config_schema(checks: Mapping[str, Check]) -> dict[str, Any]:
    """The JSON Schema of a whole ``.modelbot.yml``."""
    globs = {"type": "array", "items": {"type": "string", "minLength": 1}}
    sections = {name: section_schema(check) for name, check in checks.items()}
    override = {
        "type": "object",
        "properties": {"models": {**globs, "minItems": 1}, **sections},
        "required": ["models"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "models": {**globs, "minItems": 1},
            "always_check_all": globs,
            **sections,
            "overrides": {"type": "array", "items": override},
        },
        "additionalProperties": False,
    }


def default_config(checks: Mapping[str, Check] | None = None) -> Config:
    """The configuration used when a repository has no ``.modelbot.yml``."""
    return build_config({}, None, checks or registry())


def load_config(
    path: Path, display: str | None = None, checks: Mapping[str, Check] | None = None
) -> Config:
    """Read, validate and complete the configuration file at ``path``."""
    display = display or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(display, None, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(display, None, f"cannot read: {exc.strerror}") from exc
    return parse_config(text, display, checks)


def parse_config(
    text: str, display: str, checks: Mapping[str, Check] | None = None
) -> Config:
    """Validate configuration ``text`` (named ``display`` in errors)."""
    checks = checks or registry()
    node = compose(text, display)
    data = yaml.safe_load(text) if node is not None else None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else None
        raise ConfigError(display, line, NOT_MAPPING.format(kind=type(data).__name__))
    validate(data, node, display, config_schema(checks))
    return build_config(data, display, checks)


def compose(text: str, display: str) -> yaml.Node | None:
    """Parse YAML into nodes (for line numbers), refusing duplicate keys."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if line and starts_with_tab(text, line):
            problem += " (indent with spaces, not tabs)"
        raise ConfigError(display, line, YAML_ERROR.format(problem=problem)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(display, None, YAML_ERROR.format(problem=exc)) from exc
    if node is not None:
        reject_duplicate_keys(node, display)
    return node


def starts_with_tab(text: str, line: int) -> bool:
    """True when the indentation of 1-based ``line`` contains a tab."""
    lines = text.splitlines()
    if line > len(lines):
        return False
    source = lines[line - 1]
    return "\t" in source[: len(source) - len(source.lstrip())]


def reject_duplicate_keys(node: yaml.Node, display: str) -> None:
    """Raise on a mapping that names a key twice (PyYAML keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if str(key.value) in seen:
                message = DUPLICATE_KEY.format(
                    key=key.value, first=seen[str(key.value)], second=line
                )
                raise ConfigError(display, line, message)
            seen[str(key.value)] = line
            reject_duplicate_keys(value, display)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            reject_duplicate_keys(item, display)


def is_spdx_id(value: object) -> bool:
    """True for an SPDX license id (deprecated ids included) or a LicenseRef-."""
    from modelbot.checks import spdx

    return not isinstance(value, str) or not spdx.make_policy([value], []).invalid


# Only our own formats: "spdx-id" lets a check's schema ask for license ids.
FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("spdx-id")(is_spdx_id)


def validate(
    data: dict[str, Any], node: yaml.Node | None, display: str, schema: dict[str, Any]
) -> None:
    """Raise a ConfigError for the first schema violation, at its line."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        key = unknown[0]
        match = difflib.get_close_matches(str(key), allowed, n=1)
        near = NEAR.format(match=match[0]) if match else ""
        message = UNKNOWN_KEY.format(key=key, near=near, valid=", ".join(allowed))
        raise ConfigError(display, line_of(node, [*path, key], key=True), message)
    where = ".".join(str(p) for p in path) or "(top level)"
    problem = describe(error)
    raise ConfigError(
        display, line_of(node, path), BAD_VALUE.format(where=where, problem=problem)
    )


def describe(error: jsonschema.ValidationError) -> str:
    """Say what is wrong with a value and what would be right."""
    value = error.instance
    if error.validator == "enum":
        options = [str(o) for o in error.validator_value]
        match = difflib.get_close_matches(str(value), options, n=1)
        near = NEAR.format(match=match[0]) if match else ""
        return f"{value!r} is not one of {', '.join(options)}{near}"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return f"expected {article(wanted)}, got {type_name(value)} {value!r}"
    if error.validator == "required":
        return f"{error.message}; add it"
    if error.validator == "format" and error.validator_value == "spdx-id":
        from modelbot.checks import spdx

        match = difflib.get_close_matches(str(value), spdx.known_ids(), n=1)
        near = NEAR.format(match=match[0]) if match else ""
        return (
            f"{value!r} is not an SPDX license id{near}; see https://spdx.org/licenses/"
        )
    return str(error.message)


def article(word: str) -> str:
    """``an array``, ``a string``."""
    return ("an " if word[:1] in "aeiou" else "a ") + str(word)


def type_name(value: Any) -> str:
    """The YAML-ish name of a Python value's type."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    names |= {list: "list", dict: "mapping", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def line_of(node: yaml.Node | None, path: list[Any], key: bool = False) -> int | None:
    """The 1-based line of the value (or key) at ``path`` in the node tree."""
    if node is None:
        return None
    current = node
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                if k.value == step:
                    line = (k if key and step == path[-1] else v).start_mark.line + 1
                    current = v
                    break
            else:
                return line
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(current.value):
                return line
            current = current.value[step]
            line = current.start_mark.line + 1
        else:
            return line
    return line


def build_config(
    data: dict[str, Any], display: str | None, checks: Mapping[str, Check]
) -> Config:
    """Fill defaults into validated ``data``."""
    sections = {}
    for name, check in checks.items():
        section = {"enabled": True, **copy.deepcopy(dict(check.defaults))}
        section.update(data.get(name) or {})
        sections[name] = section
    overrides = [
        Override(
            models=list(item["models"]),
            sections={k: v for k, v in item.items() if k != "models"},
        )
        for item in data.get("overrides", [])
    ]
    return Config(
        path=display,
        models=list(data.get("models", DEFAULT_MODELS)),
        always_check_all=list(data.get("always_check_all", DEFAULT_ALWAYS_CHECK_ALL)),
        sections=sections,
        overrides=overrides,
    )
