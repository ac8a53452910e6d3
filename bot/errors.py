"""The errors modelbot raises on purpose, each carrying its exit code."""

from __future__ import annotations


class ModelbotError(Exception):
    """An expected failure that ends the run with a message and an exit code."""

    exit_code = 1


class UsageError(ModelbotError):
    """Bad command-line usage or configuration: the user must change something."""

    exit_code = 2


class ConfigError(UsageError):
    """A ``.modelbot.yml`` that cannot be used, located at file and line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
