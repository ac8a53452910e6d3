"""Find model directories in a repository and describe them."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

LOG = logging.getLogger(__name__)

# Precedence order; the British spelling is common enough to accept as well.
LICENSE_NAMES = (
    "LICENSE",
    "LICENSE.md",
    "LICENSE.txt",
    "COPYING",
    "LICENCE",
    "LICENCE.md",
    "LICENCE.txt",
)
CARD_NAME = "README.md"
CODE_NAME = "model.py"


@dataclass(frozen=True)
class ModelDir:
    """A contributed model: a directory under the repository root."""

    root: Path
    path: Path

    @property
    def rel(self) -> str:
        """The directory as a POSIX path relative to the repository root."""
        rel = self.path.relative_to(self.root).as_posix()
        return rel or "."

    def relpath(self, file: Path) -> str:
        """A file inside the repository as a POSIX path relative to its root.

        Symlinks are not followed: a contributed ``README.md`` that links out of
        the repository is still named by where it stands in the repository.
        """
        absolute = Path(os.path.normpath(file.absolute()))
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.relative_to(self.root.resolve()).as_posix()

    def contains(self, file: Path) -> bool:
        """True when ``file``, symlinks followed, stays inside the repository."""
        return file.resolve().is_relative_to(self.root.resolve())

    @property
    def card(self) -> Path:
        """The model card."""
        return self.path / CARD_NAME

    @property
    def code(self) -> Path:
        """The model code defining ``build_model()``."""
        return self.path / CODE_NAME

    def license_files(self) -> list[Path]:
        """License files present in the directory, in precedence order."""
        names = {p.name: p for p in self.path.iterdir() if p.is_file()}
        return [names[n] for n in LICENSE_NAMES if n in names]


def find_models(root: Path, globs: list[str]) -> list[ModelDir]:
    """Return the model directories under ``root`` matching ``globs``, sorted."""
    root = root.resolve()
    found: dict[Path, ModelDir] = {}
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            if not path.is_dir() or path.name.startswith("."):
                continue
            if not path.resolve().is_relative_to(root):
                LOG.warning("skipping %s: it links outside the repository", path)
                continue
            found.setdefault(path.resolve(), ModelDir(root, path.resolve()))
    LOG.info("found %d model(s) under %s", len(found), root)
    return sorted(found.values(), key=lambda m: m.rel)
