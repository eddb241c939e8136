"""Re-execute notebooks in place, top to bottom, and store their outputs.

Run through ``make outputs``, which sets the same environment that nbval runs in.
Timing metadata is not recorded, so running it twice leaves every file unchanged.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive stream outputs of one name: how the kernel chunked them is timing."""
    for cell in nb.cells:
        merged: list[nbformat.NotebookNode] = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and out.output_type == prev.output_type == "stream"
                and out.name == prev.name
            ):
                prev.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def execute(path: Path) -> tuple[Path, float]:
    """Execute one notebook in its own folder and write it back."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    merge_streams(nb)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return path, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="notebooks or folders (default: chapters/)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once")
    args = parser.parse_args(argv)
    paths = sorted(
        nb
        for given in args.notebooks or [ROOT / "chapters"]
        for nb in ([given] if given.suffix == ".ipynb" else given.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in nb.parts
    )
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for path, seconds in pool.map(execute, paths):
            print(f"{seconds:6.1f} s  {path.resolve().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
