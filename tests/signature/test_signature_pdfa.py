"""A PDF/A-2b file stays PDF/A-2b, every font embedded, after each signature.

veraPDF (``indexer.pdfa.verapdf_check``, flavour 2b) judges every step and ``pdffonts`` lists
the fonts; like the OCR tests, a missing veraPDF fails the test with the message to run
scripts/ocr-tools.sh, it never skips.

Two inputs. A decision drawn in the embedded serif, copied to PDF/A-2b by the OCR's copy
maker (Ghostscript, no page read), is signed at each PAdES level with a stamp over a
transparent signature image, then signed again on top. A decision from
``signing.decision_pdf`` keeps its form fields, which Ghostscript's copy would drop, so it is
made PDF/A-2b here by adding what reportlab leaves out (the sRGB output intent and the XMP
metadata naming PDF/A-2b) and writing it anew with pikepdf; then the leader signs it, the
clerk fills its number and date and seals it with a transparent red seal.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw
from support.pdfs import decision_pdf
from support.pki import PIN, Pki
from support.signed_checks import pdfsig_validations, unembedded_fonts

from indexer import ocr
from indexer.pdfa import verapdf_check
from signing import decision_pdf as decisions
from signing.form_fields import (
    AGENCY_FIELD,
    DATE_FIELD,
    LEADER_FIELD,
    NUMBER_FIELD,
    fill,
    text_fields,
)
from signing.keys import open_pkcs12
from signing.levels import Level
from signing.pades import SigningSetup, sign, signature_count
from signing.stamps import Stamp
from signing.verdicts import TrustRoots


def assert_pdfa(pdf: bytes, path: Path) -> None:
    """``pdf`` (written to ``path``) is PDF/A-2b to veraPDF, with every font embedded."""
    path.write_bytes(pdf)
    compliant, failures = verapdf_check(path, flavour="2b")
    assert compliant, (path.name, failures)
    assert unembedded_fonts(path) == [], path.name


def transparent_png(colour: tuple[int, int, int], *, seal: bool = False) -> bytes:
    """A small RGBA PNG: a signature stroke (or a seal's ring) on a transparent ground."""
    image = Image.new("RGBA", (120, 120 if seal else 60), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if seal:
        draw.ellipse((6, 6, 114, 114), outline=(*colour, 230), width=7)
        draw.ellipse((24, 24, 96, 96), outline=(*colour, 160), width=3)
    else:
        draw.line([(6, 48), (40, 12), (70, 44), (114, 18)], fill=(*colour, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def has_soft_masked_image(pdf: bytes) -> bool:
    """Some image of ``pdf`` carries its alpha as a soft mask (the stamp's transparency)."""
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        return any(
            isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and "/SMask" in obj
            for obj in opened.objects
        )


def setup_at(level: Level, pki: Pki, roots: TrustRoots) -> SigningSetup:
    return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)


@pytest.fixture(scope="module")
def pdfa_input(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The support decision copied to PDF/A-2b by the OCR's copy maker (no page OCRed)."""
    folder = tmp_path_factory.mktemp("pdfa-input")
    original, copy = folder / "original.pdf", folder / "pdfa.pdf"
    original.write_bytes(decision_pdf(2))
    ocr.ocr_with_pdfa(original, copy, [], folder / "work", source_date_epoch=1_700_000_000)
    made = copy.read_bytes()
    assert_pdfa(made, folder / "checked.pdf")
    return made


@pytest.mark.parametrize("level", list(Level), ids=lambda level: str(level))
def test_each_level_and_a_second_signature_keep_pdfa(
    level: Level, pdfa_input: bytes, pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    setup = setup_at(level, pki, roots)
    leader = Stamp(
        name="Nguyễn Văn An",
        title="Chủ tịch",
        unit="UBND Quận Ba Đình",
        image=transparent_png((20, 50, 200)),  # the signature in blue
    )
    first = sign(pdfa_input, open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN), leader, setup)
    assert first.startswith(pdfa_input)
    assert has_soft_masked_image(first)
    assert_pdfa(first, tmp_path / f"{level}-first.pdf")

    clerk = Stamp(name="Văn thư UBND Quận Ba Đình")  # text only, placed above the first
    second = sign(first, open_pkcs12(pki.pkcs12("clerk").read_bytes(), PIN), clerk, setup)
    assert second.startswith(first)
    assert signature_count(second) == 2
    assert_pdfa(second, tmp_path / f"{level}-second.pdf")


def decision_text() -> decisions.DecisionText:
    return decisions.DecisionText(
        issuing_parent="Ủy ban nhân dân quận Ba Đình",
        issuing_body="Phòng Quản lý đô thị",
        symbol="QĐ-XPHC",
        place="Hà Nội",
        kind="QUYẾT ĐỊNH",
        summary="Xử phạt vi phạm hành chính",
        paragraphs=(
            "Căn cứ Luật Xử lý vi phạm hành chính ngày 20 tháng 6 năm 2012;",
            "## QUYẾT ĐỊNH:",
            "**Điều 1.** Xử phạt vi phạm hành chính đối với ông Nguyễn Văn Đức.",
            "- Hình thức xử phạt chính: phạt tiền 75.000.000 đồng.",
            "**Điều 2.** Quyết định này có hiệu lực kể từ ngày ký.",
        ),
        signer_title="Trưởng phòng",
        signer_name="Lê Quang Đạt",
        recipients=("Như Điều 1;", "Lưu: VT, hồ sơ."),
    )


def test_a_decision_stays_pdfa_through_signing_filling_and_sealing(
    pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    setup = setup_at(Level.B_LT, pki, roots)
    draft = decisions.decision_pdf(decision_text())  # PDF/A-2b as the archive makes it
    assert text_fields(draft) == {NUMBER_FIELD: None, DATE_FIELD: None}
    # The empty number and date fields need an appearance of their own (form_fields).
    assert_pdfa(draft, tmp_path / "draft.pdf")

    leader = Stamp(name="Lê Quang Đạt", title="Trưởng phòng", image=transparent_png((20, 50, 200)))
    signed = sign(
        draft,
        open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN),
        leader,
        setup,
        field_name=LEADER_FIELD,
    )
    assert signed.startswith(draft)
    assert_pdfa(signed, tmp_path / "signed.pdf")

    filled = fill(signed, {NUMBER_FIELD: "15", DATE_FIELD: "ngày 03 tháng 12 năm 2026"})
    assert filled.startswith(signed)
    assert text_fields(filled) == {NUMBER_FIELD: "15", DATE_FIELD: "ngày 03 tháng 12 năm 2026"}
    assert_pdfa(filled, tmp_path / "filled.pdf")

    seal = Stamp(
        name="Văn thư UBND Quận Ba Đình",
        unit="UBND Quận Ba Đình",
        image=transparent_png((210, 20, 20), seal=True),
    )
    sealed = sign(
        filled,
        open_pkcs12(pki.pkcs12("clerk").read_bytes(), PIN),
        seal,
        setup,
        field_name=AGENCY_FIELD,
    )
    assert sealed.startswith(filled)
    assert has_soft_masked_image(sealed)
    assert_pdfa(sealed, tmp_path / "sealed.pdf")
    assert pdfsig_validations(tmp_path / "sealed.pdf") == ["Signature is Valid"] * 2
