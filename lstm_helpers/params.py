"""Where a model's parameter counts come from, and a plain-text table of its layers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lstm_helpers._text import text_table
from lstm_helpers._validate import check_positive


def lstm_param_count(features: int, units: int, *, use_bias: bool = True) -> int:
    """Parameters of ``keras.layers.LSTM(units)`` on inputs with ``features`` features.

    Four gate blocks, each with a kernel (features x units), a recurrent kernel
    (units x units) and a bias (units): 4 * (units * (features + units) + units).
    The sequence length does not appear: the same weights serve every timestep.
    """
    check_positive("features", features)
    check_positive("units", units)
    return 4 * (units * (features + units) + (units if use_bias else 0))


def simple_rnn_param_count(features: int, units: int, *, use_bias: bool = True) -> int:
    """Parameters of ``keras.layers.SimpleRNN(units)`` on inputs with ``features`` features.

    One block: a kernel (features x units), a recurrent kernel (units x units) and a bias
    (units): units * (features + units) + units.
    """
    check_positive("features", features)
    check_positive("units", units)
    return units * (features + units) + (units if use_bias else 0)


def gru_param_count(
    features: int, units: int, *, use_bias: bool = True, reset_after: bool = True
) -> int:
    """Parameters of ``keras.layers.GRU(units)`` on inputs with ``features`` features.

    Three blocks (update, reset, candidate), each with a kernel (features x units) and a
    recurrent kernel (units x units). With ``reset_after=True`` (Keras's default) each block
    has two biases, one added to the input's projection and one to the state's, because
    the reset gate multiplies the state's projection including its bias:
    3 * (units * (features + units) + 2 * units). With ``reset_after=False`` one bias per
    block: 3 * (units * (features + units) + units).
    """
    check_positive("features", features)
    check_positive("units", units)
    biases = (2 if reset_after else 1) * units if use_bias else 0
    return 3 * (units * (features + units) + biases)


def bidirectional_param_count(forward: int, backward: int | None = None) -> int:
    """Parameters of ``keras.layers.Bidirectional``: its two layers' counts added.

    ``forward`` is the wrapped layer's count (from any of the functions here, or
    ``count_params()``); ``backward`` the ``backward_layer``'s when one was given, otherwise
    a copy of the wrapped layer runs backwards with weights of its own, and the count doubles.
    """
    check_positive("forward", forward)
    if backward is not None:
        check_positive("backward", backward)
    return forward + (forward if backward is None else backward)


def conv_lstm_param_count(
    channels: int, filters: int, kernel_size: Sequence[int], *, use_bias: bool = True
) -> int:
    """Parameters of ``keras.layers.ConvLSTM1D/2D/3D(filters, kernel_size)``.

    An LSTM whose matrix products are convolutions: four gate blocks, each with an input
    kernel (kernel positions x channels x filters), a recurrent kernel (kernel positions x
    filters x filters) and a bias (filters), where the kernel positions are the product of
    ``kernel_size`` (for example 3*3 = 9 for ConvLSTM2D with ``kernel_size=3``):
    4 * (k * channels * filters + k * filters * filters + filters). Neither the sequence
    length nor the frame size appears: the kernels slide over both.

    Args:
        channels: the input's channels (its last axis).
        filters: the layer's ``filters``.
        kernel_size: one length per spatial axis: ``(3,)`` for ConvLSTM1D, ``(3, 3)`` for
            ConvLSTM2D.
    """
    check_positive("channels", channels)
    check_positive("filters", filters)
    if len(kernel_size) not in (1, 2, 3):
        raise ValueError(
            f"kernel_size must have 1 to 3 lengths (one per spatial axis); got {kernel_size!r}"
        )
    k = 1
    for size in kernel_size:
        check_positive("kernel_size", size)
        k *= int(size)
    return 4 * (k * channels * filters + k * filters * filters + (filters if use_bias else 0))


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`LayerTable`."""

    name: str
    kind: str
    input_shape: str
    output_shape: str
    params: int
    how: str


@dataclass(frozen=True)
class LayerTable:
    """A model's layers with their shapes and parameter counts, printed as fixed-width text."""

    rows: tuple[LayerRow, ...]

    @property
    def total(self) -> int:
        """The sum of the layers' parameter counts."""
        return sum(r.params for r in self.rows)

    def __str__(self) -> str:
        head = ("layer", "type", "input shape", "output shape", "params", "how the count is made")
        body = [
            (r.name, r.kind, r.input_shape, r.output_shape, f"{r.params:,}", r.how)
            for r in self.rows
        ]
        lines = text_table(head, body, right={4})
        return "\n".join([*lines, lines[1], f"total parameters: {self.total:,}"])

    def __repr__(self) -> str:
        return str(self)


def param_formula(layer: Any) -> tuple[int, str]:
    """The parameter count of a Keras layer and the arithmetic that makes it.

    Knows LSTM, GRU (both ``reset_after`` variants), SimpleRNN, ConvLSTM1D/2D/3D, Dense,
    Conv1D/2D/3D, Embedding, and the wrappers TimeDistributed and Bidirectional (also with
    a ``backward_layer`` of another kind); any other layer is explained as the sum of its
    weights' sizes. The count always equals ``layer.count_params()``.
    """
    count = int(layer.count_params()) if layer.weights else 0
    if not layer.weights:
        return 0, "no weights"
    kind = type(layer).__name__
    how = _explain(kind, layer)
    if how is None or how[0] != count:
        sizes = " + ".join(str(int(_size(w.shape))) for w in layer.weights)
        return count, f"sum of weight sizes: {sizes}"
    return count, how[1]


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _explain(kind: str, layer: Any) -> tuple[int, str] | None:
    if kind == "TimeDistributed":
        inner = param_formula(layer.layer)
        return inner[0], f"one shared {type(layer.layer).__name__}: {inner[1]}"
    if kind == "Bidirectional":
        fwd = param_formula(layer.forward_layer)
        bwd = param_formula(layer.backward_layer)
        if fwd == bwd:
            return fwd[0] + bwd[0], f"2 x ({_arithmetic(fwd[1])})"
        return fwd[0] + bwd[0], f"{_arithmetic(fwd[1])} + {_arithmetic(bwd[1])}"
    weights = {w.path.split("/")[-1]: tuple(int(s) for s in w.shape) for w in layer.weights}
    has_bias = "bias" in weights
    if kind in {"LSTM", "GRU", "SimpleRNN"}:
        return _explain_rnn(kind, layer.units, weights["kernel"][0], layer, has_bias)
    if kind in {"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}:
        return _explain_conv_lstm(layer.kernel_size, weights["kernel"][-2], layer.filters, has_bias)
    if kind == "Dense":
        f, u = weights["kernel"]
        b = u if has_bias else 0
        return f * u + b, f"f*u+u = {f}*{u}+{u}" if has_bias else f"f*u = {f}*{u}"
    if kind in {"Conv1D", "Conv2D", "Conv3D"}:
        k = weights["kernel"]
        dims = "*".join(str(s) for s in k)
        b = k[-1] if has_bias else 0
        return _size(k) + b, f"kernel {dims} + bias {b}"
    if kind == "Embedding":
        v, d = weights["embeddings"]
        return v * d, f"vocabulary*dim = {v}*{d}"
    return None


def _arithmetic(how: str) -> str:
    """The numbers of an explanation ("4*(u*(f+u)+u) = 4*(3*(2+3)+3)" -> "4*(3*(2+3)+3)")."""
    return how.rsplit(" = ", 1)[-1] if " = " in how else how


def _explain_rnn(kind: str, u: int, f: int, layer: Any, has_bias: bool) -> tuple[int, str]:
    if kind == "LSTM":
        n = lstm_param_count(f, u, use_bias=has_bias)
        if has_bias:
            return n, f"4*(u*(f+u)+u) = 4*({u}*({f}+{u})+{u})"
        return n, f"4*u*(f+u) = 4*{u}*({f}+{u})"
    if kind == "SimpleRNN":
        n = simple_rnn_param_count(f, u, use_bias=has_bias)
        return n, f"u*(f+u)+u = {u}*({f}+{u})+{u}" if has_bias else f"u*(f+u) = {u}*({f}+{u})"
    after = bool(layer.reset_after)
    n = gru_param_count(f, u, use_bias=has_bias, reset_after=after)
    if not has_bias:
        return n, f"3*u*(f+u) = 3*{u}*({f}+{u})"
    if after:
        return n, f"3*(u*(f+u)+2u) = 3*({u}*({f}+{u})+2*{u})"
    return n, f"3*(u*(f+u)+u) = 3*({u}*({f}+{u})+{u})"


def _explain_conv_lstm(
    kernel_size: Sequence[int], c: int, n: int, has_bias: bool
) -> tuple[int, str]:
    k = _size(tuple(kernel_size))
    count = conv_lstm_param_count(c, n, kernel_size, use_bias=has_bias)
    if has_bias:
        return count, f"4*(k*c*n+k*n*n+n) = 4*({k}*{c}*{n}+{k}*{n}*{n}+{n})"
    return count, f"4*(k*c*n+k*n*n) = 4*({k}*{c}*{n}+{k}*{n}*{n})"


def _shape_of(tensors: Any) -> str:
    import keras

    shapes = keras.tree.map_structure(lambda t: tuple(t.shape), tensors)
    return str(shapes)


def _call_input(layer: Any) -> Any:
    """What the layer was called on: its positional arguments, without a mask passed along."""
    try:
        args = layer._inbound_nodes[0].arguments.args
    except (AttributeError, IndexError):
        return layer.input
    return args[0] if len(args) == 1 else list(args)


def layer_table(model: Any) -> LayerTable:
    """Describe each layer of a built Keras model: shapes, parameters, and their arithmetic.

    Use it instead of ``model.summary()``, whose rich-text layout depends on the
    terminal's width.

    Raises:
        ValueError: if the model has not been built (call it on ``keras.Input`` first).
    """
    if not getattr(model, "built", False):
        raise ValueError("the model must be built: create it from keras.Input(shape=...) first")
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            in_shape, out_shape = _shape_of(_call_input(layer)), _shape_of(layer.output)
        except (AttributeError, ValueError):
            in_shape = out_shape = "?"
        params, how = param_formula(layer)
        rows.append(LayerRow(layer.name, type(layer).__name__, in_shape, out_shape, params, how))
    return LayerTable(tuple(rows))
