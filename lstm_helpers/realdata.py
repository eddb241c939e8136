"""Moved to :mod:`lstm_helpers.seeds`."""

from lstm_helpers.seeds import copy_name, copy_predictions, side_by_side

__all__ = ["copy_name", "copy_predictions", "side_by_side"]
