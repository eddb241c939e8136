"""How close the nbval run is to its floor, measured in one run.

The floor is what nbval costs before a notebook does anything of its own: as many notebooks
as the book has, each of which only starts a kernel, imports the helpers and runs one tiny
LSTM, checked by the same command with the same workers. The script times that, then the
book's notebooks, and prints both and their ratio. ``make nbval-floor`` runs it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
FLOOR_CODE = [
    "import lstm_helpers\n\nlstm_helpers.setup()",
    "import keras\nimport numpy as np\n\n"
    'layer = keras.layers.LSTM(2, name="lstm")\n'
    'print(layer(np.ones((1, 3, 1), dtype="float32")).shape)',
]


def book_notebooks() -> list[Path]:
    return sorted(
        p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def write_floor(folder: Path, count: int) -> None:
    """``count`` minimal notebooks, executed so that nbval has outputs to compare."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in FLOOR_CODE]
    NotebookClient(nb, kernel_name="python3").execute()
    for i in range(count):
        nbformat.write(nb, folder / f"floor_{i:02d}.ipynb")


def timed_nbval(paths: list[str], jobs: int) -> float:
    start = time.perf_counter()
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-n", str(jobs)]
    run = subprocess.run(
        [*pytest, "--dist", "loadfile", "--nbval", "--nbval-current-env", *paths],
        check=False,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if run.returncode != 0:  # a failed run is no measurement: say what failed
        sys.exit(f"nbval failed (exit status {run.returncode}):\n{run.stdout[-6000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    notebooks = book_notebooks()
    with tempfile.TemporaryDirectory(prefix="nbval-floor-") as tmp:
        write_floor(Path(tmp), len(notebooks))
        floor = timed_nbval([tmp], args.jobs)
        book = timed_nbval([str(p) for p in notebooks], args.jobs)
    print(f"floor ({len(notebooks)} minimal notebooks): {floor:6.1f} s")
    print(f"the book ({len(notebooks)} notebooks):        {book:6.1f} s")
    print(f"ratio: {book / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
