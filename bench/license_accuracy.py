"""Measure license identification on a corpus with known answers (run by hand).

Usage: python bench/license_accuracy.py [CORPUS] [--min-confidence X] [-v]

CORPUS holds ``files/`` and ``expected.tsv`` (file, expected, note); it
defaults to ../shared/corpus/licenses next to the repository. An expected SPDX
id counts as right when modelbot names the same license (``GPL-3.0`` matches
``GPL-3.0-only``: the text cannot say which). ``other`` and ``no license`` are
right when modelbot answers "needs review"; a note "true SPDX would be X"
accepts X as well.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from modelbot.checks.license import DEFAULTS
from modelbot.checks.license_text import _askalono, identify_license
from modelbot.checks.spdx import same_license

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "licenses"
NOT_A_LICENSE = {"other", "no license"}
ALSO_TRUE = re.compile(r"true SPDX would be ([\w.+-]+)")


@dataclass
class Row:
    """One corpus file, its expected answer and what modelbot said."""

    name: str
    expected: str
    accepted: list[str]
    answer: str | None = None
    guess: str | None = None
    score: float = 0.0
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """``right``, ``wrong`` (a confident wrong answer) or ``review``."""
        if self.answer is None:
            return "right" if self.expected in NOT_A_LICENSE else "review"
        if any(same_license(self.answer, a) for a in self.accepted):
            return "right"
        return "wrong"


def load(corpus: Path) -> list[Row]:
    """Read ``expected.tsv``."""
    rows = []
    with (corpus / "expected.tsv").open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle, delimiter="\t"):
            expected = record["expected"]
            accepted = [] if expected in NOT_A_LICENSE else [expected]
            accepted += ALSO_TRUE.findall(record.get("note") or "")
            rows.append(Row(record["file"], expected, accepted))
    return rows


def main() -> int:
    """Identify every corpus file and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--min-confidence", type=float, default=DEFAULTS["min_confidence"]
    )
    parser.add_argument(
        "--raw", action="store_true", help="askalono alone, no normalisation (baseline)"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if not (args.corpus / "expected.tsv").is_file():
        print(f"no expected.tsv in {args.corpus}", file=sys.stderr)
        return 2

    rows = load(args.corpus)
    started = time.perf_counter()
    for row in rows:
        text = (args.corpus / "files" / row.name).read_text("utf-8", "replace")
        begun = time.perf_counter()
        if args.raw:
            name, row.score = _askalono(text)
            row.answer = name if row.score >= args.min_confidence else None
            row.guess = name
        else:
            found = identify_license(text, args.min_confidence)
            row.answer, row.guess, row.score = found.spdx, found.guess, found.score
        row.seconds = time.perf_counter() - begun
    total = time.perf_counter() - started

    counts = {
        v: sum(r.verdict == v for r in rows) for v in ("right", "wrong", "review")
    }
    for row in rows:
        if args.verbose or row.verdict != "right":
            shown = row.answer or f"needs review (best {row.guess})"
            print(
                f"{row.verdict:6} {row.score:.3f} {row.name}: expected "
                f"{row.expected}, got {shown}"
            )
    print(f"corpus: {args.corpus} ({len(rows)} files)")
    mode = "askalono alone" if args.raw else "modelbot"
    print(f"min_confidence: {args.min_confidence} ({mode})")
    print(f"right: {counts['right']} ({counts['right'] / len(rows):.1%})")
    print(f"wrong and confident: {counts['wrong']}")
    print(f"needs review: {counts['review']}")
    times = sorted(r.seconds for r in rows)
    print(
        f"time: {total:.1f} s total, median {times[len(times) // 2] * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms per file; askalono calls cached: "
        f"{_askalono.cache_info().hits} hits"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
