"""A stand-in remote signing service (as VNPT SmartCA or Viettel MySign) on loopback.

A real HTTP server (``http.server.ThreadingHTTPServer`` on a free port, in a thread)
holding the test PKI's leader key, loaded from its PKCS#12 file, and speaking the JSON API
that ``signing.remote.HttpRemoteSigningService`` calls:

- ``GET /v1/credentials/{user_id}`` → ``{"certificates": [base64 DER, ...]}``
- ``POST /v1/signatures`` ``{"user_id", "digest", "digest_algorithm", "description"}``
  → ``{"transaction_id"}``
- ``GET /v1/signatures/{id}`` → ``{"status": "pending"}`` for ``pending_polls`` polls,
  then what ``answer`` says: ``approve`` (``{"status": "approved", "signature"}``),
  ``reject``, ``expire``, ``never`` (pending for ever: nobody looks at the phone), or
  ``wrong_key`` (approved, but signed by some other key than the certificate's).

Every request is recorded (method, path, body), so a test can see what left the archive.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import unquote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import pkcs12

from signing.remote import HttpRemoteSigningService
from support.pki import PIN

Answer = Literal["approve", "reject", "expire", "never", "wrong_key"]

USER_ID = "001080012345"  # the leader's citizen ID number: how SmartCA names its users
CLIENT_ID = "kho-luu-tru"
CLIENT_SECRET = "bi-mat-cua-kho-luu-tru"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    body: bytes


@dataclass
class _Transaction:
    user_id: str
    digest: bytes
    polls: int = 0


@dataclass
class RemoteSigner:
    """Context manager: the running stand-in. Set ``answer`` to choose what the phone
    says; ``received`` lists every request it got, in order."""

    p12: Path
    user_id: str = USER_ID
    answer: Answer = "approve"
    pending_polls: int = 1
    received: list[Received] = field(default_factory=list)
    signed: int = 0
    _transactions: dict[str, _Transaction] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        key, cert, extra = pkcs12.load_key_and_certificates(self.p12.read_bytes(), PIN.encode())
        assert isinstance(key, RSAPrivateKey) and cert is not None
        self._key = key
        self._chain = [c.public_bytes(serialization.Encoding.DER) for c in [cert, *(extra or [])]]

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def service(self, **options: Any) -> HttpRemoteSigningService:
        """The archive's client for this stand-in, with its credentials."""
        options.setdefault("poll_interval", 0.02)
        options.setdefault("approval_timeout", 10.0)
        return HttpRemoteSigningService(self.base_url, CLIENT_ID, CLIENT_SECRET, 5.0, **options)

    def __enter__(self) -> RemoteSigner:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.stand_in = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- the API ---------------------------------------------------------------------

    def handle(self, method: str, path: str, body: bytes, auth: str | None) -> tuple[int, Any]:
        with self._lock:
            self.received.append(Received(method, path, body))
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}":
            return 401, {"error": "unauthorized"}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if method == "GET" and parts[:2] == ["v1", "credentials"] and len(parts) == 3:
            if parts[2] != self.user_id:
                return 404, {"error": "no such user"}
            return 200, {"certificates": [base64.b64encode(der).decode() for der in self._chain]}
        if method == "POST" and parts == ["v1", "signatures"]:
            return self._start(body)
        if method == "GET" and parts[:2] == ["v1", "signatures"] and len(parts) == 3:
            return self._status(parts[2])
        return 404, {"error": "no such endpoint"}

    def _start(self, body: bytes) -> tuple[int, Any]:
        try:
            request = json.loads(body)
            digest = base64.b64decode(request["digest"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error):
            return 400, {"error": "bad request"}
        if request.get("digest_algorithm") != "sha256" or len(digest) != 32:
            return 400, {"error": "a SHA-256 digest is expected"}
        if request.get("user_id") != self.user_id:
            return 404, {"error": "no such user"}
        transaction = secrets.token_hex(8)
        with self._lock:
            self._transactions[transaction] = _Transaction(request["user_id"], digest)
        return 200, {"transaction_id": transaction}

    def _status(self, transaction_id: str) -> tuple[int, Any]:
        with self._lock:
            transaction = self._transactions.get(transaction_id)
            if transaction is None:
                return 404, {"error": "no such transaction"}
            transaction.polls += 1
            if transaction.polls <= self.pending_polls or self.answer == "never":
                return 200, {"status": "pending"}
            if self.answer == "reject":
                return 200, {"status": "rejected"}
            if self.answer == "expire":
                return 200, {"status": "expired"}
            self.signed += 1
        # The leader approved: the key signs the DigestInfo of the digest (PKCS#1 v1.5).
        key = self._key
        if self.answer == "wrong_key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signature = key.sign(transaction.digest, PKCS1v15(), Prehashed(SHA256()))
        return 200, {"status": "approved", "signature": base64.b64encode(signature).decode()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (40 ms on Linux) on every answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stand_in = cast(RemoteSigner, self.server.stand_in)  # type: ignore[attr-defined]
        status, answer = stand_in.handle(
            self.command, self.path, body, self.headers.get("Authorization")
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet in test output
        pass
