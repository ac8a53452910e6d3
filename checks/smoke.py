"""The training smoke test: build, train, save and reload each model in a sandbox.

Two sandboxed processes per model (importing TensorFlow costs seconds each): the
first builds the model seeded, checks its data and forward pass, trains it on
one fixed batch and saves it as ``.keras``; the second, fresh, imports only
model.py, reloads the file in safe mode, compares predictions and repeats the
first steps to check the run is reproducible. The children only report what
they saw (``smoke_child.py``); every verdict is decided in the parent
(``smoke_failures.py``, ``smoke_verdict.py``).
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelbot import sandbox
from modelbot.checks.smoke_failures import failure_findings
from modelbot.checks.smoke_outcome import ChildReport
from modelbot.checks.smoke_verdict import (
    RERUN_STEPS,
    collect_metrics,
    judge_reload,
    judge_training,
    summarize,
)
from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Finding, Severity

LOG = logging.getLogger(__name__)

NAME = "smoke"
CHILD_SCRIPT = Path(__file__).with_name("smoke_child.py")
DEFAULTS: dict[str, Any] = {
    "steps": 20,
    "timeout": 300,
    "seed": 1234,
    "batch_size": 16,
    "min_loss_drop": 0.1,
    "reload_atol": 1e-6,
    "max_params": None,
    "memory_mb": None,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "steps": {"type": "integer", "minimum": 1, "maximum": 10000},
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        "batch_size": {"type": "integer", "minimum": 1},
        "min_loss_drop": {"type": "number", "minimum": 0, "maximum": 1},
        "reload_atol": {"type": "number", "minimum": 0},
        "max_params": {"type": ["integer", "null"], "minimum": 1},
        # Below ~400 MiB TensorFlow cannot even be imported.
        "memory_mb": {"type": ["integer", "null"], "minimum": 512},
    },
    "additionalProperties": False,
}
CHILD_ENV = {
    "KERAS_BACKEND": "tensorflow",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "CUDA_VISIBLE_DEVICES": "",
    "MPLBACKEND": "Agg",
    "HF_HUB_OFFLINE": "1",
}
RESULT_FILE = "result.json"
MAX_RESULT_BYTES = 1024 * 1024
FILE_SIZE_MB = 2048
OPEN_FILES = 1024
DEFAULT_LOSSES = {
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
    "mean_squared_error",
}

NO_CODE = "model.py is missing: the smoke test needs it to define build_model()"
NO_ISOLATION = "model code ran with network access: no network namespace ({reason})"


class SmokeCheck:
    """Build, train on one batch, save and reload each model, sandboxed."""

    name = NAME
    description = "builds, trains, saves and reloads the model in a sandbox"
    defaults = DEFAULTS
    schema = SCHEMA

    def run(self, model: ModelDir, settings: Mapping[str, Any]) -> CheckResult:
        """Run the two sandboxed processes and judge what they report."""
        if not model.code.is_file():
            path = f"{model.rel}/model.py".removeprefix("./")
            finding = Finding("smoke/no-model-code", Severity.ERROR, NO_CODE, path)
            return CheckResult.from_findings(NAME, [finding])
        findings: list[Finding] = []
        isolation = sandbox.network_isolation()
        if not isolation.available:
            note = NO_ISOLATION.format(reason=isolation.reason)
            findings.append(Finding("smoke/network-not-isolated", Severity.NOTE, note))

        with tempfile.TemporaryDirectory(prefix="modelbot-smoke-") as tmp:
            scratch = Path(tmp)
            train = _run_child(model, settings, scratch, "train", None)
            findings += failure_findings(train) + judge_training(train)
            reload = None
            if train.saved:
                reload = _run_child(model, settings, scratch, "reload", train)
                findings += failure_findings(reload) + judge_reload(train, reload)

        metrics = collect_metrics(train, reload)
        return CheckResult.from_findings(NAME, findings, metrics, summarize(metrics))


CHECK = SmokeCheck()


def _run_child(
    model: ModelDir,
    settings: Mapping[str, Any],
    scratch: Path,
    mode: str,
    train: ChildReport | None,
) -> ChildReport:
    """Run the child script in ``mode`` in the sandbox and read its report."""
    spec = {
        "model_dir": str(model.path.resolve()),
        "model_file": str(model.code.resolve()),
        "seed": settings["seed"],
        "steps": settings["steps"],
        "batch_size": settings["batch_size"],
        "max_params": settings["max_params"],
        "rerun_steps": min(RERUN_STEPS, settings["steps"]),
        "default_loss": None,
    }
    if train and train.text("compiled_by") == "modelbot":
        loss = train.text("loss")
        spec["default_loss"] = loss if loss in DEFAULT_LOSSES else None
    timeout = float(settings["timeout"])
    limits = sandbox.Limits(
        # A backstop should the parent die: the wall-clock timeout acts first.
        cpu_seconds=math.ceil(timeout * (os.cpu_count() or 1)) + 10,
        file_size_mb=FILE_SIZE_MB,
        open_files=OPEN_FILES,
        data_mb=settings["memory_mb"],
    )
    env = {**CHILD_ENV, "KERAS_HOME": str(scratch / ".keras")}
    argv = [sys.executable, "-I", "-B", str(CHILD_SCRIPT), mode, json.dumps(spec)]
    LOG.info("smoke %s: %s process", model.rel, mode)
    outcome = sandbox.run(argv, cwd=scratch, timeout=timeout, limits=limits, env=env)
    LOG.debug("smoke %s: %s process ended: %s", model.rel, mode, outcome)
    data = sandbox.read_json(scratch / RESULT_FILE, MAX_RESULT_BYTES)
    return ChildReport(model, settings, mode, outcome, data)
