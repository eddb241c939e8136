"""run_on and run_checks: code run on a backend in a second process, facts back as JSON."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from lstm_helpers import backends


def layer_facts() -> dict[str, Any]:
    """A check: self-contained, returns JSON values."""
    out = keras.layers.LSTM(3, name="lstm")(np.zeros((2, 4, 1), dtype="float32"))
    return {"shape": tuple(out.shape), "backend": keras.backend.backend()}


def test_run_checks_here_returns_json_values() -> None:
    here = keras.backend.backend()
    facts = backends.run_checks(here, layer_facts)
    assert facts == {"layer_facts": {"shape": [2, 3], "backend": here}}


def test_run_checks_on_the_other_backend_runs_the_same_source() -> None:
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    facts = backends.run_checks(other, layer_facts)
    assert facts == {"layer_facts": {"shape": [2, 3], "backend": other}}


def test_run_on_reports_and_fails_loudly() -> None:
    facts = backends.run_on("jax", "report(total=int(np.arange(4).sum()))")
    assert facts["total"] == 6 and facts["backend"] == "jax"
    assert facts["version"].startswith("JAX ")
    with pytest.raises(RuntimeError, match=r"(?s)failed on jax.*AssertionError: wrong"):
        backends.run_on("jax", "assert 1 == 2, 'wrong'")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        backends.run_on("theano", "pass")
    with pytest.raises(ValueError, match="at least one check"):
        backends.run_checks("jax")


def test_one_process_per_backend_each_call_as_if_new() -> None:
    code = """
    import os

    layer = keras.layers.LSTM(2)
    layer.build((None, 3, 1))
    report(pid=os.getpid(), name=layer.name, draw=float(keras.random.uniform(())))
    """
    first = backends.run_on("jax", code)
    with pytest.raises(RuntimeError, match=r"(?s)failed on jax.*ZeroDivisionError"):
        backends.run_on("jax", "print('noise'); 1 / 0")
    second = backends.run_on("jax", code)
    assert first["pid"] == second["pid"]  # the same process served all three calls
    assert first["name"] == second["name"] == "lstm"  # names start afresh
    assert first["draw"] == second["draw"]  # so do the seeds


def test_a_process_that_dies_is_replaced() -> None:
    with pytest.raises(RuntimeError, match=r"failed on jax: the process ended \(exit status 3\)"):
        backends.run_on("jax", "import os; os._exit(3)")
    assert backends.run_on("jax", "report(x=1)")["x"] == 1


def test_run_everywhere_runs_each_check_on_each_backend() -> None:
    backends.start("jax")  # ahead of the call; a second start does nothing
    backends.start("jax")
    facts = backends.run_everywhere(layer_facts, backends=("jax", "tensorflow"))
    assert list(facts) == ["jax", "tensorflow"]
    for backend, found in facts.items():
        assert found == {"layer_facts": {"shape": [2, 3], "backend": backend}}


def failing_here() -> dict[str, Any]:
    """A check that fails in the tests' process only (the other has not imported pytest)."""
    import sys

    assert "pytest" not in sys.modules
    return {"ok": True}


def test_run_everywhere_reads_every_answer_when_a_check_fails_here() -> None:
    here = keras.backend.backend()
    asked = ("tensorflow", "jax") if here in ("tensorflow", "jax") else ("tensorflow", "jax", here)
    with pytest.raises(AssertionError):
        backends.run_everywhere(failing_here, backends=asked)
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    assert backends.run_on(other, "report(x=2)")["x"] == 2  # not the answer left behind
    with pytest.raises(ValueError, match="at least one check and one backend"):
        backends.run_everywhere(layer_facts, backends=())


def test_an_interrupted_call_leaves_no_answer_for_the_next() -> None:
    import os
    import signal
    import threading

    backends.run_on("jax", "report(x=0)")  # the process is up
    # Python's own Ctrl-C handler, whatever an earlier test in this worker installed (an
    # event loop's handler that schedules a clean-up instead of raising, say)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))  # Ctrl-C
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            backends.run_on("jax", "import time; time.sleep(6); report(call='first')")
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert backends.run_on("jax", "report(call='second')")["call"] == "second"


def second_check() -> dict[str, Any]:
    return {"call": "second"}


def test_run_everywhere_reads_the_others_when_one_send_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    send = backends._Server.send
    # a backend other than this process's, reached through a process: the last one asked
    unreachable = "jax" if keras.backend.backend() == "torch" else "torch"

    def failing_send(server: Any, code: str, deadline: float) -> int:
        if server.backend == unreachable:
            raise RuntimeError(f"{unreachable} cannot be reached")
        result: int = send(server, code, deadline)
        return result

    def first_check() -> dict[str, Any]:
        return {"call": "first"}

    with monkeypatch.context() as patch:
        patch.setattr(backends._Server, "send", failing_send)
        with pytest.raises(RuntimeError, match=f"{unreachable} cannot be reached"):
            backends.run_everywhere(first_check, backends=("tensorflow", "jax", "torch"))
    facts = backends.run_everywhere(second_check)
    assert all(found["second_check"] == {"call": "second"} for found in facts.values())


def test_an_answer_from_another_backend_is_refused() -> None:
    server = backends._server("jax")
    with pytest.raises(RuntimeError, match="asked 'jax', answered by 'tensorflow'"):
        server.facts({"id": 1, "backend": "tensorflow", "facts": {}})
