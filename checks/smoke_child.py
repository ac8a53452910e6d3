"""The smoke test's child process: build, train, save and reload one model.

Run by path inside the sandbox as ``python -I -B smoke_child.py MODE SPEC``,
never imported by modelbot. MODE ``train`` builds the model, trains it on one
fixed batch and saves it; MODE ``reload`` (a fresh process) imports the model
module, reloads the saved file in safe mode, compares predictions and repeats
the first training steps with the same seed. The child only records what it saw
in ``result.json`` in its working directory; the parent decides what passes.

The phases live in ``smoke_record``, ``smoke_data``, ``smoke_train`` and
``smoke_saving``. ``-I`` keeps this file's directory and PYTHONPATH off
``sys.path``, so they come from the installed ``modelbot`` package. They are
imported before the contribution and need only NumPy and the standard library
(``modelbot.checks`` brings ``discovery`` and ``results``); Keras comes after.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

try:
    from modelbot.checks.smoke_arrays import max_abs_diff, predictions
    from modelbot.checks.smoke_record import MAX_TEXT, Report, Stop, describe, phase
    from modelbot.checks.smoke_saving import (
        MODEL_FILE,
        custom_objects,
        load_batch,
        load_expected,
        save,
    )
    from modelbot.checks.smoke_train import frozen_weights, prepare, run_steps
except ImportError:  # A modelbot problem, not the contribution's: say so.
    Path("result.json").write_text(json.dumps({"internal": traceback.format_exc()}))
    raise SystemExit(0) from None

MODULE_NAME = "model"


def main(argv: list[str]) -> None:
    """Run one mode and write the result file; exit without TensorFlow's teardown."""
    mode, spec = argv[1], json.loads(argv[2])
    report = Report(mode)
    try:
        with phase(report, "import"):
            module = import_model(spec)
            import keras  # After the contribution, so its own errors come first.
        child = train_child if mode == "train" else reload_child
        child(keras, module, spec, report)
    except Stop as stop:
        report.data["failure"] = stop.failure
    except Exception:  # A bug in the child's code, outside every phase.
        report.data["internal"] = traceback.format_exc()[-MAX_TEXT:]
    report.data["done"] = True
    report.write()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def import_model(spec: dict[str, Any]) -> ModuleType:
    """Import the contribution's model.py by path, its directory first on sys.path."""
    sys.path.insert(0, spec["model_dir"])
    found = importlib.util.spec_from_file_location(MODULE_NAME, spec["model_file"])
    if found is None or found.loader is None:
        raise ImportError(f"cannot import {spec['model_file']}")
    module = importlib.util.module_from_spec(found)
    sys.modules[MODULE_NAME] = module
    found.loader.exec_module(module)
    return module


def train_child(
    keras: Any, module: ModuleType, spec: dict[str, Any], r: Report
) -> None:
    """Build, check, train on one batch and save the model."""
    model, x, y = prepare(keras, module, spec, r)
    if spec["max_params"] is not None and r.metrics["params"] > spec["max_params"]:
        raise Stop("too-many-params")
    before = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
    losses = run_steps(model, x, y, spec["steps"], r, "train")
    if None in losses:
        raise Stop("non-finite-loss")
    r.data["frozen"] = frozen_weights(keras, model, before)
    save(keras, model, x, y, r)


def reload_child(
    keras: Any, module: ModuleType, spec: dict[str, Any], r: Report
) -> None:
    """Reload in safe mode, compare predictions, and repeat the first steps."""
    with phase(r, "reload"):
        custom = custom_objects(keras, spec["model_dir"])
        try:
            # Never turn safe mode off for contributed content.
            model = keras.saving.load_model(MODEL_FILE, safe_mode=True)
        except Exception as exc:
            raise Stop("reload-failed", **custom, **describe(exc)) from None
    with phase(r, "compare"):
        x, y = load_batch()
        expected = load_expected()
        r.metrics["reload_max_abs_diff"] = max_abs_diff(
            expected, predictions(keras, model, x)
        )
    del model
    rebuilt, x, y = prepare(keras, module, spec, r, saved=(x, y), prefix="rerun-")
    run_steps(rebuilt, x, y, spec["rerun_steps"], r, "rerun-train")


if __name__ == "__main__":
    main(sys.argv)
