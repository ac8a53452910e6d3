"""Tests for loading and validating .modelbot.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelbot.config import load_config, parse_config
from modelbot.errors import ConfigError

from .conftest import FakeCheck


def parse(text: str, checks: dict[str, FakeCheck]) -> object:
    return parse_config(text, ".modelbot.yml", checks)


def error_of(text: str, checks: dict[str, FakeCheck]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(text, checks)
    assert info.value.exit_code == 2
    return info.value


def test_defaults_fill_every_section(fake_checks: dict[str, FakeCheck]) -> None:
    config = parse_config("", "x.yml", fake_checks)
    assert config.models == ["models/*"]
    assert config.always_check_all == [".modelbot.yml"]
    assert config.settings_for("models/a", "alpha") == {"enabled": True, "level": 1}


def test_section_values_and_overrides_apply_in_order(
    fake_checks: dict[str, FakeCheck],
) -> None:
    text = """\
models: [zoo/*]
alpha:
  level: 2
overrides:
  - models: ["zoo/big-*"]
    alpha: {level: 5, enabled: false}
  - models: ["zoo/big-two"]
    alpha: {level: 7}
"""
    config = parse_config(text, "x.yml", fake_checks)
    assert config.models == ["zoo/*"]
    assert config.settings_for("zoo/small", "alpha") == {"enabled": True, "level": 2}
    assert config.settings_for("zoo/big-one", "alpha") == {"enabled": False, "level": 5}
    assert config.settings_for("zoo/big-two", "alpha")["level"] == 7
    # settings_for hands out copies: a check mutating them changes nothing
    config.settings_for("zoo/small", "alpha")["level"] = 99
    assert config.settings_for("zoo/small", "alpha")["level"] == 2


def test_misspelt_top_level_key_names_line_and_nearest(
    fake_checks: dict[str, FakeCheck],
) -> None:
    error = error_of("models: [a/*]\n\nalpah:\n  level: 2\n", fake_checks)
    assert error.line == 3
    assert "unknown key `alpah`" in error.message
    assert "did you mean `alpha`?" in error.message
    assert str(error).startswith(".modelbot.yml:3: ")


def test_misspelt_nested_key_in_override(fake_checks: dict[str, FakeCheck]) -> None:
    text = "overrides:\n  - models: [a]\n    beta:\n      levle: 3\n"
    error = error_of(text, fake_checks)
    assert error.line == 4
    assert "`levle`" in error.message and "`level`" in error.message


def test_wrong_type_names_expected_type(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("alpha:\n  level: lots\n", fake_checks)
    assert error.line == 2
    assert "alpha.level" in error.message
    assert "expected an integer, got string 'lots'" in error.message


def test_bad_enum_value_suggests_nearest(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("alpha:\n  mode: strikt\n", fake_checks)
    assert error.line == 2
    assert "did you mean `strict`?" in error.message


def test_bad_yaml_names_line(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("alpha:\n  level: [1, 2\nbeta: {}\n", fake_checks)
    assert error.line == 3
    assert "not valid YAML" in error.message


def test_tab_indentation_says_use_spaces(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("alpha:\n\tlevel: 2\n", fake_checks)
    assert error.line == 2
    assert "spaces" in error.message


def test_duplicate_key_is_an_error(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("alpha:\n  level: 1\nalpha:\n  level: 2\n", fake_checks)
    assert error.line == 3
    assert "lines 1 and 3" in error.message


def test_top_level_list_is_refused(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("- models\n", fake_checks)
    assert "must be a mapping" in error.message


def test_override_without_models_is_refused(fake_checks: dict[str, FakeCheck]) -> None:
    error = error_of("overrides:\n  - alpha: {level: 1}\n", fake_checks)
    assert error.line == 2
    assert "'models' is a required property" in error.message


def test_load_config_handles_bom_and_crlf(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    path = tmp_path / ".modelbot.yml"
    path.write_bytes(b"\xef\xbb\xbfmodels:\r\n  - zoo/*\r\nalpha:\r\n  level: 4\r\n")
    config = load_config(path, checks=fake_checks)
    assert config.models == ["zoo/*"]
    assert config.settings_for("zoo/a", "alpha")["level"] == 4


def test_load_config_refuses_binary(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    path = tmp_path / ".modelbot.yml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path, checks=fake_checks)
