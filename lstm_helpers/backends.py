"""Run a piece of Keras code on another backend, in a second process, and read back what it found.

Keras picks its backend once, when it is first imported (``KERAS_BACKEND``), so a notebook
running on TensorFlow cannot call JAX's Keras in the same process. :func:`run_on` hands the
code to a Python process running on the backend asked for, which runs it after
``lstm_helpers.setup()`` and sends back the facts the code reported, as JSON values. The
process is started by the first call for its backend (which pays for the interpreter and the
backend's imports, a few seconds) and serves every later call of this process; each call
runs in a namespace of its own, after ``keras.backend.clear_session()`` and
``lstm_helpers.setup()``, so that it starts from the same names and seeds as in a process of
its own. :func:`start` starts a backend's process ahead of its first call, and
:func:`run_everywhere` runs checks here and in the other processes at the same time.
"""

from __future__ import annotations

import atexit
import inspect
import json
import os
import queue
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from typing import IO, Any

#: The backends :func:`run_on` accepts: Keras's names.
BACKENDS = ("tensorflow", "jax", "torch")
_MARK = "lstm_helpers.backends facts: "

#: The program of the process that serves one backend: it reads one request a line (JSON,
#: ``{"id": n, "code": ...}``), runs the code, and answers with one line: the marker, then
#: JSON, ``{"id": n, "backend": ..., "facts": {...}}`` or ``{"id": n, "backend": ...,
#: "error": "<traceback>"}``. The id ties each answer to its request (the first line,
#: ``{"id": 0, "ready": true}``, says the imports are done).
_SERVER = """\
import __future__
import json
import linecache
import sys
import traceback

import lstm_helpers

lstm_helpers.setup(show_versions=False)

import keras
import numpy as np

from lstm_helpers.env import backend_version

MARK = {mark!r}
answers = sys.stdout
sys.stdout = sys.stderr  # what the code prints must not be taken for an answer


def answer(**message):
    answers.write(MARK + json.dumps(message) + "\\n")
    answers.flush()


answer(id=0, ready=True)
for line in sys.stdin:
    request = json.loads(line)
    code, ident = request["code"], request["id"]
    facts = {{}}
    namespace = {{"keras": keras, "np": np, "report": facts.update, "__name__": "__check__"}}
    try:
        keras.backend.clear_session()
        lstm_helpers.setup(show_versions=False)
        name = f"<check {{len(linecache.cache)}} on {{keras.backend.backend()}}>"
        linecache.cache[name] = (len(code), None, code.splitlines(True), name)  # tracebacks
        flags = __future__.annotations.compiler_flag  # annotations may name what is not imported
        exec(compile(code, name, "exec", flags=flags, dont_inherit=True), namespace)
        facts.setdefault("backend", keras.backend.backend())
        facts.setdefault("version", backend_version())
        facts = json.loads(json.dumps(facts))
        answer(id=ident, backend=keras.backend.backend(), facts=facts)
    except BaseException:
        answer(id=ident, backend=keras.backend.backend(), error=traceback.format_exc())
"""


class _Server:
    """One Python process on one backend, answering :func:`run_on`'s requests in turn.

    Each request carries an id that the answer echoes; an answer to an earlier request (one
    whose caller was interrupted) is discarded. When sending or waiting fails in any way
    (a timeout, a process that ended, ``KeyboardInterrupt``), the process is stopped, and
    the next call for its backend starts a new one.
    """

    def __init__(self, backend: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
        env["KERAS_BACKEND"] = backend
        self.backend = backend
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER.format(mark=_MARK)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.ready = False
        self.requests = 0  # the id of the last request sent
        self.lines: queue.Queue[str | None] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if line.startswith(_MARK):
                self.lines.put(line.removeprefix(_MARK))
        self.lines.put(None)  # the process ended

    def _answer(self, ident: int, deadline: float) -> dict[str, Any]:
        """The answer to request ``ident``; earlier answers are discarded."""
        try:
            while True:
                try:
                    line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise self._failure("no answer within the timeout") from None
                if line is None:
                    status = self.process.wait()
                    raise self._failure(f"the process ended (exit status {status})")
                message: dict[str, Any] = json.loads(line)
                if message.get("id") == ident:
                    return message
        except BaseException:  # the process may be busy or dead: a new one serves next
            self.stop()
            raise

    def send(self, code: str, deadline: float) -> int:
        """Hand ``code`` to the process (after its imports); return the request's id."""
        try:
            if not self.ready:
                self._answer(0, deadline)  # the imports are done
                self.ready = True
            if self.process.poll() is not None or self.process.stdin is None:
                raise self._failure(f"the process ended (exit status {self.process.wait()})")
            self.requests += 1
            self.process.stdin.write(json.dumps({"id": self.requests, "code": code}) + "\n")
            self.process.stdin.flush()
            return self.requests
        except BaseException:
            self.stop()
            raise

    def receive(self, ident: int, deadline: float) -> dict[str, Any]:
        """The facts of request ``ident``, or a ``RuntimeError`` with its traceback."""
        return self.facts(self._answer(ident, deadline))

    def facts(self, message: dict[str, Any]) -> dict[str, Any]:
        if message.get("backend") != self.backend:
            raise RuntimeError(f"asked {self.backend!r}, answered by {message.get('backend')!r}")
        if "error" in message:
            tail = "\n".join(str(message["error"]).strip().splitlines()[-8:])
            raise RuntimeError(f"the code failed on {self.backend}:\n{tail}")
        facts: dict[str, Any] = message["facts"]
        return facts

    def run(self, code: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        return self.receive(self.send(code, deadline), deadline)

    def _failure(self, what: str) -> RuntimeError:
        self.stderr.seek(0)
        tail = "\n".join(self.stderr.read().strip().splitlines()[-8:])
        return RuntimeError(f"the code failed on {self.backend}: {what}\n{tail}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


_SERVERS: dict[str, _Server] = {}


@atexit.register
def _stop_servers() -> None:
    for server in _SERVERS.values():
        server.stop()
    _SERVERS.clear()


def run_on(backend: str, code: str, *, timeout: float = 300.0) -> dict[str, Any]:
    """Run ``code`` in a Python process with ``KERAS_BACKEND=backend``; return its facts.

    The code runs after ``keras.backend.clear_session()`` and ``lstm_helpers.setup()``,
    with ``keras``, ``np`` (NumPy) and ``report`` defined, and hands its results back by
    calling ``report(name=value, ...)`` with JSON values (numbers, strings, booleans, lists,
    dicts). The returned dict holds them, plus ``"backend"`` (Keras's name for the backend
    the code ran on) and ``"version"`` (the backend and its version, e.g. ``"JAX 0.10.2"``).
    What the code prints is discarded; its ``assert`` statements are checks like any other:
    a failing one fails the call. The process for ``backend`` is started by the first call
    and reused by the next ones (module docstring).

    Args:
        backend: a Keras backend name, one of :data:`BACKENDS`.
        code: Python source; indented blocks are dedented first.
        timeout: seconds before the call fails (and its process is stopped), the first
            call's start of the process included.

    Raises:
        ValueError: if ``backend`` is not one of :data:`BACKENDS`.
        RuntimeError: if the code raised (an assertion included) or the process failed; the
            message ends with the last lines of the traceback, or of what the process wrote
            to stderr.
    """
    return _server(backend).run(textwrap.dedent(code), timeout)


def _server(backend: str) -> _Server:
    """The process serving ``backend``, started if there is none (or it ended)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}")
    server = _SERVERS.get(backend)
    if server is None or not server.alive():
        server = _SERVERS[backend] = _Server(backend)
    return server


def start(backend: str) -> None:
    """Start the process for ``backend`` now, without waiting for it.

    Its start (the interpreter, the backend's imports) then runs while this process goes
    on, instead of inside the first :func:`run_on` call. Starting it twice does nothing.

    Raises:
        ValueError: if ``backend`` is not one of :data:`BACKENDS`.
    """
    _server(backend)


def run_checks(
    backend: str, *checks: Callable[[], dict[str, Any]], timeout: float = 300.0
) -> dict[str, dict[str, Any]]:
    """Run each check on ``backend`` and return its facts: ``{check name: facts}``.

    A check is a function without arguments that returns a dict of JSON values. It must be
    self-contained: it may use ``keras`` and ``np`` and import anything else itself. On the
    backend this process runs, the checks are called here; on another, their source
    (``inspect.getsource``, which works for functions defined in a notebook cell) runs in
    that backend's process through :func:`run_on`, in one call. Either way the same code
    produces the facts.

    Raises:
        ValueError: if no check is given, or ``backend`` is unknown.
        RuntimeError: as :func:`run_on`.
    """
    import keras

    if not checks:
        raise ValueError("give at least one check; got none")
    if keras.backend.backend() == backend:
        return _run_here(checks)
    facts = run_on(backend, _program(checks), timeout=timeout)
    return {check.__name__: facts[check.__name__] for check in checks}


def run_everywhere(
    *checks: Callable[[], dict[str, Any]],
    backends: tuple[str, ...] = ("tensorflow", "jax"),
    timeout: float = 300.0,
) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`run_checks` on each of ``backends``, the others' processes working meanwhile.

    The checks are handed to the process of every backend other than this one first; then
    they run here, while those processes run them too; then their facts are read back.
    The facts are what :func:`run_checks` returns for each backend, in the order of
    ``backends``: ``{backend: {check name: facts}}``. The backends run at the same time,
    so a check that measures time belongs in :func:`run_checks`, one backend after another.

    Raises:
        ValueError: if no check or no backend is given, or a backend is unknown.
        RuntimeError: as :func:`run_on`.
    """
    import keras

    if not checks or not backends:
        raise ValueError(f"give at least one check and one backend; got {checks}, {backends}")
    here = keras.backend.backend()
    deadline = time.monotonic() + timeout
    program = textwrap.dedent(_program(checks))
    others = {b: _server(b) for b in backends if b != here}
    sent: dict[str, int] = {}  # the id of each request
    found = {}
    try:
        for backend, server in others.items():
            sent[backend] = server.send(program, deadline)
        if here in backends:
            found[here] = _run_here(checks)
    except Exception:
        _collect(others, sent, deadline)  # the others' answers are read all the same
        raise
    except BaseException:  # an interrupt: no waiting, the processes asked are stopped
        for backend in sent:
            others[backend].stop()
        raise
    answers, failure = _collect(others, sent, deadline)
    if failure is not None:
        raise failure
    for backend, message in answers.items():
        facts = others[backend].facts(message)
        found[backend] = {check.__name__: facts[check.__name__] for check in checks}
    return {backend: found[backend] for backend in backends}


def _collect(
    servers: dict[str, _Server], sent: dict[str, int], deadline: float
) -> tuple[dict[str, dict[str, Any]], Exception | None]:
    """Every answer of ``sent``, and the first failure to get one (its process stopped)."""
    answers, failure = {}, None
    try:
        for backend, ident in sent.items():
            try:
                answers[backend] = servers[backend]._answer(ident, deadline)
            except Exception as err:  # each server's failure on its own
                failure = failure or err
    except BaseException:
        for backend in sent:
            if backend not in answers:
                servers[backend].stop()
        raise
    return answers, failure


def _run_here(checks: tuple[Callable[[], dict[str, Any]], ...]) -> dict[str, dict[str, Any]]:
    here = {check.__name__: check() for check in checks}
    result: dict[str, dict[str, Any]] = json.loads(json.dumps(here))  # as JSON brings it
    return result


def _program(checks: tuple[Callable[[], dict[str, Any]], ...]) -> str:
    """The checks' source, then a call of each, its facts reported under its name."""
    source = "\n\n".join(textwrap.dedent(inspect.getsource(check)) for check in checks)
    calls = ", ".join(f"{check.__name__!r}: {check.__name__}()" for check in checks)
    return f"{source}\n\nreport(**{{{calls}}})\n"
