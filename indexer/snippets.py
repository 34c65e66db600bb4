"""Snippets: the passage of a page where the query's words are, with those words marked.

Computed here from the page's own text for both backends, so both show the same passage.
The words are found on the fold (same length as the text), and marked on the Vietnamese
text at the same places. The snippet is HTML: the text escaped, matches in ``<mark>``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from indexer.folding import fold, word_spans
from indexer.typos import one_edit_apart

WIDTH = 240  # characters of text around the best cluster of matches


@lru_cache(maxsize=1024)
def _pattern(wanted: frozenset[str]) -> re.Pattern[str]:
    """The wanted words, each a whole word, longest first (one pass over the page)."""
    alternatives = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def _matches(text: str, wanted: frozenset[str], near: frozenset[str]) -> list[tuple[int, int]]:
    folded = fold(text)
    if not near:
        return [m.span() for m in _pattern(wanted).finditer(folded)] if wanted else []
    spans = []
    for start, end in word_spans(folded):
        word = folded[start:end].lower()
        if word in wanted or any(one_edit_apart(word, n) for n in near):
            spans.append((start, end))
    return spans


def snippet(
    text: str, wanted: frozenset[str], *, near: frozenset[str] = frozenset(), width: int = WIDTH
) -> str:
    """The ``width`` characters of ``text`` holding the most matched words (and words one
    edit away from ``near``), as HTML."""
    spans = _matches(text, wanted, near)
    left = 0
    if spans:
        # The window starting a little before the match that has most matches after it.
        best, best_count, j = 0, 0, 0
        for i, (start, _) in enumerate(spans):
            j = max(j, i)
            while j + 1 < len(spans) and spans[j + 1][1] <= start + width:
                j += 1
            if j - i + 1 > best_count:
                best, best_count = i, j - i + 1
        left = max(0, spans[best][0] - width // 4)
    window = (left, min(len(text), left + width))
    left, right = window
    # Do not cut a word in two at either end.
    while left > 0 and text[left - 1].isalnum():
        left -= 1
    while right < len(text) and text[right].isalnum():
        right += 1
    parts = ["…" if left > 0 else ""]
    at = left
    for start, end in spans:
        if start < left or end > right:
            continue
        parts.append(html.escape(text[at:start]))
        parts.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        at = end
    parts.append(html.escape(text[at:right]))
    parts.append("…" if right < len(text) else "")
    return " ".join("".join(parts).split())
