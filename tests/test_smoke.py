"""Tests for the training smoke test (checks/smoke.py and its sandboxed child)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from modelbot import sandbox
from modelbot.checks import smoke
from modelbot.checks.smoke import CHECK
from modelbot.checks.smoke_outcome import ChildReport
from modelbot.checks.smoke_verdict import judge_training
from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Finding, Severity, Status

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PASSING_EXAMPLES = [
    "mlp-classifier",
    "linear-regression",
    "missing-license",
    "license-mismatch",
    "incomplete-card",
    "broken-image",
]


def make_model(root: Path, files: dict[str, str], name: str = "m") -> ModelDir:
    """Write a contribution's files under ``root/models/name``."""
    path = root / "models" / name
    path.mkdir(parents=True)
    for filename, text in files.items():
        (path / filename).write_text(textwrap.dedent(text).lstrip())
    return ModelDir(root, path)


def run_smoke(model: ModelDir, **overrides: Any) -> CheckResult:
    """Run the check with its defaults and ``overrides``."""
    return CHECK.run(model, {**CHECK.defaults, **overrides})


def errors(result: CheckResult) -> list[Finding]:
    """The findings that are not notes (a missing network namespace is a note)."""
    return [f for f in result.findings if f.severity != Severity.NOTE]


def only(result: CheckResult, rule: str) -> Finding:
    """The single non-note finding, asserting its rule."""
    found = errors(result)
    assert [f.rule for f in found] == [rule], [f.to_dict() for f in found]
    return found[0]


# --- Without TensorFlow: the child fails before it imports Keras. ---


def test_missing_model_py_fails(tmp_path: Path) -> None:
    model = make_model(tmp_path, {"README.md": "# m\n"})

    result = run_smoke(model)

    assert result.status == Status.FAIL
    assert only(result, "smoke/no-model-code").path == "models/m/model.py"


def test_timeout_names_the_budget_and_the_phase(tmp_path: Path) -> None:
    model = make_model(tmp_path, {"model.py": "import time\ntime.sleep(600)\n"})

    result = run_smoke(model, timeout=2)

    assert result.status == Status.FAIL
    finding = only(result, "smoke/timeout")
    assert "timed out after 2 s during the import of model.py" in finding.message
    assert finding.path == "models/m/model.py"


def test_model_code_sees_no_secret_and_no_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_server: int
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws_secret_value")
    probe = tmp_path / "probe.json"
    code = f"""
        import json, os, socket
        try:
            socket.create_connection(("127.0.0.1", {loopback_server}), timeout=5)
            network = "connected"
        except OSError as exc:
            network = str(exc)
        with open({str(probe)!r}, "w") as out:
            json.dump({{"env": dict(os.environ), "network": network}}, out)
        raise RuntimeError("probe finished")
    """
    model = make_model(tmp_path, {"model.py": code})

    result = run_smoke(model)

    seen = json.loads(probe.read_text())
    assert "GITHUB_TOKEN" not in seen["env"]
    assert not {"ghs_secret_value", "aws_secret_value"} & set(seen["env"].values())
    assert seen["env"]["KERAS_BACKEND"] == "tensorflow"
    assert seen["env"]["CUDA_VISIBLE_DEVICES"] == ""
    if sandbox.network_isolation().available:
        assert result.metrics["network_isolated"] is True
        assert seen["network"] != "connected"
    else:
        assert result.metrics["network_isolated"] is False
        assert any(f.rule == "smoke/network-not-isolated" for f in result.findings)
    finding = only(result, "smoke/import-failed")
    assert finding.message == (
        "importing models/m/model.py raised RuntimeError: probe finished"
    )
    assert (finding.path, finding.line) == ("models/m/model.py", 9)


def test_import_error_points_at_the_sibling_module_line(tmp_path: Path) -> None:
    files = {
        "model.py": "import helper\n",
        "helper.py": "X = 1\n\nimport package_that_is_not_installed\n",
    }
    model = make_model(tmp_path, files)

    finding = only(run_smoke(model), "smoke/import-failed")

    assert "ModuleNotFoundError: No module named 'package_that_is_not_installed'" in (
        finding.message
    )
    assert (finding.path, finding.line) == ("models/m/helper.py", 3)


def test_syntax_error_points_at_its_line(tmp_path: Path) -> None:
    model = make_model(tmp_path, {"model.py": "X = 1\n\ndef build_model(:\n    pass\n"})

    finding = only(run_smoke(model), "smoke/import-failed")

    assert "SyntaxError" in finding.message
    assert (finding.path, finding.line) == ("models/m/model.py", 3)


def test_child_killed_by_a_signal(tmp_path: Path) -> None:
    code = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    model = make_model(tmp_path, {"model.py": code})

    finding = only(run_smoke(model), "smoke/crashed")

    assert finding.message == (
        "the smoke test process was killed by SIGKILL during the import of "
        "model.py (usually the out-of-memory killer)"
    )


def test_child_exiting_without_a_result(tmp_path: Path) -> None:
    code = "import os, sys\nprint('boom: no GPU', file=sys.stderr)\nos._exit(3)\n"
    model = make_model(tmp_path, {"model.py": code})

    finding = only(run_smoke(model), "smoke/crashed")

    assert finding.message == (
        "the smoke test process exited with status 3 during the import of "
        "model.py: boom: no GPU"
    )


@pytest.mark.parametrize(
    "forgery",
    [
        'json.dump({"done": True, "failure": {"kind": 5, "frames": "x"},'
        ' "metrics": {"train_losses": "abc", "params": "many"}}, f)',
        'json.dump({"done": True, "failure": None, "metrics": '
        '{"train_losses": [1e309, None]}, "frozen": [1, 2]}, f)',
        'f.write("[" * 500000)',
    ],
)
def test_a_forged_result_file_is_read_as_untrusted_data(
    tmp_path: Path, forgery: str
) -> None:
    code = f"""
        import json, os
        with open("result.json", "w") as f:
            {forgery}
        os._exit(0)
    """
    model = make_model(tmp_path, {"model.py": code})

    result = run_smoke(model)

    assert result.status == Status.FAIL
    json.dumps(result.to_dict(), allow_nan=False)


def test_a_result_file_pointing_at_a_device_does_not_hang(tmp_path: Path) -> None:
    code = """
        import os
        os.remove("result.json")
        os.symlink("/dev/zero", "result.json")
        os._exit(0)
    """
    model = make_model(tmp_path, {"model.py": code})

    finding = only(run_smoke(model), "smoke/crashed")

    assert "exited with status 0 during start-up" in finding.message


# --- The parent's policies, on reports built by hand. ---


def fake_report(
    tmp_path: Path, losses: list[float | None], steps: int, **data: Any
) -> ChildReport:
    """A train child's report with ``losses`` (initial first)."""
    model = make_model(tmp_path, {"model.py": "\n"})
    outcome = sandbox.Outcome(0, None, False, 1.0, 100.0, "", True)
    settings = {**CHECK.defaults, "steps": steps}
    report = {"done": True, "metrics": {"train_losses": losses}, **data}
    return ChildReport(model, settings, "train", outcome, report)


@pytest.mark.parametrize(
    ("losses", "rule", "message"),
    [
        ([1.0, 0.95, 0.9], None, None),
        ([1.0, 0.95, 0.91], "smoke/loss-not-falling", "from 1 to 0.91 in 2 steps"),
        ([-1.0, -1.05, -1.1], None, None),
        ([-1.0, -1.02, -1.05], "smoke/loss-not-falling", "expects a drop of at least"),
        ([0.0, 0.0, 0.0], None, None),
        ([1.0, 1e30, None], "smoke/non-finite-loss", "at step 2 of 2"),
        ([None], "smoke/non-finite-loss", "before training (step 0)"),
    ],
)
def test_loss_policy(
    tmp_path: Path, losses: list[float | None], rule: str | None, message: str | None
) -> None:
    report = fake_report(tmp_path, losses, steps=2)

    findings = judge_training(report)

    assert [f.rule for f in findings] == ([rule] if rule else [])
    if message:
        assert message in findings[0].message


def test_parameter_budget(tmp_path: Path) -> None:
    report = fake_report(tmp_path, [None], steps=2)
    report.metrics["params"] = 1_000_001
    report.settings = {**report.settings, "max_params": 1_000_000}

    rules = [f.rule for f in judge_training(report)]

    assert "smoke/too-many-params" in rules


def test_weights_that_never_move_are_a_warning(tmp_path: Path) -> None:
    report = fake_report(tmp_path, [1.0, 0.5], steps=1, frozen=["dense/bias"])

    (finding,) = judge_training(report)

    assert (finding.rule, finding.severity) == ("smoke/no-gradient", Severity.WARNING)
    assert "dense/bias" in finding.message


def test_the_child_never_turns_safe_mode_off() -> None:
    modules = sorted(smoke.CHILD_SCRIPT.parent.glob("smoke*.py"))
    sources = {path.name: path.read_text() for path in modules}

    assert "safe_mode=True" in smoke.CHILD_SCRIPT.read_text()
    assert len(sources) > 2
    for source in sources.values():
        assert "safe_mode=False" not in source
        assert "enable_unsafe_deserialization" not in source


def test_the_child_imports_neither_keras_nor_the_bot(tmp_path: Path) -> None:
    # The child imports its phase modules from the installed package before the
    # contribution, which must come before Keras (its own errors come first).
    code = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        "print(' '.join(sorted(sys.modules)))"
    )
    argv = [sys.executable, "-I", "-B", "-c", code, str(smoke.CHILD_SCRIPT)]

    run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)

    loaded = set(run.stdout.split())
    assert "modelbot.checks.smoke_train" in loaded, run.stderr
    assert not loaded & {"modelbot.checks.smoke", "modelbot.sandbox"}
    heavy = {"keras", "tensorflow", "jinja2", "github", "yaml", "jsonschema", "click"}
    assert not {name.split(".")[0] for name in loaded} & heavy
    assert list(tmp_path.iterdir()) == []


# --- With TensorFlow: each child run serves several assertions. ---


@pytest.fixture(scope="module")
def examples() -> dict[str, CheckResult]:
    """The smoke result of every example model, run once."""
    results = {}
    for path in sorted((EXAMPLES / "models").iterdir()):
        results[path.name] = run_smoke(ModelDir(EXAMPLES, path))
    return results


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", PASSING_EXAMPLES)
def test_good_examples_pass(examples: dict[str, CheckResult], name: str) -> None:
    result = examples[name]
    metrics = result.metrics

    assert result.status == Status.PASS, [f.to_dict() for f in result.findings]
    assert errors(result) == []
    assert metrics["seed"] == 1234 and "seed 1234" in result.summary
    assert (
        len(metrics["losses"]) == 20 and metrics["losses"][-1] == metrics["loss_final"]
    )
    assert metrics["loss_final"] <= metrics["loss_initial"] * 0.9
    assert metrics["compiled_by"] == "model" and metrics["data"] == "sample_data"
    assert metrics["reload_max_abs_diff"] <= 1e-6
    assert metrics["determinism_max_diff"] <= 1e-7
    assert metrics["peak_rss_mb"] > 100
    assert set(metrics["durations"]) == {"train_process", "reload_process"}
    assert metrics["network_isolated"] is sandbox.network_isolation().available
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.tensorflow
def test_nan_loss_example_fails_naming_the_step(
    examples: dict[str, CheckResult],
) -> None:
    result = examples["nan-loss"]

    assert result.status == Status.FAIL
    finding = only(result, "smoke/non-finite-loss")
    step = result.metrics["losses"].index(None) + 1
    assert f"the loss became NaN or infinite at step {step} of 20" == finding.message
    assert finding.path == "models/nan-loss/model.py"
    assert result.metrics["loss_final"] is None
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.tensorflow
def test_unreloadable_layer_example_fails_naming_scale(
    examples: dict[str, CheckResult],
) -> None:
    result = examples["unreloadable-layer"]

    assert result.status == Status.FAIL
    finding = only(result, "smoke/reload-failed")
    assert finding.message.startswith("custom class `Scale` is not registered")
    assert "@keras.saving.register_keras_serializable(package=...)" in finding.message
    assert (finding.path, finding.line) == ("models/unreloadable-layer/model.py", 7)
    # Training itself was fine: only the fresh-process reload fails.
    assert result.metrics["loss_final"] < result.metrics["loss_initial"] * 0.9


A1_MODEL = """
    import keras
    import numpy as np


    def build_model():
        inputs = keras.Input(shape=(8,))
        hidden = keras.layers.Dense(16, activation="relu")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(4)(hidden))
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return model


    def sample_data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(100, 8)).astype("float32")
        y = rng.normal(size=(100, 4)).astype("float32")
        return x, y
"""


@pytest.mark.tensorflow
def test_a1_seeded_before_every_build_so_a_fresh_process_repeats_the_losses(
    tmp_path: Path,
) -> None:
    # keras-team/keras#22620: re-seeding only NumPy and TensorFlow leaves Keras'
    # own seed generator alone; keras.utils.set_random_seed resets all of them.
    model = make_model(tmp_path, {"model.py": A1_MODEL})

    result = run_smoke(model, seed=1234)

    assert result.status == Status.PASS, [f.to_dict() for f in result.findings]
    assert result.metrics["seed"] == 1234 and "seed 1234" in result.summary
    assert result.metrics["determinism_max_diff"] <= 1e-7


A2_MODEL = """
    import keras
    import numpy as np


    def build_model():
        inputs = keras.Input(shape=(4,))
        outputs = keras.layers.Dense(5, activation="softmax")(inputs)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss={loss})
        return model


    def sample_data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 4)).astype("float32")
        return x, np.arange(32) % 6  # labels 0..5 for 5 classes
"""


@pytest.mark.tensorflow
def test_a2_out_of_range_label_fails_the_pre_check(tmp_path: Path) -> None:
    files = {"model.py": A2_MODEL.format(loss='"sparse_categorical_crossentropy"')}
    model = make_model(tmp_path, files)

    result = run_smoke(model)

    assert result.status == Status.FAIL
    finding = only(result, "smoke/label-out-of-range")
    assert finding.message.startswith("label 5 outside [0, 5)")


@pytest.mark.tensorflow
def test_a2_label_error_raised_by_tensorflow_is_a_failure_not_a_crash(
    tmp_path: Path,
) -> None:
    # A custom loss hides the label range from the pre-check: CPU raises.
    code = textwrap.dedent(A2_MODEL.format(loss="my_loss")) + textwrap.dedent("""

        def my_loss(y_true, y_pred):
            return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    """)
    model = make_model(tmp_path, {"model.py": code})

    result = run_smoke(model)

    assert result.status == Status.FAIL
    finding = only(result, "smoke/train-failed")
    assert finding.message.startswith("training raised InvalidArgumentError")
    assert "outside the valid range of [0, 5)" in finding.message
    # TensorFlow's "defined at" trace points into the contribution's loss.
    lines = model.code.read_text().splitlines()
    line = lines.index(
        "    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)"
    )
    assert (finding.path, finding.line) == ("models/m/model.py", line + 1)


SCALE_LAYER = """
    import os

    import keras


    @keras.saving.register_keras_serializable(package="contrib")
    class Scale(keras.layers.Layer):
        \"\"\"Multiply by a constant; no get_config: Keras 3 captures the float.\"\"\"

        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor
            with open(os.environ.get("UNUSED", LOG), "a") as log:
                log.write(f"{os.getpid()} {factor!r}\\n")

        def call(self, inputs):
            return inputs * self.factor
"""
SCALE_MODEL = """
    import keras
    import numpy as np

    from mylayers import Scale


    def build_model():
        inputs = keras.Input(shape=(4,))
        outputs = Scale(0.5)(keras.layers.Dense(1)(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
        return model


    def sample_data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 4)).astype("float32")
        return x, x.sum(axis=1, keepdims=True)
"""
LATE_REGISTRATION_MODEL = """
    import keras
    import numpy as np


    def build_model():
        @keras.saving.register_keras_serializable(package="contrib")
        class Scale(keras.layers.Layer):
            def __init__(self, factor, **kwargs):
                super().__init__(**kwargs)
                self.factor = factor

            def call(self, inputs):
                return inputs * self.factor

        inputs = keras.Input(shape=(4,))
        outputs = Scale(0.5)(keras.layers.Dense(1)(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
        return model


    def sample_data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 4)).astype("float32")
        return x, x.sum(axis=1, keepdims=True)
"""


@pytest.mark.tensorflow
def test_a3_and_a4_registered_layer_reloads_in_a_fresh_process(tmp_path: Path) -> None:
    # A3 (ii): the class lives in mylayers.py, which model.py imports.
    # A4: Scale has no get_config; Keras 3 captures factor=0.5 by itself.
    log = tmp_path / "scale.log"
    layer = textwrap.dedent(SCALE_LAYER).replace("LOG", repr(str(log)), 1)
    model = make_model(tmp_path, {"mylayers.py": layer, "model.py": SCALE_MODEL})

    result = run_smoke(model)

    assert result.status == Status.PASS, [f.to_dict() for f in result.findings]
    assert result.metrics["reload_max_abs_diff"] <= 1e-6
    constructed = [line.split() for line in log.read_text().splitlines()]
    assert {factor for _, factor in constructed} == {"0.5"}
    pids = list(dict.fromkeys(pid for pid, _ in constructed))
    # The train process builds once; the fresh process rebuilds Scale from its
    # saved config (factor 0.5), then calls build_model() again.
    assert len(pids) == 2
    assert [pid for pid, _ in constructed].count(pids[1]) == 2


@pytest.mark.tensorflow
def test_a3_class_registered_only_inside_build_model_fails_the_reload(
    tmp_path: Path,
) -> None:
    # A3 (i): registration runs only when build_model() runs, as with a class in
    # a notebook's __main__; a same-process reload would wrongly succeed.
    model = make_model(tmp_path, {"model.py": LATE_REGISTRATION_MODEL})

    result = run_smoke(model)

    assert result.status == Status.FAIL
    finding = only(result, "smoke/reload-failed")
    assert finding.message == (
        "custom class `Scale` is not registered: decorate it with "
        "@keras.saving.register_keras_serializable(package=...)"
    )
    assert "fresh process that only imports model.py" in (finding.hint or "")


EMBED_MODEL = """
    import keras
    import numpy as np


    @keras.saving.register_keras_serializable(package="contrib")
    class Embed(keras.layers.Layer):
        def __init__(self, table, **kwargs):
            super().__init__(**kwargs)
            self.table = table

        def call(self, inputs):
            return inputs * self.table


    def build_model():
        inputs = keras.Input(shape=(10,))
        outputs = keras.layers.Dense(1)(Embed(np.arange(10.0))(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.SGD(0.001), loss="mse")
        return model


    def sample_data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 10)).astype("float32")
        return x, x.mean(axis=1, keepdims=True)
"""


@pytest.mark.tensorflow
def test_a4_layer_with_an_array_argument_fails_at_save(tmp_path: Path) -> None:
    model = make_model(tmp_path, {"model.py": EMBED_MODEL})

    result = run_smoke(model)

    assert result.status == Status.FAIL
    finding = only(result, "smoke/save-failed")
    assert finding.message.startswith(
        "saving as .keras failed: layer `Embed` cannot be serialized; "
        "implement get_config() in `Embed`"
    )
    assert "must override `get_config()`" in finding.message
    assert (finding.path, finding.line) == ("models/m/model.py", 6)  # class Embed
    assert "reload_max_abs_diff" not in result.metrics  # no second process


LAMBDA_MODEL = """
    import keras
    import numpy as np


    def build_model():
        inputs = keras.Input(shape=(1,))
        doubled = keras.layers.Lambda(lambda x: x * 2)(inputs)
        model = keras.Model(inputs, keras.layers.Dense(1)(doubled))
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        return model


    def sample_data():
        x = np.linspace(-1, 1, 32, dtype="float32").reshape(-1, 1)
        return x, 3 * x + 1
"""


@pytest.mark.tensorflow
def test_a6_inline_lambda_fails_the_safe_mode_reload(tmp_path: Path) -> None:
    model = make_model(tmp_path, {"model.py": LAMBDA_MODEL})

    result = run_smoke(model)

    assert result.status == Status.FAIL
    finding = only(result, "smoke/reload-failed")
    assert finding.message.startswith(
        "inline Python lambda in Lambda layer cannot be reloaded safely; use a "
        "registered custom layer/function"
    )
    assert "safe_mode=False" not in finding.message + (finding.hint or "")


@pytest.mark.tensorflow
def test_build_model_that_raises_points_at_the_line(tmp_path: Path) -> None:
    code = """
        import keras


        def build_model():
            units = -1
            raise ValueError(f"units must be positive,\\nnot {units}")
    """
    model = make_model(tmp_path, {"model.py": code})

    finding = only(run_smoke(model), "smoke/build-failed")

    assert finding.message == "build_model() raised ValueError: not -1"
    assert (finding.path, finding.line) == ("models/m/model.py", 6)


@pytest.mark.tensorflow
def test_build_model_returning_something_else(tmp_path: Path) -> None:
    code = "def build_model():\n    return {'layers': 3}\n"
    model = make_model(tmp_path, {"model.py": code})

    finding = only(run_smoke(model), "smoke/build-failed")

    assert finding.message == "build_model() returned builtins.dict, not a keras.Model"


UNCOMPILED_MODEL = """
    import keras


    def build_model():
        inputs = keras.Input(shape=(10,))
        hidden = keras.layers.Dense(32, activation="relu")(inputs)
        outputs = keras.layers.Dense(3, activation="softmax")(hidden)
        return keras.Model(inputs, outputs)
"""


@pytest.mark.tensorflow
def test_uncompiled_model_without_data_gets_defaults(tmp_path: Path) -> None:
    model = make_model(tmp_path, {"model.py": UNCOMPILED_MODEL})

    result = run_smoke(model)

    assert result.status == Status.PASS, [f.to_dict() for f in result.findings]
    metrics = result.metrics
    assert metrics["compiled_by"] == "modelbot" and metrics["optimizer"] == "Adam"
    assert metrics["loss"] == "sparse_categorical_crossentropy"
    assert metrics["data"] == "synthetic" and metrics["params"] == 451
    assert metrics["determinism_max_diff"] == 0.0


BIG_MODEL = """
    import keras


    def build_model():
        inputs = keras.Input(shape=(4000,))
        hidden = keras.layers.Dense(20000)(inputs)
        return keras.Model(inputs, keras.layers.Dense(1)(hidden))
"""


@pytest.mark.tensorflow
def test_memory_budget_turns_an_allocation_failure_into_a_finding(
    tmp_path: Path,
) -> None:
    model = make_model(tmp_path, {"model.py": BIG_MODEL})

    finding = only(run_smoke(model, memory_mb=512), "smoke/out-of-memory")

    assert finding.message.startswith(
        "the model ran out of memory during build_model(): ResourceExhaustedError"
    )
    assert (finding.path, finding.line) == ("models/m/model.py", 6)  # Dense(20000)
    assert finding.hint and "smoke.memory_mb (512 MiB)" in finding.hint


@pytest.mark.tensorflow
def test_uncompiled_model_that_does_not_learn_says_modelbot_compiled_it(
    tmp_path: Path,
) -> None:
    code = (
        "import keras\nimport numpy as np\n\n\n"
        "def build_model():\n"
        "    inputs = keras.Input(shape=(1,))\n"
        "    return keras.Model(inputs, keras.layers.Dense(1)(inputs))\n\n\n"
        "def sample_data():\n"
        "    x = np.ones((32, 1), 'float32')\n"
        "    return x, x * 100\n"
    )
    result = run_smoke(make_model(tmp_path, {"model.py": code}))

    finding = only(result, "smoke/loss-not-falling")
    assert "the model came uncompiled, so modelbot compiled it with Adam" in (
        finding.message
    )
    assert "compiled by modelbot (Adam" in result.summary
