"""Change detection and base-branch reads, on real git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from modelbot.changes import (
    changed_paths,
    glob_matches,
    read_file_at,
    resolve_ref,
    select_models,
)
from modelbot.discovery import find_models
from modelbot.errors import UsageError

EXAMPLES = (
    Path(__file__).parent
    / "node/node_modules/@octokit/webhooks-examples/api.github.com/index.json"
)
ALWAYS = [".modelbot.yml"]


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's and the system's git configuration out of the tests."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for var in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{var}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{var}_EMAIL", "test@example.com")


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` for test setup and return its output."""
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def write(repo: Path, rel: str, text: str = "x\n") -> None:
    """Create or overwrite a file, with its directories."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    """Commit everything and return the commit id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def zoo(tmp_path: Path) -> Path:
    """A model zoo on `main` with two models, and a `pr` branch checked out."""
    repo = tmp_path / "zoo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, ".modelbot.yml", "models: [models/*]\n")
    write(repo, ".gitignore", "__pycache__/\n")
    write(repo, "shared/utils.py")
    write(repo, "requirements.txt", "numpy\n")
    for name in ("alpha", "beta"):
        write(repo, f"models/{name}/model.py")
        write(repo, f"models/{name}/README.md", f"# {name}\n")
    commit(repo, "base")
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def selected(repo: Path, always: list[str] = ALWAYS) -> tuple[list[str], str]:
    """The relative directories of the models selected against `main`."""
    models, reason = select_models(
        find_models(repo, ["models/*"]), changed_paths(repo, "main"), always
    )
    return [m.rel for m in models], reason


def test_added_model_is_the_only_one_selected(zoo: Path) -> None:
    write(zoo, "models/gamma/model.py")
    write(zoo, "models/gamma/README.md")
    commit(zoo, "add gamma")

    assert changed_paths(zoo, "main") == [
        "models/gamma/README.md",
        "models/gamma/model.py",
    ]
    assert selected(zoo) == (
        ["models/gamma"],
        "2 changed file(s), in 1 model directory",
    )


def test_changed_model_is_selected(zoo: Path) -> None:
    write(zoo, "models/beta/README.md", "# beta, better\n")
    commit(zoo, "edit beta")

    assert selected(zoo)[0] == ["models/beta"]


def test_changes_on_the_base_after_the_fork_point_do_not_count(zoo: Path) -> None:
    write(zoo, "models/alpha/model.py", "changed on the PR\n")
    commit(zoo, "pr work")
    git(zoo, "checkout", "-q", "main")
    write(zoo, "models/beta/model.py", "changed on main meanwhile\n")
    commit(zoo, "main moves on")
    git(zoo, "checkout", "-q", "pr")

    assert changed_paths(zoo, "main") == ["models/alpha/model.py"]


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        ("shared/utils.py", "shared"),
        ("shared/utils.py", "shared/**"),
        ("requirements-dev.txt", "requirements*.txt"),
    ],
)
def test_shared_path_selects_all_models(zoo: Path, path: str, pattern: str) -> None:
    write(zoo, "models/alpha/model.py", "changed\n")
    write(zoo, path, "changed\n")
    commit(zoo, "shared change")

    models, reason = selected(zoo, [*ALWAYS, pattern])

    assert models == ["models/alpha", "models/beta"]
    assert reason == (
        f"changed file {path!r} matches always_check_all pattern {pattern!r}"
    )


def test_config_change_selects_all_models_by_default(zoo: Path) -> None:
    write(zoo, ".modelbot.yml", "models: [models/*]\nlicense: {allow: [MIT]}\n")
    commit(zoo, "relax the rules")

    models, reason = selected(zoo)

    assert models == ["models/alpha", "models/beta"]
    assert "'.modelbot.yml'" in reason


def test_change_outside_models_selects_none(zoo: Path) -> None:
    write(zoo, "docs/index.md")
    commit(zoo, "docs")

    assert selected(zoo) == (
        [],
        "none of the 1 changed file(s) is in a model directory",
    )


def test_nothing_changed_selects_none(zoo: Path) -> None:
    assert selected(zoo) == ([], "no file changed")


def test_uncommitted_work_counts_but_ignored_files_do_not(zoo: Path) -> None:
    write(zoo, "models/alpha/new_layer.py")  # untracked
    write(zoo, "models/alpha/__pycache__/model.cpython-311.pyc")  # ignored
    write(zoo, "models/beta/README.md", "# beta\nstaged\n")
    git(zoo, "add", "models/beta/README.md")
    (zoo / "shared/utils.py").unlink()  # unstaged deletion

    assert changed_paths(zoo, "main") == [
        "models/alpha/new_layer.py",
        "models/beta/README.md",
        "shared/utils.py",
    ]


def test_renamed_file_changes_both_directories(zoo: Path) -> None:
    git(zoo, "mv", "models/alpha/model.py", "models/beta/alpha_model.py")
    commit(zoo, "move")

    assert changed_paths(zoo, "main") == [
        "models/alpha/model.py",
        "models/beta/alpha_model.py",
    ]
    assert selected(zoo) == (
        ["models/alpha", "models/beta"],
        "2 changed file(s), in 2 model directories",
    )


def test_staged_rename_changes_both_directories(zoo: Path) -> None:
    git(zoo, "mv", "models/alpha/README.md", "models/beta/ALPHA.md")

    assert changed_paths(zoo, "main") == [
        "models/alpha/README.md",
        "models/beta/ALPHA.md",
    ]


def test_paths_with_spaces_unicode_and_glob_characters_are_data(zoo: Path) -> None:
    names = ["models/modèle ü/README 1.md", "models/ünï*[x]/model.py", 'models/q"t/a b']
    for name in names:
        write(zoo, name)
    commit(zoo, "odd names")
    write(zoo, "models/tab\there/new.py")  # untracked, with a tab

    paths = changed_paths(zoo, "main")

    assert paths == sorted([*names, "models/tab\there/new.py"])
    models, _ = select_models(find_models(zoo, ["models/*"]), paths, ALWAYS)
    assert [m.rel for m in models] == sorted(n.rsplit("/", 1)[0] for n in paths)


def test_root_below_the_repository_top(zoo: Path) -> None:
    write(zoo, "examples/models/alpha/model.py")
    write(zoo, "examples/.modelbot.yml")
    write(zoo, "models/beta/model.py", "outside examples/\n")
    commit(zoo, "examples")

    root = zoo / "examples"
    assert changed_paths(root, "main") == [".modelbot.yml", "models/alpha/model.py"]
    models, _ = select_models(find_models(root, ["models/*"]), ["models/alpha/x"], [])
    assert [m.rel for m in models] == ["models/alpha"]


def test_unknown_ref_names_fetch_depth(zoo: Path) -> None:
    with pytest.raises(UsageError) as caught:
        changed_paths(zoo, "origin/main")

    assert caught.value.exit_code == 2
    assert "unknown git revision `origin/main`" in str(caught.value)
    assert "fetch-depth: 0" in str(caught.value)


def test_ref_without_common_history_names_fetch_depth(zoo: Path) -> None:
    git(zoo, "checkout", "-q", "--orphan", "stranger")
    commit(zoo, "unrelated root")

    with pytest.raises(UsageError, match="share no history.*fetch-depth: 0"):
        changed_paths(zoo, "main")


def test_ref_that_looks_like_an_option_is_refused(zoo: Path) -> None:
    with pytest.raises(UsageError, match="cannot start with '-'"):
        changed_paths(zoo, "--output=/tmp/x")


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    # Stop git from finding a repository above tmp_path.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))

    with pytest.raises(UsageError, match="is not inside a git repository"):
        changed_paths(plain, "main")
    with pytest.raises(UsageError, match="is not inside a git repository"):
        read_file_at(plain, "main", ".modelbot.yml")
    with pytest.raises(UsageError, match="is not inside a git repository"):
        resolve_ref(plain / "missing", "auto", {})


def test_read_file_at_base_and_head(zoo: Path) -> None:
    base_config = (zoo / ".modelbot.yml").read_text(encoding="utf-8")
    write(zoo, ".modelbot.yml", "models: [models/*]\nlicense: {allow: [MIT]}\n")
    write(zoo, "models/alpha/extra.yml", "new\n")
    commit(zoo, "pr")

    assert read_file_at(zoo, "main", ".modelbot.yml") == base_config
    assert read_file_at(zoo, "HEAD", ".modelbot.yml") == (
        "models: [models/*]\nlicense: {allow: [MIT]}\n"
    )
    assert read_file_at(zoo, "main", "./.modelbot.yml") == base_config
    assert read_file_at(zoo, "main", "models/alpha/extra.yml") is None
    assert read_file_at(zoo, "main", "models/alpha") is None  # a directory
    assert read_file_at(zoo, "main", "models/*/README.md") is None  # no glob


def test_read_file_at_keeps_bytes_and_line_endings(zoo: Path) -> None:
    (zoo / "crlf.yml").write_bytes("a: 1\r\nb: ü\r\n".encode())
    (zoo / "bom.yml").write_bytes("\ufeffa: 1\n".encode())
    (zoo / "latin1.yml").write_bytes("b: \xfc\n".encode("latin-1"))
    commit(zoo, "encodings")

    assert read_file_at(zoo, "HEAD", "crlf.yml") == "a: 1\r\nb: ü\r\n"
    assert read_file_at(zoo, "HEAD", "bom.yml") == "a: 1\n"
    with pytest.raises(UsageError, match="latin1.yml at HEAD is not UTF-8 text"):
        read_file_at(zoo, "HEAD", "latin1.yml")


def test_read_file_at_from_a_subdirectory_root(zoo: Path) -> None:
    write(zoo, "examples/.modelbot.yml", "models: [zoo/*]\n")
    commit(zoo, "examples")

    assert read_file_at(zoo / "examples", "HEAD", ".modelbot.yml") == (
        "models: [zoo/*]\n"
    )
    assert read_file_at(zoo / "examples", "main", ".modelbot.yml") is None


def test_read_file_at_does_not_follow_symlinks(zoo: Path) -> None:
    (zoo / "link.yml").symlink_to("/etc/passwd")
    commit(zoo, "link")

    assert read_file_at(zoo, "HEAD", "link.yml") is None


@pytest.mark.parametrize("relpath", ["../zoo/.modelbot.yml", "/etc/passwd", ""])
def test_read_file_at_refuses_paths_outside_root(zoo: Path, relpath: str) -> None:
    with pytest.raises(UsageError, match="must be a relative path inside"):
        read_file_at(zoo, "main", relpath)


def test_read_file_at_unknown_ref(zoo: Path) -> None:
    with pytest.raises(UsageError, match="fetch-depth: 0"):
        read_file_at(zoo, "v9.9", ".modelbot.yml")


def pull_request_payload(tmp_path: Path, base_sha: str | None) -> Path:
    """GitHub's example `pull_request` `opened` payload, base moved to our repo."""
    events = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    examples = next(e["examples"] for e in events if e["name"] == "pull_request")
    payload = next(p for p in examples if p["action"] == "opened")
    if base_sha:
        payload["pull_request"]["base"]["sha"] = base_sha
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_resolve_auto_gives_the_pull_request_base(zoo: Path, tmp_path: Path) -> None:
    base = git(zoo, "rev-parse", "main")
    write(zoo, "models/alpha/model.py", "changed\n")
    commit(zoo, "pr")
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(pull_request_payload(tmp_path, base)),
    }

    ref = resolve_ref(zoo, "auto", env)

    assert ref == base
    assert changed_paths(zoo, ref) == ["models/alpha/model.py"]


def test_resolve_auto_with_base_missing_from_a_shallow_clone(
    zoo: Path, tmp_path: Path
) -> None:
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(pull_request_payload(tmp_path, None)),
    }

    with pytest.raises(UsageError) as caught:
        resolve_ref(zoo, "auto", env)

    assert "f95f852bd8fca8fcc58a9a2d6c842781e32a215e" in str(caught.value)
    assert "fetch-depth: 0" in str(caught.value)


def test_resolve_auto_outside_a_pull_request(zoo: Path, tmp_path: Path) -> None:
    env = {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(pull_request_payload(tmp_path, None)),
    }

    with pytest.raises(UsageError, match="started by `push`; pass a git revision"):
        resolve_ref(zoo, "auto", env)
    with pytest.raises(UsageError, match="started by `no GitHub event`"):
        resolve_ref(zoo, "auto", {})


def test_resolve_keeps_an_explicit_ref(zoo: Path) -> None:
    assert resolve_ref(zoo, "origin/main", {}) == "origin/main"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (".modelbot.yml", ".modelbot.yml", True),
        (".modelbot.yml", "models/a/.modelbot.yml", False),
        ("requirements*.txt", "requirements-gpu.txt", True),
        ("requirements*.txt", "models/a/requirements.txt", False),
        ("*.py", "setup.py", True),
        ("*.py", "models/a/model.py", False),
        ("**/*.cfg", "models/a/b/x.cfg", True),
        ("**/*.cfg", "x.cfg", True),
        ("shared/", "shared/deep/x.py", True),
        ("shared", "shared_not/x.py", False),
        ("models/*/common.py", "models/a/common.py", True),
        ("models/*/common.py", "models/a/b/common.py", False),
        ("[ab]?.txt", "a1.txt", True),
        ("[!ab]?.txt", "a1.txt", False),
        ("[!ab]?.txt", "c1.txt", True),
        ("[[]x", "[x", True),
        ("a[--z]", "a-", True),
        ("a[+-0]b", "a/b", False),  # the range holds "/", which stays a separator
        ("a[+-0]b", "a.b", True),
        ("lib/a+b(c).py", "lib/a+b(c).py", True),
    ],
)
def test_always_check_all_globs(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected
