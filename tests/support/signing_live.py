"""A running archive that signs against the loopback test PKI, and the signing request a
leader's browser sends, for the signing stage's HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from support.archives import open_backend
from support.live import Api, LiveServer
from support.people import seed_people
from support.pki import PIN, Pki


def live_signing(kind: str, folder: Path, **settings: Any) -> Iterator[Api]:
    with open_backend(kind, folder, **settings) as opened:
        people = seed_people(opened.archive)
        with LiveServer(opened.archive) as server:
            yield Api(server.base_url, opened, people)


def key_file(pki: Pki, label: str) -> tuple[str, bytes, str]:
    return (f"{label}.p12", pki.pkcs12(label).read_bytes(), "application/x-pkcs12")


def sign_request(
    client: httpx.Client,
    pki: Pki,
    ids: list[int],
    *,
    label: str = "leader",
    pin: str = PIN,
    **fields: str,
) -> httpx.Response:
    return client.post(
        "/api/signing",
        data={"documents": ",".join(map(str, ids)), "pin": pin, **fields},
        files={"key": key_file(pki, label)},
        timeout=60,
    )
