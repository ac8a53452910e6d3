"""The ``modelbot`` command line: ``check`` and ``publish``."""

from __future__ import annotations

import logging
import os
import shlex
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from modelbot import __version__, report
from modelbot.checks import registry
from modelbot.config import (
    CONFIG_NAME,
    Config,
    default_config,
    load_config,
    parse_config,
)
from modelbot.discovery import CODE_NAME, ModelDir, find_models
from modelbot.errors import ModelbotError, UsageError
from modelbot.runner import run_checks
from modelbot.textreport import ProgressPrinter, render_text

LOG = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

CRASH = (
    "modelbot crashed: {kind}: {detail}\n"
    "The traceback is in {log}; please attach it to a bug report."
)
NO_MODELS = "no model directories found under {root} (globs: {globs})"
MIXED_ROOTS = "all paths must belong to one repository; got {a} and {b}"
RULES_CHANGED = (
    "this change edits {config}; the rules were read from {ref} instead, so a "
    "pull request cannot relax the checks it is judged by"
)
CHANGED_SUBSET = "checked {n} of {total} models: {reason}"


class Group(click.Group):
    """A command group that turns modelbot's expected errors into exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a ModelbotError prints one line and exits."""
        try:
            return super().invoke(ctx)
        except ModelbotError as exc:
            click.echo(f"modelbot: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("modelbot: interrupted", err=True)
            ctx.exit(130)


def report_options(default_format: str) -> Callable[[F], F]:
    """The ``--format`` and ``--output`` options that ``check`` and ``render`` share."""

    def decorate(command: F) -> F:
        command = click.option(
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the report to FILE instead of standard output.",
        )(command)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "markdown", "json"]),
            default=default_format,
            show_default=True,
            help="Report format.",
        )(command)

    return decorate


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelbot")
@click.option("-v", "--verbose", count=True, help="-v for INFO logs, -vv for DEBUG.")
def cli(verbose: int) -> None:
    """Smoke-test, license-check and lint the models of an ML repository."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Configuration file [default: ROOT/{CONFIG_NAME} if present].",
)
@click.option(
    "--only", multiple=True, metavar="CHECK", help="Run only this check (repeatable)."
)
@click.option(
    "--skip", multiple=True, metavar="CHECK", help="Do not run this check (repeatable)."
)
@report_options(default_format="text")
@click.option(
    "--changed-since",
    metavar="REF",
    help="Check only models changed in REF...HEAD ('auto': the pull request's base).",
)
@click.option(
    "--rules-from",
    metavar="REF",
    help="Read the configuration from commit REF ('auto': the pull request's base).",
)
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="Print a line per model and check on standard error.",
)
def check(
    paths: tuple[Path, ...],
    config_file: Path | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    fmt: str,
    output: Path | None,
    changed_since: str | None,
    rules_from: str | None,
    progress: bool,
) -> None:
    """Check the models under PATHS (repository roots or model directories)."""
    started = time.monotonic()
    checks = registry()
    selected = select_checks(list(checks), only, skip)
    root, explicit = resolve_paths(list(paths) or [Path(".")])
    notices: list[dict[str, str]] = []
    resolved: dict[str, str] = {}  # option -> the commit `auto` stood for
    config, source = read_config(root, config_file, rules_from, notices)
    if rules_from:
        resolved["--rules-from"] = source.removeprefix("commit ")

    models = explicit or find_models(root, config.models)
    if changed_since:
        from modelbot import changes

        ref = changes.resolve_ref(root, changed_since, os.environ)
        resolved["--changed-since"] = ref
        total = len(models)
        models, reason = changes.select_models(
            models, changes.changed_paths(root, ref), config.always_check_all
        )
        notices.append(
            {
                "severity": "note",
                "message": CHANGED_SUBSET.format(
                    n=len(models), total=total, reason=reason
                ),
            }
        )
    if not models and not changed_since:
        raise UsageError(NO_MODELS.format(root=root, globs=", ".join(config.models)))

    printer = ProgressPrinter(sys.stderr, len(models)) if progress else None
    outcomes = run_checks(
        models, config, checks, selected, printer.update if printer else None
    )
    data = report.build_report(
        outcomes,
        command=command_line(resolved),
        config_path=config.path,
        config_source=source,
        duration=time.monotonic() - started,
        notices=notices,
    )
    write_report(data, fmt, output)
    sys.exit(data["exit_code"])


def select_checks(
    names: list[str], only: tuple[str, ...], skip: tuple[str, ...]
) -> set[str]:
    """The checks to run after --only and --skip, rejecting unknown names."""
    for name in (*only, *skip):
        if name not in names:
            raise UsageError(f"unknown check {name!r}; choose from {', '.join(names)}")
    chosen = set(only) if only else set(names)
    return chosen - set(skip)


def resolve_paths(paths: list[Path]) -> tuple[Path, list[ModelDir]]:
    """Find the repository root and any model directories given explicitly."""
    root: Path | None = None
    explicit: list[ModelDir] = []
    for path in paths:
        path = path.resolve()
        if (path / CODE_NAME).is_file() and not (path / CONFIG_NAME).is_file():
            this_root = repository_root(path.parent)
            explicit.append(ModelDir(this_root, path))
        else:
            this_root = path
        if root is not None and this_root != root:
            raise UsageError(MIXED_ROOTS.format(a=root, b=this_root))
        root = this_root
    assert root is not None
    return root, sorted(set(explicit), key=lambda m: m.rel)


def repository_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` with a config or a .git."""
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_NAME).is_file() or (candidate / ".git").exists():
            return candidate
    return start


def read_config(
    root: Path,
    config_file: Path | None,
    rules_from: str | None,
    notices: list[dict[str, str]],
) -> tuple[Config, str]:
    """Load the configuration from the working tree or from commit ``rules_from``."""
    path = config_file or root / CONFIG_NAME
    display = shown_path(path)
    if rules_from:
        from modelbot import changes

        ref = changes.resolve_ref(root, rules_from, os.environ)
        rel = (
            path.resolve().relative_to(root).as_posix()
            if path.resolve().is_relative_to(root)
            else path.name
        )
        text = changes.read_file_at(root, ref, rel)
        current = path.read_text(encoding="utf-8-sig") if path.is_file() else None
        if text != current:
            notices.append(
                {
                    "severity": "warning",
                    "message": RULES_CHANGED.format(config=rel, ref=ref),
                }
            )
        source = f"commit {ref}"
        if text is None and current is None and config_file is not None:
            raise UsageError(f"{display}: no such configuration file, here or at {ref}")
        if text is None:
            return default_config(), source
        return parse_config(text, f"{rel} at {ref}"), source
    if config_file is None and not path.is_file():
        return default_config(), "built-in defaults"
    if not path.is_file():
        raise UsageError(f"{display}: no such configuration file")
    return load_config(path, display), "working tree"


def shown_path(path: Path) -> str:
    """``path`` relative to the current directory when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def command_line(resolved: dict[str, str] | None = None) -> str:
    """The command that reproduces this run, ``auto`` refs replaced by commits.

    A contributor pastes it outside Actions, where ``auto`` has no event to read.
    """
    args = list(sys.argv[1:])
    for option, commit in (resolved or {}).items():
        for i, arg in enumerate(args):
            if arg == option and i + 1 < len(args):
                args[i + 1] = commit
            elif arg.startswith(option + "="):
                args[i] = f"{option}={commit}"
    return shlex.join(["modelbot", *args])


def write_report(
    data: dict[str, Any],
    fmt: str,
    output: Path | None,
    link_base: str | None = None,
    quiet: bool = False,
) -> None:
    """Render the report and write it to ``output`` or standard output."""
    if fmt == "json":
        text = report.render_json(data)
    elif fmt == "markdown":
        text = report.render_markdown(data, link_base=link_base)
    else:
        text = render_text(data, color=output is None and sys.stdout.isatty())
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write the report: {exc.strerror}") from exc
    if not quiet:
        click.echo(
            f"modelbot: {data['status']}: {fmt} report written to {output}", err=True
        )


@cli.command()
@click.argument(
    "report_file",
    metavar="REPORT.json",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@report_options(default_format="markdown")
@click.option(
    "--link-base",
    metavar="URL",
    help="Markdown: link findings to URL/PATH#LINE (a blob URL at the head commit).",
)
def render(
    report_file: Path, fmt: str, output: Path | None, link_base: str | None
) -> None:
    """Render a JSON report made by `modelbot check` as text or Markdown."""
    from modelbot.publish import load_report

    write_report(load_report(report_file), fmt, output, link_base=link_base, quiet=True)


def register_publish() -> None:
    """Add ``publish`` when its module is present."""
    try:
        from modelbot.publish import publish
    except ImportError:  # TODO: remove once bot/publish.py has landed
        return
    cli.add_command(publish)


register_publish()


def main() -> None:
    """Entry point: expected errors exit 1 or 2, a crash of modelbot exits 3."""
    try:
        cli.main(prog_name="modelbot")
    except Exception as exc:
        log = crash_log()
        detail = (str(exc).strip().splitlines() or ["(no message)"])[-1]
        click.echo(
            CRASH.format(kind=type(exc).__name__, detail=detail, log=log), err=True
        )
        sys.exit(3)


def crash_log() -> str:
    """Write the current traceback to a file and return its path."""
    handle, name = tempfile.mkstemp(prefix="modelbot-crash-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(f"modelbot {__version__}\n{command_line()}\n\n")
        stream.write(traceback.format_exc())
    return name
