"""Tests for lstm_helpers.errors: what each formatter keeps and leaves out of a message."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_helpers import errors

COLOURED = "\x1b[31mValueError\x1b[39m"


def raise_(err: BaseException) -> None:
    raise err


def test_caught_returns_the_exception_or_none() -> None:
    err = ValueError("bad")
    assert errors.caught(lambda: raise_(err)) is err
    assert errors.caught(lambda: 3) is None


def test_caught_lets_keyboard_interrupt_through() -> None:
    with pytest.raises(KeyboardInterrupt):
        errors.caught(lambda: raise_(KeyboardInterrupt()))


@pytest.mark.parametrize("bad", [None, 3, "print"])
def test_not_callable_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="call must be a function"):
        errors.caught(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="call must be a function"):
        errors.error_record(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="show must be a function"):
        errors.error_of(lambda: None, show=bad)  # type: ignore[arg-type]


def test_first_line_skips_blank_and_keras_wrapper_lines() -> None:
    err = ValueError(
        "Exception encountered when calling LSTM.call().\n\n"
        "\x1b[1mInput 0 is incompatible\x1b[0m\n\nArguments received by LSTM.call():\n  x"
    )
    assert errors.first_line(err) == "ValueError: Input 0 is incompatible"
    assert errors.first_line(KeyError()) == "KeyError"


def test_paragraphs_wraps_indents_and_drops_configs() -> None:
    long = " ".join(["word"] * 30)
    err = TypeError(
        f"first  paragraph\nsplit over lines\n\n{long}\n\nconfig={{'a': 1}}\n\n"
        "Arguments received by X:\n  y=1"
    )
    text = errors.paragraphs(err, width=40)
    lines = text.splitlines()
    assert lines[0] == "TypeError: first paragraph split over"
    assert lines[1] == "lines"
    assert all(line.startswith("  word") for line in lines[2:])
    assert max(len(line) for line in lines) <= 40
    assert "config" not in text and "Arguments" not in text and "y=1" not in text
    assert " ".join(text.split()).count("word") == 30


@pytest.mark.parametrize("width", [0, 19, 40.0, True])
def test_paragraphs_refuses_a_narrow_width(width: object) -> None:
    with pytest.raises(ValueError, match="width must be an integer of at least 20"):
        errors.paragraphs(ValueError("x"), width=width)  # type: ignore[arg-type]


def test_graph_error_summary() -> None:
    class FakeGraphError(Exception):
        message = (
            "Graph execution error:\n\nDetected at node m/add defined at (most recent call "
            'last):\n  File "/somewhere/x.py", line 1, in <module>\n\n'
            "Incompatible shapes: [2,8] vs. [4,8]\n\t [[{{node m/add}}]] "
            "[Op:__inference_one_step_12]"
        )

    assert errors.graph_error_summary(FakeGraphError()) == (
        "FakeGraphError: Graph execution error:\nDetected at node m/add\n"
        "Incompatible shapes: [2,8] vs. [4,8]\n\t [[{{node m/add}}]]"
    )
    assert errors.graph_error_summary(ValueError(f"{COLOURED} plain")) == (
        "ValueError: ValueError plain"
    )


def test_error_record_is_one_line_without_wrappers() -> None:
    err = ValueError(
        "{{function_node __wrapped__Add}} Exception encountered when calling "
        "LSTM.call().\n\n\x1b[1mshapes\n  differ\x1b[0m\n\nArguments received by x"
    )
    # the node name comes first in TensorFlow's messages; the wrapper is removed anyway
    record = errors.error_record(lambda: raise_(err))
    assert record == ["ValueError", "shapes differ"]
    assert errors.error_record(lambda: None) == [None, ""]
    tf_like = ValueError("{{function_node __wrapped__AddV2}} Incompatible shapes [Op:AddV2]")
    assert errors.error_record(lambda: raise_(tf_like)) == [
        "ValueError",
        "Incompatible shapes [Op:AddV2]",
    ]


def test_error_of_prints_and_returns(capsys: pytest.CaptureFixture[str]) -> None:
    err = errors.error_of(lambda: raise_(ValueError(f"{COLOURED}: one\ntwo")))
    assert isinstance(err, ValueError)
    assert capsys.readouterr().out == "ValueError: ValueError: one\n"
    assert errors.error_of(lambda: None) is None
    assert capsys.readouterr().out == ""
    errors.error_of(lambda: raise_(ValueError("a\n\nb")), show=errors.paragraphs)
    assert capsys.readouterr().out == "ValueError: a\n  b\n"


def test_a_real_keras_error_reads_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    layer = keras.layers.LSTM(2)
    err = errors.error_of(lambda: layer(np.zeros((2, 3), "float32")))
    out = capsys.readouterr().out
    assert isinstance(err, ValueError)
    assert out.startswith("ValueError: Input 0") and "expected ndim=3, found ndim=2" in out
    assert "\x1b" not in out and "Exception encountered" not in out
    assert out.count("\n") == 1
