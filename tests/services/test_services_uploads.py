"""Uploads: each bad file is refused with its reason and leaves nothing behind; good PDFs are
kept whole with what the archive records about them."""

from __future__ import annotations

import hashlib
import os
import random
import secrets
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.archives import Backend
from support.pdfs import bad_uploads, make_pdf

from archive.domain.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from archive.domain.model import Document, User
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata import dossiers as dossier_rows
from archive.metadata.schema import audit_log, document_versions, documents, outbox
from archive.services import accounts, dossiers
from archive.services import documents as document_service
from archive.services.context import Archive
from archive.services.spool import ChunkHasher, Spool
from archive.storage import VERIFY_CHUNK


def person(archive: Archive, username: str, role: Role, unit_code: str) -> User:
    with archive.db.read() as conn:
        unit = account_rows.unit_by_code(conn, unit_code)
    if unit is None:
        unit = accounts.create_unit(archive, unit_code, f"Đơn vị {unit_code}", None, by=None)
    with archive.db.write() as conn:  # no password hashing: only the actor is needed
        return account_rows.add_user(conn, username, username, "x", role, unit.id)


def new_dossier(archive: Archive, user: User) -> int:
    draft = dossiers.DossierDraft(
        case_type="xlvphc",
        title="Vi phạm trật tự xây dựng",
        field="xay_dung",
        opened_on=date(2024, 5, 26),
        custom={"violation": "Xây dựng không phép"},
    )
    return dossiers.create(archive, archive.actor(user), draft).id


def received(
    archive: Archive, data: bytes, name: str = "bien-ban.pdf"
) -> document_service.ReceivedFile:
    archive.incoming_dir.mkdir(parents=True, exist_ok=True)
    path = archive.incoming_dir / f"test-{secrets.token_hex(6)}.pdf"
    path.write_bytes(data)
    return document_service.ReceivedFile(path, hashlib.sha256(data).hexdigest(), len(data), name)


def draft() -> document_service.DocumentDraft:
    return document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản vi phạm")


def state(archive: Archive) -> tuple[int, int, int, list[str]]:
    with archive.db.read() as conn:
        docs = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        versions = conn.execute(select(func.count()).select_from(document_versions)).scalar_one()
        events = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        actions = list(conn.execute(select(audit_log.c.action)).scalars())
    return docs, versions, events, actions


def test_each_bad_upload_is_refused_and_leaves_nothing(backend: Backend) -> None:
    archive = backend.archive
    user = person(archive, "chuyen_vien", Role.OFFICIAL, "tu_phap")
    dossier_id = new_dossier(archive, user)
    before = state(archive)
    samples = bad_uploads()
    assert set(samples) == {
        "empty_file",
        "not_pdf",
        "truncated_pdf",
        "encrypted_pdf",
        "unreadable_pdf",
        "no_pages",
    }
    for code, data in samples.items():
        with pytest.raises(Invalid) as caught:
            document_service.add(
                archive, archive.actor(user), dossier_id, draft(), received(archive, data)
            )
        err = caught.value
        assert err.code == code
        assert err.vi and err.en and err.vi != err.en
        assert list(archive.store.iter_objects()) == [], code
        assert not archive.store.exists(f"sha256/{hashlib.sha256(data).hexdigest()}"), code
        assert state(archive) == before, code


def test_plain_pdf_is_kept_whole_and_not_marked_signed(backend: Backend) -> None:
    archive = backend.archive
    user = person(archive, "chuyen_vien", Role.OFFICIAL, "tu_phap")
    dossier_id = new_dossier(archive, user)
    data = make_pdf(3)
    document = document_service.add(
        archive,
        archive.actor(user),
        dossier_id,
        document_service.DocumentDraft(
            kind="bien_ban_vi_pham",
            title="  Biên bản vi phạm hành chính  ",
            number="12/BB-VPHC",
            issued_on=date(2024, 5, 26),
            issuer="Đội Quản lý trật tự đô thị",
        ),
        received(archive, data, "BB 12.pdf"),
    )
    version = document.current
    assert version.signed is False
    assert version.page_count == 3
    assert version.pdf_version.startswith("1.")
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    assert version.size == len(data)
    assert (
        version.storage_key == f"sha256/{version.sha256[:2]}/{version.sha256[2:4]}/{version.sha256}"
    )
    assert version.original_filename == "BB 12.pdf"
    assert version.uploaded_at.tzinfo is not None
    assert document.title == "Biên bản vi phạm hành chính"
    assert document.position == 1
    assert b"".join(archive.store.read(version.storage_key)) == data
    docs, versions, events, actions = state(archive)
    assert (docs, versions) == (1, 1)
    assert actions.count("document.add") == 1
    assert events >= 2  # dossier.changed + document.stored, in the same transaction


def test_duplicate_in_the_same_dossier_is_refused(backend: Backend) -> None:
    archive = backend.archive
    user = person(archive, "chuyen_vien", Role.OFFICIAL, "tu_phap")
    dossier_id = new_dossier(archive, user)
    data = make_pdf(1)
    first = document_service.add(
        archive, archive.actor(user), dossier_id, draft(), received(archive, data)
    )
    before = state(archive)
    with pytest.raises(Conflict) as caught:
        document_service.add(
            archive, archive.actor(user), dossier_id, draft(), received(archive, data)
        )
    assert caught.value.code == "duplicate_document"
    assert caught.value.details["document_id"] == first.id
    assert state(archive) == before
    assert len(list(archive.store.iter_objects())) == 1


def test_refusals_before_any_byte_is_stored(backend: Backend) -> None:
    archive = backend.archive
    owner = person(archive, "chuyen_vien", Role.OFFICIAL, "tu_phap")
    dossier_id = new_dossier(archive, owner)
    auditor = person(archive, "thanh_tra", Role.AUDITOR, "tu_phap")
    stranger = person(archive, "nguoi_ngoai", Role.OFFICIAL, "qldt")
    before = state(archive)
    with pytest.raises(Forbidden):
        document_service.add(
            archive, archive.actor(auditor), dossier_id, draft(), received(archive, make_pdf(1))
        )
    with pytest.raises(NotFound) as caught:  # existence is not leaked
        document_service.add(
            archive, archive.actor(stranger), dossier_id, draft(), received(archive, make_pdf(1))
        )
    assert caught.value.code == "dossier_not_found"
    with pytest.raises(Invalid) as wrong_kind:
        document_service.add(
            archive,
            archive.actor(owner),
            dossier_id,
            document_service.DocumentDraft(kind="ban_an", title="Bản án"),
            received(archive, make_pdf(1)),
        )
    assert wrong_kind.value.code == "unknown_document_kind"
    assert list(archive.store.iter_objects()) == []
    assert state(archive) == before


def test_the_dossier_checked_before_the_body_is_not_read_again_but_the_rights_are(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    owner = person(archive, "chuyen_vien", Role.OFFICIAL, "tu_phap")
    dossier_id = new_dossier(archive, owner)
    auditor = person(archive, "thanh_tra", Role.AUDITOR, "tu_phap")
    other_unit = person(archive, "can_bo_khac", Role.OFFICIAL, "qldt")
    checked = document_service.check_can_add(archive, archive.actor(owner), dossier_id)
    assert checked.id == dossier_id
    actors = {u.username: archive.actor(u) for u in (owner, auditor, other_unit)}

    def read_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dossier was read again after the body arrived")

    monkeypatch.setattr(dossier_rows, "get", read_again)

    def add_as(username: str, what: document_service.DocumentDraft, pages: int = 1) -> Document:
        return document_service.add(
            archive,
            actors[username],
            dossier_id,
            what,
            received(archive, make_pdf(pages)),
            checked=checked,
        )

    before = state(archive)
    with pytest.raises(Forbidden):  # the role may not add documents
        add_as("thanh_tra", draft())
    with pytest.raises(Forbidden) as caught:  # another unit's official
        add_as("can_bo_khac", draft())
    assert caught.value.code == "not_owner_unit"
    with pytest.raises(Invalid) as wrong_kind:
        add_as("chuyen_vien", document_service.DocumentDraft(kind="ban_an", title="Bản án"))
    assert wrong_kind.value.code == "unknown_document_kind"
    assert state(archive) == before
    document = add_as("chuyen_vien", draft(), pages=2)
    assert document.dossier_id == dossier_id and document.current.page_count == 2


def test_spool_refuses_an_over_large_upload_while_receiving(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    with pytest.raises(TooLarge) as caught, Spool(folder, limit=10) as spool:
        spool.write(b"12345")
        spool.write(b"67890")
        spool.write(b"1")  # the eleventh byte
    assert caught.value.code == "file_too_large"
    assert caught.value.details["limit_bytes"] == 10
    assert list(folder.iterdir()) == []  # the partial file is gone


def test_spool_hashes_while_receiving(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    data = make_pdf(2)
    with Spool(folder, limit=len(data)) as spool:
        for start in range(0, len(data), 1000):
            spool.write(data[start : start + 1000])
        digest = spool.finish()
        assert spool.path.name.startswith("upload-") and spool.path.suffix == ".part"
        assert spool.path.read_bytes() == data
    assert digest == hashlib.sha256(data).hexdigest()
    assert spool.size == len(data)
    assert not spool.path.exists()  # discarded unless kept


@pytest.mark.parametrize(
    "size",
    [0, 1, VERIFY_CHUNK - 1, VERIFY_CHUNK, VERIFY_CHUNK + 1, 2 * VERIFY_CHUNK + 17],
)
def test_chunk_hasher_gives_the_file_hash_and_each_chunk_hash_at_every_boundary(
    size: int,
) -> None:
    """The first chunk is hashed once for both digests: the whole-file digest must still
    be the SHA-256 of every byte, however the stream is cut."""
    data = os.urandom(size)
    hasher = ChunkHasher()
    cuts = random.Random(size)
    start = 0
    while start < size:
        step = cuts.randint(1, 300_000)
        hasher.update(data[start : start + step])
        start += step
    assert hasher.hexdigest() == hashlib.sha256(data).hexdigest()
    assert hasher.chunk_digests() == b"".join(
        hashlib.sha256(data[at : at + VERIFY_CHUNK]).digest() for at in range(0, size, VERIFY_CHUNK)
    )


def test_an_added_document_is_answered_as_it_was_stored_and_placed_after_the_last(
    backend: Backend,
) -> None:
    """The new document and its first version come back from their inserts, not from a
    second read: what the uploader is shown must be exactly what a later read finds."""
    archive = backend.archive
    user = person(archive, "chuyen_vien", Role.OFFICIAL, "tu_phap")
    dossier_id = new_dossier(archive, user)
    actor = archive.actor(user)
    added = [
        document_service.add(
            archive,
            actor,
            dossier_id,
            document_service.DocumentDraft(
                kind="bien_ban_vi_pham",
                title=f"Biên bản số {n}",
                number=f"{n}/BB-VPHC",
                issued_on=date(2024, 5, 26),
                issuer="Đội Thanh tra xây dựng",
            ),
            received(archive, make_pdf(n)),
        )
        for n in (1, 2, 3)
    ]
    assert [d.position for d in added] == [1, 2, 3]
    for document in added:
        assert document == document_service.fetch(archive, actor, document.id, record=False)
        assert document.created_at.tzinfo is not None
        assert document.current.uploaded_at.tzinfo is not None
