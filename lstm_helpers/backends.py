"""Run a piece of Keras code on another backend, in a new process, and read back what it found.

Keras picks its backend once, when it is first imported (``KERAS_BACKEND``), so a notebook
running on TensorFlow cannot call JAX's Keras in the same process. :func:`run_on` starts a
new Python process on the backend asked for, runs the code there after
``lstm_helpers.setup()``, and returns the facts the code reported, as JSON values. Each call
pays for a new interpreter and the backend's imports (a few seconds), so gather what one
backend has to show into one call.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from typing import Any

#: The backends :func:`run_on` accepts: Keras's names.
BACKENDS = ("tensorflow", "jax", "torch")
_MARK = "lstm_helpers.backends facts: "

_PROLOGUE = """\
from __future__ import annotations  # a check's annotations may name what is not imported

import json as _json

import lstm_helpers

lstm_helpers.setup(show_versions=False)

import keras
import numpy as np

from lstm_helpers.env import backend_version as _backend_version

_facts = {}


def report(**facts):
    \"\"\"Record facts (JSON values) for the notebook that called run_on.\"\"\"
    _facts.update(facts)


"""

_EPILOGUE = """

_facts.setdefault("backend", keras.backend.backend())
_facts.setdefault("version", _backend_version())
print({mark!r} + _json.dumps(_facts))
"""


def run_on(backend: str, code: str, *, timeout: float = 300.0) -> dict[str, Any]:
    """Run ``code`` in a new Python process with ``KERAS_BACKEND=backend``; return its facts.

    The code runs after ``import lstm_helpers``, ``lstm_helpers.setup()``, ``import keras`` and
    ``import numpy as np``, and hands its results back by calling ``report(name=value, ...)``
    with JSON values (numbers, strings, booleans, lists, dicts). The returned dict holds them,
    plus ``"backend"`` (Keras's name for the backend the code ran on) and ``"version"`` (the
    backend and its version, e.g. ``"JAX 0.10.2"``). What the code prints is discarded; its
    ``assert`` statements are checks like any other: a failing one fails the call.

    Args:
        backend: a Keras backend name, one of :data:`BACKENDS`.
        code: Python source; indented blocks are dedented first.
        timeout: seconds before the process is stopped.

    Raises:
        ValueError: if ``backend`` is not one of :data:`BACKENDS`.
        RuntimeError: if the code raised (an assertion included) or the process failed; the
            message ends with the last lines the process wrote to stderr.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}")
    script = _PROLOGUE + textwrap.dedent(code) + _EPILOGUE.format(mark=_MARK)
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
    env["KERAS_BACKEND"] = backend
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"on_{backend}.py")  # a file: tracebacks show its lines
        with open(path, "w") as file:
            file.write(script)
        done = subprocess.run(
            [sys.executable, path],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    found = [ln for ln in done.stdout.splitlines() if ln.startswith(_MARK)]
    if done.returncode != 0 or not found:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        raise RuntimeError(
            f"the code failed on {backend} (exit status {done.returncode}):\n{tail}"
        )
    facts: dict[str, Any] = json.loads(found[-1].removeprefix(_MARK))
    return facts


def run_checks(
    backend: str, *checks: Callable[[], dict[str, Any]], timeout: float = 300.0
) -> dict[str, dict[str, Any]]:
    """Run each check on ``backend`` and return its facts: ``{check name: facts}``.

    A check is a function without arguments that returns a dict of JSON values. It must be
    self-contained: it may use ``keras`` and ``np`` and import anything else itself. On the
    backend this process runs, the checks are called here; on another, their source
    (``inspect.getsource``, which works for functions defined in a notebook cell) runs in
    one new process through :func:`run_on`. Either way the same code produces the facts.

    Raises:
        ValueError: if no check is given, or ``backend`` is unknown.
        RuntimeError: as :func:`run_on`.
    """
    import keras

    if not checks:
        raise ValueError("give at least one check; got none")
    if keras.backend.backend() == backend:
        here = {check.__name__: check() for check in checks}
        result: dict[str, dict[str, Any]] = json.loads(json.dumps(here))  # as JSON brings it
        return result
    source = "\n\n".join(textwrap.dedent(inspect.getsource(check)) for check in checks)
    calls = ", ".join(f"{check.__name__!r}: {check.__name__}()" for check in checks)
    facts = run_on(backend, f"{source}\n\nreport(**{{{calls}}})\n", timeout=timeout)
    return {check.__name__: facts[check.__name__] for check in checks}
