"""run_on and run_checks: code run on a backend in a new process, facts back as JSON."""

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
