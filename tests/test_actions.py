"""Tests for the Actions step files: job summary, outputs and log lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelbot.actions import (
    SUMMARY_LIMIT,
    cut_notice,
    run_url,
    say,
    write_outputs,
    write_summary,
)


def test_summary_is_appended_and_capped_at_1_mib_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("earlier step output\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(path)}
    write_summary(env, "".join(f"- line {n} ✅ ünïcode\n" for n in range(60_000)))
    data = path.read_bytes()
    assert len(data) <= SUMMARY_LIMIT
    text = data.decode("utf-8")
    assert text.startswith("earlier step output\n- line 0 ✅")
    assert "cut to fit GitHub's limit of 1,048,576 bytes" in text
    assert text.split("\n> [!NOTE]")[0].endswith("ünïcode\n")


def test_summary_without_the_variable_is_skipped(tmp_path: Path) -> None:
    write_summary({}, "report")
    assert list(tmp_path.iterdir()) == []


def test_outputs_use_a_heredoc_for_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs({"GITHUB_OUTPUT": str(path)}, {"status": "fail", "note": "a\nb"})
    lines = path.read_text().splitlines()
    assert lines[0] == "status=fail"
    assert lines[1].startswith("note<<ghadelimiter_")
    assert lines[2:4] == ["a", "b"] and lines[4] == lines[1].split("<<")[1]


def test_run_url_and_cut_notice() -> None:
    env = {
        "GITHUB_SERVER_URL": "https://ghe.example",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_RUN_ID": "9",
    }
    assert run_url(env) == "https://ghe.example/o/r/actions/runs/9"
    assert run_url({}) is None
    assert "[this workflow run](https://ghe.example/o/r/actions/runs/9)" in cut_notice(
        env, 10, "characters"
    )
    assert "this workflow run and its" not in cut_notice({}, 10, "characters")


@pytest.mark.parametrize(("actions", "prefix"), [("true", "::warning::"), ("", "")])
def test_warnings_annotate_the_run_only_inside_actions(
    capsys: pytest.CaptureFixture[str], actions: str, prefix: str
) -> None:
    say({"GITHUB_ACTIONS": actions}, "comment skipped", warning=True)
    assert capsys.readouterr().err == f"{prefix}modelbot: comment skipped\n"


def test_full_summary_or_unwritable_files_only_warn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = tmp_path / "full.md"
    full.write_bytes(b"x" * SUMMARY_LIMIT)
    write_summary({"GITHUB_STEP_SUMMARY": str(full)}, "report")
    assert full.stat().st_size == SUMMARY_LIMIT
    write_summary({"GITHUB_STEP_SUMMARY": str(tmp_path)}, "report")  # a directory
    write_outputs({"GITHUB_OUTPUT": str(tmp_path / "no" / "such")}, {"a": "b"})
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0]
        == f"modelbot: job summary {full} is full (1 MiB per step): report not added"
    )
    assert err[1].startswith(f"modelbot: cannot write {tmp_path}: [Errno 21]")
    assert "No such file or directory" in err[2]
