"""Make text from contributed files safe to put into GitHub Markdown."""

from __future__ import annotations

import re

# Characters that start Markdown or HTML constructs inside a line.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
# "@name" would ping a user or team on the contributor's behalf.
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
ZERO_WIDTH_JOINER = "\u200d"


def escape(text: str) -> str:
    """Escape Markdown and HTML in ``text`` and neutralise @mentions."""
    text = text.replace("&", "&amp;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = _MENTION.sub("@" + ZERO_WIDTH_JOINER, text)
    return " ".join(text.split("\n"))


def code(text: str) -> str:
    """Render ``text`` as inline code that no backtick inside can break out of."""
    text = " ".join(text.splitlines())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"
