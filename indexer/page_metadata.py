"""Read a Vietnamese administrative document's metadata from its page layout (Decree 30/2020).

Decree 30/2020/NĐ-CP, Appendix I, fixes where each element of an official document sits:

* top left, the issuing body (cơ quan ban hành), its parent body (cơ quan chủ quản) on the
  line above when it has one, then ``Số: 125/QĐ-XPHC`` (number and symbol), and for a công
  văn the trích yếu ``V/v …`` under the number;
* top right, the national name and motto (``CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM`` /
  ``Độc lập - Tự do - Hạnh phúc``), then ``Phủ Lý, ngày 05 tháng 01 năm 2024`` (place and
  date, the day always before the month);
* centred and bold below the header, the document type (``QUYẾT ĐỊNH``) and the trích yếu
  (``Về việc …``); some papers print both on one mixed-case line ("Quyết định xử phạt vi
  phạm hành chính đối với …"), which is split after the leading type name;
* on the last page, bottom right, the signer's authority and title in bold upper case
  (``KT. CHỦ TỊCH`` / ``PHÓ CHỦ TỊCH``), room for the signature, then the name in bold.

:func:`read_metadata` reads those places from pdfplumber's words (text with font and
coordinates) on the first and the last page only. A page without the national motto at its
top is not Decree 30 layout: every field is then None. Text is NFC-normalised.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber

__all__ = ["DOCUMENT_TYPES", "PageMetadata", "UnreadablePdfError", "read_metadata"]


@dataclass(frozen=True)
class PageMetadata:
    """What the first page's header and the last page's signature block say.

    ``issuer`` is the top-left block as printed, one line per printed line ("\\n" between
    them), the parent body's line first when there is one. ``signer_title`` keeps its
    printed lines the same way ("KT. CHỦ TỊCH\\nPHÓ CHỦ TỊCH"). A field that is not printed,
    or not where Decree 30 puts it, is None.
    """

    issuer: str | None = None
    number: str | None = None
    place: str | None = None
    issued_on: date | None = None
    doc_type: str | None = None
    summary: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None


class UnreadablePdfError(ValueError):
    """The file is not a PDF that pdfplumber can open and read (damaged, encrypted, not PDF)."""


#: Names of document types that may open a one-line mixed-case title ("Quyết định xử phạt…"),
#: longest first within a shared start. Decree 30 Appendix III lists the administrative ones;
#: court papers (bản án) and citizens' papers (đơn) are added. A title printed on its own
#: upper-case line needs no entry here.
DOCUMENT_TYPES: tuple[str, ...] = (
    "NGHỊ QUYẾT",
    "QUYẾT ĐỊNH",
    "CHỈ THỊ",
    "QUY CHẾ",
    "QUY ĐỊNH",
    "THÔNG CÁO",
    "THÔNG BÁO",
    "HƯỚNG DẪN",
    "CHƯƠNG TRÌNH",
    "KẾ HOẠCH",
    "PHƯƠNG ÁN",
    "ĐỀ ÁN",
    "DỰ ÁN",
    "BÁO CÁO",
    "BIÊN BẢN",
    "BIÊN LAI",
    "TỜ TRÌNH",
    "HỢP ĐỒNG",
    "CÔNG VĂN",
    "CÔNG ĐIỆN",
    "BẢN GHI NHỚ",
    "BẢN THỎA THUẬN",
    "BẢN ÁN",
    "BẢN ẢNH",
    "GIẤY ỦY QUYỀN",
    "GIẤY MỜI",
    "GIẤY GIỚI THIỆU",
    "GIẤY NGHỈ PHÉP",
    "GIẤY XÁC NHẬN",
    "PHIẾU GỬI",
    "PHIẾU CHUYỂN",
    "PHIẾU BÁO",
    "PHIẾU ĐỀ XUẤT",
    "THƯ CÔNG",
    "VĂN BẢN",
    "ĐƠN",
)

# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

# Vowel + tone spellings that differ between old and new style ("HOÀ"/"HÒA", "UỶ"/"ỦY"):
# compared only after folding both to the new style.
_OLD_STYLE = {
    "OÀ": "ÒA",
    "OÁ": "ÓA",
    "OẢ": "ỎA",
    "OÃ": "ÕA",
    "OẠ": "ỌA",
    "UỶ": "ỦY",
    "UÝ": "ÚY",
    "UỲ": "ÙY",
    "UỸ": "ŨY",
    "UỴ": "ỤY",
}


def _nfc(text: str) -> str:
    # U+00D0 (Icelandic eth) is what some legacy Vietnamese fonts map "Đ" to.
    return unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110")


def _fold(text: str) -> str:
    """Upper case, new-style tone marks, no spaces: for comparing fixed phrases."""
    folded = re.sub(r"\s+", "", _nfc(text).upper())
    for old, new in _OLD_STYLE.items():
        folded = folded.replace(old, new)
    return folded


def _is_upper(text: str) -> bool:
    return any(c.isalpha() for c in text) and text == text.upper()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


_MOTTO = _fold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
_NUMBER = re.compile(r"^Số\s*:?\s*(\S.*)$", re.IGNORECASE)
_DATE = re.compile(
    r"^(?P<place>.*?)[,\s]*\bngày\s+(?P<day>\d{1,2})\s+tháng\s+(?P<month>\d{1,2})"
    r"\s+năm\s+(?P<year>\d{4})",
    re.IGNORECASE,
)
_UNDATED = re.compile(r"^(?P<place>.*?)[,\s]*\bngày\b", re.IGNORECASE)
_VV = re.compile(r"^V/v\b", re.IGNORECASE)

# --------------------------------------------------------------------------------------------
# Lines of words
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seg:
    """A run of words on one printed line with no wide gap: one column's line."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    italic: bool

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def _is_bold(fontname: str) -> bool:
    name = fontname.lower()
    return any(mark in name for mark in ("bold", "black", "heavy", ",b", "-b"))


def _is_italic(fontname: str) -> bool:
    name = fontname.lower()
    return "italic" in name or "oblique" in name or ",i" in name


def _segments(words: Sequence[dict[str, Any]], column: float | None = None) -> list[list[_Seg]]:
    """Words grouped into printed lines (top to bottom), each split into column segments.

    Segments split at wide gaps, and at ``column`` (an x) when given: the header's two
    columns may come closer than a wide gap when a long line fills the left one.
    """
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (float(w["top"]), float(w["x0"]))):
        size = float(word.get("size") or 10.0)
        if rows and abs(float(word["top"]) - float(rows[-1][0]["top"])) <= max(2.0, size * 0.25):
            rows[-1].append(word)
        else:
            rows.append([word])
    lines: list[list[_Seg]] = []
    for row in rows:
        row.sort(key=lambda w: float(w["x0"]))
        runs: list[list[dict[str, Any]]] = [[row[0]]]
        for word in row[1:]:
            prev = runs[-1][-1]
            size = max(float(word.get("size") or 10.0), float(prev.get("size") or 10.0))
            gap = float(word["x0"]) - float(prev["x1"])
            crossing = column is not None and float(prev["x0"]) < column <= float(word["x0"])
            # A line crossing the column with an ordinary word space (a long date line) is
            # one line; the left block's end and the motto's start are further apart.
            if gap > size * 1.6 or (crossing and gap > size * 0.5):
                runs.append([word])
            else:
                runs[-1].append(word)
        lines.append([_seg(run) for run in runs])
    return lines


def _seg(run: Sequence[dict[str, Any]]) -> _Seg:
    text = _nfc(" ".join(str(w["text"]) for w in run)).strip()
    fonts = [str(w.get("fontname") or "") for w in run]
    return _Seg(
        text=re.sub(r"\s+", " ", text),
        x0=min(float(w["x0"]) for w in run),
        x1=max(float(w["x1"]) for w in run),
        top=min(float(w["top"]) for w in run),
        bottom=max(float(w["bottom"]) for w in run),
        size=max(float(w.get("size") or 10.0) for w in run),
        bold=all(_is_bold(f) for f in fonts),
        italic=sum(_is_italic(f) for f in fonts) * 2 > len(fonts),
    )


def _all(lines: Iterable[list[_Seg]]) -> list[_Seg]:
    return [seg for line in lines for seg in line]


# --------------------------------------------------------------------------------------------
# First page: header and title
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    issuer: str | None
    number: str | None
    place: str | None
    issued_on: date | None
    doc_type: str | None
    summary: str | None


def _find_motto(words: Sequence[dict[str, Any]], height: float) -> float | None:
    """The x where the national name begins, when it is printed near the top of the page."""
    ordered = sorted(
        (w for w in words if float(w["top"]) <= height * 0.3),
        key=lambda w: (round(float(w["top"])), float(w["x0"])),
    )
    texts = [_fold(str(w["text"])) for w in ordered]
    for i, text in enumerate(texts):
        if not _MOTTO.startswith(text) or not text:
            continue
        joined = ""
        for following in texts[i:]:
            joined += following
            if not _MOTTO.startswith(joined):
                break
            if joined == _MOTTO:
                return float(ordered[i]["x0"])
    return None


def _read_date(text: str) -> tuple[str | None, date | None]:
    match = _DATE.match(text)
    if match is None:
        undated = _UNDATED.match(text)
        place = undated.group("place").strip(" ,") if undated else ""
        return place or None, None
    place = match.group("place").strip(" ,") or None
    try:
        # Decree 30: "ngày D tháng M năm YYYY", the day always first.
        on = date(int(match.group("year")), int(match.group("month")), int(match.group("day")))
    except ValueError:
        on = None
    return place, on


def _split_title(text: str) -> tuple[str | None, str | None]:
    """ "Quyết định xử phạt …" -> ("QUYẾT ĐỊNH", "Xử phạt …"); no known type: (None, text)."""
    folded = _fold(text)
    best: str | None = None
    for name in DOCUMENT_TYPES:
        if folded.startswith(_fold(name)) and (best is None or len(name) > len(best)):
            best = name
    if best is None:
        return None, text
    words = len(best.split())
    parts = text.split(" ")
    rest = " ".join(parts[words:]).strip()
    if _fold(" ".join(parts[:words])) != _fold(best):
        return None, text  # the type name runs into the next word ("Đơnvị…")
    return best, _capitalise(rest) or None


def _title_block(
    segs: list[_Seg], below: float, width: float, rules: Sequence[float]
) -> list[_Seg]:
    """The bold centred lines right below the header (type and trích yếu)."""
    block: list[_Seg] = []
    for seg in segs:
        if seg.top < below:
            continue
        centred = width * 0.40 <= seg.centre <= width * 0.62
        if not (seg.bold and centred) or seg.text.lower().startswith("kính gửi"):
            break
        if block:
            prev = block[-1]
            if seg.top - prev.bottom > max(seg.size, prev.size) * 0.9:
                break
            if any(prev.bottom - 1 <= y <= seg.top + 1 for y in rules):
                break
        block.append(seg)
        if len(block) >= 8:
            break
    return block


def _read_header(
    width: float, height: float, words: Sequence[dict[str, Any]], rules: Sequence[float]
) -> _Header | None:
    column = _find_motto(words, height)
    if column is None:
        return None
    # A letterhead fills the left column; a private paper centres the motto instead.
    split = column - 1.0
    top_zone = height * 0.45
    header_lines = _segments([w for w in words if float(w["top"]) <= top_zone], split)
    motto = next(
        (s for s in _all(header_lines) if abs(s.x0 - column) < 1 and _MOTTO in _fold(s.text)),
        None,
    )
    if motto is None:
        return None
    lines = _segments(words)
    segs = _all(header_lines)
    right = [s for s in segs if s.centre > column and s.top > motto.top]
    # The letterhead starts level with the national name, never well above it.
    left = [s for s in segs if s.x1 <= split + 2.0 and s.top >= motto.top - 2 * motto.size]

    dated: _Seg | None = None
    date_text = ""
    for i, seg in enumerate(right):
        if re.search(r"\bngày\b", seg.text, re.IGNORECASE) and re.match(
            r"^[^\d]*ngày", seg.text, re.IGNORECASE
        ):
            dated = seg
            date_text = seg.text
            if not re.search(r"năm\s+\d{4}", date_text) and i + 1 < len(right):
                date_text += " " + right[i + 1].text  # wrapped onto a second line
            break
    place, issued_on = _read_date(date_text) if dated else (None, None)

    number_seg = next((s for s in left if _NUMBER.match(s.text) and s.top > motto.top - 2), None)
    number = None
    if number_seg is not None:
        found = _NUMBER.match(number_seg.text)
        assert found is not None
        number = re.sub(r"\s+", "", found.group(1)) or None

    # The issuing block ends above the number row (or the date row when unnumbered).
    stop = min(
        (s.top for s in (number_seg, dated) if s is not None),
        default=motto.bottom + 3 * motto.size,
    )
    issuer_lines = [s.text for s in left if s.bottom <= stop + 1 and s.text]
    issuer = "\n".join(issuer_lines) if issuer_lines else None

    # Công văn: the trích yếu "V/v …" sits under the number, in the left column.
    vv: list[_Seg] = []
    if number_seg is not None:
        for seg in left:
            if seg.top <= number_seg.top:
                continue
            if not vv:
                if not _VV.match(seg.text) or seg.top - number_seg.bottom > 2.5 * seg.size:
                    break
            elif seg.top - vv[-1].bottom > seg.size * 0.9:
                break
            vv.append(seg)

    header_end = max([motto.bottom, *(s.bottom for s in (number_seg, dated, *vv) if s is not None)])
    block = _title_block(_all(lines), header_end + 0.5, width, rules)
    doc_type, summary = _interpret_title([s.text for s in block])
    if doc_type is None and vv:
        doc_type, summary = "CÔNG VĂN", " ".join(s.text for s in vv)
    return _Header(issuer, number, place, issued_on, doc_type, summary)


def _interpret_title(texts: list[str]) -> tuple[str | None, str | None]:
    if not texts:
        return None, None
    if _is_upper(texts[0]):
        # Only the leading upper-case lines name the type; whatever follows is the trích yếu.
        heads = next((i for i, t in enumerate(texts) if not _is_upper(t)), len(texts))
        # … up to an upper-case line again (an authority line printed without a rule above).
        ends = next((i for i in range(heads, len(texts)) if _is_upper(texts[i])), len(texts))
        rest = " ".join(texts[heads:ends]).strip()
        return " ".join(texts[:heads]), rest or None
    return _split_title(" ".join(texts))


def _horizontal_rules(page: Any) -> list[float]:
    """The y (top) of thin horizontal lines drawn on the page (rules under titles)."""
    ys: list[float] = []
    for edge in [*page.lines, *page.rects]:
        if abs(float(edge["bottom"]) - float(edge["top"])) <= 2.0:
            ys.append((float(edge["top"]) + float(edge["bottom"])) / 2)
    return ys


# --------------------------------------------------------------------------------------------
# Last page: signature block
# --------------------------------------------------------------------------------------------


def _read_signer(width: float, lines: list[list[_Seg]]) -> tuple[str | None, str | None]:
    right = [s for s in _all(lines) if s.x0 >= width * 0.40 and s.centre >= width * 0.55 and s.text]
    right.sort(key=lambda s: s.top)
    # Bottom up: the last bold line of the right column is the name (or, unsigned, a title).
    bold = [s for s in right if s.bold and not _hint(s.text)]
    if not bold:
        return None, None
    last = bold[-1]
    name: str | None = None
    above = [s for s in bold if s.top <= last.top + 0.5 and s is not last]
    if _is_upper(last.text):
        above.append(last)  # no name printed (a draft): the block ends with its title
    else:
        name = last.text
    titles: list[_Seg] = []
    for seg in reversed(above):
        if not _is_upper(seg.text):
            break
        if titles:
            lower = titles[-1]
            if lower.top - seg.bottom > max(seg.size, lower.size) * 0.9:
                break
            if abs(lower.centre - seg.centre) > width * 0.12:
                break
        elif name is not None and not _near_name(seg, last, width):
            break
        titles.append(seg)
    if not titles:
        return None, name if name is not None and _looks_like_name(name) else None
    title = "\n".join(s.text for s in reversed(titles))
    return title, name


def _hint(text: str) -> bool:
    """ "(Ký, ghi rõ họ tên)", "(Đã ký)": instructions and marks, not the signer's words."""
    return text.startswith("(") and text.endswith(")")


def _near_name(title: _Seg, name: _Seg, width: float) -> bool:
    # The signature space is some centimetres; a title far above the name belongs elsewhere.
    return name.top - title.bottom <= 12 * title.size and abs(title.centre - name.centre) <= (
        width * 0.12
    )


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 6 and all(w[:1].isupper() for w in words)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

_EMPTY = PageMetadata()


def _page_words(page: Any) -> list[dict[str, Any]]:
    words: list[dict[str, Any]] = page.extract_words(
        extra_attrs=["fontname", "size"], keep_blank_chars=False
    )
    return words


def read_metadata(path: Path) -> PageMetadata:
    """The Decree 30 metadata printed on the PDF at ``path`` (first and last page only).

    Fields the layout does not show are None; a PDF that is not Decree 30 layout (no national
    motto at the top of its first page) gives a :class:`PageMetadata` of Nones. Raises
    ``OSError`` when the file cannot be read and :class:`UnreadablePdfError` when it is not a
    PDF pdfplumber can parse.
    """
    with path.open("rb") as stream:  # OSError (missing file, no permission) goes to the caller
        try:
            pdf = pdfplumber.open(stream)
        except Exception as exc:
            raise UnreadablePdfError(f"{path}: {exc!r}") from exc
        with pdf:
            try:
                # Page objects are cheap; only the two pages read here get their content parsed.
                pages = pdf.pages
                if not pages:
                    return _EMPTY
                first = pages[0]
                size = (float(first.width), float(first.height))
                first_words = _page_words(first)
                rules = _horizontal_rules(first)
            except Exception as exc:
                raise UnreadablePdfError(f"{path}: {exc!r}") from exc
            header = _read_header(*size, first_words, rules)
            if header is None:
                return _EMPTY
            last = pages[-1]
            try:
                last_words = first_words if last is first else _page_words(last)
            except Exception as exc:
                raise UnreadablePdfError(f"{path}: {exc!r}") from exc
            signer_title, signer_name = _read_signer(float(last.width), _segments(last_words))
    return PageMetadata(
        issuer=header.issuer,
        number=header.number,
        place=header.place,
        issued_on=header.issued_on,
        doc_type=header.doc_type,
        summary=header.summary,
        signer_title=signer_title,
        signer_name=signer_name,
    )
