"""Write the first cell of every notebook: install the book's helpers where they are missing.

A notebook opened on Colab, on Binder or in a reader's own Jupyter has no ``lstm_helpers``.
Its first cell installs the package, with the Keras and TensorFlow the book was run with
(the ``book`` extra of ``pyproject.toml``), from the repository named in ``_config.yml``
(``repository.url`` and ``repository.branch``): the one place the address is set. In a
clone set up by ``make`` the package is there, and the cell does nothing.

Run ``python tools/setup_cell.py`` after changing the address, then ``make outputs``;
``tests/test_setup_cell.py`` fails while a notebook's first cell differs from this one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
TAG = "book-setup"


def install_source(config: Path = ROOT / "_config.yml") -> str:
    """The pip requirement of the book's package: ``git+<repository url>@<branch>``."""
    repo = yaml.safe_load(config.read_text())["repository"]
    return f"git+{repo['url'].rstrip('/')}@{repo.get('branch', 'main')}"


def cell_source(source: str) -> str:
    """The code of the set-up cell for a given install source."""
    return "\n".join(
        [
            "# Set-up for Colab, Binder or your own Jupyter: installs the book's helpers and the",
            "# Keras it was run with, when they are missing. In a clone set up by `make`, it",
            "# does nothing.",
            "import importlib.util",
            "",
            f'BOOK = "{source}"',
            'if importlib.util.find_spec("lstm_helpers") is None:',
            '    %pip install --quiet "lstm-helpers[book] @ {BOOK}"',
        ]
    )


def setup_cell(source: str) -> nbformat.NotebookNode:
    """A code cell, tagged ``book-setup``, holding :func:`cell_source`."""
    cell: nbformat.NotebookNode = nbformat.v4.new_code_cell(cell_source(source))
    cell.metadata["tags"] = [TAG]
    cell["id"] = TAG
    return cell


def has_setup_cell(nb: nbformat.NotebookNode) -> bool:
    """Whether the notebook starts with a set-up cell (of any address)."""
    return bool(nb.cells) and TAG in nb.cells[0].get("metadata", {}).get("tags", [])


def apply(path: Path, source: str) -> bool:
    """Put the set-up cell first in one notebook; returns whether the file changed."""
    nb = nbformat.read(path, as_version=4)
    wanted = cell_source(source)
    if has_setup_cell(nb):
        if nb.cells[0].source == wanted:
            return False
        nb.cells[0].source = wanted
    else:
        nb.cells.insert(0, setup_cell(source))
        _renumber(nb)
    nbformat.write(nb, path)
    return True


def _renumber(nb: nbformat.NotebookNode) -> None:
    """Execution counts as a top-to-bottom run gives them, the new cell first.

    The set-up cell prints nothing where the package is installed, so an executed notebook
    only gains a count: the stored outputs stay what they were, without a re-run.
    """
    code = [c for c in nb.cells if c.cell_type == "code"]
    if any(c.execution_count is None for c in code[1:]):
        return  # a notebook not executed yet: `make outputs` numbers it
    for count, cell in enumerate(code, start=1):
        cell.execution_count = count
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = count


def notebooks(root: Path = ROOT / "chapters") -> list[Path]:
    """Every notebook of the book."""
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    args = parser.parse_args(argv)
    source = install_source()
    for path in args.notebooks or notebooks():
        if apply(path, source):
            print(f"set-up cell written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
