"""The two real data sets of the book, read and prepared the way its pages use them.

*Japanese Vowels* (nine speakers, utterances of 7 to 29 frames of 12 coefficients):
:func:`japanese_vowels` reads the files ``sktime`` ships, without importing ``sktime``;
:func:`frame_statistics` and :func:`pad_standardised` standardise the utterances with the
training frames' statistics and pad them into one array.

*Mauna Loa CO₂* (the weekly record ``statsmodels`` ships): :func:`co2_monthly` turns it into
monthly means; :func:`change_windows` cuts any such series of levels into windows of
standardised changes and of levels, split in time (:class:`ChangeWindows`).

The backends and the data libraries (``keras``, ``pandas``, ``statsmodels``) are imported
only when a function needs them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_helpers._validate import check_positive, shape_str
from lstm_helpers.evaluation import chronological_split
from lstm_helpers.windows import levels_from_changes, make_windows, window_count

#: The splits of Japanese Vowels, as its files name them.
VOWEL_SPLITS = ("TRAIN", "TEST")
#: Coefficients per frame of Japanese Vowels.
VOWEL_COEFFICIENTS = 12


def _vowels_folder() -> Path:
    """The folder of the Japanese Vowels ``.ts`` files inside the installed ``sktime``.

    Found with ``importlib.util.find_spec``, so ``sktime`` itself is not imported.

    Raises:
        ValueError: if ``sktime`` is not installed.
    """
    spec = importlib.util.find_spec("sktime")
    if spec is None or spec.origin is None:
        raise ValueError(
            "Japanese Vowels is read from sktime's data folder; sktime is not installed"
        )
    return Path(spec.origin).parent / "datasets" / "data" / "JapaneseVowels"


def japanese_vowels(split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The utterances and speakers of one split of Japanese Vowels.

    Reads ``JapaneseVowels_{split}.ts`` of the UEA multivariate archive, as ``sktime`` ships
    it: plain text, one utterance a line, its 12 coefficients separated by ``:``, each a
    comma-separated series of frames, the speaker (1 to 9) last; lines starting with ``#`` or
    ``@`` are comments and the header.

    Args:
        split: ``"TRAIN"`` (270 utterances, 30 of each speaker) or ``"TEST"`` (370).

    Returns:
        ``(utterances, speakers)``: a list of float32 arrays of shape ``(frames, 12)``, one
        per utterance, and the speakers as integers 0 to 8, shape ``(utterances,)``.

    Raises:
        ValueError: if ``split`` is not ``"TRAIN"`` or ``"TEST"``.
    """
    if split not in VOWEL_SPLITS:
        raise ValueError(f"split must be one of {VOWEL_SPLITS}; got {split!r}")
    text = (_vowels_folder() / f"JapaneseVowels_{split}.ts").read_text()
    rows = [line.strip().split(":") for line in text.splitlines()]
    rows = [row for row in rows if row[0] and row[0][0] not in "#@"]  # data lines
    utterances = [
        np.array([series.split(",") for series in row[:-1]], dtype="float32").T for row in rows
    ]
    return utterances, np.array([int(row[-1]) - 1 for row in rows])


def _check_utterances(name: str, utterances: Sequence[np.ndarray]) -> None:
    if len(utterances) == 0:
        raise ValueError(f"{name} must hold at least one (frames, features) array; got none")
    features = np.shape(utterances[0])[-1] if np.ndim(utterances[0]) == 2 else None
    for i, u in enumerate(utterances):
        shape = np.shape(u)
        if len(shape) != 2 or shape[0] < 1 or shape[1] != features:
            expected = f"(frames, {features})" if features is not None else "(frames, features)"
            raise ValueError(
                f"{name}[{i}] must have shape {expected}; got shape {shape_str(shape)}"
            )


def frame_statistics(utterances: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The mean and standard deviation of each feature over every frame of ``utterances``.

    Pass the training utterances only: the same two arrays then standardise the training
    and the test utterances (:func:`pad_standardised`).

    Args:
        utterances: arrays of shape ``(frames, features)``, any number of frames each.

    Returns:
        ``(centre, scale)``, each of shape ``(features,)``.

    Raises:
        ValueError: if ``utterances`` is empty or its arrays are not ``(frames, features)``
            with one number of features.
    """
    _check_utterances("utterances", utterances)
    frames = np.concatenate(utterances)
    return frames.mean(axis=0), frames.std(axis=0)


def standardised(
    utterances: Sequence[np.ndarray], centre: np.ndarray, scale: np.ndarray
) -> list[np.ndarray]:
    """Each utterance standardised, ``(u - centre) / scale``, its length unchanged.

    Raises:
        ValueError: if the utterances are not ``(frames, features)`` arrays, or ``centre``
            and ``scale`` do not have shape ``(features,)``.
    """
    _check_utterances("utterances", utterances)
    features = np.shape(utterances[0])[1]
    for name, value in (("centre", centre), ("scale", scale)):
        if np.shape(value) != (features,):
            raise ValueError(
                f"{name} must have shape ({features},); got shape {shape_str(np.shape(value))}"
            )
    return [(u - centre) / scale for u in utterances]


def pad_standardised(
    utterances: Sequence[np.ndarray],
    centre: np.ndarray,
    scale: np.ndarray,
    width: int,
    *,
    padding: str = "post",
) -> np.ndarray:
    """Standardise each utterance, then pad it with zero frames into one float32 array.

    The padding is ``keras.utils.pad_sequences``'s, after the utterance (``"post"``) or
    before it (``"pre"``), up to ``width`` frames: the ``(samples, timesteps, features)``
    array an LSTM takes, in which ``Masking(0.0)`` finds the real frames (a standardised
    frame is all zeros only by chance).

    Returns:
        shape ``(len(utterances), width, features)``.

    Raises:
        ValueError: if ``padding`` is not ``"post"`` or ``"pre"``, ``width`` is not a
            positive integer, an utterance is longer than ``width`` (it would be cut), or
            the shapes are as :func:`standardised` rejects.
    """
    import keras

    if padding not in ("post", "pre"):
        raise ValueError(f"padding must be 'post' or 'pre'; got {padding!r}")
    check_positive("width", width)
    scaled = standardised(utterances, centre, scale)
    longest = max(len(u) for u in scaled)
    if longest > width:
        raise ValueError(
            f"width must be at least the longest utterance, {longest} frames; got {width}"
        )
    return np.asarray(
        keras.utils.pad_sequences(scaled, maxlen=width, dtype="float32", padding=padding)
    )


def co2_monthly(*, fill: bool = True) -> Any:
    """The Mauna Loa CO₂ record (ppm) as monthly means, indexed by the first day of the month.

    ``statsmodels.datasets.co2`` holds weekly means, March 1958 to December 2001, some weeks
    without a measurement. Each month is the mean of the weeks measured in it. A month in
    which no week was measured is filled by linear interpolation in time between its
    neighbours; with ``fill=False`` it is left ``NaN``.

    Returns:
        a ``pandas.Series`` of float64, one value per calendar month.
    """
    from statsmodels.datasets import co2  # type: ignore[import-untyped]

    monthly = co2.load_pandas().data["co2"].resample("MS").mean()
    return monthly.interpolate("time") if fill else monthly


@dataclass(frozen=True)
class ChangeWindows:
    """A series of levels cut for forecasting its changes, split in time.

    Window ``i`` reads the changes ``change[i : i + steps]`` and its targets are the next
    ``horizon`` changes; ``x_level[i]`` and ``y_level[i]`` are the levels at the same months
    (``level[1:]`` cut like ``change``, so ``x_level[i, -1]`` is the last level the window
    saw). Made by :func:`change_windows`.
    """

    level: np.ndarray  #: ``(months,)``, the series
    change: np.ndarray  #: ``(months - 1,)``, ``change[t] = level[t + 1] - level[t]``
    steps: int  #: changes each window reads
    horizon: int  #: changes forecast after each window
    train: np.ndarray  #: indices of the training windows, in time order
    val: np.ndarray  #: indices of the validation windows
    test: np.ndarray  #: indices of the test windows
    seen: int  #: the training windows cover ``change[:seen]``, and only those
    mean: float  #: mean of ``change[:seen]``
    std: float  #: standard deviation of ``change[:seen]``
    z: np.ndarray  #: ``(change - mean) / std``, shape ``(months - 1,)``
    x: np.ndarray  #: ``(windows, steps, 1)``, windows of ``z`` (views)
    y: np.ndarray  #: ``(windows, horizon, 1)``, their targets
    x_level: np.ndarray  #: ``(windows, steps, 1)``, the same windows of ``level[1:]``
    y_level: np.ndarray  #: ``(windows, horizon, 1)``, their target levels

    @property
    def count(self) -> int:
        """How many windows there are, in all three parts and in the gaps between them."""
        return len(self.x)

    def to_level(self, level_windows: np.ndarray, z_changes: np.ndarray) -> np.ndarray:
        """Forecast levels from forecast standardised changes, with this scaling.

        :func:`lstm_helpers.windows.levels_from_changes` with ``mean`` and ``std``: the last
        level of each window plus the running sum of the unscaled changes.
        """
        return levels_from_changes(level_windows, z_changes, mean=self.mean, std=self.std)


def change_windows(
    level: np.ndarray, *, steps: int, horizon: int, val: float = 0.15, test: float = 0.15
) -> ChangeWindows:
    """Cut a series of levels into windows of its standardised changes, split in time.

    The windows of ``steps`` changes and the ``horizon`` changes after each are split with
    :func:`lstm_helpers.evaluation.chronological_split` (the first windows train, then
    ``val`` of them validate, the last ``test`` test), with a gap of ``steps + horizon - 1``
    windows between the parts, so that no window of one part shares a change with a window
    of the next (the last training target and the first validation input still share the
    level of the month between them). The changes are standardised with the mean and
    standard deviation of the changes the training windows cover (inputs and targets), and
    of those only.

    Args:
        level: the series, shape ``(months,)``, without ``NaN``.
        steps, horizon: changes read and forecast per window, positive integers.
        val, test: the fractions of the windows that validate and test.

    Returns:
        the windows and the split, as a :class:`ChangeWindows`.

    Raises:
        ValueError: if ``level`` is not 1-D or holds ``NaN``, ``steps`` or ``horizon`` is
            not a positive integer, or the series is too short for the split.
    """
    series = np.asarray(level, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"level must have shape (months,); got shape {shape_str(series.shape)}")
    if np.isnan(series).any():
        raise ValueError(
            f"level must hold no NaN; got {int(np.isnan(series).sum())} (fill the gaps first)"
        )
    check_positive("steps", steps)
    check_positive("horizon", horizon)
    if len(series) < steps + horizon + 1:
        raise ValueError(
            f"level must have at least steps + horizon + 1 = {steps + horizon + 1} months; "
            f"got shape {shape_str(series.shape)}"
        )
    change = np.diff(series)
    n = window_count(len(change), steps, horizon=horizon)
    split = chronological_split(np.arange(n), val=val, test=test, gap=steps + horizon - 1)
    train, val_part, test_part = (part[0] for part in split)
    seen = int(train[-1] + steps + horizon)
    mean, std = float(change[:seen].mean()), float(change[:seen].std())
    z = (change - mean) / std
    x, y = make_windows(z, steps, horizon=horizon)
    x_level, y_level = make_windows(series[1:], steps, horizon=horizon)
    return ChangeWindows(
        level=series,
        change=change,
        steps=steps,
        horizon=horizon,
        train=train,
        val=val_part,
        test=test_part,
        seen=seen,
        mean=mean,
        std=std,
        z=z,
        x=x,
        y=y,
        x_level=x_level,
        y_level=y_level,
    )
