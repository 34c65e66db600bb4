"""The archive's own signing key: what it signs the packages it hands to auditors with.

An installation configures the key its CA issued to the agency (``ARCHIVE_SEAL_KEY``, a
PKCS#12 file, with ``ARCHIVE_SEAL_KEY_PIN``). An installation without one gets a key of
its own on first use, self-signed, kept in the data folder (``seal/``, readable by the
archive's user only): it still proves a package unchanged since the archive made it, to
anyone who compares the certificate's fingerprint with the one the archive shows
(``GET /api/inspection-package/seal``), but it chains to no national root.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from archive.settings import Settings
from signing.keys import SignerKey, open_pkcs12

_LOCK = threading.Lock()
SEAL_NAME = "Kho lưu trữ hồ sơ vụ việc (khóa tự cấp của kho)"


def seal_key(settings: Settings) -> SignerKey:
    """The configured seal key, or the archive's own (made once, kept in the data folder)."""
    if settings.seal_key:
        return open_pkcs12(Path(settings.seal_key).read_bytes(), settings.seal_key_pin)
    folder = settings.data_dir / "seal"
    key_file, pin_file = folder / "seal.p12", folder / "seal.pin"
    with _LOCK:
        if not key_file.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            # Several processes (web, worker) may start at once: one makes the key, the
            # others wait for it, so they never pair one's key with another's PIN.
            with (folder / ".lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not key_file.is_file():
                    _make(folder, key_file, pin_file)
    return open_pkcs12(key_file.read_bytes(), pin_file.read_text(encoding="utf-8").strip())


def _make(folder: Path, key_file: Path, pin_file: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kho lưu trữ hồ sơ vụ việc"),
            x509.NameAttribute(NameOID.COMMON_NAME, SEAL_NAME),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pin = secrets.token_urlsafe(24)
    data = pkcs12.serialize_key_and_certificates(
        b"archive-seal",
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(pin.encode()),
    )
    for path, content in ((pin_file, pin.encode()), (key_file, data)):
        part = path.with_suffix(".part")
        descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
        os.replace(part, path)  # the key file last: it present means both are whole


def certificate_pem(key: SignerKey) -> bytes:
    return x509.load_der_x509_certificate(key.certificate.dump()).public_bytes(
        serialization.Encoding.PEM
    )


def fingerprint(key: SignerKey) -> str:
    """SHA-256 of the certificate, as ``openssl x509 -fingerprint -sha256`` prints it."""
    digest = x509.load_der_x509_certificate(key.certificate.dump()).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)
