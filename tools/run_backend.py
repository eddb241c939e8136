"""Run every notebook on another Keras backend: each cell must run, each assertion hold.

    python tools/run_backend.py --backend jax --jobs 2 [notebooks or folders]

Each notebook runs top to bottom in a fresh kernel with ``KERAS_BACKEND`` set to the backend
(default ``jax``). Nothing is written back and no output is compared with the stored one:
random initialisation and float details differ between backends, so the stored outputs are
TensorFlow's and nbval checks them there. What this checks is that the code runs and that
every assertion holds (a failing ``assert`` is an error like any other).

- A cell tagged ``tensorflow-only`` is skipped (it uses a TensorFlow feature and starts with
  the comment ``# TensorFlow only: <why>``; ``tests/test_backend_marks.py`` checks the pair).
- A cell tagged ``nbval-skip`` is skipped, as nbval skips it.
- A cell tagged ``raises-exception`` may raise, as under nbval. Because there is no output
  comparison here, it must raise the exception the notebook shows (the ``ename`` of its
  stored error): a cell that raises nothing, or another exception, on this backend fails.

A notebook listed in ``tools/backend_pending_<backend>.txt`` (a path and the reason, one a
line) is known to fail on that backend until its cells are made neutral or marked: its failure
is reported as pending and does not fail the run; a listed notebook that passes is reported,
to be taken off the list. ``--skip-pending`` does not run the listed notebooks at all.

Any other exception fails the notebook: the runner prints the notebook, the cell's index and
first line and the error, then goes on with the next notebook (``--keep-going`` also goes on
with the notebook's next cells, to list every failing cell). It prints each notebook's wall
and kernel CPU seconds, the pass's wall time, and exits 1 if any notebook failed.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
#: The tag of a cell that runs on TensorFlow only, and the comment that must open it.
TF_ONLY_TAG = "tensorflow-only"
TF_ONLY_COMMENT = "# TensorFlow only: "
SKIP_TAGS = frozenset({TF_ONLY_TAG, "nbval-skip"})


def pending_file(backend: str) -> Path:
    """The list of the notebooks known to fail on ``backend`` for now."""
    return ROOT / "tools" / f"backend_pending_{backend}.txt"


def pending(path: Path) -> dict[str, str]:
    """The notebooks a pending list names: path relative to the root -> reason."""
    found = {}
    for line in path.read_text().splitlines() if path.is_file() else []:
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.strip().partition(" ")
            found[name] = reason.strip()
    return found


@dataclass
class Failure:
    """One cell that did not do on this backend what the notebook shows."""

    cell: int
    first_line: str
    error: str

    def __str__(self) -> str:
        return f"cell {self.cell} `{self.first_line}`: {self.error}"


@dataclass
class Outcome:
    """What one notebook did: its time, the cells run and skipped, and its failures."""

    path: Path
    wall: float = 0.0
    cpu: float = 0.0
    ran: int = 0
    skipped: list[int] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    seconds: list[tuple[int, float, str]] = field(default_factory=list)


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: the kernels."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _first_line(cell: nbformat.NotebookNode) -> str:
    lines = [ln for ln in cell.source.splitlines() if ln.strip()]
    line = lines[0].strip() if lines else ""
    return line if len(line) <= 70 else line[:67] + "..."


def _errors(outputs: list[nbformat.NotebookNode]) -> list[str]:
    return [o.ename for o in outputs if o.get("output_type") == "error"]


def _condensed(text: str, limit: int = 240) -> str:
    """An exception's message on one line: its lines joined, Keras's call report left out."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = text.split("Arguments received by", 1)[0]
    line = " | ".join(ln.strip() for ln in text.splitlines() if ln.strip())
    return line if len(line) <= limit else line[: limit - 3] + "..."


#: Run in the kernel after a failing cell: the failing line of the cell and the innermost one.
_WHERE = """\
def _where():
    import sys, traceback
    frames = traceback.extract_tb(sys.last_traceback)
    cell = [f for f in frames if "ipykernel_" in f.filename or f.filename.startswith("<")]
    inner = frames[-1]
    found = [f"line {cell[-1].lineno}: {cell[-1].line}"] if cell else []
    if not cell or inner is not cell[-1]:
        name = inner.filename.rsplit("/", 1)[-1]
        found.append(f"in {name}:{inner.lineno}: {inner.line}")
    print("; ".join(found))
_where()
del _where
"""


def _where(client: NotebookClient, index: int) -> str:
    """Where the last exception in the kernel was raised (it needs no output comparison)."""
    probe = nbformat.v4.new_code_cell(_WHERE)
    try:
        client.execute_cell(probe, index, store_history=False)
    except CellExecutionError:
        return ""
    return "".join(o.get("text", "") for o in probe.outputs).strip()


def run_notebook(path: Path, keep_going: bool = False) -> Outcome:
    """Execute one notebook in a fresh kernel (the backend is in the environment)."""
    nb = nbformat.read(path, as_version=4)
    outcome = Outcome(path)
    cpu = children_cpu()
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The kernel's own stderr (start-up warnings, a crash) goes to a file, shown on failure.
    with tempfile.TemporaryFile(mode="w+") as log, client.setup_kernel(stderr=log):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            tags = _tags(cell)
            if tags & SKIP_TAGS:
                outcome.skipped.append(index)
                continue
            expected = _errors(cell.get("outputs", []))
            began = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                message = f"{error.ename}: {_condensed(str(error.evalue))}"
                where = _where(client, index)
                message += f" ({where})" if where else ""
                outcome.failures.append(Failure(index, _first_line(cell), message))
            else:
                outcome.ran += 1
                if "raises-exception" in tags:
                    got = _errors(cell.outputs)
                    if not got:
                        message = f"raised nothing; the notebook shows {', '.join(expected)}"
                        outcome.failures.append(Failure(index, _first_line(cell), message))
                    elif expected and got != expected:
                        message = f"raised {got[0]}; the notebook shows {expected[0]}"
                        outcome.failures.append(Failure(index, _first_line(cell), message))
            finally:
                took = time.perf_counter() - began
                outcome.seconds.append((index, took, _first_line(cell)))
            if outcome.failures and not keep_going:
                break
        if outcome.failures:
            log.seek(0)
            lines = log.read().splitlines()
            outcome.stderr = [ln for ln in lines if "without encryption" not in ln]
    outcome.wall = time.perf_counter() - start
    outcome.cpu = children_cpu() - cpu
    return outcome


def notebooks(given: list[Path]) -> list[Path]:
    """The notebooks named, or found under the folders named (default: chapters/)."""
    found = {
        nb.resolve()
        for g in given or [ROOT / "chapters"]
        for nb in ([g] if g.suffix == ".ipynb" else g.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in nb.parts
    }
    # The longest first (file size stands for it), so that parallel jobs end together.
    return sorted(found, key=lambda p: (-p.stat().st_size, p))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks or folders")
    parser.add_argument("--backend", default="jax", help="the Keras backend (default: jax)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once")
    parser.add_argument(
        "--keep-going", action="store_true", help="after a failing cell, run the next ones"
    )
    parser.add_argument(
        "--cells", type=float, metavar="S", help="also print each cell that took over S seconds"
    )
    parser.add_argument(
        "--skip-pending",
        action="store_true",
        help="do not run the notebooks the backend's pending list names",
    )
    args = parser.parse_args(argv)
    paths = notebooks(args.notebooks)
    os.environ["KERAS_BACKEND"] = args.backend  # the kernels inherit it
    start = time.perf_counter()
    failed: list[Outcome] = []
    listed = pending_file(args.backend)
    known = pending(listed)
    if args.skip_pending:
        skipped = [p for p in paths if _name(p) in known]
        paths = [p for p in paths if _name(p) not in known]
        print(f"{len(skipped)} notebooks not run: listed in {_name(listed)}")
    still_pending: list[Path] = []
    now_passing: list[Path] = []
    print(f"{len(paths)} notebooks on KERAS_BACKEND={args.backend}, {args.jobs} at a time")
    print("  wall    cpu  cells  skipped  notebook")
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_notebook, p, args.keep_going) for p in paths]
        for future in as_completed(futures):
            out = future.result()
            name = _name(out.path)
            if name in known and out.failures:
                mark = "  pending: " + known[name]
            elif name in known:
                mark = f"  PASSES: take it off {_name(listed)}"
            else:
                mark = "" if not out.failures else "  FAILED"
            print(
                f"{out.wall:6.1f} {out.cpu:6.1f} {out.ran:6d} {len(out.skipped):8d}  "
                f"{_name(out.path)}{mark}",
                flush=True,
            )
            for failure in out.failures:
                print(f"      {failure}", flush=True)
            for index, took, first in out.seconds if args.cells is not None else []:
                if took > args.cells:
                    print(f"      {took:5.1f} s  cell {index} `{first}`", flush=True)
            for line in out.stderr[-20:]:
                print(f"      kernel stderr: {line}", flush=True)
            if name in known:
                (still_pending if out.failures else now_passing).append(out.path)
            elif out.failures:
                failed.append(out)
    wall = time.perf_counter() - start
    print(f"{args.backend} pass: {wall:.0f} s wall for {len(paths)} notebooks ({args.jobs} jobs)")
    for out in sorted(failed, key=lambda o: o.path):
        print(f"FAILED {_name(out.path)}: {out.failures[0]}")
    for path in sorted(now_passing):
        print(f"PASSES {_name(path)}: take it off {_name(listed)}")
    bad = len(failed)
    if still_pending:
        print(f"{len(still_pending)} pending notebooks failed as listed (counted as passed)")
    print(f"{args.backend}: {len(paths) - bad} passed, {bad} failed")  # counts alone
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
