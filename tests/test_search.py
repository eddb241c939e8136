"""The book's search finds every entry of the error index from a phrase of its message.

Reads the built book's ``searchindex.js`` (the folder in ``BOOK_HTML``, as ``make book`` writes
it) and runs the query the way Sphinx's ``searchtools.js`` does in the browser: split the query
into words, drop English stopwords and bare numbers, stem each word with Sphinx's own English
stemmer (``sphinx.search.en.SearchEnglish``, the Porter stemmer its JavaScript uses too), keep
the pages that hold every word (as a word, or inside a longer one), score them (a word in a
title 15, in the text 5, inside a longer title word 7, inside a longer word 2; a page scores its
best word), add the section titles that contain the whole query, and sort by score. Python
objects of the API page (``objects`` in the index) are not searched: no entry's message names
one.

For every row of ``chapters/errors/index.md`` the query is the row's message (markup removed),
and the index page or the notebook holding the row's section must be among the first results.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from sphinx.search.en import SearchEnglish

ROOT = Path(__file__).resolve().parent.parent
INDEX_PAGE = ROOT / "chapters" / "errors" / "index.md"
INDEX_DOC = "chapters/errors/index"
TOP = 10  # the entry must be among the first TOP results (a screenful)

# Scores of searchtools.js (Sphinx 7.4): Scorer.title, partialTitle, term, partialTerm.
TITLE, PARTIAL_TITLE, TERM, PARTIAL_TERM = 15, 7, 5, 2

SHOWN = re.compile(r"\{ref\}`shown <(?P<label>[a-z0-9-]+)>`")


def _book_index() -> dict[str, Any]:
    html = os.environ.get("BOOK_HTML")
    if not html:
        pytest.skip("BOOK_HTML is not set: build the book first (make book)")
    path = Path(html) / "searchindex.js"
    if not path.is_file():
        pytest.skip(f"no search index at {path}: build the book first (make book)")
    text = path.read_text(encoding="utf-8")
    start, end = text.index("(") + 1, text.rindex(")")
    index: dict[str, Any] = json.loads(text[start:end])
    return index


def _entries() -> list[tuple[str, str]]:
    """(query, label) for every row of the error index's list tables.

    A row starts with ``* - message``; its last item links the section, ``{ref}`shown <label>```.
    """
    entries = []
    message = None
    for line in INDEX_PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("* - "):
            message = re.sub(r"[`*]|\.\.\.", " ", line[4:])
        match = SHOWN.search(line)
        if match and message is not None:
            entries.append((" ".join(message.split()), match["label"]))
            message = None
    return entries


def _label_docs() -> dict[str, str]:
    """Which notebook of chapters/errors defines each section label."""
    docs = {}
    for notebook in sorted((ROOT / "chapters" / "errors").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        for label in re.findall(r"^\(([a-z0-9-]+)\)=", text, flags=re.MULTILINE):
            docs[label] = f"chapters/errors/{notebook.stem}"
    return docs


class SphinxSearch:
    """The full-text part of Sphinx's searchtools.js, in Python."""

    def __init__(self, index: dict[str, Any]) -> None:
        self.index = index
        self.lang = SearchEnglish({})

    def _terms(self, query: str) -> set[str]:
        words = set()
        for word in self.lang.split(query):
            lower = word.lower()
            if lower in self.lang.stopwords or re.fullmatch(r"\d+", word):
                continue
            words.add(self.lang.stem(lower).lower())
        return words

    @staticmethod
    def _files(value: int | list[int] | None) -> list[int]:
        if value is None:
            return []
        return [value] if isinstance(value, int) else list(value)

    def search(self, query: str) -> list[tuple[str, str, str, int]]:
        """(docname, title, anchor, score) of every result, best first."""
        docnames, titles = self.index["docnames"], self.index["titles"]
        results: list[tuple[str, str, str, int]] = []
        query_lower = query.lower().strip()
        for title, found in self.index["alltitles"].items():
            if query_lower in title.lower().strip() and len(query_lower) >= len(title) / 2:
                for file, anchor in found:
                    score = round(TITLE * len(query_lower) / len(title))
                    boost = 1 if titles[file] == title else 0
                    shown = title if titles[file] == title else f"{titles[file]} > {title}"
                    results.append((docnames[file], shown, anchor or "", score + boost))
        results += self._terms_search(self._terms(query))
        results.sort(key=lambda r: r[1].lower())  # equal scores: titles in order
        results.sort(key=lambda r: -r[3])
        return results

    def _terms_search(self, words: set[str]) -> list[tuple[str, str, str, int]]:
        terms, title_terms = self.index["terms"], self.index["titleterms"]
        scores: dict[int, dict[str, int]] = {}
        for word in words:
            records = [(terms.get(word), TERM), (title_terms.get(word), TITLE)]
            if len(word) > 2:
                if word not in terms:
                    records += [(files, PARTIAL_TERM) for t, files in terms.items() if word in t]
                if word not in title_terms:
                    records += [
                        (files, PARTIAL_TITLE) for t, files in title_terms.items() if word in t
                    ]
            for files, score in records:
                for file in self._files(files):
                    scores.setdefault(file, {})[word] = score  # the last record wins, as in JS
        needed = {len(words), len([w for w in words if len(w) > 2])}
        return [
            (self.index["docnames"][f], self.index["titles"][f], "", max(s.values()))
            for f, s in scores.items()
            if len(s) in needed
        ]


ENTRIES = _entries()


def test_the_index_has_its_entries() -> None:
    labels = _label_docs()
    assert len(ENTRIES) >= 40
    missing = [label for _, label in ENTRIES if label not in labels]
    assert not missing, f"index rows whose section is in no notebook: {missing}"


@pytest.mark.parametrize(("query", "label"), ENTRIES, ids=[label for _, label in ENTRIES])
def test_search_finds_the_entry(query: str, label: str) -> None:
    search = SphinxSearch(_book_index())
    wanted = {INDEX_DOC, _label_docs()[label]}
    results = search.search(query)
    top = [doc for doc, *_ in results[:TOP]]
    assert wanted & set(top), f"{query!r}: first results {results[:TOP]}"
