"""Shape checks shared by the helpers: every failure names the expected and the actual shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def shape_str(spec: Sequence[int | str | None]) -> str:
    """Format a shape spec such as ``("batch", 5, None)`` as ``(batch, 5, ?)``."""
    parts = ["?" if s is None else str(s) for s in spec]
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def check_shape(name: str, array: np.ndarray, spec: Sequence[int | str | None]) -> None:
    """Raise ``ValueError`` unless ``array`` matches ``spec``.

    ``spec`` holds one entry per axis: an ``int`` must match exactly; a ``str``
    (an axis name) or ``None`` matches any length.
    """
    actual = tuple(np.shape(array))
    ok = len(actual) == len(spec) and all(
        not isinstance(s, int) or s == a for s, a in zip(spec, actual, strict=True)
    )
    if not ok:
        raise ValueError(f"{name} must have shape {shape_str(spec)}; got shape {shape_str(actual)}")


def check_positive(name: str, value: int) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer of at least 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


def as_numpy(value: Any) -> np.ndarray:
    """An array or a backend tensor as a NumPy array (on PyTorch, detached from its graph)."""
    if isinstance(value, np.ndarray):
        return value
    import keras

    if keras.backend.backend() == "torch":
        result: np.ndarray = keras.ops.convert_to_numpy(value)
        return result
    return np.asarray(value)
