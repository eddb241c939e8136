"""nbval compares the stored figures too.

nbval leaves ``image/png`` out of its comparison unless it runs with nbdime. The book's
figures are drawn deterministically (fixed seeds, one thread per op, pinned Matplotlib
and fonts), so each PNG is byte-identical on every run: compare it as any output.
"""

from __future__ import annotations

from typing import Any

from nbval.plugin import IPyNbFile

_init = IPyNbFile.__init__


def _compare_images(self: IPyNbFile, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    images = ("image/png", "image/jpeg")
    self.skip_compare = tuple(k for k in self.skip_compare if k not in images)


IPyNbFile.__init__ = _compare_images  # type: ignore[method-assign]
