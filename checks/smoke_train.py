"""The smoke test's training phases: build, check data and forward pass, train.

Runs in the sandboxed child; takes Keras as an argument, since Keras is imported
only after the contribution. A model its author did not compile gets
Adam(1e-3) and the loss ``smoke_data.default_loss`` picks.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from modelbot.checks.smoke_arrays import json_float, leaves_of, predictions, take
from modelbot.checks.smoke_data import (
    check_labels,
    default_loss,
    loss_names,
    sample_data,
    synthetic_inputs,
    synthetic_targets,
    target_kind,
)
from modelbot.checks.smoke_record import Report, Stop, phase

DEFAULT_LEARNING_RATE = 1e-3


def prepare(
    keras: Any,
    module: ModuleType,
    spec: dict[str, Any],
    report: Report,
    saved: tuple[Any, Any] | None = None,
    prefix: str = "",
) -> tuple[Any, Any, Any]:
    """Build the model (seeded), get and check its data; return model and batch."""
    build = getattr(module, "build_model", None)
    if not callable(build):
        raise Stop("no-build-model")
    with phase(report, prefix + "build"):
        # Seed right before every build (keras-team/keras#22620): Python,
        # NumPy, the backend and Keras' own seed generator.
        keras.utils.set_random_seed(spec["seed"])
        model = build()
    if not isinstance(model, keras.Model):
        returned = f"{type(model).__module__}.{type(model).__qualname__}"
        raise Stop("not-a-model", returned=returned)
    with phase(report, prefix + "data"):
        sample = sample_data(module)

    metrics = report.metrics
    with phase(report, prefix + "compile"):
        metrics["compiled_by"] = "model"
        if not getattr(model, "compiled", False):
            loss = spec.get("default_loss") or default_loss(model, sample)
            optimizer = keras.optimizers.Adam(learning_rate=DEFAULT_LEARNING_RATE)
            model.compile(optimizer=optimizer, loss=loss)
            metrics["compiled_by"] = "modelbot"
        metrics["optimizer"] = type(model.optimizer).__name__

    rng = np.random.default_rng(spec["seed"])
    with phase(report, prefix + "data"):
        x, y = saved or sample or (synthetic_inputs(model, rng), None)
        metrics["data"] = "sample_data" if sample else "synthetic"
    with phase(report, prefix + "forward"):
        shapes = forward(keras, model, x)
        metrics["params"] = int(model.count_params())
    with phase(report, prefix + "data"):
        names = loss_names(model, len(shapes))
        metrics["loss"] = ", ".join(dict.fromkeys(names))
        kinds = [target_kind(name) for name in names]
        if y is None:
            y = synthetic_targets(model(x, training=False), kinds, rng)
        check_labels(y, kinds, shapes)
    size = min(spec["batch_size"], len(leaves_of(x)[0]))
    metrics["batch_size"] = size
    return model, take(x, size), take(y, size)


def forward(keras: Any, model: Any, x: Any) -> list[tuple[int, ...]]:
    """Run batches of 2 and 3 (catches hard-coded batch sizes); return shapes."""
    outputs: list[np.ndarray] = []
    for count in (2, 3):
        outputs = predictions(keras, model, take(x, count))
        shapes = [list(o.shape) for o in outputs]
        if any(o.ndim == 0 or o.shape[0] != count for o in outputs):
            raise Stop("bad-output", batch=count, shapes=shapes)
        if not all(np.all(np.isfinite(o)) for o in outputs):
            raise Stop("non-finite-output", batch=count)
    return [tuple(o.shape) for o in outputs]


def run_steps(
    model: Any, x: Any, y: Any, steps: int, report: Report, name: str
) -> list[float | None]:
    """Train ``steps`` steps on one batch: the true loss at start and after each."""
    losses: list[float | None] = []
    report.metrics[name.replace("-", "_") + "_losses"] = losses
    with phase(report, name):
        losses.append(true_loss(model, x, y))
        for _ in range(steps):
            if losses[-1] is None:
                break
            model.train_on_batch(x, y)
            losses.append(true_loss(model, x, y))
            report.write()
    return losses


def true_loss(model: Any, x: Any, y: Any) -> float | None:
    """The loss on one batch now (Keras' logs["loss"] is a running mean)."""
    logs = model.test_on_batch(x, y, return_dict=True)
    return json_float(logs["loss"])


def frozen_weights(keras: Any, model: Any, before: list[Any]) -> list[str]:
    """Trainable variables still equal to ``before``: they never got a gradient."""
    return [
        str(getattr(v, "path", v.name))
        for v, old in zip(model.trainable_variables, before, strict=False)
        if np.array_equal(keras.ops.convert_to_numpy(v), old)
    ]
