"""A TensorFlow-only cell says so twice: a tag the runner reads, a line the reader sees.

``tools/run_backend.py`` skips the cells tagged ``tensorflow-only`` when it runs the notebooks
on JAX; the reader learns it from the cell's first line, ``# TensorFlow only: <why>``. The
two must go together, and the reason must be given.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import run_backend  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").rglob("*.ipynb"))


def marks(path: Path) -> list[tuple[int, bool, str]]:
    """(cell index, tagged, first line) of every code cell that is tagged or opens with the note."""
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "code":
            continue
        first = "".join(cell["source"]).split("\n", 1)[0]
        tagged = run_backend.TF_ONLY_TAG in cell["metadata"].get("tags", [])
        noted = first.lower().startswith("# tensorflow only")
        if tagged or noted:
            found.append((index, tagged, first))
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_tag_and_note_go_together(notebook: Path) -> None:
    for index, tagged, first in marks(notebook):
        where = f"{notebook.relative_to(ROOT)} cell {index}"
        assert tagged, f"{where} says '{first}' but lacks the tag {run_backend.TF_ONLY_TAG!r}"
        assert first.startswith(run_backend.TF_ONLY_COMMENT), (
            f"{where} is tagged {run_backend.TF_ONLY_TAG!r}: its first line must be "
            f"'{run_backend.TF_ONLY_COMMENT}<why>'; it is '{first}'"
        )
        reason = first.removeprefix(run_backend.TF_ONLY_COMMENT).strip()
        assert len(reason) >= 10, f"{where}: give the reason after the colon; got {reason!r}"


def test_the_convention_is_found(tmp_path: Path) -> None:
    """The check sees a tagged cell, and a cell with the note alone."""
    fake = tmp_path / "probe.ipynb"
    cell = {"cell_type": "code", "metadata": {"tags": ["tensorflow-only"]}, "source": ["x = 1"]}
    fake.write_text(json.dumps({"cells": [cell]}))
    assert marks(fake) == [(0, True, "x = 1")]
    cell["metadata"] = {}
    cell["source"] = ["# TensorFlow only: tf.data\n", "x = 1"]
    fake.write_text(json.dumps({"cells": [cell]}))
    assert marks(fake) == [(0, False, "# TensorFlow only: tf.data")]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_each_pending_list_names_notebooks_that_exist_with_a_reason(backend: str) -> None:
    path = run_backend.pending_file(backend)
    listed = run_backend.pending(path)
    assert path.is_file()
    missing = [name for name in listed if not (ROOT / name).is_file()]
    assert not missing, f"{path.name} names no such notebook: {missing}"
    assert all(listed.values()), f"a notebook without a reason: {listed}"
