"""A pure-NumPy LSTM that computes what ``keras.layers.LSTM`` computes, step by step.

Weights use Keras's layout: ``kernel`` (features, 4*units), ``recurrent_kernel``
(units, 4*units) and ``bias`` (4*units,), with the four gate blocks in the order
input ``i``, forget ``f``, candidate ``g`` (Keras's source calls this block ``c``: ``x_c`` in
``keras/src/layers/rnn/lstm.py``), output ``o``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lstm_helpers._validate import check_shape, shape_str

Activation = Callable[[np.ndarray], np.ndarray]

#: The gate blocks of the weight matrices, in Keras's order.
GATES: tuple[str, ...] = ("i", "f", "g", "o")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x)): Keras 3's default recurrent activation."""
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """Keras 3's ``hard_sigmoid``: clip(x / 6 + 1/2, 0, 1)."""
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def hard_sigmoid_keras2(x: np.ndarray) -> np.ndarray:
    """Keras 1/2's ``hard_sigmoid``: clip(0.2 x + 1/2, 0, 1), the old LSTM default."""
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


@dataclass(frozen=True)
class LSTMRun:
    """Everything a forward pass computed.

    Attributes:
        h: hidden state after every step, shape (batch, timesteps, units). This is
            the layer's output with ``return_sequences=True``; ``h[:, -1]`` is the
            output with ``return_sequences=False``.
        c: cell state after every step, shape (batch, timesteps, units).
        gates: with ``return_gates=True``, each gate's values ("i", "f", "g", "o")
            at every step, shape (batch, timesteps, units); otherwise empty.
    """

    h: np.ndarray
    c: np.ndarray
    gates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def last_h(self) -> np.ndarray:
        """The final hidden state, shape (batch, units)."""
        return self.h[:, -1]

    @property
    def last_c(self) -> np.ndarray:
        """The final cell state, shape (batch, units)."""
        return self.c[:, -1]


def lstm_forward(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    activation: Activation = np.tanh,
    recurrent_activation: Activation = sigmoid,
    return_gates: bool = False,
) -> LSTMRun:
    """Run an LSTM over ``x`` of shape (batch, timesteps, features).

    At each step t, with z = x_t @ kernel + h @ recurrent_kernel + bias split into
    four blocks: i, f, o = recurrent_activation(z_i, z_f, z_o); g = activation(z_g);
    c = f * c + i * g; h = o * activation(c).

    Args:
        x: the input, shape (batch, timesteps, features).
        kernel: shape (features, 4*units).
        recurrent_kernel: shape (units, 4*units).
        bias: shape (4*units,), or None for a layer built with ``use_bias=False``.
        h0, c0: initial states, shape (batch, units); zeros when omitted.
        activation, recurrent_activation: as in ``keras.layers.LSTM``.
        return_gates: also record every gate's values.

    Raises:
        ValueError: if any shape does not fit the others.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        check_shape("x", x, ("batch", "timesteps", "features"))
    batch, timesteps, features = x.shape
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != features or kernel.shape[1] % 4:
        raise ValueError(
            f"kernel must have shape ({features}, 4*units); got shape {shape_str(kernel.shape)}"
        )
    units = kernel.shape[1] // 4
    check_shape("recurrent_kernel", recurrent_kernel, (units, 4 * units))
    bias_arr = np.zeros(4 * units) if bias is None else np.asarray(bias, dtype=np.float64)
    check_shape("bias", bias_arr, (4 * units,))
    h = np.zeros((batch, units)) if h0 is None else np.array(h0, dtype=np.float64)
    c = np.zeros((batch, units)) if c0 is None else np.array(c0, dtype=np.float64)
    check_shape("h0", h, (batch, units))
    check_shape("c0", c, (batch, units))
    rk = np.asarray(recurrent_kernel, dtype=np.float64)

    hs = np.empty((batch, timesteps, units))
    cs = np.empty((batch, timesteps, units))
    gates = {g: np.empty((batch, timesteps, units)) for g in GATES} if return_gates else {}
    for t in range(timesteps):
        z = x[:, t] @ kernel + h @ rk + bias_arr
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
        i = recurrent_activation(z_i)
        f = recurrent_activation(z_f)
        g = activation(z_g)
        o = recurrent_activation(z_o)
        c = f * c + i * g
        h = o * activation(c)
        hs[:, t], cs[:, t] = h, c
        if return_gates:
            for name, value in zip(GATES, (i, f, g, o), strict=True):
                gates[name][:, t] = value
    return LSTMRun(h=hs, c=cs, gates=gates)


def split_gates(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Split a kernel, recurrent kernel or bias into its four gate blocks (last axis)."""
    matrix = np.asarray(matrix)
    if matrix.shape[-1] % 4:
        raise ValueError(f"the last axis must be 4*units; got shape {tuple(matrix.shape)}")
    return dict(zip(GATES, np.split(matrix, 4, axis=-1), strict=True))
