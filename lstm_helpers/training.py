"""Repeatable Keras conveniences shared by the notebooks: seeded layers and short training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from lstm_helpers._validate import check_positive


def random_lstm(
    units: int, features: int, *, seed: int, scale: float = 0.7, name: str = "lstm", **kwargs: Any
) -> Any:
    """A built ``keras.layers.LSTM`` with seeded normal kernels and Keras's initial bias.

    The bias stays as Keras initialises it (zeros, ones in the forget block), so the
    layer behaves like a fresh one; only the kernels are drawn from ``seed``.
    """
    import keras

    check_positive("units", units)
    check_positive("features", features)
    layer = keras.layers.LSTM(units, name=name, **kwargs)
    layer.build((None, None, features))
    weights = layer.get_weights()
    rng = np.random.default_rng(seed)
    kernels = [rng.normal(0.0, scale, w.shape).astype("float32") for w in weights[:2]]
    layer.set_weights([*kernels, *weights[2:]])
    return layer


def fit_losses(model: Any, x: Any, y: Any = None, *, epochs: int, **fit_kwargs: Any) -> np.ndarray:
    """Train with ``model.fit(..., verbose=0)`` and return the training loss of every epoch."""
    check_positive("epochs", epochs)
    history = model.fit(x, y, epochs=epochs, verbose=0, **fit_kwargs)
    return np.asarray(history.history["loss"], dtype=float)


def loss_drop(losses: Sequence[float] | np.ndarray) -> float:
    """The final loss as a fraction of the first epoch's loss (smaller means it learned)."""
    arr = np.asarray(losses, dtype=float)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(
            f"losses must have shape (epochs,) with epochs >= 2; got shape {arr.shape}"
        )
    return float(arr[-1] / arr[0])


def plot_losses(curves: Mapping[str, Sequence[float] | np.ndarray], *, title: str = "") -> Figure:
    """Plot one training-loss curve per entry, on a log scale."""
    if not curves:
        raise ValueError("curves must hold at least one loss curve; got none")
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    for label, losses in curves.items():
        arr = np.asarray(losses, dtype=float)
        ax.plot(np.arange(1, arr.size + 1), arr, marker="o", markersize=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig
