"""`archive sign` as a leader at a signing workstation runs it: a key file or a USB token
(SoftHSM2 here), the PIN asked once for the batch and never echoed; each document a new
version; a wrong PIN signs nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.archives import open_backend
from support.people import seed_people
from support.pki import PIN, Pki
from support.services import new_dossier, received
from support.softhsm import SoftHsm

from archive.services import documents as document_service
from signing.verdicts import Verdict


@pytest.fixture
def archive_with_documents(
    tmp_path: Path, pki: Pki
) -> Iterator[tuple[dict[str, str], list[int], Path]]:
    settings = {
        "signature_level": "B-LT",
        "tsa_url": pki.tsa_url,
        "trust_roots": str(pki.root_pem),
    }
    with open_backend("embedded", tmp_path, **settings) as opened:
        archive = opened.archive
        people = seed_people(archive)
        official = archive.actor(people["official_tp"])
        dossier_id = new_dossier(archive, official)
        ids = []
        from support.pdfs import decision_pdf

        for _ in range(3):
            document = document_service.add(
                archive,
                official,
                dossier_id,
                document_service.DocumentDraft(kind="quyet_dinh_xu_phat", title="Quyết định"),
                received(archive, decision_pdf()),
            )
            ids.append(document.id)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
        env.update(
            ARCHIVE_DATA_DIR=str(opened.settings.data_dir),
            ARCHIVE_SIGNATURE_LEVEL="B-LT",
            ARCHIVE_TSA_URL=pki.tsa_url,
            ARCHIVE_TRUST_ROOTS=str(pki.root_pem),
            PYTHONIOENCODING="utf-8",
        )
        yield env, ids, opened.settings.data_dir


def run(env: dict[str, str], *args: str, pin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", "sign", *args],
        input=pin + "\n",
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )


def versions(data_dir: Path, ids: list[int]) -> list[int]:
    from archive.services.context import Archive
    from archive.settings import Settings

    archive = Archive.open(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    try:
        with archive.db.read() as conn:
            return [document_service.located(conn, i, None)[0].current.version for i in ids]
    finally:
        archive.close()


def test_a_batch_signed_with_a_key_file_and_one_pin(
    archive_with_documents: tuple[dict[str, str], list[int], Path], pki: Pki
) -> None:
    env, ids, data_dir = archive_with_documents
    key = str(pki.pkcs12("leader"))
    wrong = run(env, *map(str, ids), "--as", "leader_tp", "--key", key, pin="000000")
    assert wrong.returncode == 1
    assert "PIN" in wrong.stderr and "000000" not in wrong.stderr + wrong.stdout
    assert versions(data_dir, ids) == [1, 1, 1]

    done = run(
        env, *map(str, ids), "--as", "leader_tp", "--key", key, "--title", "Trưởng phòng", pin=PIN
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("đã ký · signed") == 3
    assert PIN not in done.stdout + done.stderr
    assert versions(data_dir, ids) == [2, 2, 2]


def test_a_batch_signed_with_a_usb_token(
    archive_with_documents: tuple[dict[str, str], list[int], Path],
    pki: Pki,
    tmp_path: Path,
) -> None:
    env, ids, data_dir = archive_with_documents
    with SoftHsm(tmp_path / "hsm") as hsm:
        token = hsm.add_token("LanhDao", "246810", {"leader": (pki.pkcs12("leader"), PIN)})
        env = {**env, "SOFTHSM2_CONF": str(hsm.conf)}
        done = run(
            env,
            *map(str, ids),
            "--as",
            "leader_tp",
            "--token-library",
            token.library,
            "--token-label",
            token.label,
            pin=token.pin,
        )
    assert done.returncode == 0, done.stderr
    assert versions(data_dir, ids) == [2, 2, 2]
    verified = subprocess.run(
        [sys.executable, "-m", "archive.cli", "verify", "--json", "--trust", str(pki.root_pem)]
        + [str(p) for p in _current_files(data_dir, ids)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout
    assert Verdict.VALID.value in verified.stdout


def _current_files(data_dir: Path, ids: list[int]) -> list[Path]:
    from archive.services.context import Archive
    from archive.settings import Settings

    archive = Archive.open(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    out = []
    try:
        for document_id in ids:
            with archive.db.read() as conn:
                document, _ = document_service.located(conn, document_id, None)
            target = data_dir.parent / f"{document_id}.pdf"
            target.write_bytes(b"".join(archive.store.read(document.current.storage_key)))
            out.append(target)
    finally:
        archive.close()
    return out


def test_one_way_to_sign_must_be_chosen(
    archive_with_documents: tuple[dict[str, str], list[int], Path],
) -> None:
    env, ids, _ = archive_with_documents
    neither = run(env, str(ids[0]), "--as", "leader_tp", pin=PIN)
    assert neither.returncode == 2
    assert "--key" in neither.stderr


def test_signed_copies_are_kept_long_term_once(
    archive_with_documents: tuple[dict[str, str], list[int], Path], pki: Pki
) -> None:
    env, ids, data_dir = archive_with_documents
    env = {**env, "ARCHIVE_SIGNATURE_LEVEL": "B-T"}
    signed = run(
        env, *map(str, ids[:2]), "--as", "leader_tp", "--key", str(pki.pkcs12("leader")), pin=PIN
    )
    assert signed.returncode == 0, signed.stderr
    dossier = _dossier_of(data_dir, ids[0])

    def long_term() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive.cli", "long-term", str(dossier), "--as", "admin"],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
            check=False,
        )

    first = long_term()
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("B-LTA → phiên bản · version 3") == 2
    assert versions(data_dir, ids) == [3, 3, 1]  # the unsigned one is left alone
    second = long_term()
    assert second.returncode == 0
    assert second.stdout.count("already B-LTA") == 2
    assert versions(data_dir, ids) == [3, 3, 1]
    files = _current_files(data_dir, ids[:2])
    verified = subprocess.run(
        [sys.executable, "-m", "archive.cli", "verify", "--trust", str(pki.root_pem)]
        + [str(p) for p in files],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.count("hợp lệ · valid (PAdES B-LTA)") == 2


def _dossier_of(data_dir: Path, document_id: int) -> int:
    from archive.services.context import Archive
    from archive.settings import Settings

    archive = Archive.open(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    try:
        with archive.db.read() as conn:
            return document_service.located(conn, document_id, None)[0].dossier_id
    finally:
        archive.close()
