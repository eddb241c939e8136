"""The book's search finds each error of the error index from a phrase of the message itself.

Reads the built book's ``searchindex.js`` (the folder in ``BOOK_HTML``, as ``make book`` writes
it) and runs the query the way Sphinx's ``searchtools.js`` does in the browser: split the query
into words, drop English stopwords and bare numbers, stem each word with Sphinx's own English
stemmer (``sphinx.search.en.SearchEnglish``, the Porter stemmer its JavaScript uses too), keep
the pages that hold every word (as a word, or inside a longer one), score them (a word in a
title 15, in the text 5, inside a longer title word 7, inside a longer word 2; a page scores its
best word), add the section titles that contain the whole query, and sort by score. Python
objects of the API page (``objects`` in the index) are not searched: no entry's message names
one.

The queries do not come from the index page: for every section (of ``chapters/errors``, or of
another chapter that shows the error) that the index links and whose cells raise (or print a
graph execution error), the query is the start of the message as Keras printed it in the
stored output, and the notebook holding that section (not only the index page, which quotes
most messages too) must be among the first results.
Sections whose failure is silent have no message to search for; they are listed and counted.

Known limits of Sphinx's search: the word "one" stems to "on", a stopword the index leaves
out, so a query holding "one" finds no page; and a message made only of words that many page
titles hold ranks below those pages. ``PHRASES`` gives such messages another phrase of the
same message (the test checks that it occurs in it).
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
ANSI = re.compile(r"\x1b\[[0-9;]*m")
WORDS = 40  # the query: the message's first line, cut to its first WORDS words

# Messages whose start Sphinx's search cannot find: another phrase of the same message.
# Two limits meet here. The word "one" stems to "on", which the index leaves out, so a query
# holding "one" finds no page. And a message made only of words that many page titles hold
# ("batch", "size", "stateful", "input", "state") ranks below those pages.
PHRASES: dict[str, str] = {
    # "... after one iteration": the "one" limit
    "errors-stateful-fit-batch1": "enters the loop with shape (1, 4), but has shape (None, 4)",
    # "If an RNN is stateful, the batch size of the input sequences must be the same as the
    # batch size of the initial state.": common words only, 15th; the sizes it names:
    "errors-stateful-batch-size": "Expected batch size: 4\n- Received batch size: 6",
    "errors-stateful-predict-short": "Expected batch size: 4\n- Received batch size: 1",
}


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


def _index_labels() -> list[str]:
    """The sections the index's rows link as ``{ref}`shown <label>```, in order."""
    labels: list[str] = []
    for match in SHOWN.finditer(INDEX_PAGE.read_text(encoding="utf-8")):
        if match["label"] not in labels:
            labels.append(match["label"])
    return labels


def _sections() -> dict[str, tuple[str, list[str]]]:
    """For each section label of the book's notebooks: its notebook, and the error messages
    stored in its cells' outputs (an exception's message, or a printed ``...Error: ...``
    summary). The index links sections of chapters/errors and, for errors another chapter
    shows, sections of that chapter."""
    sections: dict[str, tuple[str, list[str]]] = {}
    for notebook in sorted((ROOT / "chapters").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in notebook.parts:
            continue
        doc = notebook.relative_to(ROOT).with_suffix("").as_posix()
        label = None
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                found = re.findall(r"^\(([a-z0-9-]+)\)=", source, flags=re.MULTILINE)
                if found:
                    label = found[0]
                    sections[label] = (doc, [])
                continue
            if label is None:
                continue
            if source.startswith("check_targets("):
                continue  # the book's own check, not a message of Keras
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    sections[label][1].append(ANSI.sub("", output["evalue"]))
                elif output["output_type"] == "stream":
                    text = "".join(output["text"])
                    if re.match(r"\w+Error: ", text):
                        sections[label][1].append(text)
    return sections


def _message_start(message: str) -> str:
    """The first line of a message that says what went wrong, cut to WORDS words.

    Skips Keras's "Exception encountered when calling X.call()." and, for TensorFlow's
    "Graph execution error:", the line naming the node.
    """
    lines = [line for line in message.splitlines() if line.strip()]
    if lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        lines = lines[1:]  # Keras's generic first line; the message is the next one
    first = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", lines[0])  # TensorFlow's op name
    if first.endswith("Graph execution error:") and len(lines) > 2:
        first = lines[2]  # the line after "Detected at node ...": "Incompatible shapes: ..."
    return " ".join(first.split()[:WORDS])


def _entries() -> list[tuple[str, str, str]]:
    """(label, notebook, query) for every index section that stores an error message."""
    sections = _sections()
    entries = []
    for label in _index_labels():
        doc, messages = sections[label]
        if messages:
            entries.append((label, doc, PHRASES.get(label, _message_start(messages[0]))))
    return entries


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
    sections = _sections()
    labels = _index_labels()
    missing = [label for label in labels if label not in sections]
    assert not missing, f"index rows whose section is in no notebook: {missing}"
    assert len(labels) >= 40
    silent = [label for label in labels if not sections[label][1]]
    assert len(ENTRIES) + len(silent) == len(labels) and len(ENTRIES) >= 35, silent


def test_phrases_are_parts_of_their_messages() -> None:
    sections = _sections()
    for label, phrase in PHRASES.items():
        assert any(phrase in message for message in sections[label][1]), (label, phrase)


@pytest.mark.parametrize(("label", "doc", "query"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_search_finds_the_message(label: str, doc: str, query: str) -> None:
    search = SphinxSearch(_book_index())
    results = search.search(query)
    top = [found for found, *_ in results[:TOP]]
    assert doc in top, f"{label}: {query!r}: first results {results[:TOP]}"
