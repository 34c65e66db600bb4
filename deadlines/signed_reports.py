"""Periodic reports signed by the head of their unit, and kept.

A leader signs the report of their unit (or of a unit below it) for a period as it stands
today: the report is made exactly as ``GET /api/reports/{form}?format=pdf`` makes it, with
the leader's name and title in the signer block, and signed by the signing stage in the
block's empty field, at the installation's PAdES level: the signature certifies the report,
as a leader's certifies a decision. The signed file goes to the object store under its
digest, locked like an original, before its row is committed, so a crash leaves at worst an
unlisted locked copy, never a listed report without its bytes or an unlocked one. Every
download is checked against the digest; every signing is audited with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, RowMapping, insert, select

from archive.domain.errors import Forbidden, NotFound
from archive.domain.model import Unit
from archive.domain.roles import Role
from archive.metadata import accounts, audit, locks
from archive.services.accounts import unit_named
from archive.services.content import mismatch, missing
from archive.services.context import Actor, Archive
from archive.services.dossiers import today
from archive.services.spool import Spool
from deadlines.reporting import Format, file_of, report_for
from deadlines.reports import Form, ReportPeriod
from deadlines.stats_feed import statistics_for
from deadlines.tables import signed_reports
from signing.batch import Signing
from signing.service import as_archive_error, signing_setup, trust_roots
from signing.stamps import Stamp
from signing.verdicts import FileReport, verify

KEY_PREFIX = "signed-reports"


@dataclass(frozen=True, slots=True)
class SignedReport:
    id: int
    form: str
    period_kind: str
    year: int
    number: int
    period_start: date
    period_end: date
    as_of: date
    unit_code: str
    unit_name: str
    sha256: str
    size: int
    level: str
    signer: str
    signed_by: str
    signed_at: datetime

    def file_name(self) -> str:
        return (
            f"bao-cao-{self.form}-{self.period_start.isoformat()}-{self.period_end.isoformat()}"
            f"-{self.unit_code}-da-ky.pdf"
        )


def storage_key(sha256: str) -> str:
    """Named by the digest, as originals are (the store checks a copy against its name)."""
    return f"{KEY_PREFIX}/{sha256[:2]}/{sha256}"


def signing_unit(archive: Archive, actor: Actor, unit_code: str | None) -> Unit:
    """The unit whose report ``actor`` may sign (their own by default): refused unless a
    leader of it or of a unit above it. Checked before any key or signing service is used."""
    if actor.user.role is not Role.LEADER:
        raise Forbidden(
            "role_not_allowed",
            "Chỉ lãnh đạo (thủ trưởng đơn vị) ký báo cáo thống kê.",
            "Only a leader (the head of the unit) signs a statistics report.",
        )
    with archive.db.read() as conn:
        unit = (
            unit_named(conn, unit_code)
            if unit_code
            else accounts.unit_by_id(conn, actor.user.unit_id)
        )
    if unit is None or not actor.scope.may_change(unit.id):
        raise Forbidden(
            "not_owner_unit",
            "Chỉ ký báo cáo của đơn vị mình hoặc đơn vị trực thuộc.",
            "A leader signs the reports of their own unit or of the units below it only.",
        )
    return unit


def sign(
    archive: Archive,
    actor: Actor,
    form: Form,
    period: ReportPeriod,
    signing: Signing,
    *,
    unit: Unit,
    title: str = "",
    image: bytes | None = None,
) -> SignedReport:
    """Make the report of ``unit`` (as :func:`signing_unit` allowed it) as of today, with
    the signer's name as their certificate gives it, sign it with ``signing`` and keep it;
    raises the refusal otherwise, nothing kept."""
    as_of = today()
    made = report_for(
        archive,
        form,
        period,
        reader=actor,
        unit_code=unit.code,
        as_of=as_of,
        signer_name=signing.name,  # the name under the signature is the certificate's
        signer_title=title,
    )
    pdf = file_of(made, Format.PDF)
    setup = signing_setup(archive.settings)
    stamp = Stamp(name=signing.name, title=title or None, unit=unit.name, image=image)
    reason = f"Ký báo cáo {made.title.lower()} · {made.period_label}"
    (result,) = signing.sign_all([pdf], stamp, setup, reason=reason[:200])
    if not isinstance(result, bytes):
        raise as_archive_error(result)
    sha256 = hashlib.sha256(result).hexdigest()
    key = storage_key(sha256)
    with Spool(archive.incoming_dir, archive.settings.max_upload_bytes) as spool:
        spool.write(result)
        spool.finish()
        archive.store.put_file(key, spool.path, len(result), may_exist=False)
    archive.store.protect(key)  # locked before any row names it
    start, end = made.period_start, made.period_end
    now = datetime.now(UTC)
    with archive.db.write() as conn:
        locks.lock_object_key(conn, key)
        report_id = conn.execute(
            insert(signed_reports)
            .values(
                form=form.value,
                period_kind=period.kind.value,
                year=period.year,
                number=period.number,
                period_start=start,
                period_end=end,
                as_of=as_of,
                unit_id=unit.id,
                storage_key=key,
                sha256=sha256,
                size=len(result),
                level=setup.level.value,
                signer=signing.name,
                signed_by=actor.user.id,
                signed_at=now,
            )
            .returning(signed_reports.c.id)
        ).scalar_one()
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="report.sign",
            object_type="report",
            object_id=f"{form.value}:{start.isoformat()}..{end.isoformat()}",
            unit_id=unit.id,
            detail={
                "signed_report": report_id,
                "unit": unit.code,
                "as_of": as_of.isoformat(),
                "sha256": sha256,
                "signer": signing.name,
                "level": setup.level.value,
            },
        )
    return get(archive, actor, report_id)


def _readable(actor: Actor, row: RowMapping) -> bool:
    """Those who read the unit; an auditor, a report whose whole period lies within a grant
    of its unit (the report counts all the unit's cases, not only those of the grant)."""
    scope = actor.scope
    unit_id = int(row["unit_id"])
    if scope.everything:
        return True
    if scope.role is Role.AUDITOR:
        return any(
            unit_id in grant.unit_ids
            and grant.period_from <= row["period_start"]
            and row["period_end"] <= grant.period_to
            for grant in scope.grants
        )
    return unit_id in scope.unit_ids


def listed(
    archive: Archive, actor: Actor, *, form: Form | None = None, year: int | None = None
) -> Sequence[SignedReport]:
    """The signed reports of the units one may read, newest first."""
    statistics_for(archive)  # the stage's tables exist from here on
    query = select(signed_reports).order_by(signed_reports.c.id.desc())
    if form is not None:
        query = query.where(signed_reports.c.form == form.value)
    if year is not None:
        query = query.where(signed_reports.c.year == year)
    with archive.db.read() as conn:
        rows = conn.execute(query).mappings().all()
        units = {u.id: u for u in accounts.list_units(conn)}
        people = _names(conn, {int(r["signed_by"]) for r in rows})
    return [_record(row, units, people) for row in rows if _readable(actor, row)]


def not_found(report_id: int) -> NotFound:
    return NotFound(
        "report_not_found",
        f"Không có báo cáo đã ký số {report_id}, hoặc bạn không được xem.",
        f"There is no signed report {report_id}, or you may not read it.",
    )


def get(archive: Archive, actor: Actor, report_id: int, form: Form | None = None) -> SignedReport:
    """The signed report (of ``form``, when given) if one may read it."""
    statistics_for(archive)
    with archive.db.read() as conn:
        row = (
            conn.execute(select(signed_reports).where(signed_reports.c.id == report_id))
            .mappings()
            .first()
        )
        if (
            row is None
            or not _readable(actor, row)
            or (form is not None and row["form"] != form.value)
        ):
            raise not_found(report_id)
        units = {u.id: u for u in accounts.list_units(conn)}
        people = _names(conn, {int(row["signed_by"])})
    return _record(row, units, people)


def content(
    archive: Archive, actor: Actor, report_id: int, form: Form | None = None
) -> tuple[SignedReport, bytes]:
    """The signed file, read whole and checked against its digest (a report is small)."""
    found = get(archive, actor, report_id, form)
    key = storage_key(found.sha256)
    try:
        data = b"".join(archive.store.read(key))
    except FileNotFoundError:
        raise missing(key) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != found.sha256:
        raise mismatch(storage_key=key, expected=found.sha256, actual=actual)
    return found, data


def verification(archive: Archive, found: SignedReport, data: bytes) -> FileReport:
    """Every signature of the signed report (``data``, as read by :func:`content`),
    checked offline like a document's."""
    return verify(data, trust_roots(archive.settings), name=f"bao-cao/{found.id}")


def _names(conn: Connection, ids: set[int]) -> dict[int, str]:
    found = {}
    for user_id in ids:
        user = accounts.user_by_id(conn, user_id)
        found[user_id] = user.username if user is not None else str(user_id)
    return found


def _record(row: RowMapping, units: Mapping[int, Unit], people: Mapping[int, str]) -> SignedReport:
    unit = units.get(int(row["unit_id"]))
    return SignedReport(
        id=int(row["id"]),
        form=str(row["form"]),
        period_kind=str(row["period_kind"]),
        year=int(row["year"]),
        number=int(row["number"]),
        period_start=row["period_start"],
        period_end=row["period_end"],
        as_of=row["as_of"],
        unit_code=unit.code if unit else str(row["unit_id"]),
        unit_name=unit.name if unit else "",
        sha256=str(row["sha256"]),
        size=int(row["size"]),
        level=str(row["level"]),
        signer=str(row["signer"]),
        signed_by=people.get(int(row["signed_by"]), ""),
        signed_at=row["signed_at"],
    )
