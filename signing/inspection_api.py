"""The auditors' inspection package over HTTP, and the archive's seal to check it with."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO

import anyio
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.metadata.schema import MAX_ROW_ID
from signing import inspection, seal

router = APIRouter(tags=["Ký số · Signing"])


@router.get(
    "/api/inspection-package",
    responses={
        **answers(
            "dossier_not_found",
            "role_not_allowed",
            "bad_dossier_list",
            "signing_failed",
            "seal_unreadable",
        ),
        200: {"content": {"application/zip": {}}, "description": "The signed package"},
    },
    response_class=StreamingResponse,
    summary="Gói kiểm tra cho thanh tra · The auditors' inspection package",
    description="A ZIP of the `dossier` ids given (1 to 50, each one the caller may read): "
    "every version of every document byte for byte, the metadata as JSON, the verification "
    "of every signature (JSON and PDF), the audit-trail entries with their chain hashes, a "
    "SHA-256 manifest signed by the archive's own key (detached CAdES, timestamped when "
    "`ARCHIVE_TSA_URL` is set), its certificate, and a README saying how to check it with "
    "sha256sum, openssl and pdfsig. Audited as `inspection.package`.",
)
async def package(
    actor: ActorDep,
    archive: ArchiveDep,
    dossier: Annotated[list[int], Query(min_length=1, max_length=50)],
) -> StreamingResponse:
    if any(not 1 <= i <= MAX_ROW_ID for i in dossier):
        from archive.domain.errors import dossier_not_found

        raise dossier_not_found()
    archive.incoming_dir.mkdir(parents=True, exist_ok=True)
    # Named as an upload's spool file: if the process dies before the answer is sent, the
    # sweep of abandoned spool files (ARCHIVE_SPOOL_GRACE_HOURS) removes it.
    spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 - removed once sent, or on failure
        dir=archive.incoming_dir, prefix="upload-package-", suffix=".part", delete=False
    )
    try:
        with spool:
            made = await anyio.to_thread.run_sync(
                inspection.make, archive, actor, list(dossier), spool
            )
    except BaseException:
        _remove(spool.name)
        raise
    name = inspection.package_name([str(i) for i in dossier])
    size = os.path.getsize(spool.name)
    # Opened, then unlinked at once: the open file is read to its end all the same, and
    # nothing is left behind however the answer ends (sent, cut short, or the process
    # killed), with no race between the last byte and a clean-up.
    source = open(spool.name, "rb")  # noqa: SIM115 - closed by the answer's iterator
    _remove(spool.name)
    return StreamingResponse(
        _sent(source),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(size),
            "X-Archive-Manifest-SHA256": made.manifest_sha256,
        },
    )


def _sent(source: BinaryIO) -> Iterator[bytes]:
    try:
        while block := source.read(1024 * 1024):
            yield block
    finally:
        source.close()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@router.get(
    "/api/inspection-package/seal",
    responses=answers(),
    summary="Chứng thư của kho · The archive's seal certificate",
    description="The certificate the archive signs inspection packages with, and its SHA-256 "
    "fingerprint, to compare with the one inside a package.",
)
async def seal_certificate(actor: ActorDep, archive: ArchiveDep) -> dict[str, Any]:
    key = await anyio.to_thread.run_sync(seal.seal_key, archive.settings)
    return {
        "subject": key.certificate.subject.human_friendly,
        "fingerprint_sha256": seal.fingerprint(key),
        "certificate_pem": seal.certificate_pem(key).decode(),
    }
