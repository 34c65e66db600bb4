"""Adding PDFs to dossiers, new versions and signed versions, reading them, ordering them.

Every new stored state goes through ``versions.store`` (the one write path); reads go
through ``open_content`` (``content.verified``) so that no byte reaches a client before it
checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from archive.domain.access import Scope, require
from archive.domain.errors import Conflict, Forbidden, Invalid, document_not_found
from archive.domain.events import Topic
from archive.domain.folios import FolioLocation, check_reorder, locate_folio
from archive.domain.model import Document, DocumentVersion, Dossier, User, VersionReason
from archive.domain.roles import Action
from archive.domain.text import clean_optional, clean_text
from archive.metadata import audit, locks, outbox
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services import content, versions
from archive.services import dossiers as dossier_service
from archive.services.context import Actor, Archive
from archive.services.versions import ReceivedFile
from archive.storage import content_key

__all__ = ["DocumentDraft", "ReceivedFile"]


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    kind: str
    title: str
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None


def _kept_by_actor(actor: Actor, dossier: Dossier) -> Dossier:
    if not actor.scope.may_change(dossier.unit_id):
        raise Forbidden(
            "not_owner_unit",
            "Chỉ đơn vị quản lý hồ sơ mới được thêm tài liệu vào hồ sơ này.",
            "Only the unit that keeps this dossier may add documents to it.",
        )
    return dossier


def _writable_dossier(
    archive: Archive, actor: Actor, dossier_id: int, action: Action = Action.ADD_DOCUMENT
) -> Dossier:
    require(actor.user, action)
    return _kept_by_actor(actor, dossier_service.fetch(archive, actor, dossier_id, view=None))


def check_new_document(
    archive: Archive, actor: Actor, dossier_id: int, draft: DocumentDraft
) -> Dossier:
    """Everything that can be refused before a single byte is received."""
    return _checked_draft(archive, actor, dossier_id, draft)[0]


def _checked_draft(
    archive: Archive, actor: Actor, dossier_id: int, draft: DocumentDraft
) -> tuple[Dossier, versions.NewDocument]:
    dossier = _writable_dossier(archive, actor, dossier_id)
    return dossier, _drafted(archive, dossier, draft)


def _drafted(archive: Archive, dossier: Dossier, draft: DocumentDraft) -> versions.NewDocument:
    archive.case_type_of(dossier).check_document_kind(draft.kind)
    cleaned = _clean_draft(draft)  # lengths and characters, before a byte is received
    if not cleaned.title:
        raise Invalid(
            "missing_title",
            "Tài liệu cần có tiêu đề (trích yếu).",
            "A document needs a title.",
        )
    return cleaned


def _clean_draft(draft: DocumentDraft) -> versions.NewDocument:
    return versions.NewDocument(
        kind=draft.kind,
        title=clean_text(draft.title, field="title"),
        number=clean_optional(draft.number, field="number", max_length=64),
        issued_on=draft.issued_on,
        issuer=clean_optional(draft.issuer, field="issuer", max_length=255),
    )


def check_can_add(archive: Archive, actor: Actor, dossier_id: int) -> Dossier:
    """Refuse an upload into a dossier the actor may not add to, before receiving it. The
    dossier returned is what ``add`` takes for this upload."""
    return _writable_dossier(archive, actor, dossier_id)


def _writable_document(
    archive: Archive, actor: Actor, document_id: int, action: Action
) -> tuple[Document, Dossier]:
    with archive.db.read() as conn:
        document, dossier = located(conn, document_id, actor.scope)
    require(actor.user, action)
    return document, _kept_by_actor(actor, dossier)


def check_new_version(archive: Archive, actor: Actor, document_id: int) -> None:
    """Refuse a new version before receiving it, as for a new document."""
    _writable_document(archive, actor, document_id, Action.ADD_DOCUMENT)


def _refuse_duplicate(conn: Connection, dossier_id: int, key: str) -> None:
    twin = document_rows.current_holding(conn, dossier_id, key)
    if twin is not None:
        twin_id, twin_title = twin
        raise Conflict(
            "duplicate_document",
            f"Tệp này đã có trong hồ sơ (tài liệu '{twin_title}').",
            f"This file is already in the dossier (document '{twin_title}').",
            document_id=twin_id,
        )


def add(
    archive: Archive,
    actor: Actor,
    dossier_id: int,
    draft: DocumentDraft,
    received: ReceivedFile,
    *,
    checked: Dossier | None = None,
) -> Document:
    """A new document in the dossier. ``checked``: the dossier as ``check_can_add`` or
    ``check_new_document`` returned it before this upload's body was received, so that it
    is not read again once the body is in (its unit, which the rights depend on, never
    changes); the rights are checked on it again all the same."""
    if checked is not None and checked.id == dossier_id:
        require(actor.user, Action.ADD_DOCUMENT)
        dossier = _kept_by_actor(actor, checked)
        cleaned = _drafted(archive, dossier, draft)
    else:
        dossier, cleaned = _checked_draft(archive, actor, dossier_id, draft)
    facts = versions.inspect(archive, received)
    key = content_key(received.sha256)
    return versions.store(
        archive,
        by=actor.user,
        dossier=dossier,
        received=received,
        facts=facts,
        reason=VersionReason.UPLOAD,
        new_document=cleaned,
        action="document.add",
        # Under the dossier lock, before a byte is stored: a concurrent upload may have won.
        under_lock=lambda conn: _refuse_duplicate(conn, dossier_id, key),
    )


def _same_as_current() -> Conflict:
    return Conflict(
        "same_as_current",
        "Tệp giống hệt phiên bản hiện tại của tài liệu.",
        "The file is identical to the document's current version.",
    )


def add_version(
    archive: Archive, actor: Actor, document_id: int, received: ReceivedFile
) -> Document:
    """A new stored state of a document; earlier versions stay, byte for byte."""
    current, dossier = _writable_document(archive, actor, document_id, Action.ADD_DOCUMENT)
    facts = versions.inspect(archive, received)
    if received.sha256 == current.current.sha256:
        raise _same_as_current()
    return versions.store(
        archive,
        by=actor.user,
        dossier=dossier,
        received=received,
        facts=facts,
        reason=VersionReason.UPLOAD,
        document_id=document_id,
        derived_from=current.current.version,
        action="document.version",
    )


def version_of(document: Document, number: int | None) -> DocumentVersion:
    if number is None:
        return document.current
    for version in document.versions:
        if version.version == number:
            return version
    raise document_not_found()


def check_can_sign(archive: Archive, actor: Actor, document_id: int) -> None:
    """Refuse a signing by someone who may not sign here, before receiving the file."""
    _writable_document(archive, actor, document_id, Action.SIGN)


def add_signed_version(
    archive: Archive,
    actor: Actor,
    document_id: int,
    received: ReceivedFile,
    *,
    from_version: int | None = None,
    with_it: Callable[[Connection], None] | None = None,
) -> Document:
    """Store ``received`` as the signed successor of a version (the current one by default).

    A PAdES signature is an incremental update: the signed file must begin with exactly
    the bytes of the version it signs and carry one signature more, or it is not that
    version signed, and is refused. The version signed must still be the current one when
    the new one is stored (checked under the dossier's lock): two signings of one version
    would otherwise fork the document, the later one without the earlier's signature.
    ``with_it`` runs in the same transaction (a workflow's step), so both happen or neither.
    """
    document, dossier = _writable_document(archive, actor, document_id, Action.SIGN)
    base = version_of(document, from_version)
    facts = versions.inspect(archive, received)
    if received.sha256 == base.sha256:
        raise _same_as_current()
    if facts.signature_count <= base.signature_count or not versions.starts_with(
        received.path, base.sha256, base.size
    ):
        raise Invalid(
            "not_a_signed_version",
            f"Tệp không phải là phiên bản {base.version} của tài liệu được ký thêm: một chữ ký "
            "số hợp lệ chỉ nối thêm vào cuối tệp đã ký, không sửa nội dung trước đó.",
            f"The file is not version {base.version} of the document with a signature added: "
            "a digital signature only appends to the signed file, it never rewrites it.",
            from_version=base.version,
        )
    return versions.store(
        archive,
        by=actor.user,
        dossier=dossier,
        received=received,
        facts=facts,
        reason=VersionReason.SIGNATURE,
        document_id=document_id,
        derived_from=base.version,
        action="document.sign",
        detail={"signatures": facts.signature_count},
        under_lock=lambda conn: _still_current(conn, document_id, base.version),
        alongside=with_it,
    )


def _still_current(conn: Connection, document_id: int, version: int) -> None:
    stored = document_rows.get(conn, document_id)
    if stored is None or stored.current.version != version:
        raise Conflict(
            "version_moved",
            f"Phiên bản {version} không còn là phiên bản hiện hành: tài liệu vừa được ký hoặc "
            "thay đổi. Hãy mở lại tài liệu rồi ký trên phiên bản mới nhất.",
            f"Version {version} is no longer the current one: the document was just signed or "
            "changed. Open it again and sign its latest version.",
            from_version=version,
        )


def add_derived_version(
    archive: Archive,
    by: User | None,
    document_id: int,
    received: ReceivedFile,
    *,
    reason: VersionReason,
    from_version: int,
) -> Document:
    """A copy made from a version by the archive itself (an OCR text layer, a PDF/A copy):
    kept beside the original, which stays current and untouched."""
    if reason not in (VersionReason.OCR, VersionReason.PDFA):
        raise ValueError(f"{reason} is not a derived version")
    with archive.db.read() as conn:
        document, dossier = located(conn, document_id, None)
    base = version_of(document, from_version)
    facts = versions.inspect(archive, received)
    return versions.store(
        archive,
        by=by,
        dossier=dossier,
        received=received,
        facts=facts,
        reason=reason,
        document_id=document_id,
        derived_from=base.version,
        action="document.derive",
    )


def located(conn: Connection, document_id: int, scope: Scope | None) -> tuple[Document, Dossier]:
    """A document and its dossier (the row, for rights and unit), if ``scope`` may read it
    (``None``: the archive itself); otherwise 'not found'."""
    document = document_rows.get(conn, document_id)
    dossier = dossier_rows.get(conn, document.dossier_id, scope, whole=False) if document else None
    if document is None or dossier is None:
        raise document_not_found()
    return document, dossier


def fetch(archive: Archive, actor: Actor, document_id: int, *, record: bool = True) -> Document:
    with archive.db.read() as conn:
        document, dossier = located(conn, document_id, actor.scope)
    if record:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="document.read",
                object_type="document",
                object_id=document_id,
                unit_id=dossier.unit_id,
            )
    return document


def of_dossier(archive: Archive, actor: Actor, dossier_id: int) -> list[Document]:
    dossier_service.fetch(archive, actor, dossier_id, view="documents")
    with archive.db.read() as conn:
        return document_rows.of_dossier(conn, dossier_id)


def open_content(
    archive: Archive, actor: Actor, document_id: int, version: int | None = None
) -> tuple[Document, DocumentVersion, content.Verified]:
    """A version (the current one by default) ready to stream, every chunk verified; each
    stream is recorded as a ``document.download`` before its first byte leaves."""
    with archive.db.read() as conn:  # one read for the rights, the version, its digests
        document, dossier = located(conn, document_id, actor.scope)
        chosen = version_of(document, version)
        digests = document_rows.chunk_digests(conn, chosen.storage_key)

    def record(action: str, detail: dict[str, object]) -> None:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action=action,
                object_type="document",
                object_id=document_id,
                unit_id=dossier.unit_id,
                detail={"version": chosen.version, **detail},
            )

    def report(detail: dict[str, object]) -> None:
        record("integrity.failure", detail)

    def handed_out() -> None:
        record("document.download", {"sha256": chosen.sha256})

    verified = content.verified(
        archive, chosen.storage_key, chosen.sha256, chosen.size, report, digests, handed_out
    )
    return document, chosen, verified


def change(archive: Archive, actor: Actor, document_id: int, draft: dict[str, object]) -> Document:
    """Correct a document's description; its stored bytes are never touched."""
    document, dossier = _writable_document(archive, actor, document_id, Action.ADD_DOCUMENT)
    if "kind" in draft:
        archive.case_type_of(dossier).check_document_kind(str(draft["kind"]))
    allowed = {"kind", "title", "number", "issued_on", "issuer"}
    values = {k: v for k, v in draft.items() if k in allowed}
    limits = {"title": None, "number": 64, "issuer": 255}
    for key, limit in limits.items():
        if isinstance(values.get(key), str):
            values[key] = clean_optional(str(values[key]), field=key, max_length=limit)
    for key in ("kind", "title"):
        if key in values and not values[key]:
            raise Invalid(
                "missing_value",
                f"Trường '{key}' không được để trống.",
                f"The field '{key}' cannot be emptied.",
                field=key,
            )
    if not values:
        return document  # nothing to correct: no change, nothing to record
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier.id)
        document_rows.change(conn, document_id, values)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="document.change",
            object_type="document",
            object_id=document_id,
            unit_id=dossier.unit_id,
            detail={"fields": sorted(values)},
        )
        outbox.emit(
            conn,
            Topic.DOCUMENT_CHANGED,
            {"document_id": document_id, "dossier_id": dossier.id, "fields": sorted(values)},
        )
        changed = document_rows.get(conn, document_id)
    assert changed is not None
    return changed


def reorder(archive: Archive, actor: Actor, dossier_id: int, ordered_ids: list[int]) -> None:
    """Put the dossier's documents in a new order; folio numbers follow at once."""
    dossier = _writable_dossier(archive, actor, dossier_id)
    with archive.db.write() as conn:
        # First the dossier lock: two reorders updating the same rows in different orders
        # deadlocked on PostgreSQL; now the second waits for the first and sees its result.
        locks.lock_dossier(conn, dossier_id)
        current = [d.id for d in document_rows.of_dossier(conn, dossier_id)]
        check_reorder(current, ordered_ids)
        document_rows.reorder(conn, ordered_ids)
        dossier_rows.touch(conn, dossier_id)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="dossier.reorder",
            object_type="dossier",
            object_id=dossier_id,
            unit_id=dossier.unit_id,
            detail={"order": ordered_ids},
        )
        outbox.emit(conn, Topic.DOSSIER_REORDERED, {"dossier_id": dossier_id})


def folio(archive: Archive, actor: Actor, dossier_id: int, number: int) -> FolioLocation:
    dossier_service.fetch(archive, actor, dossier_id, view="folio", detail={"folio": number})
    with archive.db.read() as conn:
        docs = document_rows.of_dossier(conn, dossier_id)
    return locate_folio(docs, number)
