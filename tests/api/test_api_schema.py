"""The published OpenAPI document tells a client the truth, and nothing a client sends makes
the server fail: schemathesis generates requests for every operation, as each role, and
checks every answer against the schema — no 5xx, no undeclared status, no error code
outside the declared enum, no body that does not match.

A run here found, before this was fixed: ``PATCH /api/documents/{id}`` with ``{}`` (an
UPDATE with no columns), huge ``offset`` and ``before_seq`` values (500), and a 405
without its ``Allow`` header.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.archives import open_backend
from support.live import Api, LiveServer
from support.pdfs import make_pdf
from support.people import seed_people
from support.services import new_dossier, received

from archive.services import documents as document_service

ROLES = ["official_tp", "auditor", "admin"]
EXAMPLES = 12
# Operations that would end the run's own session, or lock the run's own accounts out, are
# left to the tests written for them.
EXCLUDED = [
    "--exclude-path",
    "/api/auth/logout",
    "--exclude-path",
    "/api/auth/tokens/{token_id}",
    "--exclude-path",
    "/api/users/{user_id}/deactivate",
    "--exclude-path",
    "/api/users/{user_id}/tokens/{token_id}",
]

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """A running archive of its own (the run changes what it may), with one dossier holding
    one document so that some generated ids name real things."""
    with open_backend(request.param, tmp_path_factory.mktemp("schema")) as backend:
        people = seed_people(backend.archive)
        actor = backend.archive.actor(people["official_tp"])
        dossier_id = new_dossier(backend.archive, actor, "Hồ sơ thử nghiệm lược đồ")
        document_service.add(
            backend.archive,
            actor,
            dossier_id,
            document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản"),
            received(backend.archive, make_pdf(2)),
        )
        with LiveServer(backend.archive) as server:
            yield Api(server.base_url, backend, people)


def _schemathesis(api: Api, token: str, report: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{api.base_url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "20261130",
            "--workers",
            "1",
            "--no-color",
            "--request-timeout",
            "60",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
            *EXCLUDED,
        ],
        capture_output=True,
        text=True,
        timeout=800,
        cwd=report.parent,  # schemathesis keeps a crash cache in its working directory
        check=False,
    )


@pytest.mark.parametrize("username", ROLES)
def test_no_generated_request_gets_a_server_error_or_an_undeclared_answer(
    fuzzed: Api, username: str, tmp_path: Path
) -> None:
    result = _schemathesis(fuzzed, fuzzed.token(username), tmp_path / "junit.xml")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    assert "Test cases:" in output and "passed" in output, output[-4000:]
    assert (tmp_path / "junit.xml").read_text().count("<testcase") >= 30
