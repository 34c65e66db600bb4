"""One-letter typos: the words one edit away from a word (Damerau: a letter wrong, missing,
extra, or two swapped), over the letters and digits a folded word is made of."""

from __future__ import annotations

import string

LETTERS = string.ascii_lowercase + string.digits
SHORTEST = 3  # shorter words have too many neighbours to guess from


def edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    found |= {a + c + b for a, b in splits for c in LETTERS}
    found.discard(word)
    return {w for w in found if w}


def one_edit_apart(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by exactly one edit (wrong, missing, extra or swapped letter)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]
