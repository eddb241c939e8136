"""Every notebook can set itself up: its first cell, the pins it installs, the Binder files."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import setup_cell  # noqa: E402


def pins(path: Path) -> dict[str, str]:
    """``name: version`` of every ``name==version`` line, names normalised as pip does."""
    found = {}
    for line in path.read_text().splitlines():
        if match := re.match(r"([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip()):
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def extra(name: str) -> list[str]:
    """The requirements of one of the package's extras, as pyproject.toml lists them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found: list[str] = project["optional-dependencies"][name]
    return found


def book_extra() -> list[str]:
    return extra("book")


@pytest.mark.parametrize("notebook", setup_cell.notebooks(), ids=lambda p: p.stem)
def test_notebook_starts_with_the_setup_cell(notebook: Path) -> None:
    cells = json.loads(notebook.read_text())["cells"]
    first = cells[0]
    assert setup_cell.TAG in first["metadata"].get("tags", []), "run tools/setup_cell.py"
    assert "".join(first["source"]) == setup_cell.cell_source(setup_cell.install_source())
    assert first["outputs"] == [], "in the book's environment the set-up cell prints nothing"


def test_setup_cell_installs_from_the_configured_repository() -> None:
    source = setup_cell.install_source()
    assert source.startswith("git+https://") and source.endswith("@main")
    code = setup_cell.cell_source(source)
    assert f'BOOK = "{source}"' in code
    assert '%pip install --quiet "lstm-helpers[book] @ {BOOK}"' in code
    assert max(len(line) for line in code.splitlines()) <= 88


def test_book_extra_pins_what_requirements_pin() -> None:
    required = pins(ROOT / "requirements.txt")
    book = pins_of(book_extra())
    assert book, "the book extra pins nothing"
    wrong = {name: (v, required.get(name)) for name, v in book.items() if required.get(name) != v}
    assert not wrong, f"book extra vs requirements.txt: {wrong}"


def pins_of(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        name, _, version = line.partition("==")
        out[re.sub(r"[-_.]+", "-", name).lower()] = version
    return out


def _imports(code: str) -> set[str]:
    """Top-level module names a piece of code imports (IPython magics left out)."""
    lines = [
        ln[: len(ln) - len(ln.lstrip())] + "pass" if ln.lstrip().startswith(("%", "!")) else ln
        for ln in code.splitlines()
    ]
    found = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def imported_modules() -> set[str]:
    """Top-level modules the notebooks and lstm_helpers import (outside the standard library)."""
    sources = [p.read_text() for p in (ROOT / "lstm_helpers").glob("*.py")]
    for notebook in setup_cell.notebooks():
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] == "code":
                sources.append("".join(cell["source"]))
    found = {m for text in sources for m in _imports(text)}
    # lstm_helpers is the package itself; IPython comes with any Jupyter kernel
    return {m for m in found if m not in sys.stdlib_module_names} - {"lstm_helpers", "IPython"}


#: Modules imported only when Keras runs on a backend the book extra leaves out, with the
#: extra that installs it: ``lstm_helpers.setup()`` imports torch on PyTorch only.
BACKEND_ONLY = {"torch": "torch"}


def test_book_extra_covers_every_import() -> None:
    """A reader who installs lstm-helpers[book] can import everything the notebooks import."""
    provided = set(pins_of(book_extra()))
    by_module = importlib.metadata.packages_distributions()
    for module, name in BACKEND_ONLY.items():
        assert module in pins_of(extra(name)), f"{module} is not in the {name} extra"
    missing = {}
    for module in sorted(imported_modules() - set(BACKEND_ONLY)):
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in by_module.get(module, [])}
        if not dists & provided:
            missing[module] = sorted(dists)
    assert not missing, f"imported but not in the book extra: {missing}"


def test_binder_builds_from_the_same_pins() -> None:
    binder = ROOT / "binder"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    lines = [
        ln
        for ln in (binder / "requirements.txt").read_text().splitlines()
        if ln and not ln.startswith("#")
    ]
    assert lines == ["-r ../requirements.txt"]
    assert "pip install --no-deps --no-build-isolation -e ." in (binder / "postBuild").read_text()
    assert (binder / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
