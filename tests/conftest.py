"""Shared fixtures: the book's environment, set once per test process."""

from __future__ import annotations

import lstm_helpers

lstm_helpers.setup(show_versions=False)
