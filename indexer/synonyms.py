"""Administrative-legal synonyms, kept as data an administrator edits (``synonyms.txt``).

One group per line, its terms separated by ``|``; ``#`` starts a comment. A query that
names one term of a group finds the pages that name any of them; matches of the words the
person typed rank above those found through a synonym. Matching is on folded words, so a
group applies however the term is typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.folding import fold, nfc, words

if TYPE_CHECKING:
    from indexer.query import Clause

BUILTIN = "synonyms.txt"


@dataclass(frozen=True)
class Synonyms:
    groups: tuple[tuple[str, ...], ...]  # each term NFC, as written in the file

    @classmethod
    def parse(cls, text: str) -> Synonyms:
        groups = []
        for line in nfc(text).splitlines():
            line = line.split("#", 1)[0]
            terms = tuple(t.strip() for t in line.split("|") if words(t))
            if len(terms) > 1:
                groups.append(terms)
        return cls(tuple(groups))

    @classmethod
    def load(cls, path: Path | None = None) -> Synonyms:
        """The installation's file if set, else the list shipped with the archive."""
        if path is not None:
            return cls.parse(path.read_text(encoding="utf-8"))
        return cls.parse(files("indexer").joinpath(BUILTIN).read_text(encoding="utf-8"))

    def _by_words(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for group in self.groups:
            for term in group:
                table.setdefault(tuple(fold(w) for w in words(term)), group)
        return table

    def expand(self, clauses: Sequence[Clause]) -> list[Clause]:
        """Clauses where a run of plain typed words (or a quoted phrase) is a term of a
        group become one clause: that term, or any other term of the group."""
        from indexer.query import Clause, Phrase, _phrase

        table = self._by_words()
        if not table:
            return list(clauses)
        longest = max(len(k) for k in table)

        def plain(clause: Clause) -> Phrase | None:
            only = clause.alternatives[0] if len(clause.alternatives) == 1 else None
            return only if isinstance(only, Phrase) and not clause.negated else None

        out: list[Clause] = []
        i = 0
        while i < len(clauses):
            matched = False
            for size in range(min(longest, len(clauses) - i), 0, -1):
                run = [plain(c) for c in clauses[i : i + size]]
                if any(p is None for p in run):
                    continue
                key = tuple(w for p in run if p is not None for w in p.folded)
                group = table.get(key)
                if group is None or (size > 1 and any(len(p.folded) != 1 for p in run if p)):
                    continue
                typed = Phrase(
                    exact=tuple(w for p in run if p is not None for w in p.exact),
                    folded=key,
                    typed_marks=any(p.typed_marks for p in run if p is not None),
                )
                others = [_phrase(t, synonym=True) for t in group]
                alternatives = [typed] + [o for o in others if o is not None and o.folded != key]
                out.append(Clause(tuple(alternatives)))
                i += size
                matched = True
                break
            if not matched:
                out.append(clauses[i])
                i += 1
        return out
