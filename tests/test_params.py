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
    assert by_name["bi"].how == "2 x (3*(3*(5+3)+2*3))"
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


SIZES = [(1, 1), (1, 12), (12, 6), (7, 3), (30, 17)]


@pytest.mark.parametrize(("features", "units"), SIZES)
@pytest.mark.parametrize("use_bias", [True, False])
def test_simple_rnn_param_count(features: int, units: int, use_bias: bool) -> None:
    layer = keras.layers.SimpleRNN(units, use_bias=use_bias)
    layer.build((None, None, features))
    assert params.simple_rnn_param_count(features, units, use_bias=use_bias) == (
        layer.count_params()
    )


@pytest.mark.parametrize(("features", "units"), SIZES)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_param_count(features: int, units: int, use_bias: bool, reset_after: bool) -> None:
    layer = keras.layers.GRU(units, use_bias=use_bias, reset_after=reset_after)
    layer.build((None, None, features))
    expected = params.gru_param_count(features, units, use_bias=use_bias, reset_after=reset_after)
    assert expected == layer.count_params()


def test_gru_reset_after_adds_one_bias_per_gate() -> None:
    after = params.gru_param_count(5, 8, reset_after=True)
    before = params.gru_param_count(5, 8, reset_after=False)
    assert after - before == 3 * 8


INNER = [
    lambda: keras.layers.LSTM(5),
    lambda: keras.layers.GRU(4, reset_after=False),
    lambda: keras.layers.GRU(4),
    lambda: keras.layers.SimpleRNN(6, use_bias=False),
]


@pytest.mark.parametrize("make", INNER)
@pytest.mark.parametrize("features", [1, 3])
def test_bidirectional_param_count(make: object, features: int) -> None:
    layer = keras.layers.Bidirectional(make())  # type: ignore[operator]
    layer.build((None, None, features))
    inner = make()  # type: ignore[operator]
    inner.build((None, None, features))
    assert params.bidirectional_param_count(inner.count_params()) == layer.count_params()
    assert param_formula_of(layer) == layer.count_params()


def test_bidirectional_with_a_backward_layer_of_another_kind() -> None:
    fwd, bwd = keras.layers.LSTM(3), keras.layers.GRU(5, go_backwards=True)
    layer = keras.layers.Bidirectional(fwd, backward_layer=bwd)
    layer.build((None, None, 2))
    expected = params.bidirectional_param_count(
        params.lstm_param_count(2, 3), params.gru_param_count(2, 5)
    )
    assert expected == layer.count_params()
    count, how = params.param_formula(layer)
    assert count == expected
    assert how == "4*(3*(2+3)+3) + 3*(5*(2+5)+2*5)"


def param_formula_of(layer: object) -> int:
    return params.param_formula(layer)[0]


@pytest.mark.parametrize(
    ("kind", "input_shape", "filters", "kernel_size", "use_bias"),
    [
        (keras.layers.ConvLSTM1D, (None, 5, 12, 1), 4, (3,), True),
        (keras.layers.ConvLSTM1D, (None, 5, 12, 3), 2, (5,), False),
        (keras.layers.ConvLSTM2D, (None, 4, 8, 8, 1), 8, (3, 3), True),
        (keras.layers.ConvLSTM2D, (None, 4, 9, 7, 2), 3, (2, 4), True),
        (keras.layers.ConvLSTM2D, (None, 4, 6, 6, 3), 5, (1, 1), False),
        (keras.layers.ConvLSTM3D, (None, 3, 4, 4, 4, 2), 2, (3, 3, 3), True),
    ],
)
def test_conv_lstm_param_count(
    kind: type,
    input_shape: tuple[int | None, ...],
    filters: int,
    kernel_size: tuple[int, ...],
    use_bias: bool,
) -> None:
    layer = kind(filters, kernel_size, use_bias=use_bias)
    layer.build(input_shape)
    channels = input_shape[-1]
    assert isinstance(channels, int)
    expected = params.conv_lstm_param_count(channels, filters, kernel_size, use_bias=use_bias)
    assert expected == layer.count_params()
    count, how = params.param_formula(layer)
    assert count == expected and how.startswith("4*(k*c*n+k*n*n")


def test_conv_lstm_param_count_ignores_frame_size_and_length() -> None:
    counts = set()
    for shape in [(None, 3, 8, 8, 1), (None, 10, 32, 16, 1)]:
        layer = keras.layers.ConvLSTM2D(4, 3)
        layer.build(shape)
        counts.add(layer.count_params())
    assert counts == {params.conv_lstm_param_count(1, 4, (3, 3))}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: params.simple_rnn_param_count(0, 3), "features must be a positive integer"),
        (lambda: params.gru_param_count(3, -1), "units must be a positive integer"),
        (lambda: params.bidirectional_param_count(0), "forward must be a positive integer"),
        (lambda: params.conv_lstm_param_count(1, 2, ()), "kernel_size must have 1 to 3 lengths"),
        (lambda: params.conv_lstm_param_count(1, 2, (3, 0)), "kernel_size must be a positive"),
    ],
)
def test_new_formulas_reject_bad_arguments(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_layer_table_names_every_recurrent_formula() -> None:
    inputs = keras.Input(shape=(6, 8, 8, 1))
    x = keras.layers.ConvLSTM2D(4, 3, return_sequences=True, name="conv_lstm")(inputs)
    x = keras.layers.Reshape((6, 6 * 6 * 4), name="flat")(x)
    x = keras.layers.GRU(5, return_sequences=True, reset_after=False, name="gru_before")(x)
    x = keras.layers.GRU(5, return_sequences=True, name="gru_after")(x)
    x = keras.layers.Bidirectional(keras.layers.SimpleRNN(3), name="bi")(x)
    model = keras.Model(inputs, x)
    table = params.layer_table(model)
    rows = {r.name: r for r in table.rows}
    assert table.total == model.count_params()
    assert rows["conv_lstm"].how == "4*(k*c*n+k*n*n+n) = 4*(9*1*4+9*4*4+4)"
    assert rows["gru_before"].how == "3*(u*(f+u)+u) = 3*(5*(144+5)+5)"
    assert rows["gru_after"].how == "3*(u*(f+u)+2u) = 3*(5*(5+5)+2*5)"
    assert rows["bi"].how == "2 x (3*(5+3)+3)"
    assert rows["bi"].output_shape == "(None, 6)"
