"""Adding one PAdES signature to a PDF, as an incremental update, at the installation's level.

The bytes of the PDF given are never rewritten: pyHanko appends the signature (and its
stamp, its timestamp, the revocation data and the document timestamp, by level) after
them, so the version signed stays byte for byte at the head of the signed file.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from signing.form_fields import LEADER_FIELD, LEADER_SEAL_SHARE
from signing.keys import SignerKey, check_in_date
from signing.levels import Level
from signing.refusals import Refused
from signing.stamps import VIETNAM, Stamp, style_for


class SigningRefused(Refused):
    """The PDF cannot be signed as asked; ``vi`` and ``en`` say why and what to do."""


@dataclass(frozen=True)
class SigningSetup:
    """How this installation signs: the level, its timestamp authority and trust roots."""

    level: Level = Level.B_B
    tsa_url: str | None = None
    trust_roots: tuple[x509.Certificate, ...] = ()
    timeout: float = 10.0
    _timestamper: list[timestamps.TimeStamper] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        if self.level.timestamped and not self.tsa_url:
            raise ValueError(
                f"Mức {self.level} cần máy chủ cấp dấu thời gian (ARCHIVE_TSA_URL). / "
                f"Level {self.level} needs a timestamp authority (ARCHIVE_TSA_URL)."
            )
        if self.level.long_term and not self.trust_roots:
            raise ValueError(
                f"Mức {self.level} cần chứng thư gốc tin cậy (ARCHIVE_TRUST_ROOTS). / "
                f"Level {self.level} needs trust roots (ARCHIVE_TRUST_ROOTS)."
            )

    def timestamper(self) -> timestamps.TimeStamper | None:
        if not self.level.timestamped or self.tsa_url is None:
            return None
        if not self._timestamper:
            self._timestamper.append(
                timestamps.HTTPTimeStamper(self.tsa_url, timeout=int(self.timeout))
            )
        return self._timestamper[0]

    def validation_context(self) -> ValidationContext | None:
        if not self.level.long_term:
            return None
        # Fetching at signing time is what B-LT is: the revocation data is gathered now,
        # from the CA's responders, and embedded so that verification never has to.
        return ValidationContext(trust_roots=list(self.trust_roots), allow_fetching=True)


def signature_count(pdf: bytes) -> int:
    """Signatures by people (document timestamps left out)."""
    return len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures)


@dataclass
class Plan:
    """Everything a signature needs before the key is used: the writer over the PDF, the
    signature's metadata, its field (new, or the empty one to fill) and stamp."""

    writer: IncrementalPdfFileWriter
    meta: signers.PdfSignatureMetadata
    stamp: Stamp
    new_field: fields.SigFieldSpec | None
    lines: str  # the stamp's text

    def signer_for(self, signer: signers.Signer, setup: SigningSetup) -> signers.PdfSigner:
        return signers.PdfSigner(
            self.meta,
            signer=signer,
            timestamper=setup.timestamper(),
            stamp_style=style_for(self.stamp),
            new_field_spec=self.new_field,
        )


def plan(
    pdf: bytes,
    stamp: Stamp,
    setup: SigningSetup,
    *,
    signer_name: str,
    field_name: str | None = None,
    reason: str | None = None,
    when: datetime,
) -> Plan:
    """Where and how the next signature goes: in ``field_name``, else in a decision's empty
    leader field (certifying it), else in a new field at the stamp's place."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as error:
        raise unreadable(error) from error
    if field_name is None and _is_empty_field(writer, LEADER_FIELD):
        field_name = LEADER_FIELD  # a decision made from a template: sign in its place
    existing = _empty_field(writer, field_name)
    name = field_name or f"ChuKy{len(writer.prev.embedded_signatures) + 1}"
    new_field = None if existing is not None else _new_field(writer, stamp, name)
    if existing == LEADER_FIELD:
        # Decree 30: the agency's seal will cover the left third of the leader's place.
        stamp = dataclasses.replace(
            stamp, left_inset=LEADER_SEAL_SHARE * _field_width(writer, name)
        )
    # A decision made from a template: the leader's signature certifies it, allowing only
    # the clerk's filling of the number and date and further signatures (Decree 30).
    certify = existing == LEADER_FIELD and not writer.prev.embedded_signatures
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        reason=reason,
        location=stamp.unit,
        name=signer_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=setup.level.long_term,
        validation_context=setup.validation_context(),
        use_pades_lta=setup.level is Level.B_LTA,
    )
    return Plan(writer, meta, stamp, new_field, "\n".join(stamp.lines(when)))


def _new_field(writer: IncrementalPdfFileWriter, stamp: Stamp, name: str) -> fields.SigFieldSpec:
    page_count = int(writer.root["/Pages"]["/Count"])
    page = stamp.page if stamp.page >= 0 else page_count + stamp.page
    if not 0 <= page < page_count:
        raise SigningRefused(
            "no_such_page",
            f"Tệp có {page_count} trang, không có trang {page + 1} để đặt chữ ký.",
            f"The file has {page_count} pages; there is no page {page + 1} to sign on.",
        )
    width, height = _page_size(writer, page)
    return fields.SigFieldSpec(
        sig_field_name=name,
        on_page=page,
        box=stamp.placed(width, height, _widget_boxes(writer, page)),
    )


def sign(
    pdf: bytes,
    key: SignerKey,
    stamp: Stamp,
    setup: SigningSetup,
    *,
    field_name: str | None = None,
    reason: str | None = None,
    when: datetime | None = None,
) -> bytes:
    """``pdf`` with one more signature by ``key``, its visible ``stamp`` at ``setup.level``.

    ``field_name`` names an empty signature field of the PDF to sign in (a template's
    signature block); without one a new field is made at the stamp's place.
    """
    now = when or datetime.now(VIETNAM)
    check_in_date(key, now)
    planned = plan(
        pdf, stamp, setup, signer_name=key.name, field_name=field_name, reason=reason, when=now
    )
    out = io.BytesIO()
    try:
        planned.signer_for(key.signer, setup).sign_pdf(
            planned.writer, output=out, appearance_text_params={"lines": planned.lines}
        )
    except (SigningError, TimestampRequestError) as error:
        raise sign_failed(error) from error
    return out.getvalue()


def _empty_field(writer: IncrementalPdfFileWriter, name: str | None) -> str | None:
    if name is None:
        return None
    for found_name, value, _ref in fields.enumerate_sig_fields(writer.prev):
        if found_name == name:
            if value is not None:
                raise SigningRefused(
                    "field_signed",
                    f"Ô chữ ký '{name}' đã được ký rồi.",
                    f"The signature field '{name}' is already signed.",
                )
            return str(found_name)
    return None


def _field_width(writer: IncrementalPdfFileWriter, name: str) -> float:
    for found, _value, ref in fields.enumerate_sig_fields(writer.prev):
        if found == name:
            x1, _y1, x2, _y2 = (float(v) for v in ref.get_object()["/Rect"])
            return abs(x2 - x1)
    return 0.0


def _is_empty_field(writer: IncrementalPdfFileWriter, name: str) -> bool:
    return any(
        found == name and value is None
        for found, value, _ref in fields.enumerate_sig_fields(writer.prev)
    )


def _widget_boxes(
    writer: IncrementalPdfFileWriter, page: int
) -> list[tuple[float, float, float, float]]:
    """The rectangles of the page's widgets (signature stamps, form fields)."""
    page_obj = writer.prev.find_page_for_modification(page)[0].get_object()  # type: ignore[no-untyped-call]
    boxes = []
    for ref in page_obj.get("/Annots") or []:
        annot = ref.get_object()
        if annot.get("/Subtype") == "/Widget" and "/Rect" in annot:
            x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
            boxes.append((x1, y1, x2, y2))
    return boxes


def _page_size(writer: IncrementalPdfFileWriter, page: int) -> tuple[float, float]:
    page_obj = writer.prev.find_page_for_modification(page)[0].get_object()  # type: ignore[no-untyped-call]
    box = page_obj.get("/MediaBox") or [0, 0, 595, 842]
    x1, y1, x2, y2 = (float(v) for v in box)
    return x2 - x1, y2 - y1


def unreadable(error: Exception) -> SigningRefused:
    return SigningRefused(
        "pdf_unreadable",
        f"Không đọc được tệp PDF để ký ({error}). Hãy kiểm tra lại tệp gốc.",
        f"The PDF cannot be read for signing ({error}). Check the original file.",
    )


def sign_failed(error: Exception) -> SigningRefused:
    return SigningRefused(
        "signing_failed",
        f"Không ký được: {error}. Nếu lỗi về dấu thời gian hay thu hồi chứng thư, hãy kiểm "
        "tra kết nối tới máy chủ của nhà cung cấp chứng thư số rồi ký lại.",
        f"Signing failed: {error}. If it names the timestamp or revocation service, check "
        "the connection to your certificate provider's servers and sign again.",
    )
