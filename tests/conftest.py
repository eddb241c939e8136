"""Shared fixtures: the book's environment, set once per test process.

The unit tests run on the Keras backend named by ``KERAS_BACKEND`` (TensorFlow by default;
``make unit-jax`` runs them on JAX; ``KERAS_BACKEND=torch`` on PyTorch). A test about a
TensorFlow feature is marked ``@pytest.mark.tensorflow_only`` and is skipped on the other
backends, with the reason shown.
"""

from __future__ import annotations

import keras
import pytest

import lstm_helpers

lstm_helpers.setup(show_versions=False)


#: Tests known to fail on JAX until their module is changed (as tools/backend_pending.txt
#: lists notebooks): test name -> why. They are expected to fail there (a strict xfail: one
#: that passes fails the run, so the list only shrinks).
PENDING_ON_JAX: dict[str, str] = {
    "test_stateful.py::test_chunked_stateful_equals_full_sequence": (
        "on JAX, predict does not carry a stateful layer's state between batches"
    ),
    "test_stateful.py::test_validation_in_fit_continues_the_training_state_unless_reset": (
        "on JAX, fit and evaluate do not carry a stateful layer's state between batches"
    ),
}

#: Tests known to fail on PyTorch (``KERAS_BACKEND=torch``) until their module is changed:
#: test name -> why; strict xfails, as PENDING_ON_JAX.
PENDING_ON_TORCH: dict[str, str] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"TensorFlow only (the backend is {backend})")
    for item in items:
        if item.get_closest_marker("tensorflow_only"):
            item.add_marker(skip)
        name = f"{item.path.name}::{item.originalname}"  # type: ignore[attr-defined]
        if backend == "jax" and name in PENDING_ON_JAX:
            item.add_marker(pytest.mark.xfail(reason=PENDING_ON_JAX[name], strict=True))
        if backend == "torch" and name in PENDING_ON_TORCH:
            item.add_marker(pytest.mark.xfail(reason=PENDING_ON_TORCH[name], strict=True))
