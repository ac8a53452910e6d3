"""Time the smoke test and its peak memory on the example models, by hand.

``python bench/smoke_bench.py [--repeat N] [--examples DIR] [NAME ...]``

Prints, per example, the verdict, the wall time of the whole check, each
sandboxed process's total and import time, and the peak resident memory of the
children (from wait4, so it is the child's own high-water mark).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from modelbot.checks.smoke import CHECK
from modelbot.discovery import ModelDir

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ROW = "{:<20} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}"


def process_times(metrics: dict[str, Any], mode: str) -> tuple[float, float]:
    """Total and import seconds of one child process, 0 if it did not run."""
    durations = metrics.get("durations", {}).get(f"{mode}_process", {})
    return durations.get("total", 0.0), durations.get("import", 0.0)


def main() -> None:
    """Run the smoke check on the examples and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="example names (default: all)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--examples", type=Path, default=EXAMPLES)
    args = parser.parse_args()
    root = args.examples.resolve()
    names = args.names or sorted(p.name for p in (root / "models").iterdir())

    print(
        ROW.format(
            "model",
            "status",
            "wall s",
            "train s",
            "import s",
            "reload s",
            "import s",
            "peak MiB",
        )
    )
    walls, peaks = [], []
    for name in names:
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = CHECK.run(ModelDir(root, root / "models" / name), CHECK.defaults)
            wall = time.perf_counter() - started
            metrics = result.metrics
            train, train_import = process_times(metrics, "train")
            reload, reload_import = process_times(metrics, "reload")
            peak = metrics.get("peak_rss_mb") or 0.0
            walls.append(wall)
            peaks.append(peak)
            print(
                ROW.format(
                    name,
                    str(result.status),
                    f"{wall:.2f}",
                    f"{train:.2f}",
                    f"{train_import:.2f}",
                    f"{reload:.2f}",
                    f"{reload_import:.2f}",
                    f"{peak:.0f}",
                )
            )
    median = statistics.median(walls)
    print(f"\n{len(walls)} runs: {sum(walls):.1f} s in all, median {median:.2f} s")
    print(f"peak child RSS {max(peaks):.0f} MiB")
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"parent (modelbot) peak RSS {parent:.0f} MiB")


if __name__ == "__main__":
    main()
