"""Opening a signer's key: a PKCS#12 file with the PIN given at signing time.

The PIN lives only in the call that opens the key: it is never stored, logged or echoed
back in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.refusals import Refused


class KeyRefused(Refused):
    """The key cannot sign: a wrong PIN, a file that is no key, a certificate out of date."""


@dataclass(frozen=True)
class SignerKey:
    """A key ready to sign with, and who it names."""

    signer: Signer
    certificate: x509.Certificate

    @property
    def name(self) -> str:
        return common_name(self.certificate)


def common_name(certificate: x509.Certificate) -> str:
    subject = certificate.subject.native
    return str(subject.get("common_name") or certificate.subject.human_friendly)


class LoadedKeySigner(SimpleSigner):
    """pyHanko's in-memory signer, with the private key parsed once.

    ``SimpleSigner.sign_raw`` parses the key again for every signature, and parsing an RSA
    key checks it (tens of milliseconds, against 0.3 ms for the signature itself): a batch
    signed with one PIN entry parses it once.
    """

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._loaded().sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    def _loaded(self) -> RSAPrivateKey:
        loaded = self.__dict__.get("_rsa_key")
        if loaded is None:
            loaded = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            assert isinstance(loaded, RSAPrivateKey)
            self.__dict__["_rsa_key"] = loaded
        return loaded


def open_pkcs12(data: bytes, pin: str) -> SignerKey:
    """The key and chain in a PKCS#12 file, opened with ``pin``."""
    try:
        opened = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=pin.encode())
    except (ValueError, TypeError):
        opened = None
    signer = None
    if opened is not None and opened.signing_cert is not None:
        signer = LoadedKeySigner(
            signing_cert=opened.signing_cert,
            signing_key=opened.signing_key,
            cert_registry=opened.cert_registry,
            signature_mechanism=opened.signature_mechanism,
        )
    if signer is None or signer.signing_cert is None:
        raise KeyRefused(
            "key_unreadable",
            "Không mở được tệp khóa: mã PIN sai, hoặc tệp không phải tệp khóa PKCS#12 "
            "(.p12/.pfx). Hãy nhập lại mã PIN, hoặc chọn đúng tệp khóa được cấp.",
            "The key file cannot be opened: the PIN is wrong, or the file is not a PKCS#12 "
            "key (.p12/.pfx). Enter the PIN again, or choose the key file you were issued.",
        )
    return SignerKey(signer=signer, certificate=signer.signing_cert)


def check_in_date(key: SignerKey, when: datetime) -> None:
    """Refuse a certificate that is not yet, or no longer, valid at ``when``."""
    validity = key.certificate["tbs_certificate"]["validity"]
    begins = validity["not_before"].native
    ends = validity["not_after"].native
    if when < begins or when > ends:
        raise KeyRefused(
            "certificate_out_of_date",
            f"Chứng thư số của {key.name} chỉ có hiệu lực từ {begins:%d/%m/%Y} đến "
            f"{ends:%d/%m/%Y}: không thể ký bằng nó hôm nay. Hãy dùng chứng thư số còn hạn.",
            f"{key.name}'s certificate is valid only from {begins:%Y-%m-%d} to "
            f"{ends:%Y-%m-%d}: it cannot sign today. Use a certificate still in date.",
        )
