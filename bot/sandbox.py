"""Run an untrusted command in a child process with limits and no network.

The parent never forks its own interpreter: it spawns a fresh ``python -I``
running this file by path (the launcher), which applies resource limits, cuts
the network with a network namespace where the kernel allows it, and execs the
command. The child leads its own session, so its whole process group is killed
on timeout, and its environment comes from an allow-list, never from a copy of
``os.environ``. Keep this module's imports to the standard library: it runs as
a script before anything else is importable.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

LOG = logging.getLogger(__name__)

# Variables copied from the parent when set; none of them can hold a secret.
PASSED_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
# A variable whose name contains one of these never reaches the child.
SECRET_MARKERS = ("TOKEN", "SECRET", "PASSW", "CREDENTIAL", "KEY", "AUTH")
STDERR_TAIL_BYTES = 8192
EXIT_SETUP_FAILED = 125
SETUP_PREFIX = "modelbot-sandbox: "
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits for the child; ``None`` keeps the inherited limit."""

    cpu_seconds: int | None = None
    file_size_mb: int | None = 1024
    open_files: int | None = 1024
    # RLIMIT_DATA (private writable memory, thread stacks included), not
    # RLIMIT_AS: TensorFlow maps gigabytes it never touches.
    data_mb: int | None = None


@dataclass(frozen=True)
class Outcome:
    """How the child ended."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    duration: float
    max_rss_mb: float | None
    stderr_tail: str
    network_isolated: bool

    @property
    def signal_name(self) -> str | None:
        """The name of the signal that killed the child, like ``SIGKILL``."""
        if self.signal is None:
            return None
        try:
            return signal.Signals(self.signal).name
        except ValueError:
            return f"signal {self.signal}"


@dataclass(frozen=True)
class Isolation:
    """Whether the kernel lets the launcher cut the network, and why not."""

    available: bool
    reason: str = ""


class SandboxError(RuntimeError):
    """The sandbox itself could not be set up (a modelbot or host problem)."""


def build_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the child's environment: allow-listed names plus ``extra``."""
    env = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update(PATH=DEFAULT_PATH, HOME=str(home), TMPDIR=str(home))
    for name, value in (extra or {}).items():
        if any(marker in name.upper() for marker in SECRET_MARKERS):
            raise ValueError(f"refusing to pass {name} to a sandboxed child")
        env[name] = value
    return env


@functools.cache
def network_isolation() -> Isolation:
    """Find out once whether a child can be put in its own network namespace."""
    spec = json.dumps({"cwd": "/", "limits": asdict(Limits()), "netns": True})
    try:
        probe = subprocess.run(
            [sys.executable, "-I", "-B", str(Path(__file__).resolve()), spec, "--"],
            env=build_env(Path("/")),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Isolation(False, str(exc))
    if probe.returncode == 0:
        return Isolation(True)
    reason = probe.stderr.strip().removeprefix(SETUP_PREFIX)[-300:]
    LOG.info("network isolation unavailable: %s", reason)
    return Isolation(False, reason or f"probe exited with {probe.returncode}")


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    limits: Limits = Limits(),
    env: Mapping[str, str] | None = None,
    isolate_network: bool = True,
) -> Outcome:
    """Run ``argv`` sandboxed in ``cwd``; kill its process group after ``timeout``."""
    isolated = isolate_network and network_isolation().available
    spec = {"cwd": str(cwd), "limits": asdict(limits), "netns": isolated}
    launcher = [sys.executable, "-I", "-B", str(Path(__file__).resolve())]
    launcher += [json.dumps(spec), "--", *argv]
    child_env = build_env(cwd, env)

    # stdout is the contribution's to pollute: discard it. stderr goes to an
    # unlinked file the child cannot find by name; RLIMIT_FSIZE caps its size.
    with tempfile.TemporaryFile() as stderr:
        start = time.monotonic()
        pid = os.posix_spawn(
            sys.executable,
            launcher,
            child_env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, stderr.fileno(), 2),
            ],
            setsid=True,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
        )
        LOG.debug("sandbox pid %d: %s", pid, " ".join(argv))
        status, usage, timed_out = _wait(pid, timeout)
        duration = time.monotonic() - start
        tail = _tail(stderr)

    if os.WIFSIGNALED(status):
        exit_code, killed_by = None, os.WTERMSIG(status)
    else:
        exit_code, killed_by = os.WEXITSTATUS(status), None
    if exit_code == EXIT_SETUP_FAILED and tail.startswith(SETUP_PREFIX):
        raise SandboxError(tail.split(SETUP_PREFIX)[-1].strip())
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    scale = MIB if sys.platform == "darwin" else 1024
    max_rss = round(usage.ru_maxrss / scale, 1) if usage.ru_maxrss else None
    return Outcome(exit_code, killed_by, timed_out, duration, max_rss, tail, isolated)


def read_json(path: Path, max_bytes: int) -> Any:
    """Read JSON a child wrote, as untrusted data: ``None`` if unusable.

    Only a regular file is read (not a symlink, FIFO or device the child put
    there), and only up to ``max_bytes``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        LOG.warning("ignoring %s: larger than %d bytes", path, max_bytes)
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _wait(pid: int, timeout: float) -> tuple[int, Any, bool]:
    """Wait for ``pid`` until ``timeout``, kill its process group, and reap it."""
    deadline = time.monotonic() + timeout
    timed_out = False
    delay = 0.005
    try:
        # WNOWAIT leaves the exited child a zombie, which keeps its pid (and
        # so its process group id) from being reused until the group is killed.
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            if time.monotonic() >= deadline:
                timed_out = True
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
    finally:
        _kill_group(pid)
        _, status, usage = os.wait4(pid, 0)
    return status, usage, timed_out


def _kill_group(pgid: int) -> None:
    """Kill every process left in the child's process group."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(stream: IO[bytes]) -> str:
    """The last ``STDERR_TAIL_BYTES`` of ``stream``, decoded leniently."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(max(0, size - STDERR_TAIL_BYTES))
    return stream.read().decode("utf-8", errors="replace")


# --- The launcher: runs in the fresh interpreter, before the command. ---


def _launch(args: list[str]) -> None:
    """Apply the spec in ``args[0]``, then exec the command after ``--``."""
    spec = json.loads(args[0])
    command = args[2:]
    os.chdir(spec["cwd"])
    os.umask(0o077)
    _apply_limits(spec["limits"])
    if spec["netns"]:
        reason = _unshare_network()
        if reason:
            sys.stderr.write(f"{SETUP_PREFIX}cannot cut the network: {reason}\n")
            sys.stderr.flush()
            os._exit(EXIT_SETUP_FAILED)
    if not command:
        os._exit(0)
    os.closerange(3, 65536)
    os.execv(command[0], command)


def _apply_limits(limits: dict[str, int | None]) -> None:
    """Set the resource limits the spec asks for, and forbid core dumps."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    wanted = {
        resource.RLIMIT_CPU: limits["cpu_seconds"],
        resource.RLIMIT_FSIZE: _mib(limits["file_size_mb"]),
        resource.RLIMIT_NOFILE: limits["open_files"],
        resource.RLIMIT_DATA: _mib(limits["data_mb"]),
    }
    for which, soft in wanted.items():
        if soft is None:
            continue
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        # CPU: the soft limit sends SIGXCPU, the hard one a second later SIGKILL.
        new_hard = soft + 1 if which == resource.RLIMIT_CPU else soft
        if hard != resource.RLIM_INFINITY:
            new_hard = min(new_hard, hard)
        resource.setrlimit(which, (soft, new_hard))


def _mib(value: int | None) -> int | None:
    """Mebibytes to bytes, keeping ``None``."""
    return None if value is None else value * MIB


def _unshare_network() -> str:
    """Enter a new network namespace; return why that failed, or ``""``."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    try:
        _unshare(CLONE_NEWNET)
        return ""
    except OSError as exc:
        direct = exc.strerror or str(exc)
    # Without CAP_SYS_ADMIN, a user namespace of our own grants it there.
    uid, gid = os.geteuid(), os.getegid()
    try:
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    except OSError as exc:
        return f"{direct}; in a user namespace: {exc.strerror or exc}"
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass  # The network is cut; the child just sees the overflow uid.
    return ""


def _unshare(flags: int) -> None:
    """Call unshare(2): ``os.unshare`` from Python 3.12, libc before."""
    if hasattr(os, "unshare"):
        os.unshare(flags)
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


if __name__ == "__main__":
    _launch(sys.argv[1:])
