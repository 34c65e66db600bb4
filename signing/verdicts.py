"""Verifying every signature of a PDF offline: who signed, when, whether it still holds.

Each signature is checked by pyHanko's AdES validation (ETSI EN 319 102-1) against the
configured trust roots with **nothing fetched**: revocation data counts only if the file
carries it. So, as the EU's reference validator (DSS) says offline:

- a B-B or B-T signature with no revocation data in the file is *indeterminate*;
- B-LT and B-LTA can be *valid*;
- a changed byte in a signed range is *invalid*;
- text or page content added after a signature makes it *invalid* (DSS's strict reading;
  its default policy only warns, we do not), while an allowed form fill, annotation,
  later signature or timestamp is reported as such and leaves it valid.

A B-LT signature is validated as of its signature timestamp with the embedded revocation
data (PAdES-LT), since without a document timestamp AdES' long-term process has no proof
of when that data existed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from asn1crypto import pem, x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESStatus
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.diff_analysis.policy_api import DiffResult
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    ades,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from signing.keys import common_name
from signing.stamps import VIETNAM

# pyHanko logs each failed check with its traceback at WARNING: the report says the same
# in words an auditor reads, so only errors of pyHanko's own are let through.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.ERROR)


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


_RANK = {Verdict.VALID: 0, Verdict.INDETERMINATE: 1, Verdict.INVALID: 2}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=_RANK.__getitem__, default=Verdict.VALID)


def exit_code(verdict: Verdict) -> int:
    """0 when every signature is valid, 1 when any is invalid, else 2 (some indeterminate)."""
    return {Verdict.VALID: 0, Verdict.INVALID: 1, Verdict.INDETERMINATE: 2}[verdict]


@dataclass(frozen=True)
class Reason:
    code: str
    vi: str
    en: str


@dataclass(frozen=True)
class SignatureReport:
    """What an auditor needs to know about one signature."""

    field: str
    signer: str
    signer_subject: str
    issuer: str
    claimed_time: datetime | None  # the signer's own clock (signingTime), not proof
    timestamp_time: datetime | None  # an RFC 3161 timestamp's time: proof it existed
    trusted: bool  # the chain reaches a configured trust root (revocation apart)
    chain: tuple[str, ...]  # signer first, root last, as far as it was built
    revocation: str  # good / revoked / not_in_file / not_checked
    level: str  # the PAdES baseline level the file holds for it
    intact: bool  # the signed bytes hash to what was signed
    covers_whole_file: bool
    changes_after: tuple[str, ...]  # the kinds of change made after it, by later revisions
    changed_fields: tuple[str, ...]  # form fields filled or signed after it
    verdict: Verdict
    reasons: tuple[Reason, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "signer_subject": self.signer_subject,
            "issuer": self.issuer,
            "claimed_time": _iso(self.claimed_time),
            "timestamp_time": _iso(self.timestamp_time),
            "trusted": self.trusted,
            "chain": list(self.chain),
            "revocation": self.revocation,
            "level": self.level,
            "intact": self.intact,
            "covers_whole_file": self.covers_whole_file,
            "changes_after": list(self.changes_after),
            "changed_fields": list(self.changed_fields),
            "verdict": self.verdict.value,
            "reasons": [{"code": r.code, "vi": r.vi, "en": r.en} for r in self.reasons],
        }


@dataclass(frozen=True)
class FileReport:
    name: str
    sha256: str
    size: int
    signatures: tuple[SignatureReport, ...]
    document_timestamps: tuple[datetime, ...]
    problem: Reason | None = None  # the file could not be read, or holds no signature

    @property
    def verdict(self) -> Verdict:
        if self.problem is not None:
            return Verdict.INVALID if self.problem.code == "unreadable" else Verdict.INDETERMINATE
        return worst(s.verdict for s in self.signatures)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "verdict": self.verdict.value,
            "problem": None
            if self.problem is None
            else {"code": self.problem.code, "vi": self.problem.vi, "en": self.problem.en},
            "document_timestamps": [_iso(t) for t in self.document_timestamps],
            "signatures": [s.as_json() for s in self.signatures],
        }


@dataclass(frozen=True)
class TrustRoots:
    """The certificates an installation trusts (Vietnam's national roots, in production)."""

    certificates: tuple[x509.Certificate, ...] = ()
    _spec: list[PdfSignatureValidationSpec] = field(default_factory=list, compare=False)

    @classmethod
    def from_pem(cls, blobs: Iterable[bytes]) -> TrustRoots:
        found: list[x509.Certificate] = []
        for blob in blobs:
            if pem.detect(blob):
                found.extend(x509.Certificate.load(der) for _, _, der in pem.unarmor(blob, True))
            else:
                found.append(x509.Certificate.load(blob))
        return cls(tuple(found))

    def spec(self) -> PdfSignatureValidationSpec:
        if not self._spec:
            rule = RevocationCheckingRule.CHECK_IF_DECLARED
            policy = CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=list(self.certificates)),
                revinfo_policy=CertRevTrustPolicy(
                    RevocationCheckingPolicy(
                        ee_certificate_rule=rule, intermediate_ca_cert_rule=rule
                    )
                ),
            )
            offline = RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.FOLLOW_ONLINE_RULE,
            )
            self._spec.append(
                PdfSignatureValidationSpec(
                    SignatureValidationSpec(
                        cert_validation_policy=policy, revinfo_gathering_policy=offline
                    )
                )
            )
        return self._spec[0]


def verify(pdf: bytes, roots: TrustRoots, name: str = "") -> FileReport:
    """The report on every signature in ``pdf``, with nothing fetched from the network."""
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
        doc_timestamps = list(reader.embedded_timestamp_signatures)
    except (PdfReadError, ValueError, KeyError) as error:
        return FileReport(name, digest, len(pdf), (), (), _unreadable(error))
    if not signatures:
        return FileReport(name, digest, len(pdf), (), (), _NO_SIGNATURE)
    reports = tuple(asyncio.run(_all(signatures, doc_timestamps, roots)))
    stamped_at = tuple(
        t for t in (_doc_timestamp_time(ts) for ts in doc_timestamps) if t is not None
    )
    return FileReport(name, digest, len(pdf), reports, stamped_at)


async def _all(
    signatures: Sequence[EmbeddedPdfSignature],
    doc_timestamps: Sequence[EmbeddedPdfSignature],
    roots: TrustRoots,
) -> list[SignatureReport]:
    return [await _one(sig, doc_timestamps, roots) for sig in signatures]


async def _one(
    sig: EmbeddedPdfSignature,
    doc_timestamps: Sequence[EmbeddedPdfSignature],
    roots: TrustRoots,
) -> SignatureReport:
    result = await ades.ades_lta_validation(sig, roots.spec())
    status: PdfSignatureStatus | None = result.api_status
    indication = result.ades_subindic
    later = [ts for ts in doc_timestamps if ts.signed_revision > sig.signed_revision]
    archived = bool(later)
    embedded_revinfo = _has_revinfo(sig)
    lt_status: PdfSignatureStatus | None = None
    if indication.status is AdESStatus.INDETERMINATE and embedded_revinfo and status is not None:
        if status.timestamp_validity is not None and not archived:
            # B-LT: as of its own signature timestamp.
            lt_status = await _as_of_timestamp(sig, roots, status.timestamp_validity.timestamp)
        elif status.timestamp_validity is None and archived:
            # Signed without a timestamp, later extended (validation data, then a document
            # timestamp over it): pyHanko's AdES process wants a signature timestamp, so it
            # is checked as of the first document timestamp, as EU DSS does.
            times = [t for t in [await _trusted_time(ts, roots) for ts in later] if t]
            if times:
                lt_status = await _as_of_timestamp(sig, roots, min(times))
    if status is None:
        return _broken(sig, indication)
    timestamp = status.timestamp_validity
    stamped = timestamp.timestamp if timestamp is not None else _signature_timestamp_time(sig)
    level = _level(stamped is not None or archived, embedded_revinfo, archived)
    reasons: list[Reason] = []
    verdict: Verdict
    if indication.status is AdESStatus.PASSED or (lt_status is not None and lt_status.bottom_line):
        verdict = Verdict.VALID
    elif indication.status is AdESStatus.FAILED or not status.intact or not status.valid:
        verdict = Verdict.INVALID
    else:
        verdict = Verdict.INDETERMINATE
    if lt_status is not None and not lt_status.bottom_line and lt_status.revoked:
        verdict = Verdict.INVALID
    if verdict is not Verdict.VALID and _out_of_date(status.signing_cert, stamped):
        reasons.append(_EXPIRED)  # the first thing an auditor should read, when it holds
    reasons.extend(_why(indication, status, embedded_revinfo, lt_status))
    changes, fields = _changes(status)
    if ModificationLevel.OTHER.name.lower() in changes or status.docmdp_ok is False:
        verdict = Verdict.INVALID
        reasons.append(_CONTENT_CHANGED)
    if verdict is Verdict.VALID:
        reasons.insert(0, _valid_reason(level))
    cert = status.signing_cert
    path = status.validation_path
    chain = (
        tuple(common_name(c) for c in reversed(list(path.iter_certs(include_root=True))))
        if path is not None
        else (common_name(cert),)
    )
    return SignatureReport(
        field=sig.field_name or "",
        signer=common_name(cert),
        signer_subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        claimed_time=status.signer_reported_dt or sig.self_reported_timestamp,
        timestamp_time=stamped,
        # The chain was built to a configured root (revocation is reported apart).
        trusted=status.validation_path is not None or (lt_status is not None and lt_status.trusted),
        chain=chain,
        revocation=_revocation(status, lt_status, embedded_revinfo),
        level=level,
        intact=status.intact,
        covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        changes_after=changes,
        changed_fields=fields,
        verdict=verdict,
        reasons=tuple(_dedupe(reasons)),
    )


async def _as_of_timestamp(
    sig: EmbeddedPdfSignature, roots: TrustRoots, when: datetime
) -> PdfSignatureStatus | None:
    """PAdES-LT: the chain checked as of the signature timestamp, with the revocation data
    the file carries (fetched after that moment, so allowed to speak for it)."""
    try:
        store = DocumentSecurityStore.read_dss(sig.reader)
        context = store.as_validation_context(
            {
                "trust_roots": list(roots.certificates),
                "allow_fetching": False,
                "moment": when,
                "retroactive_revinfo": True,
                "revocation_mode": "hard-fail",
            }
        )
        return await async_validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
    except (SignatureValidationError, ValueError, KeyError, PdfReadError):
        return None


async def _trusted_time(stamp: EmbeddedPdfSignature, roots: TrustRoots) -> datetime | None:
    """A document timestamp's time, if the timestamp is intact and its authority chains to
    a trust root: a timestamp anyone could make proves nothing about when a signature
    existed (a forger would date it before a revocation)."""
    try:
        store = DocumentSecurityStore.read_dss(stamp.reader)
        context = store.as_validation_context(
            {"trust_roots": list(roots.certificates), "allow_fetching": False}
        )
        status = await async_validate_pdf_timestamp(stamp, validation_context=context)
    except (SignatureValidationError, ValueError, KeyError, PdfReadError):
        return None
    if not (status.intact and status.valid and status.trusted):
        return None
    moment: datetime = status.timestamp
    return moment


def _out_of_date(certificate: x509.Certificate, signed_at: datetime | None) -> bool:
    """The certificate had ended (or not begun) when the signature is first known to exist:
    its timestamp, or now when it has none."""
    validity = certificate["tbs_certificate"]["validity"]
    moment = signed_at or datetime.now(UTC)
    return bool(moment > validity["not_after"].native or moment < validity["not_before"].native)


def _has_revinfo(sig: EmbeddedPdfSignature) -> bool:
    try:
        store = DocumentSecurityStore.read_dss(sig.reader)
    except (KeyError, ValueError, PdfReadError):
        return False
    return bool(store.ocsps or store.crls)


def _level(stamped: bool, revinfo: bool, archived: bool) -> str:
    if not stamped:
        return "B-B"
    if not revinfo:
        return "B-T"
    return "B-LTA" if archived else "B-LT"


def _changes(status: PdfSignatureStatus) -> tuple[tuple[str, ...], tuple[str, ...]]:
    diff = status.diff_result
    if isinstance(diff, DiffResult):
        level = diff.modification_level
        names = tuple(sorted(diff.changed_form_fields))
    elif diff is not None:  # a SuspiciousModification: pyHanko could not allow it
        level, names = ModificationLevel.OTHER, ()
    else:
        level, names = status.modification_level or ModificationLevel.NONE, ()
    if level is ModificationLevel.NONE:
        return (), names
    return (level.name.lower(),), names


def _revocation(
    status: PdfSignatureStatus, lt_status: PdfSignatureStatus | None, revinfo: bool
) -> str:
    if status.revoked or (lt_status is not None and lt_status.revoked):
        return "revoked"
    if not revinfo:
        return "not_in_file"
    if status.trusted or (lt_status is not None and lt_status.trusted):
        return "good"
    return "not_checked"


def _why(
    indication: Any,
    status: PdfSignatureStatus,
    revinfo: bool,
    lt_status: PdfSignatureStatus | None,
) -> list[Reason]:
    reasons = []
    if not status.intact:
        reasons.append(_ALTERED)
    elif not status.valid:
        reasons.append(_BAD_SIGNATURE)
    if indication is AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND or (
        indication.status is not AdESStatus.PASSED
        and status.validation_path is None
        and status.intact
        and status.valid
    ):
        reasons.append(_UNTRUSTED)
    if status.revoked or (lt_status is not None and lt_status.revoked):
        reasons.append(_REVOKED)
    if indication in (
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    ):
        reasons.append(_EXPIRED)
    if (
        indication.status is AdESStatus.INDETERMINATE
        and not revinfo
        and status.validation_path is not None
    ):
        reasons.append(_NO_REVOCATION_DATA)
    if indication.status is not AdESStatus.PASSED and not reasons and lt_status is None:
        reasons.append(
            Reason(
                indication.name.lower(),
                f"Không xác định được hiệu lực chữ ký ({indication.name}).",
                f"The signature's validity could not be established ({indication.name}).",
            )
        )
    return reasons


def _valid_reason(level: str) -> Reason:
    return Reason(
        "valid",
        f"Chữ ký hợp lệ (PAdES {level}): chuỗi chứng thư đến gốc tin cậy, chứng thư chưa "
        "bị thu hồi theo dữ liệu trong tệp, nội dung đã ký không bị sửa.",
        f"The signature is valid (PAdES {level}): its chain reaches a trusted root, the "
        "file's own revocation data shows the certificate was not revoked, and the signed "
        "content was not altered.",
    )


def _broken(sig: EmbeddedPdfSignature, indication: Any) -> SignatureReport:
    return SignatureReport(
        field=sig.field_name or "",
        signer="",
        signer_subject="",
        issuer="",
        claimed_time=None,
        timestamp_time=None,
        trusted=False,
        chain=(),
        revocation="not_checked",
        level="",
        intact=False,
        covers_whole_file=False,
        changes_after=(),
        changed_fields=(),
        verdict=Verdict.INVALID,
        reasons=(
            Reason(
                "malformed",
                f"Chữ ký không đọc được ({indication.name}).",
                f"The signature cannot be read ({indication.name}).",
            ),
        ),
    )


def _doc_timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    return _token_time(sig.signed_data)


def _signature_timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's own RFC 3161 token, read even when it does not verify."""
    try:
        for token in extract_tst_data_iter(sig.signer_info, signed=False):
            return _token_time(token)
    except (KeyError, ValueError):
        return None
    return None


def _token_time(signed_data: Any) -> datetime | None:
    try:
        info = signed_data["encap_content_info"]["content"].parsed
        when: datetime = info["gen_time"].native
        return when
    except (KeyError, ValueError, AttributeError, TypeError):
        return None


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen: set[str] = set()
    kept = []
    for reason in reasons:
        if reason.code not in seen:
            seen.add(reason.code)
            kept.append(reason)
    return kept


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(VIETNAM).isoformat()


def _unreadable(error: Exception) -> Reason:
    return Reason(
        "unreadable",
        f"Không đọc được tệp PDF ({error}).",
        f"The PDF cannot be read ({error}).",
    )


_NO_SIGNATURE = Reason(
    "no_signature",
    "Tệp không có chữ ký số nào.",
    "The file carries no digital signature.",
)
_ALTERED = Reason(
    "altered",
    "Nội dung đã ký bị thay đổi: mã băm của các byte đã ký không khớp với chữ ký.",
    "The signed content was altered: the signed bytes no longer hash to what was signed.",
)
_BAD_SIGNATURE = Reason(
    "bad_signature",
    "Giá trị chữ ký không khớp với khóa công khai của chứng thư.",
    "The signature value does not verify with the certificate's public key.",
)
_UNTRUSTED = Reason(
    "untrusted",
    "Chứng thư của người ký không dẫn tới chứng thư gốc nào được tin cậy.",
    "The signer's certificate does not chain to any trusted root.",
)
_REVOKED = Reason(
    "revoked",
    "Chứng thư của người ký đã bị thu hồi.",
    "The signer's certificate was revoked.",
)
_EXPIRED = Reason(
    "expired",
    "Chứng thư của người ký đã hết hạn, và tệp không có dấu thời gian chứng minh chữ ký "
    "có từ khi chứng thư còn hạn.",
    "The signer's certificate has expired, and no timestamp in the file proves the "
    "signature existed while it was valid.",
)
_NO_REVOCATION_DATA = Reason(
    "no_revocation_data",
    "Tệp không chứa dữ liệu thu hồi (OCSP/CRL) cho chứng thư: khi không tra cứu trực "
    "tuyến thì không thể khẳng định chứng thư chưa bị thu hồi. Cần ký ở mức B-LT/B-LTA.",
    "The file holds no revocation data (OCSP/CRL) for the certificate: offline, nobody "
    "can tell it was not revoked. Sign at B-LT or B-LTA to keep that data in the file.",
)
_CONTENT_CHANGED = Reason(
    "changed_after_signing",
    "Sau khi ký, tệp đã bị thêm hoặc sửa nội dung (chữ, trang) không thuộc các thay đổi "
    "được phép (điền ô, ký thêm, dấu thời gian): chữ ký không còn chứng thực nội dung hiện tại.",
    "Content (text or pages) was added or changed after signing, beyond the allowed "
    "changes (form filling, further signatures, timestamps): the signature no longer "
    "vouches for what the file now shows.",
)
