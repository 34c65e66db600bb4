"""The auditors' inspection package: dossiers as a ZIP anyone can check with common tools.

For each dossier: every stored version of every document (the originals byte for byte,
and each signed version), the dossier's and documents' metadata as JSON, the verification
of every signature (JSON and PDF), and the dossier's audit-trail entries with their chain
hashes. Over all of it a SHA-256 manifest in ``sha256sum`` format, signed by the archive's
own key as a detached CAdES signature (timestamped when a TSA is configured), with the
certificate beside it, and a README saying how to check each part.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from sqlalchemy import String, and_, cast, or_, select

from archive.domain.access import require
from archive.domain.errors import Invalid
from archive.domain.model import Document, Dossier
from archive.domain.roles import Action
from archive.metadata import audit
from archive.metadata.schema import audit_log
from archive.services import documents as document_service
from archive.services import dossiers as dossier_service
from archive.services.context import Actor, Archive
from signing import seal, service
from signing.keys import KeyRefused, SignerKey
from signing.pades import sign_failed
from signing.report_pdf import verification_pdf
from signing.stamps import VIETNAM
from signing.verdicts import FileReport, verify

MAX_DOSSIERS = 50
MANIFEST = "manifest.sha256"
SIGNATURE = "manifest.sha256.p7s"
CERTIFICATE = "archive-seal.pem"


@dataclass(frozen=True)
class Made:
    dossiers: int
    files: int
    manifest_sha256: str
    seal_fingerprint: str


def make(archive: Archive, actor: Actor, dossier_ids: Sequence[int], out: IO[bytes]) -> Made:
    """Write the package of ``dossier_ids`` (each readable by ``actor``) to ``out``."""
    # The package carries the audit trail: only those who may read the trail make one.
    require(actor.user, Action.READ_AUDIT)
    if not 1 <= len(dossier_ids) <= MAX_DOSSIERS or len(set(dossier_ids)) != len(dossier_ids):
        raise Invalid(
            "bad_dossier_list",
            f"Gói kiểm tra gồm từ 1 đến {MAX_DOSSIERS} hồ sơ khác nhau.",
            f"An inspection package holds 1 to {MAX_DOSSIERS} different dossiers.",
        )
    found = [
        dossier_service.fetch(
            archive, actor, i, view="record", detail={"for": "inspection_package"}
        )
        for i in dossier_ids
    ]
    key = _seal(archive)
    now = datetime.now(UTC)
    manifest: list[tuple[str, str]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:

        def put(name: str, data: bytes) -> None:
            package.writestr(_entry(name, now), data)
            manifest.append((hashlib.sha256(data).hexdigest(), name))

        for dossier in found:
            _dossier(archive, actor, dossier, put, now)
        head_seq, head_hash = _head(archive)
        put(
            "audit-head.json",
            _json({"seq": head_seq, "hash": head_hash, "at": now.isoformat()}),
        )
        readme = _readme(found, seal.fingerprint(key), now)
        put("README.txt", readme.encode("utf-8"))
        listing = "".join(f"{digest}  {name}\n" for digest, name in manifest).encode()
        package.writestr(_entry(MANIFEST, now), listing)
        package.writestr(_entry(SIGNATURE, now), _signed(listing, key, archive))
        package.writestr(_entry(CERTIFICATE, now), seal.certificate_pem(key))
    with archive.db.write() as conn:
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="inspection.package",
            object_type="package",
            object_id=hashlib.sha256(listing).hexdigest()[:32],
            detail={
                "dossiers": list(dossier_ids),
                "files": len(manifest),
                "manifest_sha256": hashlib.sha256(listing).hexdigest(),
            },
        )
    return Made(
        len(found), len(manifest), hashlib.sha256(listing).hexdigest(), seal.fingerprint(key)
    )


def _seal(archive: Archive) -> SignerKey:
    try:
        return seal.seal_key(archive.settings)
    except OSError as error:
        raise Invalid(
            "seal_unreadable",
            f"Không đọc được khóa ký của kho (ARCHIVE_SEAL_KEY: {error.strerror}); hãy báo "
            "quản trị viên kiểm tra tệp khóa.",
            f"The archive's signing key cannot be read (ARCHIVE_SEAL_KEY: {error.strerror}); "
            "ask the administrator to check the key file.",
        ) from None
    except KeyRefused as refused:
        raise Invalid(
            "seal_unreadable",
            "Không mở được khóa ký của kho (ARCHIVE_SEAL_KEY, ARCHIVE_SEAL_KEY_PIN); hãy báo "
            "quản trị viên kiểm tra tệp khóa và mật khẩu.",
            f"The archive's signing key cannot be opened ({refused.code}); ask the "
            "administrator to check ARCHIVE_SEAL_KEY and ARCHIVE_SEAL_KEY_PIN.",
        ) from None


def _entry(name: str, now: datetime) -> zipfile.ZipInfo:
    local = now.astimezone(VIETNAM)
    info = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode("utf-8") + b"\n"


def _dossier(archive: Archive, actor: Actor, dossier: Dossier, put: Any, now: datetime) -> None:
    folder = f"{_safe(dossier.code)}/"
    documents = document_service.of_dossier(archive, actor, dossier.id)
    reports: list[FileReport] = []
    for document in documents:
        for version in document.versions:
            name = f"{folder}documents/{document.position:03d}-{document.id}-v{version.version}.pdf"
            pdf = _version_bytes(archive, actor, document, version.version)
            put(name, pdf)
            if version.version == document.current.version:
                reports.append(verify(pdf, service.trust_roots(archive.settings), name=name))
    put(f"{folder}metadata.json", _json(_metadata(dossier, documents)))
    put(
        f"{folder}verification.json",
        _json(
            {
                "verdict": service.overall_verdict(reports).value,
                "files": [r.as_json() for r in reports],
            }
        ),
    )
    put(
        f"{folder}verification.pdf",
        verification_pdf(
            reports,
            title="Báo cáo kiểm tra chữ ký số",
            subject=f"Hồ sơ {dossier.code}: {dossier.title}",
            made_at=now,
            trust_roots=[
                c.subject.human_friendly for c in service.trust_roots(archive.settings).certificates
            ],
        ),
    )
    put(f"{folder}audit-trail.json", _json(_trail(archive, dossier, documents)))


def _version_bytes(archive: Archive, actor: Actor, document: Document, version: int) -> bytes:
    _, _, checked = document_service.open_content(archive, actor, document.id, version)
    return b"".join(checked.stream())


def _metadata(dossier: Dossier, documents: Iterable[Document]) -> dict[str, Any]:
    return {
        "dossier": {
            "id": dossier.id,
            "code": dossier.code,
            "title": dossier.title,
            "case_type": dossier.case_type,
            "case_type_version": dossier.case_type_version,
            "field": dossier.field,
            "stage": dossier.stage,
            "opened_on": dossier.opened_on,
            "closed_on": dossier.closed_on,
            "parties": [dataclasses.asdict(p) for p in dossier.parties],
            "custom": dossier.custom,
            "key_dates": dossier.key_dates,
        },
        "documents": [
            {
                "id": d.id,
                "position": d.position,
                "kind": d.kind,
                "title": d.title,
                "number": d.number,
                "issued_on": d.issued_on,
                "issuer": d.issuer,
                "versions": [
                    {
                        "version": v.version,
                        "sha256": v.sha256,
                        "size": v.size,
                        "pages": v.page_count,
                        "reason": str(v.reason),
                        "derived_from": v.derived_from,
                        "signatures": v.signature_count,
                        "uploaded_at": v.uploaded_at,
                    }
                    for v in d.versions
                ],
            }
            for d in documents
        ],
    }


def _trail(archive: Archive, dossier: Dossier, documents: Sequence[Document]) -> dict[str, Any]:
    ids = [str(d.id) for d in documents]
    query = (
        select(audit_log)
        .where(
            or_(
                and_(
                    audit_log.c.object_type == "dossier",
                    audit_log.c.object_id == cast(str(dossier.id), String),
                ),
                and_(audit_log.c.object_type == "document", audit_log.c.object_id.in_(ids)),
            )
        )
        .order_by(audit_log.c.seq)
    )
    with archive.db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return {
        "how_to_check": (
            "hash = sha256(prev_hash + json.dumps([seq, at, actor_id, actor, action, "
            "object_type, object_id, unit_id, detail], sort_keys=True, ensure_ascii=False, "
            "separators=(',', ':'))); see README.txt"
        ),
        "entries": [
            {
                "seq": r["seq"],
                "at": _utc_text(r["at"]),
                "actor_id": r["actor_id"],
                "actor": r["actor"],
                "action": r["action"],
                "object_type": r["object_type"],
                "object_id": r["object_id"],
                "unit_id": r["unit_id"],
                "detail": r["detail"],
                "prev_hash": r["prev_hash"],
                "hash": r["hash"],
            }
            for r in rows
        ],
    }


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _head(archive: Archive) -> tuple[int, str]:
    with archive.db.read() as conn:
        return audit.head(conn)


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in code) or "ho-so"


def _signed(listing: bytes, key: SignerKey, archive: Archive) -> bytes:
    tsa = archive.settings.tsa_url
    timestamper = HTTPTimeStamper(tsa) if tsa else None
    try:
        content = asyncio.run(
            key.signer.async_sign_general_data(
                listing, "sha256", detached=True, use_cades=True, timestamper=timestamper
            )
        )
    except (SigningError, TimestampRequestError, OSError) as error:
        raise service.as_archive_error(sign_failed(error)) from None
    return bytes(content.dump())


def _readme(found: Sequence[Dossier], fingerprint: str, now: datetime) -> str:
    codes = ", ".join(d.code for d in found)
    when = now.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S +07:00")
    return f"""GÓI KIỂM TRA HỒ SƠ · INSPECTION PACKAGE
Hồ sơ · Dossiers: {codes}
Lập lúc · Made at: {when}
Dấu vân tay chứng thư của kho (SHA-256) · Archive seal certificate fingerprint:
  {fingerprint}

Nội dung · Contents
  <mã hồ sơ>/documents/*.pdf    mọi phiên bản của mọi tài liệu, đúng từng byte như lưu trữ
                                every version of every document, byte for byte as stored
  <mã hồ sơ>/metadata.json      thông tin hồ sơ và tài liệu (mã băm SHA-256 từng phiên bản)
                                dossier and document records (each version's SHA-256)
  <mã hồ sơ>/verification.*     kết quả kiểm tra từng chữ ký số (JSON và PDF)
                                the verification of every signature (JSON and PDF)
  <mã hồ sơ>/audit-trail.json   nhật ký của hồ sơ và tài liệu, với mã băm chuỗi
                                the dossier's and documents' audit entries with chain hashes
  audit-head.json               đầu chuỗi nhật ký lúc lập gói · the trail's head at packing
  {MANIFEST}               mã SHA-256 của mọi tệp trên · SHA-256 of every file above
  {SIGNATURE}           chữ ký số của kho trên manifest (CAdES tách rời, có dấu thời gian
                                nếu kho có dịch vụ cấp dấu thời gian) · the archive's detached
                                CAdES signature over the manifest (timestamped if configured)
  {CERTIFICATE}              chứng thư của khóa ký của kho · the archive's signing certificate

Cách kiểm tra · How to check (Linux, macOS; on Windows use WSL or Git Bash)
1. Gói còn nguyên vẹn · The files are those listed:
     sha256sum -c {MANIFEST}
2. Manifest do kho ký, chưa bị sửa · The manifest is the archive's, unchanged:
     openssl x509 -in {CERTIFICATE} -noout -fingerprint -sha256
       (so với dấu vân tay ở trên và với dấu vân tay kho công bố · compare with the
        fingerprint above and the one the archive publishes)
     openssl cms -verify -binary -inform DER -in {SIGNATURE} -content {MANIFEST} \\
       -certfile {CERTIFICATE} -CAfile {CERTIFICATE} -purpose any -out /dev/null
       (với khóa do CA cấp, thay -CAfile bằng chứng thư gốc của CA · with a CA-issued key,
        give the CA's root as -CAfile)
3. Chữ ký số trong từng PDF · The signatures inside each PDF:
     pdfsig <mã hồ sơ>/documents/<tệp>.pdf
     (hoặc · or: archive verify <tệp>.pdf --trust <chứng thư gốc>.pem)
4. Nhật ký · Each audit entry's hash:
     python3 -c 'import json,hashlib,sys
     for e in json.load(open(sys.argv[1]))["entries"]:
         c=json.dumps([e["seq"],e["at"],e["actor_id"],e["actor"],e["action"],e["object_type"],
           e["object_id"],e["unit_id"],e["detail"]],sort_keys=True,ensure_ascii=False,
           separators=(",",":"))
         ok=hashlib.sha256((e["prev_hash"]+c).encode()).hexdigest()==e["hash"]
         print(e["seq"],"OK" if ok else "SAI · WRONG")' <mã hồ sơ>/audit-trail.json
   Các mục của một hồ sơ không liền nhau trong chuỗi; toàn chuỗi được kiểm tra trong kho
   (archive audit verify) và so với audit-head.json. · A dossier's entries are not contiguous
   in the chain; the whole chain is checked in the archive (archive audit verify) against
   audit-head.json.
"""


def package_name(codes: Sequence[str], now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(VIETNAM)
    first = _safe(codes[0]) if codes else "ho-so"
    more = f"-va-{len(codes) - 1}-ho-so-khac" if len(codes) > 1 else ""
    return f"goi-kiem-tra-{first}{more}-{moment:%Y%m%d-%H%M%S}.zip"


def write_to(path: Path, archive: Archive, actor: Actor, dossier_ids: Sequence[int]) -> Made:
    part = path.with_suffix(path.suffix + ".part")
    try:
        with part.open("wb") as out:
            made = make(archive, actor, dossier_ids, out)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return made
