"""Tests for mdsafe: escaping contributed text and cutting Markdown to a limit."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from modelbot.mdsafe import (
    ZERO_WIDTH_JOINER,
    close_blocks,
    code,
    escape,
    fence,
    truncate,
    utf8_length,
    utf16_length,
)

HOSTILE = [
    "plain text",
    "*bold* _em_ `code` ~~strike~~",
    "[link](https://evil.example) ![img](x.png)",
    "<img src=x onerror=alert(1)> <script>alert(1)</script>",
    "<!-- modelbot:report key=modelbot -->",
    "&#64;admin &lt;b&gt;",
    "| a | b |",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "=====",
    "line one\nline two\r\n\u2028three",
    "back\\slash \\* star",
    "{curly} (round) [square]",
]


def render(markdown: str) -> str:
    """HTML of ``markdown`` with raw HTML on, as CommonMark and GFM tables render it."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def text_of(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_same_text_and_nothing_else(text: str) -> None:
    rendered = render("Finding: " + escape(text))
    assert re.findall(r"<(\w+)", rendered) == ["p"]
    expected = " ".join(text.splitlines())
    assert text_of(rendered).replace(ZERO_WIDTH_JOINER, "") == f"Finding: {expected}"


@pytest.mark.parametrize(
    ("text", "neutralised"),
    [
        ("ping @octocat now", "@\u200doctocat"),
        ("@org/team", "@\u200dorg/team"),
        ("fixes #12", "#\u200d12"),
        ("see other/repo#3", "#\u200d3"),
        ("GH-42", "GH-\u200d42"),
        ("https://github.com/a/b/issues/1", "://\u200dgithub.com"),
        ("www.example.com", "www.\u200dexample.com"),
    ],
)
def test_mentions_references_and_links_are_broken_invisibly(
    text: str, neutralised: str
) -> None:
    assert neutralised in escape(text)
    assert not re.search(r"@\w|#\d|GH-\d|://\w|www\.\w", escape(text))


def test_escape_drops_controls_and_replaces_bidi_overrides_and_surrogates() -> None:
    escaped = escape("a\x00b\x1bc\u202eevil\u2066d\ud800e")
    assert escaped == "abc\ufffdevil\ufffdd\ufffde"
    escaped.encode("utf-8")  # no lone surrogate survives


@pytest.mark.parametrize(
    "text", ["a`b", "``", "`lead", "trail`", "", " spaced ", "a | b", "x@y #1 <b>"]
)
def test_code_shows_the_text_verbatim(text: str) -> None:
    rendered = render(code(text))
    assert rendered.startswith("<p><code>")
    assert html.unescape(re.sub(r"</?(p|code)>", "", rendered)).strip("\n") == text or (
        text.strip() == "" and "<code>" in rendered
    )


def test_code_in_a_table_cell_keeps_pipes_inside_the_cell() -> None:
    table = f"| path | status |\n|---|---|\n| {code('a|b', in_table=True)} | ok |\n"
    rendered = render(table)
    assert "<td><code>a|b</code></td>" in rendered
    assert "<td>ok</td>" in rendered


def test_code_collapses_newlines() -> None:
    assert code("a\nb") == "`a b`"


def test_fence_cannot_be_closed_by_its_content() -> None:
    block = fence("before\n```\nafter", info="py`thon")
    assert block.startswith("````python\n")
    rendered = render(block + "outside\n")
    assert "before\n```\nafter" in html.unescape(rendered)
    assert "<p>outside</p>" in rendered


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("short\n", 10, "NOTICE") == "short\n"


def test_truncate_cuts_between_whole_lines_and_appends_the_notice() -> None:
    text = "".join(f"line {n} 👩‍🔬\n" for n in range(1000))
    for measure in (len, utf16_length, utf8_length):
        cut = truncate(text, 5_000, "\n[cut]\n", measure)
        assert measure(cut) <= 5_000
        kept = cut.removesuffix("\n[cut]\n")
        assert text.startswith(kept) and kept.endswith("👩‍🔬\n")
        assert measure(kept) > 5_000 - 30  # no more than one line is given up


def test_truncate_counts_emoji_as_utf16_pairs() -> None:
    text = "🚀" * 10 + "\n" + "🚀" * 10 + "\n"
    assert truncate(text, 30, "!", utf16_length) == "🚀" * 10 + "\n!"
    assert truncate(text, 30, "!", len) == text  # 22 characters fit


def test_truncate_closes_an_open_fence_and_details() -> None:
    text = "<details><summary>s</summary>\n\n```\n" + "x\n" * 100 + "```\n</details>\n"
    cut = truncate(text, 80, "\nNOTICE\n")
    assert len(cut) <= 80
    assert cut.endswith("```\n</details>\n\nNOTICE\n")
    assert "<p>NOTICE</p>" in render(cut)


def test_truncate_when_not_even_one_line_fits() -> None:
    assert truncate("x" * 100 + "\n", 10, "[cut]") == "[cut]"
    with pytest.raises(ValueError, match="longer than the limit"):
        truncate("x" * 100, 3, "[cut]")


def test_close_blocks_ignores_details_inside_code() -> None:
    assert close_blocks("~~~~\n<details>\n~~~~\n") == ""
    assert close_blocks("````\n```\n") == "````\n"
    assert close_blocks("<details><summary>a</summary></details>\n<details>") == (
        "\n</details>\n"
    )


def test_message_keeps_code_spans_and_escapes_the_rest() -> None:
    from modelbot.mdsafe import message

    assert message("image `images/loss.png` does not exist") == (
        "image `images/loss.png` does not exist"
    )
    # a mention or HTML outside a span is neutralised, inside a span it is inert
    out = message("@octocat said `@octocat <b>` and <b>")
    assert out.startswith("@\u200doctocat said `@octocat <b>` and \\<b\\>")
    # a stray backtick cannot open a span that swallows the escaping after it
    assert message("a ` b <i>") == "a \\` b \\<i\\>"
    # double-backtick spans may hold single backticks
    assert message("name ``a`b`` ok") == "name ``a`b`` ok"
