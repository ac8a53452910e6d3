"""Tests for the sandbox that runs contributed code: plain Python children only."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modelbot import sandbox

SECRETS = {
    "GITHUB_TOKEN": "ghs_parent_secret_1",
    "INPUT_GITHUB_TOKEN": "ghs_parent_secret_2",
    "AWS_SECRET_ACCESS_KEY": "aws_parent_secret",
    "OPENAI_API_KEY": "sk-parent-secret",
    "ACTIONS_RUNTIME_TOKEN": "runtime-parent-secret",
    "SOME_UNRELATED_VARIABLE": "not-a-secret-but-not-allowed",
}


def run_python(
    tmp_path: Path, code: str, timeout: float = 60, **kwargs: Any
) -> sandbox.Outcome:
    """Run ``code`` in a sandboxed ``python -I`` with ``tmp_path/work`` as cwd."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    argv = [sys.executable, "-I", "-c", code]
    return sandbox.run(argv, cwd=work, timeout=timeout, **kwargs)


def read(tmp_path: Path, name: str) -> object:
    """Read the JSON a child wrote into its working directory."""
    return json.loads((tmp_path / "work" / name).read_text())


def test_child_environment_is_allow_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    code = "import json, os; json.dump(dict(os.environ), open('env.json', 'w'))"

    outcome = run_python(tmp_path, code, env={"KERAS_BACKEND": "tensorflow"})

    assert outcome.exit_code == 0, outcome.stderr_tail
    env = read(tmp_path, "env.json")
    assert isinstance(env, dict)
    assert not set(SECRETS) & set(env)
    assert not set(SECRETS.values()) & set(env.values())
    allowed = {*sandbox.PASSED_VARIABLES, "PATH", "HOME", "TMPDIR", "KERAS_BACKEND"}
    assert set(env) - {"LC_CTYPE"} <= allowed  # CPython may set LC_CTYPE itself.
    assert env["HOME"] == str(tmp_path / "work")
    assert env["KERAS_BACKEND"] == "tensorflow"


@pytest.mark.parametrize("name", ["GITHUB_TOKEN", "MY_API_KEY", "DB_PASSWORD"])
def test_build_env_refuses_secret_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        sandbox.build_env(tmp_path, {name: "x"})


def test_child_leads_its_own_session_in_its_cwd_with_limits(tmp_path: Path) -> None:
    code = (
        "import json, os, resource as r\n"
        "json.dump({'sid': os.getsid(0), 'pid': os.getpid(),"
        " 'pgid': os.getpgid(0), 'cwd': os.getcwd(),"
        " 'core': r.getrlimit(r.RLIMIT_CORE), 'nofile': r.getrlimit(r.RLIMIT_NOFILE),"
        " 'fsize': r.getrlimit(r.RLIMIT_FSIZE), 'cpu': r.getrlimit(r.RLIMIT_CPU),"
        " 'fds': sorted(int(f) for f in os.listdir('/proc/self/fd'))},"
        " open('info.json', 'w'))"
    )
    limits = sandbox.Limits(cpu_seconds=30, file_size_mb=5, open_files=64)

    outcome = run_python(tmp_path, code, limits=limits)

    assert outcome.exit_code == 0, outcome.stderr_tail
    info = read(tmp_path, "info.json")
    assert isinstance(info, dict)
    assert info["sid"] == info["pid"] == info["pgid"]
    assert info["cwd"] == str(tmp_path / "work")
    assert info["core"] == [0, 0]
    assert info["nofile"][0] == 64
    assert info["fsize"][0] == 5 * 1024 * 1024
    assert info["cpu"] == [30, 31]
    assert max(info["fds"]) <= 3  # stdin/out/err and listdir's own descriptor
    assert outcome.max_rss_mb is not None and outcome.max_rss_mb > 1


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    code = (
        "import subprocess, time\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\n"
        "time.sleep(300)\n"
    )

    outcome = run_python(tmp_path, code, timeout=2)

    assert outcome.timed_out
    assert outcome.signal == signal.SIGKILL
    grandchild = int((tmp_path / "work" / "grandchild.pid").read_text())
    # Killed: gone, or a zombie waiting for init to reap it. SIGKILL is
    # delivered at once but a loaded machine may take a moment to tear the
    # process down, so look again for a bounded while before concluding.
    assert eventually_dead(grandchild)


def eventually_dead(pid: int, tries: int = 100) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(tries):
        try:
            state = stat.read_text().split(") ")[1][0]
        except (OSError, IndexError):
            return True
        if state in "ZX":
            return True
        time.sleep(0.05)
    return False


def test_exit_code_and_capped_stderr_tail(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "for i in range(5000): print('noise line', i)\n"
        "print('the last words', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )

    outcome = run_python(tmp_path, code)

    assert outcome.exit_code == 3
    assert outcome.signal is None and not outcome.timed_out
    assert outcome.stderr_tail.rstrip().endswith("the last words")
    assert len(outcome.stderr_tail.encode()) <= sandbox.STDERR_TAIL_BYTES


def test_killed_by_signal(tmp_path: Path) -> None:
    outcome = run_python(tmp_path, "import os, signal; os.kill(os.getpid(), 15)")

    assert outcome.exit_code is None
    assert outcome.signal == signal.SIGTERM
    assert outcome.signal_name == "SIGTERM"


def test_cpu_limit_stops_a_busy_loop(tmp_path: Path) -> None:
    limits = sandbox.Limits(cpu_seconds=1)

    outcome = run_python(tmp_path, "while True: pass", limits=limits)

    assert not outcome.timed_out
    assert outcome.signal_name in ("SIGXCPU", "SIGKILL")


def test_file_size_limit(tmp_path: Path) -> None:
    code = "open('big.bin', 'wb').write(b'x' * (3 * 1024 * 1024))"

    outcome = run_python(tmp_path, code, limits=sandbox.Limits(file_size_mb=1))

    assert outcome.exit_code != 0
    assert "File too large" in outcome.stderr_tail
    assert (tmp_path / "work" / "big.bin").stat().st_size <= 1024 * 1024


def test_data_limit_turns_a_huge_allocation_into_memory_error(tmp_path: Path) -> None:
    code = "x = bytearray(512 * 1024 * 1024)"

    outcome = run_python(tmp_path, code, limits=sandbox.Limits(data_mb=128))

    assert outcome.exit_code == 1
    assert "MemoryError" in outcome.stderr_tail


def test_network_is_cut_when_isolation_is_available(
    tmp_path: Path, loopback_server: int
) -> None:
    code = (
        "import socket, sys\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {loopback_server}), timeout=5)\n"
        "except OSError as exc:\n"
        "    print('refused:', exc, file=sys.stderr); sys.exit(7)\n"
        "print('connected')\n"
    )

    # Control: without isolation the child reaches the parent's server.
    control = run_python(tmp_path, code, isolate_network=False)
    assert control.exit_code == 0, control.stderr_tail
    assert not control.network_isolated

    if not sandbox.network_isolation().available:
        pytest.skip(f"no network namespace: {sandbox.network_isolation().reason}")
    outcome = run_python(tmp_path, code)
    assert outcome.network_isolated
    assert outcome.exit_code == 7, outcome.stderr_tail
    assert "refused:" in outcome.stderr_tail


def test_read_json_treats_the_file_as_untrusted(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"done": true}')
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"x": "y" * 2000}))
    link = tmp_path / "link.json"
    link.symlink_to(good)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    broken = tmp_path / "broken.json"
    broken.write_text('{"done": tr')

    assert sandbox.read_json(good, 1000) == {"done": True}
    assert sandbox.read_json(big, 1000) is None
    assert sandbox.read_json(link, 1000) is None
    assert sandbox.read_json(fifo, 1000) is None  # and does not block
    assert sandbox.read_json(deep, 1_000_000) is None
    assert sandbox.read_json(broken, 1000) is None
    assert sandbox.read_json(tmp_path / "missing.json", 1000) is None
