"""Helpers for the book *Keras LSTMs, explained by running them*.

Importing the package sets quiet, deterministic defaults for the Keras backend (only where
the environment does not set them already), so import it before ``keras``, ``tensorflow``
or ``jax``. Call :func:`lstm_helpers.setup` at the top of a notebook. The package itself
imports no backend: it runs on TensorFlow (the default) and on JAX
(``KERAS_BACKEND=jax``); the few functions about a TensorFlow feature import TensorFlow when
called, and their docstrings say so.
"""

from __future__ import annotations

import os

#: Environment defaults applied at import time, before TensorFlow loads.
QUIET_TF_ENV: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # no absl/oneDNN/cpu_feature_guard lines on stderr
    "TF_ENABLE_ONEDNN_OPTS": "0",  # oneDNN reorders float sums; keep results repeatable
    "CUDA_VISIBLE_DEVICES": "-1",  # the book runs on the CPU
    "KERAS_BACKEND": "tensorflow",
    "PYTHONHASHSEED": "0",
}
#: Defaults added when the backend is JAX: XLA's CPU code runs its matrix products on the
#: calling thread (one thread per op, as on TensorFlow), and JAX looks for no accelerator.
JAX_ENV: dict[str, str] = {
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false",
    "JAX_PLATFORMS": "cpu",
}
for _name, _value in QUIET_TF_ENV.items():
    os.environ.setdefault(_name, _value)
if os.environ["KERAS_BACKEND"] == "jax":
    for _name, _value in JAX_ENV.items():
        os.environ.setdefault(_name, _value)

from lstm_helpers.env import setup, steps_per_execution  # noqa: E402

__all__ = ["JAX_ENV", "QUIET_TF_ENV", "setup", "steps_per_execution"]
__version__ = "1.0.0"
