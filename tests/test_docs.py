"""Tests for the documentation lint check."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from modelbot.checks.docs import CHECK
from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Finding, Severity, Status

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SETTINGS: dict[str, Any] = {
    **CHECK.defaults,
    "required_metadata": ["license", "library_name", "pipeline_tag"],
}
FRONT = (
    "---\nlicense: mit\nlibrary_name: keras\npipeline_tag: tabular-regression\n---\n"
)
BODY = """
# House prices

Predicts a price from an area.

## Model details

One dense unit.

## Intended use

Teaching.

## How to use

```python
model = build_model()
```

## Training data

Synthetic houses.

## Evaluation

MSE below 0.01.

## Limitations

Synthetic data only.
"""
MODEL_CODE = '"""A model."""\n\n\ndef build_model() -> None:\n    """Build it."""\n'


def make_model(
    tmp_path: Path, card: str | None = FRONT + BODY, files: Mapping[str, str] = {}
) -> ModelDir:
    """A repository in ``tmp_path`` with one model ``models/m``."""
    path = tmp_path / "models" / "m"
    path.mkdir(parents=True)
    if card is not None:
        (path / "README.md").write_bytes(card.encode("utf-8"))
    (path / "model.py").write_text(MODEL_CODE)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return ModelDir(tmp_path, path)


def run(model: ModelDir, **settings: Any) -> CheckResult:
    """Run the docs check with the test settings plus ``settings``."""
    return CHECK.run(model, {**SETTINGS, **settings})


def rules(result: CheckResult) -> list[str]:
    """The rule ids of a result's findings."""
    return [f.rule for f in result.findings]


def only(result: CheckResult, rule: str) -> list[Finding]:
    """The findings of ``rule``."""
    return [f for f in result.findings if f.rule == rule]


# --- the example model zoo ---------------------------------------------------


def example(name: str) -> CheckResult:
    """Run the check on ``examples/models/<name>``."""
    return run(ModelDir(EXAMPLES, EXAMPLES / "models" / name))


def test_incomplete_card_fails_for_metadata_and_sections() -> None:
    result = example("incomplete-card")

    assert result.status == Status.FAIL
    missing = only(result, "docs/missing-metadata")
    assert [f.message for f in missing] == [
        "metadata `library_name` is missing from the front matter",
        "metadata `pipeline_tag` is missing from the front matter",
    ]
    assert all(f.hint and f.hint.startswith("Add a line such as `") for f in missing)
    assert missing[0].path == "models/incomplete-card/README.md"
    assert [f.message for f in only(result, "docs/missing-section")] == [
        "model card has no `Evaluation` section",
        "model card has no `Limitations` section",
    ]
    assert len(result.findings) == 4
    assert result.metrics["sections_missing"] == ["evaluation", "limitations"]
    assert result.summary == (
        "4/6 sections; missing metadata: library_name, pipeline_tag; docstrings 100%"
    )


def test_broken_image_fails_at_its_position() -> None:
    result = example("broken-image")

    assert result.status == Status.FAIL
    [finding] = result.findings
    assert finding.rule == "docs/broken-image"
    assert finding.path == "models/broken-image/README.md"
    assert (finding.line, finding.column) == (39, 1)
    assert "images/loss.png" in finding.message


@pytest.mark.parametrize(
    "name",
    [
        "mlp-classifier",
        "linear-regression",
        "nan-loss",
        "unreloadable-layer",
        "missing-license",
        "license-mismatch",
    ],
)
def test_other_examples_pass_without_warnings(name: str) -> None:
    result = example(name)

    assert result.findings == []
    assert result.status == Status.PASS
    assert result.metrics["docstring_coverage"] == 100.0
    assert len(result.metrics["sections_found"]) == 6


def test_defaults_satisfy_the_schema() -> None:
    jsonschema.validate(dict(CHECK.defaults), CHECK.schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"markdown_rules": {"MD013": False}}, CHECK.schema)


# --- cases from cases.md -------------------------------------------------------


def test_c1_unquoted_no_in_language_fails(tmp_path: Path) -> None:
    card = FRONT.replace("---\n", "---\nlanguage:\n  - nb\n  - nn\n  - no\n", 1)
    result = run(make_model(tmp_path, card + BODY))

    assert result.status == Status.FAIL
    [finding] = result.findings
    assert finding.message == (
        "language item 3 was read as boolean false (YAML 1.1 'no'); quote it as 'no'"
    )
    assert (finding.line, finding.severity) == (5, Severity.ERROR)


def test_c1_quoted_no_passes(tmp_path: Path) -> None:
    card = FRONT.replace("---\n", "---\nlanguage:\n  - nb\n  - nn\n  - 'no'\n", 1)
    result = run(make_model(tmp_path, card + BODY))

    assert result.findings == []


def test_c3_duplicate_license_is_an_error(tmp_path: Path) -> None:
    card = (
        "---\nlicense: mit\nlibrary_name: keras\npipeline_tag: tabular-regression\n"
        "tags:\n  - keras\nlicense: apache-2.0\n---\n"
    )
    result = run(make_model(tmp_path, card + BODY))

    assert result.status == Status.FAIL
    assert [(f.rule, f.message, f.line) for f in result.findings] == [
        ("docs/duplicate-key", "duplicate key `license` (lines 2 and 7)", 7)
    ]


def test_c4_tab_in_front_matter_is_invalid_and_lint_goes_on(tmp_path: Path) -> None:
    card = "---\ntags:\n\t- keras\n---\n" + BODY.replace(
        "Synthetic houses.", "![Loss](loss.png)"
    )
    result = run(make_model(tmp_path, card))

    assert result.status == Status.FAIL
    tab = only(result, "docs/front-matter-tab")
    assert [(f.line, f.column) for f in tab] == [(3, 1)]
    assert "spaces" in (tab[0].hint or "")
    assert tab[0].message.startswith("front matter is invalid")
    assert only(result, "docs/missing-metadata") == []  # invalid, not missing
    assert result.summary.startswith("6/6 sections; front matter invalid")
    assert [f.line for f in only(result, "docs/broken-image")] == [26]
    assert result.metrics["sections_missing"] == []


CRLF_CARD = (
    "---\nlicense: mit\nlicense: mit\nlanguage: [en, no]\n---\n\n# Title\n\nText "
    "https://example.org here.\n\n## Usage\n\n```\nx\n```\n\n![plot](plot.png)\n\n"
    "## Results\n\n[More Information Needed]\n"
)


@pytest.mark.parametrize("newline", ["crlf", "mixed"])
def test_c6_line_endings_give_identical_findings(tmp_path: Path, newline: str) -> None:
    lf = run(make_model(tmp_path / "lf", CRLF_CARD))
    if newline == "crlf":
        text = CRLF_CARD.replace("\n", "\r\n")
    else:
        parts = CRLF_CARD.split("\n")
        text = "".join(p + ("\r\n" if i % 2 else "\n") for i, p in enumerate(parts))
    other = run(make_model(tmp_path / "other", text))

    assert other.findings == lf.findings
    assert other.metrics == lf.metrics
    assert {f.rule for f in lf.findings} >= {
        "docs/duplicate-key",
        "docs/front-matter-unquoted",
        "docs/no-bare-urls",
        "docs/fenced-code-language",
        "docs/missing-section",
        "docs/broken-image",
    }
    assert [f.line for f in only(lf, "docs/broken-image")] == [17]
    placeholder = [f for f in only(lf, "docs/missing-section") if f.line == 19]
    assert "placeholder" in placeholder[0].message


def test_c8_names_are_compared_case_exactly(tmp_path: Path) -> None:
    body = BODY.replace(
        "Synthetic houses.",
        "See [changes](CHANGELOG.md).\n\n![Loss](assets/Loss.png)",
    )
    files = {"changelog.md": "# Changes\n", "assets/loss.png": "png"}
    result = run(make_model(tmp_path, FRONT + body, files))

    assert result.status == Status.FAIL
    link, image = only(result, "docs/broken-link") + only(result, "docs/broken-image")
    assert link.message == "link `CHANGELOG.md` does not exist: the file is named " + (
        "`models/m/changelog.md`"
    )
    assert (link.line, link.column) == (27, 5)
    assert image.rule == "docs/broken-image" and (image.line, image.column) == (29, 1)
    assert "`models/m/assets/loss.png`" in image.message
    assert "case-sensitive" in (image.hint or "")


SCALE = '''"""Scaling."""


def scale(a: float, b: float, c: float) -> float:
    """Scale a value.

    Args:
        a: The value.
        b: The factor.
        c: The offset.

    The result is a * b + c, computed in float.
    """
    return a * b + c
'''


def test_c9_documented_args_then_free_paragraph(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, files={"model.py": SCALE}))

    assert result.findings == []


def test_c9_one_missing_arg_gives_one_finding(tmp_path: Path) -> None:
    code = SCALE.replace("        c: The offset.\n", "")
    result = run(make_model(tmp_path, files={"model.py": code}))

    [finding] = result.findings
    assert finding.rule == "docs/undocumented-argument"
    assert "`c`" in finding.message and "`scale`" in finding.message
    assert (finding.path, finding.line) == ("models/m/model.py", 4)
    assert result.status == Status.WARN


# --- metadata ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "pipeline_tag: image-clasification",
            "metadata `pipeline_tag` `image-clasification` is not a Hugging Face Hub "
            "task id; did you mean `image-classification`?",
        ),
        (
            "language: russian",
            "metadata `language` `russian` is not an ISO 639 code; "
            "use `ru` for Russian",
        ),
        (
            "language: [en, EN]",
            "metadata `language` item 2 `EN` is not an ISO 639 code; write it in "
            "lower case: `en`",
        ),
        (
            "base_model: ./checkpoints/base",
            "metadata `base_model` `./checkpoints/base` must be a Hub model id "
            "`owner/name`, not a path",
        ),
        (
            "tags: [keras, '']",
            "metadata `tags` item 2 must be a non-empty string, not ``",
        ),
        (
            "datasets: mnist",
            "metadata `datasets` must be a list of strings, e.g. `[mnist]`",
        ),
        (
            "license_name: my-license",
            None,
        ),
        (
            "model-index:\n  - name: m\n    results:\n      - task: {type: t}\n"
            "        dataset: {type: d}\n        metrics: [{type: mse, value: 1}]",
            "metadata `model-index` item 1 result 1 needs `dataset.name`",
        ),
    ],
)
def test_metadata_values_are_validated(
    tmp_path: Path, line: str, expected: str | None
) -> None:
    key = line.split(":")[0]
    if f"\n{key}:" in FRONT:
        old = next(x for x in FRONT.split("\n") if x.startswith(key + ":"))
        card = FRONT.replace("\n" + old + "\n", "\n", 1)
    else:
        card = FRONT
    card = card.replace("---\n", f"---\n{line}\n", 1)
    result = run(make_model(tmp_path, card + BODY))

    assert only(result, "docs/duplicate-key") == []
    messages = [f.message for f in only(result, "docs/invalid-metadata")]
    assert messages == ([expected] if expected else [])
    if expected:
        assert result.status == Status.FAIL
        assert only(result, "docs/invalid-metadata")[0].line == 2


def test_model_index_metric_without_value(tmp_path: Path) -> None:
    index = (
        "model-index:\n  - name: m\n    results:\n      - task: {type: t}\n"
        "        dataset: {type: d, name: D}\n        metrics: [{type: mse}]\n"
    )
    result = run(
        make_model(tmp_path, FRONT.replace("---\n", "---\n" + index, 1) + BODY)
    )

    assert [f.message for f in result.findings] == [
        "metadata `model-index` item 1 result 1 metric 1 needs a `value`"
    ]


def test_license_other_needs_name_and_link(tmp_path: Path) -> None:
    card = FRONT.replace("license: mit", "license: other")
    result = run(make_model(tmp_path, card + BODY))

    assert [f.message for f in result.findings] == [
        "metadata `license` is `other`, which needs `license_name` as well",
        "metadata `license` is `other`, which needs `license_link` as well",
    ]


def test_near_miss_keys_warn_with_the_right_key(tmp_path: Path) -> None:
    card = FRONT.replace("license: mit", "licence: mit\nlanguages: [en]\nmetric: [mse]")
    result = run(make_model(tmp_path, card + BODY))

    warnings = only(result, "docs/unknown-metadata-key")
    assert [(f.message, f.line, f.severity) for f in warnings] == [
        ("unknown metadata key `licence`; did you mean `license`?", 2, "warning"),
        ("unknown metadata key `languages`; did you mean `language`?", 3, "warning"),
        ("unknown metadata key `metric`; did you mean `metrics`?", 4, "warning"),
    ]
    [missing] = only(result, "docs/missing-metadata")
    assert missing.message == (
        "metadata `license` is missing from the front matter; `licence` on line 2 "
        "looks like a misspelling of it"
    )


def test_card_without_front_matter_gets_one_finding_naming_every_key(
    tmp_path: Path,
) -> None:
    result = run(make_model(tmp_path, BODY.lstrip()))

    [missing] = only(result, "docs/missing-metadata")
    assert missing.message == (
        "model card has no front matter; it needs `license`, `library_name`, "
        "`pipeline_tag`"
    )
    assert missing.line == 1
    assert missing.hint is not None and "`license: apache-2.0`" in missing.hint
    assert "\n" not in missing.hint  # one line: it reads in a table or a comment
    assert len(result.findings) == 1


def test_required_metadata_is_configurable(tmp_path: Path) -> None:
    card = "---\nlicense: mit\n---\n"
    result = run(make_model(tmp_path, card + BODY), required_metadata=["license"])

    assert result.findings == []


def test_empty_required_value_is_invalid_not_missing(tmp_path: Path) -> None:
    card = FRONT.replace("library_name: keras", "library_name:")
    result = run(make_model(tmp_path, card + BODY))

    assert [(f.rule, f.message) for f in result.findings] == [
        ("docs/invalid-metadata", "metadata `library_name` is empty")
    ]


# --- sections and title ----------------------------------------------------------


def test_sections_match_synonyms_at_any_level_and_case(tmp_path: Path) -> None:
    body = (
        "\n# Model\n\nSummary.\n\n## 1. Overview\n\nText.\n\n## Uses\n\nText.\n\n"
        "### Quick Start\n\n```python\nx = 1\n```\n\n## TRAINING DETAILS\n\n"
        "### Training Data\n\nText.\n\n## Evaluation results on MNIST\n\n98%.\n\n"
        "### Bias, Risks, & Limitations\n\nText.\n"
    )
    result = run(make_model(tmp_path, FRONT + body))

    assert result.findings == []
    assert result.metrics["sections_missing"] == []


def test_configured_synonyms_and_sections(tmp_path: Path) -> None:
    body = BODY.replace("## Evaluation", "## Scores") + "\n## Citation\n\nCite.\n"
    settings = {
        "section_synonyms": {"evaluation": ["scores"]},
        "required_sections": ["evaluation", "citation", "contact"],
    }
    result = run(make_model(tmp_path, FRONT + body), **settings)

    assert [f.message for f in result.findings] == [
        "model card has no `Contact` section"
    ]
    assert result.metrics["sections_found"] == ["evaluation", "citation"]


@pytest.mark.parametrize(
    "placeholder",
    [
        "[More Information Needed]",
        "{{ evaluation_results }}",
        "{MODEL_NAME}",
        "TODO",
        "[None]",
        "<!-- results go here -->\n\n### Testing data\n\nTODO",
    ],
)
def test_placeholder_only_section_counts_as_missing(
    tmp_path: Path, placeholder: str
) -> None:
    body = BODY.replace("MSE below 0.01.", placeholder)
    result = run(make_model(tmp_path, FRONT + body))

    [finding] = only(result, "docs/missing-section")
    assert finding.line == 29
    assert finding.message.startswith("section `Evaluation` ")
    assert "counts as missing" in finding.message
    if "<!--" not in placeholder or "TODO" in placeholder:
        assert "placeholder" in finding.message
    assert result.metrics["sections_missing"] == ["evaluation"]


def test_how_to_use_needs_a_fenced_code_block(tmp_path: Path) -> None:
    body = BODY.replace("```python\nmodel = build_model()\n```", "Call build_model().")
    result = run(make_model(tmp_path, FRONT + body))

    assert [(f.rule, f.line) for f in result.findings] == [
        ("docs/missing-code-example", 19)
    ]


def test_title_and_summary_are_required(tmp_path: Path) -> None:
    no_summary = run(
        make_model(
            tmp_path / "a", FRONT + BODY.replace("Predicts a price from an area.\n", "")
        )
    )
    no_title = run(
        make_model(tmp_path / "b", FRONT + BODY.replace("# House prices\n", ""))
    )

    assert [(f.rule, f.line) for f in no_summary.findings] == [
        ("docs/missing-summary", 7)
    ]
    assert rules(no_title) == ["docs/missing-title"]


def test_missing_card_and_wrong_case_card(tmp_path: Path) -> None:
    none = run(make_model(tmp_path / "a", None))
    lower = run(make_model(tmp_path / "b", None, {"readme.md": BODY}))

    assert [(f.rule, f.path) for f in none.findings] == [
        ("docs/missing-card", "models/m/README.md")
    ]
    assert "`readme.md` must be named exactly README.md" in lower.findings[0].message
    assert none.metrics["sections_missing"] == SETTINGS["required_sections"]


# --- curated Markdown rules ------------------------------------------------------


MARKDOWN = (
    "\n## Intro\n\n# House prices\n\nPredicts https://example.org/x. See [x][nope].\n"
    "\n#### Deep\n\n## Model details\n\nOne unit. ![](plot.png) [](#) [a](#nowhere)"
    " [b](#model-details)\n\n## Model details\n\n~~~\ncode\n~~~\n\n# Again\n"
)


def test_curated_markdown_rules_report_line_and_column(tmp_path: Path) -> None:
    files = {"plot.png": "png"}
    result = run(make_model(tmp_path, FRONT + MARKDOWN, files), required_sections=[])

    found = [(f.rule, f.line, f.column) for f in result.findings]
    assert found == [
        ("docs/first-line-heading", 7, 1),
        ("docs/no-bare-urls", 11, 10),
        ("docs/reference-links-images", 11, 37),
        ("docs/heading-increment", 13, 1),
        ("docs/no-alt-text", 17, 11),
        ("docs/no-empty-links", 17, 25),
        ("docs/link-fragments", 17, 31),
        ("docs/no-duplicate-heading", 19, 1),
        ("docs/fenced-code-language", 21, 1),
        ("docs/single-h1", 25, 1),
    ]
    assert result.status == Status.WARN
    assert all(f.severity == Severity.WARNING for f in result.findings)
    assert "(MD034 no-bare-urls)" in result.findings[1].message


def test_markdown_rules_can_be_disabled_by_code_or_alias(tmp_path: Path) -> None:
    files = {"plot.png": "png"}
    disabled = {"MD034": False, "no-alt-text": False, "MD051": False, "MD001": True}
    result = run(
        make_model(tmp_path, FRONT + MARKDOWN, files),
        required_sections=[],
        markdown_rules=disabled,
    )

    assert "docs/no-bare-urls" not in rules(result)
    assert "docs/no-alt-text" not in rules(result)
    assert "docs/link-fragments" not in rules(result)
    assert "docs/heading-increment" in rules(result)


# --- links and images ------------------------------------------------------------


def test_links_resolve_relative_root_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("x")
    links = (
        "[lic](../../LICENSE) [root](/LICENSE) [docs](docs/guide.md#setup) "
        "[bad anchor](docs/guide.md#nope) [web](https://example.org/missing.md) "
        "[up](../../../outside.md) [dir](docs/) [mail](mailto:a@b.c)"
    )
    body = BODY.replace(
        "Synthetic houses.",
        links + '\n\n<img src="docs/missing.png" alt="x">\n\n![dir](docs)',
    )
    files = {"docs/guide.md": "---\ntitle: x\n---\n# Guide\n\n## Setup\n\nText.\n"}
    result = run(make_model(tmp_path, FRONT + body, files))

    found = [(f.rule, f.line, f.column, f.message) for f in result.findings]
    assert found == [
        (
            "docs/link-fragments",
            27,
            links.index("[bad anchor]") + 1,
            "link `docs/guide.md#nope`: `models/m/docs/guide.md` has no heading "
            "with the anchor `#nope`",
        ),
        (
            "docs/broken-link",
            27,
            links.index("[up]") + 1,
            "link `../../../outside.md` points outside the repository",
        ),
        ("docs/broken-image", 29, 1, "image `docs/missing.png` does not exist"),
        ("docs/broken-image", 31, 1, "image `docs` is a directory, not an image file"),
    ]
    assert result.findings[0].severity == Severity.WARNING
    assert result.findings[1].severity == Severity.ERROR


def test_symlink_leaving_the_repository_is_broken(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_text("x")
    repo = tmp_path / "repo"
    model = make_model(repo, FRONT + BODY.replace("Synthetic houses.", "![s](s.png)"))
    (model.path / "s.png").symlink_to(outside / "secret.png")
    result = run(model)

    assert [(f.rule, f.message) for f in result.findings] == [
        ("docs/broken-image", "image `s.png` points outside the repository")
    ]


# --- docstrings ------------------------------------------------------------------


CODE = '''"""Layers."""


class Scale:
    """Multiply by a factor."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def call(self, x: float) -> float:
        return x * self.factor

    @classmethod
    def create(cls, factor: float, *args: object, **kwargs: object) -> "Scale":
        """Make one.

        Args:
            factor: The factor.
            extra: Not an argument.
        """
        return cls(factor)

    @staticmethod
    def unit(value: float) -> float:
        """Return value.

        Args:
            value: A value.
        """
        return value


def helper(x):
    return x


def _private(y):
    return y
'''


def test_docstrings_missing_and_args_checked_with_coverage(tmp_path: Path) -> None:
    files = {"layers.py": CODE, "pkg/_internal.py": "x = 1\n"}
    result = run(make_model(tmp_path, files=files))

    found = [(f.rule, f.path, f.line) for f in result.findings]
    assert found == [
        ("docs/missing-docstring", "models/m/layers.py", 10),
        ("docs/unknown-docstring-argument", "models/m/layers.py", 19),
        ("docs/missing-docstring", "models/m/layers.py", 33),
    ]
    assert "`Scale.call`" in result.findings[0].message
    assert "`extra`" in result.findings[1].message
    # model.py: module + build_model; layers.py: module, Scale, call, create, unit,
    # helper. 6 of 8 documented; _internal.py and __init__ are private.
    assert result.metrics["docstring_coverage"] == 75.0
    assert result.status == Status.WARN


def test_docstrings_fail_and_off(tmp_path: Path) -> None:
    model = make_model(tmp_path, files={"model.py": "def build_model():\n    pass\n"})

    fail = run(model, docstrings="fail")
    off = run(model, docstrings="off")

    assert fail.status == Status.FAIL
    assert rules(fail) == ["docs/missing-docstring", "docs/missing-docstring"]
    assert off.findings == [] and off.metrics["docstring_coverage"] is None


def test_unparsable_code_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, files={"model.py": "def broken(:\n"}))

    [finding] = result.findings
    assert (finding.rule, finding.line) == ("docs/unreadable-code", 1)


def test_contributed_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    code = f'"""M."""\nopen({str(marker)!r}, "w").close()\n'
    run(make_model(tmp_path, files={"model.py": code}))

    assert not marker.exists()


def test_github_slugs_follow_githubs_rule() -> None:
    from modelbot.checks.card_markdown import github_slugs

    texts = [
        "Bias, Risks, and Limitations",
        "Model Examination [optional]",
        "Usage",
        "Usage",
        " Café  déjà-vu ",
        "snake_case & `code`",
    ]
    assert github_slugs(texts) == [
        "bias-risks-and-limitations",
        "model-examination-optional",
        "usage",
        "usage-1",
        "café--déjà-vu",
        "snake_case--code",
    ]


def test_template_labels_with_placeholders_count_as_missing(tmp_path: Path) -> None:
    template = (
        "- **Developed by:** [More Information Needed]\n"
        "- **Model type:** {{ model_type }}\n"
    )
    filled = "- **Developed by:** Jane Doe\n- **Model type:** {{ model_type }}\n"
    empty = run(
        make_model(tmp_path / "a", FRONT + BODY.replace("One dense unit.", template))
    )
    real = run(
        make_model(tmp_path / "b", FRONT + BODY.replace("One dense unit.", filled))
    )

    assert [(f.rule, f.line) for f in empty.findings] == [("docs/missing-section", 11)]
    assert real.findings == []


def test_several_extra_h1s_give_one_warning(tmp_path: Path) -> None:
    body = BODY.replace("## ", "# ")
    result = run(make_model(tmp_path, FRONT + body))

    [finding] = result.findings
    assert finding.rule == "docs/single-h1"
    assert finding.line == 11
    assert "`Model details` after the title (and 5 more)" in finding.message


# --- hostile input ---------------------------------------------------------------


def test_alias_bomb_in_tags_is_reported_briefly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, y]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    card = FRONT.replace("---\n", "---\n" + "\n".join(lines) + "\ntags: *a39\n", 1)
    result = run(make_model(tmp_path, card + BODY))

    assert [f.message for f in result.findings] == [
        f"metadata `tags` item {n} must be a non-empty string, not "
        "`[[[...], [...]], [[...], [...]]]`"
        for n in (1, 2)
    ]


def test_card_linking_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret title\n\nsecret text\n")
    model = make_model(tmp_path / "repo", None)
    model.card.symlink_to(secret)
    result = run(model)

    [finding] = result.findings
    assert (finding.rule, finding.path) == (
        "docs/unreadable-card",
        "models/m/README.md",
    )
    assert "Secret" not in str(result.to_dict())


def test_oversized_card_is_not_linted(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, FRONT + BODY + "x" * 1_000_001))

    assert rules(result) == ["docs/unreadable-card"]
    assert result.status == Status.FAIL
