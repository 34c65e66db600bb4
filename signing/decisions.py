"""Decisions made from templates, through the workflow: make, submit, return, sign, issue.

Making a decision renders the template with the dossier's data (``templates``), lays it
out with its fields (``decision_pdf``) and stores it as a document of the dossier, in the
draft state. Issuing fills the number and date of issue and adds the agency's signature in
its reserved field, both appended to the leader-signed version as incremental updates and
stored as the next version: the leader's signature stays valid, and its verification lists
those changes as allowed form filling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from archive.domain.access import require
from archive.domain.errors import Conflict, Forbidden, Invalid, NotFound
from archive.domain.model import Document
from archive.domain.roles import Action, Role
from archive.metadata import accounts
from archive.metadata import documents as document_rows
from archive.metadata.schema import users
from archive.services import documents as document_service
from archive.services.context import Actor, Archive, actor_in
from archive.services.documents import DocumentDraft
from archive.services.spool import Spool
from archive.services.versions import ReceivedFile
from signing import service, templates, workflow
from signing.decision_pdf import decision_pdf
from signing.form_fields import AGENCY_FIELD, DATE_FIELD, NUMBER_FIELD, FieldsRefused, fill
from signing.keys import KeyRefused, SignerKey
from signing.pades import SigningRefused, sign
from signing.stamps import Stamp
from signing.workflow import Decision, State

DECISION_KIND = "quyet_dinh_xu_phat"


def issue_date_text(day: date) -> str:
    """Decree 30's date line: days below 10 and the months 1 and 2 take a leading zero."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def _leader(archive: Archive, username: str, unit_id: int) -> tuple[int, str]:
    with archive.db.read() as conn:
        row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        user = accounts.user_by_id(conn, row[0]) if row else None
        if user is None or not user.active or user.role is not Role.LEADER:
            raise Invalid(
                "not_a_leader",
                f"'{username}' không phải tài khoản lãnh đạo đang hoạt động: quyết định chỉ "
                "trình được cho lãnh đạo ký.",
                f"'{username}' is not an active leader's account: a decision is submitted "
                "to a leader to sign.",
            )
        if not actor_in(conn, user).scope.may_change(unit_id):
            raise Invalid(
                "not_a_leader",
                f"Lãnh đạo '{username}' không phụ trách đơn vị giữ hồ sơ này.",
                f"The leader '{username}' does not head the unit that keeps this dossier.",
            )
    return user.id, user.full_name


def make(
    archive: Archive,
    actor: Actor,
    dossier_id: int,
    *,
    template: str,
    leader: str,
    signer_title: str,
) -> tuple[Document, Decision]:
    """A decision drafted from ``template`` with the dossier's data, to be signed by the
    leader named ``leader`` (their name and ``signer_title`` are printed in it)."""
    dossier = document_service.check_can_add(archive, actor, dossier_id)
    leader_id, leader_name = _leader(archive, leader, dossier.unit_id)
    with archive.db.read() as conn:
        unit = accounts.unit_by_id(conn, dossier.unit_id)
        parent = accounts.unit_by_id(conn, unit.parent_id) if unit and unit.parent_id else None
    unit_name = unit.name if unit else ""
    case_type = archive.case_type_of(dossier)
    field = next((f.name.vi for f in case_type.fields_of_law if f.code == dossier.field), "")
    values = templates.dossier_values(
        dossier,
        unit_name=unit_name,
        parent_name=parent.name if parent else "",
        place=archive.settings.report_place or "…",
        field_name=field,
        signer_name=leader_name,
        signer_title=signer_title,
    )
    text = templates.render(template, values, archive.settings.decision_templates)
    pdf = decision_pdf(text)
    with Spool(archive.incoming_dir, archive.settings.max_upload_bytes) as spool:
        spool.write(pdf)
        sha256 = spool.finish()
        received = ReceivedFile(
            spool.path, sha256, spool.size, f"{template}.pdf", spool.chunk_digests
        )
        document = document_service.add(
            archive,
            actor,
            dossier_id,
            DocumentDraft(
                kind=DECISION_KIND, title=f"{text.kind.capitalize()} {text.summary.lower()}"
            ),
            received,
            checked=dossier,
        )
    workflow.workflow_for(archive)
    with archive.db.write() as conn:
        workflow.record(
            conn,
            document_id=document.id,
            dossier_id=dossier_id,
            unit_id=dossier.unit_id,
            template=template,
            leader_id=leader_id,
            created_by=actor.user.id,
        )
    found = workflow.find(archive, document.id)
    assert found is not None
    return document, found


def _current(archive: Archive, actor: Actor, document_id: int) -> tuple[int, str]:
    current = document_service.fetch(archive, actor, document_id, record=False).current
    return current.version, current.sha256


def _found(archive: Archive, actor: Actor, document_id: int) -> Decision:
    document_service.fetch(archive, actor, document_id, record=False)  # 404 unless readable
    decision = workflow.find(archive, document_id)
    if decision is None:
        raise NotFound(
            "decision_not_found",
            "Không có quyết định nào ứng với tài liệu này trong quy trình ký.",
            "No decision in the signing workflow matches this document.",
        )
    return decision


def get(archive: Archive, actor: Actor, document_id: int) -> Decision:
    return _found(archive, actor, document_id)


def submit(archive: Archive, actor: Actor, document_id: int, note: str | None) -> Decision:
    """The official sends the draft (or the returned decision, changed) to its leader."""
    require(actor.user, Action.ADD_DOCUMENT)
    decision = _found(archive, actor, document_id)
    if not actor.scope.may_change(decision.unit_id):
        raise _not_owner()
    version, sha256 = _current(archive, actor, document_id)
    return workflow.move(
        archive,
        actor,
        document_id,
        wanted=(State.DRAFT, State.RETURNED),
        to=State.SUBMITTED,
        action="decision.submit",
        sha256=sha256,
        submitted_at=datetime.now(UTC),
        submitted_version=version,
        note=note,
    )


def give_back(archive: Archive, actor: Actor, document_id: int, reason: str) -> Decision:
    """The leader returns the decision unsigned, saying why."""
    require(actor.user, Action.SIGN)
    _found(archive, actor, document_id)
    return workflow.move(
        archive,
        actor,
        document_id,
        wanted=(State.SUBMITTED,),
        to=State.RETURNED,
        action="decision.return",
        sha256=_current(archive, actor, document_id)[1],
        check=workflow.only_the_leader(actor),
        returned_reason=reason,
    )


def check_signable(archive: Archive, actor: Actor, document_id: int) -> Decision | None:
    """Before the leader signs: a decision must be submitted to them; a document outside
    the workflow is signed as any document is."""
    decision = workflow.find(archive, document_id)
    if decision is None:
        return None
    if decision.state is State.SIGNED and actor.user.role is Role.CLERK:
        raise Invalid(
            "issue_instead",
            "Quyết định đã được lãnh đạo ký: văn thư ban hành nó (cho số, ngày và ký số cơ "
            "quan) bằng thao tác Ban hành, không ký thêm ở đây.",
            "The leader has signed this decision: the clerk issues it (number, date and the "
            "agency's signature) with Issue, not by signing here.",
        )
    if decision.state is not State.SUBMITTED:
        raise workflow.wrong_state(decision, (State.SUBMITTED,))
    workflow.only_the_leader(actor)(decision)
    if _current(archive, actor, document_id)[0] != decision.submitted_version:
        raise _changed_since_submitted(decision)
    return decision


def signed_step(actor: Actor, document_id: int) -> Callable[[Connection], None]:
    """The leader's signature moves the decision to signed, in the transaction that stores
    the signed version: both happen or neither. The version signed must be the one
    submitted: a decision changed after it was submitted is submitted again first."""

    def check(decision: Decision) -> None:
        workflow.only_the_leader(actor)(decision)

    def move(conn: Connection) -> None:
        stored = document_rows.get(conn, document_id)
        assert stored is not None
        signed_from = stored.current.derived_from
        decision = workflow.find_in(conn, document_id)
        if decision is not None and decision.submitted_version != signed_from:
            raise _changed_since_submitted(decision)
        workflow.step(
            conn,
            actor,
            document_id,
            wanted=(State.SUBMITTED,),
            to=State.SIGNED,
            action="decision.sign",
            sha256=stored.current.sha256,
            check=check,
            signed_at=datetime.now(UTC),
            signed_version=stored.current.version,
        )

    return move


def _changed_since_submitted(decision: Decision) -> Conflict:
    return Conflict(
        "decision_changed",
        "Quyết định đã được sửa sau khi trình ký: bản đang có không phải bản lãnh đạo được "
        "trình. Chuyên viên cần trình lại trước khi ký.",
        "The decision was changed after it was submitted: the current version is not the "
        "one the leader was asked to sign. The official must submit it again first.",
        submitted_version=decision.submitted_version,
    )


def issue(
    archive: Archive,
    actor: Actor,
    document_id: int,
    *,
    number: str,
    issued_on: date,
    key: SignerKey,
    image: bytes | None = None,
) -> Decision:
    """The clerk gives the signed decision its number and date and the agency's signature."""
    if actor.user.role not in (Role.CLERK, Role.ADMIN):
        raise Forbidden(
            "role_not_allowed",
            "Chỉ văn thư ban hành quyết định (cho số, ngày và ký số cơ quan).",
            "Only a clerk issues a decision (number, date and the agency's signature).",
        )
    document_service.check_can_sign(archive, actor, document_id)
    decision = _found(archive, actor, document_id)
    if decision.state is not State.SIGNED:
        raise workflow.wrong_state(decision, (State.SIGNED,))
    document, version, pdf = service.current_pdf(archive, actor, document_id)
    if version != decision.signed_version:
        raise Conflict(
            "decision_changed",
            "Bản hiện hành của quyết định không phải bản lãnh đạo đã ký: không ban hành được. "
            "Hãy báo chuyên viên kiểm tra lịch sử phiên bản của tài liệu.",
            "The decision's current version is not the one the leader signed: it cannot be "
            "issued. Ask the official to check the document's version history.",
            signed_version=decision.signed_version,
        )
    unit = service.unit_name(archive, actor)
    try:
        filled = fill(pdf, {NUMBER_FIELD: number, DATE_FIELD: issue_date_text(issued_on)})
        sealed = sign(
            filled,
            key,
            Stamp(name=key.name, unit=unit, image=image),
            service.signing_setup(archive.settings),
            field_name=AGENCY_FIELD,
            reason="Ban hành",
        )
    except (FieldsRefused, KeyRefused, SigningRefused) as refused:
        raise service.as_archive_error(refused) from None
    issued_at = datetime.now(UTC)

    def move(conn: Connection) -> None:
        stored = document_rows.get(conn, document_id)
        assert stored is not None
        workflow.step(
            conn,
            actor,
            document_id,
            wanted=(State.SIGNED,),
            to=State.ISSUED,
            action="decision.issue",
            sha256=stored.current.sha256,
            issued_by=actor.user.id,
            issued_at=issued_at,
            number=number,
            issued_on=issued_on,
            issued_version=stored.current.version,
        )

    service.store_signed(archive, actor, document, version, sealed, key.name, with_it=move)
    document_service.change(archive, actor, document_id, {"number": number, "issued_on": issued_on})
    found = workflow.find(archive, document_id)
    assert found is not None
    return found


def _not_owner() -> Forbidden:
    return Forbidden(
        "not_owner_unit",
        "Chỉ đơn vị giữ hồ sơ mới trình được quyết định của hồ sơ.",
        "Only the unit that keeps the dossier submits its decisions.",
    )


def waiting(archive: Archive, actor: Actor) -> Sequence[Decision]:
    return workflow.inbox(archive, actor)
