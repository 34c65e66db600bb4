"""Keys on USB tokens and HSMs, through the token's PKCS#11 library (pyHanko's ``pkcs11``).

A leader's key never leaves the token: the token signs each digest itself once the PIN has
opened a session. One session serves a whole batch (one PIN entry), and is logged out and
closed when the batch ends, whether or not it signed::

    with opened_token("/usr/lib/vnpt-ca/libpkcs11.so", "NGUYEN VAN AN", pin) as key:
        sign_many(pdfs, key, stamp, setup)

The signing certificate is found on the token beside the key: the certificate with the
key's CKA_ID (else its label); with no key label given, the token must hold exactly one
such key/certificate pair. The CA certificates of its chain are taken from the token too
when it carries them.

PKCS#11 logs in per application and token, not per session: a second session would share
the first one's login (so a wrong PIN would go unnoticed) and the first one's logout would
end the second's. A token therefore serves one ``opened_token`` at a time in a process;
another waits for it, up to ``BUSY_WAIT`` seconds.

As in ``signing.keys``, the PIN is used to log in and nowhere else: it is never stored,
logged or echoed back in an error.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pkcs11
from asn1crypto import x509
from pkcs11 import Attribute, CertificateType, ObjectClass, Session, TokenFlag
from pkcs11.exceptions import (
    PinExpired,
    PinIncorrect,
    PinInvalid,
    PinLenRange,
    PinLocked,
    PKCS11Error,
)
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from signing.keys import KeyRefused, SignerKey

log = logging.getLogger(__name__)

BUSY_WAIT = 30.0  # seconds a second signing waits for a token another one holds

_CHAIN_LIMIT = 8  # CA certificates followed up from the signer's, at most


def open_token(library: str, token_label: str, pin: str, key_label: str | None = None) -> SignerKey:
    """Log in to the token labelled ``token_label`` with ``pin`` and find its signing key.

    ``library`` is the path of the token's PKCS#11 library; ``key_label`` names the key
    when the token holds several. The session stays open, and the token held, until
    ``close_token(key)``: prefer ``opened_token``, which closes it for you.
    """
    token_lock = _token_lock(library, token_label)
    if not token_lock.acquire(timeout=BUSY_WAIT):
        raise _busy(token_label)
    try:
        state, session = _log_in(library, token_label, pin)
    except BaseException:
        token_lock.release()
        raise
    opened = _OpenSession(state, session, token_label, token_lock)
    try:
        found = _find_key(session, token_label, key_label)
        signer = TokenSigner(
            opened,
            signing_cert=found.certificate,
            ca_chain=found.chain,
            key_label=found.label or None,
            key_id=found.key_id or None,
        )
        # Find the key handle now, in this thread: pyHanko would otherwise do it lazily
        # under an asyncio.Event, which the batch's threads (one event loop each) cannot
        # share.
        signer.load()
    except BaseException:
        opened.close()
        raise
    weakref.finalize(signer, opened.close)  # a key dropped unclosed still logs out
    return SignerKey(signer=signer, certificate=found.certificate)


def close_token(key: SignerKey) -> None:
    """Log out of the key's token and close its session; nothing for other keys. Idempotent."""
    if isinstance(key.signer, TokenSigner):
        key.signer.close()


@contextmanager
def opened_token(
    library: str, token_label: str, pin: str, key_label: str | None = None
) -> Iterator[SignerKey]:
    """``open_token`` for the length of a ``with`` block, logged out and closed after it."""
    key = open_token(library, token_label, pin, key_label)
    try:
        yield key
    finally:
        close_token(key)


class TokenSigner(PKCS11Signer):
    """pyHanko's PKCS#11 signer, holding its token's session until ``close()``.

    A token that fails while signing (pulled out, closed) is a ``KeyRefused``, which a
    batch reports for the PDF at hand, like any other key that cannot sign.
    """

    def __init__(
        self,
        opened: _OpenSession,
        *,
        signing_cert: x509.Certificate,
        ca_chain: Sequence[x509.Certificate],
        key_label: str | None,
        key_id: bytes | None,
    ) -> None:
        super().__init__(
            opened.session,
            signing_cert=signing_cert,
            ca_chain=list(ca_chain),
            key_label=key_label,
            key_id=key_id,
        )
        self.opened = opened
        self.token_label = opened.token_label

    def load(self) -> None:
        try:
            self._load_objects()  # type: ignore[no-untyped-call]
        except PKCS11Error as error:
            raise _key_not_found(self.token_label, error) from error

    @property
    def closed(self) -> bool:
        return self.opened.closed

    def close(self) -> None:
        self.opened.close()

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if self.closed and not dry_run:
            raise KeyRefused(
                "token_unavailable",
                f"Phiên làm việc với token '{self.token_label}' đã đóng. Hãy mở lại token "
                "(nhập mã PIN) rồi ký.",
                f"The session with token '{self.token_label}' is closed. Open the token "
                "again (enter the PIN) and sign.",
            )
        try:
            return await super().async_sign_raw(data, digest_algorithm, dry_run)
        except PKCS11Error as error:
            raise KeyRefused(
                "token_unavailable",
                f"Token '{self.token_label}' không ký được ({type(error).__name__}). Hãy "
                "kiểm tra token còn cắm vào máy, cắm lại nếu cần, rồi ký lại.",
                f"Token '{self.token_label}' failed to sign ({type(error).__name__}). "
                "Check that the token is still plugged in, plug it in again if needed, "
                "and sign again.",
            ) from error


# -- Sessions ------------------------------------------------------------------------------


@dataclass
class _Library:
    """Our sessions open through one PKCS#11 library, and the lock their logins take."""

    path: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    sessions: int = 0


_REGISTRY_LOCK = threading.Lock()
_LIBRARIES: dict[str, _Library] = {}
_TOKENS: dict[tuple[str, str], threading.Lock] = {}


class _OpenSession:
    """A logged-in session, and the token it holds, until ``close()`` (once, any thread)."""

    def __init__(
        self, state: _Library, session: Session, token_label: str, token_lock: threading.Lock
    ) -> None:
        self.state = state
        self.session = session
        self.token_label = token_label
        self._token_lock = token_lock
        self._closing = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self._closing:
            if self.closed:
                return
            self.closed = True
        try:
            _close(self.state, self.session, self.token_label)
        finally:
            self._token_lock.release()


def _library_state(library: str) -> _Library:
    with _REGISTRY_LOCK:
        return _LIBRARIES.setdefault(library, _Library(library))


def _token_lock(library: str, token_label: str) -> threading.Lock:
    with _REGISTRY_LOCK:
        return _TOKENS.setdefault((library, token_label), threading.Lock())


def _log_in(library: str, token_label: str, pin: str) -> tuple[_Library, Session]:
    state = _library_state(library)
    with state.lock:
        try:
            loaded = pkcs11.lib(library)
        except PKCS11Error as error:
            raise _no_library(library) from error
        token = _find_token(loaded, token_label)
        if token.flags & TokenFlag.USER_PIN_LOCKED:
            raise _locked(token_label)
        try:
            session = open_pkcs11_session(
                library, token_criteria=TokenCriteria(label=token_label), user_pin=pin
            )
        except (PinIncorrect, PinInvalid, PinLenRange) as error:
            _forget_failed_sessions(state)
            flags = _token_flags(loaded, token_label)
            if flags & TokenFlag.USER_PIN_LOCKED:
                raise _locked(token_label) from error
            raise _wrong_pin(token_label, bool(flags & TokenFlag.USER_PIN_FINAL_TRY)) from error
        except PinLocked as error:
            _forget_failed_sessions(state)
            raise _locked(token_label) from error
        except PinExpired as error:
            _forget_failed_sessions(state)
            raise KeyRefused(
                "key_unreadable",
                f"Mã PIN của token '{token_label}' đã hết hạn. Hãy đổi mã PIN bằng phần mềm "
                "quản lý token rồi ký lại.",
                f"The PIN of token '{token_label}' has expired. Change it with the token's "
                "management software, then sign again.",
            ) from error
        except PKCS11Error as error:
            _forget_failed_sessions(state)
            raise KeyRefused(
                "token_unavailable",
                f"Token '{token_label}' không phản hồi ({type(error).__name__}). Hãy rút "
                "token ra, cắm lại rồi thử lại.",
                f"Token '{token_label}' did not answer ({type(error).__name__}). Unplug it, "
                "plug it in again and try again.",
            ) from error
        state.sessions += 1
        return state, session


def _close(state: _Library, session: Session, token_label: str) -> None:
    """Log out and close the session: ``Session.close`` does both."""
    with state.lock:
        state.sessions -= 1
        try:
            session.close()
        except PKCS11Error as error:
            log.warning(
                "Token '%s': logout or close failed (%s)", token_label, type(error).__name__
            )
            _forget_failed_sessions(state)


def _forget_failed_sessions(state: _Library) -> None:
    """Close what a failed login or logout left open, when none of ours is in use.

    python-pkcs11 opens the session before logging in and drops its handle when the login
    fails, so each wrong PIN would leave a session open in the library; only finalizing the
    library closes it. With no session of ours open, finalizing loses nothing. (Called
    with ``state.lock`` held.)
    """
    if state.sessions:
        return
    try:
        pkcs11.lib(state.path).reinitialize()
    except PKCS11Error as error:
        log.warning("PKCS#11 library %s: reinitialize failed (%s)", state.path, error)


def _find_token(loaded: Any, token_label: str) -> Any:
    labels = []
    for slot in loaded.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except PKCS11Error:
            continue
        if token.label == token_label:
            return token
        if token.label:
            labels.append(token.label)
    present_vi = (
        f"Token đang cắm: {', '.join(labels)}." if labels else "Không có token nào được cắm."
    )
    present_en = f"Tokens present: {', '.join(labels)}." if labels else "No token is plugged in."
    raise KeyRefused(
        "token_unavailable",
        f"Không tìm thấy token '{token_label}'. {present_vi} Hãy cắm token vào máy (hoặc "
        "kiểm tra lại tên token) rồi thử lại.",
        f"No token labelled '{token_label}' was found. {present_en} Plug the token in (or "
        "check its label) and try again.",
    )


def _token_flags(loaded: Any, token_label: str) -> int:
    try:
        return int(_find_token(loaded, token_label).flags)
    except (KeyRefused, PKCS11Error):
        return 0


# -- The key and its certificates ------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    label: str
    key_id: bytes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class _Cert:
    label: str
    cert_id: bytes
    certificate: x509.Certificate


def _find_key(session: Session, token_label: str, key_label: str | None) -> _Found:
    keys = [
        (_text(obj, Attribute.LABEL), _bytes(obj, Attribute.ID))
        for obj in session.get_objects(
            {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.SIGN: True}
        )
    ]
    certs = []
    for obj in session.get_objects(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        }
    ):
        try:
            certificate = x509.Certificate.load(bytes(obj[Attribute.VALUE]))
            certificate.native  # noqa: B018  (parses it all: a broken certificate fails here)
        except (PKCS11Error, ValueError, TypeError):
            continue
        certs.append(_Cert(_text(obj, Attribute.LABEL), _bytes(obj, Attribute.ID), certificate))

    def cert_of(label: str, key_id: bytes) -> _Cert | None:
        return next((c for c in certs if key_id and c.cert_id == key_id), None) or next(
            (c for c in certs if label and c.label == label), None
        )

    paired = [(label, key_id, cert_of(label, key_id)) for label, key_id in keys]
    labels = ", ".join(sorted({label or key_id.hex() for label, key_id in keys})) or "—"
    if key_label is not None:
        named = [p for p in paired if key_label in (p[0], p[2].label if p[2] else None)]
        if not named:
            raise KeyRefused(
                "key_not_found",
                f"Trên token '{token_label}' không có khóa ký '{key_label}'. Các khóa trên "
                f"token: {labels}.",
                f"Token '{token_label}' has no signing key labelled '{key_label}'. Keys on "
                f"the token: {labels}.",
            )
        if len(named) > 1:
            raise KeyRefused(
                "key_not_found",
                f"Trên token '{token_label}' có {len(named)} khóa ký cùng nhãn '{key_label}': "
                "không biết chọn khóa nào. Hãy liên hệ quản trị viên.",
                f"Token '{token_label}' holds {len(named)} signing keys labelled "
                f"'{key_label}': which to use is unclear. Contact your administrator.",
            )
        label, key_id, cert = named[0]
        if cert is None:
            raise KeyRefused(
                "key_not_found",
                f"Khóa '{key_label}' trên token '{token_label}' không có chứng thư số đi kèm "
                "(không có chứng thư cùng CKA_ID hay cùng nhãn). Hãy nạp chứng thư vào token.",
                f"Key '{key_label}' on token '{token_label}' has no certificate with it (none "
                "with its CKA_ID or label). Load the certificate onto the token.",
            )
    else:
        usable = [(label, key_id, cert) for label, key_id, cert in paired if cert is not None]
        if not usable:
            raise KeyRefused(
                "key_not_found",
                f"Trên token '{token_label}' không có khóa ký nào kèm chứng thư số. Hãy kiểm "
                "tra đây đúng là token được cấp cho bạn.",
                f"Token '{token_label}' holds no signing key with a certificate. Check that "
                "it is the token you were issued.",
            )
        if len(usable) > 1:
            raise KeyRefused(
                "key_not_found",
                f"Trên token '{token_label}' có nhiều khóa ký ({labels}): hãy chọn một khóa "
                "theo nhãn.",
                f"Token '{token_label}' holds several signing keys ({labels}): name one by "
                "its label.",
            )
        label, key_id, cert = usable[0]
    assert cert is not None
    others = [c.certificate for c in certs if c.certificate.dump() != cert.certificate.dump()]
    return _Found(label, key_id, cert.certificate, _chain(cert.certificate, others))


def _chain(
    certificate: x509.Certificate, others: list[x509.Certificate]
) -> tuple[x509.Certificate, ...]:
    """The CA certificates above ``certificate`` among ``others``, issuer after issuer."""
    chain: list[x509.Certificate] = []
    current = certificate
    while len(chain) < _CHAIN_LIMIT and current.self_signed == "no":
        issuer = next((c for c in others if _issued(current, c) and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def _issued(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    if child.issuer != issuer.subject or not issuer.ca:
        return False
    wanted = child.authority_key_identifier
    return wanted is None or issuer.key_identifier is None or wanted == issuer.key_identifier


def _text(obj: Any, attribute: Attribute) -> str:
    try:
        return str(obj[attribute] or "")
    except PKCS11Error:
        return ""


def _bytes(obj: Any, attribute: Attribute) -> bytes:
    try:
        return bytes(obj[attribute] or b"")
    except PKCS11Error:
        return b""


# -- Refusals ----------------------------------------------------------------------------------


def _no_library(library: str) -> KeyRefused:
    if not os.path.exists(library):
        return KeyRefused(
            "token_unavailable",
            f"Không có thư viện PKCS#11 của token tại '{library}'. Hãy cài phần mềm điều "
            "khiển (driver) của token do nhà cung cấp chứng thư số cấp, hoặc sửa lại đường "
            "dẫn tới thư viện.",
            f"There is no token PKCS#11 library at '{library}'. Install the token driver "
            "from your certificate provider, or correct the path to the library.",
        )
    return KeyRefused(
        "token_unavailable",
        f"Không nạp được thư viện PKCS#11 '{library}': tệp không phải thư viện PKCS#11 hoặc "
        "hỏng. Hãy cài lại phần mềm điều khiển (driver) của token do nhà cung cấp chứng thư "
        "số cấp, hoặc chọn đúng tệp thư viện.",
        f"The PKCS#11 library '{library}' cannot be loaded: the file is not a PKCS#11 "
        "library, or is damaged. Reinstall the token driver from your certificate "
        "provider, or choose the right library file.",
    )


def _busy(token_label: str) -> KeyRefused:
    return KeyRefused(
        "token_unavailable",
        f"Token '{token_label}' đang được dùng cho một lượt ký khác. Hãy đợi lượt ký đó xong "
        "rồi thử lại.",
        f"Token '{token_label}' is in use by another signing. Wait for it to finish and try again.",
    )


def _wrong_pin(token_label: str, final_try: bool) -> KeyRefused:
    return KeyRefused(
        "key_unreadable",
        f"Mã PIN của token '{token_label}' không đúng. Hãy nhập lại mã PIN."
        + (" Chỉ còn một lần thử: nhập sai nữa token sẽ bị khóa." if final_try else ""),
        f"The PIN for token '{token_label}' is wrong. Enter the PIN again."
        + (" One try left: another wrong PIN locks the token." if final_try else ""),
    )


def _locked(token_label: str) -> KeyRefused:
    return KeyRefused(
        "key_unreadable",
        f"Token '{token_label}' đã bị khóa do nhập sai mã PIN quá số lần cho phép. Hãy liên "
        "hệ quản trị viên (hoặc nhà cung cấp chứng thư số) để mở khóa token.",
        f"Token '{token_label}' is locked after too many wrong PINs. Contact your "
        "administrator (or certificate provider) to unlock it.",
    )


def _key_not_found(token_label: str, error: PKCS11Error) -> KeyRefused:
    return KeyRefused(
        "key_not_found",
        f"Không lấy được khóa ký trên token '{token_label}' ({error}).",
        f"The signing key on token '{token_label}' cannot be used ({error}).",
    )
