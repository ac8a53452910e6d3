"""Tests for packaging: one top-level package, data files shipped."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("modelbot-*.whl")
    return built


def test_wheel_installs_only_modelbot(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {
        name.split("/")[0]
        for name in names
        if not name.split("/")[0].endswith(".dist-info")
    }
    assert top == {"modelbot"}


def test_wheel_ships_templates_and_schemas(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "modelbot/schemas/report.schema.json" in names
    assert "modelbot/templates/report.md.j2" in names
    assert "modelbot/checks/__init__.py" in names
    assert "modelbot/cli.py" in names


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "modelbot", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "modelbot, version 0.1.0"
