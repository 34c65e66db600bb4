"""Signing and verification over HTTP.

``POST /api/signing`` signs one or many documents with one key and one PIN entry (a
PKCS#12 file sent with the request and forgotten after it); ``GET …/verification``
verifies a stored document, or every document of a dossier, offline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.domain.errors import Invalid
from archive.metadata.schema import MAX_ROW_ID
from archive.services import documents as document_service
from archive.services.context import Actor, Archive
from signing import service
from signing.batch import Remotely, Signing, WithKey
from signing.keys import KeyRefused, SignerKey, check_in_date, open_pkcs12
from signing.pades import SigningRefused

router = APIRouter(tags=["Ký số · Signing"])

MAX_KEY_BYTES = 64 * 1024  # a PKCS#12 file with its chain is a few kilobytes
MAX_IMAGE_BYTES = 1024 * 1024
MAX_BATCH = 200
MAX_REMOTE_BATCH = 20  # each one waits for the signer's approval on their phone
SIGNING_REFUSALS = (
    "role_not_allowed",
    "not_owner_unit",
    "document_not_found",
    "bad_document_list",
    "duplicate_documents",
    "key_unreadable",
    "certificate_out_of_date",
    "bad_signature_image",
    "key_or_remote",
    "remote_not_configured",
    "remote_bad_signature",
    "remote_unsupported_key",
)
OUTAGE_CODES = ("signing_failed", "remote_unavailable", "remote_timeout")
VerificationVersion = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def document_ids(text: str) -> list[int]:
    """``"12, 13 14"`` → ``[12, 13, 14]``; refused unless 1 to ``MAX_BATCH`` row ids."""
    parts = text.replace(",", " ").split()
    if not parts or len(parts) > MAX_BATCH or not all(p.isdigit() for p in parts):
        raise Invalid(
            "bad_document_list",
            f"Danh sách tài liệu cần ký phải gồm từ 1 đến {MAX_BATCH} số hiệu tài liệu, "
            "cách nhau bởi dấu phẩy.",
            f"The documents to sign must be 1 to {MAX_BATCH} document ids, separated by commas.",
        )
    ids = [int(p) for p in parts]
    if any(not 1 <= i <= MAX_ROW_ID for i in ids):
        raise Invalid(
            "bad_document_list",
            "Số hiệu tài liệu không hợp lệ.",
            "A document id is out of range.",
        )
    return ids


async def small_file(
    upload: UploadFile | None, limit: int, code: str, what: tuple[str, str]
) -> bytes:
    if upload is None:
        return b""
    data = await upload.read(limit + 1)
    await upload.close()
    if len(data) > limit:
        raise Invalid(
            code,
            f"{what[0]} quá lớn (tối đa {limit // 1024} KB).",
            f"{what[1]} is too large (at most {limit // 1024} KB).",
        )
    return data


async def png_image(upload: UploadFile | None, what: tuple[str, str]) -> bytes:
    """The signature or seal image sent with a request (empty when none): a PNG, small."""
    picture = await small_file(upload, MAX_IMAGE_BYTES, "bad_signature_image", what)
    if picture and not picture.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Invalid(
            "bad_signature_image",
            f"{what[0]} phải là tệp PNG (nền trong suốt).",
            f"{what[1]} must be a PNG file (transparent background).",
        )
    return picture


@router.post(
    "/api/signing",
    responses=answers(*SIGNING_REFUSALS, *OUTAGE_CODES, "remote_rejected", changes=True),
    summary="Ký số một hoặc nhiều tài liệu · Sign one or many documents",
    description="For leaders (and clerks adding the agency's signature). Send "
    "`multipart/form-data` with the key file `key` (PKCS#12, .p12/.pfx), its `pin`, the "
    "`documents` to sign (ids separated by commas, up to 200: one PIN entry for all), "
    "optionally the signer's `title` for the stamp, a `reason`, and a transparent PNG "
    "`image` (the signature in blue, or the red seal). Each document's current version is "
    "signed at the installation's PAdES level (`ARCHIVE_SIGNATURE_LEVEL`) with a visible "
    "stamp and stored as its new version; the version signed stays byte for byte. The "
    "answer lists each document's outcome. The key and PIN are used for this request only: "
    "never stored or logged.",
)
async def sign_documents(
    actor: ActorDep,
    archive: ArchiveDep,
    documents: Annotated[str, Form(max_length=4000)],
    key: Annotated[UploadFile | None, File(description="PKCS#12 key file (.p12/.pfx)")] = None,
    pin: Annotated[str, Form(max_length=256)] = "",
    remote_user: Annotated[
        str,
        Form(
            max_length=128,
            pattern=r"^[^\x00-\x1f\x7f]*$",
            description="The signer's account at the remote signing service, instead of a key",
        ),
    ] = "",
    title: Annotated[str, Form(max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    reason: Annotated[str, Form(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    image: Annotated[UploadFile | None, File(description="Signature or seal PNG")] = None,
) -> dict[str, Any]:
    ids = document_ids(documents)
    duplicate = service.duplicate_ids(ids)
    if duplicate is not None:
        raise duplicate
    key_bytes = await key_or_remote(key, remote_user)
    picture = await png_image(image, ("Ảnh chữ ký", "The signature image"))
    return await anyio.to_thread.run_sync(
        _sign_all, archive, actor, ids, key_bytes, pin, remote_user, title, reason, picture
    )


async def key_or_remote(key: UploadFile | None, remote_user: str) -> bytes:
    """The key file's bytes (empty when signing remotely); refused unless exactly one of
    the key and the remote account was sent."""
    if (key is None) == (not remote_user):
        raise Invalid(
            "key_or_remote",
            "Hãy gửi hoặc tệp khóa (key) với mã PIN, hoặc tài khoản ký số từ xa (remote_user): "
            "một trong hai.",
            "Send either the key file (key) with its PIN, or the remote signing account "
            "(remote_user): one of the two.",
        )
    return await small_file(key, MAX_KEY_BYTES, "key_unreadable", ("Tệp khóa", "The key file"))


def chosen_signing(archive: Archive, key_bytes: bytes, pin: str, remote_user: str) -> Signing:
    """Signing with the key sent (opened and in date), or through the remote service for
    ``remote_user`` (whose certificate is asked for now): refused before anything is made."""
    if not remote_user:
        return WithKey(opened_key(key_bytes, pin))
    signing = Remotely(service.remote_service(archive.settings), remote_user)
    try:
        signing.name  # noqa: B018 - asks the service for the signer's certificate now
    except SigningRefused as refused:
        raise service.as_archive_error(refused) from None
    return signing


def opened_key(key_bytes: bytes, pin: str) -> SignerKey:
    """The PKCS#12 key opened with the PIN and in date, else the refusal to answer with;
    checked once for a whole batch, not per document."""
    try:
        key = open_pkcs12(key_bytes, pin)
        check_in_date(key, datetime.now(UTC))
    except KeyRefused as refused:
        raise Invalid(refused.code, refused.vi, refused.en) from None
    return key


def _sign_all(
    archive: Archive,
    actor: Actor,
    ids: list[int],
    key_bytes: bytes,
    pin: str,
    remote_user: str,
    title: str,
    reason: str,
    picture: bytes,
) -> dict[str, Any]:
    for document_id in ids:  # the whole batch is refused before anything is signed
        document_service.check_can_sign(archive, actor, document_id)
    if remote_user and len(ids) > MAX_REMOTE_BATCH:
        raise Invalid(
            "bad_document_list",
            f"Ký số từ xa: mỗi lượt tối đa {MAX_REMOTE_BATCH} tài liệu, mỗi tài liệu người ký "
            "xác nhận trên điện thoại.",
            f"Remote signing: at most {MAX_REMOTE_BATCH} documents a batch, each approved "
            "on the signer's phone.",
        )
    signing = chosen_signing(archive, key_bytes, pin, remote_user)
    setup = service.signing_setup(archive.settings)
    outcomes = service.sign_documents(
        archive,
        actor,
        ids,
        signing,
        title=title or None,
        image=picture or None,
        reason=reason or None,
    )
    signed = sum(1 for o in outcomes if o["status"] == "signed")
    if not signed and outcomes[0].get("code") in service.OUTAGES:
        # Nothing signed because a service is down: the whole request failed, say so as 503.
        first = outcomes[0]
        raise service.SigningUnavailable(
            str(first["code"]), str(first["message"]), str(first["message_en"])
        )
    return {
        "signer": signing.name,
        "level": setup.level.value,
        "signed": signed,
        "results": outcomes,
    }


class ReportFormat(StrEnum):
    JSON = "json"
    PDF = "pdf"


VERIFICATION_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/json": {}, "application/pdf": {}},
        "description": "The verification as JSON, or as the PDF report (format=pdf)",
    }
}


@router.get(
    "/api/documents/{document_id}/verification",
    responses={**answers("document_not_found"), **VERIFICATION_ANSWERS},
    summary="Kiểm tra chữ ký số của tài liệu · Verify a document's signatures",
    description="Every signature of the stored version (the current one by default), "
    "checked offline against the installation's trust roots: signer, claimed signing time "
    "and timestamp time, chain, revocation status from the file's own data, the PAdES level "
    "reached, the changes made after it, and a verdict (valid / invalid / indeterminate) "
    "with its reasons in Vietnamese and English; `format=pdf` gives the printable report.",
)
async def verify_document(
    document_id: RowId,
    actor: ActorDep,
    archive: ArchiveDep,
    version: VerificationVersion = None,
    format: ReportFormat = ReportFormat.JSON,
) -> Response:
    report = await anyio.to_thread.run_sync(
        service.verify_document, archive, actor, document_id, version
    )
    if format is ReportFormat.PDF:
        pdf = await anyio.to_thread.run_sync(
            lambda: service.verification_report_pdf(archive, [report], f"Tài liệu {document_id}")
        )
        return _pdf(pdf, f"kiem-tra-chu-ky-tai-lieu-{document_id}.pdf")
    return JSONResponse(report.as_json())


@router.get(
    "/api/dossiers/{dossier_id}/verification",
    responses={**answers("dossier_not_found"), **VERIFICATION_ANSWERS},
    summary="Kiểm tra chữ ký số cả hồ sơ · Verify every document of a dossier",
    description="The verification of every document's current version in the dossier, in "
    "folio order, with the dossier's overall verdict: invalid if any signature is, else "
    "indeterminate if any is, else valid. Documents without any signature are listed with "
    "the problem `no_signature`. `format=pdf` gives the printable report.",
)
async def verify_dossier(
    dossier_id: RowId,
    actor: ActorDep,
    archive: ArchiveDep,
    format: ReportFormat = ReportFormat.JSON,
) -> Response:
    if format is ReportFormat.PDF:
        pdf = await anyio.to_thread.run_sync(service.dossier_report_pdf, archive, actor, dossier_id)
        return _pdf(pdf, f"kiem-tra-chu-ky-ho-so-{dossier_id}.pdf")
    found = await anyio.to_thread.run_sync(service.verify_dossier, archive, actor, dossier_id)
    return JSONResponse(found)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
