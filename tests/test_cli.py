"""Tests for the command line, through click's CliRunner and a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from modelbot.cli import cli
from modelbot.report import load_schema

from .conftest import EXAMPLES

# What each example must conclude without the smoke test (the fast path).
FAST_VERDICTS = {
    "models/broken-image": {"license": "pass", "docs": "fail"},
    "models/incomplete-card": {"license": "pass", "docs": "fail"},
    "models/license-mismatch": {"license": "fail", "docs": "pass"},
    "models/linear-regression": {"license": "pass", "docs": "pass"},
    "models/missing-license": {"license": "fail", "docs": "pass"},
    "models/mlp-classifier": {"license": "pass", "docs": "pass"},
    "models/nan-loss": {"license": "pass", "docs": "pass"},
    "models/unreloadable-layer": {"license": "pass", "docs": "pass"},
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def zoo(tmp_path: Path) -> Path:
    root = tmp_path / "zoo"
    shutil.copytree(EXAMPLES, root)
    return root


def test_examples_without_smoke_give_each_verdict(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, _, err = invoke(
        "check",
        str(EXAMPLES),
        "--skip",
        "smoke",
        "--format",
        "json",
        "--output",
        str(out),
    )
    assert code == 1
    assert f"fail: json report written to {out}" in err
    report = json.loads(out.read_text())
    jsonschema.validate(report, load_schema())
    verdicts = {
        m["path"]: {c["name"]: c["status"] for c in m["checks"] if c["name"] != "smoke"}
        for m in report["models"]
    }
    assert verdicts == FAST_VERDICTS
    smoke = {
        c["status"]
        for m in report["models"]
        for c in m["checks"]
        if c["name"] == "smoke"
    }
    assert smoke == {"skip"}
    assert (
        report["config"]
        == {"path": str(EXAMPLES / ".modelbot.yml"), "source": "working tree"}
        or report["config"]["source"] == "working tree"
    )


def test_only_selects_one_check_and_model_dir_paths(tmp_path: Path) -> None:
    model = EXAMPLES / "models" / "missing-license"
    code, out, _ = invoke("check", str(model), "--only", "license", "--no-progress")
    assert code == 1
    assert "FAIL  models/missing-license" in out
    assert "license/missing-file" in out
    assert "skip  docs" in out


def test_unknown_check_is_a_usage_error() -> None:
    code, _, err = invoke("check", str(EXAMPLES), "--only", "lint")
    assert code == 2
    assert "unknown check 'lint'; choose from smoke, license, docs" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "models: [models/*]\nlicence:\n  allow: [MIT]\n",
            ".modelbot.yml:2: unknown key `licence` (did you mean `license`?)",
        ),
        (
            "smoke:\n  steps: many\n",
            ".modelbot.yml:2: `smoke.steps`: expected an integer",
        ),
        ("docs:\n  required_sections: [a\n", ".modelbot.yml:3: not valid YAML"),
    ],
)
def test_bad_config_is_one_clear_error(
    zoo: Path, text: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (zoo / ".modelbot.yml").write_text(text)
    monkeypatch.chdir(zoo)
    code, out, err = invoke("check", ".", "--skip", "smoke")
    assert code == 2
    assert out == ""
    assert err.startswith(f"modelbot: error: {expected}")
    assert "Traceback" not in err


def test_markdown_output(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "check",
        str(EXAMPLES / "models" / "linear-regression"),
        "--skip",
        "smoke",
        "--format",
        "markdown",
        "--no-progress",
    )
    assert code == 0
    assert out.startswith("## ✅ modelbot: all checks passed")
    assert "| `models/linear-regression` | ⏭️ | ✅ | ✅ |" in out


def test_no_models_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("check", str(tmp_path))
    assert code == 2
    assert "no model directories found" in err


def test_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelbot",
            "check",
            str(EXAMPLES / "models" / "mlp-classifier"),
            "--only",
            "docs",
            "--output",
            str(blocker / "r.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "cannot write the report" in done.stderr
    assert "Traceback" not in done.stderr


def test_crash_of_modelbot_exits_3_with_a_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelbot import cli as cli_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("report builder exploded")

    monkeypatch.setattr(cli_module.report, "build_report", broken)
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "modelbot",
            "check",
            str(EXAMPLES / "models" / "mlp-classifier"),
            "--only",
            "docs",
            "--no-progress",
        ],
    )
    with pytest.raises(SystemExit) as info:
        cli_module.main()
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "modelbot crashed: RuntimeError: report builder exploded" in err
    log = Path(err.split("The traceback is in ")[1].split(";")[0])
    assert (
        "Traceback" in log.read_text() and "report builder exploded" in log.read_text()
    )
    log.unlink()


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_pull_request_cannot_relax_its_own_rules(zoo: Path, tmp_path: Path) -> None:
    """The base branch denies Apache-2.0; the PR's config tries to allow it."""
    (zoo / ".modelbot.yml").write_text("license:\n  allow: [MIT]\n")
    git(zoo, "init", "-q", "-b", "main")
    git(zoo, "add", "-A")
    git(zoo, "commit", "-qm", "base")
    base = git(zoo, "rev-parse", "HEAD")
    git(zoo, "checkout", "-qb", "pr")
    (zoo / ".modelbot.yml").write_text("license:\n  allow: [MIT, Apache-2.0]\n")
    (zoo / "models" / "mlp-classifier" / "model.py").write_text(
        (zoo / "models" / "mlp-classifier" / "model.py").read_text() + "\n"
    )
    git(zoo, "commit", "-qam", "relax the rules")
    out = tmp_path / "r.json"

    code, _, _ = invoke(
        "check",
        str(zoo),
        "--only",
        "license",
        "--format",
        "json",
        "--output",
        str(out),
        "--changed-since",
        base,
        "--rules-from",
        base,
    )
    report = json.loads(out.read_text())
    assert code == 1
    # .modelbot.yml changed, so every model is checked, under the base rules
    assert len(report["models"]) == 8
    assert report["config"]["source"] == f"commit {base}"
    mlp = next(m for m in report["models"] if m["path"] == "models/mlp-classifier")
    assert [f["rule"] for f in mlp["checks"][1]["findings"]] == ["license/not-allowed"]
    assert any("the rules were read from" in n["message"] for n in report["notices"])

    code, _, _ = invoke(
        "check", str(zoo), "--only", "license", "--format", "json", "--output", str(out)
    )
    mlp = next(
        m
        for m in json.loads(out.read_text())["models"]
        if m["path"] == "models/mlp-classifier"
    )
    assert mlp["checks"][1]["status"] == "pass"  # the working tree's rules allow it


def test_render_turns_a_json_report_into_markdown_and_text(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    invoke(
        "check",
        str(EXAMPLES / "models" / "missing-license"),
        "--only",
        "license",
        "--format",
        "json",
        "--output",
        str(out),
        "--no-progress",
    )
    code, md, _ = invoke(
        "render", str(out), "--link-base", "https://example.invalid/blob/abc"
    )
    assert code == 0
    assert md.startswith("## ❌ modelbot: some checks failed")
    assert "(https://example.invalid/blob/abc/models/missing-license)" in md
    code, text, _ = invoke("render", str(out), "--format", "text")
    assert "license/missing-file" in text and code == 0
    out.write_text('{"schema_version": 1}')
    code, _, err = invoke("render", str(out))
    assert code == 2 and "Traceback" not in err


def test_render_to_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    invoke(
        "check",
        str(EXAMPLES / "models" / "mlp-classifier"),
        "--only",
        "docs",
        "--format",
        "json",
        "--output",
        str(out),
        "--no-progress",
    )
    code, _, err = invoke("render", str(out), "--output", str(out / "x.md"))
    assert code == 2 and "cannot write the report" in err


def test_unknown_spdx_id_in_policy_is_a_config_error(
    zoo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (zoo / ".modelbot.yml").write_text(
        "license:\n  allow: [MIT]\n  deny: [GPL-3.0-or-latr]\n"
    )
    monkeypatch.chdir(zoo)
    code, out, err = invoke("check", ".", "--only", "license")
    assert code == 2 and out == ""
    assert err.startswith(
        "modelbot: error: .modelbot.yml:3: `license.deny.0`: 'GPL-3.0-or-latr' is "
        "not an SPDX license id (did you mean `GPL-3.0-or-later`?)"
    )
    # deprecated ids and LicenseRef- ids are valid policy entries
    (zoo / ".modelbot.yml").write_text(
        "license:\n  deny: [GPL-3.0+, LicenseRef-Custom]\n"
    )
    code, _, _ = invoke("check", ".", "--only", "license", "--no-progress")
    assert code == 1  # the examples' own failures, not a config error


def test_symlinked_card_out_of_the_repository_is_no_crash(
    zoo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("---\nlicense: mit\n---\n# Secret\n")
    card = zoo / "models" / "linear-regression" / "README.md"
    card.unlink()
    card.symlink_to(outside)
    out = tmp_path / "r.json"
    code, _, _ = invoke(
        "check",
        str(zoo / "models" / "linear-regression"),
        "--skip",
        "smoke",
        "--format",
        "json",
        "--output",
        str(out),
    )
    report = json.loads(out.read_text())
    statuses = {c["name"]: c["status"] for c in report["models"][0]["checks"]}
    assert "error" not in statuses.values()
    assert code == 1 and statuses["docs"] == "fail"


def test_reproduce_command_names_commits_not_auto(
    zoo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(zoo, "init", "-q", "-b", "main")
    git(zoo, "add", "-A")
    git(zoo, "commit", "-qm", "base")
    base = git(zoo, "rev-parse", "HEAD")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 7,
                    "base": {"sha": base, "ref": "main", "repo": {"full_name": "o/r"}},
                    "head": {"sha": base, "repo": {"full_name": "o/r"}},
                }
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    out = tmp_path / "r.json"
    args = [
        "check",
        str(zoo),
        "--only",
        "docs",
        "--changed-since",
        "auto",
        "--rules-from=auto",
        "--format",
        "json",
        "--output",
        str(out),
    ]
    monkeypatch.setattr(sys, "argv", ["modelbot", *args])

    code, _, _ = invoke(*args)

    report = json.loads(out.read_text())
    assert code == 0 and report["models"] == []  # nothing changed since the base
    assert "auto" not in report["command"]
    assert f"--changed-since {base}" in report["command"]
    assert f"--rules-from={base}" in report["command"]
