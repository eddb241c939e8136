"""Parameter formulas and the layer table agree with Keras."""

from __future__ import annotations

import keras
import pytest

from lstm_helpers import params


@pytest.mark.parametrize(("features", "units"), [(1, 1), (1, 12), (12, 6), (7, 3), (100, 100)])
@pytest.mark.parametrize("use_bias", [True, False])
def test_lstm_param_count(features: int, units: int, use_bias: bool) -> None:
    layer = keras.layers.LSTM(units, use_bias=use_bias)
    layer.build((None, None, features))
    assert params.lstm_param_count(features, units, use_bias=use_bias) == layer.count_params()


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_lstm_param_count_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        params.lstm_param_count(bad, 3)  # type: ignore[arg-type]


def _model() -> keras.Model:
    inputs = keras.Input(shape=(6, 4, 8, 8, 1))
    x = keras.layers.TimeDistributed(
        keras.layers.TimeDistributed(keras.layers.Conv2D(2, 3)), name="frames"
    )(inputs)
    x = keras.layers.Reshape((6, 4, 72), name="flat")(x)
    x = keras.layers.TimeDistributed(keras.layers.LSTM(5), name="td_lstm")(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True), name="bi")(x)
    x = keras.layers.SimpleRNN(2, name="rnn")(x)
    x = keras.layers.Dense(4, name="dense")(x)
    return keras.Model(inputs, x)


def test_layer_table_counts_match_keras() -> None:
    model = _model()
    table = params.layer_table(model)
    assert table.total == model.count_params()
    by_name = {r.name: r for r in table.rows}
    for layer in model.layers[1:]:
        assert by_name[layer.name].params == layer.count_params()
    assert by_name["flat"].how == "no weights"
    assert by_name["td_lstm"].how.startswith("one shared LSTM: 4*(u*(f+u)+u)")
    assert by_name["bi"].how.startswith("2 directions x")
    assert by_name["dense"].output_shape == "(None, 4)"
    text = str(table)
    assert "total parameters:" in text and "InputLayer" not in text


def test_embedding_and_unknown_layers() -> None:
    inputs = keras.Input(shape=(5,))
    x = keras.layers.Embedding(10, 3, name="emb")(inputs)
    x = keras.layers.LayerNormalization(name="norm")(x)
    model = keras.Model(inputs, x)
    rows = {r.name: r for r in params.layer_table(model).rows}
    assert rows["emb"].how == "vocabulary*dim = 10*3" and rows["emb"].params == 30
    assert rows["norm"].how == "sum of weight sizes: 3 + 3"


def test_unbuilt_model_raises() -> None:
    model = keras.Sequential([keras.layers.LSTM(3)])
    with pytest.raises(ValueError, match="must be built"):
        params.layer_table(model)


def test_input_shape_leaves_out_the_mask() -> None:
    inputs = keras.Input(shape=(None,), name="tokens")
    x = keras.layers.Embedding(10, 3, mask_zero=True, name="emb")(inputs)
    x = keras.layers.LSTM(4, name="lstm")(x)
    rows = {r.name: r for r in params.layer_table(keras.Model(inputs, x)).rows}
    assert rows["lstm"].input_shape == "(None, None, 3)"


def test_text_table_aligns_and_checks_rows() -> None:
    from lstm_helpers._text import text_table

    lines = text_table(("a", "n"), [("xyz", "1"), ("b", "22")], right={1})
    assert lines == ["a     n", "-------", "xyz   1", "b    22"]
    with pytest.raises(ValueError, match="every row must have 2 cells; got a row of 1"):
        text_table(("a", "n"), [("x",)])
