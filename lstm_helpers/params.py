"""Where a model's parameter counts come from, and a plain-text table of its layers."""

from __future__ import annotations

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

    Knows LSTM, GRU, SimpleRNN, Dense, Conv1D/2D, Embedding, and the wrappers
    TimeDistributed and Bidirectional; any other layer is explained as the sum of
    its weights' sizes. The count always equals ``layer.count_params()``.
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
        return fwd[0] + bwd[0], f"2 directions x ({fwd[1]})"
    weights = {w.path.split("/")[-1]: tuple(int(s) for s in w.shape) for w in layer.weights}
    has_bias = "bias" in weights
    if kind in {"LSTM", "GRU", "SimpleRNN"}:
        f, u = weights["kernel"][0], layer.units
        if kind == "LSTM":
            n = lstm_param_count(f, u, use_bias=has_bias)
            if has_bias:
                return n, f"4*(u*(f+u)+u) = 4*({u}*({f}+{u})+{u})"
            return n, f"4*u*(f+u) = 4*{u}*({f}+{u})"
        if kind == "SimpleRNN":
            n = u * (f + u) + (u if has_bias else 0)
            return n, f"u*(f+u)+u = {u}*({f}+{u})+{u}" if has_bias else f"u*(f+u) = {u}*({f}+{u})"
        nb = _size(weights["bias"]) if has_bias else 0
        return 3 * u * (f + u) + nb, f"3*u*(f+u)+bias = 3*{u}*({f}+{u})+{nb}"
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
