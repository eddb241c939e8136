"""The notebook set-up call makes runs repeatable, on the backend Keras runs on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import lstm_helpers
from lstm_helpers.env import backend_version


def test_quiet_env_is_set() -> None:
    for name in lstm_helpers.QUIET_TF_ENV:
        assert name in os.environ


def test_setup_makes_keras_repeatable(capsys: object) -> None:
    def draw() -> np.ndarray:
        lstm_helpers.setup(seed=3, show_versions=False)
        layer = keras.layers.LSTM(2)
        out: np.ndarray = keras.ops.convert_to_numpy(layer(np.ones((1, 3, 2), dtype="float32")))
        return out

    np.testing.assert_array_equal(draw(), draw())


def test_setup_seeds_as_keras_does() -> None:
    """setup's seeding draws what keras.utils.set_random_seed's would, on every backend."""
    lstm_helpers.setup(seed=5, show_versions=False)
    ours = (keras.ops.convert_to_numpy(keras.random.normal((4,))), np.random.rand(3))  # noqa: NPY002
    keras.utils.set_random_seed(5)
    theirs = (keras.ops.convert_to_numpy(keras.random.normal((4,))), np.random.rand(3))  # noqa: NPY002
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])


def test_setup_prints_versions(capsys) -> None:  # type: ignore[no-untyped-def]
    lstm_helpers.setup()
    out = capsys.readouterr().out
    label = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}[keras.backend.backend()]
    assert out.startswith(f"Keras {keras.__version__} on {label} ")
    assert backend_version().startswith(label + " ")
    assert np.get_printoptions()["precision"] == 4


def _fresh(backend: str, code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter on ``backend``; it prints one JSON object."""
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
    env["KERAS_BACKEND"] = backend
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_setup_on_jax_imports_no_tensorflow() -> None:
    """On JAX, importing the package and setup() leave TensorFlow unloaded; XLA is on one thread."""
    facts = _fresh(
        "jax",
        """
        import json, os, sys
        import lstm_helpers
        lstm_helpers.setup(show_versions=False)
        import keras
        keras.layers.LSTM(2)(keras.ops.ones((1, 3, 2)))
        print(json.dumps({"tf": "tensorflow" in sys.modules, "backend": keras.backend.backend(),
                          "xla": os.environ.get("XLA_FLAGS")}))
        """,
    )
    assert facts == {
        "tf": False,
        "backend": "jax",
        "xla": lstm_helpers.JAX_ENV["XLA_FLAGS"],
    }


def test_setup_on_pytorch_uses_one_thread_per_op() -> None:
    if keras.backend.backend() != "torch":
        pytest.skip("about PyTorch")
    import torch

    torch.set_num_threads(2)
    lstm_helpers.setup(show_versions=False)
    assert torch.get_num_threads() == 1


def test_steps_per_execution_is_one_on_pytorch_only() -> None:
    expected = 1 if keras.backend.backend() == "torch" else 20
    assert lstm_helpers.steps_per_execution(20) == expected
    assert lstm_helpers.steps_per_execution(1) == 1


@pytest.mark.parametrize("bad", [0, -3, 2.0, True])
def test_steps_per_execution_rejects_what_is_not_a_count(bad: object) -> None:
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        lstm_helpers.steps_per_execution(bad)  # type: ignore[arg-type]
