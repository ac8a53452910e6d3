"""Time the docs check on generated model cards: ``python bench/docs_bench.py [N]``."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from modelbot.checks.docs import CHECK
from modelbot.discovery import ModelDir

FRONT = """---
license: apache-2.0
library_name: keras
pipeline_tag: image-classification
language: [en, fr, de]
tags: [keras, vision, "3.10"]
datasets: [mnist]
metrics: [accuracy]
base_model: keras-io/resnet50
model-index:
  - name: m{index}
    results:
      - task: {{type: image-classification}}
        dataset: {{type: mnist, name: MNIST}}
        metrics: [{{type: accuracy, value: 0.98}}]
---
"""
SECTION = """
## {title}

{text} See [the guide](docs/guide.md#setup), [the plot](#evaluation) and
<https://example.org/{index}>. ![Loss per epoch](assets/loss.png)

| metric | value |
|--------|-------|
| accuracy | 0.98 |

```python
model = build_model()  # {index}
```
"""
TITLES = [
    "Model details",
    "Intended use",
    "How to use",
    "Training data",
    "Evaluation",
    "Limitations",
    "Citation",
]
CODE = '''"""Model {index}."""


def build_model(units: int, depth: int) -> None:
    """Build it.

    Args:
        units: Width.
        depth: Layers.
    """


class Block:
    """A block."""

    def call(self, x: float) -> float:
        """Apply it."""
        return x
'''


def make_repo(root: Path, count: int, paragraphs: int) -> list[ModelDir]:
    """Write ``count`` models with cards of ``paragraphs`` repeats per section."""
    models = []
    for index in range(count):
        path = root / "models" / f"m{index}"
        (path / "docs").mkdir(parents=True)
        (path / "assets").mkdir()
        (path / "assets" / "loss.png").write_bytes(b"png")
        (path / "docs" / "guide.md").write_text("# Guide\n\n## Setup\n\nText.\n")
        text = " ".join(["A model card sentence with some words."] * paragraphs)
        sections = "".join(
            SECTION.format(title=t, text=text, index=index) for t in TITLES
        )
        body = f"\n# Model {index}\n\nSummary of model {index}.\n{sections}"
        (path / "README.md").write_text(FRONT.format(index=index) + body)
        (path / "model.py").write_text(CODE.format(index=index))
        models.append(ModelDir(root, path))
    return models


def main() -> None:
    """Lint N generated cards and print milliseconds per card."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--paragraphs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models = make_repo(Path(tmp), args.count, args.paragraphs)
        card_bytes = models[0].card.stat().st_size
        settings = dict(CHECK.defaults)
        start = time.perf_counter()
        first = CHECK.run(models[0], settings)
        cold = time.perf_counter() - start
        times = []
        for model in models[1:]:
            start = time.perf_counter()
            result = CHECK.run(model, settings)
            times.append(time.perf_counter() - start)
            assert result.status == first.status, result.findings
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"cards: {args.count} of {card_bytes} bytes, first status {first.status}")
    print(f"first card (imports, language tables): {cold * 1000:.1f} ms")
    print(
        f"per card: mean {statistics.mean(times) * 1000:.2f} ms, "
        f"median {statistics.median(times) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
