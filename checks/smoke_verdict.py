"""The smoke test's policies: judge what the children measured, sum up metrics.

The children only measure (losses, parameters, prediction differences); the
thresholds come from the ``smoke`` settings and are applied here, in the parent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from modelbot.checks.smoke_outcome import (
    ChildReport,
    clean_number,
    clean_text,
    clean_texts,
)
from modelbot.results import Finding, Severity

RERUN_STEPS = 3
# Same seed, same CPU: losses agree exactly; allow float32 rounding only.
DETERMINISM_RTOL = 1e-6

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
SELF_COMPILED = (
    "; the model came uncompiled, so modelbot compiled it with {optimizer} and "
    "{loss}: compile it in build_model() with the optimizer it is meant to use"
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


def judge_training(train: ChildReport) -> list[Finding]:
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
            if train.text("compiled_by") == "modelbot":
                message += SELF_COMPILED.format(
                    optimizer=train.text("optimizer") or "Adam",
                    loss=train.text("loss") or "a default loss",
                )
            rule = "smoke/loss-not-falling"
            findings.append(train.finding(rule, message, NOT_FALLING_HINT))
        frozen = clean_texts(train.data.get("frozen"))
        if frozen:
            message = FROZEN.format(steps=steps, names=", ".join(frozen))
            warning = Severity.WARNING
            rule = "smoke/no-gradient"
            findings.append(train.finding(rule, message, FROZEN_HINT, None, warning))
    params, budget = clean_number(train.metrics.get("params")), settings["max_params"]
    if params is not None and budget is not None and params > budget:
        message = TOO_MANY_PARAMS.format(params=int(params), budget=budget)
        findings.append(train.finding("smoke/too-many-params", message, TOO_MANY_HINT))
    return findings


def judge_reload(train: ChildReport, reload: ChildReport) -> list[Finding]:
    """Apply the reload tolerance and the determinism check."""
    findings = []
    atol = reload.settings["reload_atol"]
    if "reload_max_abs_diff" in reload.metrics:
        diff = clean_number(reload.metrics["reload_max_abs_diff"])
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


def collect_metrics(train: ChildReport, reload: ChildReport | None) -> dict[str, Any]:
    """The numbers the report shows: losses, seed, sizes, durations, memory."""
    settings = train.settings
    losses = train.losses("train_losses")
    metrics: dict[str, Any] = {"seed": settings["seed"], "steps": settings["steps"]}
    for key in ("params", "batch_size"):
        value = clean_number(train.metrics.get(key))
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
        metrics["reload_max_abs_diff"] = clean_number(diff)
        metrics["determinism_max_diff"] = _compare_runs(train, reload)[0]
    metrics["network_isolated"] = train.outcome.network_isolated
    rss = [c.outcome.max_rss_mb for c in children if c.outcome.max_rss_mb]
    metrics["peak_rss_mb"] = max(rss, default=None)
    metrics["durations"] = {f"{c.mode}_process": _durations(c) for c in children}
    return metrics


def summarize(metrics: Mapping[str, Any]) -> str:
    """One line for the report: seed, size and how the loss moved."""
    parts = [f"seed {metrics['seed']}"]
    if metrics.get("params") is not None:
        parts.append(f"{metrics['params']:,} parameters")
    initial, final = metrics.get("loss_initial"), metrics.get("loss_final")
    if initial is not None and final is not None:
        parts.append(f"loss {initial:.4g} -> {final:.4g} in {metrics['steps']} steps")
    if metrics.get("compiled_by") == "modelbot":
        parts.append(
            f"compiled by modelbot ({metrics.get('optimizer')}, {metrics.get('loss')})"
        )
    if metrics.get("reload_max_abs_diff") is not None:
        parts.append("reloaded in a fresh process")
    return ", ".join(parts)


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


def _durations(child: ChildReport) -> dict[str, float]:
    """Seconds per phase as the child measured them, plus the process's total."""
    reported = child.data.get("durations")
    phases = list(reported.items())[:20] if isinstance(reported, dict) else []
    found = {clean_text(k): float(v) for k, v in phases if clean_number(v) is not None}
    return {**found, "total": round(child.outcome.duration, 3)}
