"""The visible stamp a signature carries (Decree 30/2020/NĐ-CP, Appendix I).

The leader's stamp shows name, title, unit and signing time, over their signature image
in blue if they gave one; the clerk's agency stamp carries the red seal image. Text is set
in an embedded Unicode serif (Liberation Serif or Noto Serif): pyHanko's default font is
Courier without Vietnamese glyphs, and an unembedded font breaks PDF/A.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from archive.demo.pdfs import find_serif_fonts

# fontTools reports, per stamp, table it does not subset (FFTM): noise to a clerk.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

VIETNAM = timezone(timedelta(hours=7), "+07:00")

# A stamp's size in points: wide enough for a long unit name in two lines at 8 pt.
WIDTH = 230.0
HEIGHT = 78.0
MARGIN = 56.0  # 2 cm from the page edge
GAP = 8.0  # between two stamps


@dataclass(frozen=True)
class Stamp:
    """What the stamp says and where it goes; ``None`` fields are left out."""

    name: str
    title: str | None = None
    unit: str | None = None
    image: bytes | None = None  # a transparent PNG: the signature in blue, or the red seal
    page: int = -1  # 0-based; negative counts from the end (-1: the last page)
    box: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2 in points
    left_inset: float = 0.0  # room kept free on the left (where the agency's seal goes)

    def lines(self, when: datetime) -> list[str]:
        local = when.astimezone(VIETNAM)
        lines = [f"Ký bởi: {self.name}"]
        if self.title:
            lines.append(f"Chức vụ: {self.title}")
        if self.unit:
            lines.append(f"Cơ quan: {self.unit}")
        lines.append(f"Thời gian ký: {local:%d/%m/%Y %H:%M:%S} +07:00")
        return lines

    def placed(
        self,
        page_width: float,
        page_height: float,
        taken: Sequence[tuple[float, float, float, float]] = (),
    ) -> tuple[int, int, int, int]:
        """The stamp's box: the one given, else bottom right above the margin, moved up
        (then to the next column left) past the boxes already ``taken`` on the page, so a
        later stamp never covers an earlier signature."""
        if self.box is not None:
            x1, y1, x2, y2 = self.box
            return round(x1), round(y1), round(x2), round(y2)
        right = page_width - MARGIN
        while right - WIDTH >= MARGIN:
            bottom = MARGIN
            while bottom + HEIGHT <= page_height - MARGIN:
                box = (right - WIDTH, bottom, right, bottom + HEIGHT)
                if not any(_overlap(box, other) for other in taken):
                    return round(box[0]), round(box[1]), round(box[2]), round(box[3])
                bottom += HEIGHT + GAP
            right -= WIDTH + GAP
        # A page full of stamps: the default place (an overlap is better than no stamp).
        return (
            round(page_width - MARGIN - WIDTH),
            round(MARGIN),
            round(page_width - MARGIN),
            round(MARGIN + HEIGHT),
        )


def _overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    ax1, ax2 = sorted((a[0], a[2]))
    ay1, ay2 = sorted((a[1], a[3]))
    bx1, bx2 = sorted((b[0], b[2]))
    by1, by2 = sorted((b[1], b[3]))
    return ax1 < bx2 and bx1 < ax2 and ay1 < by2 and by1 < ay2


# What a stamp may say: Latin with Vietnamese letters (precomposed and combining), digits,
# punctuation, the đồng sign. The serif is cut down to these once per process: pyHanko
# subsets the font again for every signature, and a small font makes that ~5x cheaper.
_STAMP_CHARACTERS = (
    range(0x20, 0x7F),
    range(0xA0, 0x180),
    range(0x1A0, 0x1B1),
    range(0x300, 0x324),
    range(0x1EA0, 0x1EFA),
    (0x20AB, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026),
)


STAMP_SIZE = 8


@functools.cache
def stamp_font(size: int = STAMP_SIZE) -> GlyphAccumulatorFactory:
    """The serif for text set at ``size`` points: pyHanko shapes text at its font engine's
    size and draws it at the text box's, so the two are given the same (pyHanko #733)."""
    return GlyphAccumulatorFactory(str(_stamp_font(find_serif_fonts().regular)), font_size=size)


def _stamp_font(source: Path) -> Path:
    """``source`` cut down to the stamp's characters, kept in the temporary folder under a
    name that changes with the source, written whole before it is used."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    facts = source.stat()
    key = hashlib.sha256(f"{source}:{facts.st_size}:{facts.st_mtime_ns}".encode()).hexdigest()
    target = Path(tempfile.gettempdir()) / f"case-archive-stamp-1000-{key[:16]}.ttf"
    if target.is_file():
        return target
    options = subset.Options()
    options.layout_features = ["*"]  # keep the shaping tables HarfBuzz places marks with
    options.name_IDs = ["*"]
    options.drop_tables += ["FFTM"]
    font = TTFont(str(source))
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[c for group in _STAMP_CHARACTERS for c in group])
    cutter.subset(font)
    # pyHanko writes the glyph widths (/W) in the font's own units, which PDF reads as
    # thousandths of an em: a TrueType font's 2048 units per em drew every letter twice as
    # wide apart. Scaled to 1000 units per em, the two agree.
    scale_upem(font, 1000)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as out:
        font.save(out)
    os.replace(out.name, target)
    return target


def style_for(stamp: Stamp) -> TextStampStyle:
    """A pyHanko stamp style: the text in the embedded serif, the image behind it."""
    background = None
    if stamp.image is not None:
        from PIL import Image
        from pyhanko.pdf_utils.images import PdfImage

        background = PdfImage(Image.open(io.BytesIO(stamp.image)))
    return TextStampStyle(
        stamp_text="%(lines)s",
        text_box_style=TextBoxStyle(font=stamp_font(), font_size=STAMP_SIZE, leading=10),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(4 + round(stamp.left_inset), 4, 4, 4),
        ),
        background=background,
        background_opacity=1.0,
        border_width=1,
    )
