"""What a person typed, read as a search: words ANDed, "phrases", OR, -word, dates, numbers.

- ``quyết định đặng`` — every word must be on the page (or in the document's or dossier's
  details), with or without diacritics, in any case; a word typed with its diacritics
  ranks the pages that carry them above those that match only without.
- ``"xử phạt hành chính"`` — the words in this order.
- ``buôn lậu OR hàng giả`` — either side (OR in capitals joins the words beside it).
- ``-nháp`` — no page with this word.
- ``125/QĐ-XPHC``, ``125/qd-xphc`` — a word with separators inside is a phrase of its parts,
  so decision numbers are found however they are typed (``125 QĐ XPHC`` finds them too).
- ``26/5/2023``, ``ngày 26 tháng 5 năm 2023``, ``tháng 5 năm 2023``, ``5/2023`` — a date or a
  month, whichever way the document writes it.
- Topic words carry their synonyms (``synonyms.txt``): ``buôn lậu`` also finds ``nhập lậu``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.dates import find_dates
from indexer.folding import fold, nfc, words
from indexer.synonyms import Synonyms


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in order: as typed (lower case, NFC) and folded. One word is a phrase of one."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]
    typed_marks: bool  # the person typed diacritics: exact matches rank higher
    synonym: bool = False  # came from the synonym list, not from the person
    fuzzy: bool = False  # a word the index does not know: also match words one edit away
    # A known word that may still be a typo for another ("than" for "thanh"): typed without
    # diacritics in a short query whose words the index never holds side by side. Its
    # near spellings count only beside the words typed next to it.
    doubtful: bool = False

    @property
    def near(self) -> bool:
        """Its near spellings are searched for too (a word, misspelt or doubtful)."""
        return (self.fuzzy or self.doubtful) and len(self.folded) == 1


@dataclass(frozen=True, slots=True)
class DateToken:
    token: str  # d20230526 or m202305, as indexed in the ``dates`` field


Alternative = Phrase | DateToken


@dataclass(frozen=True, slots=True)
class Clause:
    """One thing the page must (or, negated, must not) hold: any of its alternatives."""

    alternatives: tuple[Alternative, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    clauses: tuple[Clause, ...] = field(default=())

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)

    @property
    def negative(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.negated)

    @property
    def empty(self) -> bool:
        return not self.positive

    def highlight_words(self) -> frozenset[str]:
        """Folded words a snippet marks (negated ones are never on a hit's page)."""
        return frozenset(
            w
            for c in self.positive
            for a in c.alternatives
            if isinstance(a, Phrase)
            for w in a.folded
        )

    def near_words(self) -> frozenset[str]:
        """Folded words whose near spellings are searched for too (misspelt or doubtful):
        a snippet marks the words one edit away from them."""
        return frozenset(
            a.folded[0]
            for c in self.positive
            for a in c.alternatives
            if isinstance(a, Phrase) and a.near
        )

    def proximity_words(self) -> tuple[str, ...]:
        """The folded words of the plain typed clauses, in order: pages holding them side
        by side (as typed) rank above pages holding them apart. Empty if fewer than two."""
        found: list[str] = []
        for c in self.positive:
            first = c.alternatives[0]
            if isinstance(first, Phrase) and not first.fuzzy:
                found += first.folded
        return tuple(found) if len(found) > 1 else ()

    def beside_fuzzy(self) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
        """For each positive clause holding a misspelt (or doubtful) word: the folded words
        typed just before and just after it (plain words only). A near spelling counts only
        where it stands beside one of them as typed — "Lê Văn Lng" finds "Lê Văn Long", while a
        name that is not in the archive does not find every page with a word one letter from
        it."""
        positive = self.positive

        def plain(i: int) -> tuple[str, ...]:
            if not 0 <= i < len(positive) or len(positive[i].alternatives) != 1:
                return ()
            first = positive[i].alternatives[0]
            return first.folded if isinstance(first, Phrase) and not first.fuzzy else ()

        return {
            i: (plain(i - 1), plain(i + 1))
            for i, c in enumerate(positive)
            if any(isinstance(a, Phrase) and a.near for a in c.alternatives)
        }

    def plain_runs(self) -> list[list[int]]:
        """Runs of consecutive positive clauses that are each one plain typed word (no OR,
        no synonym, no date), by clause index: the words a person typed side by side."""
        runs: list[list[int]] = [[]]
        for i, c in enumerate(self.positive):
            first = c.alternatives[0]
            single = (
                len(c.alternatives) == 1
                and isinstance(first, Phrase)
                and len(first.folded) == 1
                and not first.synonym
            )
            if single:
                runs[-1].append(i)
            elif runs[-1]:
                runs.append([])
        return [r for r in runs if r]


MAX_CLAUSES = 32
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _phrase(text: str, *, synonym: bool = False) -> Phrase | None:
    exact = tuple(words(text))
    if not exact:
        return None
    return Phrase(
        exact=exact,
        folded=tuple(fold(w) for w in exact),
        typed_marks=fold(text) != text,
        synonym=synonym,
    )


def _with_dates(raw: str) -> list[tuple[str, str | None]]:
    """The query cut into plain text and dates: (text, date token or None)."""
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for start, end, token in find_dates(raw):
        pieces.append((raw[at:start], None))
        pieces.append((raw[start:end], token))
        at = end
    pieces.append((raw[at:], None))
    return pieces


def parse(raw: str, synonyms: Synonyms | None = None) -> Query:
    text = nfc(raw).strip()
    groups: list[list[tuple[Alternative, ...]]] = []  # OR-joined runs of items
    negated: list[tuple[Alternative, ...]] = []
    join_next = False
    for piece, date_token in _with_dates(text):
        if date_token is not None:
            alternatives: tuple[Alternative, ...] = (DateToken(date_token),)
            phrase = _phrase(piece)
            if phrase is not None:
                alternatives += (phrase,)
            if join_next and groups:
                groups[-1].append(alternatives)
            else:
                groups.append([alternatives])
            join_next = False
            continue
        for match in _TOKEN.finditer(piece):
            minus, quoted, bare = match.groups()
            if bare == "OR":
                join_next = bool(groups)
                continue
            if bare is not None and bare.startswith("-") and len(bare) > 1:
                minus, bare = "-", bare[1:]
            phrase = _phrase(quoted if quoted is not None else bare or "")
            if phrase is None:
                continue
            if minus:
                negated.append((phrase,))
                join_next = False
                continue
            if join_next and groups:
                groups[-1].append((phrase,))
            else:
                groups.append([(phrase,)])
            join_next = False
    clauses = [Clause(tuple(a for alt in group for a in alt)) for group in groups]
    if synonyms is not None:
        clauses = synonyms.expand(clauses)
    clauses += [Clause(alt, negated=True) for alt in negated]
    return Query(text, tuple(clauses[:MAX_CLAUSES]))
