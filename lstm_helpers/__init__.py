"""Helpers for the book *Keras LSTMs, explained by running them*.

Importing the package sets quiet, deterministic defaults for TensorFlow
(only where the environment does not set them already), so import it before
``keras`` or ``tensorflow``. Call :func:`lstm_helpers.setup` at the top of a notebook.
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
for _name, _value in QUIET_TF_ENV.items():
    os.environ.setdefault(_name, _value)

from lstm_helpers.env import setup  # noqa: E402

__all__ = ["QUIET_TF_ENV", "setup"]
__version__ = "1.0.0"
