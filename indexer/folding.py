"""Vietnamese as search compares it: NFC, then a fold that keeps every character's place.

People type without diacritics, in capitals, with decomposed marks (Unikey's "Unicode tổ
hợp", macOS) or with đ typed as d. The fold turns each NFC character into the base letter
of its canonical decomposition and đ/Đ into d/D, one character for one, so a position
found in the folded text is the same position in the original: highlights found on the
fold are drawn on the Vietnamese text without any mapping.

Words are cut here, in the archive, the same way for both search backends (letters and
digits; everything else separates), so FTS5 and Elasticsearch index the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _FoldTable(dict[int, int]):
    """``str.translate`` table filled on first sight of each character."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        if char in "đĐ":
            base = "d" if char == "đ" else "D"
        else:
            decomposed = unicodedata.normalize("NFD", char)
            base = decomposed[0] if len(decomposed) > 1 else char
        self[code] = ord(base)
        return ord(base)


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """``text`` (already NFC) without tone and vowel marks and with đ as d, same length."""
    return text.translate(_FOLD)


# Letters and digits make a word; ``_`` and every other character separate words.
_WORD = re.compile(r"[^\W_]+")


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _WORD.finditer(text):
        yield match.span()


def words(text: str) -> list[str]:
    """The lower-case words of NFC ``text``, with their diacritics."""
    return [m.group().lower() for m in _WORD.finditer(text)]


def folded_words(text: str) -> list[str]:
    return [m.group().lower() for m in _WORD.finditer(fold(text))]


def terms(text: str) -> tuple[str, str]:
    """What an index keeps of NFC ``text``: its words with diacritics, and folded, each
    joined by single spaces (any analyser that splits on spaces sees the same words)."""
    exact = words(text)
    return " ".join(exact), " ".join(w.translate(_FOLD) for w in exact)
