"""Shared test fixtures: no network beyond loopback, fake checks for core tests."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Finding, Severity

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse every connection that leaves the machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise OSError(f"tests may not reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture
def loopback_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 in the parent's network namespace; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.sendall(b"hello")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@dataclass
class FakeCheck:
    """A check whose behaviour a test scripts: findings to return or an error."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    raises: Exception | None = None
    description: str = "a scripted check for tests"
    defaults: Mapping[str, Any] = field(default_factory=lambda: {"level": 1})
    schema: Mapping[str, Any] = field(
        default_factory=lambda: {
            "type": "object",
            "properties": {
                "level": {"type": "integer", "minimum": 0},
                "mode": {"enum": ["strict", "lenient"]},
                "allow": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": False,
        }
    )
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def run(self, model: ModelDir, settings: Mapping[str, Any]) -> CheckResult:
        """Record the call, then fail as scripted."""
        self.seen.append((model.rel, dict(settings)))
        if self.raises:
            raise self.raises
        return CheckResult.from_findings(self.name, list(self.findings))


@pytest.fixture
def fake_checks() -> dict[str, FakeCheck]:
    """Three scripted checks: one passes, one fails, one warns."""
    failing = Finding(
        "beta/broken", Severity.ERROR, "it is broken", "models/a/x.py", 3, 1, "mend it"
    )
    warning = Finding("gamma/odd", Severity.WARNING, "it is odd")
    return {
        "alpha": FakeCheck("alpha"),
        "beta": FakeCheck("beta", [failing]),
        "gamma": FakeCheck("gamma", [warning]),
    }
