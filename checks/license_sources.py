"""SPDX headers in a model's source files and the licenses of its requirements."""

from __future__ import annotations

import importlib.metadata
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from modelbot.checks.license_card import deprecated_findings
from modelbot.checks.spdx import (
    Expression,
    classifier_license,
    load_data,
    parse_expression,
    same_license,
    satisfies,
)
from modelbot.discovery import ModelDir
from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

# REUSE reads only the start of a file for its SPDX tags; so do we.
HEADER_BYTES = 4096
MAX_SOURCE_FILES = 1000
SOURCE_SUFFIXES = frozenset(
    ".py .pyi .pyx .sh .bash .zsh .ps1 .bat .js .mjs .ts .c .h .cc .cpp .cxx .hpp "
    ".cu .cuh .java .kt .scala .go .rs .rb .r .jl .m .swift .lua .pl .php .sql .toml "
    ".yaml .yml .cfg .ini .cmake .proto".split()
)
SKIPPED = frozenset({"__pycache__", "node_modules", "LICENSES"})
HEADER = re.compile(r"SPDX-License-Identifier:[ \t]*(?P<expr>[^\n\r]*)")
# Comment closers and string quotes that end a tag line, as REUSE strips them.
HEADER_END = re.compile(r"\s*(?:\*/|-->|#}|%}|\"\"\"|'''|\\n|[\"',;])+\s*$")
REQUIREMENTS = "requirements.txt"

HEADER_INVALID = (
    "`SPDX-License-Identifier: {text}` is not a valid SPDX expression: {why}"
)
HEADER_INVALID_HINT = (
    "Use ids from `https://spdx.org/licenses/` joined by AND, OR, WITH."
)
HEADER_MISMATCH = "`SPDX-License-Identifier: {text}` contradicts the model's {files}"
HEADER_MISMATCH_HINT = (
    "Make the header name the LICENSE's license, or add the other license's text "
    "under LICENSES/ (REUSE) and to the model card."
)
DEP_INVALID = "`{line}` is not a valid requirement ({why})"
DEP_OPTION = "`{line}` is not a package name and version; its license cannot be audited"
DEP_PROBLEM_HINT = "List each dependency as a PEP 508 line, e.g. `numpy>=1.26`."
DEP_UNKNOWN = "dependency `{name}` declares no license modelbot can read"
DEP_MISSING = (
    "{count} requirement(s) are not installed where modelbot runs, so their "
    "licenses were not audited: {names}"
)

# (expression, what, path, line, severity, rule prefix) -> policy findings
Judge = Callable[
    [Expression, str, str | None, int | None, Severity, str], list[Finding]
]


@dataclass(frozen=True)
class Header:
    """One ``SPDX-License-Identifier`` tag found in a source file."""

    path: Path
    line: int
    expression: Expression


@dataclass(frozen=True)
class Dependency:
    """One requirement and the license its installed distribution declares."""

    name: str
    line: int
    installed: bool
    expression: Expression | None = None
    problem: str | None = None  # why the line could not be audited


def header_findings(model: ModelDir, known: list[str], judge: Judge) -> list[Finding]:
    """Validate each SPDX header, apply the policy, compare it with LICENSE."""
    findings = []
    files = ", ".join(f"license {k}" for k in known)
    for header in find_headers(model.path):
        rel, line, expression = (
            model.relpath(header.path),
            header.line,
            header.expression,
        )
        tag = f"SPDX-License-Identifier: {expression.text}"
        if not expression.valid:
            why = expression.error or f"unknown id {', '.join(expression.unknown)}"
            message = HEADER_INVALID.format(text=expression.text, why=why)
            findings.append(
                Finding(
                    "license/header-invalid",
                    Severity.WARNING,
                    message,
                    rel,
                    line,
                    hint=HEADER_INVALID_HINT,
                )
            )
            continue
        findings += deprecated_findings(expression, tag, rel, line)
        findings += judge(expression, f"`{tag}`", rel, line, Severity.ERROR, "license/")
        if known and not satisfies(
            expression.tree, lambda k: any(same_license(k, f) for f in known)
        ):
            message = HEADER_MISMATCH.format(text=expression.text, files=files)
            findings.append(
                Finding(
                    "license/header-mismatch",
                    Severity.ERROR,
                    message,
                    rel,
                    line,
                    hint=HEADER_MISMATCH_HINT,
                )
            )
    return findings


def dependency_findings(
    model: ModelDir, severity: Severity, judge: Judge
) -> list[Finding]:
    """Audit the licenses of the installed requirements against the policy."""
    requirements = model.path / REQUIREMENTS
    if not regular_file(requirements):
        return []
    rel = model.relpath(requirements)
    findings, missing = [], []
    for dep in audit_requirements(requirements):
        if dep.problem:
            # pip options (-r, -e, URLs) are legitimate but not audited; a line
            # that is not a requirement at all is a mistake worth a warning.
            option = dep.problem.endswith("cannot be audited")
            findings.append(
                Finding(
                    "license/dependency-not-audited"
                    if option
                    else "license/dependency-unparsable",
                    Severity.NOTE if option else Severity.WARNING,
                    dep.problem,
                    rel,
                    dep.line,
                    hint=DEP_PROBLEM_HINT,
                )
            )
        elif not dep.installed:
            missing.append(dep.name)
        elif dep.expression is None:
            message = DEP_UNKNOWN.format(name=dep.name)
            findings.append(
                Finding(
                    "license/dependency-unknown", Severity.NOTE, message, rel, dep.line
                )
            )
        else:
            what = f"dependency `{dep.name}`"
            prefix = "license/dependency-"
            findings += judge(dep.expression, what, rel, dep.line, severity, prefix)
    if missing:
        message = DEP_MISSING.format(count=len(missing), names=", ".join(missing))
        findings.append(
            Finding("license/dependency-not-installed", Severity.NOTE, message, rel)
        )
    return findings


def find_headers(directory: Path) -> list[Header]:
    """The SPDX tags in the first 4 KiB of each source file under ``directory``."""
    headers = []
    for path in _source_files(directory):
        try:
            with path.open("rb") as handle:
                start = handle.read(HEADER_BYTES).decode("utf-8", "replace")
        except OSError as exc:
            LOG.warning("cannot read %s: %s", path, exc)
            continue
        for match in HEADER.finditer(start):
            text = HEADER_END.sub("", match.group("expr")).strip()
            line = start.count("\n", 0, match.start()) + 1
            headers.append(Header(path, line, parse_expression(text)))
    return headers


def audit_requirements(requirements: Path) -> list[Dependency]:
    """Each requirement in ``requirements`` with its installed license, if any.

    Only distributions installed next to modelbot are read (no network): their
    ``License-Expression``, else a ``License`` field that is one SPDX id or a
    known name, else their ``License ::`` trove classifiers.
    """
    dependencies = []
    text = requirements.read_text("utf-8", "replace")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-") or "://" in line:
            problem = DEP_OPTION.format(line=line[:80])
            dependencies.append(Dependency(line[:80], number, False, problem=problem))
            continue
        try:
            name = Requirement(line).name
        except InvalidRequirement as exc:
            problem = DEP_INVALID.format(line=line[:80], why=str(exc).splitlines()[0])
            dependencies.append(Dependency(line[:80], number, False, problem=problem))
            continue
        try:
            metadata = importlib.metadata.distribution(name).metadata
        except importlib.metadata.PackageNotFoundError:
            dependencies.append(Dependency(name, number, installed=False))
            continue
        expression = _declared_license(
            (metadata.get_all("License-Expression") or [None])[0],
            (metadata.get_all("License") or [None])[0],
            metadata.get_all("Classifier") or [],
        )
        dependencies.append(Dependency(name, number, True, expression))
    return dependencies


def _declared_license(
    expression: str | None, field: str | None, classifiers: list[str]
) -> Expression | None:
    """The license a distribution declares, from its most precise metadata."""
    if expression:
        parsed = parse_expression(expression)
        if parsed.valid:
            return parsed
    if field and "\n" not in field.strip() and len(field) < 100:
        aliases: dict[str, str] = load_data()["license_field"]["map"]
        parsed = parse_expression(aliases.get(field.strip().lower(), field))
        if parsed.valid:
            return parsed
    ids = [classifier_license(c) for c in classifiers if c.startswith("License ::")]
    known = sorted({i for i in ids if i})
    # Several license classifiers on one package offer a choice (dual licensing).
    return parse_expression(" OR ".join(known)) if known else None


def _source_files(directory: Path) -> list[Path]:
    """Source files under ``directory``; hidden, vendored and symlinked ones skipped."""
    found: list[Path] = []
    for top, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED)
        for name in sorted(files):
            path = Path(top, name)
            if path.suffix.lower() in SOURCE_SUFFIXES and regular_file(path):
                found.append(path)
            if len(found) >= MAX_SOURCE_FILES:
                LOG.warning("scanned only the first %d source files", len(found))
                return found
    return found


def regular_file(path: Path) -> bool:
    """A regular file, not a symlink (may leave the repo) or a FIFO (blocks)."""
    return not path.is_symlink() and path.is_file()
