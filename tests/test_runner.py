"""Tests for running checks: selection, settings, and crashes as results."""

from __future__ import annotations

from pathlib import Path

from modelbot.config import parse_config
from modelbot.discovery import ModelDir, find_models
from modelbot.results import Status
from modelbot.runner import run_checks

from .conftest import FakeCheck


def make_zoo(root: Path, *names: str) -> list[ModelDir]:
    for name in names:
        (root / "models" / name).mkdir(parents=True)
        (root / "models" / name / "model.py").write_text("")
    (root / "models" / ".hidden").mkdir()
    (root / "models" / "notes.txt").write_text("not a model")
    return find_models(root, ["models/*"])


def test_find_models_sorted_dirs_only(tmp_path: Path) -> None:
    models = make_zoo(tmp_path, "b", "a")
    assert [m.rel for m in models] == ["models/a", "models/b"]


def test_statuses_follow_findings(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    models = make_zoo(tmp_path, "a")
    config = parse_config("", "x.yml", fake_checks)
    [outcome] = run_checks(models, config, fake_checks, set(fake_checks))
    assert [(r.name, r.status) for r in outcome.results] == [
        ("alpha", Status.PASS),
        ("beta", Status.FAIL),
        ("gamma", Status.WARN),
    ]
    assert outcome.status is Status.FAIL


def test_crashing_check_becomes_error_and_others_still_run(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    models = make_zoo(tmp_path, "a", "b")
    fake_checks["alpha"].raises = KeyError("weights")
    config = parse_config("", "x.yml", fake_checks)
    outcomes = run_checks(models, config, fake_checks, set(fake_checks))
    for outcome in outcomes:
        alpha, beta, gamma = outcome.results
        assert alpha.status is Status.ERROR
        assert alpha.summary == "modelbot's alpha check crashed: KeyError: 'weights'"
        assert (beta.status, gamma.status) == (Status.FAIL, Status.WARN)
        assert outcome.status is Status.ERROR
    assert [rel for rel, _ in fake_checks["gamma"].seen] == ["models/a", "models/b"]


def test_disabled_and_unselected_checks_skip(
    tmp_path: Path, fake_checks: dict[str, FakeCheck]
) -> None:
    models = make_zoo(tmp_path, "a", "b")
    text = "overrides:\n  - models: [models/b]\n    beta: {enabled: false}\n"
    config = parse_config(text, "x.yml", fake_checks)
    outcomes = run_checks(models, config, fake_checks, {"alpha", "beta"})
    a, b = ({r.name: r for r in o.results} for o in outcomes)
    assert a["beta"].status is Status.FAIL
    assert b["beta"].status is Status.SKIP and "disabled" in b["beta"].summary
    assert a["gamma"].status is Status.SKIP and "not selected" in a["gamma"].summary
    # the check never sees its `enabled` switch, only its own settings
    assert fake_checks["alpha"].seen[0] == ("models/a", {"level": 1})
