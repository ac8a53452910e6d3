"""Tests for ``modelbot publish`` against the loopback GitHub API."""

# ruff: noqa: F401, F811  (pytest fixtures imported from github_fixtures)
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from modelbot.report import render_markdown
from modelbot.sticky import report_marker

from .fakegithub import FakeGitHub
from .github_fixtures import (  # fixtures are used as parameters
    BOT,
    HEAD,
    READ_ONLY_TOKEN,
    Workflow,
    fake_github,
    finding,
    github_server,
    make_report,
    openapi,
    pull_request_event,
    workflow,
)

MARKER = report_marker("modelbot")
LINK_BASE = f"https://github.example/octo/zoo/blob/{HEAD}"
COMMENTS = r"/issues/\d+/comments$"


def comment_writes(fake: FakeGitHub) -> tuple[list[int], int]:
    """The ids PATCHed and the number of comments POSTed."""
    patched = [
        int(r.path.rsplit("/", 1)[1])
        for r in fake.requests("PATCH", r"/issues/comments/")
    ]
    return patched, len(fake.requests("POST", COMMENTS))


def seed_comments(fake: FakeGitHub, total: int, report_at: int) -> int:
    """``total`` comments on #7, modelbot's old report at 1-based ``report_at``."""
    report_id = 0
    for position in range(1, total + 1):
        if position == report_at:
            report_id = fake.add_comment(7, f"{MARKER}\nold report", BOT, "Bot")
        else:
            fake.add_comment(7, f"comment {position}", f"user{position % 7}")
    return report_id


@pytest.mark.parametrize("position", [101, 3])
def test_d1_report_beyond_the_first_page_is_edited_not_duplicated(
    workflow: Workflow, fake_github: FakeGitHub, position: int
) -> None:
    report_id = seed_comments(fake_github, 120, position)

    for run, total in enumerate((12.5, 13.5), start=1):
        before = len(fake_github.log)
        result = workflow.publish(make_report([finding(3)], total=total))
        assert result.exit_code == 1, result.output
        patched = [
            int(r.path.rsplit("/", 1)[1])
            for r in fake_github.log[before:]
            if r.method == "PATCH" and "/issues/comments/" in r.path
        ]
        posted = [
            r
            for r in fake_github.log[before:]
            if r.method == "POST" and r.path.endswith("/comments")
        ]
        assert patched == [report_id], f"run {run}"
        assert posted == []

    [report] = fake_github.report_comments(7, MARKER)
    assert report["id"] == report_id
    assert "13.5 s" in report["body"]
    assert len(fake_github.comments[7]) == 120
    pages = {
        r.query.get("page", ["1"])[0] for r in fake_github.requests("GET", COMMENTS)
    }
    assert pages == ({"1", "2"} if position == 101 else {"1"})


def test_report_at_180_of_250_comments_is_patched_once_and_then_left_alone(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    report_id = seed_comments(fake_github, 250, 180)
    report = make_report([finding(3)])

    first = workflow.publish(report)
    assert first.exit_code == 1, first.output
    assert comment_writes(fake_github) == ([report_id], 0)
    assert workflow.outputs["comment"] == "updated"
    bodies = [c["body"] for c in fake_github.comments[7]]

    second = workflow.publish(report)
    assert second.exit_code == 1, second.output
    assert comment_writes(fake_github) == ([report_id], 0)
    assert [c["body"] for c in fake_github.comments[7]] == bodies
    assert "comment unchanged" in second.stderr


def test_d2_fork_with_read_only_token_degrades_to_the_job_summary(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.pulls[7].head_repo = "eve/zoo"
    workflow.event("pull_request", pull_request_event(fork=True))
    workflow.env["GITHUB_TOKEN"] = READ_ONLY_TOKEN

    result = workflow.publish(
        make_report([finding(3, message="loss is NaN at step 1")])
    )

    assert result.exit_code == 1  # the checks failed; the 403 does not decide
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "comment skipped: fork PR with read-only token" in result.stderr
    assert "check run skipped: fork PR with read-only token" in result.stderr
    assert "Traceback" not in result.output
    assert "loss is NaN at step 1" in workflow.summary
    assert "comment skipped: fork PR with read-only token" in workflow.summary
    assert workflow.outputs["status"] == "fail"
    assert workflow.outputs["comment"] == "skipped"
    assert fake_github.comments[7] == []
    assert [r.status for r in fake_github.requests("POST", COMMENTS)] == [403]


def test_d2_exit_status_still_comes_from_the_checks_when_they_pass(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    workflow.event("pull_request", pull_request_event(fork=True))
    workflow.env["GITHUB_TOKEN"] = READ_ONLY_TOKEN
    result = workflow.publish(make_report())
    assert result.exit_code == 0
    assert "comment skipped" in result.stderr


def big_report(message: str, count: int = 700) -> dict:
    """A failing report whose Markdown is over 70,000 characters."""
    findings = [
        finding(n, message=f"{message} {n} 🚀👩‍🔬 naïve ✓") for n in range(1, count)
    ]
    report = make_report(findings)
    assert len(render_markdown(report, link_base=LINK_BASE)) > 70_000
    return report


def assert_cut_cleanly(body: str, report: dict) -> None:
    """Body within the limit, marker first, whole lines of the report, notice."""
    full = render_markdown(report, link_base=LINK_BASE)
    assert len(body) <= 65_536
    assert len(body.encode("utf-16-le")) // 2 <= 65_536
    head, rest = body.split("\n", 1)
    assert head == MARKER
    kept, notice = rest.split("\n> [!NOTE]\n", 1)
    assert full.startswith(kept) and kept.endswith("\n")
    assert full[len(kept) - 1] == "\n"  # cut between lines, never inside one
    assert "🚀👩‍🔬 naïve ✓" in kept.splitlines()[-1]
    assert "\ufffd" not in body
    assert "cut to fit GitHub's limit of 65,536 characters" in notice
    assert (
        "[this workflow run](https://github.example/octo/zoo/actions/runs/42)" in notice
    )


def test_d3_long_report_is_cut_on_create_and_on_edit(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    first = big_report("first")
    result = workflow.publish(first)
    assert result.exit_code == 1, result.output
    [created] = fake_github.requests("POST", COMMENTS)
    assert created.status == 201
    assert_cut_cleanly(created.body["body"], first)

    second = big_report("second", 900)
    result = workflow.publish(second)
    assert result.exit_code == 1, result.output
    [edited] = fake_github.requests("PATCH", r"/issues/comments/")
    assert edited.status == 200
    assert_cut_cleanly(edited.body["body"], second)
    assert len(fake_github.report_comments(7, MARKER)) == 1
    # The job summary keeps the whole report.
    assert "second 899 " in workflow.summary


def test_d5_lookup_uses_issue_comments_not_review_comments(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    report_id = fake_github.add_comment(7, f"{MARKER}\nold", BOT, "Bot")
    result = workflow.publish(make_report())
    assert result.exit_code == 0, result.output
    assert fake_github.requests("GET", r"/pulls/7/comments") == []
    assert comment_writes(fake_github) == ([report_id], 0)
    assert len(fake_github.report_comments(7, MARKER)) == 1


def test_two_keys_keep_two_comments_and_two_check_runs(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    assert workflow.publish(make_report(), "--key", "cpu").exit_code == 0
    assert workflow.publish(make_report([finding(2)]), "--key", "gpu").exit_code == 1
    cpu = fake_github.report_comments(7, report_marker("cpu"))
    gpu = fake_github.report_comments(7, report_marker("gpu"))
    assert len(cpu) == len(gpu) == 1
    gpu_body = gpu[0]["body"]

    assert workflow.publish(make_report(total=99.0), "--key", "cpu").exit_code == 0
    assert comment_writes(fake_github) == ([cpu[0]["id"]], 2)
    assert fake_github.report_comments(7, report_marker("gpu"))[0]["body"] == gpu_body
    names = [run["name"] for run in fake_github.check_runs.values()]
    assert names == ["modelbot (cpu)", "modelbot (gpu)", "modelbot (cpu)"]


def test_rate_limit_and_server_errors_are_retried_then_succeed(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.fail("GET", r"/pulls/7$", 502)
    fake_github.rate_limit("POST", COMMENTS, status=429, retry_after=3)
    fake_github.rate_limit("POST", r"/check-runs$", status=403, retry_after=1)
    fake_github.exhaust_rate_limit("GET", COMMENTS, reset_in=5)

    result = workflow.publish(make_report())

    assert result.exit_code == 0, result.output
    assert len(fake_github.report_comments(7, MARKER)) == 1
    assert len(fake_github.check_runs) == 1
    assert workflow.sleeps[0] == 0.5  # the 502: backoff
    assert 4 <= workflow.sleeps[1] <= 7  # x-ratelimit-reset is about 5 s away
    assert workflow.sleeps[2:] == [3.0, 1.0]  # Retry-After, as GitHub asked


def test_lost_reply_to_a_create_does_not_post_twice(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.fail("POST", COMMENTS, 502, after=True)
    result = workflow.publish(make_report())
    assert result.exit_code == 0, result.output
    assert len(fake_github.report_comments(7, MARKER)) == 1
    assert len(fake_github.requests("POST", COMMENTS)) == 1


def test_waits_are_capped_and_the_checks_still_decide(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.rate_limit("POST", COMMENTS, retry_after=3600, times=5)
    result = workflow.publish(make_report([finding(1)]))
    assert result.exit_code == 1
    assert "comment not published" in result.stderr
    assert "3600 s wait" in result.stderr
    assert workflow.sleeps == []
    assert len(fake_github.check_runs) == 1


def test_persistent_server_errors_give_up_after_bounded_attempts(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.fail("POST", r"/check-runs$", 503, times=10)
    result = workflow.publish(make_report())
    assert result.exit_code == 0
    assert "check run not published" in result.stderr
    assert workflow.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert len(fake_github.requests("POST", r"/check-runs$")) == 5


def test_120_findings_become_annotations_in_3_requests(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    findings = [finding(n, "error" if n % 3 else "warning") for n in range(1, 121)]
    result = workflow.publish(make_report(findings))
    assert result.exit_code == 1, result.output

    calls = fake_github.requests(None, r"/check-runs")
    assert [c.method for c in calls] == ["POST", "PATCH", "PATCH"]
    assert [len(c.body["output"]["annotations"]) for c in calls] == [50, 50, 20]
    [(run_id, run)] = fake_github.check_runs.items()
    annotations = fake_github.annotations[run_id]
    assert [a["start_line"] for a in annotations] == list(range(1, 121))
    assert annotations[0] == {
        "path": "models/x/model.py",
        "start_line": 1,
        "end_line": 1,
        "start_column": 1,
        "end_column": 1,
        "annotation_level": "failure",
        "message": "loss is NaN\nFix: lower the learning rate",
        "title": "smoke/non-finite-loss",
    }
    assert annotations[2]["annotation_level"] == "warning"
    assert run["head_sha"] == HEAD and run["conclusion"] == "failure"
    assert run["name"] == "modelbot"
    assert run["output"]["title"] == "checks: 1 failed"
    assert run["details_url"] == "https://github.example/octo/zoo/actions/runs/42"
    assert workflow.outputs["check-run-url"].endswith(f"/runs/{run_id}")


@pytest.mark.parametrize(
    ("status", "conclusion"),
    [
        ("pass", "success"),
        ("warn", "neutral"),
        ("fail", "failure"),
        ("error", "failure"),
    ],
)
def test_check_run_conclusion_follows_the_report(
    workflow: Workflow, fake_github: FakeGitHub, status: str, conclusion: str
) -> None:
    result = workflow.publish(make_report(status=status))
    assert result.exit_code == {"pass": 0, "warn": 0, "fail": 1, "error": 3}[status]
    [run] = fake_github.check_runs.values()
    assert run["conclusion"] == conclusion


def test_check_run_summary_and_text_are_cut_to_65535(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    result = workflow.publish(big_report("long", 1500))
    assert result.exit_code == 1, result.output
    [run] = fake_github.check_runs.values()
    for name in ("summary", "text"):
        assert 60_000 < len(run["output"][name]) <= 65_535
        assert "cut to fit GitHub's limit of 65,535 characters" in run["output"][name]


def test_marker_pasted_by_another_user_is_not_edited(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    pasted = fake_github.add_comment(7, f"{MARKER}\n@maintainer look", "mallory")
    result = workflow.publish(make_report())
    assert result.exit_code == 0, result.output
    patched, posted = comment_writes(fake_github)
    assert pasted not in patched and posted == 1
    assert fake_github.comments[7][0]["body"] == f"{MARKER}\n@maintainer look"
    assert len(fake_github.report_comments(7, MARKER)) == 2  # mallory's and ours
    assert fake_github.comments[7][1]["user"]["login"] == BOT


def test_personal_token_identifies_itself_through_get_user(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.add_token("ghp_alice", "alice")
    old = fake_github.add_comment(7, f"{MARKER}\nold", "alice")
    fake_github.add_comment(7, f"{MARKER}\nold", BOT, "Bot")
    workflow.env["GITHUB_TOKEN"] = "ghp_alice"
    assert workflow.publish(make_report()).exit_code == 0
    assert comment_writes(fake_github) == ([old], 0)
    assert fake_github.requests("POST", "graphql") == []


def test_ghes_api_root_with_api_v3_prefix(
    workflow: Workflow, github_server: Callable[..., FakeGitHub]
) -> None:
    ghes = github_server("/api/v3")
    ghes.add_pull(7, head_sha=HEAD)
    workflow.env["GITHUB_API_URL"] = ghes.api_url + "/"
    result = workflow.publish(make_report())
    assert result.exit_code == 0, result.output
    assert len(ghes.report_comments(7, MARKER)) == 1
    assert ghes.requests("POST", r"^/api/graphql$")  # viewer, beside /api/v3
    assert all(
        r.path.startswith("/repos/") or r.path in ("/user", "/api/graphql")
        for r in ghes.log
    )


def test_api_root_without_api_v3_on_ghes_is_explained(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    fake_github.fail("GET", r"^/repos/", 302, html="<html>sign in</html>", times=99)
    result = workflow.publish(make_report())
    assert result.exit_code == 2
    assert "GITHUB_API_URL is https://HOST/api/v3" in result.stderr


def test_workflow_run_mode_confirms_the_artifact_sha(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    workflow.event("workflow_run", {"action": "completed", "workflow_run": {}})
    older = "c" * 40

    ok = workflow.publish(make_report(), "--pr", "7", "--sha", older.upper())
    assert ok.exit_code == 0, ok.output
    [run] = fake_github.check_runs.values()
    assert run["head_sha"] == older

    foreign = workflow.publish(make_report(), "--pr", "7", "--sha", "d" * 40)
    assert foreign.exit_code == 2
    assert f"commit {'d' * 40} is not part of pull request #7" in foreign.stderr
    assert len(fake_github.check_runs) == 1

    head_only = workflow.publish(make_report(), "--pr", "7")
    assert head_only.exit_code == 0
    assert list(fake_github.check_runs.values())[-1]["head_sha"] == HEAD


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pr", "seven"], "'seven' is not a valid integer"),
        (["--pr", "0"], "0 is not in the range x>=1"),
        (["--sha", "HEAD"], "'HEAD' is not a commit SHA"),
        (["--key", "a key"], "'a key': use 1-64 letters"),
    ],
)
def test_bad_options_are_usage_errors(
    workflow: Workflow, args: list[str], message: str
) -> None:
    result = workflow.publish(make_report(), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_push_event_posts_a_check_run_on_github_sha_and_no_comment(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    workflow.event("push", {"ref": "refs/heads/main", "after": "f" * 40})
    result = workflow.publish(make_report())
    assert result.exit_code == 0, result.output
    assert "comment skipped: no pull request" in result.stderr
    [run] = fake_github.check_runs.values()
    assert run["head_sha"] == "f" * 40
    assert fake_github.requests("GET", "comments") == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GITHUB_REPOSITORY": None}, "GITHUB_REPOSITORY is not set"),
        ({"GITHUB_REPOSITORY": "just-a-name"}, "'just-a-name' is not OWNER/NAME"),
        ({"GITHUB_TOKEN": None}, "GITHUB_TOKEN is not set"),
        ({"GITHUB_API_URL": "api.github.com"}, "is not an http(s) URL"),
        ({"GITHUB_TOKEN": "wrong"}, "401 Bad credentials"),
        (
            {"GITHUB_REPOSITORY": "octo/gone"},
            "read repository octo/gone: 404 Not Found",
        ),
    ],
)
def test_bad_setup_exits_2_with_the_summary_written(
    workflow: Workflow, change: dict[str, str | None], message: str
) -> None:
    for name, value in change.items():
        if value is None:
            workflow.env.pop(name)
        else:
            workflow.env[name] = value
    result = workflow.publish(make_report([finding(4, message="boom")]))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert "boom" in workflow.summary
    assert workflow.outputs["status"] == "fail"


def test_pull_request_that_does_not_exist(workflow: Workflow) -> None:
    result = workflow.publish(make_report(), "--pr", "99")
    assert result.exit_code == 2
    assert "read pull request #99: 404 Not Found" in result.stderr


def test_summary_only_makes_no_requests(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    workflow.env.pop("GITHUB_TOKEN")
    result = workflow.publish(make_report([finding(5)]), "--summary-only")
    assert result.exit_code == 1
    assert fake_github.log == []
    assert "smoke/non-finite-loss" in workflow.summary
    assert workflow.outputs == {
        "status": "fail",
        "exit-code": "1",
        "report": str(workflow.tmp / "report.json"),
        "comment": "disabled",
    }


def test_no_comment_and_no_check_run_options(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    assert workflow.publish(make_report(), "--no-comment").exit_code == 0
    assert fake_github.comments[7] == [] and len(fake_github.check_runs) == 1
    assert workflow.publish(make_report(), "--no-check-run").exit_code == 0
    assert len(fake_github.comments[7]) == 1 and len(fake_github.check_runs) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not a JSON report"),
        (b'{"status": NaN}', "not a JSON report: NaN is not valid JSON"),
        (b"\xff\xfe", "not a JSON report"),
        (b"[" * 100_000, "not a JSON report"),
        (
            json.dumps({**make_report(), "status": "great"}).encode(),
            "not a modelbot report: at status: 'great' is not one of",
        ),
        (
            json.dumps({**make_report(), "models": [{"path": "../../etc"}]}).encode(),
            "not a modelbot report: at models/0",
        ),
    ],
)
def test_hostile_report_is_rejected_with_a_clear_message(
    workflow: Workflow, fake_github: FakeGitHub, content: bytes, message: str
) -> None:
    path = workflow.tmp / "artifact.json"
    path.write_bytes(content)
    result = workflow.publish(path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert "The report was not published" in workflow.summary
    assert fake_github.log == []


def test_oversized_report_is_rejected_before_parsing(
    workflow: Workflow, tmp_path: Path
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as stream:
        stream.truncate(16 * 1024 * 1024 + 1)
    result = workflow.publish(path)
    assert result.exit_code == 2
    assert "over the 16,777,216-byte limit" in result.stderr


def test_contributed_text_is_escaped_in_the_comment(
    workflow: Workflow, fake_github: FakeGitHub
) -> None:
    message = "@maintainers <img src=x onerror=alert(1)> see #1 ![x](http://evil/x.png)"
    result = workflow.publish(make_report([finding(1, message=message)]))
    assert result.exit_code == 1, result.output
    [comment] = fake_github.comments[7]
    assert "@maintainers" not in comment["body"]
    assert re.search(r"(?<!\\)(<img|!\[x\]\()", comment["body"]) is None
    assert "\\<img" in comment["body"]
    assert comment["body"].count("<!--") == 1
