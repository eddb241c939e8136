"""Pure-NumPy ``SimpleRNN`` and ``GRU`` layers that compute what Keras computes, step by step.

The companions of :mod:`lstm_helpers.reference` (the LSTM) for Keras's two other recurrent
cells, with Keras's weight layout:

- ``SimpleRNN(units)``: ``kernel`` (features, units), ``recurrent_kernel`` (units, units),
  ``bias`` (units,). One block, no gates: h = activation(x_t @ kernel + h @ recurrent_kernel
  + bias).
- ``GRU(units)``: ``kernel`` (features, 3*units), ``recurrent_kernel`` (units, 3*units), with
  the three blocks in the order update ``z``, reset ``r``, candidate ``h``. The bias depends
  on ``reset_after``: with ``reset_after=True`` (Keras's default) it has shape
  (2, 3*units), row 0 added to the input's projection and row 1 to the state's, and the
  reset gate multiplies the state's projection *after* the matrix product; with
  ``reset_after=False`` it has shape (3*units,) and the reset gate multiplies the state
  *before* the product. Both variants mix old and new state the same way:
  h = z * h + (1 - z) * candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstm_helpers._validate import check_shape, shape_str
from lstm_helpers.reference import Activation, sigmoid

#: The gate blocks of a GRU's weight matrices in Keras's order (update, reset, candidate).
GRU_GATES: tuple[str, ...] = ("z", "r", "h")


@dataclass(frozen=True)
class RNNRun:
    """Everything a forward pass of a one-state layer (SimpleRNN, GRU) computed.

    Attributes:
        h: the state after every step, shape (batch, timesteps, units): the layer's output
            with ``return_sequences=True``; ``h[:, -1]`` is the output without it and the
            state that ``return_state=True`` returns.
        gates: with ``return_gates=True`` (GRU only), the update gate ``"z"``, the reset
            gate ``"r"`` and the candidate ``"h"`` at every step, shape
            (batch, timesteps, units); otherwise empty.
    """

    h: np.ndarray
    gates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def last_h(self) -> np.ndarray:
        """The final state, shape (batch, units)."""
        return self.h[:, -1]


def _check_input(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 3:
        check_shape("x", arr, ("batch", "timesteps", "features"))
    return arr


def _check_kernel(kernel: np.ndarray, features: int, blocks: int) -> tuple[np.ndarray, int]:
    k = np.asarray(kernel, dtype=np.float64)
    width = "units" if blocks == 1 else f"{blocks}*units"
    if k.ndim != 2 or k.shape[0] != features or k.shape[1] % blocks or k.shape[1] == 0:
        raise ValueError(
            f"kernel must have shape ({features}, {width}); got shape {shape_str(k.shape)}"
        )
    return k, k.shape[1] // blocks


def _initial_state(h0: np.ndarray | None, batch: int, units: int) -> np.ndarray:
    h = np.zeros((batch, units)) if h0 is None else np.array(h0, dtype=np.float64)
    check_shape("h0", h, (batch, units))
    return h


def simple_rnn_forward(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    h0: np.ndarray | None = None,
    activation: Activation = np.tanh,
) -> RNNRun:
    """Run ``keras.layers.SimpleRNN`` over ``x`` of shape (batch, timesteps, features).

    At each step t: h = activation(x_t @ kernel + h @ recurrent_kernel + bias).

    Args:
        x: the input, shape (batch, timesteps, features).
        kernel: shape (features, units).
        recurrent_kernel: shape (units, units).
        bias: shape (units,), or None for a layer built with ``use_bias=False``.
        h0: the initial state, shape (batch, units); zeros when omitted.
        activation: as in ``keras.layers.SimpleRNN`` (tanh by default).

    Raises:
        ValueError: if any shape does not fit the others.
    """
    xs = _check_input(x)
    batch, timesteps, features = xs.shape
    k, units = _check_kernel(kernel, features, 1)
    check_shape("recurrent_kernel", recurrent_kernel, (units, units))
    b = np.zeros(units) if bias is None else np.asarray(bias, dtype=np.float64)
    check_shape("bias", b, (units,))
    rk = np.asarray(recurrent_kernel, dtype=np.float64)
    h = _initial_state(h0, batch, units)
    hs = np.empty((batch, timesteps, units))
    for t in range(timesteps):
        h = activation(xs[:, t] @ k + b + h @ rk)
        hs[:, t] = h
    return RNNRun(h=hs)


def gru_forward(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    h0: np.ndarray | None = None,
    reset_after: bool = True,
    activation: Activation = np.tanh,
    recurrent_activation: Activation = sigmoid,
    return_gates: bool = False,
) -> RNNRun:
    """Run ``keras.layers.GRU`` over ``x`` of shape (batch, timesteps, features).

    At each step t, with the input's projection a = x_t @ kernel + b_in split into blocks
    a_z, a_r, a_h and U_z, U_r, U_h the blocks of ``recurrent_kernel``:

    - z = recurrent_activation(a_z + h @ U_z + b_rec_z) and r likewise (b_rec = 0 when
      ``reset_after=False``);
    - candidate = activation(a_h + r * (h @ U_h + b_rec_h)) when ``reset_after=True``,
      activation(a_h + (r * h) @ U_h) when ``reset_after=False``;
    - h = z * h + (1 - z) * candidate.

    Args:
        x: the input, shape (batch, timesteps, features).
        kernel: shape (features, 3*units).
        recurrent_kernel: shape (units, 3*units).
        bias: shape (2, 3*units) (input bias, recurrent bias) when ``reset_after=True``,
            (3*units,) when ``reset_after=False``; None for ``use_bias=False``.
        h0: the initial state, shape (batch, units); zeros when omitted.
        reset_after: as in ``keras.layers.GRU`` (True by default).
        activation, recurrent_activation: as in ``keras.layers.GRU``.
        return_gates: also record z, r and the candidate at every step.

    Raises:
        ValueError: if any shape does not fit the others.
    """
    xs = _check_input(x)
    batch, timesteps, features = xs.shape
    k, units = _check_kernel(kernel, features, 3)
    check_shape("recurrent_kernel", recurrent_kernel, (units, 3 * units))
    bias_shape = (2, 3 * units) if reset_after else (3 * units,)
    b = np.zeros(bias_shape) if bias is None else np.asarray(bias, dtype=np.float64)
    check_shape("bias", b, bias_shape)
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros(3 * units))
    rk = np.asarray(recurrent_kernel, dtype=np.float64)
    u_zr, u_h = rk[:, : 2 * units], rk[:, 2 * units :]
    h = _initial_state(h0, batch, units)

    hs = np.empty((batch, timesteps, units))
    gates = {g: np.empty((batch, timesteps, units)) for g in GRU_GATES} if return_gates else {}
    for t in range(timesteps):
        a_z, a_r, a_h = np.split(xs[:, t] @ k + b_in, 3, axis=-1)
        s_z, s_r = np.split(h @ u_zr + b_rec[: 2 * units], 2, axis=-1)
        z = recurrent_activation(a_z + s_z)
        r = recurrent_activation(a_r + s_r)
        if reset_after:
            candidate = activation(a_h + r * (h @ u_h + b_rec[2 * units :]))
        else:
            candidate = activation(a_h + (r * h) @ u_h)
        h = z * h + (1.0 - z) * candidate
        hs[:, t] = h
        if return_gates:
            for name, value in zip(GRU_GATES, (z, r, candidate), strict=True):
                gates[name][:, t] = value
    return RNNRun(h=hs, gates=gates)


def split_gru_gates(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Split a GRU kernel, recurrent kernel or bias into its blocks ``z``, ``r``, ``h``.

    The split is along the last axis, so a ``reset_after=True`` bias of shape
    (2, 3*units) gives three blocks of shape (2, units).

    Raises:
        ValueError: if the last axis is not a positive multiple of 3.
    """
    arr = np.asarray(matrix)
    if arr.ndim == 0 or arr.shape[-1] % 3 or arr.shape[-1] == 0:
        raise ValueError(f"the last axis must be 3*units; got shape {shape_str(arr.shape)}")
    return dict(zip(GRU_GATES, np.split(arr, 3, axis=-1), strict=True))
