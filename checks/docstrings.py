"""Check docstrings of a model's Python code by reading it with ``ast``.

Contributed code is never imported or executed here: only its syntax tree is read.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from modelbot.results import Finding, Severity

LOG = logging.getLogger(__name__)

MISSING = "public {kind} `{name}` has no docstring"
MISSING_HINT = 'Add a one-line docstring: """What {name} does."""'
UNDOCUMENTED = "argument `{arg}` of `{name}` is missing from its docstring's Args:"
UNDOCUMENTED_HINT = "Add `{arg}: what it means.` under Args:."
UNKNOWN = "docstring of `{name}` documents `{arg}`, which is not an argument"
UNKNOWN_HINT = "Remove `{arg}` from Args: or rename it to the argument it describes."
UNREADABLE = "cannot read {rel} as Python: {error}"
UNREADABLE_HINT = "Fix the syntax error; the smoke test will fail on it too."
MAX_BYTES = 1_000_000  # generated or vendored files this big are not docs targets
ARGS_HEADER = re.compile(
    r"^(\s*)(Args|Arguments|Parameters|Keyword Args|Keyword Arguments"
    r"|Other Parameters):\s*$"
)
ARG_ENTRY = re.compile(r"^\s*\*{0,2}(\w+)\s*(\([^)]*\))?\s*:")
SKIP_DIRS = {"__pycache__", "node_modules", "venv"}

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass
class DocstringReport:
    """Findings and the coverage count over a model's Python files."""

    findings: list[Finding] = field(default_factory=list)
    public: int = 0
    documented: int = 0

    @property
    def coverage(self) -> float | None:
        """Percent of public modules, classes and functions with a docstring."""
        if not self.public:
            return None
        return round(100 * self.documented / self.public, 1)


def check_docstrings(
    files: list[tuple[Path, str]], severity: Severity
) -> DocstringReport:
    """Check ``files`` (path, repository path) and report with ``severity``."""
    report = DocstringReport()
    for path, rel in files:
        _check_file(path, rel, severity, report)
    return report


def python_files(directory: Path) -> list[Path]:
    """The model's Python files, ``model.py`` first, hidden folders skipped."""
    found = []
    for path in sorted(directory.rglob("*.py")):
        parts = path.relative_to(directory).parts
        if any(p.startswith(".") or p in SKIP_DIRS for p in parts[:-1]):
            continue
        if path.is_file() and not path.is_symlink():
            found.append(path)
    return sorted(found, key=lambda p: (p.name != "model.py", p.as_posix()))


def documented_args(docstring: str) -> list[tuple[str, int]]:
    """Names in a Google-style ``Args:`` section, with their docstring line index."""
    names = []
    lines = docstring.expandtabs().split("\n")
    index = 0
    while index < len(lines):
        header = ARGS_HEADER.match(lines[index])
        index += 1
        if header is None:
            continue
        indent = len(header[1])
        entry_indent = None
        while index < len(lines):
            line = lines[index]
            depth = len(line) - len(line.lstrip())
            if line.strip() and depth <= indent:
                break  # a line back at the header's level ends the section
            entry = ARG_ENTRY.match(line)
            if line.strip() and entry and depth == (entry_indent or depth):
                entry_indent = depth
                names.append((entry[1], index))
            index += 1
    return names


def _check_file(
    path: Path, rel: str, severity: Severity, report: DocstringReport
) -> None:
    """Add findings and counts for one file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            LOG.info("skipping %s: larger than %d bytes", rel, MAX_BYTES)
            return
        tree = ast.parse(path.read_bytes(), filename=rel)
    except (SyntaxError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        message = UNREADABLE.format(rel=rel, error=getattr(exc, "msg", exc))
        report.findings.append(
            Finding(
                "docs/unreadable-code",
                severity,
                message,
                rel,
                line,
                None,
                UNREADABLE_HINT,
            )
        )
        return
    if _is_public_module(path):
        documented = ast.get_docstring(tree) is not None
        _count(report, documented)
        if not documented:
            message = MISSING.format(kind="module", name=path.name)
            hint = MISSING_HINT.format(name=f"the module {path.stem}")
            report.findings.append(
                Finding("docs/missing-docstring", severity, message, rel, 1, 1, hint)
            )
    for node, name, is_method in _public_definitions(tree):
        docstring = ast.get_docstring(node, clean=False)
        _count(report, docstring is not None)
        if docstring is None:
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            message = MISSING.format(kind=kind, name=name)
            report.findings.append(
                Finding(
                    "docs/missing-docstring",
                    severity,
                    message,
                    rel,
                    node.lineno,
                    node.col_offset + 1,
                    MISSING_HINT.format(name=name),
                )
            )
        elif not isinstance(node, ast.ClassDef):
            report.findings.extend(
                _check_args(node, name, is_method, docstring, rel, severity)
            )


def _check_args(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    name: str,
    is_method: bool,
    docstring: str,
    rel: str,
    severity: Severity,
) -> Iterator[Finding]:
    """Compare a function's documented ``Args:`` with its signature."""
    documented = documented_args(docstring)
    if not documented:
        return  # no Args: section, nothing to compare
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if is_method and positional and not _is_static(node):
        positional = positional[1:]  # self or cls
    required = positional + [a.arg for a in args.kwonlyargs]
    # *args and **kwargs are often passed through; accept but do not require them.
    optional = [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    names = {n for n, _ in documented}
    for arg in required:
        if arg not in names:
            message = UNDOCUMENTED.format(arg=arg, name=name)
            hint = UNDOCUMENTED_HINT.format(arg=arg)
            yield Finding(
                "docs/undocumented-argument",
                severity,
                message,
                rel,
                node.lineno,
                node.col_offset + 1,
                hint,
            )
    docstring_line = node.body[0].lineno  # raw docstring lines map 1:1 from here
    for arg, index in documented:
        if arg not in required and arg not in optional:
            message = UNKNOWN.format(arg=arg, name=name)
            hint = UNKNOWN_HINT.format(arg=arg)
            yield Finding(
                "docs/unknown-docstring-argument",
                severity,
                message,
                rel,
                docstring_line + index,
                None,
                hint,
            )


def _public_definitions(
    tree: ast.Module,
) -> Iterator[tuple[Definition, str, bool]]:
    """Public top-level functions and classes and public methods of those classes."""
    for node in tree.body:
        if not isinstance(node, Definition) or node.name.startswith("_"):
            continue
        yield node, node.name, False
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    if not member.name.startswith("_") and not _is_overload(member):
                        yield member, f"{node.name}.{member.name}", True


def _is_public_module(path: Path) -> bool:
    """Whether a file is a public module (``__init__.py`` counts as public)."""
    return path.name == "__init__.py" or not path.name.startswith("_")


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a method is a ``@staticmethod`` (no self or cls to skip)."""
    return any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list
    )


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a method is a ``typing.overload`` stub (documented at the real one)."""
    return any(
        (isinstance(d, ast.Name) and d.id == "overload")
        or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in node.decorator_list
    )


def _count(report: DocstringReport, documented: bool) -> None:
    """Count one public definition."""
    report.public += 1
    report.documented += documented
