"""Bringing a signed PDF to PAdES B-LTA for the archive, and keeping it there.

A signature made at B-B or B-T proves nothing offline once its signer's certificate can
no longer be checked: the file has to carry the proof that the chain was good (OCSP
responses, CRLs, the certificates) and a document timestamp sealing that proof.

``extend_to_lta`` gathers that data for **every** signature in the file (and for their
signature timestamps and any earlier document timestamp), not only the last one, puts it
in the Document Security Store and seals it with a document timestamp. ``renew`` adds
one more document timestamp over the chain before the last one's TSA certificate runs
out; ``needs_renewal`` says when that is due.

Everything is appended as incremental updates: the bytes given are never rewritten, so
every earlier signature still covers exactly what it signed, and the result starts with
the input byte for byte.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import datetime, timedelta

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend
from pyhanko_certvalidator.path import ValidationPath

from signing.pades import SigningRefused, SigningSetup
from signing.stamps import VIETNAM

# The document timestamp's digest. SHA-256 is what the TSA and every validator expect.
_DIGEST = "sha256"

# What a service that does not answer, or a chain that cannot be proved good, raises on
# the way: a timestamp authority (TimestampRequestError is an OSError), an OCSP responder
# or CRL server (pyhanko_certvalidator's path errors, in hard-fail mode), pyHanko itself.
_SERVICE_ERRORS = (TimestampRequestError, OSError, PathError, ValidationError, SigningError)


def extend_to_lta(pdf: bytes, setup: SigningSetup) -> bytes:
    """``pdf`` at PAdES B-LTA: the validation data of every signature, then a document
    timestamp, appended as incremental updates.

    Works on signatures made at any level and by any number of signers. The revocation
    data is fetched now, from the CA's responders, and checked in hard-fail mode: when a
    responder or the timestamp authority does not answer, nothing is returned but a
    ``SigningRefused("signing_failed", …)``.
    """
    reader = _read(pdf)
    signatures = list(reader.embedded_regular_signatures)
    if not signatures:
        raise _no_signature()
    covered = [*signatures, *reader.embedded_timestamp_signatures]
    return asyncio.run(_archive(reader, covered, setup))


def renew(pdf: bytes, setup: SigningSetup) -> bytes:
    """``pdf`` with one more document timestamp over the archive timestamp chain.

    What an archive does before the last document timestamp's TSA certificate expires (or
    its algorithms weaken): fresh revocation data for the last document timestamp goes
    into the DSS, and a new document timestamp seals it and everything before it. The
    signers' own certificates are not checked again: they may have expired since, which
    the earlier timestamps make harmless. A signature made after the last document
    timestamp gets its validation data too; a file not yet at B-LTA is extended instead.
    """
    reader = _read(pdf)
    signatures = list(reader.embedded_regular_signatures)
    if not signatures:
        raise _no_signature()
    stamps = list(reader.embedded_timestamp_signatures)
    if not stamps:
        return extend_to_lta(pdf, setup)
    last = stamps[-1]
    later = [s for s in signatures if s.signed_revision > last.signed_revision]
    return asyncio.run(_archive(reader, [last, *later], setup))


def needs_renewal(pdf: bytes, within_days: int, *, now: datetime | None = None) -> bool:
    """Whether the last document timestamp's TSA certificate expires within
    ``within_days`` (from ``now``), so the file should be renewed.

    A signed file with no document timestamp yet, or with a signature made after the last
    one, needs one (it is not all at B-LTA); a file with no signature has nothing to renew.
    """
    reader = _read(pdf)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        return False
    stamps = reader.embedded_timestamp_signatures
    if not stamps or signatures[-1].signed_revision > stamps[-1].signed_revision:
        return True
    expires = last_timestamp_expiry(stamps[-1])
    moment = now or datetime.now(VIETNAM)
    return expires <= moment + timedelta(days=within_days)


def last_timestamp_expiry(stamp: EmbeddedPdfSignature) -> datetime:
    """When the certificate of the TSA that made ``stamp`` expires."""
    not_after: datetime = stamp.signer_cert["tbs_certificate"]["validity"]["not_after"].native
    return not_after


def document_timestamp_count(pdf: bytes) -> int:
    return len(_read(pdf).embedded_timestamp_signatures)


async def _archive(
    reader: PdfFileReader, covered: Sequence[EmbeddedPdfSignature], setup: SigningSetup
) -> bytes:
    """Validation data for ``covered`` into the DSS, then a document timestamp, whose own
    TSA chain's data pyHanko appends after it."""
    stamper = _timestamper(setup)
    context = _fetching_context(setup)
    try:
        paths: list[ValidationPath] = []
        for signature in covered:
            # Builds and checks each chain (the signer's, then its timestamps'), which
            # fetches the OCSP responses and CRLs into the context.
            paths.extend(await collect_validation_info(signature, context))
        writer = IncrementalPdfFileWriter.from_reader(reader)
        # One DSS update for all of it, written in the same revision as the document
        # timestamp, so the timestamp seals the validation data.
        DocumentSecurityStore.supply_dss_in_writer(
            writer, None, paths=paths, validation_context=context
        )
        out = io.BytesIO()
        await PdfTimeStamper(stamper).async_timestamp_pdf(
            writer, _DIGEST, validation_context=context, output=out
        )
        return out.getvalue()
    except _SERVICE_ERRORS as error:
        raise _failed(error) from error
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]


def _fetching_context(setup: SigningSetup) -> ValidationContext:
    if not setup.trust_roots:
        raise ValueError(
            "Cần chứng thư gốc tin cậy (ARCHIVE_TRUST_ROOTS) để đưa tệp lên mức B-LTA. / "
            "Trust roots (ARCHIVE_TRUST_ROOTS) are needed to bring a file to B-LTA."
        )
    # Hard-fail: a responder that does not answer is an error, not a file that silently
    # lacks the revocation data it is being archived for.
    backend = AIOHttpFetcherBackend(per_request_timeout=setup.timeout)
    return ValidationContext(
        trust_roots=list(setup.trust_roots),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=OwnedFetcherBackend(backend),
    )


def _timestamper(setup: SigningSetup) -> HTTPTimeStamper:
    if not setup.tsa_url:
        raise ValueError(
            "Cần máy chủ cấp dấu thời gian (ARCHIVE_TSA_URL) để đưa tệp lên mức B-LTA. / "
            "A timestamp authority (ARCHIVE_TSA_URL) is needed to bring a file to B-LTA."
        )
    return HTTPTimeStamper(setup.tsa_url, timeout=int(setup.timeout))


def _read(pdf: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.embedded_signatures  # noqa: B018 -- reads the fields: fails here if broken
    except (PdfError, ValueError, KeyError) as error:
        raise SigningRefused(
            "pdf_unreadable",
            f"Không đọc được tệp PDF để lưu trữ dài hạn ({error}). Hãy kiểm tra lại tệp.",
            f"The PDF cannot be read for long-term archiving ({error}). Check the file.",
        ) from error
    return reader


def _failed(error: BaseException) -> SigningRefused:
    return SigningRefused(
        "signing_failed",
        f"Không đưa được tệp lên mức lưu trữ dài hạn B-LTA: {error}. Hãy kiểm tra kết nối "
        "tới máy chủ cấp dấu thời gian và máy chủ tra cứu thu hồi chứng thư (OCSP/CRL) "
        "của nhà cung cấp chứng thư số rồi thử lại; tệp chưa bị thay đổi.",
        f"The file could not be brought to long-term level B-LTA: {error}. Check the "
        "connection to the timestamp authority and to the certificate provider's "
        "revocation services (OCSP/CRL), then try again; the file was not changed.",
    )


def _no_signature() -> SigningRefused:
    return SigningRefused(
        "no_signature",
        "Tệp không có chữ ký số nào để lưu trữ dài hạn.",
        "The file carries no digital signature to archive for the long term.",
    )
