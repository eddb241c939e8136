"""Shared fixtures: the book's environment, set once per test process.

The unit tests run on the Keras backend named by ``KERAS_BACKEND`` (TensorFlow by default;
``make unit-jax`` runs them on JAX). A test about a TensorFlow feature is marked
``@pytest.mark.tensorflow_only`` and is skipped on the other backends, with the reason shown.
"""

from __future__ import annotations

import keras
import pytest

import lstm_helpers

lstm_helpers.setup(show_versions=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"TensorFlow only (the backend is {backend})")
    for item in items:
        if item.get_closest_marker("tensorflow_only"):
            item.add_marker(skip)
