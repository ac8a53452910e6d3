"""Tests for the license check: identification, card, policy, headers, deps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from modelbot.checks.license import CHECK
from modelbot.checks.license_text import identify_license, normalize_license_text
from modelbot.checks.spdx import load_data, make_policy, parse_expression, satisfies
from modelbot.discovery import ModelDir
from modelbot.results import CheckResult, Severity, Status

from .conftest import EXAMPLES

TEXTS = Path(__file__).parent / "data" / "licenses"
EXAMPLE_ALLOW = ["MIT", "Apache-2.0", "BSD-3-Clause"]


def text(name: str) -> str:
    """A license text shipped as test data, placeholders filled in."""
    raw = (TEXTS / f"{name}.txt").read_text(encoding="utf-8")
    return raw.replace("[year]", "2024").replace("[fullname]", "Example Authors")


def make_model(
    tmp_path: Path,
    license_text: str | None = None,
    card: str | None = "license: mit\n",
    files: dict[str, str] | None = None,
) -> ModelDir:
    """A model directory ``models/m`` with LICENSE, README front matter, files."""
    path = tmp_path / "models" / "m"
    path.mkdir(parents=True)
    if license_text is not None:
        (path / "LICENSE").write_text(license_text, encoding="utf-8")
    if card is not None:
        (path / "README.md").write_text(f"---\n{card}---\n\n# Model\n", "utf-8")
    for name, content in (files or {}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content, encoding="utf-8")
    return ModelDir(tmp_path, path)


def run(model: ModelDir, **settings: Any) -> CheckResult:
    """Run the check with the defaults, the example allow list and ``settings``."""
    return CHECK.run(model, {**CHECK.defaults, "allow": EXAMPLE_ALLOW, **settings})


def rules(result: CheckResult) -> list[str]:
    """The rule ids of the result's findings, in order."""
    return [f.rule for f in result.findings]


# The example repository: each broken model fails exactly one check.


@pytest.mark.parametrize(
    "name",
    [
        "mlp-classifier",
        "linear-regression",
        "nan-loss",
        "unreloadable-layer",
        "incomplete-card",
        "broken-image",
    ],
)
def test_example_models_pass(name: str) -> None:
    result = run(ModelDir(EXAMPLES, EXAMPLES / "models" / name))

    assert result.status == Status.PASS
    assert result.findings == []
    assert result.metrics["confidence"] >= 0.9


def test_example_missing_license_fails_for_the_missing_file() -> None:
    result = run(ModelDir(EXAMPLES, EXAMPLES / "models" / "missing-license"))

    assert result.status == Status.FAIL
    assert rules(result) == ["license/missing-file"]
    finding = result.findings[0]
    assert finding.path == "models/missing-license"
    assert finding.hint and "LICENSE" in finding.hint


def test_example_license_mismatch_names_both_licenses() -> None:
    result = run(ModelDir(EXAMPLES, EXAMPLES / "models" / "license-mismatch"))

    assert result.status == Status.FAIL
    assert rules(result) == ["license/card-mismatch"]
    finding = result.findings[0]
    assert "MIT" in finding.message and "Apache-2.0" in finding.message
    assert (finding.path, finding.line) == ("models/license-mismatch/README.md", 2)
    assert finding.hint and "`license: apache-2.0`" in finding.hint
    assert result.metrics["spdx"] == "Apache-2.0"
    assert result.metrics["card_spdx"] == "MIT"


# Cases from cases.md.


B1_MIT = text("MIT").replace(
    "Copyright (c) 2024 Example Authors",
    "Copyright (C) 2012-2020 A. Author, B. Author, and the\n"
    "individual contributors to Example.",
)


def test_b1_wrapped_copyright_is_stripped_and_mit_identified(tmp_path: Path) -> None:
    assert "individual contributors" not in normalize_license_text(B1_MIT)
    model = make_model(tmp_path, B1_MIT, "license: mit\n")

    result = run(model)

    assert result.status == Status.PASS
    assert result.metrics["spdx"] == "MIT"
    assert result.metrics["confidence"] == 1.0


B3_CARD = "language: [en]\ntags: [keras]\n"


def test_b3_card_without_license_fails_naming_the_hub_id(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, text("Apache-2.0"), B3_CARD))

    assert result.status == Status.FAIL
    assert rules(result) == ["license/card-missing"]
    assert result.findings[0].message == (
        "model card has no `license`; LICENSE is Apache-2.0, add `license: apache-2.0`"
    )
    assert result.findings[0].path == "models/m/README.md"


def test_b3_card_required_false_downgrades_to_warning(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, text("Apache-2.0"), B3_CARD), card_required=False)

    assert result.status == Status.WARN
    assert [f.severity for f in result.findings] == [Severity.WARNING]


@pytest.mark.parametrize("value", ["apache-2.0", "Apache-2.0", "APACHE-2.0"])
def test_b3_hub_id_compares_case_insensitively(tmp_path: Path, value: str) -> None:
    result = run(make_model(tmp_path, text("Apache-2.0"), f"license: {value}\n"))

    assert result.status == Status.PASS
    assert result.metrics["card_spdx"] == "Apache-2.0"


def test_b4_or_later_card_is_consistent_but_not_a_hub_id(tmp_path: Path) -> None:
    model = make_model(tmp_path, text("AGPL-3.0"), "license: agpl-3.0-or-later\n")

    result = CHECK.run(model, dict(CHECK.defaults))

    assert result.status == Status.WARN
    assert rules(result) == ["license/not-hub-id"]
    assert result.findings[0].message.endswith(
        "not in the Hub's accepted license list: use `agpl-3.0`, "
        "or `license: other` with `license_name`/`license_link`"
    )
    assert result.findings[0].line == 2
    assert result.metrics["card_spdx"] == "AGPL-3.0-or-later"


def test_b4_policy_runs_on_the_cards_or_later_id(tmp_path: Path) -> None:
    model = make_model(tmp_path, text("AGPL-3.0"), "license: agpl-3.0-or-later\n")

    denied = CHECK.run(model, {**CHECK.defaults, "deny": ["AGPL-3.0-or-later"]})
    only = CHECK.run(model, {**CHECK.defaults, "deny": ["AGPL-3.0-only"]})

    assert denied.status == Status.FAIL
    assert "license/denied" in rules(denied)
    assert "AGPL-3.0-or-later" in denied.findings[-1].message
    assert "license/denied" not in rules(only)


B6_FILES = {
    "a.py": "# SPDX-License-Identifier: GPL-3.0+\nprint('a')\n",
    "b.py": '"""B."""\n# SPDX-License-Identifier: GPL-2.0\n',
    "c.py": "# SPDX-License-Identifier: MPL-1.1+\n",
}


def test_b6_deprecated_header_ids_are_replaced_and_policy_runs_on_them(
    tmp_path: Path,
) -> None:
    model = make_model(tmp_path, text("MIT"), "license: mit\n", B6_FILES)

    result = CHECK.run(model, {**CHECK.defaults, "deny": ["GPL-3.0-or-later"]})

    by_rule = {(f.rule, f.path, f.line): f for f in result.findings}
    deprecated_a = by_rule[("license/deprecated-id", "models/m/a.py", 1)]
    deprecated_b = by_rule[("license/deprecated-id", "models/m/b.py", 2)]
    assert "`GPL-3.0-or-later`" in deprecated_a.message
    assert "`GPL-2.0-only`" in deprecated_b.message
    assert ("license/denied", "models/m/a.py", 1) in by_rule
    assert not any(
        r == "license/denied" and p != "models/m/a.py" for r, p, _ in by_rule
    )
    assert "license/header-invalid" not in rules(result)
    assert not any(
        p == "models/m/c.py" and r != "license/header-mismatch" for r, p, _ in by_rule
    )
    assert result.status == Status.FAIL


def test_b6_expressions_parse_to_their_replacements() -> None:
    gpl3 = parse_expression("GPL-3.0+")
    mpl = parse_expression("MPL-1.1+")

    assert gpl3.valid and gpl3.licenses == ["GPL-3.0-or-later"]
    assert gpl3.deprecated == [("GPL-3.0+", "GPL-3.0-or-later")]
    assert parse_expression("GPL-2.0").deprecated == [("GPL-2.0", "GPL-2.0-only")]
    assert mpl.valid and mpl.deprecated == [] and mpl.licenses == ["MPL-1.1+"]


C3_CARD = (
    "license: mit\nlibrary_name: keras\ntags:\n  - keras\n  - tabular\n"
    "license: apache-2.0\n"
)


@pytest.mark.parametrize("license_name", ["MIT", "Apache-2.0"])
def test_c3_duplicate_license_key_is_not_evaluable(
    tmp_path: Path, license_name: str
) -> None:
    result = run(make_model(tmp_path, text(license_name), C3_CARD))

    assert result.status == Status.WARN
    assert rules(result) == ["license/card-not-evaluable"]
    finding = result.findings[0]
    assert "lines 2 and 7" in finding.message
    assert (finding.path, finding.line) == ("models/m/README.md", 2)
    assert result.metrics["card_license"] is None


# Identification.


def test_apache_without_appendix_is_not_read_as_pixar() -> None:
    apache = text("Apache-2.0")
    cut = apache[: apache.index("END OF TERMS AND CONDITIONS")]

    found = identify_license(cut, 0.9)

    assert (found.spdx, found.guess) == ("Apache-2.0", None)
    assert found.score >= 0.9


def test_renamed_license_needs_review_not_the_original(tmp_path: Path) -> None:
    renamed = text("Apache-2.0").replace("Apache License", "Acme Model License", 1)
    result = run(make_model(tmp_path, renamed, "license: apache-2.0\n"))

    assert rules(result) == ["license/unidentified"]
    assert "Acme Model License" in result.findings[0].message
    assert result.metrics["spdx"] is None


@pytest.mark.parametrize(
    "content", ["", "Copyright (c) 2024 Example Authors\n", "All rights reserved.\n"]
)
def test_license_without_license_text_needs_review(
    tmp_path: Path, content: str
) -> None:
    result = run(make_model(tmp_path, content, "license: mit\n"))

    assert result.status == Status.WARN
    assert rules(result) == ["license/unidentified"]
    assert result.findings[0].path == "models/m/LICENSE"


def test_markdown_html_and_crlf_renderings_identify_as_mit() -> None:
    mit = text("MIT")
    markdown = "# The MIT License\n\n" + mit.replace(
        "The above copyright notice", "**The above** [copyright notice](https://x.test)"
    )
    html = (
        "<html><head><style>p {}</style></head><body><p>"
        + mit.replace("\n\n", "</p>\n<p>")
        + "</p></body></html>"
    )

    for variant in (markdown, html, mit.replace("\n", "\r\n")):
        assert identify_license(variant, 0.9).spdx == "MIT"


def test_reuse_licenses_dir_and_license_ref(tmp_path: Path) -> None:
    files = {
        "LICENSES/MIT.txt": text("MIT"),
        "LICENSES/LicenseRef-Weights.txt": "You may use the weights for good only.\n",
    }
    model = make_model(tmp_path, None, "license: mit\n", files)

    result = CHECK.run(model, dict(CHECK.defaults))

    assert rules(result) == ["license/card-mismatch"]
    assert result.findings[0].message == (
        "model card says `license: mit` (MIT), but LICENSES/LicenseRef-Weights.txt "
        "is LicenseRef-Weights, LICENSES/MIT.txt is MIT"
    )
    assert result.metrics["license_file"] == "models/m/LICENSES/LicenseRef-Weights.txt"


def test_license_symlink_leaving_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(text("MIT"), encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    model = make_model(repo, None, "license: mit\n")
    (model.path / "LICENSE").symlink_to(outside)

    result = run(model)

    assert rules(result) == ["license/unidentified"]
    assert "outside the repository" in result.findings[0].message


# The model card.


def test_card_family_id_agrees_with_a_member(tmp_path: Path) -> None:
    assert (
        run(make_model(tmp_path / "a", text("BSD-3-Clause"), "license: bsd\n")).status
        == Status.PASS
    )
    mismatch = run(make_model(tmp_path / "b", text("MIT"), "license: gpl\n"))
    assert rules(mismatch) == ["license/card-mismatch"]


def test_card_other_needs_name_and_link(tmp_path: Path) -> None:
    result = run(
        make_model(
            tmp_path / "a", "Custom terms.\n", "license: other\nlicense_name: x\n"
        )
    )
    complete = "license: other\nlicense_name: x\nlicense_link: LICENSE\n"
    imprecise = run(make_model(tmp_path / "b", text("MIT"), complete))

    assert "license/card-other-incomplete" in rules(result)
    assert "`license_link`" in result.findings[-1].message
    assert rules(imprecise) == ["license/card-imprecise"]
    assert "use `license: mit`" in imprecise.findings[0].message


def test_card_value_that_is_no_license_fails(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, text("MIT"), "license: my own terms\n"))

    assert result.status == Status.FAIL
    assert rules(result) == ["license/card-invalid"]
    assert result.findings[0].line == 2


# Policy.


def test_policy_allow_deny_and_expressions(tmp_path: Path) -> None:
    result = run(
        make_model(tmp_path, text("Apache-2.0"), "license: apache-2.0\n"), allow=["MIT"]
    )
    policy = make_policy(["MIT", "Apache-2.0"], ["GPL-2.0"])

    def accept(expression: str) -> bool:
        tree = parse_expression(expression).tree
        return bool(satisfies(tree, lambda key: policy.verdict(key) is None))

    assert rules(result) == ["license/not-allowed"]
    assert "Apache-2.0" in result.findings[0].message
    assert accept("MIT OR GPL-3.0-only")
    assert not accept("MIT AND GPL-3.0-only")
    assert policy.verdict("GPL-2.0-only") == "denied"  # deny list entries are replaced
    assert accept("Apache-2.0 WITH LLVM-exception")


def test_invalid_policy_entry_is_reported(tmp_path: Path) -> None:
    result = run(make_model(tmp_path, text("MIT")), allow=["MIT", "Not-A-License"])

    assert rules(result) == ["license/bad-policy"]
    assert "`Not-A-License`" in result.findings[0].message


# Source headers.


def test_header_contradicting_license_fails_at_its_line(tmp_path: Path) -> None:
    files = {
        "model.py": '"""Model."""\n# SPDX-License-Identifier: Apache-2.0\n',
        "ok.py": "# SPDX-License-Identifier: MIT OR Apache-2.0\n",
        "bad.py": "# SPDX-License-Identifier: Foo-1.0\n",
        "late.py": "#\n" * 2100 + "# SPDX-License-Identifier: GPL-2.0-only\n",
    }
    result = run(make_model(tmp_path, text("MIT"), "license: mit\n", files))

    found = sorted((f.rule, f.path, f.line) for f in result.findings)
    assert found == [
        ("license/header-invalid", "models/m/bad.py", 1),
        ("license/header-mismatch", "models/m/model.py", 2),
    ]


# Dependencies.


FAKE_DISTS = {
    "fake-gpl": "License-Expression: GPL-3.0-only\n",
    "fake-classified": "Classifier: License :: OSI Approved :: MIT License\n",
    "fake-free-text": "License: Apache 2.0\n",
    "fake-silent": "",
}
REQUIREMENTS = (
    "# pinned\nfake-gpl>=1\nfake_classified\n-r other.txt\nfake-free-text\n"
    "fake-silent ; python_version > '3'\nnot-installed-pkg-xyz==1.0\n"
)


@pytest.fixture
def fake_dists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed distributions with known license metadata, found via sys.path."""
    site = tmp_path / "site"
    for name, fields in FAKE_DISTS.items():
        info = site / f"{name.replace('-', '_')}-1.0.dist-info"
        info.mkdir(parents=True)
        metadata = f"Metadata-Version: 2.4\nName: {name}\nVersion: 1.0\n{fields}"
        (info / "METADATA").write_text(metadata, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))


@pytest.mark.parametrize(
    ("mode", "severity"), [("warn", Severity.WARNING), ("fail", Severity.ERROR)]
)
@pytest.mark.usefixtures("fake_dists")
def test_dependencies_are_audited_offline(
    tmp_path: Path, mode: str, severity: Severity
) -> None:
    files = {"requirements.txt": REQUIREMENTS}
    model = make_model(tmp_path, text("MIT"), "license: mit\n", files)

    result = run(model, allow=["MIT", "Apache-2.0"], dependencies=mode)

    found = [(f.rule, f.severity, f.line) for f in result.findings]
    assert found == [
        ("license/dependency-not-allowed", severity, 2),
        ("license/dependency-not-audited", Severity.NOTE, 4),
        ("license/dependency-unknown", Severity.NOTE, 6),
        ("license/dependency-not-installed", Severity.NOTE, None),
    ]
    assert "`fake-gpl` is GPL-3.0-only" in result.findings[0].message
    assert result.findings[0].path == "models/m/requirements.txt"
    assert result.findings[3].message.endswith("audited: not-installed-pkg-xyz")
    assert result.status == (Status.FAIL if mode == "fail" else Status.WARN)


def test_a_line_that_is_no_requirement_is_a_warning(tmp_path: Path) -> None:
    files = {"requirements.txt": "numpy>=1\nnot a valid line!!\n"}
    model = make_model(tmp_path, text("MIT"), "license: mit\n", files)

    result = run(model, allow=["MIT"])

    [bad] = [f for f in result.findings if f.rule == "license/dependency-unparsable"]
    assert (bad.severity, bad.line) == (Severity.WARNING, 2)
    assert bad.message.startswith("`not a valid line!!` is not a valid requirement")
    assert result.status == Status.WARN


@pytest.mark.usefixtures("fake_dists")
def test_dependencies_off(tmp_path: Path) -> None:
    files = {"requirements.txt": REQUIREMENTS}
    model = make_model(tmp_path, text("MIT"), "license: mit\n", files)

    assert run(model, allow=["MIT"], dependencies="off").findings == []


def test_hub_table_covers_the_hub_list_and_maps_to_valid_spdx() -> None:
    data = load_data()
    hub = data["hub_ids"]

    assert len(hub) >= 80
    assert {"apache-2.0", "mit", "other", "unknown", "llama3.1", "gemma"} <= set(hub)
    for hub_id, spdx in hub.items():
        assert hub_id == hub_id.lower()
        assert spdx is None or parse_expression(spdx).valid, hub_id
    for old, new in data["deprecated"]["ids"].items():
        assert parse_expression(new).valid and not parse_expression(new).deprecated, old
    for spdx in data["classifiers"]["map"].values():
        assert spdx is None or parse_expression(spdx).valid


def test_defaults_match_the_schema() -> None:
    jsonschema.validate(dict(CHECK.defaults), dict(CHECK.schema))
    assert CHECK.name == "license"
