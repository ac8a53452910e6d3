"""Find what a pull request changed, and read files as the base branch has them."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path, PurePosixPath

from modelbot.discovery import ModelDir
from modelbot.errors import UsageError
from modelbot.event import read_pull_request_event

LOG = logging.getLogger(__name__)

AUTO = "auto"
FETCH_HINT = "in GitHub Actions give actions/checkout `fetch-depth: 0`"
GIT_MISSING = "git is not installed or not on PATH: {why}; changed files need it"
NOT_A_REPO = (
    "{root} is not inside a git repository ({detail}); run modelbot in a git "
    "clone, or drop --changed-since/--rules-from"
)
BAD_REF = "`{ref}` is not a git revision: a revision cannot start with '-'"
UNKNOWN_REF = (
    "unknown git revision `{ref}` in {root}: fetch it first ({hint}, so the "
    "base commit is in the clone)"
)
NO_MERGE_BASE = "`{ref}` and HEAD share no history in {root} (a shallow clone?): {hint}"
GIT_FAILED = "`git {command}` failed in {root}: {detail}"
NOT_PR_EVENT = (
    "`auto` (for --changed-since or --rules-from) needs a pull_request event, "
    "but this run was started by `{name}`; pass a git revision such as "
    "origin/main instead"
)
BAD_RELPATH = "`{relpath}` must be a relative path inside {root}"
NOT_UTF8 = "{relpath} at {ref} is not UTF-8 text; save it as UTF-8"

# The CLI prefixes these with "checked N of M models: ".
REASON_NOTHING = "no file changed"
REASON_ALL = "changed file {path!r} matches always_check_all pattern {pattern!r}"
REASON_SOME = "{files} changed file(s), in {count} model director{ies}"
REASON_NONE = "none of the {files} changed file(s) is in a model directory"

# Plumbing commands ignore most user configuration; `--literal-pathspecs`
# keeps a file named `*` or `:(glob)x` from being read as a pattern.
GIT_ARGV = ("git", "-c", "core.quotepath=off", "--literal-pathspecs")
# git status may refresh the index; a read-only question must not take locks.
GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
SYMLINK_MODE = "120000"


def changed_paths(root: Path, ref: str) -> list[str]:
    """Files changed between the merge base of ``ref`` and HEAD, plus uncommitted.

    Paths are POSIX, relative to ``root`` (which may be a subdirectory of the
    repository); changes outside ``root`` are left out. Uncommitted work
    (staged, unstaged, untracked but not ignored) counts too: CI checkouts
    are clean, and a contributor running modelbot locally expects it to.
    Renames count as a deletion plus an addition, so both directories change.
    """
    prefix = repo_prefix(root)
    commit = verify_commit(root, ref)
    base = merge_base(root, ref, commit)
    committed = git(
        root, "diff-tree", "-r", "-z", "--name-only", "--no-renames", base, "HEAD"
    )
    status = git(
        root, "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all"
    )
    paths = set(split_z(committed)) | set(porcelain_paths(status))
    inside = sorted(filter(None, (strip_prefix(p, prefix) for p in paths)))
    LOG.info("%d changed path(s) under %s since %s", len(inside), root, ref)
    return inside


def select_models(
    models: list[ModelDir], paths: list[str], always_all: list[str]
) -> tuple[list[ModelDir], str]:
    """The models whose directory holds a changed path, and a one-line reason.

    A changed path matching a glob of ``always_all`` selects every model. Globs
    are anchored at the root; ``*`` and ``?`` stay inside one path segment,
    ``**`` spans segments, and a glob naming a directory covers what is in it.
    """
    for path in paths:
        for pattern in always_all:
            if glob_matches(pattern, path):
                return list(models), REASON_ALL.format(path=path, pattern=pattern)
    if not paths:
        return [], REASON_NOTHING
    selected = [m for m in models if any(is_inside(p, m.rel) for p in paths)]
    template = REASON_SOME if selected else REASON_NONE
    ies = "y" if len(selected) == 1 else "ies"
    reason = template.format(count=len(selected), files=len(paths), ies=ies)
    return selected, reason


def read_file_at(root: Path, ref: str, relpath: str) -> str | None:
    """The text of ``relpath`` (relative to ``root``) at ``ref``; None if absent."""
    rel = PurePosixPath(relpath)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise UsageError(BAD_RELPATH.format(relpath=relpath, root=root))
    repo_prefix(root)
    commit = verify_commit(root, ref)
    # ls-tree resolves the path relative to the working directory, i.e. root.
    listing = split_z(git(root, "ls-tree", "-z", commit, "--", rel.as_posix()))
    entry = next((e for e in listing if e.split("\t", 1)[-1] == rel.as_posix()), None)
    if entry is None:
        LOG.info("%s does not exist at %s", relpath, ref)
        return None
    mode, kind, obj = entry.split("\t", 1)[0].split(" ")
    if kind != "blob" or mode == SYMLINK_MODE:
        what = "symlink" if mode == SYMLINK_MODE else kind
        LOG.warning("%s at %s is a %s, not a file; ignoring it", relpath, ref, what)
        return None
    data = git(root, "cat-file", "blob", obj)
    try:
        # utf-8-sig, as the working-tree config is read: a BOM is not a change.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(NOT_UTF8.format(relpath=relpath, ref=ref)) from exc


def resolve_ref(root: Path, ref: str, env: Mapping[str, str]) -> str:
    """Turn ``auto`` into the pull request's base commit; keep any other ref."""
    if ref != AUTO:
        return ref
    repo_prefix(root)
    event = read_pull_request_event(env)
    if event is None:
        name = env.get("GITHUB_EVENT_NAME") or "no GitHub event"
        raise UsageError(NOT_PR_EVENT.format(name=name))
    base = verify_commit(root, event.base_sha)
    LOG.info("base of pull request #%d is %s", event.number, base)
    return base


def glob_matches(pattern: str, path: str) -> bool:
    """True when ``path`` or one of its parent directories matches ``pattern``."""
    regex = glob_regex(pattern)
    parts = path.split("/")
    return any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1))


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a root-anchored glob where only ``**`` crosses ``/``."""
    segments = [s for s in pattern.strip("/").split("/") if s not in ("", ".")]
    out = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
        else:
            out.append(segment_regex(segment) + ("" if last else "/"))
    return re.compile("".join(out))


def segment_regex(segment: str) -> str:
    """Translate ``*``, ``?`` and ``[...]`` of one path segment to a regex."""
    out = []
    i = 0
    while i < len(segment):
        char = segment[i]
        i += 1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in segment[i + 1 :]:
            end = segment.index("]", i + 1)
            body = segment[i:end]
            i = end + 1
            negate = body.startswith("!")
            body = class_body(body[1:] if negate else body)
            out.append(f"[^/{body}]" if negate else f"(?!/)[{body}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def class_body(body: str) -> str:
    """Escape a ``[...]`` body for ``re``, keeping single ``-`` as a range."""
    ranges = "--" not in body
    return "".join("-" if c == "-" and ranges else re.escape(c) for c in body)


def is_inside(path: str, directory: str) -> bool:
    """True when the POSIX ``path`` is ``directory`` or lies below it."""
    return directory == "." or path == directory or path.startswith(directory + "/")


def repo_prefix(root: Path) -> str:
    """The path of ``root`` inside its repository, '' or ending in '/'."""
    done = run_git(root, "rev-parse", "--show-prefix")
    if done.returncode != 0:
        detail = first_line(done.stderr) or "git rev-parse failed"
        raise UsageError(NOT_A_REPO.format(root=root, detail=detail))
    return os.fsdecode(done.stdout).rstrip("\n")


def verify_commit(root: Path, ref: str) -> str:
    """The full commit id of ``ref``, or a UsageError saying how to get it."""
    if not ref or ref.startswith("-"):
        raise UsageError(BAD_REF.format(ref=ref))
    done = run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise UsageError(UNKNOWN_REF.format(ref=ref, root=root, hint=FETCH_HINT))
    return done.stdout.decode("ascii").strip()


def merge_base(root: Path, ref: str, commit: str) -> str:
    """The best common ancestor of ``commit`` and HEAD."""
    done = run_git(root, "merge-base", commit, "HEAD")
    if done.returncode != 0:
        raise UsageError(NO_MERGE_BASE.format(ref=ref, root=root, hint=FETCH_HINT))
    return done.stdout.decode("ascii").strip()


def git(root: Path, *args: str) -> bytes:
    """Run a git command that must succeed and return its raw output."""
    done = run_git(root, *args)
    if done.returncode != 0:
        detail = first_line(done.stderr) or f"exit status {done.returncode}"
        raise UsageError(GIT_FAILED.format(command=args[0], root=root, detail=detail))
    return done.stdout


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run git in ``root`` without a shell; paths in the output stay bytes."""
    argv = [*GIT_ARGV, *args]
    LOG.debug("running %s in %s", argv, root)
    try:
        return subprocess.run(
            argv,
            cwd=root,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **GIT_ENV},
        )
    except FileNotFoundError as exc:
        if not Path(root).is_dir():
            raise UsageError(NOT_A_REPO.format(root=root, detail=exc)) from exc
        raise UsageError(GIT_MISSING.format(why=exc)) from exc
    except OSError as exc:
        raise UsageError(NOT_A_REPO.format(root=root, detail=exc)) from exc


def split_z(output: bytes) -> list[str]:
    """Split NUL-terminated git output into file system strings."""
    return [os.fsdecode(item) for item in output.split(b"\0") if item]


def porcelain_paths(output: bytes) -> Iterable[str]:
    """Every path named by ``git status --porcelain=v1 -z``."""
    fields = iter(split_z(output))
    for entry in fields:
        yield entry[3:]
        if "R" in entry[:2] or "C" in entry[:2]:
            # A rename or copy is followed by a field with its source path.
            yield next(fields, "")


def strip_prefix(path: str, prefix: str) -> str | None:
    """``path`` relative to the root whose repository prefix is ``prefix``."""
    if not path:
        return None
    if not prefix:
        return path
    return path[len(prefix) :] if path.startswith(prefix) else None


def first_line(stderr: bytes) -> str:
    """The first non-empty line of git's error output."""
    lines = os.fsdecode(stderr).strip().splitlines()
    return lines[0] if lines else ""
