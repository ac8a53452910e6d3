"""The README's first command, end to end: every example's verdict and reason."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import jsonschema
import pytest

from modelbot.report import load_schema

from .conftest import EXAMPLES

# model -> check -> (status, the error rules it must report, in order)
EXPECTED = {
    "models/mlp-classifier": {
        "smoke": ("pass", []),
        "license": ("pass", []),
        "docs": ("pass", []),
    },
    "models/linear-regression": {
        "smoke": ("pass", []),
        "license": ("pass", []),
        "docs": ("pass", []),
    },
    "models/nan-loss": {
        "smoke": ("fail", ["smoke/non-finite-loss"]),
        "license": ("pass", []),
        "docs": ("pass", []),
    },
    "models/unreloadable-layer": {
        "smoke": ("fail", ["smoke/reload-failed"]),
        "license": ("pass", []),
        "docs": ("pass", []),
    },
    "models/missing-license": {
        "smoke": ("pass", []),
        "license": ("fail", ["license/missing-file"]),
        "docs": ("pass", []),
    },
    "models/license-mismatch": {
        "smoke": ("pass", []),
        "license": ("fail", ["license/card-mismatch"]),
        "docs": ("pass", []),
    },
    "models/incomplete-card": {
        "smoke": ("pass", []),
        "license": ("pass", []),
        "docs": (
            "fail",
            [
                "docs/missing-section",
                "docs/missing-section",
                "docs/missing-metadata",
                "docs/missing-metadata",
            ],
        ),
    },
    "models/broken-image": {
        "smoke": ("pass", []),
        "license": ("pass", []),
        "docs": ("fail", ["docs/broken-image"]),
    },
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    out = tmp_path_factory.mktemp("report") / "r.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelbot",
            "check",
            str(EXAMPLES),
            "--format",
            "json",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    return done.returncode, json.loads(out.read_text()), done.stderr


@pytest.mark.tensorflow
def test_examples_exit_1_and_the_report_validates(
    run: tuple[int, dict[str, Any], str],
) -> None:
    code, report, stderr = run
    assert code == 1, stderr[-2000:]
    jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.FormatChecker()
    ).validate(report)
    assert report["status"] == "fail"
    assert report["counts"] == {"pass": 18, "skip": 0, "warn": 0, "fail": 6, "error": 0}
    # a progress line per model and check went to standard error
    assert stderr.count("[8/8] models/unreloadable-layer") == 3


@pytest.mark.tensorflow
def test_every_example_gets_its_verdict_and_reason(
    run: tuple[int, dict[str, Any], str],
) -> None:
    _, report, _ = run
    got = {
        model["path"]: {
            check["name"]: (
                check["status"],
                [f["rule"] for f in check["findings"] if f["severity"] == "error"],
            )
            for check in model["checks"]
        }
        for model in report["models"]
    }
    assert got == EXPECTED


@pytest.mark.tensorflow
def test_failing_findings_tell_the_contributor_what_to_change(
    run: tuple[int, dict[str, Any], str],
) -> None:
    _, report, _ = run
    for model in report["models"]:
        for check in model["checks"]:
            for finding in check["findings"]:
                if finding["severity"] == "error":
                    assert finding["hint"], (model["path"], finding["rule"])
                    assert finding["path"].startswith(model["path"])
    smoke = {m["path"]: m["checks"][0] for m in report["models"]}
    assert all(
        len(s["metrics"]["losses"]) == 20
        for p, s in smoke.items()
        if s["status"] == "pass"
    )
    assert "`Scale`" in smoke["models/unreloadable-layer"]["findings"][0]["message"]
