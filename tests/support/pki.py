"""A test PKI served on loopback by certomancer's Animator, as a real HTTP server.

Keys are made fresh per run (RSA-2048, with ``cryptography``), certomancer's YAML names
the certificates: a root, an issuing CA with its OCSP responder and CRL, a time-stamping
authority, and signers that are valid, expired, revoked, or under another root nobody
trusts. ``TestPki`` starts ``certomancer animate`` as a subprocess on a free port (its
OCSP, CRL and TSA answer over HTTP there) and hands out the signers as PKCS#12 files.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ARCH = "archive-test"
OTHER_ARCH = "untrusted"
PIN = "123456"

# (label, common name, unit, issuer key label, extra YAML for the cert)
_SIGNERS = {
    "leader": "Nguyễn Văn An",
    "clerk": "Văn thư UBND Quận Ba Đình",
    "expired": "Trần Thị Bình",
    "revoked": "Lê Văn Cường",
}

_CONFIG = """
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  keys:
    path-prefix: {keydir}
    keys:
{keys}
pki-architectures:
  {arch}:
    keyset: keys
    entity-defaults:
      country-name: VN
      organization-name: Kho lưu trữ thử nghiệm
    entities:
      root: {{common-name: Root CA thử nghiệm}}
      interm: {{common-name: CA cấp dưới thử nghiệm}}
      ocsp: {{common-name: OCSP thử nghiệm}}
      tsa: {{common-name: TSA thử nghiệm}}
      leader: {{common-name: "{leader}", organizational-unit-name: Lãnh đạo}}
      clerk: {{common-name: "{clerk}", organizational-unit-name: Văn thư}}
      expired: {{common-name: "{expired}", organizational-unit-name: Lãnh đạo}}
      revoked: {{common-name: "{revoked}", organizational-unit-name: Lãnh đạo}}
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2060-01-01T00:00:00+0000"}}
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      interm:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2055-01-01T00:00:00+0000"}}
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true, path-len-constraint: 0}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      ocsp:
        issuer: interm
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2055-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [ocsp_signing]
          - id: ocsp_no_check
      tsa:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2055-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      leader:
        issuer: interm
        validity: {{valid-from: "2024-01-01T00:00:00+0000", valid-to: "2050-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [interm]}}}}
          - id: authority_information_access
            smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [interm]}}}}
      clerk:
        template: leader
        subject: clerk
        subject-key: clerk
      expired:
        template: leader
        subject: expired
        subject-key: expired
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2024-01-01T00:00:00+0000"}}
      revoked:
        template: leader
        subject: revoked
        subject-key: revoked
        revocation: {{revoked-since: "2025-06-01T00:00:00+0000", reason: key_compromise}}
    services:
      ocsp:
        interm: {{for-issuer: interm, responder-cert: ocsp, signing-key: ocsp}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}}
        interm: {{for-issuer: interm, signing-key: interm, simulated-update-schedule: "P7D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
  {other}:
    keyset: keys
    entity-defaults:
      country-name: VN
      organization-name: CA không được tin cậy
    entities:
      root: {{common-name: Root CA lạ}}
      stranger: {{common-name: "Người lạ", organizational-unit-name: Lãnh đạo}}
    certs:
      root:
        subject: root
        subject-key: other-root
        issuer: root
        authority-key: other-root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2060-01-01T00:00:00+0000"}}
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      stranger:
        issuer: root
        authority-key: other-root
        validity: {{valid-from: "2024-01-01T00:00:00+0000", valid-to: "2050-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
"""

_KEY_LABELS = ("root", "interm", "ocsp", "tsa", "other-root", "stranger", *_SIGNERS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Pki:
    """What a test needs from the running PKI."""

    base_url: str
    folder: Path
    root_pem: Path
    other_root_pem: Path

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/{ARCH}/tsa/tsa"

    def pkcs12(self, label: str) -> Path:
        """The signer's key and certificate chain as a PKCS#12 file (passphrase ``PIN``)."""
        return self.folder / f"{label}.p12"


class TestPki:
    """Context manager: writes keys and config, runs the Animator, yields a ``Pki``."""

    __test__ = False  # not a pytest class

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Pki:
        keydir = self.folder / "keys"
        keydir.mkdir(parents=True, exist_ok=True)
        lines = []
        for label in _KEY_LABELS:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            (keydir / f"{label}.key.pem").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            lines.append(f"      {label}: {{path: {label}.key.pem}}")
        config = self.folder / "certomancer.yml"
        config.write_text(
            _CONFIG.format(
                port=self.port,
                keydir=keydir,
                keys="\n".join(lines),
                arch=ARCH,
                other=OTHER_ARCH,
                **_SIGNERS,
            ),
            encoding="utf-8",
        )
        self._write_files(config)
        log = (self.folder / "animator.log").open("wb")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "certomancer",
                "--config",
                str(config),
                "animate",
                "--port",
                str(self.port),
                "--no-web-ui",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        base = f"http://127.0.0.1:{self.port}"
        self._wait_until_up(f"{base}/{ARCH}/crls/interm/latest.crl")
        return Pki(
            base_url=base,
            folder=self.folder,
            root_pem=self.folder / "root.pem",
            other_root_pem=self.folder / "other-root.pem",
        )

    def _write_files(self, config: Path) -> None:
        from certomancer.registry import CertomancerConfig

        loaded = CertomancerConfig.from_file(str(config))
        arch = loaded.get_pki_arch(ARCH)  # type: ignore[arg-type]
        other = loaded.get_pki_arch(OTHER_ARCH)  # type: ignore[arg-type]
        (self.folder / "root.pem").write_bytes(_pem(arch.get_cert("root").dump()))  # type: ignore[arg-type]
        (self.folder / "other-root.pem").write_bytes(_pem(other.get_cert("root").dump()))  # type: ignore[arg-type]
        for label in _SIGNERS:
            (self.folder / f"{label}.p12").write_bytes(
                arch.package_pkcs12(label, password=PIN.encode())  # type: ignore[arg-type]
            )
        (self.folder / "stranger.p12").write_bytes(
            other.package_pkcs12("stranger", password=PIN.encode())  # type: ignore[arg-type]
        )

    def _wait_until_up(self, url: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                log = (self.folder / "animator.log").read_text(errors="replace")
                raise RuntimeError(f"certomancer animate exited:\n{log}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("certomancer animate did not answer within 30 s")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def _pem(der: bytes) -> bytes:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
