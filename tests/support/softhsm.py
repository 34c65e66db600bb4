"""A real PKCS#11 token for the tests: SoftHSM2, with tokens of its own in a temporary folder.

``with SoftHsm(folder) as hsm:`` points ``SOFTHSM2_CONF`` at a configuration whose token
directory is in ``folder`` (restored on exit), and ``hsm.add_token(...)`` creates a token
(``softhsm2-util --init-token --free``) holding a signer's private key and certificate from
a PKCS#12 file, under one CKA_ID and label, with the CA certificates that came with them.

SoftHSM2 reads its configuration and finds its tokens when the library is initialized, and
python-pkcs11 initializes a library once per process: the helper re-initializes it after
creating a token, and unloads it on exit.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute, CertificateType, ObjectClass
from pkcs11.util.rsa import decode_rsa_private_key

SO_PIN = "87654321"

_LIBRARY_PLACES = (
    "/usr/lib/softhsm/libsofthsm2.so",  # Debian, Ubuntu
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",  # Fedora, RHEL
    "/usr/lib/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",  # built from source
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",  # macOS
    "/usr/local/opt/softhsm/lib/softhsm/libsofthsm2.so",
)


def softhsm_library() -> str | None:
    """The path of SoftHSM2's PKCS#11 library, or None when it is not installed."""
    found = os.environ.get("SOFTHSM2_LIBRARY")
    if found and Path(found).is_file():
        return found
    return next((place for place in _LIBRARY_PLACES if Path(place).is_file()), None)


def softhsm_available() -> bool:
    return softhsm_library() is not None and shutil.which("softhsm2-util") is not None


@dataclass(frozen=True)
class Token:
    library: str
    label: str
    pin: str


class SoftHsm:
    """Context manager: a SoftHSM2 configuration of its own, whose tokens ``add_token`` makes."""

    def __init__(self, folder: Path) -> None:
        library = softhsm_library()
        if library is None:
            raise RuntimeError(
                "SoftHSM2 is not installed: apt-get install softhsm2 (scripts/signing-tools.sh)"
            )
        self.library = library
        self.folder = folder
        self.conf = folder / "softhsm2.conf"
        self._previous_conf: str | None = None

    def __enter__(self) -> SoftHsm:
        tokens = self.folder / "tokens"
        tokens.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            f"directories.tokendir = {tokens}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n",
            encoding="utf-8",
        )
        self._previous_conf = os.environ.get("SOFTHSM2_CONF")
        os.environ["SOFTHSM2_CONF"] = str(self.conf)
        pkcs11.unload(self.library)  # read the configuration afresh when next loaded
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pkcs11.unload(self.library)
        if self._previous_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = self._previous_conf

    def add_token(
        self,
        label: str,
        pin: str,
        keys: dict[str, tuple[Path, str]],
    ) -> Token:
        """A new token ``label`` (user PIN ``pin``) holding, for each key label of ``keys``,
        the key and certificate of its PKCS#12 file ``(path, passphrase)`` under that label
        and CKA_ID ``01``, ``02``…, and every CA certificate the files carry (once each)."""
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                pin,
                "--so-pin",
                SO_PIN,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "SOFTHSM2_CONF": str(self.conf)},
        )
        loaded = pkcs11.lib(self.library)
        loaded.reinitialize()  # SoftHSM2 finds the tokens of its directory on initialize
        token = loaded.get_token(token_label=label)
        cas: dict[bytes, x509.Certificate] = {}
        with token.open(rw=True, user_pin=pin) as session:
            for number, (key_label, (path, passphrase)) in enumerate(keys.items(), start=1):
                key, cert, extra = pkcs12.load_key_and_certificates(
                    path.read_bytes(), passphrase.encode()
                )
                assert key is not None and cert is not None
                key_id = bytes([number])
                der_key = key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.TraditionalOpenSSL,  # PKCS#1 for RSA
                    serialization.NoEncryption(),
                )
                attributes = decode_rsa_private_key(der_key)
                attributes.update(
                    {
                        Attribute.TOKEN: True,
                        Attribute.PRIVATE: True,
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                        Attribute.SIGN: True,
                        Attribute.DECRYPT: False,
                        Attribute.LABEL: key_label,
                        Attribute.ID: key_id,
                    }
                )
                session.create_object(attributes)
                _store_certificate(session, cert, key_label, key_id)
                for ca in extra:
                    cas.setdefault(ca.fingerprint(hashes.SHA256()), ca)
            for ca in cas.values():
                if ca.subject != ca.issuer:  # the chain's CAs; the root stays the verifier's
                    name = ca.subject.rfc4514_string()
                    _store_certificate(session, ca, name, ca.fingerprint(hashes.SHA256())[:20])
        return Token(self.library, label, pin)


def _store_certificate(
    session: pkcs11.Session, cert: x509.Certificate, label: str, cert_id: bytes
) -> None:
    session.create_object(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.PRIVATE: False,
            Attribute.LABEL: label,
            Attribute.ID: cert_id,
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.ISSUER: cert.issuer.public_bytes(),
            Attribute.SERIAL_NUMBER: cert.serial_number.to_bytes(20, "big").lstrip(b"\0"),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        }
    )


class _SessionInfo(ctypes.Structure):
    _fields_ = (
        ("slot_id", ctypes.c_ulong),
        ("state", ctypes.c_ulong),
        ("flags", ctypes.c_ulong),
        ("device_error", ctypes.c_ulong),
    )


def open_session_handles(library: str, up_to: int = 256) -> list[int]:
    """The session handles open in this process, asked of the library itself.

    SoftHSM2 numbers sessions 1, 2, 3…; ``C_GetSessionInfo`` answers CKR_OK for those open.
    (The library is the one python-pkcs11 loaded: a second ``dlopen`` shares it.)
    """
    loaded = ctypes.CDLL(library)
    loaded.C_GetSessionInfo.argtypes = (ctypes.c_ulong, ctypes.POINTER(_SessionInfo))
    loaded.C_GetSessionInfo.restype = ctypes.c_ulong
    info = _SessionInfo()
    return [
        handle
        for handle in range(1, up_to + 1)
        if loaded.C_GetSessionInfo(handle, ctypes.byref(info)) == 0
    ]
