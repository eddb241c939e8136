"""A notebook downloaded from the built book runs in a new virtual environment.

The reader's side of the set-up cell, tested without GitHub: the notebook is taken from the
built book (its download button's file, under ``_sources/``), its install address is pointed
at a wheel built from a clone of this repository, and it runs top to bottom in a fresh virtual
environment that holds only Jupyter's kernel. Its first cell must install everything else
(``%pip install "lstm-helpers[book] @ git+..."``). pip takes the packages from PyPI (or its
cache).

What this cannot test offline: that the public repository, Colab and Binder are reachable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import setup_cell

ROOT = Path(__file__).resolve().parent.parent
BOOK = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
NOTEBOOK = "chapters/anatomy/anatomy.ipynb"  # the quickest notebook
KERNEL_PINS = ("ipykernel", "jupyter_client", "jupyter_core", "tornado", "pyzmq")


def _pinned(names: tuple[str, ...]) -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [ln for ln in lines if ln.split("==")[0].lower() in names]


@pytest.fixture(scope="module")
def downloaded() -> Path:
    path = BOOK / "_sources" / NOTEBOOK
    if not path.is_file():
        pytest.fail(f"no downloadable notebook at {path}: run `make book` (or set BOOK_HTML)")
    return path


def test_downloaded_notebook_runs_in_a_new_environment(downloaded: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(clone),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("lstm_helpers-*.whl")

    # A reader's Jupyter: a new environment with a kernel and nothing of the book.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *_pinned(KERNEL_PINS)], check=True
    )
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('lstm_helpers'))"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert probe.stdout.strip() == "None", "the new environment must not have the package"
    share = tmp_path / "jupyter"
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--prefix", str(share), "--name", "fresh"],
        check=True,
        capture_output=True,
    )

    nb = nbformat.read(downloaded, as_version=4)
    assert setup_cell.has_setup_cell(nb)
    public = setup_cell.install_source()
    assert public in nb.cells[0].source
    nb.cells[0].source = nb.cells[0].source.replace(public, wheel.as_uri())
    work = tmp_path / "reader"
    work.mkdir()
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_FIND_LINKS")
    clean = {k: v for k, v in os.environ.items() if k in keep}
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(clean, JUPYTER_PATH=str(share / "share" / "jupyter"))
    try:
        NotebookClient(
            nb, timeout=900, kernel_name="fresh", resources={"metadata": {"path": str(work)}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    shutil.rmtree(env_dir, ignore_errors=True)
    errors = [
        o
        for c in nb.cells
        if "raises-exception" not in c.metadata.get("tags", [])
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Keras 3.15.1 on TensorFlow 2.21.0" in printed, printed[:500]
