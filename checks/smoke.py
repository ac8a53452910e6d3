"""The training smoke test: build, train, save and reload each model in a sandbox.

Two sandboxed processes per model (importing TensorFlow costs seconds each): the
first builds the model seeded, checks its data and forward pass, trains it on
one fixed batch and saves it as ``.keras``; the second, fresh, imports only
model.py, reloads the file in safe mode, compares predictions and repeats the
first steps to check the run is reproducible. The children only report what
they saw (``smoke_child.py``); every verdict is decided here.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelbot import sandbox
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
MAX_TEXT = 300
FILE_SIZE_MB = 2048
OPEN_FILES = 1024
RERUN_STEPS = 3
# Same seed, same CPU: losses agree exactly; allow float32 rounding only.
DETERMINISM_RTOL = 1e-6
DEFAULT_LOSSES = {
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
    "mean_squared_error",
}

NO_CODE = "model.py is missing: the smoke test needs it to define build_model()"
NO_ISOLATION = "model code ran with network access: no network namespace ({reason})"
NON_FINITE_LOSS = "the loss became NaN or infinite at step {step} of {steps}"
NON_FINITE_START = "the loss is NaN or infinite before training (step 0)"
NON_FINITE_HINT = (
    "Lower the learning rate, clip gradients, or check the data and the loss "
    "for values out of range."
)
NOT_FALLING = (
    "the loss on one repeated batch went from {initial:.4g} to {final:.4g} in "
    "{steps} steps ({drop:+.1%}); the smoke test expects a drop of at least "
    "{wanted:.0%}"
)
NOT_FALLING_HINT = (
    "A model that cannot overfit one small batch usually has a bug: check the "
    "learning rate, that the loss matches the output activation, and that "
    "gradients reach the weights."
)
TOO_MANY_PARAMS = "the model has {params:,} parameters, over the budget of {budget:,}"
TOO_MANY_HINT = "Shrink the model, or raise smoke.max_params in .modelbot.yml."
FROZEN = "trainable weights never changed in {steps} steps: {names}"
FROZEN_HINT = (
    "They get no gradient: use them in call(), or create them with trainable=False."
)
MISMATCH = (
    "the reloaded model predicts differently: max |difference| {diff} exceeds "
    "reload_atol {atol}"
)
MISMATCH_HINT = (
    "Save all state as weights or in get_config(); don't rebuild random state "
    "in build() or call()."
)
NONDETERMINISTIC = (
    "training is not reproducible: with seed {seed}, a fresh process gave losses "
    "differing by up to {diff:.3g} in the first {steps} steps"
)
NONDETERMINISTIC_HINT = (
    "Avoid unseeded randomness (time-based seeds, "
    "tf.random.Generator.from_non_deterministic_state); the smoke test seeds "
    "with keras.utils.set_random_seed."
)


# Exceptions in a phase: rule, message and hint. {error} is "Type: last line".
PHASES = {
    "start": ("smoke/crashed", "the smoke test process failed to start: {error}", None),
    "import": (
        "smoke/import-failed",
        "importing {file} raised {error}",
        "model.py and what it imports must import offline, on CPU, in a fresh "
        "Python process.",
    ),
    "build": ("smoke/build-failed", "build_model() raised {error}", None),
    "data": (
        "smoke/bad-data",
        "preparing the data raised {error}",
        "sample_data() must return (x, y) NumPy arrays that fit the model's "
        "inputs and loss.",
    ),
    "compile": ("smoke/compile-failed", "compiling the model raised {error}", None),
    "forward": (
        "smoke/forward-failed",
        "the forward pass on batches of 2 and 3 samples raised {error}",
        "Don't hard-code the batch size: use None in Input shapes and -1 in Reshape.",
    ),
    "train": ("smoke/train-failed", "training raised {error} at step {step}", None),
    "save": ("smoke/save-failed", "saving as .keras raised {error}", None),
    "reload": (
        "smoke/reload-failed",
        "reloading the saved .keras file in a fresh process raised {error}",
        None,
    ),
    "compare": (
        "smoke/reload-failed",
        "predicting with the reloaded model raised {error}",
        None,
    ),
}
RERUN = " (second run, in a fresh process)"
OUT_OF_MEMORY = "the model ran out of memory during {phase}: {error}"
OUT_OF_MEMORY_HINT = "Make the model or its data smaller{budget}."
TF_FRAME = re.compile(r'^\s*File "([^"\n]+)", line (\d+)', re.MULTILINE)
MEMORY_ERRORS = {"MemoryError", "ResourceExhaustedError"}
# Failures the child reports by kind: rule, message and hint.
FAILURES = {
    "no-build-model": (
        "smoke/build-failed",
        "model.py defines no build_model() function",
        "Add `def build_model() -> keras.Model` returning the model.",
    ),
    "not-a-model": (
        "smoke/build-failed",
        "build_model() returned {returned}, not a keras.Model",
        "Return the model object, e.g. `return keras.Model(inputs, outputs)`.",
    ),
    "bad-data": (
        "smoke/bad-data",
        "sample_data() is unusable: {reason}",
        "Return a tuple (x, y) of NumPy arrays with one row per sample.",
    ),
    "no-data": (
        "smoke/bad-data",
        "cannot make synthetic data: {reason}",
        "Define sample_data() returning (x, y) NumPy arrays.",
    ),
    "label-out-of-range": (
        "smoke/label-out-of-range",
        "label {label} outside [0, {classes}): sparse categorical labels must be "
        "class indices below the output width",
        "Fix the labels in sample_data(), or give the output one unit per class.",
    ),
    "bad-output": (
        "smoke/bad-output-shape",
        "on a batch of {batch} samples the model returned outputs of shape "
        "{shapes}: the first dimension must be the batch size",
        "Don't hard-code the batch size (use -1 in Reshape).",
    ),
    "non-finite-output": (
        "smoke/non-finite-output",
        "the untrained model returns NaN or infinite values for {batch} samples",
        "Check the initializers and any log, division or sqrt in call().",
    ),
}
SAVE_LAYER = (
    "saving as .keras failed: layer `{layer}` cannot be serialized; implement "
    "get_config() in `{layer}` ({reason})"
)
SAVE_LAYER_HINT = (
    "Keras saves only str, int, float, bool and None constructor arguments by "
    "itself: return the others from get_config() (and convert them back in "
    "from_config())."
)
RELOAD_LAMBDA = (
    "inline Python lambda in Lambda layer cannot be reloaded safely; use a "
    "registered custom layer/function (layer `{layer}`)"
)
RELOAD_LAMBDA_HINT = (
    "Safe mode refuses to run saved Python bytecode: replace the lambda with a "
    "custom layer or named function decorated with "
    "@keras.saving.register_keras_serializable(package=...)."
)
RELOAD_CLASS = (
    "custom class `{name}` is not registered: decorate it with "
    "@keras.saving.register_keras_serializable(package=...)"
)
RELOAD_CLASS_HINT = (
    "Register it at module level in model.py or a module it imports: the reload "
    "runs in a fresh process that only imports model.py."
)
TIMEOUT = "the smoke test timed out after {budget:g} s during {phase}"
TIMEOUT_HINT = "Make the model or its data smaller, or raise smoke.timeout (seconds)."
KILLED = "the smoke test process was killed by {signal} during {phase}{why}"
SIGNAL_CAUSES = {
    "SIGKILL": " (usually the out-of-memory killer)",
    "SIGXCPU": " (CPU time limit)",
    "SIGXFSZ": " (file size limit)",
    "SIGSEGV": " (a crash in native code)",
    "SIGABRT": " (aborted, often a failed allocation or assertion)",
}
EXITED = "the smoke test process exited with status {code} during {phase}: {last}"
UNKNOWN_FAILURE = "the smoke test process reported an unknown failure `{kind}`"
PHASE_NAMES = {
    "start": "start-up",
    "import": "the import of model.py",
    "build": "build_model()",
    "data": "data preparation",
    "compile": "compile",
    "forward": "the forward pass",
    "train": "training",
    "save": "saving",
    "reload": "reloading",
    "compare": "the comparison after reloading",
}


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
            findings += train.findings() + _judge_training(train)
            reload = None
            if train.saved:
                reload = _run_child(model, settings, scratch, "reload", train)
                findings += reload.findings() + _judge_reload(train, reload)

        metrics = _metrics(train, reload)
        return CheckResult.from_findings(NAME, findings, metrics, _summary(metrics))


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


def _text(value: Any) -> str:
    """An untrusted string on one line, capped; ``""`` if it is not a string."""
    return " ".join(value.split())[:MAX_TEXT] if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    """An untrusted finite number, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _texts(value: Any) -> list[str]:
    """An untrusted list of strings, capped."""
    return [_text(item)[:100] for item in value[:20]] if isinstance(value, list) else []


class ChildReport:
    """One child's outcome and result file, read as untrusted data."""

    def __init__(
        self,
        model: ModelDir,
        settings: Mapping[str, Any],
        mode: str,
        outcome: sandbox.Outcome,
        data: Any,
    ) -> None:
        self.model, self.settings, self.mode = model, settings, mode
        self.outcome = outcome
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        metrics, failure = self.data.get("metrics"), self.data.get("failure")
        self.metrics: dict[str, Any] = metrics if isinstance(metrics, dict) else {}
        self.failure: dict[str, Any] = failure if isinstance(failure, dict) else {}
        self.done = self.data.get("done") is True
        self.code = model.relpath(model.code)

    @property
    def saved(self) -> bool:
        """Whether this is the train child and it saved the model."""
        return self.mode == "train" and self.done and not self.failure

    def text(self, key: str) -> str:
        """A string metric."""
        return _text(self.metrics.get(key))

    def losses(self, key: str) -> list[float | None]:
        """A list of losses (``None`` where not finite), capped at steps + 1."""
        value = self.metrics.get(key)
        items = value[: self.settings["steps"] + 1] if isinstance(value, list) else []
        return [_number(item) for item in items]

    @property
    def phase(self) -> str:
        """The phase the child last entered, in words."""
        phase = _text(self.data.get("phase"))
        base = phase.removeprefix("rerun-")
        words = PHASE_NAMES.get(base, PHASE_NAMES["start"])
        if base == "train" and phase == base:
            step = max(1, len(self.losses("train_losses")))
            words += f" (step {step} of {self.settings['steps']})"
        return words + (RERUN if phase != base else "")

    def finding(
        self,
        rule: str,
        message: str,
        hint: str | None = None,
        where: tuple[str, int | None] | None = None,
        severity: Severity = Severity.ERROR,
    ) -> Finding:
        """A finding on ``where`` (file and line), model.py by default."""
        path, line = where or (self.code, None)
        return Finding(rule, severity, message, path, line, hint=hint)

    def findings(self) -> list[Finding]:
        """What the process outcome and the reported failure say is wrong."""
        internal = self.data.get("internal")
        if isinstance(internal, str) and not self.outcome.timed_out:
            raise RuntimeError(f"smoke child ({self.mode}) failed: {internal[-500:]}")
        if self.outcome.timed_out:
            budget = float(self.settings["timeout"])
            message = TIMEOUT.format(budget=budget, phase=self.phase)
            return [self.finding("smoke/timeout", message, TIMEOUT_HINT)]
        if not self.done:
            return [self.finding("smoke/crashed", self._crash_message())]
        kind = _text(self.failure.get("kind"))
        if not self.failure or kind in ("too-many-params", "non-finite-loss"):
            return []  # The parent judges those from the metrics, by its policy.
        if kind == "exception":
            return [self._exception()]
        if kind == "save-failed":
            return self._save_failed()
        if kind == "reload-failed":
            return self._reload_failed()
        if kind in FAILURES:
            rule, template, hint = FAILURES[kind]
            return [self.finding(rule, template.format(**self._details()), hint)]
        return [self.finding("smoke/crashed", UNKNOWN_FAILURE.format(kind=kind))]

    def _details(self) -> dict[str, Any]:
        """The failure's fields, sanitised for message templates."""
        failure = self.failure
        label = _number(failure.get("label"))
        return {
            "returned": _text(failure.get("returned")) or "?",
            "reason": _text(failure.get("reason")) or "?",
            "label": "?" if label is None else f"{label:g}",
            "classes": int(_number(failure.get("classes")) or 0),
            "batch": int(_number(failure.get("batch")) or 0),
            "shapes": _text(json.dumps(failure.get("shapes"))),
        }

    def _crash_message(self) -> str:
        """Why the child died before it finished its report."""
        name = self.outcome.signal_name
        if name:
            why = SIGNAL_CAUSES.get(name, "")
            return KILLED.format(signal=name, phase=self.phase, why=why)
        lines = [ln for ln in self.outcome.stderr_tail.splitlines() if ln.strip()]
        last = _text(lines[-1]) if lines else "(no output)"
        return EXITED.format(code=self.outcome.exit_code, phase=self.phase, last=last)

    def _error(self) -> tuple[str, tuple[str, int | None]]:
        """``Type: last line`` of the reported exception, and where it was raised."""
        message = self.failure.get("message")
        lines = message.splitlines() if isinstance(message, str) else []
        # TensorFlow lists where a graph node was defined ('File "...", line N')
        # and appends "[[{{node ...}}]]": use the former to locate, skip both.
        defined = [[m[0], int(m[1])] for m in TF_FRAME.findall("\n".join(lines))]
        lines = [ln.strip() for ln in lines if ln.strip()]
        lines = [ln for ln in lines if not ln.startswith(("[[", "File "))]
        last = _text(lines[-1]) if lines else ""
        kind = _text(self.failure.get("type")) or "Exception"
        frames = self.failure.get("frames")
        where = _locate(self.model, frames)
        if where[1] is None:
            where = _locate(self.model, defined)
        return (f"{kind}: {last}" if last else kind), where

    def _exception(self) -> Finding:
        """A finding for an exception the child caught in a phase."""
        error, where = self._error()
        phase = _text(self.failure.get("phase"))
        base = phase.removeprefix("rerun-")
        if _text(self.failure.get("type")) in MEMORY_ERRORS:
            budget = self.settings["memory_mb"]
            limit = f" than smoke.memory_mb ({budget} MiB)" if budget else ""
            message = OUT_OF_MEMORY.format(phase=self.phase, error=error)
            advice = OUT_OF_MEMORY_HINT.format(budget=limit)
            return self.finding("smoke/out-of-memory", message, advice, where)
        rule, template, hint = PHASES.get(base, PHASES["start"])
        step = max(1, len(self.losses("train_losses")))
        message = template.format(error=error, file=where[0], step=step)
        return self.finding(
            rule, message + (RERUN if phase != base else ""), hint, where
        )

    def _save_failed(self) -> list[Finding]:
        """One finding per layer that cannot be serialized, or the error."""
        layers = self.failure.get("layers")
        found = []
        for item in layers[:10] if isinstance(layers, list) else []:
            item = item if isinstance(item, list) else []
            layer, reason = (_text(part) for part in (item + [None, None])[:2])
            place = item[2:3]
            message = SAVE_LAYER.format(layer=layer, reason=reason)
            where = _locate(self.model, place)
            found.append(
                self.finding("smoke/save-failed", message, SAVE_LAYER_HINT, where)
            )
        if found:
            return found
        error, where = self._error()
        message = PHASES["save"][1].format(error=error)
        return [self.finding("smoke/save-failed", message, None, where)]

    def _reload_failed(self) -> list[Finding]:
        """Findings naming inline lambdas and unregistered classes, or the error."""
        rule, failure = "smoke/reload-failed", self.failure
        found = [
            self.finding(rule, RELOAD_LAMBDA.format(layer=layer), RELOAD_LAMBDA_HINT)
            for layer in _texts(failure.get("lambdas"))
        ]
        places = failure.get("places")
        places = places if isinstance(places, list) else []
        for index, name in enumerate(_texts(failure.get("unregistered"))):
            where = _locate(self.model, places[index : index + 1])
            message = RELOAD_CLASS.format(name=name)
            found.append(self.finding(rule, message, RELOAD_CLASS_HINT, where))
        if found:
            return found
        error, where = self._error()
        return [
            self.finding(rule, PHASES["reload"][1].format(error=error), None, where)
        ]


def _locate(model: ModelDir, frames: Any) -> tuple[str, int | None]:
    """The innermost frame ``[file, line, ...]`` in the model's directory.

    Falls back to model.py without a line.
    """
    root = model.path.resolve()
    for frame in reversed(frames if isinstance(frames, list) else []):
        if not (isinstance(frame, list) and len(frame) >= 2):
            continue
        filename, line = frame[0], frame[1]
        if not isinstance(filename, str) or not os.path.isabs(filename):
            continue
        path = Path(filename).resolve()
        if path.is_relative_to(root) and path.is_file():
            valid = isinstance(line, int) and not isinstance(line, bool) and line > 0
            return model.relpath(path), line if valid else None
    return model.relpath(model.code), None


def _judge_training(train: ChildReport) -> list[Finding]:
    """Apply the loss, parameter and gradient policies to the train child's report."""
    settings, findings = train.settings, []
    steps, losses = settings["steps"], train.losses("train_losses")
    initial, final = (losses[0], losses[-1]) if losses else (None, None)
    wanted = settings["min_loss_drop"]
    if None in losses:
        step = losses.index(None)
        message = NON_FINITE_LOSS.format(step=step, steps=steps)
        message = message if step else NON_FINITE_START
        findings.append(
            train.finding("smoke/non-finite-loss", message, NON_FINITE_HINT)
        )
    elif len(losses) == steps + 1 and initial is not None and final is not None:
        if final > initial - wanted * abs(initial):
            drop = (final - initial) / abs(initial) if initial else 0.0
            message = NOT_FALLING.format(
                initial=initial, final=final, steps=steps, drop=drop, wanted=wanted
            )
            rule = "smoke/loss-not-falling"
            findings.append(train.finding(rule, message, NOT_FALLING_HINT))
        frozen = _texts(train.data.get("frozen"))
        if frozen:
            message = FROZEN.format(steps=steps, names=", ".join(frozen))
            warning = Severity.WARNING
            rule = "smoke/no-gradient"
            findings.append(train.finding(rule, message, FROZEN_HINT, None, warning))
    params, budget = _number(train.metrics.get("params")), settings["max_params"]
    if params is not None and budget is not None and params > budget:
        message = TOO_MANY_PARAMS.format(params=int(params), budget=budget)
        findings.append(train.finding("smoke/too-many-params", message, TOO_MANY_HINT))
    return findings


def _judge_reload(train: ChildReport, reload: ChildReport) -> list[Finding]:
    """Apply the reload tolerance and the determinism check."""
    findings = []
    atol = reload.settings["reload_atol"]
    if "reload_max_abs_diff" in reload.metrics:
        diff = _number(reload.metrics["reload_max_abs_diff"])
        if diff is None or diff > atol:
            shown = "NaN or a shape change" if diff is None else f"{diff:.3g}"
            message = MISMATCH.format(diff=shown, atol=atol)
            findings.append(
                reload.finding("smoke/reload-mismatch", message, MISMATCH_HINT)
            )
    worst, reproducible = _compare_runs(train, reload)
    if not reproducible:
        steps = len(reload.losses("rerun_train_losses")) - 1
        seed = train.settings["seed"]
        message = NONDETERMINISTIC.format(seed=seed, diff=worst, steps=steps)
        rule, hint = "smoke/nondeterministic", NONDETERMINISTIC_HINT
        findings.append(train.finding(rule, message, hint, None, Severity.WARNING))
    return findings


def _compare_runs(train: ChildReport, reload: ChildReport) -> tuple[float | None, bool]:
    """The largest loss difference between the two processes, and whether it
    stays within float32 rounding; ``(None, True)`` if they are not comparable."""
    rerun = reload.losses("rerun_train_losses")
    first = train.losses("train_losses")[: len(rerun)]
    wanted = min(RERUN_STEPS, train.settings["steps"]) + 1
    if len(rerun) != wanted or len(first) != wanted:
        return None, True
    worst, same = 0.0, True
    for a, b in zip(first, rerun, strict=True):
        if a is None or b is None:
            worst, same = (worst, same) if a is b else (math.inf, False)
        else:
            worst = max(worst, abs(a - b))
            same = same and abs(a - b) <= DETERMINISM_RTOL * max(1.0, abs(a))
    return worst, same


def _metrics(train: ChildReport, reload: ChildReport | None) -> dict[str, Any]:
    """The numbers the report shows: losses, seed, sizes, durations, memory."""
    settings = train.settings
    losses = train.losses("train_losses")
    metrics: dict[str, Any] = {"seed": settings["seed"], "steps": settings["steps"]}
    for key in ("params", "batch_size"):
        value = _number(train.metrics.get(key))
        metrics[key] = None if value is None else int(value)
    for key in ("data", "compiled_by", "loss", "optimizer"):
        metrics[key] = train.text(key) or None
    # JSON has no NaN: a non-finite loss is reported as null.
    metrics["loss_initial"] = losses[0] if losses else None
    metrics["loss_final"] = losses[-1] if len(losses) > 1 else None
    metrics["losses"] = losses[1:]
    initial, final = metrics["loss_initial"], metrics["loss_final"]
    if initial and final is not None:
        metrics["loss_drop"] = round((initial - final) / abs(initial), 6)
    children = [c for c in (train, reload) if c is not None]
    if reload is not None:
        diff = reload.metrics.get("reload_max_abs_diff")
        metrics["reload_max_abs_diff"] = _number(diff)
        metrics["determinism_max_diff"] = _compare_runs(train, reload)[0]
    metrics["network_isolated"] = train.outcome.network_isolated
    rss = [c.outcome.max_rss_mb for c in children if c.outcome.max_rss_mb]
    metrics["peak_rss_mb"] = max(rss, default=None)
    metrics["durations"] = {f"{c.mode}_process": _durations(c) for c in children}
    return metrics


def _durations(child: ChildReport) -> dict[str, float]:
    """Seconds per phase as the child measured them, plus the process's total."""
    reported = child.data.get("durations")
    phases = list(reported.items())[:20] if isinstance(reported, dict) else []
    found = {_text(k): float(v) for k, v in phases if _number(v) is not None}
    return {**found, "total": round(child.outcome.duration, 3)}


def _summary(metrics: Mapping[str, Any]) -> str:
    """One line for the report: seed, size and how the loss moved."""
    parts = [f"seed {metrics['seed']}"]
    if metrics.get("params") is not None:
        parts.append(f"{metrics['params']:,} parameters")
    initial, final = metrics.get("loss_initial"), metrics.get("loss_final")
    if initial is not None and final is not None:
        parts.append(f"loss {initial:.4g} -> {final:.4g} in {metrics['steps']} steps")
    if metrics.get("reload_max_abs_diff") is not None:
        parts.append("reloaded in a fresh process")
    return ", ".join(parts)
