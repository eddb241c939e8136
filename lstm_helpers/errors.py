"""Errors, read: run a call, catch what it raises and show its message, short and stable.

Keras 3 colours its messages (ANSI codes), repeats the call's arguments after "Arguments
received by …" and wraps errors raised inside a layer in "Exception encountered when calling
…"; TensorFlow's graph errors repeat the Python stack that built the failing node, with the
machine's file paths, and end with an id that counts the functions traced so far. The
formatters here keep the class and the message, without what changes from one machine or
run to the next:

- :func:`first_line`: the class and the first line that says what went wrong;
- :func:`paragraphs`: every paragraph of the message, wrapped, without repeated configurations;
- :func:`graph_error_summary`: a graph error's node and message, without its stack;
- :func:`error_record`: ``[class, message on one line]``, for comparing errors across backends.

:func:`error_of` runs a call and prints the error it raises with one of them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colour codes of Keras's messages


def _plain(err: BaseException) -> str:
    """The error's message without colour codes."""
    return _ANSI.sub("", str(err))


def caught(call: Callable[[], object]) -> Exception | None:
    """Run ``call`` with no arguments; the exception it raises, or None if it returns.

    Raises:
        ValueError: if ``call`` is not callable.
    """
    if not callable(call):
        raise ValueError(f"call must be a function of no arguments; got {call!r}")
    try:
        call()
    except Exception as err:  # the point is which exception it is
        return err
    return None


def first_line(err: BaseException) -> str:
    """``"Class: line"``: the first non-blank line of the message that is not Keras's
    "Exception encountered when calling …" (just the class if there is none)."""
    kept = [s for s in _plain(err).splitlines() if s.strip() and "Exception encountered" not in s]
    return f"{type(err).__name__}: {kept[0]}" if kept else type(err).__name__


def paragraphs(err: BaseException, width: int = 88) -> str:
    """Every paragraph of the message, each on lines of at most ``width`` characters.

    The first paragraph follows the class name; the others are indented by two spaces.
    What follows "Arguments received" and paragraphs that repeat a configuration
    (``config=``) are left out; whitespace within a paragraph is collapsed.

    Raises:
        ValueError: if ``width`` is less than 20.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 20:
        raise ValueError(f"width must be an integer of at least 20; got {width!r}")
    text = _plain(err).split("Arguments received")[0]
    kept = [" ".join(p.split()) for p in text.split("\n\n") if p.strip() and "config=" not in p]
    if not kept:
        return type(err).__name__
    lines = [textwrap.fill(f"{type(err).__name__}: {kept[0]}", width)]
    lines += [
        textwrap.fill(p, width, initial_indent="  ", subsequent_indent="  ") for p in kept[1:]
    ]
    return "\n".join(lines)


def graph_error_summary(err: BaseException) -> str:
    """TensorFlow's message for an error raised inside a traced function, without its stack.

    A graph execution error repeats the Python stack that built the failing node, with the
    file paths of the machine, and ends with an id that counts the functions traced so far.
    This keeps the first line, the node and the message itself; any other error keeps its
    non-blank lines. Colour codes are removed.
    """
    lines = _ANSI.sub("", str(getattr(err, "message", err))).splitlines()
    kept = [
        line.split(" [Op:__inference")[0].replace(" defined at (most recent call last):", "")
        for line in lines
        if line.strip() and not line.startswith("  File ")
    ]
    return f"{type(err).__name__}: " + "\n".join(kept)


def error_record(call: Callable[[], object]) -> list[str | None]:
    """``[class name, message]`` of the error ``call`` raises; ``[None, ""]`` if none.

    The message is on one line, without "Exception encountered when calling …", without
    what follows "Arguments received", and without the ``{{function_node …}}`` name that
    TensorFlow puts before the message of an error raised in a traced function: the part
    that two backends can share. A list, not a tuple, so that a record sent from another
    process as JSON compares equal to one made here.

    Raises:
        ValueError: if ``call`` is not callable.
    """
    err = caught(call)
    if err is None:
        return [None, ""]
    text = _plain(err).split("Arguments received")[0]
    text = re.sub(r"Exception encountered when calling \S+\s*", "", text)
    if text.startswith("{{function_node"):  # TensorFlow's node name
        text = text.split("}}", 1)[1]
    return [type(err).__name__, " ".join(text.split())]


def error_of(
    call: Callable[[], object], show: Callable[[BaseException], str] = first_line
) -> Exception | None:
    """Run ``call``; print the error it raises as ``show`` formats it, and return the error.

    Returns None, and prints nothing, if ``call`` raises nothing: a cell can then assert
    that an error was raised, and of which class.

    Raises:
        ValueError: if ``call`` or ``show`` is not callable.
    """
    if not callable(show):
        raise ValueError(f"show must be a function of an exception; got {show!r}")
    err = caught(call)
    if err is not None:
        print(show(err))
    return err
