"""Scanned pages for tests: Vietnamese text drawn with the demo's embedded serif font,
rasterised by pdftoppm in grey, turned a little and sprinkled with noise by Pillow, and
wrapped as a JPEG image into a PDF with no text layer."""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from archive.demo.pdfs import registered_serif_fonts

DPI = 200


def scan_image(
    lines: Sequence[str], *, dpi: int = DPI, rotate: float = 0.4, noise: float = 10.0
) -> Image.Image:
    """One A4 page of ``lines`` as an office scanner gives it: grey, a little askew, noisy."""
    font = registered_serif_fonts().regular
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(font, 13)
    y = 780.0
    for line in lines:
        page.drawString(60, y, line)
        y -= 22
    page.showPage()
    page.save()
    with tempfile.TemporaryDirectory() as folder:
        typed = Path(folder) / "typed.pdf"
        typed.write_bytes(buffer.getvalue())
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", str(typed), f"{folder}/scan"],
            check=True,
            timeout=60,
        )
        with Image.open(f"{folder}/scan.pgm") as raw:
            image = raw.convert("L")
    image = image.rotate(rotate, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if noise:
        grain = Image.effect_noise(image.size, noise)  # Gaussian around 128
        image = ImageChops.add(image, grain, scale=1.0, offset=-128)
    return image


def scanned_pdf(pages: Sequence[Sequence[str] | str], *, noise: float = 10.0) -> bytes:
    """A PDF of scanned pages (a sequence of lines: an image, no text layer) and typed
    pages (a string: real text in an embedded font)."""
    font = registered_serif_fonts().regular
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for content in pages:
        if isinstance(content, str):
            pdf.setFont(font, 13)
            pdf.drawString(60, 780, content)
        else:
            jpeg = io.BytesIO()
            scan_image(content, noise=noise).save(jpeg, "JPEG", quality=85)
            jpeg.seek(0)
            pdf.drawImage(ImageReader(jpeg), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
