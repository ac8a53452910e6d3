"""Findings for a smoke test child that failed: timeouts, crashes, exceptions.

The child reports where it stopped (a phase and an exception, or a failure kind
with details); this module turns that into findings naming the file and line in
the contribution and what to change. Failures the parent judges by its own
policy (losses, parameter budget) are left to ``smoke_verdict``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from modelbot.checks.smoke_outcome import (
    RERUN,
    ChildReport,
    clean_number,
    clean_text,
    clean_texts,
    locate,
)
from modelbot.results import Finding

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
        "Check that sample_data() returns x shaped like the model's Input (one "
        "sample per row), and don't hard-code the batch size: use None in Input "
        "shapes and -1 in Reshape.",
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


def failure_findings(child: ChildReport) -> list[Finding]:
    """What the process outcome and the reported failure say is wrong."""
    internal = child.data.get("internal")
    if isinstance(internal, str) and not child.outcome.timed_out:
        raise RuntimeError(f"smoke child ({child.mode}) failed: {internal[-500:]}")
    if child.outcome.timed_out:
        budget = float(child.settings["timeout"])
        message = TIMEOUT.format(budget=budget, phase=child.phase)
        return [child.finding("smoke/timeout", message, TIMEOUT_HINT)]
    if not child.done:
        return [child.finding("smoke/crashed", _crash_message(child))]
    kind = clean_text(child.failure.get("kind"))
    if not child.failure or kind in ("too-many-params", "non-finite-loss"):
        return []  # The parent judges those from the metrics, by its policy.
    if kind == "exception":
        return [_exception(child)]
    if kind == "save-failed":
        return _save_failed(child)
    if kind == "reload-failed":
        return _reload_failed(child)
    if kind in FAILURES:
        rule, template, hint = FAILURES[kind]
        return [child.finding(rule, template.format(**_details(child)), hint)]
    return [child.finding("smoke/crashed", UNKNOWN_FAILURE.format(kind=kind))]


def _details(child: ChildReport) -> dict[str, Any]:
    """The failure's fields, sanitised for message templates."""
    failure = child.failure
    label = clean_number(failure.get("label"))
    return {
        "returned": clean_text(failure.get("returned")) or "?",
        "reason": clean_text(failure.get("reason")) or "?",
        "label": "?" if label is None else f"{label:g}",
        "classes": int(clean_number(failure.get("classes")) or 0),
        "batch": int(clean_number(failure.get("batch")) or 0),
        "shapes": clean_text(json.dumps(failure.get("shapes"))),
    }


def _crash_message(child: ChildReport) -> str:
    """Why the child died before it finished its report."""
    outcome = child.outcome
    name = outcome.signal_name
    if name:
        why = SIGNAL_CAUSES.get(name, "")
        return KILLED.format(signal=name, phase=child.phase, why=why)
    lines = [ln for ln in outcome.stderr_tail.splitlines() if ln.strip()]
    last = clean_text(lines[-1]) if lines else "(no output)"
    return EXITED.format(code=outcome.exit_code, phase=child.phase, last=last)


def _error(child: ChildReport) -> tuple[str, tuple[str, int | None]]:
    """``Type: last line`` of the reported exception, and where it was raised."""
    message = child.failure.get("message")
    lines = message.splitlines() if isinstance(message, str) else []
    # TensorFlow lists where a graph node was defined ('File "...", line N')
    # and appends "[[{{node ...}}]]": use the former to locate, skip both.
    defined = [[m[0], int(m[1])] for m in TF_FRAME.findall("\n".join(lines))]
    lines = [ln.strip() for ln in lines if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("[[", "File "))]
    last = clean_text(lines[-1]) if lines else ""
    kind = clean_text(child.failure.get("type")) or "Exception"
    where = locate(child.model, child.failure.get("frames"))
    if where[1] is None:
        where = locate(child.model, defined)
    return (f"{kind}: {last}" if last else kind), where


def _exception(child: ChildReport) -> Finding:
    """A finding for an exception the child caught in a phase."""
    error, where = _error(child)
    phase = clean_text(child.failure.get("phase"))
    base = phase.removeprefix("rerun-")
    if clean_text(child.failure.get("type")) in MEMORY_ERRORS:
        budget = child.settings["memory_mb"]
        limit = f" than smoke.memory_mb ({budget} MiB)" if budget else ""
        message = OUT_OF_MEMORY.format(phase=child.phase, error=error)
        advice = OUT_OF_MEMORY_HINT.format(budget=limit)
        return child.finding("smoke/out-of-memory", message, advice, where)
    rule, template, hint = PHASES.get(base, PHASES["start"])
    step = max(1, len(child.losses("train_losses")))
    message = template.format(error=error, file=where[0], step=step)
    return child.finding(rule, message + (RERUN if phase != base else ""), hint, where)


def _save_failed(child: ChildReport) -> list[Finding]:
    """One finding per layer that cannot be serialized, or the error."""
    rule, layers = "smoke/save-failed", child.failure.get("layers")
    found = []
    for item in layers[:10] if isinstance(layers, list) else []:
        item = item if isinstance(item, list) else []
        layer, reason = (clean_text(part) for part in (item + [None, None])[:2])
        message = SAVE_LAYER.format(layer=layer, reason=reason)
        where = locate(child.model, item[2:3])
        found.append(child.finding(rule, message, SAVE_LAYER_HINT, where))
    if found:
        return found
    error, where = _error(child)
    return [child.finding(rule, PHASES["save"][1].format(error=error), None, where)]


def _reload_failed(child: ChildReport) -> list[Finding]:
    """Findings naming inline lambdas and unregistered classes, or the error."""
    rule, failure = "smoke/reload-failed", child.failure
    found = [
        child.finding(rule, RELOAD_LAMBDA.format(layer=layer), RELOAD_LAMBDA_HINT)
        for layer in clean_texts(failure.get("lambdas"))
    ]
    places = failure.get("places")
    places = places if isinstance(places, list) else []
    for index, name in enumerate(clean_texts(failure.get("unregistered"))):
        where = locate(child.model, places[index : index + 1])
        message = RELOAD_CLASS.format(name=name)
        found.append(child.finding(rule, message, RELOAD_CLASS_HINT, where))
    if found:
        return found
    error, where = _error(child)
    return [child.finding(rule, PHASES["reload"][1].format(error=error), None, where)]
