"""Re-execute notebooks in place, top to bottom, and store their outputs.

Run through ``make outputs``, which sets the same environment that nbval runs in.
Timing metadata is not recorded, so running it twice leaves every file unchanged.
"""

from __future__ import annotations

import argparse
import resource
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


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: the kernels."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(path: Path) -> tuple[Path, float, float]:
    """Execute one notebook in its own folder and write it back.

    Returns the path, the wall time and the kernel's CPU time. The kernel runs one thread
    per op (``lstm_helpers.setup``), so on an idle machine the two agree; on a busy one the
    CPU time is the fairer measure of the notebook's own cost.
    """
    nb = nbformat.read(path, as_version=4)
    cpu = children_cpu()
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
    wall = time.perf_counter() - start
    nbformat.write(nb, path)
    return path, wall, children_cpu() - cpu


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
        print("  wall    cpu  notebook")
        for path, wall, cpu in pool.map(execute, paths):
            print(f"{wall:6.1f} {cpu:6.1f}  {path.resolve().relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
