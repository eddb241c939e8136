"""Fixed-width text tables, for outputs that print the same in every terminal and notebook."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def text_table(
    head: Sequence[str], body: Sequence[Sequence[str]], *, right: Collection[int] = ()
) -> list[str]:
    """The lines of a table: header, a rule, then one line per row.

    Columns are padded to their widest cell and joined by two spaces; the columns whose
    indices are in ``right`` are right-aligned. Trailing spaces are removed.

    Raises:
        ValueError: if a row has not as many cells as ``head``.
    """
    for row in body:
        if len(row) != len(head):
            raise ValueError(f"every row must have {len(head)} cells; got a row of {len(row)}")
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return [line(head), rule, *(line(r) for r in body)]
