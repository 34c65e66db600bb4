"""What the signing stage refuses with: a stable code and the reason in both languages.

Kept free of the core's HTTP-facing errors so the signing modules stay usable on their own
(``archive verify`` needs no archive); ``service.as_archive_error`` turns one into the
core's error where an answer is made.
"""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.code = code
        self.vi = vi
        self.en = en
