"""Signing stored documents and verifying them: the archive's side of the signing stage.

A document is signed on its current version: the stored bytes are read back verified
against their ingest digests, pyHanko appends the signature, and the result is kept as a
new version through the core (``documents.add_signed_version``), which accepts it only
as an incremental update of the version signed and records it in the audit trail with
its SHA-256. The version signed stays byte for byte.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Connection

from archive.domain.errors import ArchiveError, Conflict, Invalid, Unavailable
from archive.domain.model import Document
from archive.metadata import accounts, audit
from archive.metadata import documents as document_rows
from archive.services import content
from archive.services import documents as document_service
from archive.services.context import Actor, Archive, NotReady
from archive.services.spool import Spool
from archive.services.versions import ReceivedFile
from archive.settings import Settings
from signing.batch import Signing
from signing.levels import parse_level
from signing.pades import SigningRefused, SigningSetup
from signing.refusals import Refused
from signing.remote import HttpRemoteSigningService
from signing.stamps import Stamp
from signing.verdicts import FileReport, TrustRoots, Verdict, verify, worst


class SigningUnavailable(Unavailable):
    """The timestamp or revocation service did not answer: nothing was signed or stored."""


@functools.cache
def _setup(level: str, tsa_url: str, roots: TrustRoots) -> SigningSetup:
    return SigningSetup(
        level=parse_level(level), tsa_url=tsa_url or None, trust_roots=roots.certificates
    )


@functools.cache
def _roots(paths: str) -> TrustRoots:
    files = [Path(p) for p in paths.split(os.pathsep) if p.strip()]
    try:
        return TrustRoots.from_pem([path.read_bytes() for path in files])
    except (OSError, ValueError) as error:
        raise NotReady(
            f"Không đọc được chứng thư gốc tin cậy (ARCHIVE_TRUST_ROOTS: {error}); hãy sửa cấu "
            f"hình. / The trust roots cannot be read (ARCHIVE_TRUST_ROOTS: {error}); correct "
            "the configuration."
        ) from None


def trust_roots(settings: Settings, extra: Sequence[bytes] = ()) -> TrustRoots:
    """The installation's trust roots (``ARCHIVE_TRUST_ROOTS``), plus any given."""
    configured = _roots(settings.trust_roots)
    if not extra:
        return configured
    return TrustRoots(configured.certificates + TrustRoots.from_pem(extra).certificates)


# A signing service that does not answer: nothing after it would be signed either.
OUTAGES = frozenset({"signing_failed", "remote_unavailable", "remote_timeout"})


def remote_service(settings: Settings) -> HttpRemoteSigningService:
    if not settings.remote_signing_url:
        raise Invalid(
            "remote_not_configured",
            "Kho lưu trữ chưa được kết nối dịch vụ ký số từ xa (ARCHIVE_REMOTE_SIGNING_URL): "
            "hãy ký bằng tệp khóa, hoặc nhờ quản trị viên cấu hình dịch vụ.",
            "This archive is not connected to a remote signing service "
            "(ARCHIVE_REMOTE_SIGNING_URL): sign with a key file, or ask the administrator.",
        )
    return HttpRemoteSigningService(
        settings.remote_signing_url,
        settings.remote_signing_client_id,
        settings.remote_signing_client_secret,
        approval_timeout=settings.remote_signing_approval_seconds,
    )


def signing_setup(settings: Settings) -> SigningSetup:
    return _setup(settings.signature_level, settings.tsa_url, trust_roots(settings))


GROUP = 8  # documents read, signed side by side, then stored, at a time…
GROUP_BYTES = 256 * 1024 * 1024  # …and no more bytes than this (one larger file alone)


def sign_documents(
    archive: Archive,
    actor: Actor,
    ids: Sequence[int],
    signing: Signing,
    *,
    title: str | None = None,
    image: bytes | None = None,
    reason: str | None = None,
) -> list[dict[str, object]]:
    """Sign each document's current version (``signing``: with a key the request brought,
    or through a remote signing service); each signed file becomes the
    document's new current version. One outcome per id, in order: ``signed``, ``refused``
    (with the reason), or ``not_attempted`` after a signing service stopped answering."""
    from signing import decisions  # the workflow builds on this module

    setup = signing_setup(archive.settings)
    stamp = Stamp(name=signing.name, title=title, unit=unit_name(archive, actor), image=image)
    outcomes: dict[int, dict[str, object]] = {}
    in_workflow: set[int] = set()  # decisions submitted to this leader: signed moves them on
    pending = list(ids)
    while pending:
        ready: list[tuple[int, Document, int, bytes]] = []
        size = 0
        while pending and len(ready) < GROUP and size < GROUP_BYTES:
            document_id = pending.pop(0)
            try:
                document_service.check_can_sign(archive, actor, document_id)
                if decisions.check_signable(archive, actor, document_id) is not None:
                    in_workflow.add(document_id)
                ready.append((document_id, *current_pdf(archive, actor, document_id)))
                size += len(ready[-1][3])
            except ArchiveError as error:
                outcomes[document_id] = _refused(error)
        results = signing.sign_all([pdf for *_, pdf in ready], stamp, setup, reason=reason)
        for (document_id, document, version, _), result in zip(ready, results, strict=True):
            if isinstance(result, bytes):
                step = (
                    decisions.signed_step(actor, document_id)
                    if document_id in in_workflow
                    else None
                )
                try:
                    outcomes[document_id] = store_signed(
                        archive, actor, document, version, result, signing.name, with_it=step
                    )
                except ArchiveError as error:
                    outcomes[document_id] = _refused(error)
            else:
                outcomes[document_id] = _refused(as_archive_error(result))
        del ready, results
        if any(o.get("code") in OUTAGES for o in outcomes.values()):
            break  # the service is down: the next groups would fail the same way
    return [{"document_id": i, **outcomes.get(i, {"status": "not_attempted"})} for i in ids]


def store_signed(
    archive: Archive,
    actor: Actor,
    document: Document,
    version: int,
    signed: bytes,
    signer: str,
    *,
    with_it: Callable[[Connection], None] | None = None,
) -> dict[str, object]:
    """The signed bytes stored as the document's next version (``with_it`` in the same
    transaction); raises the core's refusal if they cannot be."""
    with Spool(archive.incoming_dir, archive.settings.max_upload_bytes) as spool:
        spool.write(signed)
        sha256 = spool.finish()
        received = ReceivedFile(
            spool.path, sha256, spool.size, _signed_name(document), spool.chunk_digests
        )
        stored = document_service.add_signed_version(
            archive, actor, document.id, received, from_version=version, with_it=with_it
        )
    return {
        "status": "signed",
        "version": stored.current.version,
        "signed_from": version,
        "sha256": sha256,
        "signer": signer,
    }


def _refused(error: ArchiveError) -> dict[str, object]:
    return {"status": "refused", **error.as_dict()}


# Refusals that conflict with what is stored rather than with what was sent.
_CONFLICTS = frozenset({"field_signed", "field_filled"})


def as_archive_error(refused: Refused) -> ArchiveError:
    """A signing-stage refusal as the core's error, with the status its code is declared
    with: a service outage 503, a conflict with the stored file 409, else 422."""
    if refused.code in OUTAGES:
        return SigningUnavailable(refused.code, refused.vi, refused.en)
    if refused.code in _CONFLICTS:
        return Conflict(refused.code, refused.vi, refused.en)
    return Invalid(refused.code, refused.vi, refused.en)


def current_pdf(
    archive: Archive, actor: Actor, document_id: int, version: int | None = None
) -> tuple[Document, int, bytes]:
    """A version's bytes (the current one by default), each chunk checked against its
    ingest digest; read to sign or verify it, which is no hand-out (not audited as one)."""
    with archive.db.read() as conn:
        document, dossier = document_service.located(conn, document_id, actor.scope)
        chosen = document_service.version_of(document, version)
        digests = document_rows.chunk_digests(conn, chosen.storage_key)

    def report(detail: dict[str, object]) -> None:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="integrity.failure",
                object_type="document",
                object_id=document_id,
                unit_id=dossier.unit_id,
                detail={"version": chosen.version, **detail},
            )

    checked = content.verified(
        archive, chosen.storage_key, chosen.sha256, chosen.size, report, digests, _nothing
    )
    return document, chosen.version, b"".join(checked.stream())


def _nothing() -> None:
    """Reading a version to sign it is no hand-out: the signature's own entry records it."""


def unit_name(archive: Archive, actor: Actor) -> str | None:
    with archive.db.read() as conn:
        unit = accounts.unit_by_id(conn, actor.user.unit_id)
    return unit.name if unit is not None else None


def _signed_name(document: Document) -> str:
    title = "".join(c if c.isalnum() else "-" for c in document.title)[:60].strip("-")
    return f"{title or 'tai-lieu'}-da-ky.pdf"


def verify_document(
    archive: Archive, actor: Actor, document_id: int, version: int | None = None
) -> FileReport:
    """The verification report of a stored version (the current one by default); a
    document the actor may not read is 'not found', as everywhere."""
    _, chosen, pdf = current_pdf(archive, actor, document_id, version)
    return verify(pdf, trust_roots(archive.settings), name=f"{document_id}/v{chosen}")


def duplicate_ids(ids: Sequence[int]) -> Conflict | None:
    if len(set(ids)) != len(ids):
        return Conflict(
            "duplicate_documents",
            "Danh sách ký có tài liệu trùng nhau: mỗi tài liệu chỉ ký một lần mỗi lượt.",
            "The batch names a document twice: each document is signed once per batch.",
        )
    return None


def dossier_reports(
    archive: Archive, actor: Actor, dossier_id: int
) -> list[tuple[Document, FileReport]]:
    """Every document's current version verified, in folio order."""
    roots = trust_roots(archive.settings)
    found = []
    for document in document_service.of_dossier(archive, actor, dossier_id):
        _, version, pdf = current_pdf(archive, actor, document.id)
        found.append(
            (document, verify(pdf, roots, name=f"{document.title} ({document.id}/v{version})"))
        )
    return found


def verification_report_pdf(archive: Archive, reports: Sequence[FileReport], subject: str) -> bytes:
    from datetime import UTC, datetime

    from signing.report_pdf import verification_pdf

    return verification_pdf(
        reports,
        title="Báo cáo kiểm tra chữ ký số",
        subject=subject,
        made_at=datetime.now(UTC),
        trust_roots=[c.subject.human_friendly for c in trust_roots(archive.settings).certificates],
    )


def dossier_report_pdf(archive: Archive, actor: Actor, dossier_id: int) -> bytes:
    from archive.services import dossiers as dossier_service

    dossier = dossier_service.fetch(archive, actor, dossier_id, view=None)
    reports = [report for _, report in dossier_reports(archive, actor, dossier_id)]
    return verification_report_pdf(archive, reports, f"Hồ sơ {dossier.code}: {dossier.title}")


def overall_verdict(reports: Sequence[FileReport]) -> Verdict:
    """Invalid if any file is (an unreadable one too), else indeterminate if any is, else
    valid; files without a signature count for nothing, and nothing signed is
    indeterminate."""
    verdicts = [r.verdict for r in reports if r.problem is None or r.problem.code != "no_signature"]
    return worst(verdicts) if verdicts else Verdict.INDETERMINATE


def verify_dossier(archive: Archive, actor: Actor, dossier_id: int) -> dict[str, object]:
    """Every document's current version verified, in folio order, and the overall verdict."""
    found = dossier_reports(archive, actor, dossier_id)
    return {
        "dossier_id": dossier_id,
        "verdict": overall_verdict([report for _, report in found]).value,
        "documents": [
            {"document_id": document.id, "title": document.title, **report.as_json()}
            for document, report in found
        ],
    }


def keep_long_term(
    archive: Archive, actor: Actor, dossier_ids: Sequence[int], *, within_days: int = 365
) -> list[dict[str, object]]:
    """Archived copies end at B-LTA: each signed document of the dossiers whose signatures
    are not yet sealed by a document timestamp (or whose last timestamp's certificate ends
    within ``within_days``) gets the validation data of every signature and a document
    timestamp, appended and stored as its next version."""
    from signing.archival import needs_renewal, renew
    from signing.levels import Level

    setup = SigningSetup(
        level=Level.B_LTA,
        tsa_url=archive.settings.tsa_url or None,
        trust_roots=trust_roots(archive.settings).certificates,
    )
    outcomes: list[dict[str, object]] = []
    for dossier_id in dossier_ids:
        for document in document_service.of_dossier(archive, actor, dossier_id):
            if document.current.signature_count == 0:
                continue
            _, version, pdf = current_pdf(archive, actor, document.id)
            if not needs_renewal(pdf, within_days):
                outcomes.append({"document_id": document.id, "status": "already_long_term"})
                continue
            try:
                extended = renew(pdf, setup)
            except SigningRefused as refused:
                outcomes.append({"document_id": document.id, **_refused(as_archive_error(refused))})
                continue
            try:
                stored = store_signed(archive, actor, document, version, extended, "archive")
            except ArchiveError as error:
                stored = _refused(error)
            outcomes.append({"document_id": document.id, **stored})
    return outcomes
