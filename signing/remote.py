"""Signing with a key that a remote signing service holds (VNPT SmartCA, Viettel MySign).

The leader's key never leaves the provider, and the PDF never leaves the archive. This is
pyHanko's *interrupted signing*:

1. the archive lays the signature into the PDF (its field, visible stamp, signature
   dictionary and the room kept for the CMS), hashes the byte ranges, and builds the
   PAdES signed attributes over that hash (``PdfSigner.async_digest_doc_for_signing``,
   then ``Signer.signed_attrs``);
2. only the SHA-256 of those signed attributes (32 bytes) goes to the service, which asks
   the leader to approve on their phone and answers with the raw RSA PKCS#1 v1.5
   signature; no event loop, open file or socket is held while the phone is waited for;
3. the signature is checked against the leader's certificate, packed into the CMS (with
   its RFC 3161 timestamp from B-T up) and written into the room kept for it; the
   revocation data (B-LT) and the document timestamp (B-LTA) follow, as pyHanko's
   post-signing instructions say (``PdfTBSDocument.async_finish_signing``).
"""

from __future__ import annotations

import abc
import asyncio
import base64
import binascii
import dataclasses
import functools
import hashlib
import io
import ssl
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from asn1crypto import algos, cms, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.hashes import SHA256
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.keys import SignerKey, check_in_date, common_name
from signing.pades import SigningRefused, SigningSetup, plan, sign_failed
from signing.stamps import VIETNAM, Stamp

DIGEST_ALGORITHM = "sha256"

_T = TypeVar("_T")


class RemoteSigningService(abc.ABC):
    """A provider that keeps users' keys and signs a digest once the user approves.

    Implementations raise ``SigningRefused`` with code ``remote_rejected`` (the user
    declined), ``remote_timeout`` (no answer in time) or ``remote_unavailable`` (the
    service cannot be reached or answers nonsense).
    """

    @abc.abstractmethod
    def certificates(self, user_id: str) -> list[x509.Certificate]:
        """The user's signing certificate first, then its chain."""

    @abc.abstractmethod
    def sign_digest(
        self, user_id: str, digest: bytes, digest_algorithm: str, description: str
    ) -> bytes:
        """The raw RSA PKCS#1 v1.5 signature over the DigestInfo of ``digest``, once the
        user approved ``description`` on their device."""


class HttpRemoteSigningService(RemoteSigningService):
    """A remote signing service's JSON API, with HTTP Basic client credentials.

    - ``GET {base}/v1/credentials/{user_id}`` → ``{"certificates": [base64 DER, ...]}``
    - ``POST {base}/v1/signatures`` with ``{"user_id", "digest", "digest_algorithm",
      "description"}`` → ``{"transaction_id"}``
    - ``GET {base}/v1/signatures/{transaction_id}`` → ``{"status": "pending"}``, then
      ``{"status": "approved", "signature": base64}``, ``"rejected"`` or ``"expired"``.

    ``timeout`` bounds each HTTP request; ``approval_timeout`` how long the user has to
    approve on the phone; ``poll_interval`` the wait between two status requests;
    ``verify`` is httpx's (a CA bundle's path, for a provider under a national root).
    Every call opens its own connection and closes it before returning; the TLS context
    (loading the CA bundle: ~30 ms) is made once.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
        *,
        approval_timeout: float = 300.0,
        poll_interval: float = 2.0,
        verify: ssl.SSLContext | str | bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self.approval_timeout = approval_timeout
        self.poll_interval = poll_interval
        self._verify = verify

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"HttpRemoteSigningService({self.base_url!r}, client_id={self.client_id!r})"

    def certificates(self, user_id: str) -> list[x509.Certificate]:
        with self._client() as client:
            answer = _call(client, "GET", f"/v1/credentials/{quote(user_id, safe='')}")
        blobs = answer.get("certificates")
        if not isinstance(blobs, list) or not blobs:
            raise _unavailable(f"no certificate for user {user_id}")
        return [_certificate(_b64(blob)) for blob in blobs]

    def sign_digest(
        self, user_id: str, digest: bytes, digest_algorithm: str, description: str
    ) -> bytes:
        request = {
            "user_id": user_id,
            "digest": base64.b64encode(digest).decode("ascii"),
            "digest_algorithm": digest_algorithm,
            "description": description,
        }
        with self._client() as client:
            started = _call(client, "POST", "/v1/signatures", json=request)
            transaction = started.get("transaction_id")
            if not isinstance(transaction, str) or not transaction:
                raise _unavailable("no transaction_id in the answer")
            deadline = time.monotonic() + self.approval_timeout
            path = f"/v1/signatures/{quote(transaction, safe='')}"
            while True:
                state = _call(client, "GET", path)
                status = state.get("status")
                if status == "approved":
                    return _b64(state.get("signature"))
                if status == "rejected":
                    raise _rejected()
                if status == "expired":
                    raise _timeout(self.approval_timeout)
                if status != "pending":
                    raise _unavailable(f"unknown transaction status {status!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _timeout(self.approval_timeout)
                time.sleep(min(self.poll_interval, remaining))

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            auth=(self.client_id, self._client_secret),
            timeout=self.timeout,
            headers={"Accept": "application/json"},
            verify=self._tls(),
        )

    def _tls(self) -> ssl.SSLContext | bool:
        verify = self._verify
        if verify is False or isinstance(verify, ssl.SSLContext):
            return verify
        if verify is True:
            return _default_tls()
        # A CA bundle's path: loaded on first use, then kept.
        context = httpx.create_ssl_context(verify=verify)
        self._verify = context
        return context


@functools.cache
def _default_tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise _unavailable(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 400:
        raise _unavailable(f"HTTP {response.status_code} for {method} {path}")
    try:
        answer = response.json()
    except ValueError as error:
        raise _unavailable(f"not JSON from {method} {path}") from error
    if not isinstance(answer, dict):
        raise _unavailable(f"not a JSON object from {method} {path}")
    return answer


def _certificate(der: bytes) -> x509.Certificate:
    try:
        certificate = x509.Certificate.load(der, strict=True)
        _ = (certificate.subject.native, certificate.public_key.algorithm)  # parsed now
    except (ValueError, TypeError, KeyError) as error:
        raise _unavailable(f"unreadable certificate: {error}") from error
    return certificate


def _b64(value: object) -> bytes:
    if not isinstance(value, str):
        raise _unavailable("a base64 value is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise _unavailable("a value is not base64") from error


@dataclass(frozen=True)
class _Prepared:
    """The PDF in its final pre-signing state and what its signature has to sign."""

    digest: PreparedByteRangeDigest
    document: PdfTBSDocument
    output: io.BytesIO
    signed_attrs: cms.CMSAttributes

    @property
    def to_sign(self) -> bytes:
        """What leaves the archive: the hash of the DER signed attributes."""
        return hashlib.sha256(self.signed_attrs.dump()).digest()


def sign_remotely(
    pdf: bytes,
    service: RemoteSigningService,
    user_id: str,
    stamp: Stamp,
    setup: SigningSetup,
    *,
    reason: str | None = None,
    field_name: str | None = None,
    description: str | None = None,
    when: datetime | None = None,
) -> bytes:
    """``pdf`` with one more signature, by the key ``service`` keeps for ``user_id``.

    As ``signing.pades.sign``: an incremental update at ``setup.level`` carrying the
    visible ``stamp``, in the empty field ``field_name`` or a new one at the stamp's
    place. ``description`` is what the signer's phone shows: name the document in it
    (the reason by default). Only a 32-byte digest is sent with it.

    Raises ``SigningRefused`` (``remote_rejected``, ``remote_timeout``,
    ``remote_unavailable``, ``remote_bad_signature``, ``remote_unsupported_key``, and the
    codes of ``signing.pades.sign``) and ``KeyRefused`` for a certificate out of date.
    """
    now = when or datetime.now(VIETNAM)
    # The PDF is read and its field placed before the service hears of it.
    planned = plan(
        pdf, stamp, setup, signer_name="", field_name=field_name, reason=reason, when=now
    )
    chain = service.certificates(user_id)
    if not chain:
        raise _unavailable(f"no certificate for user {user_id}")
    certificate = chain[0]
    _require_rsa(certificate)
    placeholder = _external_signer(chain, bytes(_modulus_bytes(certificate)))
    check_in_date(SignerKey(signer=placeholder, certificate=certificate), now)
    planned.meta = dataclasses.replace(
        planned.meta, md_algorithm=DIGEST_ALGORITHM, name=common_name(certificate)
    )
    validation_context = planned.meta.validation_context
    pdf_signer = planned.signer_for(placeholder, setup)
    prepared = _run(
        _prepare(pdf_signer, planned.writer, placeholder, planned.lines), validation_context
    )

    to_sign = prepared.to_sign
    text = description or reason or "Ký số văn bản trên kho lưu trữ hồ sơ"
    signature = service.sign_digest(user_id, to_sign, DIGEST_ALGORITHM, text)
    _check_signature(certificate, to_sign, signature)

    _run(_finish(prepared, chain, signature), validation_context)
    return prepared.output.getvalue()


async def _prepare(
    pdf_signer: signers.PdfSigner,
    writer: IncrementalPdfFileWriter,
    placeholder: signers.Signer,
    lines: str,
) -> _Prepared:
    """Everything up to the digest: field, stamp, signature dictionary with room for the
    CMS, the byte-range hash and (B-LT and up) the chain's revocation data, gathered now."""
    digest, document, output = await pdf_signer.async_digest_doc_for_signing(
        writer, appearance_text_params={"lines": lines}
    )
    assert isinstance(output, io.BytesIO)
    signed_attrs = await placeholder.signed_attrs(
        digest.document_digest,
        DIGEST_ALGORITHM,
        use_pades=True,
        timestamper=document.timestamper,
    )
    return _Prepared(digest, document, output, signed_attrs)


async def _finish(prepared: _Prepared, chain: list[x509.Certificate], signature: bytes) -> None:
    """The returned signature packed into the CMS (timestamped from B-T up), written in
    its room, then pyHanko's post-signing instructions: DSS (B-LT), document timestamp
    (B-LTA)."""
    document = prepared.document
    signer = _external_signer(chain, signature)
    signature_cms = await signer.async_sign_prescribed_attributes(
        DIGEST_ALGORITHM, prepared.signed_attrs, timestamper=document.timestamper
    )
    await PdfTBSDocument.async_finish_signing(
        prepared.output,
        prepared.digest,
        signature_cms,
        post_sign_instr=document.post_sign_instructions,
        validation_context=document.validation_context,
    )


def _run(step: Coroutine[Any, Any, _T], context: ValidationContext | None) -> _T:
    """One step in an event loop of its own, its network sessions released at its end
    (as pyHanko's own synchronous entry points do), signing errors refused in words."""

    async def scoped() -> _T:
        try:
            return await step
        finally:
            if context is not None:
                await context.aclose()  # type: ignore[no-untyped-call]

    try:
        return asyncio.run(scoped())
    except (SigningError, TimestampRequestError) as error:
        raise sign_failed(error) from error


def _external_signer(chain: list[x509.Certificate], value: bytes) -> signers.ExternalSigner:
    return signers.ExternalSigner(
        signing_cert=chain[0],
        cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
        signature_value=value,
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
    )


def _modulus_bytes(certificate: x509.Certificate) -> int:
    return (int(certificate.public_key.bit_size) + 7) // 8


def _require_rsa(certificate: x509.Certificate) -> None:
    if certificate.public_key.algorithm != "rsa":
        raise SigningRefused(
            "remote_unsupported_key",
            "Chứng thư số ở dịch vụ ký từ xa không dùng khóa RSA: hệ thống chưa ký được "
            "bằng loại khóa này. Hãy liên hệ nhà cung cấp để dùng chứng thư RSA.",
            "The remote service's certificate has no RSA key: the archive cannot sign "
            "with this kind of key yet. Ask the provider for an RSA certificate.",
        )


def _check_signature(certificate: x509.Certificate, digest: bytes, signature: bytes) -> None:
    """Refuse a signature that the certificate's key did not make (another credential of
    the user, a broken answer): embedded, it would make an invalid signed file."""
    public = serialization.load_der_public_key(certificate.public_key.dump())
    assert isinstance(public, RSAPublicKey)
    try:
        public.verify(signature, digest, PKCS1v15(), Prehashed(SHA256()))
    except InvalidSignature:
        raise SigningRefused(
            "remote_bad_signature",
            "Chữ ký do dịch vụ ký từ xa trả về không khớp với chứng thư số của người ký: văn "
            "bản chưa được ký. Hãy ký lại; nếu vẫn lỗi, báo nhà cung cấp dịch vụ.",
            "The signature the remote service returned does not match the signer's "
            "certificate: the document was not signed. Sign again; if it keeps failing, "
            "tell the service provider.",
        ) from None


# The field placement of signing.pades.sign, copied (its helpers are private there).


def _rejected() -> SigningRefused:
    return SigningRefused(
        "remote_rejected",
        "Người ký đã từ chối yêu cầu ký trên điện thoại: văn bản chưa được ký. Nếu từ chối "
        "nhầm, hãy bấm ký lại rồi xác nhận trên ứng dụng ký số.",
        "The signer declined the request on their phone: the document was not signed. If "
        "that was a mistake, sign again and approve it in the signing app.",
    )


def _timeout(seconds: float) -> SigningRefused:
    return SigningRefused(
        "remote_timeout",
        f"Chưa có xác nhận trên điện thoại sau {seconds:g} giây: văn bản chưa được ký. Hãy "
        "mở ứng dụng ký số (VNPT SmartCA, Viettel MySign) trên điện thoại, rồi bấm ký lại "
        "và xác nhận yêu cầu.",
        f"No approval came from the phone within {seconds:g} s: the document was not "
        "signed. Open the signing app (VNPT SmartCA, Viettel MySign) on your phone, then "
        "sign again and approve the request.",
    )


def _unavailable(detail: str) -> SigningRefused:
    return SigningRefused(
        "remote_unavailable",
        f"Không dùng được dịch vụ ký số từ xa ({detail}): văn bản chưa được ký. Hãy thử lại "
        "sau ít phút; nếu vẫn lỗi, báo quản trị hệ thống kiểm tra địa chỉ và tài khoản "
        "kết nối dịch vụ.",
        f"The remote signing service cannot be used ({detail}): the document was not "
        "signed. Try again in a few minutes; if it keeps failing, ask the administrator "
        "to check the service's address and account.",
    )
