"""Tests for reading model card front matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelbot.frontmatter import read_front_matter

CARD = """\
---
license: mit
library_name: keras
tags:
  - keras
  - tabular
---

# Title

Summary.
"""


def write(tmp_path: Path, text: str, name: str = "README.md") -> Path:
    """Write ``text`` byte-exactly (no newline translation) and return the path."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_reads_data_key_lines_and_body(tmp_path: Path) -> None:
    front = read_front_matter(write(tmp_path, CARD), "m/README.md")

    assert front.data == {
        "license": "mit",
        "library_name": "keras",
        "tags": ["keras", "tabular"],
    }
    assert front.problems == []
    assert front.key_lines == {"license": 2, "library_name": 3, "tags": 4}
    assert front.duplicates == {}
    assert front.body_line == 8
    assert front.body.split("\n")[1] == "# Title"


def test_card_without_front_matter_is_absent_not_invalid(tmp_path: Path) -> None:
    front = read_front_matter(write(tmp_path, "# Title\n\nText.\n"), "README.md")

    assert front.data is None
    assert front.problems == []
    assert not front.invalid
    assert front.body_line == 1
    assert front.body.startswith("# Title")


def test_missing_card_is_absent(tmp_path: Path) -> None:
    front = read_front_matter(tmp_path / "README.md", "README.md")

    assert front.data is None and front.problems == [] and front.body == ""


def test_empty_front_matter_is_an_empty_mapping(tmp_path: Path) -> None:
    front = read_front_matter(write(tmp_path, "---\n---\n# T\n"), "README.md")

    assert front.data == {}
    assert front.problems == []
    assert front.body_line == 3


def test_c1_yaml11_no_in_language_list_is_an_error_and_kept(tmp_path: Path) -> None:
    text = "---\nlanguage:\n  - nb\n  - nn\n  - no\n---\n# T\n"
    front = read_front_matter(write(tmp_path, text), "m/README.md")

    assert [p.message for p in front.problems] == [
        "language item 3 was read as boolean false (YAML 1.1 'no'); quote it as 'no'"
    ]
    problem = front.problems[0]
    assert (problem.rule, problem.severity, problem.path) == (
        "docs/front-matter-unquoted",
        "error",
        "m/README.md",
    )
    assert (problem.line, problem.column) == (5, 5)
    # The value is not dropped: the author's text is kept.
    assert front.data == {"language": ["nb", "nn", "no"]}


def test_c1_quoted_no_passes(tmp_path: Path) -> None:
    text = "---\nlanguage:\n  - nb\n  - nn\n  - 'no'\n---\n# T\n"
    front = read_front_matter(write(tmp_path, text), "README.md")

    assert front.problems == []
    assert front.data == {"language": ["nb", "nn", "no"]}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "tags: [keras, yes]",
            "tags item 2 was read as boolean true (YAML 1.1 'yes'); quote it as 'yes'",
        ),
        (
            "datasets: [off]",
            "datasets item 1 was read as boolean false (YAML 1.1 'off'); "
            "quote it as 'off'",
        ),
        (
            "metrics: [mse, 3.10]",
            "metrics item 2 was read as number 3.1 (YAML 1.1 '3.10'); "
            "quote it as '3.10'",
        ),
        (
            "custom: [python, 2024-01-31]",
            "custom item 2 was read as date 2024-01-31 (YAML 1.1 '2024-01-31'); "
            "quote it as '2024-01-31'",
        ),
        (
            "base_model: 3.10",
            "base_model was read as number 3.1 (YAML 1.1 '3.10'); quote it as '3.10'",
        ),
    ],
)
def test_misread_strings_in_any_string_list(
    tmp_path: Path, line: str, message: str
) -> None:
    front = read_front_matter(write(tmp_path, f"---\n{line}\n---\n"), "README.md")

    assert [p.message for p in front.problems] == [message]
    assert front.problems[0].line == 2


def test_numbers_in_lists_of_numbers_are_fine(tmp_path: Path) -> None:
    text = "---\nshape: [1, 2.5]\nflag: no\n---\n"
    front = read_front_matter(write(tmp_path, text), "README.md")

    assert front.problems == []
    assert front.data == {"shape": [1, 2.5], "flag": False}


def test_c3_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = (
        "---\nlicense: mit\nlibrary_name: keras\ntags:\n  - a\n  - b\n"
        "license: apache-2.0\n---\n# T\n"
    )
    front = read_front_matter(write(tmp_path, text), "m/README.md")

    assert [(p.rule, p.message, p.line) for p in front.problems] == [
        ("docs/duplicate-key", "duplicate key `license` (lines 2 and 7)", 7)
    ]
    assert front.duplicates == {"license": [2, 7]}
    assert front.key_lines["license"] == 7


def test_duplicate_key_nested_is_reported(tmp_path: Path) -> None:
    text = "---\nmodel-index:\n  - name: a\n    name: b\n    results: []\n---\n"
    front = read_front_matter(write(tmp_path, text), "README.md")

    assert [p.message for p in front.problems] == [
        "duplicate key `name` (lines 3 and 4)"
    ]
    assert front.duplicates == {}


def test_c4_tab_indentation_is_invalid_with_line_and_column(tmp_path: Path) -> None:
    text = "---\ntags:\n\t- keras\n---\n\n# T\n"
    front = read_front_matter(write(tmp_path, text), "m/README.md")

    assert front.data is None
    assert front.invalid
    [problem] = front.problems
    assert (problem.rule, problem.line, problem.column) == (
        "docs/front-matter-tab",
        3,
        1,
    )
    assert "spaces" in (problem.hint or "")
    assert front.body_line == 5  # the body is still there to lint


@pytest.mark.parametrize("newline", ["\r\n", "mixed", "\r"])
def test_c6_line_endings_do_not_change_the_result(tmp_path: Path, newline: str) -> None:
    text = (
        "---\nlicense: mit\nlanguage: [en, no]\ntags:\n  - keras\n"
        "license: mit\n---\n\n# T\n\nSummary.\n"
    )
    lf = read_front_matter(write(tmp_path, text, "lf.md"), "README.md")
    if newline == "mixed":
        lines = text.split("\n")
        other = "".join(
            line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines[:-1])
        )
    else:
        other = text.replace("\n", newline)
    got = read_front_matter(write(tmp_path, other, "other.md"), "README.md")

    assert got == lf
    assert len(lf.problems) == 2  # the misread `no` and the duplicate `license`


def test_bom_does_not_change_the_result(tmp_path: Path) -> None:
    plain = read_front_matter(write(tmp_path, CARD, "a.md"), "README.md")
    bom = read_front_matter(write(tmp_path, "\ufeff" + CARD, "b.md"), "README.md")

    assert bom == plain


def test_unclosed_front_matter(tmp_path: Path) -> None:
    text = "---\nlicense: mit\n\n# T\n"
    front = read_front_matter(write(tmp_path, text), "README.md")

    assert front.data is None
    assert [(p.rule, p.line) for p in front.problems] == [
        ("docs/front-matter-unclosed", 1)
    ]


def test_front_matter_that_is_a_list(tmp_path: Path) -> None:
    front = read_front_matter(write(tmp_path, "---\n- a\n- b\n---\n"), "README.md")

    assert front.data is None
    assert [(p.rule, p.line, p.column) for p in front.problems] == [
        ("docs/front-matter-not-mapping", 2, 1)
    ]
    assert "list" in front.problems[0].message


def test_yaml_syntax_error_position(tmp_path: Path) -> None:
    text = "---\nlicense: mit\nlibrary_name: keras: tf\n---\n"
    front = read_front_matter(write(tmp_path, text), "README.md")

    assert front.data is None
    [problem] = front.problems
    assert problem.rule == "docs/front-matter-syntax"
    assert (problem.line, problem.column) == (3, 20)


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    text = "---\nx: !!python/object/apply:os.system ['echo pwned']\n---\n"
    front = read_front_matter(write(tmp_path, text), "README.md")

    assert front.data is None
    assert front.problems[0].rule == "docs/front-matter-syntax"


def test_aliases_are_not_expanded_exponentially(tmp_path: Path) -> None:
    lines = ["---", "a0: &a0 [x, y]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    front = read_front_matter(write(tmp_path, "\n".join(lines + ["---", ""])), "R")

    assert front.problems == []
    assert front.data is not None and len(front.data) == 40


def test_invalid_utf8_is_reported_and_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_bytes(b"---\nlicense: mit\n---\n# T\n\xff\n")
    front = read_front_matter(path, "README.md")

    assert front.data == {"license": "mit"}
    assert [(p.rule, p.line) for p in front.problems] == [
        ("docs/front-matter-encoding", 5)
    ]
    assert not front.invalid


@pytest.mark.parametrize(
    ("line", "rule", "line_number"),
    [
        ("created: 2023-02-30", "docs/front-matter-syntax", 2),
        ("size: " + "1" * 5000, "docs/front-matter-syntax", 2),
        ("tags: [keras, 2023-02-30]", "docs/front-matter-unquoted", 2),
        ("tags: [keras, " + "1" * 5000 + "]", "docs/front-matter-unquoted", 2),
    ],
)
def test_unconvertible_values_are_findings_not_crashes(
    tmp_path: Path, line: str, rule: str, line_number: int
) -> None:
    front = read_front_matter(write(tmp_path, f"---\n{line}\n---\n"), "README.md")

    [problem] = front.problems
    assert (problem.rule, problem.line) == (rule, line_number)
    assert len(problem.message) < 200
